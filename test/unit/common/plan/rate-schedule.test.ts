// The one copy of the piecewise-linear schedule maths (common/plan/rate-schedule.ts), as tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Segment } from '../../../../common/plan/agent-plan.js';
import { changeFrom, fitTail, scheduleEndMs, tailFrom, valueAt } from '../../../../common/plan/rate-schedule.js';

const seg = (durationMs: number, from: number, to: number): Segment => ({ durationMs, from, to });
const near = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} vs ${b}`);
const STAGES = [seg(10_000, 0, 100), seg(20_000, 100, 100), seg(10_000, 100, 0)];

test('valueAt and tailFrom table', () => {
  const rows: [number, number, Segment[]][] = [
    [0, 0, STAGES],
    [5_000, 50, [seg(5_000, 50, 100), STAGES[1]!, STAGES[2]!]],
    [10_000, 100, [STAGES[1]!, STAGES[2]!]],
    [35_000, 50, [seg(5_000, 50, 0)]],
    [40_000, 0, []],
    [99_000, 0, []],
  ];
  for (const [t, value, tail] of rows) {
    near(valueAt(STAGES, t), value, `value at ${t}`);
    assert.deepEqual(tailFrom(STAGES, t), tail, `tail from ${t}`);
  }
});

test('fitTail table: cut the past off a longer tail, hold the first value before a shorter one', () => {
  const rows: { why: string; tail: Segment[]; durationMs: number; want: Segment[] }[] = [
    { why: 'exact length is kept', tail: [seg(1000, 10, 20)], durationMs: 1000, want: [seg(1000, 10, 20)] },
    { why: 'longer: the first 250 ms are cut, with the value interpolated', tail: [seg(1000, 10, 20)], durationMs: 750, want: [seg(750, 12.5, 20)] },
    { why: 'longer by more than a segment: whole segments go', tail: [seg(100, 1, 1), seg(1000, 10, 20)], durationMs: 500, want: [seg(500, 15, 20)] },
    { why: 'shorter: the first value is held first', tail: [seg(1000, 10, 20)], durationMs: 1200, want: [seg(200, 10, 10), seg(1000, 10, 20)] },
    { why: 'nothing left', tail: [seg(1000, 10, 20)], durationMs: 0, want: [] },
    { why: 'empty tail', tail: [], durationMs: 100, want: [] },
  ];
  for (const row of rows) {
    const got = fitTail(row.tail, row.durationMs);
    assert.equal(got.length, row.want.length, row.why);
    got.forEach((s, i) => {
      const w = row.want[i] as Segment;
      near(s.durationMs, w.durationMs, `${row.why} duration ${i}`);
      near(s.from, w.from, `${row.why} from ${i}`);
      near(s.to, w.to, `${row.why} to ${i}`);
    });
    const total = got.reduce((sum, s) => sum + s.durationMs, 0);
    if (got.length > 0) near(total, row.durationMs, `${row.why}: lasts exactly the time left`);
  }
});

test('changeFrom table: the same schedule before the change, a ramp from the value in force, a hold to the original end', () => {
  const rows: { why: string; segments: Segment[]; atMs: number; target: number; rampMs: number; want: Segment[] }[] = [
    // a step: the value jumps and holds until the original end
    { why: 'step', segments: [seg(10_000, 100, 100)], atMs: 4_000, target: 300, rampMs: 0, want: [seg(4_000, 100, 100), seg(6_000, 300, 300)] },
    // a ramp from the value in force, then the hold
    { why: 'ramp', segments: [seg(10_000, 100, 100)], atMs: 2_000, target: 300, rampMs: 4_000, want: [seg(2_000, 100, 100), seg(4_000, 100, 300), seg(4_000, 300, 300)] },
    // a ramp cut by the end keeps its slope (100 -> 500 over 4 s, 2 s of it: 300)
    { why: 'ramp cut by the end', segments: [seg(10_000, 100, 100)], atMs: 8_000, target: 500, rampMs: 4_000, want: [seg(8_000, 100, 100), seg(2_000, 100, 300)] },
    // a ramp that ends exactly at the end: no hold after it
    { why: 'ramp to the end', segments: [seg(10_000, 100, 100)], atMs: 6_000, target: 500, rampMs: 4_000, want: [seg(6_000, 100, 100), seg(4_000, 100, 500)] },
    // mid-segment: the cut segment keeps its slope, the change starts from the interpolated value
    { why: 'mid-stage', segments: [seg(10_000, 0, 100)], atMs: 5_000, target: 10, rampMs: 0, want: [seg(5_000, 0, 50), seg(5_000, 10, 10)] },
    // on a boundary: the segments before it are kept whole
    { why: 'on a boundary', segments: STAGES, atMs: 10_000, target: 40, rampMs: 0, want: [STAGES[0]!, seg(30_000, 40, 40)] },
    // at or after the end: nothing changes
    { why: 'at the end', segments: [seg(10_000, 100, 100)], atMs: 10_000, target: 5, rampMs: 0, want: [seg(10_000, 100, 100)] },
    // before 0: a change at 0
    { why: 'before the start', segments: [seg(10_000, 100, 100)], atMs: -50, target: 5, rampMs: 0, want: [seg(10_000, 5, 5)] },
    // a hold far shorter than 1e-9 ms is kept: the schedule still ends at its original end
    { why: 'a hold of a femtosecond', segments: [seg(1_000, 10, 10)], atMs: 0, target: 20, rampMs: 1_000 - 1e-12, want: [seg(1_000 - 1e-12, 10, 20), seg(1_000 - (1_000 - 1e-12), 20, 20)] },
  ];
  for (const row of rows) {
    const got = changeFrom(row.segments, row.atMs, row.target, row.rampMs);
    assert.deepEqual(got, row.want, row.why);
    assert.equal(scheduleEndMs(got), scheduleEndMs(row.segments), `${row.why}: the original end`);
  }
});
