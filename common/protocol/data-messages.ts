// The data messages of protocol 3 (DataChunk, RowBlock, RowsWanted, RowsAccount, and Control.Upload's
// pieces): their typed forms and the checks that turn a decoded wire message (untrusted input) into
// one, or throw LoadfleetError PROTOCOL_VIOLATION naming the field. protocol/messages.ts calls these; wire
// shapes are taken structurally, so the generated types stay in protocol/messages.ts alone.
import { rangeCount, rangesProblem } from '../data/row-ranges.js';
import type { RowRange } from '../data/row-ranges.js';
import { CHUNK_BYTES, MAX_CHUNKS, MAX_DATA_BYTES, rowsFromJson } from '../data/data-chunks.js';
import { MAX_ID_CHARS } from './wire-limits.js';
import { runIdOf, violation } from './violation.js';

/** A `unique` feeder runs low: the agent asks for about `rows` more (protocol 3). */
export interface RowsWantedMsg { kind: 'rows-wanted'; runId: string; assignment: number; feeder: string; rows: number }
/** At the end of an assignment, per `unique` feeder: rows taken, and the ranges never taken (returned). */
export interface RowsAccountMsg { kind: 'rows-account'; runId: string; assignment: number; feeder: string; used: number; unused: RowRange[] }
/** One piece of a chunked data file, sent before the Assign that names it (common/data/data-chunks.ts). */
export interface DataChunkMsg { kind: 'data-chunk'; runId: string; assignment: number; feeder: string; index: number; count: number; data: Buffer }
/** `unique` rows handed to an assignment: `rows` are the rows of `ranges`, in order; none when exhausted. */
export interface RowBlockMsg { kind: 'row-block'; runId: string; assignment: number; feeder: string; ranges: RowRange[]; rows: Record<string, unknown>[]; exhausted: boolean }
/** One piece of a data file uploaded ahead of Start (Control.Upload). */
export interface UploadPiece { sha256: string; bytes: number; index: number; count: number; data: Buffer }

/** Most rows one RowBlock, RowsWanted or RowsAccount may name. */
export const MAX_ROWS_PER_MESSAGE = 1_000_000;
/** Longest feeder name on the wire. */
const MAX_FEEDER_NAME = MAX_ID_CHARS;

function feederOf(v: string, what: string): string {
  if (v === '' || v.length > MAX_FEEDER_NAME) throw violation(`${what}.feeder must be 1-${MAX_FEEDER_NAME} characters`);
  return v;
}

function rangesFromWire(ranges: readonly { start: number; end: number }[], what: string): RowRange[] {
  const out = ranges.map((r) => ({ start: r.start, end: r.end }));
  const why = rangesProblem(out);
  if (why !== undefined) throw violation(`${what}: ${why}`);
  if (rangeCount(out) > MAX_ROWS_PER_MESSAGE) throw violation(`${what} names more than ${MAX_ROWS_PER_MESSAGE} rows`);
  return out;
}

interface WireRunRef { runId: string; assignment: number; feeder: string }

export function rowsWantedFromWire(x: WireRunRef & { rows: number }): RowsWantedMsg {
  if (!Number.isInteger(x.rows) || x.rows < 1 || x.rows > MAX_ROWS_PER_MESSAGE) throw violation(`rowsWanted.rows must be 1-${MAX_ROWS_PER_MESSAGE}, got ${x.rows}`);
  return { kind: 'rows-wanted', runId: runIdOf(x.runId, 'rowsWanted'), assignment: x.assignment, feeder: feederOf(x.feeder, 'rowsWanted'), rows: x.rows };
}

export function rowsAccountFromWire(x: WireRunRef & { used: number; unused: readonly { start: number; end: number }[] }): RowsAccountMsg {
  const unused = rangesFromWire(x.unused, 'rowsAccount.unused');
  if (!Number.isSafeInteger(x.used) || x.used < 0) throw violation('rowsAccount.used must be a whole number >= 0');
  return { kind: 'rows-account', runId: runIdOf(x.runId, 'rowsAccount'), assignment: x.assignment, feeder: feederOf(x.feeder, 'rowsAccount'), used: x.used, unused };
}

export function dataChunkFromWire(x: WireRunRef & { index: number; count: number; data: Buffer }): DataChunkMsg {
  if (!Number.isInteger(x.count) || x.count < 1 || x.count > MAX_CHUNKS) throw violation(`dataChunk.count must be 1-${MAX_CHUNKS}, got ${x.count}`);
  if (!Number.isInteger(x.index) || x.index >= x.count) throw violation(`dataChunk.index ${x.index} is not below its count ${x.count}`);
  if (x.data.length > CHUNK_BYTES) throw violation(`dataChunk.data is ${x.data.length} bytes, over ${CHUNK_BYTES}`);
  return { kind: 'data-chunk', runId: runIdOf(x.runId, 'dataChunk'), assignment: x.assignment, feeder: feederOf(x.feeder, 'dataChunk'), index: x.index, count: x.count, data: x.data };
}

export function rowBlockFromWire(x: WireRunRef & { ranges: readonly { start: number; end: number }[]; rowsJson: string; exhausted: boolean }): RowBlockMsg {
  const ranges = rangesFromWire(x.ranges, 'rowBlock.ranges');
  let rows: Record<string, unknown>[];
  try {
    rows = x.rowsJson === '' ? [] : rowsFromJson(x.rowsJson, 'rowBlock.rowsJson');
  } catch (e) {
    throw violation((e as Error).message);
  }
  if (rows.length !== rangeCount(ranges)) throw violation(`rowBlock carries ${rows.length} row(s) for ranges of ${rangeCount(ranges)}`);
  return { kind: 'row-block', runId: runIdOf(x.runId, 'rowBlock'), assignment: x.assignment, feeder: feederOf(x.feeder, 'rowBlock'), ranges, rows, exhausted: x.exhausted };
}

/** Validates an upload piece (untrusted input); throws PROTOCOL_VIOLATION naming the field. */
export function uploadPieceFromWire(w: UploadPiece): UploadPiece {
  if (!/^[0-9a-f]{64}$/.test(w.sha256)) throw violation('upload.sha256 must be 64 lowercase hex digits');
  if (!Number.isSafeInteger(w.bytes) || w.bytes < 0 || w.bytes > MAX_DATA_BYTES) throw violation(`upload.bytes must be 0-${MAX_DATA_BYTES}`);
  if (!Number.isInteger(w.count) || w.count < 1 || w.count > MAX_CHUNKS) throw violation(`upload.count must be 1-${MAX_CHUNKS}, got ${w.count}`);
  if (!Number.isInteger(w.index) || w.index >= w.count) throw violation(`upload.index ${w.index} is not below its count ${w.count}`);
  if (w.data.length > CHUNK_BYTES) throw violation(`upload.data is ${w.data.length} bytes, over ${CHUNK_BYTES}`);
  return { sha256: w.sha256, bytes: w.bytes, index: w.index, count: w.count, data: w.data };
}
