// `loadfleet report report.json [--html FILE] [--csv FILE] [--export-hdr FILE]`: prints a written
// report's summary and exports it. Reads the file only; exit 0, or 2 when it is not a loadfleet report.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EXIT, LoadfleetError } from '../../common/errors.js';
import type { Io } from '../../common/io.js';
import { formatSummary } from '../outputs/console.js';
import type { Report } from '../report.js';
import { writeExports } from './exports.js';
import type { ExportPaths } from './exports.js';

export interface ReportArgs extends ExportPaths {
  report: string;
}

export function readReportFile(cwd: string, file: string): Report {
  const path = resolve(cwd, file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const why = e instanceof SyntaxError ? `not JSON (${e.message})` : ((e as NodeJS.ErrnoException).code ?? (e as Error).message);
    throw new LoadfleetError('USAGE', `cannot read the report ${path}: ${why}`, { cause: e, hint: 'give the report.json that `loadfleet run --out` wrote' });
  }
  const r = parsed as Partial<Report> | null;
  if (r === null || typeof r !== 'object' || r.version !== 1 || !Array.isArray(r.series) || typeof r.summary !== 'object' || typeof r.histograms !== 'object') {
    throw new LoadfleetError('USAGE', `${path} is not a loadfleet report (version 1)`, { hint: 'give the report.json that `loadfleet run --out` wrote' });
  }
  return r as Report;
}

export async function reportCommand(io: Io, args: ReportArgs): Promise<number> {
  const report = readReportFile(io.cwd, args.report);
  io.stdout.write(`${formatSummary(report)}\n`);
  return writeExports(io, report, args) ? EXIT.OK : EXIT.INVALID_INPUT;
}
