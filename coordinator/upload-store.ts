// Data files uploaded by the CLI ahead of a Start (Control.Upload), by SHA-256, until a Start takes them.
// Bounded: at most maxBytes held in all; the oldest uploads make room for a new one. Pure apart from
// holding buffers; the gRPC side (grpc-server.ts) feeds it.
import { ChunkAssembler } from '../common/data-chunks.js';
import { MAX_DATA_BYTES, rowsFromJson } from '../common/data-chunks.js';
import type { UploadPiece } from '../common/protocol.js';

export class UploadStore {
  private readonly files = new Map<string, Buffer>();
  private held = 0;
  private readonly maxBytes: number;

  constructor(maxBytes = 2 * MAX_DATA_BYTES) {
    this.maxBytes = maxBytes;
  }

  /** Joins one upload's pieces (any order, exact duplicates ignored) and keeps it; returns why not. */
  accept(pieces: readonly UploadPiece[]): { ok: true; sha256: string; bytes: number } | { ok: false; why: string } {
    const first = pieces[0];
    if (first === undefined) return { ok: false, why: 'the upload carried no pieces' };
    if (pieces.some((p) => p.sha256 !== first.sha256 || p.bytes !== first.bytes)) return { ok: false, why: 'the pieces name different files' };
    const a = new ChunkAssembler(first.bytes + 1);
    for (const p of pieces) a.add({ feeder: p.sha256, index: p.index, count: p.count, data: p.data });
    const joined = a.join(first.sha256, { sha256: first.sha256, bytes: first.bytes, chunks: first.count });
    if (!joined.ok) return { ok: false, why: `upload ${first.sha256.slice(0, 12)}: ${joined.why}` };
    if (!this.files.has(first.sha256)) {
      while (this.held + joined.data.length > this.maxBytes && this.files.size > 0) {
        const [oldest, data] = this.files.entries().next().value as [string, Buffer];
        this.files.delete(oldest);
        this.held -= data.length;
      }
      this.files.set(first.sha256, joined.data);
      this.held += joined.data.length;
    }
    return { ok: true, sha256: first.sha256, bytes: joined.data.length };
  }

  /**
   * Fills a scenario value's feeders (program.data[name].rows) from uploads named by `refs`
   * (feeder -> sha256), taking them out of the store. Returns every problem, naming the feeder.
   */
  fill(scenarioValue: unknown, refs: Readonly<Record<string, string>>): string[] {
    const problems: string[] = [];
    const entries = Object.entries(refs);
    if (entries.length === 0) return problems;
    const data = (scenarioValue as { program?: { data?: Record<string, { rows?: unknown; totalRows?: unknown }> } } | null)?.program?.data;
    for (const [name, sha] of entries) {
      const feeder = data?.[name];
      const file = this.files.get(sha);
      if (feeder === undefined) problems.push(`data_sha256 names feeder "${name}", which the scenario does not have`);
      else if (file === undefined) problems.push(`data "${name}": upload ${sha.slice(0, 12)} is not here (not uploaded, or evicted by later uploads): run again`);
      else {
        try {
          const rows = rowsFromJson(file.toString('utf8'), `data "${name}"`);
          if (rows.length !== feeder.totalRows) problems.push(`data "${name}": the upload has ${rows.length} rows, the scenario says ${String(feeder.totalRows)}`);
          else feeder.rows = rows;
        } catch (e) {
          problems.push((e as Error).message);
        }
      }
    }
    for (const sha of Object.values(refs)) {
      const file = this.files.get(sha);
      if (file !== undefined) {
        this.files.delete(sha);
        this.held -= file.length;
      }
    }
    return problems;
  }

  get bytes(): number {
    return this.held;
  }
}
