// One `unique` data feeder on an agent, fed by the coordinator's RowBlocks (coordinator/data/delivery.ts).
// A RowPicker: rows are taken in the order they arrived; when what is left falls to half the last block
// (or runs out) it asks for more through `want` (one request outstanding at a time), sized like the last
// block, doubled after it ran dry. Empty: next() is undefined (the flow run counts as noData). At the end
// account() says how many rows were taken and which were never taken (they go back to the pool).
import type { Row } from '../common/data/feeder.js';
import type { RowPicker } from './engine/feeder-select.js';
import { skipFirst } from '../common/data/row-ranges.js';
import { MAX_ROWS_PER_MESSAGE } from '../common/protocol/data-messages.js';
import type { RowRange } from '../common/data/row-ranges.js';

/** The smallest request for more rows. */
export const MIN_WANT_ROWS = 16;

interface Block {
  ranges: RowRange[];
  rows: readonly Row[];
  /** Rows of this block already taken. */
  taken: number;
}

export class UniqueFeed implements RowPicker {
  private readonly blocks: Block[] = [];
  private readonly want: (rows: number) => void;
  private used = 0;
  private held = 0;
  private lastBlockRows = MIN_WANT_ROWS;
  private pending = false;
  private exhausted = false;
  private ranDry = false;
  private closed = false;

  /** `want(rows)` sends a RowsWanted; it is never called twice without a block in between. */
  constructor(want: (rows: number) => void) {
    this.want = want;
  }

  /** Rows arrived (possibly none, with exhausted: the pool is empty for now). */
  addBlock(ranges: readonly RowRange[], rows: readonly Row[], exhausted: boolean): void {
    if (this.closed) return;
    this.pending = false;
    // Only an empty answer stops the asking: after rows, one more ask registers this agent as starving,
    // so rows that other agents return later reach it.
    this.exhausted = exhausted && rows.length === 0;
    if (rows.length === 0) return;
    this.blocks.push({ ranges: ranges.map((r) => ({ ...r })), rows, taken: 0 });
    this.held += rows.length;
    this.lastBlockRows = Math.max(MIN_WANT_ROWS, rows.length);
  }

  next(): Row | undefined {
    let row: Row | undefined;
    while (this.blocks.length > 0) {
      const b = this.blocks[0] as Block;
      if (b.taken < b.rows.length) {
        row = b.rows[b.taken++];
        this.used++;
        this.held--;
        break;
      }
      this.blocks.shift();
    }
    if (row === undefined) this.ranDry = true;
    this.maybeWant();
    return row;
  }

  remaining(): number {
    return this.held;
  }

  /** More rows may come: it has not been told the pool is empty, and has not accounted yet. */
  mayRefill(): boolean {
    return !this.closed && !this.exhausted;
  }

  /** Rows taken so far. */
  get usedRows(): number {
    return this.used;
  }

  /** Final: rows taken and the ranges never taken. The feed gives no more rows and asks for none. */
  account(): { used: number; unused: RowRange[] } {
    this.closed = true;
    const unused: RowRange[] = [];
    for (const b of this.blocks) unused.push(...skipFirst(b.ranges, b.taken));
    this.blocks.length = 0;
    this.held = 0;
    return { used: this.used, unused };
  }

  private maybeWant(): void {
    if (this.closed || this.pending || this.exhausted) return;
    if (this.held > Math.floor(this.lastBlockRows / 2)) return;
    const rows = Math.min(MAX_ROWS_PER_MESSAGE, Math.max(MIN_WANT_ROWS, this.ranDry ? this.lastBlockRows * 2 : this.lastBlockRows));
    this.ranDry = false;
    this.pending = true;
    this.want(rows);
  }
}
