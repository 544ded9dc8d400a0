// The run lifecycle, driven by hand: fake agents (a send function and messages we feed back) and a
// manual clock. No sockets, no sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CoordMsg } from '../../../../common/protocol/messages.js';
import { loopsChange, rateChange } from '../../../../common/protocol/live-change.js';
import { agentPlanSchema } from '../../../../common/plan/agent-plan.js';
import { encodeHistogram, newHistogram } from '../../../../common/metrics/histogram.js';
import { emptyStats } from '../../../../common/metrics/stats.js';
import type { Stats } from '../../../../common/metrics/stats.js';
import { validateScenario } from '../../../../common/scenario/scenario.js';
import type { ScenarioInput } from '../../../../common/scenario/scenario.js';
import { TestRun } from '../../../../coordinator/run/test-run.js';
import type { LiveLine } from '../../../../coordinator/run/test-run.js';
import { ManualClock } from '../../../helpers/manual-clock.js';

type ShareChange = Extract<CoordMsg, { kind: 'share-change' }>;

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
    run.onAgentMessage(agent, { kind: 'snapshot', runId: 'r1', assignment: 1, seq: ++seq[agent]!, phase: 'main', intervalIndex: index, intervalMs: 1_000, stats, rateRps, concurrency: 0 });
  };
  const done = (agent: string, main: Stats): void => {
    run.onAgentMessage(agent, { kind: 'done', runId: 'r1', assignment: 1, lastSeq: seq[agent]!, main, warmup: emptyStats(), durationMs: 3_000 });
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
  run.onAgentMessage('a', { kind: 'ready', runId: 'r1', assignment: 1 });
  run.onAgentMessage('b', { kind: 'ready', runId: 'r1', assignment: 1 });
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

test('an interval is shown a quarter interval after the last live agent reports it, not at the next timer tick', () => {
  const { clock, run, ticks, snapshot } = setup({ request: { url: 'http://127.0.0.1:1/' }, load: { model: 'open', rate: 100, duration: '5s' } });
  run.start();
  clock.advance(1_000); // the timer ticks before the snapshots of interval 0 arrive (agents' edges lag it)
  snapshot('a', 0, statsOf(50, 1_000));
  clock.advance(250);
  assert.equal(ticks.length, 0, 'b has not reported interval 0');
  snapshot('b', 0, statsOf(50, 1_000));
  assert.equal(ticks.length, 0, 'not on the agents\' interval edge');
  clock.advance(250);
  assert.deepEqual(ticks.map((t) => t.figures.index), [0], 'shown 250 ms after b\'s snapshot, not at the timer (500 ms later)');
  clock.advance(500); // the timer (t = 2 s)
  snapshot('b', 1, statsOf(50, 1_000));
  snapshot('a', 1, statsOf(50, 1_000));
  clock.advance(250);
  assert.deepEqual(ticks.map((t) => t.figures.index), [0, 1]);
  clock.advance(1_000);
  assert.equal(ticks.length, 2, 'the timer shows nothing twice');
  // A repeated (late) snapshot of a shown interval does not show anything again.
  snapshot('a', 1, statsOf(1, 1_000));
  assert.equal(ticks.length, 2);
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

test('a rate change sends each agent its half of the fleet schedule from now (a ramp cut by the end keeps its slope)', () => {
  const { clock, run, sent } = setup();
  run.start();
  clock.advance(1_500);
  const r = run.change(rateChange(300, 2_000), 'test');
  assert.equal(r.agents, 2);
  const changes = sent.filter((s) => s.m.kind === 'share-change').map((s) => [s.to, (s.m as ShareChange).share]);
  // 100/s ramping to 300/s over 2 s, cut at the end 1.5 s later (at 250/s): half each.
  const share = { kind: 'rate', tail: [{ durationMs: 1_500, from: 50, to: 125 }] };
  assert.deepEqual(changes, [['a', share], ['b', share]]);
  clock.advance(1_000);
  assert.equal(run.status().targetRps, 100 + 200 * (1_000 / 2_000));
  assert.throws(() => run.change(loopsChange(5), 'test'), /open model/);
});

test('stop sends stop to live agents once; a second stop is harmless', () => {
  const { run, sent } = setup();
  run.start();
  run.stop('user');
  run.stop('again');
  assert.deepEqual(sent.filter((s) => s.m.kind === 'stop').map((s) => s.to), ['a', 'b']);
  assert.equal(run.currentState, 'stopping');
});

test('an agent lost for good: the others finish the run; the loss is in the timeline and its missing figures are named', async () => {
  const { clock, run, snapshot, done, notices } = setup();
  run.start();
  snapshot('a', 0, statsOf(50, 1_000));
  run.onAgentLeft('b', 'missed 4 heartbeats');
  assert.ok(notices.some((n) => n.startsWith('error: agent b lost: missed 4 heartbeats')));
  clock.advance(3_000);
  done('a', statsOf(50, 1_000));
  assert.equal(run.currentState, 'running', 'b may still reconnect and resend its figures');
  clock.advance(5_000); // the give-up (5 s grace) comes before the end plus the drain (10 s request timeout)
  const report = await run.report;
  assert.equal(report.verdict, 'incomplete', 'a loss under the rebalance policy is not a failure by itself, but figures are missing');
  assert.equal(report.verdictIfIncompleteAllowed?.verdict, 'pass', 'what --allow-incomplete makes it');
  assert.deepEqual(report.failures, []);
  assert.equal(report.incomplete.length, 1);
  assert.match(report.incomplete[0] ?? '', /agent b was lost and its final figures never arrived/);
  assert.deepEqual(report.timeline.map((e) => [e.kind, e.agentId ?? '']), [['lost', 'b'], ['reshare', '']]);
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
  run.onAgentMessage('a', { kind: 'failure', runId: 'r1', assignment: 1, code: 'PLAN_INVALID', message: 'no' });
  done('b', statsOf(0, 1));
  const report = await run.report;
  assert.deepEqual(report.failures, ['agent a failed: PLAN_INVALID: no']);
});

test('a capped live change is a notice (a warning and a limit event), not a failure: the agent runs on', async () => {
  const { run, done, notices } = setup();
  run.start();
  run.onAgentMessage('a', { kind: 'limit-capped', runId: 'r1', assignment: 1, changeId: 1, message: 'agent a capped change 1 at its --max-rate 20 req/s' });
  assert.ok(notices.includes('warn: agent a capped change 1 at its --max-rate 20 req/s'), notices.join('\n'));
  done('a', statsOf(0, 1));
  done('b', statsOf(0, 1));
  const report = await run.report;
  assert.deepEqual(report.failures, []);
  assert.deepEqual(report.timeline.filter((e) => e.kind === 'limit').map((e) => [e.agentId, e.detail]), [['a', 'agent a capped change 1 at its --max-rate 20 req/s']]);
});

test('messages of another run are ignored', () => {
  const { run, snapshot } = setup();
  run.start();
  run.onAgentMessage('a', { kind: 'done', runId: 'other', assignment: 1, lastSeq: 0, main: emptyStats(), warmup: emptyStats(), durationMs: 0 });
  assert.equal(run.currentState, 'running');
  snapshot('a', 0, statsOf(1, 1));
  assert.equal(run.status().agents.find((a) => a.id === 'a')?.state, 'assigned');
});

// ---------- elastic fleet ----------

function elastic(onAgentLoss: 'rebalance' | 'fail' | 'continue' = 'rebalance') {
  const clock = new ManualClock();
  const sent: { to: string; m: CoordMsg }[] = [];
  const run = new TestRun({
    runId: 'r1', scenario: scenarioOf({ request: { url: 'http://127.0.0.1:1/' }, load: { model: 'open', rate: 100, duration: '3s' } }),
    agents: [{ id: 'a', host: 'ha' }, { id: 'b', host: 'hb' }], clock, startedAtEpochMs: 0, snapshotIntervalMs: 1_000,
    send: (to, m) => { sent.push({ to, m }); return true; }, listener: { onTick: () => {}, onNotice: () => {} }, finishGraceMs: 5_000, onAgentLoss,
  });
  const seq: Record<string, number> = {};
  const snapshot = (agent: string, index: number, stats: Stats, assignment = 1, rateRps = 50): void => {
    const k = `${agent}/${assignment}`;
    seq[k] = (seq[k] ?? 0) + 1;
    run.onAgentMessage(agent, { kind: 'snapshot', runId: 'r1', assignment, seq: seq[k]!, phase: 'main', intervalIndex: index, intervalMs: 1_000, stats, rateRps, concurrency: 0 });
  };
  const done = (agent: string, main: Stats, assignment = 1): void => {
    run.onAgentMessage(agent, { kind: 'done', runId: 'r1', assignment, lastSeq: seq[`${agent}/${assignment}`] ?? 0, main, warmup: emptyStats(), durationMs: 3_000 });
  };
  const tails = (): Record<string, number> =>
    Object.fromEntries(sent.filter((s) => s.m.kind === 'share-change').map((s) => [s.to, (s.m as ShareChange).share.tail[0]!.from]));
  return { clock, run, sent, snapshot, done, tails };
}

test('an agent joining mid-test gets its share from now, aligned to the run\'s intervals, and the others shrink', () => {
  const { clock, run, sent, tails } = elastic();
  run.start();
  clock.advance(1_500);
  assert.equal(run.join('c', 'hc'), true);
  const assign = sent.find((s) => s.to === 'c' && s.m.kind === 'assign')?.m as { assignment: number; planJson: string };
  const plan = agentPlanSchema.parse(JSON.parse(assign.planJson));
  assert.equal(assign.assignment, 1);
  assert.equal(plan.warmupMs, 0);
  assert.equal(plan.intervalOffset, 1, 'it joined during interval 1 ...');
  assert.equal(plan.firstIntervalMs, 500, '... which ends 500 ms later');
  assert.equal(plan.segments.length, 1);
  assert.ok(Math.abs(plan.segments[0]!.durationMs - 1_500) < 1e-9);
  assert.ok(Math.abs(plan.segments[0]!.from - 100 / 3) < 1e-9);
  const t = tails();
  assert.deepEqual(Object.keys(t).sort(), ['a', 'b'], 'the others are reshared, not the joiner');
  assert.ok(Math.abs(t.a! + t.b! + plan.segments[0]!.from - 100) < 1e-9, 'the fleet still sums to 100/s');
  assert.deepEqual(run.status().agents.map((a) => a.id), ['a', 'b', 'c']);
});

test('a graceful leave moves the share at once; its Done still counts', async () => {
  const { clock, run, snapshot, done, tails } = elastic();
  run.start();
  clock.advance(1_000);
  run.onAgentMessage('b', { kind: 'leaving', runId: 'r1', assignment: 1, reason: 'agent shutting down' });
  assert.deepEqual(tails(), { a: 100 });
  snapshot('b', 0, statsOf(50, 1_000));
  done('b', statsOf(50, 1_000));
  clock.advance(2_000);
  snapshot('a', 0, statsOf(150, 1_000));
  done('a', statsOf(150, 1_000));
  const report = await run.report;
  assert.equal(report.summary.requests, 200);
  assert.equal(report.verdict, 'pass');
  assert.deepEqual(report.timeline.map((e) => `${e.kind} ${e.agentId ?? ''}`.trim()), ['leave b', 'reshare']);
});

test('--on-agent-loss fail aborts the run (verdict agent-lost); continue keeps the others\' shares', async () => {
  {
    const { clock, run, sent, done } = elastic('fail');
    run.start();
    clock.advance(1_000);
    run.onAgentLeft('b', 'missed 4 heartbeats');
    assert.deepEqual(sent.filter((s) => s.m.kind === 'stop').map((s) => s.to), ['a']);
    done('a', statsOf(10, 1_000));
    clock.advance(7_000); // b may still resend its figures until the give-up (3 s + 5 s grace)
    const report = await run.report;
    assert.equal(report.verdict, 'agent-lost');
    assert.match(report.verdictReasons[0] ?? '', /aborted: agent b lost: missed 4 heartbeats/);
  }
  {
    const { clock, run, sent } = elastic('continue');
    run.start();
    clock.advance(1_000);
    run.onAgentLeft('b', 'missed 4 heartbeats');
    assert.equal(sent.filter((s) => s.m.kind === 'share-change' || s.m.kind === 'stop').length, 0);
    assert.equal(run.currentState, 'running');
  }
});

test('acknowledgements of a rate change are recorded in the timeline and awaited', async () => {
  const { clock, run } = elastic();
  run.start();
  clock.advance(500);
  const { changeId } = run.change(rateChange(200, 0), 'test');
  const waiting = run.whenApplied(changeId);
  clock.advance(3);
  run.onAgentMessage('a', { kind: 'applied', runId: 'r1', assignment: 1, changeId, appliedAtMs: 503 });
  clock.advance(4);
  run.onAgentMessage('b', { kind: 'applied', runId: 'r1', assignment: 1, changeId, appliedAtMs: 507 });
  run.onAgentMessage('b', { kind: 'applied', runId: 'r1', assignment: 1, changeId, appliedAtMs: 507 });
  assert.deepEqual(await waiting, { applied: 2, expected: 2, appliedMs: 7 });
  const partial = run.whenApplied(run.change(rateChange(300, 0), 'test').changeId, 1_000);
  clock.advance(1_000);
  assert.deepEqual(await partial, { applied: 0, expected: 2, appliedMs: 0 }, 'nobody answered: the wait is bounded');
});

test('a lost agent that comes back delivers its figures late: merged once, acknowledged, the loss recovered', async () => {
  const { clock, run, sent, snapshot, done } = elastic();
  run.start();
  snapshot('b', 0, statsOf(50, 1_000));
  clock.advance(1_200);
  run.onAgentLeft('b', 'stream cut');
  // After the reconnect it resends everything not acknowledged: seq 1 again (a duplicate), then seq 2 and Done.
  run.onAgentMessage('b', { kind: 'snapshot', runId: 'r1', assignment: 1, seq: 1, phase: 'main', intervalIndex: 0, intervalMs: 1_000, stats: statsOf(50, 1_000), rateRps: 50, concurrency: 0 });
  snapshot('b', 1, statsOf(10, 1_000));
  done('b', statsOf(60, 1_000));
  const acks = sent.filter((s) => s.to === 'b' && s.m.kind === 'ack').map((s) => s.m as { seq: number; done: boolean; unknownRun: boolean });
  assert.deepEqual(acks.map((a) => (a.done ? 'done' : a.seq)), [1, 1, 2, 'done']);
  assert.ok(acks.every((a) => !a.unknownRun));
  clock.advance(1_800);
  for (let i = 0; i < 3; i++) snapshot('a', i, statsOf(i === 0 ? 50 : 100, 1_000), 1, i === 0 ? 50 : 100);
  done('a', statsOf(250, 1_000));
  const report = await run.report;
  assert.equal(report.summary.requests, 310);
  assert.deepEqual(report.incomplete, []);
  assert.deepEqual(report.timeline.map((e) => `${e.kind} ${e.agentId ?? ''}`.trim()), ['lost b', 'reshare', 'recovered b']);
});

test('the series shows how much of the fleet\'s rate was missing while it recovered from a loss', async () => {
  const { clock, run, snapshot, done } = elastic();
  run.start();
  snapshot('b', 0, statsOf(50, 1_000));
  clock.advance(1_200);
  run.onAgentLeft('b', 'killed');
  clock.advance(1_800);
  // a ran 50/s until the reshare at 1.2 s, then 100/s: its mean scheduled rate per interval says so.
  [50, 80, 100].forEach((rate, i) => snapshot('a', i, statsOf(rate, 1_000), 1, rate));
  done('a', statsOf(230, 1_000));
  clock.advance(5_000); // b never comes back: given up on (3 s + 5 s grace)
  const report = await run.report;
  assert.deepEqual(report.series.map((p) => p.missingRps), [0, 20, 0]);
  assert.equal(report.incomplete.length, 1, 'b never came back');
});

test('an agent that saturates while the other has room gets less of the rate; when both saturate nothing moves', () => {
  const { clock, run, snapshot, tails, sent } = elastic();
  run.start();
  snapshot('a', 0, { ...statsOf(50, 1_000), dropped: 3 });
  snapshot('b', 0, statsOf(50, 1_000));
  clock.advance(1_000);
  const t = tails();
  assert.ok(Math.abs(t.a! - 100 * (0.7 / 1.7)) < 1e-9, `a: ${t.a}`);
  assert.ok(Math.abs(t.a! + t.b! - 100) < 1e-9, 'the fleet keeps its rate');
  const moves = sent.length;
  // Both saturated (lag p99 over 10 ms on 500 arrivals each): the fleet is generator-bound, no share moves.
  snapshot('a', 1, { ...statsOf(500, 1_000), scheduleLagP99Ms: 30 });
  snapshot('b', 1, { ...statsOf(500, 1_000), scheduleLagP99Ms: 30 });
  clock.advance(1_000);
  assert.equal(sent.filter((s, i) => i >= moves && s.m.kind === 'share-change').length, 0);
});

test('an abortOnFail threshold ends the run early once its grace is over; the report says why', async () => {
  const clock = new ManualClock();
  const sent: { to: string; m: CoordMsg }[] = [];
  const run = new TestRun({
    runId: 'r1',
    scenario: scenarioOf({
      request: { url: 'http://127.0.0.1:1/' }, load: { model: 'open', rate: 100, duration: '10s' },
      thresholds: [{ threshold: 'error_rate < 5%', abortOnFail: true, delayAbortEval: '2s' }],
    }),
    agents: [{ id: 'a', host: 'ha' }], clock, startedAtEpochMs: 0, snapshotIntervalMs: 1_000,
    send: (to, m) => { sent.push({ to, m }); return true; }, listener: { onTick: () => {}, onNotice: () => {} },
  });
  run.start();
  let seq = 0;
  // 100 sent, 100 ended: 90 responses and 10 refused (every request that ended was sent).
  const failing = (): Stats => ({ ...statsOf(90, 1_000), requests: 100, sent: 100, errorsByKind: { refused: 10, reset: 0, timeout: 0, certificate: 0, dns: 0, other: 0 } });
  run.onAgentMessage('a', { kind: 'snapshot', runId: 'r1', assignment: 1, seq: ++seq, phase: 'main', intervalIndex: 0, intervalMs: 1_000, stats: failing(), rateRps: 100, concurrency: 0 });
  clock.advance(1_000);
  assert.equal(run.currentState, 'running', 'still within the 2 s grace');
  run.onAgentMessage('a', { kind: 'snapshot', runId: 'r1', assignment: 1, seq: ++seq, phase: 'main', intervalIndex: 1, intervalMs: 1_000, stats: failing(), rateRps: 100, concurrency: 0 });
  clock.advance(1_000);
  assert.equal(run.currentState, 'stopping');
  assert.deepEqual(sent.filter((s) => s.m.kind === 'stop').map((s) => s.to), ['a']);
  run.onAgentMessage('a', { kind: 'done', runId: 'r1', assignment: 1, lastSeq: seq, main: { ...statsOf(180, 1_000), requests: 200, sent: 200, errorsByKind: { refused: 20, reset: 0, timeout: 0, certificate: 0, dns: 0, other: 0 } }, warmup: emptyStats(), durationMs: 2_000 });
  const report = await run.report;
  assert.equal(report.verdict, 'thresholds-failed');
  assert.match(report.thresholds.abortedBy ?? '', /threshold "error_rate < 5%" failed after 2 s: observed 10%/);
});

test('closed stages: a leaving agent\'s loops move as a tail of whole loops; a live concurrency change holds its value to the end; a joiner gets its tail', () => {
  const { clock, run, sent } = setup({ request: { url: 'http://127.0.0.1:1/' }, load: { model: 'closed', startConcurrency: 2, stages: [{ duration: '2s', target: 10 }, { duration: '2s', target: 10 }] } });
  run.start();
  const plans = sent.filter((s) => s.m.kind === 'assign').map((s) => agentPlanSchema.parse(JSON.parse((s.m as { planJson: string }).planJson)));
  assert.deepEqual(plans.map((p) => p.segments), [[{ durationMs: 2_000, from: 1, to: 5 }, { durationMs: 2_000, from: 5, to: 5 }], [{ durationMs: 2_000, from: 1, to: 5 }, { durationMs: 2_000, from: 5, to: 5 }]]);
  assert.deepEqual(plans.map((p) => p.maxInFlight), [5, 5], 'in-flight caps are the peak\'s split');
  clock.advance(1_000);
  run.onAgentMessage('b', { kind: 'leaving', runId: 'r1', assignment: 1, reason: 'agent shutting down' });
  const toA = sent.filter((s) => s.to === 'a' && s.m.kind === 'share-change').map((s) => s.m as Extract<CoordMsg, { kind: 'share-change' }>);
  assert.equal(toA.length, 1);
  assert.deepEqual(toA[0]?.share, { kind: 'loops', tail: [{ durationMs: 1_000, from: 6, to: 10 }, { durationMs: 2_000, from: 10, to: 10 }] }, 'a carries the whole fleet from now');
  run.change(loopsChange(4), 'test');
  const last = sent.filter((s) => s.to === 'a' && s.m.kind === 'share-change').at(-1)?.m as Extract<CoordMsg, { kind: 'share-change' }>;
  assert.deepEqual(last.share, { kind: 'loops', tail: [{ durationMs: 3_000, from: 4, to: 4 }] }, 'a held value travels as a tail of one held segment');
  assert.equal(run.status().concurrency, 4);
});

test('several scenarios: a live change names its scenario (else USAGE naming them) and moves only that part; a leave moves every part\'s share', () => {
  const program = {
    requests: { a: { url: 'http://127.0.0.1:1/a', method: 'GET', headers: {}, timeoutMs: 1000, checks: [] } },
    flows: [{ name: 'a', weight: 1, steps: [{ request: 'a', extract: {}, checks: [], thinkMs: 0 }] }],
    variables: {}, data: {}, origins: ['http://127.0.0.1:1'],
  };
  const web = { model: 'open' as const, rate: 100, duration: '3s' };
  const loops = { model: 'closed' as const, concurrency: 4, duration: '3s' };
  const { clock, run, sent } = setup({ request: { url: 'http://127.0.0.1:1/a' }, load: web, program, parts: [{ name: 'web', load: web, flows: ['a'] }, { name: 'loops', load: loops, flows: ['a'] }] } as ScenarioInput);
  run.start();
  const usage = (f: () => unknown, re: RegExp): void => assert.throws(f, (e: unknown) => (e as { code?: string }).code === 'USAGE' && re.test((e as Error).message), String(re));
  usage(() => run.change(rateChange(50, 0), 'test'), /several scenarios \(web, loops\): name the one to change with --scenario NAME/);
  usage(() => run.change(loopsChange(2), 'test'), /several scenarios \(web, loops\)/);
  usage(() => run.change(rateChange(50, 0, 'nope'), 'test'), /no scenario "nope" in this test; its scenarios are web, loops/);
  usage(() => run.change(rateChange(50, 0, 'loops'), 'test'), /scenario "loops" uses the closed model/);
  clock.advance(1_000);
  const shareChanges = (): Extract<CoordMsg, { kind: 'share-change' }>[] => sent.splice(0).filter((s) => s.m.kind === 'share-change').map((s) => s.m as Extract<CoordMsg, { kind: 'share-change' }>);
  sent.length = 0;
  run.change(rateChange(50, 0, 'web'), 'test');
  assert.deepEqual(shareChanges().map((m) => [m.scenario, m.share.kind, m.share.tail[0]?.from]), [['web', 'rate', 25], ['web', 'rate', 25]], 'only web moves, halved');
  run.change(loopsChange(6, 'loops'), 'test'); // above the planned 4: the agents take it (live changes are not capped by the plan)
  assert.deepEqual(shareChanges().map((m) => [m.scenario, m.share.kind, m.share.tail[0]?.from]), [['loops', 'loops', 3], ['loops', 'loops', 3]], 'only loops moves');
  assert.deepEqual([run.status().targetRps, run.status().concurrency], [50, 6]);
  run.onAgentMessage('b', { kind: 'leaving', runId: 'r1', assignment: 1, reason: 'agent shutting down' });
  assert.deepEqual(shareChanges().map((m) => [m.scenario, m.share.tail[0]?.from]), [['web', 50], ['loops', 6]], 'a carries both scenarios now');
});

test('several scenarios: a joiner gets its share of every part from now (a part already over: nothing), and both parts of the others shrink', () => {
  const program = {
    requests: { a: { url: 'http://127.0.0.1:1/a', method: 'GET', headers: {}, timeoutMs: 1000, checks: [] } },
    flows: [{ name: 'a', weight: 1, steps: [{ request: 'a', extract: {}, checks: [], thinkMs: 0 }] }],
    variables: {}, data: {}, origins: ['http://127.0.0.1:1'],
  };
  const web = { model: 'open' as const, rate: 90, duration: '4s' };
  const loops = { model: 'closed' as const, startConcurrency: 0, stages: [{ duration: '2s', target: 6 }] };
  const short = { model: 'closed' as const, concurrency: 2, duration: '1s' };
  const { clock, run, sent } = setup({ request: { url: 'http://127.0.0.1:1/a' }, load: web, program, parts: [{ name: 'web', load: web, flows: ['a'] }, { name: 'loops', load: loops, flows: ['a'] }, { name: 'short', load: short, flows: ['a'] }] } as ScenarioInput);
  run.start();
  clock.advance(1_500);
  sent.length = 0;
  assert.equal(run.join('c', 'hc'), true);
  const assign = sent.find((s) => s.to === 'c' && s.m.kind === 'assign')?.m as { planJson: string };
  const plan = agentPlanSchema.parse(JSON.parse(assign.planJson));
  assert.deepEqual(plan.scenarios?.map((p) => [p.name, p.segments]), [
    ['web', [{ durationMs: 2_500, from: 30, to: 30 }]],
    ['loops', [{ durationMs: 500, from: 1, to: 2 }]], // 4.5 loops now (rounded to 5: 2/2/1), 6 at the end (2/2/2)
    ['short', [{ durationMs: 1, from: 0, to: 0 }]], // over: nothing to run
  ]);
  assert.deepEqual(plan.segments, plan.scenarios?.[0]?.segments);
  const others = sent.filter((s) => s.to !== 'c' && s.m.kind === 'share-change').map((s) => [s.to, (s.m as Extract<CoordMsg, { kind: 'share-change' }>).scenario]);
  assert.deepEqual(others, [['a', 'web'], ['b', 'web'], ['a', 'loops'], ['b', 'loops']], 'the others get their new shares of the live parts');
});

test('status reads each agent\'s share where its schedule is now: along a ramp, after a reshare, and for closed stages', () => {
  const share = (run: TestRun, id: string) => {
    const a = run.status().agents.find((x) => x.id === id);
    return [a?.rateRps, a?.concurrency];
  };
  const open = setup({ request: { url: 'http://127.0.0.1:1/' }, load: { model: 'open', startRate: 10, stages: [{ duration: '2s', target: 70 }] } });
  open.run.start();
  // 10 -> 70/s over 2 s, half each: 5/s at the start, 20/s (of 40) after 1 s.
  assert.deepEqual(share(open.run, 'a'), [5, 0]);
  open.clock.advance(1_000);
  assert.deepEqual(share(open.run, 'a'), [20, 0], 'the share follows the ramp (it was frozen at its start)');
  // b leaves: a carries the whole ramp from here, 55/s after 1.5 s; b's share is 0.
  open.run.onAgentMessage('b', { kind: 'leaving', runId: 'r1', assignment: 1, reason: 'agent shutting down' });
  open.clock.advance(500);
  assert.deepEqual(share(open.run, 'a'), [55, 0]);
  assert.deepEqual(share(open.run, 'b'), [0, 0]);

  const closed = setup({ request: { url: 'http://127.0.0.1:1/' }, load: { model: 'closed', startConcurrency: 2, stages: [{ duration: '2s', target: 10 }] } });
  closed.run.start();
  closed.clock.advance(1_000);
  // 2 -> 10 loops over 2 s: 6 after 1 s, 3 each.
  assert.deepEqual(share(closed.run, 'a'), [0, 3]);
});
