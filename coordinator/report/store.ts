// The reports of the last N finished runs, kept by the coordinator so that a report outlives the CLI that
// started its run (`loadfleet report --coordinator HOST:PORT [RUN_ID]`). Each is kept as its JSON text
// (UTF-8 bytes, outside the JS heap), serialized once when the run ends. Pure: no I/O.
import type { Report } from './report.js';

/** How many finished runs' reports a coordinator keeps by default (`--keep-reports`). */
export const DEFAULT_KEEP_REPORTS = 20;

export interface KeptReport {
  runId: string;
  /** The report as JSON (what report.json holds, without the indentation). */
  json: Buffer;
}

export class ReportStore {
  private readonly keepCount: number;
  /** Oldest first. */
  private readonly kept: KeptReport[] = [];

  /** `keepCount` >= 1: the run that just ended is always fetchable. */
  constructor(keepCount: number = DEFAULT_KEEP_REPORTS) {
    if (!Number.isInteger(keepCount) || keepCount < 1) throw new RangeError(`keepCount must be a whole number >= 1, got ${keepCount}`);
    this.keepCount = keepCount;
  }

  /** Keeps a finished run's report, forgetting the oldest beyond the bound. */
  keep(report: Report): KeptReport {
    const entry: KeptReport = { runId: report.runId, json: Buffer.from(JSON.stringify(report), 'utf8') };
    const same = this.kept.findIndex((k) => k.runId === report.runId);
    if (same >= 0) this.kept.splice(same, 1);
    this.kept.push(entry);
    while (this.kept.length > this.keepCount) this.kept.shift();
    return entry;
  }

  /** The report of `runId`, or the latest when undefined; undefined when not kept. */
  get(runId?: string): KeptReport | undefined {
    if (runId === undefined) return this.kept[this.kept.length - 1];
    return this.kept.find((k) => k.runId === runId);
  }

  /** The kept runs' ids, newest first. */
  ids(): string[] {
    return this.kept.map((k) => k.runId).reverse();
  }

  get limit(): number {
    return this.keepCount;
  }
}

/** Control.GetReport sends a report in pieces of at most this many bytes (gRPC's default limit is 4 MiB). */
export const REPORT_PIECE_BYTES = 1024 * 1024;

/** A report's JSON cut into pieces of at most REPORT_PIECE_BYTES, in order (one empty piece for none). */
export function reportPieces(json: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < json.length; at += REPORT_PIECE_BYTES) pieces.push(json.subarray(at, at + REPORT_PIECE_BYTES));
  return pieces.length === 0 ? [Buffer.alloc(0)] : pieces;
}
