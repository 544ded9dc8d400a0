// Pure piecewise-linear schedule maths, the one copy both sides use: the coordinator's planner, replay
// and shares, and the agent's pacer and runners. A schedule is Segment[] back to back from t = 0, each
// moving linearly from `from` to `to` over durationMs; its values are arrival rates (req/s, open model)
// or loop counts (closed model). Time is in milliseconds, fractional; nothing here reads a clock.
import type { Segment } from './agent-plan.js';

/** How long the schedule lasts, ms. */
export function scheduleEndMs(segments: readonly Segment[]): number {
  return segments.reduce((sum, s) => sum + s.durationMs, 0);
}

/** The schedule's value at tMs (0 outside; at a boundary, the segment that starts there). */
export function valueAt(segments: readonly Segment[], tMs: number): number {
  let t = 0;
  for (const s of segments) {
    if (tMs < t + s.durationMs) return tMs < t ? 0 : s.from + ((s.to - s.from) * (tMs - t)) / s.durationMs;
    t += s.durationMs;
  }
  return 0;
}

/** The part of the schedule from tMs to its end, as segments from tMs on (empty at or after the end). */
export function tailFrom(segments: readonly Segment[], tMs: number): Segment[] {
  const out: Segment[] = [];
  let t = 0;
  for (const s of segments) {
    const end = t + s.durationMs;
    if (end <= tMs) {
      t = end;
      continue;
    }
    if (tMs > t) {
      const from = s.from + ((s.to - s.from) * (tMs - t)) / s.durationMs;
      out.push({ durationMs: end - tMs, from, to: s.to });
    } else {
      out.push({ ...s });
    }
    t = end;
  }
  return out;
}

/**
 * A live change at atMs: the same schedule before atMs; from there the value ramps linearly from the one
 * in force at atMs to `target` over rampMs, then holds `target` until the ORIGINAL end. A ramp cut by the
 * end keeps its slope. A change at or after the end is a no-op; one before 0 is a change at 0.
 *
 * The hold is kept whenever it is longer than 0, with no tolerance: rampDurMs is either exactly the time
 * left (then the difference is exactly 0) or rampMs < the time left (then the difference of two distinct
 * doubles is never 0), so no rounding residue can appear, and a tolerance such as 1e-9 would only drop a
 * real hold and end the schedule early.
 */
export function changeFrom(segments: readonly Segment[], atMs: number, target: number, rampMs: number): Segment[] {
  const endMs = scheduleEndMs(segments);
  if (!(atMs < endMs)) return segments.slice();
  const t0 = atMs > 0 ? atMs : 0;
  const current = valueAt(segments, t0);
  const out: Segment[] = [];
  let t = 0;
  for (const s of segments) {
    if (t + s.durationMs <= t0) out.push(s);
    else if (t0 > t) out.push({ durationMs: t0 - t, from: s.from, to: current });
    else break;
    t += s.durationMs;
  }
  const remainingMs = endMs - t0;
  const rampDurMs = rampMs > 0 ? Math.min(rampMs, remainingMs) : 0;
  if (rampDurMs > 0) {
    const rampTo = rampDurMs === rampMs ? target : current + ((target - current) * rampDurMs) / rampMs;
    out.push({ durationMs: rampDurMs, from: current, to: rampTo });
  }
  if (remainingMs - rampDurMs > 0) out.push({ durationMs: remainingMs - rampDurMs, from: target, to: target });
  return out;
}

/**
 * A tail computed elsewhere (the coordinator, from its own clock) fitted to an agent's remaining time:
 * when it is longer, its beginning (already past there) is cut off; when it is shorter, its first value
 * is held for the difference first. The result lasts exactly durationMs (empty when durationMs <= 0).
 * The lengths are sums of doubles from two clocks, so they count as equal within 1e-9 ms.
 */
export function fitTail(tail: readonly Segment[], durationMs: number): Segment[] {
  if (!(durationMs > 0) || tail.length === 0) return [];
  const total = scheduleEndMs(tail);
  if (Math.abs(total - durationMs) < 1e-9) return tail.slice();
  if (total < durationMs) {
    const first = tail[0] as Segment;
    return [{ durationMs: durationMs - total, from: first.from, to: first.from }, ...tail];
  }
  return tailFrom(tail, total - durationMs);
}
