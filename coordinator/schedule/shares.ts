// Pure share maths for an elastic fleet: what part of the fleet's schedule each live agent runs from a
// given moment. No I/O, no clock: time comes in as an argument (main-phase milliseconds).
//
// Contract: for the open model, the tails handed to the live agents at time T sum, at every instant
// after T, to the fleet's schedule (fractions sum to 1 up to floating point); for the closed model the
// loop counts sum exactly to the fleet's value at T (largest remainder).
import type { Segment } from '../../common/plan/agent-plan.js';
import { splitInteger } from './split.js';
import { tailFrom } from '../../common/plan/rate-schedule.js';

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
