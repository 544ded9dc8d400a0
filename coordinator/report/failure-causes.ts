// Why requests failed, in one phrase: the unexpected statuses by code, then the transport errors by
// kind, e.g. `500 ×1,000 · timeout ×3`. Read by the verdict's reasons and the outputs alike.
import type { ErrorsByKind } from '../../common/metrics/counters.js';
import { ERROR_KINDS } from '../../common/metrics/counters.js';

const count = (n: number): string => n.toLocaleString('en-US');

/** Status codes (ascending) then error kinds (in ERROR_KINDS order), each `what ×n`, joined by " · "; '' when none. */
export function failureCauses(failedByStatus: Readonly<Record<string, number>>, errorsByKind: Readonly<ErrorsByKind>): string {
  const codes = Object.entries(failedByStatus).filter(([, n]) => n > 0).sort(([a], [b]) => Number(a) - Number(b)).map(([code, n]) => `${code} ×${count(n)}`);
  const kinds = ERROR_KINDS.filter((k) => errorsByKind[k] > 0).map((k) => `${k} ×${count(errorsByKind[k])}`);
  return [...codes, ...kinds].join(' · ');
}
