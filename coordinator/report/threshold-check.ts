// Thresholds on the fleet's merged figures: the adapter from the aggregator's totals (merged HDR
// histogram, summed counters) to common/metrics/thresholds.ts's ThresholdSummary, and the report's view of the
// results. Percentiles are read from the merged histogram at any p the threshold names; never averaged.
import { decodeHistogram } from '../../common/metrics/histogram.js';
import type { Histogram } from '../../common/metrics/histogram.js';
import { evaluateThresholds } from '../../common/metrics/thresholds.js';
import type { Threshold, ThresholdFigures, ThresholdVerdict } from '../../common/metrics/thresholds.js';
import type { PhaseTotals } from '../merge/aggregator.js';
import { loadDurationMs } from '../../common/scenario/scenario.js';
import type { Scenario } from '../../common/scenario/scenario.js';

/** The single-request scenario's metric name (thresholds may name it with `request: default`). */
export const DEFAULT_REQUEST_NAME = 'default';

export interface ThresholdReport {
  passed: boolean;
  results: { threshold: string; request: string | null; scenario: string | null; abortOnFail: boolean; status: 'pass' | 'fail' | 'no-data'; observed: number | null; observedText: string }[];
  /** Set when an abortOnFail threshold ended the run early. */
  abortedBy: string | null;
}

type Figures = Pick<PhaseTotals, 'requests' | 'errors' | 'failed' | 'latencyHist'>;

/** Figures read from one merged histogram and its counters; `decoded` collects what must be freed. */
function figuresOf(t: Figures, checks: { passed: number; failed: number } | undefined, elapsedMs: number, decoded: Histogram[]): ThresholdFigures {
  const h = t.latencyHist === '' ? undefined : decodeHistogram(t.latencyHist);
  if (h !== undefined) decoded.push(h);
  const evaluated = checks === undefined ? 0 : checks.passed + checks.failed;
  return {
    requests: t.requests,
    latencyMs: (p) => {
      if (h === undefined || h.totalCount === 0) return undefined;
      if (p <= 0) return h.minNonZeroValue / 1000;
      if (p >= 100) return h.maxValue / 1000;
      return h.getValueAtPercentile(p) / 1000;
    },
    meanMs: h === undefined || h.totalCount === 0 ? undefined : h.mean / 1000,
    // error_rate (http_req_failed): transport errors and failed requests (status not expected) alike.
    errorRate: t.requests > 0 ? (t.errors + t.failed) / t.requests : undefined,
    // No check ran (e.g. a scenario without checks): a checks threshold has no data (and fails).
    checksRate: evaluated > 0 ? (checks as { passed: number }).passed / evaluated : undefined,
    rps: elapsedMs > 0 ? t.requests / (elapsedMs / 1000) : undefined,
  };
}

/**
 * Evaluates `thresholds` on the totals of a phase that has lasted `elapsedMs`: the whole run's figures,
 * and per request name those of the scenario language (a single-request run's are its own, as
 * `default`). Frees what it decodes.
 */
export function checkThresholds(
  thresholds: readonly Threshold[],
  totals: Figures & Partial<Pick<PhaseTotals, 'byRequestName' | 'byScenario'>>,
  elapsedMs: number,
  live: boolean,
  /** Several scenarios at once: each one's own length (its rps is over min(elapsed, length), like the report's). */
  scenarioLengthMs: Readonly<Record<string, number>> = {},
): ThresholdVerdict {
  if (thresholds.length === 0) return { results: [], passed: true, abortBy: undefined };
  const decoded: Histogram[] = [];
  try {
    const perName = Object.entries(totals.byRequestName ?? {});
    const checks = perName.reduce((sum, [, r]) => ({ passed: sum.passed + r.checks.passed, failed: sum.failed + r.checks.failed }), { passed: 0, failed: 0 });
    const figures = figuresOf(totals, checks, elapsedMs, decoded);
    const byRequestName: Record<string, ThresholdFigures> = perName.length === 0 ? { [DEFAULT_REQUEST_NAME]: figures } : {};
    for (const [name, r] of perName) {
      // Only the names some threshold reads are decoded.
      if (thresholds.some((t) => t.request === name)) byRequestName[name] = figuresOf(r, r.checks, elapsedMs, decoded);
    }
    const byScenario: Record<string, ThresholdFigures> = {};
    for (const [name, s] of Object.entries(totals.byScenario ?? {})) {
      if (thresholds.some((t) => t.scenario === name)) byScenario[name] = figuresOf(s, s.checks, Math.min(elapsedMs, scenarioLengthMs[name] ?? elapsedMs), decoded);
    }
    return evaluateThresholds(thresholds, { ...figures, byRequestName, byScenario }, live ? elapsedMs : undefined);
  } finally {
    for (const h of decoded) h.destroy();
  }
}

/** Each scenario's own main-phase length, ms ({} for a single load model). */
export function scenarioLengths(scenario: Pick<Scenario, 'parts'>): Record<string, number> {
  return Object.fromEntries((scenario.parts ?? []).map((p) => [p.name, loadDurationMs(p.load)]));
}

export function thresholdReport(v: ThresholdVerdict, abortedBy: string | undefined): ThresholdReport {
  return {
    passed: v.passed,
    results: v.results.map((r) => ({
      threshold: r.threshold.source, request: r.threshold.request ?? null, scenario: r.threshold.scenario ?? null, abortOnFail: r.threshold.abortOnFail, status: r.status,
      observed: r.observed ?? null, observedText: r.observedText,
    })),
    abortedBy: abortedBy ?? null,
  };
}
