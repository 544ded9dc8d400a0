// The run lifecycle, driven by hand: fake agents (a send function and messages we feed back) and a
// manual clock. No sockets, no sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CoordMsg } from '../../../common/protocol.js';
import { agentPlanSchema } from '../../../common/plan.js';
import { encodeHistogram, newHistogram } from '../../../common/histogram.js';
import { emptyStats } from '../../../common/stats.js';
import type { Stats } from '../../../common/stats.js';
import { validateScenario } from '../../../common/scenario.js';
import type { ScenarioInput } from '../../../common/scenario.js';
import { TestRun } from '../../../coordinator/test-run.js';
import type { LiveLine } from '../../../coordinator/test-run.js';
import { ManualClock } from '../../helpers/manual-clock.js';

function scenarioOf(input: ScenarioInput) {
  const v = validateScenario(input);
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return v.scenario;
}

function statsOf(requests: number, latencyUs: number): Stats {
  const h = newHistogram();
  for (let i = 0; i < requests; i++) h.recordValue(latencyUs);
  const enc = encodeHistogram(h);
  return { ...emptyStats(), requests, sent: requests, statusCodes: requests > 0 ? { '200': requests } : {}, latencyHist: enc, serviceHist: enc };
}

function setup(input: ScenarioInput = { request: { url: 'http://127.0.0.1:1/' }, load: { model: 'open', rate: 100, duration: '3s' } }) {
  const clock = new ManualClock();
  const sent: { to: string; m: CoordMsg }[] = [];
  const ticks: LiveLine[] = [];
  const notices: string[] = [];
  const run = new TestRun({
    runId: 'r1', scenario: scenarioOf(input), agents: [{ id: 'a', host: 'ha' }, { id: 'b', host: 'hb' }], clock,
    startedAtEpochMs: 0, snapshotIntervalMs: 1_000, send: (to, m) => { sent.push({ to, m }); return true; },
    listener: { onTick: (l) => ticks.push(l), onNotice: (level, m) => notices.push(`${level}: ${m}`) }, finishGraceMs: 5_000,
  });
  let seq: Record<string, number> = { a: 0, b: 0 };
  const snapshot = (agent: string, index: number, stats: Stats, rateRps = 50): void => {
    run.onAgentMessage(agent, { kind: 'snapshot', runId: 'r1', seq: ++seq[agent]!, phase: 'main', intervalIndex: index, intervalMs: 1_000, stats, rateRps, concurrency: 0 });
  };
  const done = (agent: string, main: Stats): void => {
    run.onAgentMessage(agent, { kind: 'done', runId: 'r1', lastSeq: seq[agent]!, main, warmup: emptyStats(), durationMs: 3_000 });
  };
  return { clock, run, sent, ticks, notices, snapshot, done, resetSeq: () => { seq = { a: 0, b: 0 }; } };
}

test('start assigns every agent a valid plan with its share of the rate', () => {
  const { run, sent } = setup();
  run.start();
  const assigns = sent.filter((s) => s.m.kind === 'assign');
  assert.deepEqual(assigns.map((s) => s.to), ['a', 'b']);
  for (const s of assigns) {
    const plan = agentPlanSchema.parse(JSON.parse((s.m as { planJson: string }).planJson));
    assert.equal(plan.runId, 'r1');
    assert.deepEqual(plan.segments, [{ durationMs: 3_000, from: 50, to: 50 }]);
  }
});

test('a live line shows the newest interval every agent reported, merged', () => {
  const { clock, run, ticks, snapshot } = setup();
  run.start();
  run.onAgentMessage('a', { kind: 'ready', runId: 'r1' });
  run.onAgentMessage('b', { kind: 'ready', runId: 'r1' });
  snapshot('a', 0, statsOf(50, 1_000));
  clock.advance(1_000);
  assert.equal(ticks.length, 0, 'b has not reported interval 0 yet');
  snapshot('b', 0, statsOf(49, 3_000));
  clock.advance(1_000);
  assert.equal(ticks.length, 1);
  const t = ticks[0]!;
  assert.equal(t.figures.requests, 99);
  assert.equal(t.figures.targetRps, 100);
  assert.equal(t.agents, 2);
});

test('the run finishes when every agent sent done, with totals from their figures', async () => {
  const { run, snapshot, done } = setup();
  run.start();
  for (const agent of ['a', 'b']) {
    for (let i = 0; i < 3; i++) snapshot(agent, i, statsOf(50, 1_000));
  }
  done('a', statsOf(150, 1_000));
  assert.equal(run.currentState, 'running', 'b is still out');
  done('b', statsOf(150, 1_000));
  const report = await run.report;
  assert.equal(report.summary.requests, 300);
  assert.equal(report.verdict, 'pass');
  assert.equal(report.summary.latencyMs.p50, 1);
});

test('setRate splits the new global rate and records the change', () => {
  const { clock, run, sent } = setup();
  run.start();
  clock.advance(1_500);
  const r = run.setRate(300, 2_000, 'test');
  assert.equal(r.agents, 2);
  const changes = sent.filter((s) => s.m.kind === 'set-rate').map((s) => [s.to, (s.m as { rateRps: number }).rateRps, (s.m as { rampMs: number }).rampMs]);
  assert.deepEqual(changes, [['a', 150, 2_000], ['b', 150, 2_000]]);
  assert.equal(run.status().targetRps, 300);
  assert.throws(() => run.setRate(-1, 0, 'test'), /rate must be a number >= 0/);
  assert.throws(() => run.setConcurrency(5, 'test'), /open model/);
});

test('stop sends stop to live agents once; a second stop is harmless', () => {
  const { run, sent } = setup();
  run.start();
  run.stop('user');
  run.stop('again');
  assert.deepEqual(sent.filter((s) => s.m.kind === 'stop').map((s) => s.to), ['a', 'b']);
  assert.equal(run.currentState, 'stopping');
});

test('an agent lost mid-run fails the run, and the others still finish it', async () => {
  const { run, snapshot, done, notices } = setup();
  run.start();
  snapshot('a', 0, statsOf(50, 1_000));
  run.onAgentLeft('b', 'missed 3 heartbeats');
  assert.ok(notices.some((n) => n.startsWith('error: agent b lost: missed 3 heartbeats')));
  done('a', statsOf(50, 1_000));
  const report = await run.report;
  assert.equal(report.verdict, 'failed');
  assert.deepEqual(report.failures, ['agent b lost: missed 3 heartbeats']);
  assert.equal(report.summary.requests, 50);
});

test('agents that never send done are given up on after the grace, and the report still comes', async () => {
  const { clock, run, snapshot } = setup();
  run.start();
  snapshot('a', 0, statsOf(10, 1_000));
  clock.advance(3_000 + 5_000 + 1);
  const report = await run.report;
  assert.equal(report.verdict, 'failed');
  assert.equal(report.failures.length, 2);
  assert.match(report.failures[0] ?? '', /sent no final report in time/);
  assert.equal(report.summary.requests, 10);
});

test('a failure message from an agent is recorded with its code', async () => {
  const { run, done } = setup();
  run.start();
  run.onAgentMessage('a', { kind: 'failure', runId: 'r1', code: 'PLAN_INVALID', message: 'no' });
  done('b', statsOf(0, 1));
  const report = await run.report;
  assert.deepEqual(report.failures, ['agent a failed: PLAN_INVALID: no']);
});

test('messages of another run are ignored', () => {
  const { run, snapshot } = setup();
  run.start();
  run.onAgentMessage('a', { kind: 'done', runId: 'other', lastSeq: 0, main: emptyStats(), warmup: emptyStats(), durationMs: 0 });
  assert.equal(run.currentState, 'running');
  snapshot('a', 0, statsOf(1, 1));
  assert.equal(run.status().agents.find((a) => a.id === 'a')?.state, 'assigned');
});
