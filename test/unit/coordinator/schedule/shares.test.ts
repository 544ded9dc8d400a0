// The share maths of an elastic fleet, as tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Segment } from '../../../../common/plan/agent-plan.js';
import { closedTailShares, meanBetween, openShares } from '../../../../coordinator/schedule/shares.js';
import { valueAt } from '../../../../common/plan/rate-schedule.js';

const seg = (durationMs: number, from: number, to: number): Segment => ({ durationMs, from, to });
const near = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);
const STAGES = [seg(10_000, 0, 100), seg(20_000, 100, 100), seg(10_000, 100, 0)];

test('open shares: weighted tails that sum to the fleet schedule at every instant', () => {
  const weights = new Map([['a', 1], ['b', 1], ['c', 2]]);
  const shares = openShares(STAGES, 5_000, weights);
  assert.deepEqual([...shares.keys()], ['a', 'b', 'c']);
  for (const t of [0, 2_500, 5_000, 17_000, 34_999]) {
    let sum = 0;
    for (const tail of shares.values()) sum += valueAt(tail, t);
    near(sum, valueAt(STAGES, 5_000 + t), `sum at ${t} after the switch`);
  }
  near(valueAt(shares.get('c')!, 0), 25, 'c has half');
});

test('closed tail shares: whole loops that sum exactly to the fleet schedule at every boundary', () => {
  const rows: { why: string; t: number; w: Map<string, number>; want: Record<string, Segment[]> }[] = [
    // mid-ramp: 50 loops now, split 17/17/16; the later boundaries 100 -> 34/33/33, 0 -> 0
    { why: 'three equal, mid-ramp', t: 5_000, w: new Map([['a', 1], ['b', 1], ['c', 1]]),
      want: { a: [seg(5_000, 17, 34), seg(20_000, 34, 34), seg(10_000, 34, 0)], b: [seg(5_000, 17, 33), seg(20_000, 33, 33), seg(10_000, 33, 0)], c: [seg(5_000, 16, 33), seg(20_000, 33, 33), seg(10_000, 33, 0)] } },
    // a fractional fleet value is rounded to whole loops before the split (37.5 -> 38)
    { why: 'weighted, on the way down', t: 36_250, w: new Map([['a', 1], ['b', 3]]), want: { a: [seg(3_750, 10, 0)], b: [seg(3_750, 28, 0)] } },
    // at the end there is nothing left to share
    { why: 'after the end', t: 40_000, w: new Map([['a', 1]]), want: { a: [] } },
  ];
  for (const row of rows) {
    const got = closedTailShares(STAGES, row.t, row.w);
    assert.deepEqual(Object.fromEntries(got), row.want, row.why);
  }
});

test('closed tail shares start at loop counts that sum exactly to the fleet value at that moment', () => {
  const rows: [number, Map<string, number>, number[]][] = [
    // 50 loops at 5 s, halved
    [5_000, new Map([['a', 1], ['b', 1]]), [25, 25]],
    // 50 over three: largest remainder
    [5_000, new Map([['a', 1], ['b', 1], ['c', 1]]), [17, 17, 16]],
    // on the plateau, weighted 0.7 : 1
    [15_000, new Map([['a', 0.7], ['b', 1]]), [41, 59]],
  ];
  for (const [t, w, want] of rows) assert.deepEqual([...closedTailShares(STAGES, t, w).values()].map((tail) => tail[0]?.from), want, `t=${t}`);
});

test('meanBetween table', () => {
  near(meanBetween(STAGES, 0, 10_000), 50, 'the ramp up');
  near(meanBetween(STAGES, 10_000, 11_000), 100, 'the plateau');
  near(meanBetween(STAGES, 9_000, 11_000), 97.5, 'across a boundary');
  near(meanBetween(STAGES, 5, 5), 0, 'empty span');
});
