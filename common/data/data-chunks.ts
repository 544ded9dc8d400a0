// Data files too large for one message travel as numbered pieces (DataChunk, and Control.Upload from the
// CLI) ahead of the Assign whose plan names them with their size and SHA-256; the receiver joins them and
// checks both before it starts. A feeder's pieces are row-aligned: each is itself a JSON array of whole
// rows, so a receiver parses each piece as it arrives (the work is spread, never one long block of its
// event loop) and the file is the pieces in order. Pure: building the pieces, the reference, and the
// ChunkAssembler that tolerates pieces out of order and exact duplicates, and names what is missing or
// corrupt. Agents never read the coordinator's disk.
import { createHash } from 'node:crypto';

/** Bytes per piece: well under the 16 MiB gRPC message limit both sides set (agent/grpc-link.ts, coordinator/server/grpc-server.ts). */
export const CHUNK_BYTES = 4 * 1024 * 1024;
/** Most data (rows as JSON, all feeders of a scenario) a run may carry; above it `run`/`validate` refuse the file. */
export const MAX_DATA_BYTES = 256 * 1024 * 1024;
/** Largest row (as JSON, UTF-8): a piece holds at least one whole row, in `[` `]`. */
export const MAX_ROW_BYTES = CHUNK_BYTES - 3;
/** Most pieces one feeder may come in (MAX_DATA_BYTES / CHUNK_BYTES, rounded up). */
export const MAX_CHUNKS = Math.ceil(MAX_DATA_BYTES / CHUNK_BYTES);

/** What a plan says about a chunked feeder: the joined pieces must be exactly this. */
export interface ChunkedRef {
  bytes: number;
  sha256: string;
  chunks: number;
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Raised when one row alone is larger than a piece may be. */
export class RowTooLargeError extends Error {
  constructor(index: number, bytes: number, maxBytes: number) {
    super(`row ${index + 1} is ${(bytes / 1048576).toFixed(1)} MiB as JSON; one row may be at most ${(maxBytes / 1048576).toFixed(1)} MiB`);
    this.name = 'RowTooLargeError';
  }
}

/**
 * Row-aligned pieces of `rows`: each a JSON array of whole rows of at most maxBytes (UTF-8). Yields
 * one piece at a time so that a caller can give its event loop a turn between pieces. No rows: one
 * piece `[]`. Throws RowTooLargeError for a row that does not fit a piece alone.
 */
export function* rowPieces(rows: readonly unknown[], maxBytes = CHUNK_BYTES): Generator<Buffer> {
  let parts: string[] = [];
  let bytes = 2;
  for (const [k, row] of rows.entries()) {
    const json = JSON.stringify(row);
    const size = Buffer.byteLength(json, 'utf8') + 1;
    if (size + 2 > maxBytes) throw new RowTooLargeError(k, size - 1, maxBytes - 3);
    if (bytes + size > maxBytes && parts.length > 0) {
      yield Buffer.from(`[${parts.join(',')}]`, 'utf8');
      parts = [];
      bytes = 2;
    }
    parts.push(json);
    bytes += size;
  }
  if (parts.length > 0 || rows.length === 0) yield Buffer.from(`[${parts.join(',')}]`, 'utf8');
}

/** The reference of pieces (their joined size and SHA-256). */
export function refOf(pieces: readonly Buffer[]): ChunkedRef {
  const h = createHash('sha256');
  let bytes = 0;
  for (const p of pieces) {
    h.update(p);
    bytes += p.length;
  }
  return { bytes, sha256: h.digest('hex'), chunks: pieces.length };
}

/** Row-aligned pieces of `rows` and their reference, all at once (small data, tests). */
export function splitRows(rows: readonly unknown[], maxBytes = CHUNK_BYTES): { ref: ChunkedRef; pieces: Buffer[] } {
  const pieces = [...rowPieces(rows, maxBytes)];
  return { ref: refOf(pieces), pieces };
}

/** The same, giving the event loop a turn after every piece (a 256 MiB file takes seconds to serialize). */
export async function splitRowsYielding(rows: readonly unknown[], maxBytes = CHUNK_BYTES): Promise<{ ref: ChunkedRef; pieces: Buffer[] }> {
  const pieces: Buffer[] = [];
  for (const p of rowPieces(rows, maxBytes)) {
    pieces.push(p);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { ref: refOf(pieces), pieces };
}

/** The pieces of `data` (views, not copies) and their reference. An empty buffer is one empty piece. */
export function splitChunks(data: Buffer, chunkBytes = CHUNK_BYTES): { ref: ChunkedRef; pieces: Buffer[] } {
  const pieces: Buffer[] = [];
  for (let at = 0; at < data.length; at += chunkBytes) pieces.push(data.subarray(at, Math.min(data.length, at + chunkBytes)));
  if (pieces.length === 0) pieces.push(Buffer.alloc(0));
  return { ref: { bytes: data.length, sha256: sha256Hex(data), chunks: pieces.length }, pieces };
}

export interface ChunkIn {
  feeder: string;
  index: number;
  count: number;
  data: Buffer;
}

/** On success: the pieces in order (their concatenation is the file). */
export type Joined = { ok: true; pieces: Buffer[] } | { ok: false; why: string };

/**
 * Collects the pieces of one assignment's feeders. A piece may arrive in any order; an exact duplicate
 * is ignored; a different piece under an index already held, a count that changes, or more than
 * maxBytes held in all marks that feeder (or all) corrupt. join() then checks against the plan's ref.
 */
export class ChunkAssembler {
  private readonly feeders = new Map<string, { count: number; pieces: Map<number, Buffer>; corrupt: string | undefined }>();
  private heldBytes = 0;
  private overflow: string | undefined;
  private readonly maxBytes: number;

  constructor(maxBytes = MAX_DATA_BYTES + CHUNK_BYTES) {
    this.maxBytes = maxBytes;
  }

  /** Bytes held (for limits and tests). */
  get bytes(): number {
    return this.heldBytes;
  }

  add(c: ChunkIn): void {
    let f = this.feeders.get(c.feeder);
    if (f === undefined) {
      f = { count: c.count, pieces: new Map(), corrupt: undefined };
      this.feeders.set(c.feeder, f);
    }
    if (f.corrupt !== undefined || this.overflow !== undefined) return;
    if (c.count !== f.count) {
      f.corrupt = `piece ${c.index} says ${c.count} pieces, an earlier one said ${f.count}`;
      return;
    }
    const held = f.pieces.get(c.index);
    if (held !== undefined) {
      if (!held.equals(c.data)) f.corrupt = `piece ${c.index} arrived twice with different contents`;
      return;
    }
    if (this.heldBytes + c.data.length > this.maxBytes) {
      this.overflow = `more than ${this.maxBytes} bytes of data pieces arrived`;
      this.feeders.clear();
      this.heldBytes = 0;
      return;
    }
    // A copy: the piece may be a view into a larger receive buffer.
    f.pieces.set(c.index, Buffer.from(c.data));
    this.heldBytes += c.data.length;
  }

  /** The feeder's file, checked against `ref`; the pieces are released either way. */
  join(feeder: string, ref: ChunkedRef): Joined {
    if (this.overflow !== undefined) return { ok: false, why: this.overflow };
    const f = this.feeders.get(feeder);
    this.feeders.delete(feeder);
    if (f === undefined) return { ok: false, why: `none of its ${ref.chunks} piece(s) arrived` };
    for (const p of f.pieces.values()) this.heldBytes -= p.length;
    if (f.corrupt !== undefined) return { ok: false, why: f.corrupt };
    if (f.count !== ref.chunks) return { ok: false, why: `the pieces say ${f.count} in all, the plan says ${ref.chunks}` };
    const missing: number[] = [];
    for (let i = 0; i < ref.chunks; i++) if (!f.pieces.has(i)) missing.push(i);
    if (missing.length > 0) return { ok: false, why: `piece(s) ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''} of ${ref.chunks} missing` };
    const extra = [...f.pieces.keys()].filter((i) => i >= ref.chunks);
    if (extra.length > 0) return { ok: false, why: `piece ${extra[0]} is beyond the ${ref.chunks} expected` };
    const pieces = [...Array(ref.chunks).keys()].map((i) => f.pieces.get(i) as Buffer);
    const got = refOf(pieces);
    if (got.bytes !== ref.bytes) return { ok: false, why: `${got.bytes} bytes arrived, the plan says ${ref.bytes}` };
    if (got.sha256 !== ref.sha256) return { ok: false, why: 'its SHA-256 differs from the plan\'s (corrupted in transit)' };
    return { ok: true, pieces };
  }

  /** Feeders with pieces held that no plan asked for (e.g. sent for another assignment). */
  leftovers(): string[] {
    return [...this.feeders.keys()];
  }

  clear(): void {
    this.feeders.clear();
    this.heldBytes = 0;
    this.overflow = undefined;
  }
}

/** Parses a joined file (a JSON array of row objects); throws Error naming what is wrong. */
export function rowsFromJson(text: string, what: string): Record<string, unknown>[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} is not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(v)) throw new Error(`${what} is not an array of rows`);
  for (const [k, r] of v.entries()) {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new Error(`${what} row ${k} is not an object`);
  }
  return v as Record<string, unknown>[];
}
