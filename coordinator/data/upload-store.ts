// Data files uploaded by the CLI ahead of a Start (Control.Upload), by SHA-256, until a Start takes them.
// An upload's pieces are row-aligned (common/data/data-chunks.ts): each is parsed as it arrives (UploadIn), so
// a 256 MiB upload never blocks the coordinator's event loop in one go; the store keeps the rows.
// Bounded: at most maxBytes (of uploaded JSON) held in all; the oldest uploads make room for a new one.
import { ChunkAssembler, MAX_DATA_BYTES, rowsFromJson } from '../../common/data/data-chunks.js';
import type { UploadPiece } from '../../common/protocol/messages.js';

type Rows = Record<string, unknown>[];

/** One upload in progress: pieces checked against each other and parsed on arrival. */
export class UploadIn {
  private first: UploadPiece | undefined;
  private readonly assembler = new ChunkAssembler();
  private readonly parsed = new Map<number, Rows | Error>();
  private problem: string | undefined;

  add(p: UploadPiece): void {
    this.first ??= p;
    if (p.sha256 !== this.first.sha256 || p.bytes !== this.first.bytes) this.problem ??= 'the pieces name different files';
    if (this.problem !== undefined) return;
    this.assembler.add({ feeder: p.sha256, index: p.index, count: p.count, data: p.data });
    if (this.parsed.has(p.index)) return;
    try {
      this.parsed.set(p.index, rowsFromJson(p.data.toString('utf8'), `piece ${p.index}`));
    } catch (e) {
      this.parsed.set(p.index, e as Error);
    }
  }

  /** The upload's rows once every piece is there and the whole matches its size and SHA-256. */
  finish(): { ok: true; sha256: string; bytes: number; rows: Rows } | { ok: false; why: string } {
    const f = this.first;
    if (f === undefined) return { ok: false, why: 'the upload carried no pieces' };
    if (this.problem !== undefined) return { ok: false, why: this.problem };
    const joined = this.assembler.join(f.sha256, { sha256: f.sha256, bytes: f.bytes, chunks: f.count });
    if (!joined.ok) return { ok: false, why: `upload ${f.sha256.slice(0, 12)}: ${joined.why}` };
    const rows: Rows = [];
    for (let i = 0; i < f.count; i++) {
      const piece = this.parsed.get(i);
      if (piece === undefined || piece instanceof Error) return { ok: false, why: `upload ${f.sha256.slice(0, 12)}: ${piece?.message ?? `piece ${i} missing`}` };
      for (const r of piece) rows.push(r);
    }
    return { ok: true, sha256: f.sha256, bytes: f.bytes, rows };
  }
}

export class UploadStore {
  private readonly files = new Map<string, { bytes: number; rows: Rows }>();
  private held = 0;
  private readonly maxBytes: number;

  constructor(maxBytes = 2 * MAX_DATA_BYTES) {
    this.maxBytes = maxBytes;
  }

  /** Keeps a finished upload's rows under its SHA-256. */
  keep(sha256: string, bytes: number, rows: Rows): void {
    if (this.files.has(sha256)) return;
    while (this.held + bytes > this.maxBytes && this.files.size > 0) {
      const [oldest, file] = this.files.entries().next().value as [string, { bytes: number }];
      this.files.delete(oldest);
      this.held -= file.bytes;
    }
    this.files.set(sha256, { bytes, rows });
    this.held += bytes;
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
      else if (file.rows.length !== feeder.totalRows) problems.push(`data "${name}": the upload has ${file.rows.length} rows, the scenario says ${String(feeder.totalRows)}`);
      else feeder.rows = file.rows;
    }
    for (const sha of Object.values(refs)) {
      const file = this.files.get(sha);
      if (file !== undefined) {
        this.files.delete(sha);
        this.held -= file.bytes;
      }
    }
    return problems;
  }

  /** Bytes of uploaded JSON held. */
  get bytes(): number {
    return this.held;
  }
}
