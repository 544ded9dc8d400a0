// Which row an iteration gets, and how `unique` rows are shared out over the fleet.
//   sequential  rows in file order, starting again at the first after the last
//   random      a uniformly random row each time (with replacement)
//   unique      each row at most once, in order; then the picker is exhausted (next() is undefined)
// For `unique` to hold fleet-wide the coordinator gives each agent a disjoint slice of the rows
// (partitionRows) and each agent picks from its own slice only.
import type { Row } from './feeder.js';

export type FeederMode = 'sequential' | 'random' | 'unique';

export interface RowPicker {
  /** The next row, or undefined once a `unique` picker has used every row. */
  next(): Row | undefined;
  /** Rows still available for `unique`; undefined for the modes that never run out. */
  remaining(): number | undefined;
  /** Optional: an empty picker that may still get rows (agent/unique-feed.ts, fed by the coordinator). */
  mayRefill?(): boolean;
}

/** `random` is a uniform source in [0, 1) (injected for deterministic tests). */
export function createRowPicker(rows: readonly Row[], mode: FeederMode, random: () => number = Math.random): RowPicker {
  let i = 0;
  switch (mode) {
    case 'sequential':
      return {
        next() {
          if (rows.length === 0) return undefined;
          const row = rows[i];
          i = (i + 1) % rows.length;
          return row;
        },
        remaining: () => undefined,
      };
    case 'random':
      return {
        next: () => (rows.length === 0 ? undefined : rows[Math.min(rows.length - 1, Math.floor(random() * rows.length))]),
        remaining: () => undefined,
      };
    case 'unique':
      return {
        next: () => (i < rows.length ? rows[i++] : undefined),
        remaining: () => rows.length - i,
      };
  }
}

/** A half-open range of row indices [start, end). */
export interface RowRange {
  start: number;
  end: number;
}

/**
 * Splits rowCount rows over agents in proportion to their weights, as CONTIGUOUS ranges in agent order:
 * agent 0 gets the first rows, agent 1 the next, and so on; together the ranges cover every row exactly
 * once. Counts are rounded by largest remainder (ties to the lower index), so the split is stable: the
 * same inputs always give the same ranges. Contiguous (not round-robin) so that the coordinator can
 * send each agent just its slice of the file. All weights zero (or none positive) counts as equal weights.
 * Throws RangeError for a negative or non-finite weight, no agents, or a bad row count.
 */
export function partitionRows(rowCount: number, weights: readonly number[]): RowRange[] {
  if (!Number.isInteger(rowCount) || rowCount < 0) throw new RangeError(`rowCount must be a whole number >= 0, got ${rowCount}`);
  if (weights.length === 0) throw new RangeError('no agents to partition rows over');
  for (const w of weights) if (!Number.isFinite(w) || w < 0) throw new RangeError(`weights must be finite and >= 0, got ${w}`);
  const total = weights.reduce((a, b) => a + b, 0);
  const ws = total > 0 ? weights : weights.map(() => 1);
  const sum = total > 0 ? total : weights.length;
  const exact = ws.map((w) => (rowCount * w) / sum);
  const counts = exact.map(Math.floor);
  let left = rowCount - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((e, k) => ({ k, frac: e - Math.floor(e) })).sort((a, b) => b.frac - a.frac || a.k - b.k);
  for (const { k } of order) {
    if (left <= 0) break;
    counts[k] = (counts[k] as number) + 1;
    left--;
  }
  const ranges: RowRange[] = [];
  let start = 0;
  for (const c of counts) {
    ranges.push({ start, end: start + c });
    start += c;
  }
  return ranges;
}
