// The files a report can be exported to, shared by `run` and `report`: --html (one self-contained
// page), --csv (the per-interval series), --export-hdr (HdrHistogram interval log).
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describeError } from '../common/runtime/errors.js';
import type { Io } from '../common/runtime/io.js';
import type { Report } from '../coordinator/report/report.js';
import { seriesCsv } from '../coordinator/outputs/csv.js';
import { hdrLog } from '../coordinator/outputs/hdr-log.js';
import { loadChartAssets, renderHtmlReport } from '../coordinator/outputs/html-report/page.js';

export interface ExportPaths {
  html?: string | undefined;
  csv?: string | undefined;
  exportHdr?: string | undefined;
}

/** Writes each requested export; prints each path, or the error. Returns false if any failed. */
export function writeExports(io: Io, report: Report, paths: ExportPaths): boolean {
  const jobs: [string | undefined, string, () => string][] = [
    [paths.html, 'HTML report', () => renderHtmlReport(report, loadChartAssets())],
    [paths.csv, 'CSV series', () => seriesCsv(report)],
    [paths.exportHdr, 'HdrHistogram log', () => hdrLog(report)],
  ];
  let ok = true;
  for (const [file, what, render] of jobs) {
    if (file === undefined) continue;
    const path = resolve(io.cwd, file);
    try {
      writeFileSync(path, render());
      io.stdout.write(`${what} written to ${path}\n`);
    } catch (e) {
      ok = false;
      io.stderr.write(`error: cannot write the ${what} to ${path}: ${describeError(e)}\n`);
    }
  }
  return ok;
}
