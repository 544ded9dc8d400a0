// Table-driven tests of the pure pacer: one row per case, each with the reason it exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Segment } from '../../../../common/plan/agent-plan.js';
import {
  arrivalTimeMs,
  constantSchedule,
  dueArrivals,
  expectedArrivals,
  pace,
  rateAtMs,
  rateSchedule,
  replaceTail,
  waitMs,
} from '../../../../agent/engine/pacer.js';
import type { PaceStep, RateSchedule } from '../../../../agent/engine/pacer.js';
import { changeFrom, fitTail, tailFrom } from '../../../../common/plan/rate-schedule.js';

const EPS = 1e-6;
const seg = (durationMs: number, from: number, to: number): Segment => ({ durationMs, from, to });

function near(actual: number, expected: number, what: string): void {
  if (expected === Infinity) assert.equal(actual, Infinity, what);
  else assert.ok(Math.abs(actual - expected) < EPS, `${what}: got ${actual}, want ${expected}`);
}

/**
 * A live rate change at atMs as it reaches a runner: the coordinator's schedule after the change
 * (changeFrom), its tail from atMs (the agent's share), fitted to the runner's time left and put in
 * place of the runner's schedule from atMs (replaceTail).
 */
function changeRate(before: RateSchedule, atMs: number, rateRps: number, rampMs: number): RateSchedule {
  const tail = tailFrom(changeFrom(before.segments, atMs, rateRps, rampMs), atMs);
  return replaceTail(before, atMs, fitTail(tail, before.endMs - atMs));
}

/** All arrival times of a schedule (until the end), by walking arrivalTimeMs like a runner would. */
function allArrivals(schedule: RateSchedule): number[] {
  const out: number[] = [];
  for (let i = 0; ; i++) {
    const t = arrivalTimeMs(schedule, i);
    if (!(t < schedule.endMs)) return out;
    out.push(t);
  }
}

interface ArrivalRow {
  name: string;
  segments: Segment[];
  /** [arrival index, intended time ms] */
  arrivals: Array<[number, number]>;
  /** [t ms, F(t)] */
  integral: Array<[number, number]>;
  total: number;
}

const arrivalRows: ArrivalRow[] = [
  {
    // constant rate: evenly spaced, arrival 0 at t=0, last one strictly before the end (vegeta convention)
    name: 'constant 200 req/s for 2 s',
    segments: [seg(2000, 200, 200)],
    arrivals: [[0, 0], [1, 5], [399, 1995], [400, Infinity]],
    integral: [[0, 0], [5, 1], [1000, 200], [2000, 400], [5000, 400]],
    total: 400,
  },
  {
    // ramp up 0 -> 100 over 1 s: F(t) = 50 t^2 (t in s); arrival i at sqrt(i/50) s; ramp from 0 still sends at t=0
    name: 'ramp from 0 up to 100 req/s',
    segments: [seg(1000, 0, 100)],
    arrivals: [[0, 0], [1, Math.sqrt(1 / 50) * 1000], [2, 200], [49, Math.sqrt(49 / 50) * 1000], [50, Infinity]],
    integral: [[200, 2], [500, 12.5], [1000, 50]],
    total: 50,
  },
  {
    // ramp up 100 -> 300: F(t) = 100t + 100t^2; arrival 200 at t = 1 s exactly = the end, so it does not exist
    name: 'ramp up 100 -> 300 req/s',
    segments: [seg(1000, 100, 300)],
    arrivals: [[0, 0], [1, ((-100 + Math.sqrt(100 * 100 + 400)) / 200) * 1000], [199, ((-100 + Math.sqrt(100 * 100 + 400 * 199)) / 200) * 1000], [200, Infinity]],
    integral: [[500, 75], [1000, 200]],
    total: 200,
  },
  {
    // ramp down 300 -> 100: mirror image, denser at the start; the stable quadratic form handles k < 0
    name: 'ramp down 300 -> 100 req/s',
    segments: [seg(1000, 300, 100)],
    arrivals: [[0, 0], [1, ((300 - Math.sqrt(300 * 300 - 400)) / 200) * 1000], [125, 500], [200, Infinity]],
    integral: [[500, 125], [1000, 200]],
    total: 200,
  },
  {
    // ramp down to exactly 0: the rate vanishes at the end, the total is reached only at the end
    name: 'ramp down 20 -> 0 req/s',
    segments: [seg(1000, 20, 0)],
    arrivals: [[0, 0], [5, (1 - Math.sqrt(0.5)) * 1000], [9, (1 - Math.sqrt(0.1)) * 1000], [10, Infinity]],
    integral: [[1000, 10]],
    total: 10,
  },
  {
    // a zero-rate segment first has no arrivals: arrival 0 waits for the rate to become positive
    name: 'zero-rate segment then constant',
    segments: [seg(1000, 0, 0), seg(1000, 10, 10)],
    arrivals: [[0, 1000], [1, 1100], [9, 1900], [10, Infinity]],
    integral: [[500, 0], [1000, 0], [1500, 5]],
    total: 10,
  },
  {
    // a zero-rate gap in the middle: the arrival due exactly when the rate drops waits for the gap to end
    name: 'constant, zero gap, constant',
    segments: [seg(1000, 2, 2), seg(1000, 0, 0), seg(1000, 2, 2)],
    arrivals: [[0, 0], [1, 500], [2, 2000], [3, 2500], [4, Infinity]],
    integral: [[1000, 2], [1999, 2], [2500, 3]],
    total: 4,
  },
  {
    // fractional rate: 2.5 req/s for 1 s is 2.5 expected arrivals, so arrivals 0, 1, 2 (at 0, 400, 800 ms)
    name: 'fractional rate 2.5 req/s',
    segments: [seg(1000, 2.5, 2.5)],
    arrivals: [[0, 0], [1, 400], [2, 800], [3, Infinity]],
    integral: [[1000, 2.5]],
    total: 3,
  },
  {
    // fractional rate below 1 req/s: 0.5 req/s for 3 s gives arrivals at 0 and 2 s only
    name: 'fractional rate 0.5 req/s',
    segments: [seg(3000, 0.5, 0.5)],
    arrivals: [[0, 0], [1, 2000], [2, Infinity]],
    integral: [[3000, 1.5]],
    total: 2,
  },
  {
    // end of schedule: arrivals exactly at the end do not exist; several segments chain their offsets
    name: 'two constant segments, end exactly on an arrival',
    segments: [seg(500, 10, 10), seg(500, 20, 20)],
    arrivals: [[4, 400], [5, 500], [6, 550], [14, 950], [15, Infinity]],
    integral: [[500, 5], [1000, 15]],
    total: 15,
  },
  {
    // an all-zero schedule never sends
    name: 'all zero',
    segments: [seg(1000, 0, 0)],
    arrivals: [[0, Infinity]],
    integral: [[1000, 0]],
    total: 0,
  },
];

for (const row of arrivalRows) {
  test(`pacer arrivals: ${row.name}`, () => {
    const s = rateSchedule(row.segments);
    for (const [i, t] of row.arrivals) near(arrivalTimeMs(s, i), t, `T(${i})`);
    for (const [t, f] of row.integral) near(expectedArrivals(s, t), f, `F(${t})`);
    const times = allArrivals(s);
    assert.equal(times.length, row.total, 'arrivals before the end');
    for (let i = 1; i < times.length; i++) assert.ok((times[i] as number) >= (times[i - 1] as number), 'monotonic');
    // T is the inverse of F: F(T(i)) === i wherever the rate is positive just after T(i)
    for (let i = 0; i < times.length; i++) {
      const t = times[i] as number;
      if (rateAtMs(s, t) > 0 || t === 0) near(expectedArrivals(s, t), i, `F(T(${i}))`);
    }
  });
}

interface PaceRow {
  name: string;
  schedule: RateSchedule;
  elapsedMs: number;
  /** Arrivals already issued: the next one is intended at arrivalTimeMs(schedule, sent). */
  sent: number;
  want: PaceStep;
  /** For `wait`: how long. */
  waitMs?: number;
}

const c100 = constantSchedule(100, 1000);
const GRACE_MS = 500;
const paceRows: PaceRow[] = [
  // nothing sent at t=0: arrival 0 is due now
  { name: 'first arrival due at once', schedule: c100, elapsedMs: 0, sent: 0, want: 'send' },
  // on time: 3 sent at 25 ms, arrival 3 is at 30 ms
  { name: 'on time, wait for the next', schedule: c100, elapsedMs: 25, sent: 3, want: 'wait', waitMs: 5 },
  // behind: at 95 ms only 2 sent; never skip, send now
  { name: 'behind means send now', schedule: c100, elapsedMs: 95, sent: 2, want: 'send' },
  // ahead: the runner woke up early
  { name: 'ahead of schedule', schedule: c100, elapsedMs: 0, sent: 5, want: 'wait', waitMs: 50 },
  // last arrival (99 at 990 ms) is still sent
  { name: 'last arrival still sent', schedule: c100, elapsedMs: 980, sent: 99, want: 'wait', waitMs: 10 },
  // all 100 arrivals sent (arrival 100 would be at 1000 ms = end): the phase lasts until its end
  { name: 'none left: wait for the end', schedule: c100, elapsedMs: 990, sent: 100, want: 'wait', waitMs: 10 },
  // none left and the end has come
  { name: 'none left at the end: end', schedule: c100, elapsedMs: 1000, sent: 100, want: 'end' },
  // zero-rate tail: no arrival before the end, wait for it (a live change may add some)
  { name: 'zero tail waits for the end', schedule: rateSchedule([seg(100, 10, 10), seg(900, 0, 0)]), elapsedMs: 200, sent: 1, want: 'wait', waitMs: 800 },
  // behind past the end, within the grace: still sent
  { name: 'behind within the grace', schedule: c100, elapsedMs: 1000 + GRACE_MS - 1, sent: 98, want: 'send' },
  // behind past the end and its grace: the owed arrivals expire
  { name: 'behind past the grace expires', schedule: c100, elapsedMs: 1000 + GRACE_MS, sent: 98, want: 'expire' },
];

for (const row of paceRows) {
  test(`pace: ${row.name}`, () => {
    const nextAtMs = arrivalTimeMs(row.schedule, row.sent);
    assert.equal(pace(row.schedule, row.elapsedMs, nextAtMs, GRACE_MS), row.want);
    if (row.waitMs !== undefined) near(waitMs(row.schedule, row.elapsedMs, nextAtMs), row.waitMs, 'waitMs');
  });
}

interface ChangeRow {
  name: string;
  before: RateSchedule;
  atMs: number;
  rateRps: number;
  rampMs: number;
  /** [t ms, expected rate] after the change */
  rates: Array<[number, number]>;
  /** [t ms, F(t)] after the change */
  integral: Array<[number, number]>;
  total: number;
}

const changeRows: ChangeRow[] = [
  {
    // change mid-run with no ramp: 100 -> 200 req/s at 500 ms; 50 before, 100 after
    name: 'step change mid-run',
    before: constantSchedule(100, 1000),
    atMs: 500, rateRps: 200, rampMs: 0,
    rates: [[250, 100], [500, 200], [999, 200]],
    integral: [[500, 50], [750, 100], [1000, 150]],
    total: 150,
  },
  {
    // change with a ramp: 100 -> 300 over 200 ms from 400 ms; ramp adds 200*0.2 = 40 arrivals, hold adds 120
    name: 'change with ramp',
    before: constantSchedule(100, 1000),
    atMs: 400, rateRps: 300, rampMs: 200,
    rates: [[400, 100], [500, 200], [600, 300], [900, 300]],
    integral: [[400, 40], [600, 80], [1000, 200]],
    total: 200,
  },
  {
    // ramp longer than what is left: cut at the original end with the same slope (100 -> 150 of 100 -> 300)
    name: 'ramp cut by the end',
    before: constantSchedule(100, 1000),
    atMs: 750, rateRps: 300, rampMs: 1000,
    rates: [[750, 100], [875, 125], [900, 130]],
    integral: [[750, 75], [1000, 75 + 31.25]],
    total: 107,
  },
  {
    // change to 0 mid-run: no arrival after the switch, the end time is unchanged
    name: 'change to 0',
    before: constantSchedule(100, 1000),
    atMs: 305, rateRps: 0, rampMs: 0,
    rates: [[300, 100], [305, 0], [900, 0]],
    integral: [[305, 30.5], [1000, 30.5]],
    total: 31,
  },
  {
    // change inside a ramp segment: the cut segment keeps its slope, the new ramp starts at the current rate
    name: 'change during a ramp',
    before: rateSchedule([seg(1000, 0, 100)]),
    atMs: 500, rateRps: 50, rampMs: 0,
    rates: [[250, 25], [500, 50], [800, 50]],
    integral: [[500, 12.5], [1000, 37.5]],
    total: 38,
  },
  {
    // change from 0 (zero segment) ramping up: arrivals resume from where the integral was
    name: 'change from a zero segment',
    before: rateSchedule([seg(1000, 0, 0)]),
    atMs: 200, rateRps: 100, rampMs: 0,
    rates: [[100, 0], [200, 100]],
    integral: [[200, 0], [300, 10], [1000, 80]],
    total: 80,
  },
  {
    // change at or after the end: no effect
    name: 'change after the end',
    before: constantSchedule(100, 1000),
    atMs: 1000, rateRps: 5, rampMs: 0,
    rates: [[500, 100]],
    integral: [[1000, 100]],
    total: 100,
  },
];

for (const row of changeRows) {
  test(`changeRate: ${row.name}`, () => {
    const after = changeRate(row.before, row.atMs, row.rateRps, row.rampMs);
    assert.equal(after.endMs, row.before.endMs, 'total duration unchanged');
    near(expectedArrivals(after, row.atMs), expectedArrivals(row.before, row.atMs), 'integral up to the switch unchanged');
    for (const [t, r] of row.rates) near(rateAtMs(after, t), r, `rate(${t})`);
    for (const [t, f] of row.integral) near(expectedArrivals(after, t), f, `F(${t})`);
    assert.equal(allArrivals(after).length, row.total, 'arrivals in total');
    // No arrival skipped or doubled at the switch: arrivals before the switch are the same instants.
    const before = allArrivals(row.before).filter((t) => t < row.atMs);
    assert.deepEqual(allArrivals(after).slice(0, before.length).map((t) => t.toFixed(6)), before.map((t) => t.toFixed(6)));
  });
}

test('changeRate: repeated live changes keep every arrival index exactly once', () => {
  // A runner that issued `sent` arrivals keeps its index across changes; every index maps to one time,
  // times never go backwards, and the cumulative offsets at each switch are copied, not recomputed.
  let s = constantSchedule(1000, 10_000);
  const times: number[] = [];
  let sent = 0;
  const changes: Array<[number, number, number]> = [[1234.5, 3000, 500], [2000, 0, 0], [3000.25, 777.7, 1000], [8000, 50, 10_000]];
  for (const [atMs, rate, ramp] of changes) {
    for (let t = arrivalTimeMs(s, sent); t < atMs; t = arrivalTimeMs(s, sent)) {
      times.push(t);
      sent++;
    }
    const f = expectedArrivals(s, atMs);
    s = changeRate(s, atMs, rate, ramp);
    assert.equal(expectedArrivals(s, atMs), f, 'exact offset at the switch');
  }
  for (let t = arrivalTimeMs(s, sent); t < s.endMs; t = arrivalTimeMs(s, sent)) {
    times.push(t);
    sent++;
  }
  for (let i = 1; i < times.length; i++) assert.ok((times[i] as number) >= (times[i - 1] as number));
  assert.equal(times.length, Math.ceil(expectedArrivals(s, s.endMs) - 1e-9));
});

// dueArrivals(t): how many arrivals are intended at or before t (what a runner owes at t). Checked
// against the brute force (count of T(i) <= t) as well.
const dueRows: Array<[string, Segment[], number, number]> = [
  // before the start nothing is due
  ['before the start', [seg(1000, 10, 10)], -1, 0],
  // arrival 0 is at t = 0, so it is due at once
  ['at the start', [seg(1000, 10, 10)], 0, 1],
  // 10/s: arrivals at 0, 100, ..., 400 ms are due at 450 ms
  ['mid-way', [seg(1000, 10, 10)], 450, 5],
  // exactly on an arrival's time: that arrival is due
  ['on an arrival', [seg(1000, 10, 10)], 500, 6],
  // a freeze past the end: every arrival of the schedule, and no more
  ['past the end', [seg(1000, 10, 10)], 5000, 10],
  // a ramp 0 -> 20/s over 1 s (10 arrivals): F(500) = 2.5, so arrivals 0, 1, 2
  ['a ramp', [seg(1000, 0, 20)], 500, 3],
  // a zero-rate stretch holds the next arrival: 5 arrivals in the first second, none in the second
  ['a pause', [seg(1000, 5, 5), seg(1000, 0, 0), seg(1000, 5, 5)], 1500, 5],
  // a huge rate: counted without walking every arrival one by one
  ['a huge rate', [seg(2000, 1e9, 1e9)], 1000, 1e9 + 1],
];

for (const [name, segments, tMs, want] of dueRows) {
  test(`dueArrivals: ${name}`, () => {
    const schedule = rateSchedule(segments);
    assert.equal(dueArrivals(schedule, tMs), want);
    if (want < 1000) assert.equal(allArrivals(schedule).filter((a) => a <= tMs).length, want, 'brute force agrees');
  });
}
