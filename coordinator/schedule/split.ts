// Pure split of fleet-wide load over agents. No I/O, no time: the planner and the shares (shares.ts) call
// these with numbers and get numbers back.
//
// Contract shared by both functions:
// - The result has one entry per agent id, in the given order (Map iteration order = agentIds order).
// - Weights are optional (equal split by default). When given, every agent must have a finite weight
//   >= 0 and at least one weight must be > 0; anything else is a caller bug (LoadfleetError INTERNAL).
// - Duplicate agent ids are a caller bug too.
import { LoadfleetError } from '../../common/runtime/errors.js';

/** Share of `total` per agent (total * w / sum of w), after checking ids and weights. */
function quotas(total: number, agentIds: readonly string[], weights: ReadonlyMap<string, number> | undefined): number[] {
  if (new Set(agentIds).size !== agentIds.length) {
    throw new LoadfleetError('INTERNAL', `duplicate agent ids in split: ${agentIds.join(', ')}`);
  }
  const ws = agentIds.map((id) => {
    if (weights === undefined) return 1;
    const w = weights.get(id);
    if (w === undefined || !Number.isFinite(w) || w < 0) {
      throw new LoadfleetError('INTERNAL', `agent ${id} has no usable weight (got ${String(w)}); weights must be finite and >= 0`);
    }
    return w;
  });
  const sum = ws.reduce((a, b) => a + b, 0);
  if (agentIds.length > 0 && !(sum > 0)) {
    throw new LoadfleetError('INTERNAL', 'every agent weight is 0; at least one must be positive');
  }
  return ws.map((w) => (w === 0 ? 0 : (total * w) / sum));
}

/**
 * Splits an arrival rate (req/s, finite, >= 0) proportionally. Summing the values in Map order gives
 * exactly `totalRps` (the last agent with a positive weight takes the floating-point remainder).
 * An empty agent list gives an empty map.
 */
export function splitRate(totalRps: number, agentIds: readonly string[], weights?: ReadonlyMap<string, number>): Map<string, number> {
  if (!Number.isFinite(totalRps) || totalRps < 0) {
    throw new LoadfleetError('INTERNAL', `cannot split rate ${totalRps}; it must be a finite number >= 0`);
  }
  const shares = quotas(totalRps, agentIds, weights);
  const last = lastPositive(agentIds, weights);
  if (last >= 0) {
    let before = 0; // sum of every share except `last`, in Map order up to `last`
    for (let i = 0; i < last; i++) before += shares[i] as number;
    let after = 0; // agents after `last` have weight 0, so share 0
    for (let i = last + 1; i < shares.length; i++) after += shares[i] as number;
    shares[last] = exactRemainder(totalRps, before, after);
  }
  return new Map(agentIds.map((id, i) => [id, shares[i] as number]));
}

/** Index of the last agent whose weight is > 0 (every agent when unweighted); -1 for no agents. */
function lastPositive(agentIds: readonly string[], weights: ReadonlyMap<string, number> | undefined): number {
  for (let i = agentIds.length - 1; i >= 0; i--) {
    if (weights === undefined || (weights.get(agentIds[i] as string) ?? 0) > 0) return i;
  }
  return -1;
}

/** A value r >= 0 such that (before + r) + after === total in floating point, as close to the ideal as possible. */
function exactRemainder(total: number, before: number, after: number): number {
  let r = Math.max(0, total - before - after);
  // total - before is exact in most cases (Sterbenz); nudge by one ulp at a time when it is not.
  for (let step = 0; step < 8 && before + r + after !== total; step++) {
    const sum = before + r + after;
    r = Math.max(0, sum < total ? nextUp(r) : nextDown(r));
  }
  return r;
}

function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const buf = new Float64Array([x]);
  const bits = new BigInt64Array(buf.buffer);
  bits[0] = (bits[0] as bigint) + 1n;
  return buf[0] as number;
}

function nextDown(x: number): number {
  if (x <= 0) return 0;
  const buf = new Float64Array([x]);
  const bits = new BigInt64Array(buf.buffer);
  bits[0] = (bits[0] as bigint) - 1n;
  return buf[0] as number;
}

/**
 * Splits a whole number (loops, in-flight cap, connections) by largest remainder: each agent gets the
 * floor of its quota, and the leftover units go one each to the largest fractional parts, ties broken by
 * agent order. Every value is a whole number >= 0 and the values sum to `total` exactly.
 */
export function splitInteger(total: number, agentIds: readonly string[], weights?: ReadonlyMap<string, number>): Map<string, number> {
  if (!Number.isSafeInteger(total) || total < 0) {
    throw new LoadfleetError('INTERNAL', `cannot split ${total}; it must be a whole number >= 0`);
  }
  const qs = quotas(total, agentIds, weights);
  const shares = qs.map((q) => Math.floor(q));
  let left = total - shares.reduce((a, b) => a + b, 0);
  // Stable sort: equal fractional parts keep agent order.
  const order = qs
    .map((q, i) => ({ i, frac: q - Math.floor(q), positive: weights === undefined || (weights.get(agentIds[i] as string) ?? 0) > 0 }))
    .filter((x) => x.positive)
    .sort((a, b) => b.frac - a.frac);
  for (let k = 0; left > 0 && order.length > 0; k = (k + 1) % order.length, left--) {
    const i = (order[k] as { i: number }).i;
    shares[i] = (shares[i] as number) + 1;
  }
  return new Map(agentIds.map((id, i) => [id, shares[i] as number]));
}
