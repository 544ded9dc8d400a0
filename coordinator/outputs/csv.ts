// CSV of the per-interval series (`--csv FILE`): one header row, then one row per series point, in
// order. Times and latencies are milliseconds, rates requests per second (the report's own units).
import type { Report, SeriesPoint } from '../report/report.js';

/** The columns, in order; each is a numeric field of SeriesPoint. */
export const CSV_COLUMNS = [
  'index', 'atMs', 'agents', 'requests', 'rps', 'targetRps', 'concurrency', 'errors', 'failed', 'dropped', 'p50', 'p90', 'p99', 'max',
  'serviceP50', 'serviceP99', 'inFlight', 'eventLoopP99', 'scheduleLagP99', 'missingRps',
] as const satisfies readonly (keyof SeriesPoint)[];

export function seriesCsv(report: Pick<Report, 'series'>): string {
  const rows = report.series.map((p) => CSV_COLUMNS.map((c) => String(p[c])).join(','));
  return `${[CSV_COLUMNS.join(','), ...rows].join('\n')}\n`;
}
