// Which row an iteration gets.
//   sequential  rows in file order, starting again at the first after the last
//   random      a uniformly random row each time (with replacement)
//   unique      each row at most once, in order; then the picker is exhausted (next() is undefined)
// For `unique` to hold fleet-wide an agent's rows come from the coordinator's pool in blocks
// (coordinator/data/delivery.ts, agent/unique-feed.ts, another RowPicker); this picker serves local rows.
import type { Row } from '../../common/data/feeder.js';

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
