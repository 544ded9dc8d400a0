// How one run's data reaches its agents (agents never read the coordinator's disk):
//  - a feeder whose rows (as JSON) are small rides inline in the plan;
//  - a larger one travels in DataChunk pieces (common/data/data-chunks.ts) sent just before the Assign;
//  - a `unique` feeder's rows are handed out in blocks from a RowPool: a first block with the Assign,
//    sized for the agent's first seconds of load, more when the agent asks (RowsWanted), never more than
//    its fair part of what is left, so agents that join later still get rows. An agent that ends or
//    leaves accounts for its rows (RowsAccount: used, unused ranges back to the pool); an agent that
//    dies loses its rows (never re-issued). Agents starved of rows get returned rows as they come back.
// Sending goes through `send`; no clock, no timers.
import type { CoordMsg, RowsAccountMsg, RowsWantedMsg } from '../../common/protocol/messages.js';
import type { AgentPlan } from '../../common/plan/agent-plan.js';
import type { Program } from '../../common/flow/program.js';
import { RowTooLargeError, splitRows, splitRowsYielding } from '../../common/data/data-chunks.js';
import { LoadfleetError } from '../../common/runtime/errors.js';
import type { ChunkedRef } from '../../common/data/data-chunks.js';
import { rangeCount } from '../../common/data/row-ranges.js';
import type { RowRange } from '../../common/data/row-ranges.js';
import type { DataDelivery } from '../schedule/planner.js';
import { RowPool } from './row-pool.js';
import type { PoolSummary } from './row-pool.js';
import { meanBetween } from '../schedule/shares.js';

/** Feeders up to this size in all (rows as JSON) ride inline in the plan; larger ones are chunked. */
export const INLINE_DATA_BYTES = 1024 * 1024;
/**
 * Most characters of rows (JSON) in one RowBlock message: a large grant goes in several. At most 3 bytes
 * of UTF-8 per character, so a block stays under the 16 MiB gRPC message limit of both sides.
 */
export const BLOCK_BYTES = 4 * 1024 * 1024;
/**
 * Most rows one grant hands out, and one RowBlock message carries: an agent then holds at most about
 * 1.5 grants (it asks when down to half a block), so its RowsAccount stays within the wire's
 * MAX_ROWS_PER_MESSAGE (1,000,000).
 */
export const MAX_GRANT_ROWS = 500_000;
export const MAX_BLOCK_ROWS = 100_000;
/** A block covers about this much of the agent's load. */
export const BLOCK_HORIZON_MS = 5_000;
/** The smallest first block. */
export const MIN_BLOCK_ROWS = 16;

/**
 * Rows an agent is likely to take over its first horizonMs: its arrivals (open model: warm-up at the
 * first rate, then its segments; closed model: 10 iterations per loop per second), plus a quarter.
 */
export function blockRowsFor(plan: Pick<AgentPlan, 'model' | 'segments' | 'warmupMs'>, horizonMs = BLOCK_HORIZON_MS): number {
  const first = plan.segments[0];
  let arrivals: number;
  if (plan.model === 'closed') {
    const loops = Math.max(0, ...plan.segments.map((s) => Math.max(s.from, s.to)));
    arrivals = loops * 10 * (horizonMs / 1000);
  } else {
    const warmMs = Math.min(plan.warmupMs, horizonMs);
    const rate0 = first === undefined ? 0 : first.from > 0 ? first.from : first.to;
    const mainMs = horizonMs - warmMs;
    arrivals = (rate0 * warmMs) / 1000 + (meanBetween(plan.segments, 0, mainMs) * mainMs) / 1000;
  }
  return Math.max(MIN_BLOCK_ROWS, Math.ceil(arrivals * 1.25));
}

/** The chunked feeders' row-aligned pieces, by feeder: built once per run. */
export type DataPieces = ReadonlyMap<string, { ref: ChunkedRef; pieces: Buffer[] }>;

/** Which non-unique feeders are too large to ride inline (all feeders' rows as JSON, in file order). */
function chunkedFeeders(program: Program | undefined): string[] {
  let inlineBytes = 0;
  const out: string[] = [];
  for (const [name, d] of Object.entries(program?.data ?? {})) {
    if (d.mode === 'unique') continue;
    let bytes = 2;
    for (const r of d.rows) {
      bytes += JSON.stringify(r).length + 1;
      if (inlineBytes + bytes > INLINE_DATA_BYTES) break;
    }
    if (inlineBytes + bytes <= INLINE_DATA_BYTES) inlineBytes += bytes;
    else out.push(name);
  }
  return out;
}

/**
 * Builds the chunked feeders' pieces, giving the event loop a turn after each piece (serializing 256 MiB
 * takes seconds; heartbeats must not wait). The coordinator calls it before the run starts.
 */
export async function prepareDataPieces(program: Program | undefined): Promise<DataPieces> {
  const out = new Map<string, { ref: ChunkedRef; pieces: Buffer[] }>();
  for (const name of chunkedFeeders(program)) {
    try {
      out.set(name, await splitRowsYielding(program?.data[name]?.rows ?? []));
    } catch (e) {
      if (e instanceof RowTooLargeError) throw new LoadfleetError('SCENARIO_INVALID', `data "${name}": ${e.message}`, { cause: e });
      throw e;
    }
  }
  return out;
}

/**
 * Sends every chunked file's pieces to these assignments ahead of their Assign, one piece at a time per
 * agent, waiting for its send buffer to drain in between: the coordinator never holds more than about
 * a piece per agent beyond the transport's own window, however large the file or the fleet. Agents are
 * served in parallel. Resolves with the agents whose stream took every piece.
 */
export async function sendPiecesAhead(
  pieces: DataPieces, runId: string, targets: readonly { agentId: string; assignment: number }[],
  send: (agentId: string, m: CoordMsg) => boolean, drained: (agentId: string) => Promise<void>,
): Promise<Set<string>> {
  const ok = new Set<string>();
  await Promise.all(targets.map(async ({ agentId, assignment }) => {
    for (const [feeder, c] of pieces) {
      for (const [index, data] of c.pieces.entries()) {
        if (!send(agentId, { kind: 'data-chunk', runId, assignment, feeder, index, count: c.pieces.length, data })) return;
        await drained(agentId);
      }
    }
    ok.add(agentId);
  }));
  return ok;
}

export interface RunDataOptions {
  runId: string;
  program: Program | undefined;
  send: (agentId: string, m: CoordMsg) => boolean;
  notice: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** From prepareDataPieces; without it they are built here, at once. */
  pieces?: DataPieces | undefined;
}

interface Starving {
  agentId: string;
  assignment: number;
  wanted: number;
}

export class RunData {
  private readonly opts: RunDataOptions;
  private readonly deliveryMap = new Map<string, DataDelivery>();
  private readonly chunked: DataPieces;
  private readonly pools = new Map<string, RowPool>();
  /** Per unique feeder, holders whose last want found the pool empty (by member key). */
  private readonly starving = new Map<string, Map<string, Starving>>();

  constructor(opts: RunDataOptions) {
    this.opts = opts;
    this.chunked = opts.pieces ?? new Map(chunkedFeeders(opts.program).map((name) => [name, splitRows(opts.program?.data[name]?.rows ?? [])]));
    for (const [name, d] of Object.entries(opts.program?.data ?? {})) {
      if (d.mode === 'unique') {
        this.deliveryMap.set(name, { kind: 'blocks' });
        this.pools.set(name, new RowPool(d.rows.length));
        this.starving.set(name, new Map());
        continue;
      }
      const c = this.chunked.get(name);
      this.deliveryMap.set(name, c === undefined ? { kind: 'inline' } : { kind: 'chunked', ref: c.ref });
    }
  }

  /** For planRun: how each feeder travels. */
  get delivery(): ReadonlyMap<string, DataDelivery> {
    return this.deliveryMap;
  }

  /**
   * Sends an assignment's data ahead of its Assign: every chunked file's pieces (unless sendPiecesAhead
   * already did: piecesSent) and a first block of each `unique` feeder (`sharers`: live assignments the
   * pool is shared by, this one included). Returns false when the stream closed meanwhile.
   */
  sendAhead(agentId: string, key: string, assignment: number, plan: AgentPlan, sharers: number, piecesSent = false): boolean {
    const { runId } = this.opts;
    for (const [feeder, c] of piecesSent ? [] : this.chunked) {
      for (const [index, data] of c.pieces.entries()) {
        if (!this.opts.send(agentId, { kind: 'data-chunk', runId, assignment, feeder, index, count: c.pieces.length, data })) return false;
      }
    }
    const wanted = Math.min(MAX_GRANT_ROWS, blockRowsFor(plan));
    for (const [feeder, pool] of this.pools) {
      const ranges = pool.grant(key, wanted, sharers);
      if (!this.sendBlock(agentId, assignment, feeder, ranges, pool.freeRows === 0)) return false;
    }
    return true;
  }

  /** An agent asks for more rows of a `unique` feeder. */
  onRowsWanted(agentId: string, key: string, m: RowsWantedMsg, sharers: number): void {
    const pool = this.pools.get(m.feeder);
    if (pool === undefined || !pool.isOpen(key)) return;
    const ranges = pool.grant(key, Math.min(MAX_GRANT_ROWS, m.rows), sharers);
    const starving = this.starving.get(m.feeder) as Map<string, Starving>;
    if (ranges.length === 0) starving.set(key, { agentId, assignment: m.assignment, wanted: m.rows });
    else starving.delete(key);
    this.sendBlock(agentId, m.assignment, m.feeder, ranges, pool.freeRows === 0);
  }

  /** An assignment's account for one `unique` feeder; returned rows go to starving agents first. */
  onRowsAccount(key: string, m: RowsAccountMsg, sharers: number): void {
    const pool = this.pools.get(m.feeder);
    if (pool === undefined) return;
    const r = pool.account(key, m.used, m.unused);
    this.starving.get(m.feeder)?.delete(key);
    if (r.problem !== undefined) this.opts.notice('warn', `agent ${key}, data "${m.feeder}": ${r.problem}${r.lost > 0 ? `; ${r.lost} row(s) counted lost` : ''}`);
    if (r.returned > 0) this.feedStarving(m.feeder, pool, sharers);
  }

  /** The assignment ended: rows it still holds without an account (it died, or failed) are lost. */
  memberEnded(key: string, why: string): void {
    for (const [feeder, pool] of this.pools) {
      this.starving.get(feeder)?.delete(key);
      const lost = pool.lose(key);
      if (lost > 0) this.opts.notice('warn', `data "${feeder}": ${lost} unique row(s) held by agent ${key} are lost (${why}); they are never handed out again`);
    }
  }

  /** Per `unique` feeder: rows, handed out, used, returned, lost, outstanding, left. */
  summary(): Record<string, PoolSummary> {
    return Object.fromEntries([...this.pools].map(([name, p]) => [name, p.summary()]));
  }

  private feedStarving(feeder: string, pool: RowPool, sharers: number): void {
    const starving = this.starving.get(feeder) as Map<string, Starving>;
    for (const [key, s] of [...starving]) {
      if (pool.freeRows === 0) return;
      const ranges = pool.grant(key, Math.min(MAX_GRANT_ROWS, s.wanted), Math.max(1, Math.min(sharers, starving.size)));
      if (ranges.length === 0) continue;
      starving.delete(key);
      this.sendBlock(s.agentId, s.assignment, feeder, ranges, pool.freeRows === 0);
    }
  }

  /** Sends `ranges` of a feeder's rows in messages of at most BLOCK_BYTES and MAX_BLOCK_ROWS; one empty block when none. */
  private sendBlock(agentId: string, assignment: number, feeder: string, ranges: readonly RowRange[], exhausted: boolean): boolean {
    const rows = this.opts.program?.data[feeder]?.rows ?? [];
    const { runId } = this.opts;
    if (rangeCount(ranges) === 0) return this.opts.send(agentId, { kind: 'row-block', runId, assignment, feeder, ranges: [], rows: [], exhausted });
    let part: RowRange[] = [];
    let partRows: Record<string, unknown>[] = [];
    let bytes = 0;
    const flush = (last: boolean): boolean => {
      const ok = this.opts.send(agentId, { kind: 'row-block', runId, assignment, feeder, ranges: part, rows: partRows, exhausted: last && exhausted });
      part = [];
      partRows = [];
      bytes = 0;
      return ok;
    };
    for (const r of ranges) {
      for (let i = r.start; i < r.end; i++) {
        const row = rows[i] as Record<string, unknown>;
        const size = JSON.stringify(row).length + 1;
        if ((bytes + size > BLOCK_BYTES || partRows.length >= MAX_BLOCK_ROWS) && partRows.length > 0 && !flush(false)) return false;
        const last = part[part.length - 1];
        if (last !== undefined && last.end === i) last.end = i + 1;
        else part.push({ start: i, end: i + 1 });
        partRows.push(row);
        bytes += size;
      }
    }
    return flush(true);
  }
}
