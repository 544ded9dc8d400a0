// replaceTail: the pure pacer piece that lets the coordinator move an agent's share of a
// staged schedule mid-test (join, loss, leave, saturation) without skipping or doubling an arrival.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Segment } from '../../../../common/plan/agent-plan.js';
import { arrivalTimeMs, expectedArrivals, rateAtMs, rateSchedule, replaceTail } from '../../../../agent/engine/pacer.js';

const seg = (durationMs: number, from: number, to: number): Segment => ({ durationMs, from, to });
const near = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} vs ${b}`);

test('replaceTail keeps the arrivals before the switch and follows the tail after it', () => {
  const base = rateSchedule([seg(2000, 100, 100), seg(2000, 100, 300)]);
  const at = 1500;
  const before = expectedArrivals(base, at);
  const s = replaceTail(base, at, [seg(500, 40, 40), seg(2000, 40, 120)]);
  near(expectedArrivals(s, at), before, 'F at the switch');
  near(rateAtMs(s, 1000), 100, 'before the switch: the old rate');
  near(rateAtMs(s, 1600), 40, 'after: the tail');
  near(rateAtMs(s, 3000), 80, 'half-way through the tail ramp');
  near(s.endMs, 4000, 'ends where the tail ends');
  near(expectedArrivals(s, 4000), before + 0.5 * 40 + 2 * 80, 'total = prefix + tail integral');
  // Every arrival index exists exactly once and times never go backwards across the switch.
  let last = -1;
  for (let i = 0; i < Math.floor(expectedArrivals(s, 4000)); i++) {
    const t = arrivalTimeMs(s, i);
    assert.ok(t >= last, `arrival ${i} at ${t} after ${last}`);
    last = t;
  }
});

test('replaceTail table: no-ops and a tail that ends earlier or later than the original', () => {
  const base = rateSchedule([seg(1000, 10, 10)]);
  assert.equal(replaceTail(base, 1000, [seg(10, 1, 1)]), base, 'at the end: no-op');
  assert.equal(replaceTail(base, 500, []), base, 'empty tail: no-op');
  near(replaceTail(base, 500, [seg(100, 1, 1)]).endMs, 600, 'a shorter tail ends the schedule earlier');
  near(replaceTail(base, 500, [seg(900, 1, 1)]).endMs, 1400, 'a longer tail extends it');
  near(replaceTail(base, -5, [seg(1000, 2, 2)]).endMs, 1000, 'a switch before 0 is a switch at 0');
});
