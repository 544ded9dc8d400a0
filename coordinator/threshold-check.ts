// Thresholds on the fleet's merged figures: the adapter from the aggregator's totals (merged HDR
// histogram, summed counters) to common/thresholds.ts's ThresholdSummary, and the report's view of the
// results. Percentiles are read from the merged histogram at any p the threshold names; never averaged.
import { decodeHistogram } from '../common/histogram.js';
import { evaluateThresholds } from '../common/thresholds.js';
import type { Threshold, ThresholdFigures, ThresholdVerdict } from '../common/thresholds.js';
import type { PhaseTotals } from './aggregator.js';

/** The single-request scenario's metric name (thresholds may name it with `request: default`). */
export const DEFAULT_REQUEST_NAME = 'default';

export interface ThresholdReport {
  passed: boolean;
  results: { threshold: string; request: string | null; abortOnFail: boolean; status: 'pass' | 'fail' | 'no-data'; observed: number | null; observedText: string }[];
  /** Set when an abortOnFail threshold ended the run early. */
  abortedBy: string | null;
}

/** Evaluates `thresholds` on the totals of a phase that has lasted `elapsedMs`. Frees what it decodes. */
export function checkThresholds(thresholds: readonly Threshold[], totals: Pick<PhaseTotals, 'requests' | 'errorTotal' | 'latencyHist' | 'latencyMs'>, elapsedMs: number, live: boolean): ThresholdVerdict {
  if (thresholds.length === 0) return { results: [], passed: true, abortBy: undefined };
  const h = totals.latencyHist === '' ? undefined : decodeHistogram(totals.latencyHist);
  try {
    const figures: ThresholdFigures = {
      requests: totals.requests,
      latencyMs: (p) => {
        if (h === undefined || h.totalCount === 0) return undefined;
        if (p <= 0) return h.minNonZeroValue / 1000;
        if (p >= 100) return h.maxValue / 1000;
        return h.getValueAtPercentile(p) / 1000;
      },
      meanMs: h === undefined || h.totalCount === 0 ? undefined : h.mean / 1000,
      errorRate: totals.requests > 0 ? totals.errorTotal / totals.requests : undefined,
      // No checks exist in a single-request scenario yet: a checks threshold has no data (and fails).
      checksRate: undefined,
      rps: elapsedMs > 0 ? totals.requests / (elapsedMs / 1000) : undefined,
    };
    return evaluateThresholds(thresholds, { ...figures, byRequest: { [DEFAULT_REQUEST_NAME]: figures } }, live ? elapsedMs : undefined);
  } finally {
    h?.destroy();
  }
}

export function thresholdReport(v: ThresholdVerdict, abortedBy: string | undefined): ThresholdReport {
  return {
    passed: v.passed,
    results: v.results.map((r) => ({
      threshold: r.threshold.source, request: r.threshold.request ?? null, abortOnFail: r.threshold.abortOnFail, status: r.status,
      observed: r.observed ?? null, observedText: r.observedText,
    })),
    abortedBy: abortedBy ?? null,
  };
}
