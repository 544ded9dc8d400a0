// How failed requests read in the terminal and the HTML report: a request failed when it ended in a
// transport error (by kind) or with a status the scenario did not expect (by code). Pure formatting.
import type { Counters } from '../../common/metrics/counters.js';
import { failureCauses } from '../report/failure-causes.js';
import { formatCount } from './number-format.js';


type Failures = Pick<Counters, 'requests' | 'errorsByKind' | 'failedByStatus'> & { errors: number; failed: number };

/** A share as a percentage with one decimal: "10.0 %". */
function share(n: number, of: number): string {
  return `${(of > 0 ? (100 * n) / of : 0).toFixed(1)} %`;
}

/**
 * The one line read first: `failed 1,000 of 10,000 requests (10.0 %): 500 ×1,000 · timeout ×3`, or
 * `no failed requests (10,000 requests)`. Failed: transport errors plus unexpected statuses.
 */
export function failedSummaryLine(f: Failures): string {
  // A report.json of an older loadfleet has neither field: none counted.
  const n = f.errors + (f.failed ?? 0);
  if (n === 0) return `no failed requests (${formatCount(f.requests)} requests${f.requests === 0 ? ': none ended' : ', every status expected'})`;
  return `failed ${formatCount(n)} of ${formatCount(f.requests)} requests (${share(n, f.requests)}): ${failureCauses(f.failedByStatus ?? {}, f.errorsByKind)}`;
}

/** The summary's `failed` row: unexpected statuses only (transport errors have their own row). */
export function failedStatusLine(f: Pick<Failures, 'requests' | 'failedByStatus' | 'failed'>): string {
  if ((f.failed ?? 0) === 0) return '0 (every status expected)';
  const codes = Object.entries(f.failedByStatus).filter(([, n]) => n > 0).sort(([a], [b]) => Number(a) - Number(b)).map(([c, n]) => `${c} ${formatCount(n)}`);
  return `${formatCount(f.failed)} (${(f.requests > 0 ? (100 * f.failed) / f.requests : 0).toFixed(2)}%) with a status not expected: ${codes.join(', ')}`;
}
