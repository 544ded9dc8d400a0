// The bounds a run's schedule implies for each agent (run/agent-bounds.ts), as a table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runBounds } from '../../../../coordinator/run/agent-bounds.js';
import type { ScenarioSchedule } from '../../../../coordinator/schedule/replay.js';

const open = (...segments: [number, number, number][]): ScenarioSchedule =>
  ({ name: 'default', model: 'open', segments: segments.map(([durationMs, from, to]) => ({ durationMs, from, to })) });
const closed = (loops: number, durationMs: number): ScenarioSchedule => ({ name: 'c', model: 'closed', segments: [{ durationMs, from: loops, to: loops }] });
const flows = (...steps: number[]) => ({ program: { flows: steps.map((n) => ({ steps: Array.from({ length: n }, () => ({})) })) } }) as never;

test('run bounds from the schedule: interval indices, seqs and arrivals per phase', () => {
  const rows: {
    why: string; warmupMs: number; mainMs: number; graceMs: number; schedules: ScenarioSchedule[]; program?: object;
    index: { warmup: number; main: number }; maxSeq: number; sent: { warmup: number; main: number };
  }[] = [
    {
      // 10 s at 100/s, 1 s intervals, 5 s grace: 10 + 7 slack intervals; 1,000 arrivals * 1.25 + 2 s at
      // the peak (200) + 1,000.
      why: 'open, constant', warmupMs: 0, mainMs: 10_000, graceMs: 5_000, schedules: [open([10_000, 100, 100])],
      index: { warmup: 6, main: 16 }, maxSeq: 2 * (7 + 17) + 16, sent: { warmup: 1_200, main: 2_450 },
    },
    {
      // A ramp 0 -> 200 integrates to 1,000 arrivals; warm-up (2 s) runs at the peak: 400.
      why: 'open ramp with warm-up', warmupMs: 2_000, mainMs: 10_000, graceMs: 5_000, schedules: [open([10_000, 0, 200])],
      index: { warmup: 8, main: 16 }, maxSeq: 2 * (9 + 17) + 16, sent: { warmup: 1_900, main: 2_650 },
    },
    {
      // A live change to 1,000/s for the second half: 500 + 5,000 arrivals.
      why: 'open with a live change (the schedule after it)', warmupMs: 0, mainMs: 10_000, graceMs: 5_000, schedules: [open([5_000, 100, 100], [5_000, 1_000, 1_000])],
      index: { warmup: 6, main: 16 }, maxSeq: 64, sent: { warmup: 3_000, main: 9_875 },
    },
    {
      // Each arrival runs a flow of up to 3 requests.
      why: 'flows: the longest flow multiplies', warmupMs: 0, mainMs: 10_000, graceMs: 5_000, schedules: [open([10_000, 100, 100])], program: flows(1, 3),
      index: { warmup: 6, main: 16 }, maxSeq: 64, sent: { warmup: 3_600, main: 7_350 },
    },
    {
      // 4 loops, each at most one request per 10 us, over the phase plus the grace: 4 * 100,000 * 15 s.
      why: 'closed: loops over a minimum latency', warmupMs: 0, mainMs: 10_000, graceMs: 5_000, schedules: [closed(4, 10_000)],
      index: { warmup: 6, main: 16 }, maxSeq: 64, sent: { warmup: 2_501_000, main: 7_501_000 },
    },
  ];
  for (const r of rows) {
    const b = runBounds({
      scenario: { warmup: r.warmupMs, ...(r.program ?? {}) } as never, snapshotIntervalMs: 1_000, mainMs: r.mainMs, finishGraceMs: r.graceMs,
      schedules: () => r.schedules,
    });
    assert.deepEqual(b.maxIntervalIndex, r.index, r.why);
    assert.equal(b.maxSeq, r.maxSeq, r.why);
    assert.deepEqual({ warmup: b.maxSent('warmup'), main: b.maxSent('main') }, r.sent, r.why);
    assert.equal(b.maxRunNames, 1_024, r.why);
  }
});

test('a program with more request names than the run bound: every name plus (other) fits', () => {
  const requests = Object.fromEntries(Array.from({ length: 3_000 }, (_, i) => [`r${i}`, {}]));
  const b = runBounds({ scenario: { warmup: 0, program: { flows: [{ steps: [{}] }], requests } } as never, snapshotIntervalMs: 1_000, mainMs: 10_000, finishGraceMs: 5_000, schedules: () => [open([10_000, 1, 1])] });
  assert.equal(b.maxRunNames, 3_001);
});

test('the bounds follow the live schedule: a raised rate raises them', () => {
  let schedules = [open([10_000, 100, 100])];
  const b = runBounds({ scenario: { warmup: 0 } as never, snapshotIntervalMs: 1_000, mainMs: 10_000, finishGraceMs: 5_000, schedules: () => schedules });
  assert.equal(b.maxSent('main'), 2_450);
  schedules = [open([1_000, 100, 100], [9_000, 10_000, 10_000])];
  // 100 + 90,000 arrivals * 1.25 + 2 s at the new peak (20,000) + 1,000.
  assert.equal(b.maxSent('main'), 133_625);
});
