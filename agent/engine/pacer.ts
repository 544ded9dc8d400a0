// Pure open-model rate maths (the vegeta pacer, with piecewise-linear rates and live changes).
// No timers and no clock: time comes in as an argument, in milliseconds (fractional) since the start
// of the schedule; rates are requests per second.
//
// Definitions. F(t) is the integral of the rate from 0 to t, in arrivals. Arrival i (0-based) is intended
// at T(i) = sup{ t : F(t) <= i }, the moment the integral starts to exceed i. So with a positive rate
// arrival 0 is at t = 0 (vegeta's convention), a ramp from 0 also sends arrival 0 at t = 0, and a
// zero-rate stretch holds the next arrival until the rate becomes positive again. An arrival whose T(i)
// falls at or after the schedule's end does not exist.
//
// Poisson arrivals place arrival k at T(S_k) instead of T(k), with S_k = S_{k-1} + Exp(1) (S_-1 = 0):
// the points S_k form a Poisson process of rate 1 on F's axis, so their times form a Poisson process
// whose intensity is the schedule's rate at every moment (ramps and live changes included: the time
// change theorem), and the expected count by t is F(t) exactly. T is defined for fractional points.
import type { Segment } from '../../common/plan/agent-plan.js';
import { standardExponential } from '../../common/flow/think.js';
import { assertNever } from '../../common/runtime/errors.js';

/** How arrivals are spaced: even (arrival k at T(k)) or a Poisson process (arrival k at T(S_k)). */
export type Arrivals = 'even' | 'poisson';

/** A rate over time: segments back to back from t = 0, each linear from `from` to `to` req/s. */
export interface RateSchedule {
  readonly segments: readonly Segment[];
  /** startMs[k] is when segment k starts; startMs[segments.length] === endMs. */
  readonly startMs: readonly number[];
  /** arrivalsAt[k] is F(startMs[k]); arrivalsAt[segments.length] is the schedule's total. */
  readonly arrivalsAt: readonly number[];
  readonly endMs: number;
}

/**
 * What a runner does next (pace()): `send` its next arrival now (on time or behind: never skip), `wait`
 * (for waitMs()), `end` the phase (its end came with nothing owed), or `expire`: the end plus the grace
 * passed with arrivals still owed, which are dropped, never sent after it.
 */
export type PaceStep = 'send' | 'wait' | 'end' | 'expire';

/** Builds a schedule from segments (each durationMs > 0, rates >= 0). */
export function rateSchedule(segments: readonly Segment[]): RateSchedule {
  const startMs = [0];
  const arrivalsAt = [0];
  let t = 0;
  let f = 0;
  for (const s of segments) {
    t += s.durationMs;
    f += segmentArrivals(s, s.durationMs);
    startMs.push(t);
    arrivalsAt.push(f);
  }
  return { segments: segments.slice(), startMs, arrivalsAt, endMs: t };
}

/** A schedule holding one rate for durationMs. */
export function constantSchedule(rateRps: number, durationMs: number): RateSchedule {
  return rateSchedule(durationMs > 0 ? [{ durationMs, from: rateRps, to: rateRps }] : []);
}

/** The scheduled rate at tMs, req/s; at a boundary, the rate of the segment that starts there; 0 outside. */
export function rateAtMs(schedule: RateSchedule, tMs: number): number {
  if (!(tMs >= 0) || tMs >= schedule.endMs) return 0;
  const k = segmentAt(schedule, tMs);
  const s = schedule.segments[k] as Segment;
  return s.from + ((s.to - s.from) * (tMs - at(schedule.startMs, k))) / s.durationMs;
}

/** F(tMs): the integral of the rate from 0 to tMs, in arrivals (fractional). Clamped to [0, endMs]. */
export function expectedArrivals(schedule: RateSchedule, tMs: number): number {
  if (!(tMs > 0)) return 0;
  const n = schedule.segments.length;
  if (tMs >= schedule.endMs) return at(schedule.arrivalsAt, n);
  const k = segmentAt(schedule, tMs);
  return at(schedule.arrivalsAt, k) + segmentArrivals(schedule.segments[k] as Segment, tMs - at(schedule.startMs, k));
}

/**
 * T(i): when arrival i (0-based) is intended, ms since the schedule's start; Infinity when the schedule
 * ends before it. Allocation-free: the runners call it once per arrival.
 */
export function arrivalTimeMs(schedule: RateSchedule, i: number): number {
  const arrivalsAt = schedule.arrivalsAt;
  const n = schedule.segments.length;
  if (!(at(arrivalsAt, n) > i)) return Infinity;
  // First boundary j in 1..n with F > i (exists: F(end) > i); the crossing is in segment j - 1.
  let lo = 1;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (at(arrivalsAt, mid) > i) hi = mid;
    else lo = mid + 1;
  }
  const k = lo - 1;
  const s = schedule.segments[k] as Segment;
  const start = at(schedule.startMs, k);
  const x = i - at(arrivalsAt, k); // arrivals still to go inside this segment, 0 <= x < segment total
  const tau = solveInSegment(s, x);
  const t = start + tau;
  // Never report a time past the segment (rounding), and keep T monotonic across the boundary.
  const end = at(schedule.startMs, k + 1);
  return t > end ? end : t;
}

/**
 * How many arrivals are intended at or before elapsedMs (arrivals 0..n-1 have T(i) <= elapsedMs): all
 * of them from the schedule's end on, none before its start.
 */
export function dueArrivals(schedule: RateSchedule, elapsedMs: number): number {
  if (!(elapsedMs >= 0)) return 0;
  const total = at(schedule.arrivalsAt, schedule.segments.length);
  const whole = Math.ceil(total - 1e-9);
  if (elapsedMs >= schedule.endMs) return whole;
  // T(i) <= t exactly when F(t) >= i, so arrivals 0..floor(F(t)); a guess corrected by T itself.
  let n = Math.min(whole, Math.floor(expectedArrivals(schedule, elapsedMs)) + 1);
  while (n > 0 && arrivalTimeMs(schedule, n - 1) > elapsedMs) n--;
  while (n < whole && arrivalTimeMs(schedule, n) <= elapsedMs) n++;
  return n;
}

/**
 * vegeta's Pace, as the open runner asks it before every arrival: at elapsedMs since the schedule's
 * start, with its next arrival intended at nextAtMs (arrivalTimeMs of the next index, Infinity when none
 * is left), what to do. With no arrival left before the end the phase still lasts until its end (a live
 * change may add some). Allocation-free.
 */
export function pace(schedule: RateSchedule, elapsedMs: number, nextAtMs: number, graceMs: number): PaceStep {
  const endMs = schedule.endMs;
  if (!(nextAtMs < endMs)) return elapsedMs >= endMs ? 'end' : 'wait';
  if (elapsedMs >= endMs + graceMs) return 'expire';
  return nextAtMs > elapsedMs ? 'wait' : 'send';
}

/** How long a runner told to `wait` sleeps, ms: until its next arrival, or until the end when none is left. */
export function waitMs(schedule: RateSchedule, elapsedMs: number, nextAtMs: number): number {
  return (nextAtMs < schedule.endMs ? nextAtMs : schedule.endMs) - elapsedMs;
}

/**
 * From atMs on, the schedule follows `tail` (segments back to back from atMs); before atMs it is the same
 * schedule with the same cumulative arrival counts (the prefix is copied, not recomputed), so no arrival
 * is skipped or doubled at the switch. The tail may end before or after the original end: the result
 * ends where the tail does. A change at or after the original end, or an empty tail, is a no-op.
 */
export function replaceTail(schedule: RateSchedule, atMs: number, tail: readonly Segment[]): RateSchedule {
  if (!(atMs < schedule.endMs) || tail.length === 0) return schedule;
  const t0 = atMs > 0 ? atMs : 0;
  const segments: Segment[] = [];
  const startMs: number[] = [];
  const arrivalsAt: number[] = [];
  // Prefix: whole segments that end at or before t0, copied with their exact offsets.
  let k = 0;
  for (; k < schedule.segments.length && at(schedule.startMs, k + 1) <= t0; k++) {
    segments.push(schedule.segments[k] as Segment);
    startMs.push(at(schedule.startMs, k));
    arrivalsAt.push(at(schedule.arrivalsAt, k));
  }
  // The segment cut at t0 keeps its start, its offset and its slope.
  const cutStart = at(schedule.startMs, k);
  if (t0 > cutStart) {
    const s = schedule.segments[k] as Segment;
    segments.push({ durationMs: t0 - cutStart, from: s.from, to: rateAtMs(schedule, t0) });
    startMs.push(cutStart);
    arrivalsAt.push(at(schedule.arrivalsAt, k));
  }
  // The offset at the switch is F(t0) of the original, exactly.
  let f = expectedArrivals(schedule, t0);
  let t = t0;
  for (const seg of tail) {
    if (!(seg.durationMs > 0)) continue;
    segments.push(seg);
    startMs.push(t);
    arrivalsAt.push(f);
    t += seg.durationMs;
    f += segmentArrivals(seg, seg.durationMs);
  }
  startMs.push(t);
  arrivalsAt.push(f);
  return { segments, startMs, arrivalsAt, endMs: t };
}

/**
 * The point on F's axis (in arrivals) of the arrival after the one at `previous` (undefined: the first
 * one): even, previous + 1 (the first at 0); poisson, previous + Exp(1) (the first at Exp(1)). Its time
 * is arrivalTimeMs(schedule, point). `random` is uniform on [0, 1).
 */
export function nextArrivalPoint(arrivals: Arrivals, previous: number | undefined, random: () => number): number {
  switch (arrivals) {
    case 'even':
      return previous === undefined ? 0 : previous + 1;
    case 'poisson':
      return (previous ?? 0) + standardExponential(random);
    default:
      return assertNever(arrivals);
  }
}

/**
 * The arrivals from the one at `point` on (`index` of them came before it) that are intended at or
 * before elapsedMs and before the schedule's end: how many (`owed`), and the index and point of the
 * first one after them. Even arrivals are counted exactly (dueArrivals); Poisson ones are drawn.
 */
export function owedArrivals(
  schedule: RateSchedule, arrivals: Arrivals, index: number, point: number, elapsedMs: number, random: () => number,
): { owed: number; index: number; point: number } {
  if (arrivals === 'even') {
    const due = dueArrivals(schedule, elapsedMs);
    return due > index ? { owed: due - index, index: due, point: due } : { owed: 0, index, point };
  }
  let owed = 0;
  let p = point;
  for (let t = arrivalTimeMs(schedule, p); t <= elapsedMs && t < schedule.endMs; t = arrivalTimeMs(schedule, p)) {
    owed++;
    p = nextArrivalPoint(arrivals, p, random);
  }
  return { owed, index: index + owed, point: p };
}

// ---- internals ----


function at(xs: readonly number[], k: number): number {
  return xs[k] as number;
}

/** Index of the segment containing tMs (0 <= tMs < endMs): the last k with startMs[k] <= tMs. */
function segmentAt(schedule: RateSchedule, tMs: number): number {
  const starts = schedule.startMs;
  let lo = 0;
  let hi = schedule.segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (at(starts, mid) <= tMs) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Arrivals in the first tauMs of a segment: the integral of a linear rate (req/s) over ms. */
function segmentArrivals(s: Segment, tauMs: number): number {
  return (s.from * tauMs + ((s.to - s.from) * tauMs * tauMs) / (2 * s.durationMs)) / 1000;
}

/**
 * The tau (ms) where segmentArrivals(s, tau) === x, for 0 <= x < the segment's total (so the rate is
 * positive somewhere in it). Solves k*tau^2 + a*tau - 1000x = 0 in the cancellation-free form
 * tau = 2c / (a + sqrt(a^2 + 4kc)), c = 1000x, valid for ramps up (k > 0), down (k < 0) and flat (k = 0).
 */
function solveInSegment(s: Segment, x: number): number {
  if (x <= 0) return 0;
  const a = s.from;
  const k = (s.to - s.from) / (2 * s.durationMs);
  const c = 1000 * x;
  const disc = a * a + 4 * k * c;
  const denom = a + Math.sqrt(disc > 0 ? disc : 0);
  if (!(denom > 0)) return s.durationMs;
  const tau = (2 * c) / denom;
  return tau < s.durationMs ? tau : s.durationMs;
}
