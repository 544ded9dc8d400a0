// Why a run's main phase has no completed request, when the figures can tell: the reason the report
// gives instead of a bare "no request completed" (which reads as "the target is down"). Pure.
import type { PhaseTotals } from '../merge/aggregator.js';

type Totals = Pick<PhaseTotals, 'sent' | 'flows' | 'byRequestName'>;

/**
 * `targetRps` / `concurrency`: the summary's scheduled means (null for a model not used). Called only
 * when the main phase's completed requests are 0.
 */
export function noRequestReason(main: Totals, targetRps: number | null, concurrency: number | null): string {
  const base = 'no request completed in the main phase';
  if (main.sent > 0) return base;
  if ((targetRps ?? 0) === 0 && (concurrency ?? 0) === 0) {
    return `${base}: the schedule sent nothing (its rate and loop count were 0 throughout); give the load (or a stage) a target above 0`;
  }
  const flows = main.flows;
  if (flows !== null && flows.iterations > 0 && flows.noData === flows.iterations) {
    return `${base}: every flow run (${flows.iterations}) found no data row (the unique feeder was empty or used up); add rows to its file`;
  }
  const renderFailed = Object.values(main.byRequestName).reduce((n, r) => n + r.renderFailed, 0);
  if (renderFailed > 0) {
    return `${base}: ${renderFailed} request(s) could not be built from their templates (requests.*.renderFailed); check the variables they read`;
  }
  return base;
}
