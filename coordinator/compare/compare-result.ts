// What `loadfleet compare` (and `run --baseline`) computes from two reports: the contract between the
// statistics, the console table, --json and the HTML page.
//
// Contract: every latency figure is read from the reports' merged histograms; an interval is a
// confidence interval of candidate - baseline (positive = the candidate is slower / worse).

/** One latency percentile compared. */
export interface PercentileChange {
  /** The percentile: 50, 90, 99, 99.9. */
  p: number;
  baseMs: number;
  candMs: number;
  diffMs: number;
  /** diffMs / baseMs, percent (null when baseMs is 0). */
  diffPct: number | null;
  /** Confidence interval of diffMs (level in CompareResult.method). */
  ciMs: [number, number];
  ciPct: [number, number] | null;
  /** The interval excludes 0. */
  significant: boolean;
  /** The --max-regression limit for this percentile, percent (absent when none applies). */
  limitPct?: number;
  /** Significant and worse by more than limitPct. */
  regression: boolean;
}

/** A rate (errors, failures) compared: fractions 0..1. */
export interface RateChange {
  base: number;
  cand: number;
  diff: number;
  ciDiff: [number, number];
  significant: boolean;
  /** The --max-regression limit, percentage points (absent when none applies). */
  limitPp?: number;
  regression: boolean;
}

/** One compared set of figures: the whole run, one request name or one scenario. */
export interface CompareSection {
  baseRequests: number;
  candRequests: number;
  percentiles: PercentileChange[];
  /** Two-sample Kolmogorov-Smirnov test of the whole latency distribution. */
  distribution: { test: 'ks'; statistic: number; pValue: number; significant: boolean };
  errorRate: RateChange;
  failedRate: RateChange;
  achievedRps: { base: number; cand: number; diffPct: number | null };
  /** This section's verdict: regression when any of its rows is one. */
  regression: boolean;
}

export type CompareVerdict = 'no-change' | 'improvement' | 'regression' | 'not-comparable';

export interface CompareSide {
  file: string;
  runId: string;
  name: string;
  startedAt: string;
  verdict: string;
}

export interface CompareResult {
  baseline: CompareSide;
  candidate: CompareSide;
  /** Why the runs are not comparable (empty when they are). */
  notComparable: string[];
  /** --force: compared although notComparable is not empty. */
  forced: boolean;
  /** How intervals were computed, e.g. { ci: 0.95, resamples: 1000, over: 'intervals', seed: 1 }. */
  method: { ci: number; resamples: number; over: 'intervals' | 'values'; seed: number };
  /** The limits applied, e.g. { p99: 10, error_rate: 1 } (percent / percentage points). */
  limits: Record<string, number>;
  overall: CompareSection;
  requests: Record<string, CompareSection>;
  scenarios: Record<string, CompareSection>;
  verdict: CompareVerdict;
  /** One line per regression (or per reason it is not comparable), for people. */
  verdictReasons: string[];
}
