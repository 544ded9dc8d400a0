import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIN_SENT_FOR_LAG, MIN_SENT_FOR_RUN_LAG, isSaturated, judgedRunLagP99Ms, lagP99Judged } from '../../../../coordinator/report/saturation.js';
import { judgeGenerator } from '../../../../coordinator/report/generator-health.js';
import { DEFAULT_GENERATOR_LIMITS } from '../../../../coordinator/report/generator-limits.js';

const MIN = DEFAULT_GENERATOR_LIMITS.minArrivalsPerAgentInterval;

test('lagP99Judged: a lag p99 condemns only when it rests on enough arrivals', () => {
  const rows: Array<[string, number, number, boolean]> = [
    // [why, arrivals, minimum, judged]
    ['a 3 s, 20 req/s smoke test on 2 agents: 30 arrivals each, p99 = the worst one', 30, MIN_SENT_FOR_RUN_LAG, false],
    ['the same on 1 agent: 60 arrivals, still its single worst', 60, MIN_SENT_FOR_RUN_LAG, false],
    ['99 arrivals: the p99 is the maximum', 99, MIN_SENT_FOR_RUN_LAG, false],
    ['100 arrivals: the p99 is no longer one arrival alone', 100, MIN_SENT_FOR_RUN_LAG, true],
    ['one below the minimum', MIN - 1, MIN, false],
    ['exactly the minimum: the p99 stands on its 5 worst arrivals', MIN, MIN, true],
    ['a busy agent', 100_000, MIN, true],
    ['no arrivals at all', 0, MIN, false],
    ['a minimum of 0 still needs one arrival', 0, 0, false],
    ['custom limits may judge smaller counts', 10, 10, true],
  ];
  for (const [why, arrivals, min, want] of rows) assert.equal(lagP99Judged(arrivals, min), want, why);
});

test('judgedRunLagP99Ms: the largest whole-run lag p99 among agents with enough arrivals', () => {
  const rows: Array<[string, { sent: number; scheduleLagP99Ms: number }[], number]> = [
    // [why, agents, judged lag]
    ['a light run: both agents sparse, their cold-start lag is not judged', [{ sent: 30, scheduleLagP99Ms: 72 }, { sent: 30, scheduleLagP99Ms: 57 }], 0],
    ['a dense agent is judged, a sparse one beside it is not', [{ sent: 2000, scheduleLagP99Ms: 14 }, { sent: 20, scheduleLagP99Ms: 90 }], 14],
    ['150 arrivals late throughout: judged', [{ sent: 150, scheduleLagP99Ms: 20 }], 20],
    ['the worst dense agent', [{ sent: 600, scheduleLagP99Ms: 3 }, { sent: 900, scheduleLagP99Ms: 40 }], 40],
    ['no agents', [], 0],
  ];
  for (const [why, agents, want] of rows) assert.equal(judgedRunLagP99Ms(agents), want, why);
});

test('judgeGenerator with per-agent arrivals: light loads pass outright, real saturation is still generator-bound', () => {
  const iv = (lag: number, sent: number, agents = 2, el = 1) => ({ scheduleLagP99MsMax: lag, eventLoopDelayP99MsMax: el, sent, agents });
  const rows: Array<{ why: string; dropped?: number; byAgent: { sent: number; scheduleLagP99Ms: number }[]; intervals: ReturnType<typeof iv>[]; bound: boolean }> = [
    // a 3 s, 20 req/s run on 2 agents whose first second met a cold engine: not bound
    { why: 'light smoke test, first-second lag', byAgent: [{ sent: 30, scheduleLagP99Ms: 72 }, { sent: 30, scheduleLagP99Ms: 58 }], intervals: [iv(19, 20), iv(72, 20), iv(1, 20)], bound: false },
    // a heavily overloaded run: dense seconds lagging for seconds on end, and the whole run too
    { why: 'overloaded', byAgent: [{ sent: 30_000, scheduleLagP99Ms: 400 }, { sent: 30_000, scheduleLagP99Ms: 380 }], intervals: [iv(300, 20_000), iv(400, 20_000), iv(380, 20_000)], bound: true },
    // a busy agent late over its whole run though no single second stood out
    { why: 'dense whole-run lag', byAgent: [{ sent: 5000, scheduleLagP99Ms: 12 }], intervals: [iv(9, 1000, 1), iv(9, 1000, 1)], bound: true },
    // a light run whose generator really stalled: event-loop delay is judged at any rate
    { why: 'light but stalled', byAgent: [{ sent: 30, scheduleLagP99Ms: 300 }], intervals: [iv(300, 10, 1, 200), iv(300, 10, 1, 250)], bound: true },
    // a light run that dropped arrivals: bound at any rate
    { why: 'light but dropped', dropped: 3, byAgent: [{ sent: 30, scheduleLagP99Ms: 2 }], intervals: [iv(1, 10, 1)], bound: true },
  ];
  for (const row of rows) {
    const byAgent = row.byAgent;
    const wholeRun = Math.max(0, ...byAgent.map((a) => a.scheduleLagP99Ms));
    const got = judgeGenerator({ dropped: row.dropped ?? 0, scheduleLagP99MsWholeRun: wholeRun, byAgent }, row.intervals.map((x, index) => ({ index, ...x })));
    assert.equal(got.generatorBound, row.bound, `${row.why}: ${got.reasons.join(' | ')}`);
  }
});

test('isSaturated (live, per agent and interval): lag is judged from MIN_SENT_FOR_LAG arrivals; drops and event-loop delay always', () => {
  const rows: Array<[string, { sent: number; dropped: number; eventLoopP99Ms: number; scheduleLagP99Ms: number }, boolean]> = [
    ['sparse second with a lag spike', { sent: 10, dropped: 0, eventLoopP99Ms: 1, scheduleLagP99Ms: 80 }, false],
    ['dense second lagging', { sent: MIN_SENT_FOR_LAG, dropped: 0, eventLoopP99Ms: 1, scheduleLagP99Ms: 11 }, true],
    ['sparse second that dropped', { sent: 10, dropped: 1, eventLoopP99Ms: 1, scheduleLagP99Ms: 0 }, true],
    ['sparse second with a blocked event loop', { sent: 10, dropped: 0, eventLoopP99Ms: 60, scheduleLagP99Ms: 0 }, true],
  ];
  for (const [why, x, want] of rows) assert.equal(isSaturated(x), want, why);
});
