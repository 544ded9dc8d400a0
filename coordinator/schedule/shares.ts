// Pure share maths for an elastic fleet: what part of the fleet's schedule each live agent runs from a
// given moment. No I/O, no clock: time comes in as an argument (main-phase milliseconds).
//
// Contract: for the open model, the tails handed to the live agents at time T sum, at every instant
// after T, to the fleet's schedule (fractions sum to 1 up to floating point); for the closed model the
// loop counts sum exactly to the fleet's value at T (largest remainder).
import type { Segment } from '../../common/plan/agent-plan.js';
import { splitInteger } from './split.js';

/** The schedule's value at tMs (0 outside; at a boundary, the segment that starts there). */
export function valueAt(segments: readonly Segment[], tMs: number): number {
  let t = 0;
  for (const s of segments) {
    if (tMs < t + s.durationMs) return tMs < t ? 0 : s.from + ((s.to - s.from) * (tMs - t)) / s.durationMs;
    t += s.durationMs;
  }
  return 0;
}

/** The part of the schedule from tMs to its end (empty at or after the end). */
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

export function scaleSegments(segments: readonly Segment[], factor: number): Segment[] {
  return segments.map((s) => ({ durationMs: s.durationMs, from: s.from * factor, to: s.to * factor }));
}

/** Integral of the schedule from 0 to tMs, in value x ms. */
function areaTo(segments: readonly Segment[], tMs: number): number {
  let area = 0;
  let t = 0;
  for (const s of segments) {
    if (t >= tMs) break;
    const part = Math.min(s.durationMs, tMs - t);
    const end = s.from + ((s.to - s.from) * part) / s.durationMs;
    area += ((s.from + end) / 2) * part;
    t += s.durationMs;
  }
  return area;
}

/** Mean value of the schedule over [fromMs, toMs) (0 for an empty span). */
export function meanBetween(segments: readonly Segment[], fromMs: number, toMs: number): number {
  if (!(toMs > fromMs)) return 0;
  return (areaTo(segments, toMs) - areaTo(segments, fromMs)) / (toMs - fromMs);
}

/** Fractions of the fleet's load per agent, proportional to weight (each weight finite and > 0). */
export function fractions(weights: ReadonlyMap<string, number>): Map<string, number> {
  let sum = 0;
  for (const w of weights.values()) sum += w;
  return new Map([...weights].map(([id, w]) => [id, sum > 0 ? w / sum : 0]));
}

/** Open model: each agent's tail of the fleet's schedule from tMs, scaled by its fraction. */
export function openShares(schedule: readonly Segment[], tMs: number, weights: ReadonlyMap<string, number>): Map<string, Segment[]> {
  const tail = tailFrom(schedule, tMs);
  return new Map([...fractions(weights)].map(([id, f]) => [id, scaleSegments(tail, f)]));
}

/** Closed model: each agent's loop count at tMs, summing exactly to the fleet's (rounded) value. */
export function closedShares(schedule: readonly Segment[], tMs: number, weights: ReadonlyMap<string, number>): Map<string, number> {
  return splitInteger(Math.round(valueAt(schedule, Math.max(0, tMs))), [...weights.keys()], weights);
}

/**
 * Closed model: each agent's tail of the fleet's loop schedule from tMs. Every boundary value (rounded
 * to whole loops) is split by largest remainder, so at each boundary the agents' loops sum exactly to
 * the fleet's; in between each agent rounds its own line (the sum may then differ by a loop or so).
 */
export function closedTailShares(schedule: readonly Segment[], tMs: number, weights: ReadonlyMap<string, number>): Map<string, Segment[]> {
  const ids = [...weights.keys()];
  const out = new Map<string, Segment[]>(ids.map((id) => [id, []]));
  for (const s of tailFrom(schedule, Math.max(0, tMs))) {
    const from = splitInteger(Math.round(s.from), ids, weights);
    const to = splitInteger(Math.round(s.to), ids, weights);
    for (const id of ids) (out.get(id) as Segment[]).push({ durationMs: s.durationMs, from: from.get(id) ?? 0, to: to.get(id) ?? 0 });
  }
  return out;
}

/** True when the tail holds one value throughout (a live override can express it as a plain number). */
export function isConstant(tail: readonly Segment[]): boolean {
  const v = tail[0]?.from;
  return tail.every((s) => s.from === v && s.to === v);
}
