// Pure: the fleet-wide pool of one `unique` data feeder's rows. Rows are handed out in blocks to
// holders (assignments, keyed by member key), each row to at most one holder at a time; a holder that
// ends gracefully accounts for its rows (used, and the ranges never taken, which go back to the pool);
// a holder that died loses its outstanding rows for good (never re-issued: `unique` means at most once).
//
// An account covers the rows the holder had received when it made it. Blocks reach a holder in the order
// they were handed out, so it received a prefix of its rows in that order, of `used + unused` rows; the
// rest of its rows were still on their way (a block answering its last ask, or rows returned by another
// holder at the end) and, its feed being closed, are never taken: they go back to the pool too.
//
// Invariant (tested): handedOut = used + returned + lost + outstanding, and free + outstanding + used
// + lost = total; no index is ever outstanding at two holders or handed out again once used or lost.
import { containsAll, normalize, rangeCount, subtract, takeFirst } from '../../common/data/row-ranges.js';
import type { RowRange } from '../../common/data/row-ranges.js';

/** The smallest fair part while rows are free (see grant). */
export const MIN_GRANT_ROWS = 16;

export interface PoolSummary {
  /** Rows in the file. */
  rows: number;
  /** Rows handed out, counting a returned row again each time it is handed out anew. */
  handedOut: number;
  /** Rows the holders reported taken. */
  used: number;
  /** Rows handed back unused (by agents that left or ended with rows to spare). */
  returned: number;
  /** Rows held by agents that died (or whose account did not add up): never re-issued. */
  lost: number;
  /** Rows still held by live holders (0 once a run is over). */
  outstanding: number;
  /** Rows never handed out, or returned and not handed out again. */
  left: number;
}

interface Holder {
  outstanding: RowRange[];
  /** Every range handed to it, in the order handed out (the order its blocks reach it). */
  sent: RowRange[];
  closed: boolean;
}

/** Outcome of an account; `problem` says why (part of) it was counted lost. */
export interface AccountResult {
  returned: number;
  lost: number;
  problem: string | undefined;
}

export class RowPool {
  private free: RowRange[];
  private readonly holders = new Map<string, Holder>();
  private readonly totals = { handedOut: 0, used: 0, returned: 0, lost: 0 };
  readonly rows: number;

  constructor(rows: number) {
    if (!Number.isSafeInteger(rows) || rows < 0) throw new RangeError(`rows must be a whole number >= 0, got ${rows}`);
    this.rows = rows;
    this.free = rows > 0 ? [{ start: 0, end: rows }] : [];
  }

  get freeRows(): number {
    return rangeCount(this.free);
  }

  /**
   * Hands `holder` up to `wanted` rows, but no more than its fair part of what is free when `sharers`
   * holders (itself included) may still ask: ceil(free / sharers), and never less than MIN_GRANT_ROWS
   * while that many are free (so the last rows go in a few blocks, not in a stream of tiny ones).
   * Lowest indices first. Returns the ranges handed out (empty when nothing is free or the holder is closed).
   */
  grant(holder: string, wanted: number, sharers = 1): RowRange[] {
    const h = this.holderOf(holder);
    if (h.closed || wanted <= 0) return [];
    const free = this.freeRows;
    const fair = Math.max(Math.ceil(free / Math.max(1, sharers)), Math.min(free, MIN_GRANT_ROWS));
    const n = Math.min(Math.floor(wanted), fair);
    const { taken, rest } = takeFirst(this.free, n);
    this.free = rest;
    h.outstanding = normalize([...h.outstanding, ...taken]);
    h.sent.push(...taken.map((r) => ({ ...r })));
    this.totals.handedOut += rangeCount(taken);
    return taken;
  }

  /**
   * The holder's final account: `used` rows taken, `unused` ranges handed back. When it adds up to the
   * first `used + unused` rows handed to it (unused among them), the rows handed out after those had not
   * reached it: they go back to the pool with the unused ones. Otherwise unused ranges it does not hold
   * are ignored (counted as a problem) and rows neither used nor returned are lost. Closes the holder; a
   * second account or one for an unknown holder changes nothing.
   */
  account(holder: string, used: number, unused: readonly RowRange[]): AccountResult {
    const h = this.holders.get(holder);
    if (h === undefined || h.closed) return { returned: 0, lost: 0, problem: h === undefined ? 'it was never handed rows' : 'it already accounted for its rows' };
    h.closed = true;
    let problem: string | undefined;
    let back = normalize(unused);
    const received = Number.isSafeInteger(used) && used >= 0 ? used + rangeCount(back) : Number.NaN;
    if (received < rangeCount(h.outstanding)) {
      const { taken, rest } = takeFirst(h.sent, received);
      if (containsAll(taken, back)) back = normalize([...back, ...rest]);
    }
    if (!containsAll(h.outstanding, back)) {
      problem = 'it returned rows it did not hold (ignored)';
      back = subtract(back, subtract(back, h.outstanding));
    }
    const returned = rangeCount(back);
    const held = rangeCount(h.outstanding);
    const usedOk = Math.max(0, Math.min(used, held - returned));
    if (usedOk !== used) problem = `it reported ${used} row(s) used of ${held - returned} not returned`;
    const lost = held - returned - usedOk;
    this.free = normalize([...this.free, ...back]);
    this.totals.returned += returned;
    this.totals.used += usedOk;
    this.totals.lost += lost;
    h.outstanding = [];
    h.sent = [];
    return { returned, lost, problem };
  }

  /** The holder died (or ended without an account): what it held is lost. Returns the rows lost. */
  lose(holder: string): number {
    const h = this.holders.get(holder);
    if (h === undefined || h.closed) return 0;
    h.closed = true;
    const lost = rangeCount(h.outstanding);
    h.outstanding = [];
    h.sent = [];
    this.totals.lost += lost;
    return lost;
  }

  /** True when the holder may still be handed rows. */
  isOpen(holder: string): boolean {
    return this.holders.get(holder)?.closed !== true;
  }

  summary(): PoolSummary {
    let outstanding = 0;
    for (const h of this.holders.values()) outstanding += rangeCount(h.outstanding);
    return { rows: this.rows, ...this.totals, outstanding, left: this.freeRows };
  }

  private holderOf(key: string): Holder {
    let h = this.holders.get(key);
    if (h === undefined) {
      h = { outstanding: [], sent: [], closed: false };
      this.holders.set(key, h);
    }
    return h;
  }
}
