// Poisson arrivals (pacer.ts nextArrivalPoint, owedArrivals; open-runner.ts with arrivals: poisson):
// tables over seeded PRNGs, each row with the reason it exists, and the runner on a ManualClock.
// Tolerances are statistical: a count of a Poisson process with mean N has standard deviation sqrt(N),
// and every bound below is at least 4.5 of them (or of the estimator's own spread) from the mean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Segment } from '../../../../common/plan/agent-plan.js';
import { arrivalTimeMs, expectedArrivals, nextArrivalPoint, owedArrivals, rateSchedule, replaceTail } from '../../../../agent/engine/pacer.js';
import type { RateSchedule } from '../../../../agent/engine/pacer.js';
import { OpenRunner } from '../../../../agent/engine/open-runner.js';
import type { HttpClient } from '../../../../agent/engine/http-client.js';
import { Recorder } from '../../../../agent/engine/recorder.js';
import { ManualClock } from '../../../helpers/manual-clock.js';
import { prng } from '../../../helpers/prng.js';

const seg = (durationMs: number, from: number, to: number): Segment => ({ durationMs, from, to });

/** Every Poisson arrival time of a schedule, in order, as a runner walks them. */
function poissonTimes(schedule: RateSchedule, random: () => number): number[] {
  const out: number[] = [];
  for (let p = nextArrivalPoint('poisson', undefined, random); ; p = nextArrivalPoint('poisson', p, random)) {
    const t = arrivalTimeMs(schedule, p);
    if (!(t < schedule.endMs)) return out;
    out.push(t);
  }
}

function meanAndCv(xs: readonly number[]): { mean: number; cv: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, cv: Math.sqrt(variance) / mean };
}

test('even points are 0, 1, 2 ... (arrival i at T(i)); Poisson points rise by positive, random steps', () => {
  const r = prng(1);
  assert.equal(nextArrivalPoint('even', undefined, r), 0);
  assert.equal(nextArrivalPoint('even', 41, r), 42);
  let p = 0;
  for (let i = 0; i < 1000; i++) {
    const q = nextArrivalPoint('poisson', p, r);
    assert.ok(q > p && Number.isFinite(q), `step ${i}: ${p} -> ${q}`);
    p = q;
  }
});

interface RateRow {
  name: string;
  segments: Segment[];
  seed: number;
}

const rateRows: RateRow[] = [
  // a constant rate: the plain case, 20 000 arrivals
  { name: 'constant 1000 req/s for 20 s', segments: [seg(20_000, 1000, 1000)], seed: 7 },
  // a low rate over a long time: still its integral on average
  { name: 'constant 5 req/s for 2000 s', segments: [seg(2_000_000, 5, 5)], seed: 11 },
  // a ramp from 0: the count follows the integral (F = 50 t^2), not rate x duration
  { name: 'ramp 0 -> 2000 req/s over 10 s', segments: [seg(10_000, 0, 2000)], seed: 13 },
  // stages with a zero-rate gap: nothing is drawn in the gap
  { name: 'stages 800, 0, 300 -> 1200', segments: [seg(5000, 800, 800), seg(3000, 0, 0), seg(6000, 300, 1200)], seed: 17 },
];

for (const row of rateRows) {
  test(`Poisson count matches the schedule's integral: ${row.name}`, () => {
    const schedule = rateSchedule(row.segments);
    const times = poissonTimes(schedule, prng(row.seed));
    const want = expectedArrivals(schedule, schedule.endMs);
    const tolerance = 4.5 * Math.sqrt(want);
    assert.ok(Math.abs(times.length - want) <= tolerance, `${times.length} arrivals, want ${want} +- ${tolerance.toFixed(1)}`);
    for (let i = 1; i < times.length; i++) assert.ok((times[i] as number) >= (times[i - 1] as number), 'in order');
    // Each half of the schedule holds its own integral too (the shape is followed, not only the total).
    const mid = schedule.endMs / 2;
    const firstHalf = times.filter((t) => t < mid).length;
    const wantFirst = expectedArrivals(schedule, mid);
    assert.ok(Math.abs(firstHalf - wantFirst) <= 4.5 * Math.sqrt(wantFirst) + 1, `first half ${firstHalf}, want ${wantFirst}`);
    // Nothing inside a zero-rate stretch.
    for (const t of times) assert.ok(!(row.segments[1]?.from === 0 && t >= 5000 && t < 8000), `arrival at ${t} in the gap`);
  });
}

test('Poisson gaps at a constant rate: mean 1/rate and coefficient of variation 1 (even gaps: 0)', () => {
  const schedule = rateSchedule([seg(100_000, 200, 200)]);
  const times = poissonTimes(schedule, prng(3));
  const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
  const { mean, cv } = meanAndCv(gaps);
  // 20 000 gaps: the mean's relative spread is 1/sqrt(n) = 0.7 %, the CV's about 1 %.
  assert.ok(Math.abs(mean - 5) < 5 * 0.035, `mean gap ${mean} ms, want 5`);
  assert.ok(Math.abs(cv - 1) < 0.05, `CV ${cv}, want 1`);
  const even = Array.from({ length: 100 }, (_, i) => arrivalTimeMs(schedule, i));
  assert.ok(meanAndCv(even.slice(1).map((t, i) => t - (even[i] as number))).cv < 1e-6, 'even gaps do not vary');
});

test('a live change keeps the Poisson points: the count over a change is the changed schedule\'s integral', () => {
  const before = rateSchedule([seg(20_000, 500, 500)]);
  const after = replaceTail(before, 8000, [seg(12_000, 1500, 1500)]);
  const times = poissonTimes(after, prng(5));
  const want = expectedArrivals(after, after.endMs);
  assert.equal(want, 500 * 8 + 1500 * 12);
  assert.ok(Math.abs(times.length - want) <= 4.5 * Math.sqrt(want), `${times.length}, want ${want}`);
  const late = times.filter((t) => t >= 8000).length;
  assert.ok(Math.abs(late - 18_000) <= 4.5 * Math.sqrt(18_000), `after the change ${late}, want 18000`);
});

interface OwedRow {
  name: string;
  arrivals: 'even' | 'poisson';
  /** [index, point] of the next arrival, the elapsed time asked about. */
  from: [number, number];
  elapsedMs: number;
  /** owed, or [min, max] for Poisson. */
  owed: number | [number, number];
}

const owedRows: OwedRow[] = [
  // even: exactly the arrivals due by then (T(i) <= t), as dueArrivals counts them
  { name: 'even, from the start, 1 s of 100 req/s', arrivals: 'even', from: [0, 0], elapsedMs: 1000, owed: 101 },
  // even at the end: every arrival left (T(1999) < 20 s), never one at the end
  { name: 'even, from 1500, at the end', arrivals: 'even', from: [1500, 1500], elapsedMs: 20_000, owed: 500 },
  // even, asked before the next arrival: nothing owed
  { name: 'even, nothing due yet', arrivals: 'even', from: [10, 10], elapsedMs: 95, owed: 0 },
  // Poisson at the end from the start: all of F(end) = 2000 on average
  { name: 'poisson, the whole schedule', arrivals: 'poisson', from: [0, 0.5], elapsedMs: 20_000, owed: [2000 - 202, 2000 + 202] },
  // Poisson past the end counts only arrivals before the end
  { name: 'poisson, long past the end', arrivals: 'poisson', from: [0, 0.5], elapsedMs: 1e9, owed: [2000 - 202, 2000 + 202] },
];

for (const row of owedRows) {
  test(`owedArrivals: ${row.name}`, () => {
    const schedule = rateSchedule([seg(20_000, 100, 100)]);
    const o = owedArrivals(schedule, row.arrivals, row.from[0], row.from[1], row.elapsedMs, prng(9));
    if (typeof row.owed === 'number') assert.equal(o.owed, row.owed);
    else assert.ok(o.owed >= row.owed[0] && o.owed <= row.owed[1], `owed ${o.owed}`);
    assert.equal(o.index, row.from[0] + o.owed, 'the index moves past them');
    assert.ok(arrivalTimeMs(schedule, o.point) > Math.min(row.elapsedMs, schedule.endMs) || o.owed === 0 || !(arrivalTimeMs(schedule, o.point) < schedule.endMs), 'the next one is after them');
  });
}

test('an OpenRunner with arrivals: poisson on a ManualClock sends at T(S_k): intended times are the pure sequence, the count is about the integral', () => {
  const clock = new ManualClock();
  const recorder = new Recorder(clock);
  const intended: number[] = [];
  const client = { inFlight: 0, send: (_sink: unknown, intendedMs: number) => { intended.push(intendedMs); } } as unknown as HttpClient;
  const schedule = rateSchedule([seg(10_000, 0, 400)]);
  let finished = false;
  const runner = new OpenRunner({ schedule, client, recorder, clock, maxInFlight: 1_000_000, onFinished: () => { finished = true; }, arrivals: 'poisson', random: prng(21) });
  runner.start();
  for (let t = 0; t < 10_100 && !finished; t += 7) clock.advance(7);
  assert.ok(finished, 'the runner reached its end');
  const want = poissonTimes(schedule, prng(21));
  assert.equal(intended.length, want.length, 'every arrival of the sequence was sent, none dropped or added');
  intended.forEach((t, i) => assert.ok(Math.abs(t - (want[i] as number)) < 1e-6, `arrival ${i}: ${t} vs ${want[i]}`));
  assert.ok(Math.abs(want.length - 2000) <= 4.5 * Math.sqrt(2000), `${want.length} arrivals, want 2000 (the ramp's integral)`);
  runner.stop();
});
