// Thresholds, k6 style: pass/fail criteria on the global merged figures, checked live and at the end.
//
//   <metric> <op> <value>
//   metric  p50 p90 p95 p99 p99.9 (any pNN), min, max, mean (avg)   latency, value in ms (250ms, 1.5s, or a bare number of ms)
//           error_rate (alias http_req_failed, as k6)               share of requests that failed: a transport error, or a
//                                                                   response whose status was not expected; 1%, or 0.01
//           checks                                                  share of checks that passed: 99%, or 0.99
//           rps                                                     achieved requests per second: 900 (or 900/s)
//   op      <  <=  >  >=  ==  !=
//
// A threshold may apply to one request name or one scenario (several at once), and may abort the run when it fails (`abortOnFail`), but
// not before `delayAbortEval` has passed (the grace period, letting the figures settle).
// Evaluation is a pure function of a ThresholdSummary: figures for the whole run, per request name and
// per scenario.

export type ThresholdMetric = 'percentile' | 'min' | 'max' | 'mean' | 'error_rate' | 'checks' | 'rps';
export type ThresholdOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface ThresholdExpr {
  metric: ThresholdMetric;
  /** For metric 'percentile': the percentile in (0, 100). */
  percentile?: number;
  op: ThresholdOp;
  /** In the metric's unit: ms for latency, a fraction in [0, 1] for rates, req/s for rps. */
  value: number;
}

export interface Threshold extends ThresholdExpr {
  /** The expression as written, e.g. "p99 < 250ms". */
  source: string;
  /** Only this request's figures; undefined for the whole run. */
  request: string | undefined;
  /** Only this scenario's figures (several scenarios at once); undefined otherwise. Never with `request`. */
  scenario?: string | undefined;
  abortOnFail: boolean;
  /** Abort only once this much of the run has elapsed. */
  delayAbortEvalMs: number;
}

/** A threshold expression that does not parse; `position` is 1-based within `expression`. */
export class ThresholdSyntaxError extends Error {
  readonly code = 'THRESHOLD_SYNTAX';
  readonly expression: string;
  readonly position: number;
  constructor(expression: string, offset: number, what: string) {
    super(`threshold "${expression}" at position ${offset + 1}: ${what}`);
    this.name = 'ThresholdSyntaxError';
    this.expression = expression;
    this.position = offset + 1;
  }
}

const METRICS = 'p50, p90, p95, p99, p99.9 (any pNN), min, max, mean, error_rate (or http_req_failed), checks, rps';
// A word (metric), an operator, or a number with its unit.
const TOKEN = /\s*(?:([A-Za-z_][A-Za-z0-9_.()]*)|(<=|>=|==|!=|<|>)|(-?\d+(?:\.\d+)?)\s*(ms|s|m|%|\/s)?)/y;
const PERCENTILE = /^p\(?(\d+(?:\.\d+)?)\)?$/;

/** Parses `metric op value`; throws ThresholdSyntaxError naming the expression and the position. */
export function parseThresholdExpr(expression: string): ThresholdExpr {
  let pos = 0;
  const next = (what: string): RegExpExecArray => {
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(expression);
    if (m === null) {
      const at = pos + (/^\s*/.exec(expression.slice(pos)) as RegExpExecArray)[0].length;
      throw new ThresholdSyntaxError(expression, at, at >= expression.length ? `expected ${what}, found the end` : `expected ${what}, found "${expression.slice(at)}"`);
    }
    return m;
  };
  const startOf = (m: RegExpExecArray): number => m.index + (m[0].length - m[0].trimStart().length);

  const mm = next(`a metric (${METRICS})`);
  const metricAt = startOf(mm);
  if (mm[1] === undefined) throw new ThresholdSyntaxError(expression, metricAt, `expected a metric (${METRICS})`);
  pos = TOKEN.lastIndex;
  let metric: ThresholdMetric;
  let percentile: number | undefined;
  const word = mm[1].toLowerCase();
  const pm = PERCENTILE.exec(word);
  if (pm !== null) {
    metric = 'percentile';
    percentile = Number(pm[1]);
    if (!(percentile > 0 && percentile < 100)) throw new ThresholdSyntaxError(expression, metricAt, `percentile must be between 0 and 100 exclusive (use min or max), got ${pm[1]}`);
  } else {
    const known: Record<string, ThresholdMetric> = { min: 'min', max: 'max', mean: 'mean', avg: 'mean', error_rate: 'error_rate', http_req_failed: 'error_rate', checks: 'checks', rps: 'rps' };
    const k = known[word];
    if (k === undefined) throw new ThresholdSyntaxError(expression, metricAt, `unknown metric "${mm[1]}"; known: ${METRICS}`);
    metric = k;
  }

  const om = next('an operator (<, <=, >, >=, ==, !=)');
  if (om[2] === undefined) throw new ThresholdSyntaxError(expression, startOf(om), 'expected an operator (<, <=, >, >=, ==, !=)');
  pos = TOKEN.lastIndex;
  const op = om[2] as ThresholdOp;

  const vm = next('a number');
  const valueAt = startOf(vm);
  if (vm[3] === undefined) throw new ThresholdSyntaxError(expression, valueAt, 'expected a number');
  pos = TOKEN.lastIndex;
  const value = valueIn(metric, Number(vm[3]), vm[4], (what) => { throw new ThresholdSyntaxError(expression, valueAt, what); });
  const rest = expression.slice(pos);
  if (rest.trim() !== '') throw new ThresholdSyntaxError(expression, pos + (rest.length - rest.trimStart().length), `unexpected "${rest.trim()}" after the value`);
  return percentile === undefined ? { metric, op, value } : { metric, percentile, op, value };
}

function valueIn(metric: ThresholdMetric, n: number, unit: string | undefined, fail: (what: string) => never): number {
  switch (metric) {
    case 'percentile':
    case 'min':
    case 'max':
    case 'mean':
      if (unit === undefined || unit === 'ms') return n;
      if (unit === 's') return n * 1000;
      if (unit === 'm') return n * 60_000;
      return fail(`a latency is in ms or s (e.g. 250ms), not "${unit}"`);
    case 'error_rate':
    case 'checks':
      if (unit === '%') {
        if (n < 0 || n > 100) return fail(`a percentage is between 0% and 100%, got ${n}%`);
        return n / 100;
      }
      if (unit === undefined && n >= 0 && n <= 1) return n;
      return fail(`a rate is a percentage (1%) or a fraction between 0 and 1 (0.01)`);
    case 'rps':
      if (unit === undefined || unit === '/s') return n;
      return fail(`rps is a number of requests per second (e.g. 900), not "${unit}"`);
  }
}

/** The figures thresholds read, for the whole run or one request name. */
export interface ThresholdFigures {
  /** Requests that ended (response or error). */
  requests: number;
  /** Latency at percentile p in [0, 100] (0 = min, 100 = max), in ms; undefined without samples. */
  latencyMs(p: number): number | undefined;
  meanMs: number | undefined;
  /** (Transport errors + failed requests) / requests, in [0, 1]; undefined without requests. */
  errorRate: number | undefined;
  /** Passed checks / evaluated checks, in [0, 1]; undefined when no check ran. */
  checksRate: number | undefined;
  /** Achieved requests per second. */
  rps: number | undefined;
}

export interface ThresholdSummary extends ThresholdFigures {
  byRequestName: Readonly<Record<string, ThresholdFigures>>;
  /** Several scenarios at once: per scenario name (absent otherwise). */
  byScenario?: Readonly<Record<string, ThresholdFigures>>;
}

export interface ThresholdResult {
  threshold: Threshold;
  /** 'no-data' when the figure does not exist yet (no requests, no checks, unknown request name). */
  status: 'pass' | 'fail' | 'no-data';
  observed: number | undefined;
  /** The observed value in the threshold's unit, e.g. "312.4ms", "1.52%", "880.0/s", or "no data". */
  observedText: string;
}

export interface ThresholdVerdict {
  results: ThresholdResult[];
  /** True when every threshold passed ('no-data' counts as a failure at the end of a run). */
  passed: boolean;
  /** The first failed abortOnFail threshold whose grace period is over, when elapsedMs was given. */
  abortBy: ThresholdResult | undefined;
}

/**
 * Evaluates every threshold on the summary. `elapsedMs` (of the main phase) is given for live
 * evaluation and enables abortBy; a 'no-data' threshold never aborts.
 */
export function evaluateThresholds(thresholds: readonly Threshold[], summary: ThresholdSummary, elapsedMs?: number): ThresholdVerdict {
  const results = thresholds.map((t) => evaluateOne(t, summary));
  const abortBy = elapsedMs === undefined ? undefined
    : results.find((r) => r.status === 'fail' && r.threshold.abortOnFail && elapsedMs >= r.threshold.delayAbortEvalMs);
  return { results, passed: results.every((r) => r.status === 'pass'), abortBy };
}

function evaluateOne(t: Threshold, summary: ThresholdSummary): ThresholdResult {
  const figures = t.request !== undefined ? summary.byRequestName[t.request] : t.scenario !== undefined ? summary.byScenario?.[t.scenario] : summary;
  const observed = figures === undefined ? undefined : observe(t, figures);
  if (observed === undefined || Number.isNaN(observed)) return { threshold: t, status: 'no-data', observed: undefined, observedText: 'no data' };
  return { threshold: t, status: compare(observed, t.op, t.value) ? 'pass' : 'fail', observed, observedText: formatObserved(t.metric, observed) };
}

function observe(t: Threshold, f: ThresholdFigures): number | undefined {
  switch (t.metric) {
    case 'percentile': return f.requests > 0 ? f.latencyMs(t.percentile ?? 50) : undefined;
    case 'min': return f.requests > 0 ? f.latencyMs(0) : undefined;
    case 'max': return f.requests > 0 ? f.latencyMs(100) : undefined;
    case 'mean': return f.requests > 0 ? f.meanMs : undefined;
    case 'error_rate': return f.errorRate;
    case 'checks': return f.checksRate;
    case 'rps': return f.rps;
  }
}

function compare(a: number, op: ThresholdOp, b: number): boolean {
  switch (op) {
    case '<': return a < b;
    case '<=': return a <= b;
    case '>': return a > b;
    case '>=': return a >= b;
    case '==': return a === b;
    case '!=': return a !== b;
  }
}

export function formatObserved(metric: ThresholdMetric, v: number): string {
  if (metric === 'error_rate' || metric === 'checks') return `${Number((v * 100).toFixed(3))}%`;
  if (metric === 'rps') return `${v.toFixed(1)}/s`;
  return `${Number(v.toFixed(3))}ms`;
}
