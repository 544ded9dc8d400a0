// The per-interval latency histograms of a report in HdrHistogram's interval log format (`.hlog`, v1.3),
// as its own tools read it (HistogramLogProcessor, HistogramLogAnalyzer, hdr-histogram-js's
// HistogramLogReader): comment headers, the legend, then one line per interval:
//   StartTimestamp,Interval_Length,Interval_Max,Interval_Compressed_Histogram
// Timestamps are seconds from the main phase's start (#[StartTime] / #[BaseTime] give it absolutely);
// values are microseconds, so Interval_Max is written in milliseconds (ratio 1000; Java's
// HistogramLogProcessor needs `-outputValueUnitRatio 1000` for milliseconds).
import { LoadfleetError } from '../../common/runtime/errors.js';
import { logIntervalLines } from '../../common/metrics/histogram.js';
import type { Report } from '../report/report.js';

/** Microseconds per millisecond: Interval_Max is reported in milliseconds. */
export const MAX_VALUE_UNIT_RATIO = 1000;

/** The main phase's start, epoch milliseconds (the run's start plus its warm-up). */
export function mainStartEpochMs(report: Pick<Report, 'startedAt' | 'warmupMs'>): number {
  return Date.parse(report.startedAt) + report.warmupMs;
}

/** Throws USAGE when the report has no per-interval histograms (reports from older loadfleet versions lack them). */
export function hdrLog(report: Pick<Report, 'runId' | 'startedAt' | 'warmupMs' | 'intervalMs' | 'series'>): string {
  if (report.series.some((p) => p.latencyHist === undefined)) {
    throw new LoadfleetError('USAGE', 'this report has no per-interval histograms (series[].latencyHist): it was written by an older loadfleet', {
      hint: 'run the test again with this version to export an HdrHistogram log',
    });
  }
  const startMs = mainStartEpochMs(report);
  const lines: string[] = [];
  const startSec = (startMs / 1000).toFixed(3);
  lines.push('#[Histogram log format version 1.3]');
  lines.push(`#[loadfleet run ${report.runId.replace(/[\r\n]/g, ' ')}: latency from the intended send time, microseconds, one histogram per ${report.intervalMs} ms interval of the main phase]`);
  lines.push(`#[StartTime: ${startSec} (seconds since epoch), ${new Date(startMs).toUTCString()}]`);
  lines.push(`#[BaseTime: ${startSec} (seconds since epoch)]`);
  lines.push('"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"');
  const lengthSec = report.intervalMs / 1000;
  const intervals = report.series.map((p) => ({ fromSec: p.atMs / 1000, toSec: p.atMs / 1000 + lengthSec, encoded: p.latencyHist ?? '' }));
  return `${lines.join('\n')}\n${logIntervalLines(intervals, MAX_VALUE_UNIT_RATIO)}`;
}
