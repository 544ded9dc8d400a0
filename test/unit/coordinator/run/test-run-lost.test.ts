// A run whose members are lost (streams ended, heartbeats missed) and may come back: driven by hand
// with a manual clock. Agents resend every snapshot and Done not acknowledged after a reconnect
// (agent/session.ts); the run must merge each exactly once, wait for them while it can, and say when
// figures are missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CoordMsg } from '../../../../common/protocol/messages.js';
import { encodeHistogram, newHistogram } from '../../../../common/metrics/histogram.js';
import { emptyStats } from '../../../../common/metrics/stats.js';
import type { Stats } from '../../../../common/metrics/stats.js';
import { validateScenario } from '../../../../common/scenario/scenario.js';
import { TestRun } from '../../../../coordinator/run/test-run.js';
import { ManualClock } from '../../../helpers/manual-clock.js';

function statsOf(requests: number, latencyUs = 1_000): Stats {
  const h = newHistogram();
  for (let i = 0; i < requests; i++) h.recordValue(latencyUs);
  const enc = encodeHistogram(h);
  return { ...emptyStats(), requests, sent: requests, statusCodes: requests > 0 ? { '200': requests } : {}, latencyHist: enc, serviceHist: enc };
}

/** Two agents, 100/s for 3 s, request timeout 1 s (the drain), grace 5 s: lost members are awaited until 4 s. */
function setup() {
  const v = validateScenario({ request: { url: 'http://127.0.0.1:1/', timeout: '1s' }, load: { model: 'open', rate: 100, duration: '3s' } });
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  const clock = new ManualClock();
  const sent: { to: string; m: CoordMsg }[] = [];
  const notices: string[] = [];
  const run = new TestRun({
    runId: 'r1', scenario: v.scenario, agents: [{ id: 'a', host: 'ha' }, { id: 'b', host: 'hb' }], clock, startedAtEpochMs: 0,
    snapshotIntervalMs: 1_000, send: (to, m) => { sent.push({ to, m }); return true; },
    listener: { onTick: () => {}, onNotice: (level, m) => notices.push(`${level}: ${m}`) }, finishGraceMs: 5_000,
  });
  /** Sends snapshot `seq` of the agent's assignment (the same seq twice is a resend). */
  const snapshot = (agent: string, seq: number, index: number, stats: Stats, assignment = 1): void => {
    run.onAgentMessage(agent, { kind: 'snapshot', runId: 'r1', assignment, seq, phase: 'main', intervalIndex: index, intervalMs: 1_000, stats, rateRps: 50, concurrency: 0 });
  };
  const done = (agent: string, lastSeq: number, main: Stats, assignment = 1): void => {
    run.onAgentMessage(agent, { kind: 'done', runId: 'r1', assignment, lastSeq, main, warmup: emptyStats(), durationMs: 3_000 });
  };
  const acks = (to: string) => sent.filter((s) => s.to === to && s.m.kind === 'ack').map((s) => s.m as { assignment: number; seq: number; done: boolean; unknownRun: boolean });
  let finished = false;
  void run.report.then(() => { finished = true; });
  /** Lets the report's promise settle, then says whether the run finished. */
  const isFinished = async (): Promise<boolean> => {
    await new Promise((r) => setImmediate(r));
    return finished;
  };
  return { clock, run, sent, notices, snapshot, done, acks, isFinished };
}

test('every member lost at once (a paused coordinator): the run waits; they come back, resend, and each figure merges once', async () => {
  const { clock, run, notices, snapshot, done, acks, isFinished } = setup();
  run.start();
  snapshot('a', 1, 0, statsOf(50));
  snapshot('b', 1, 0, statsOf(50));
  clock.advance(1_200);
  // Neither ack reached the agents before their streams were cut: both will resend seq 1.
  run.onAgentLeft('a', 'missed 4 heartbeats');
  run.onAgentLeft('b', 'missed 4 heartbeats');
  assert.equal(await isFinished(), false, 'all members lost: the run waits for them instead of finishing');
  assert.equal(run.currentState, 'running');
  assert.ok(notices.some((n) => /waiting up to \d+ s for lost agent\(s\) a, b/.test(n)), notices.join('\n'));
  clock.advance(30); // they reconnect
  // a: resends seq 1 (a duplicate) and seq 2 (what it sent until its load stopped), then its Done; it rejoins.
  snapshot('a', 1, 0, statsOf(50));
  snapshot('a', 2, 1, statsOf(20));
  done('a', 2, statsOf(70));
  assert.equal(run.join('a', 'ha'), true, 'a rejoins the running test with a new assignment');
  // b: resends seq 1 and its Done (its load stopped before interval 1 was reported), and rejoins too.
  snapshot('b', 1, 0, statsOf(50));
  done('b', 1, statsOf(58)); // 8 requests after its last snapshot, only in the Done's cumulative totals
  assert.equal(run.join('b', 'hb'), true);
  assert.equal(await isFinished(), false, 'the rejoined members carry the rest of the schedule');
  clock.advance(1_770); // 3 s: the schedule's end
  for (const agent of ['a', 'b']) {
    snapshot(agent, 1, 1, statsOf(10), 2);
    snapshot(agent, 2, 2, statsOf(50), 2);
    done(agent, 2, statsOf(60), 2);
  }
  assert.equal(await isFinished(), true);
  const report = await run.report;
  assert.equal(report.summary.requests, 70 + 58 + 60 + 60, 'every request once: resent seqs not counted twice, Done repairs the rest');
  assert.deepEqual(report.incomplete, []);
  assert.equal(report.verdict, 'pass');
  assert.ok(acks('a').every((x) => !x.unknownRun) && acks('b').every((x) => !x.unknownRun), 'nothing was refused as an unknown run');
  assert.deepEqual(acks('a').filter((x) => x.assignment === 1).map((x) => (x.done ? 'done' : x.seq)), [1, 1, 2, 'done']);
  const kinds = report.timeline.map((e) => `${e.kind} ${e.agentId ?? ''}`.trim());
  assert.ok(kinds.includes('recovered a') && kinds.includes('recovered b'), kinds.join(', '));
  assert.ok(report.reconciliation.every((n) => n.status !== 'mismatch'), JSON.stringify(report.reconciliation));
});

test('every member lost and nobody returns: the run finishes at the schedule\'s end plus the drain, its figures incomplete', async () => {
  const { clock, run, snapshot, isFinished } = setup();
  run.start();
  snapshot('a', 1, 0, statsOf(50));
  snapshot('b', 1, 0, statsOf(40));
  clock.advance(1_200);
  run.onAgentLeft('a', 'stream cut');
  run.onAgentLeft('b', 'stream cut');
  clock.advance(4_000 - 1_200 - 1);
  assert.equal(await isFinished(), false, 'still waiting 1 ms before 3 s + the 1 s drain');
  clock.advance(1);
  assert.equal(await isFinished(), true, 'never past the schedule\'s end plus the drain');
  const report = await run.report;
  assert.equal(report.summary.requests, 90);
  assert.equal(report.verdict, 'incomplete', 'figures are missing: never a pass');
  assert.equal(report.incomplete.length, 2);
  assert.match(report.incomplete.join('\n'), /agent a was lost.*\n.*agent b was lost/);
});

test('a lost member whose figures come after the others finished is still awaited and merged', async () => {
  const { clock, run, snapshot, done, acks, isFinished } = setup();
  run.start();
  snapshot('a', 1, 0, statsOf(50));
  clock.advance(2_900);
  run.onAgentLeft('b', 'stream cut');
  clock.advance(100);
  snapshot('a', 2, 1, statsOf(50));
  snapshot('a', 3, 2, statsOf(50));
  done('a', 3, statsOf(150));
  assert.equal(await isFinished(), false, 'b is lost, not gone for good: its figures may still come');
  clock.advance(300);
  snapshot('b', 1, 0, statsOf(50));
  snapshot('b', 2, 1, statsOf(50));
  done('b', 2, statsOf(145));
  assert.equal(await isFinished(), true);
  const report = await run.report;
  assert.equal(report.summary.requests, 295);
  assert.deepEqual(report.incomplete, []);
  assert.ok(acks('b').every((x) => !x.unknownRun));
});

test('a stopped run waits for its lost members only until the stop plus the drain', async () => {
  const { clock, run, isFinished } = setup();
  run.start();
  clock.advance(500);
  run.onAgentLeft('a', 'stream cut');
  run.onAgentLeft('b', 'stream cut');
  run.stop('stop typed on the terminal');
  clock.advance(999);
  assert.equal(await isFinished(), false);
  clock.advance(1);
  assert.equal(await isFinished(), true, 'finished 1 s (the drain) after the stop, not at the schedule\'s end');
});

test('a resent snapshot (its ack was lost) is merged and shown once; the live figures keep the newest interval', async () => {
  const { clock, run, snapshot, done, acks } = setup();
  run.start();
  snapshot('a', 1, 0, statsOf(50));
  snapshot('a', 2, 1, statsOf(70));
  snapshot('a', 1, 0, statsOf(50)); // resent after a reconnect
  assert.equal(run.status().agents.find((x) => x.id === 'a')?.achievedRps, 70, 'the duplicate did not overwrite the newest figures');
  assert.deepEqual(acks('a').map((x) => x.seq), [1, 2, 1], 'the duplicate is acknowledged again, so the agent forgets it');
  clock.advance(3_000);
  snapshot('a', 3, 2, statsOf(30));
  done('a', 3, statsOf(150));
  snapshot('b', 1, 0, statsOf(150));
  done('b', 1, statsOf(150));
  const report = await run.report;
  assert.equal(report.summary.requests, 300);
  assert.ok(report.reconciliation.every((n) => n.status === 'exact'), JSON.stringify(report.reconciliation));
});
