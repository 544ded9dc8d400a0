// The report's figures of one name (report.requests[name], and the same fields in
// report.scenarios[name]): built from the merged totals of that name, percentiles from its own merged
// histogram, the rate over the time the name had to run.
import type { RequestTotals } from '../merge/aggregator.js';
import type { Outcomes } from '../../common/metrics/counters.js';
import { emptyErrorsByKind } from '../../common/metrics/counters.js';

export interface RequestReport extends Outcomes {
  rps: number;
  /** Transport errors: the total of errorsByKind. */
  errors: number;
  /** Failed requests (status not expected): the total of failedByStatus. */
  failed: number;
  /** rate: passed / evaluated (null when no check ran); failures: by check name. */
  checks: { passed: number; failed: number; rate: number | null; failures: Record<string, number> };
  extractFailed: number;
  renderFailed: number;
  bodyTruncated: number;
  latencyMs: RequestTotals['latencyMs'];
  /** Time to first byte of the name's responses (report/timing.ts); absent when none was measured. */
  waitingMs?: RequestTotals['latencyMs'];
}

/** `r`'s report over `durationMs` (rps = requests / durationMs); all zero when `r` is undefined (nothing ran). */
export function requestReport(r: RequestTotals | undefined, durationMs: number): RequestReport {
  if (r === undefined) {
    return {
      requests: 0, rps: 0, errors: 0, errorsByKind: emptyErrorsByKind(), failed: 0, failedByStatus: {}, statusCodes: {}, checks: { passed: 0, failed: 0, rate: null, failures: {} },
      extractFailed: 0, renderFailed: 0, bodyTruncated: 0, latencyMs: { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 },
    };
  }
  const evaluated = r.checks.passed + r.checks.failed;
  return {
    requests: r.requests, rps: durationMs > 0 ? Math.round((r.requests / (durationMs / 1000)) * 10) / 10 : 0,
    errors: r.errors, errorsByKind: r.errorsByKind, failed: r.failed, failedByStatus: r.failedByStatus, statusCodes: r.statusCodes,
    checks: { ...r.checks, rate: evaluated > 0 ? r.checks.passed / evaluated : null },
    extractFailed: r.extractFailed, renderFailed: r.renderFailed, bodyTruncated: r.bodyTruncated, latencyMs: r.latencyMs,
  };
}
