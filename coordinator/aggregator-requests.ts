// The scenario language's figures per request name, merged across agents for one phase. Used by
// coordinator/aggregator.ts only, which calls add() exactly once per merged snapshot (its seq
// discipline), so each delta counts once. Percentiles come from the merged histogram of each name.
import type { Histogram, LatencyMs } from '../common/histogram.js';
import { decodeHistogram, encodeHistogram, latencyMs } from '../common/histogram.js';
import { addRequestCounters, emptyRequestStats } from '../common/request-stats.js';
import type { LangStats, RequestStats } from '../common/request-stats.js';
import type { ErrorKind } from '../common/stats.js';
import { totalErrors } from '../common/stats.js';

/** One request name's merged figures of a phase. */
export interface RequestTotals {
  requests: number;
  errors: Record<ErrorKind, number>;
  errorTotal: number;
  statusCodes: Record<string, number>;
  checks: { passed: number; failed: number; failures: Record<string, number> };
  extractFailed: number;
  renderFailed: number;
  bodyTruncated: number;
  latencyMs: LatencyMs;
  /** Encoded merged latency histogram ("" when empty). */
  latencyHist: string;
}

export interface FlowTotals {
  /** Flow runs started. */
  iterations: number;
  /** Flow runs that sent nothing: a `unique` feeder had no row left. */
  noData: number;
}

/** Several scenarios at once: one scenario's merged figures of a phase. */
export interface ScenarioTotals extends RequestTotals {
  iterations: number;
  noData: number;
}

/** A delta's histograms, decoded: per request name and per scenario name. */
export interface DecodedLang {
  requests: Map<string, Histogram>;
  scenarios: Map<string, Histogram>;
}

/** Decodes every histogram of a delta, or throws (nothing left to free) before anything is merged. */
export function decodeLang(lang: LangStats): DecodedLang {
  const out: DecodedLang = { requests: new Map(), scenarios: new Map() };
  try {
    for (const [name, r] of Object.entries(lang.byRequest)) out.requests.set(name, decodeHistogram(r.latencyHist));
    for (const [name, r] of Object.entries(lang.byScenario ?? {})) out.scenarios.set(name, decodeHistogram(r.latencyHist));
  } catch (e) {
    for (const h of [...out.requests.values(), ...out.scenarios.values()]) h.destroy();
    throw e;
  }
  return out;
}

/** into[name] += r (counters; the histogram is taken over or merged and freed). */
function mergeNamed(into: Map<string, { counters: RequestStats; latency: Histogram }>, name: string, r: RequestStats, h: Histogram): void {
  const have = into.get(name);
  if (have === undefined) {
    const counters = emptyRequestStats();
    addRequestCounters(counters, r);
    into.set(name, { counters, latency: h });
  } else {
    addRequestCounters(have.counters, r);
    have.latency.add(h);
    h.destroy();
  }
}

function totalsOf(c: RequestStats, latency: Histogram): RequestTotals {
  return {
    requests: c.requests, errors: { ...c.errors }, errorTotal: totalErrors(c.errors), statusCodes: { ...c.statusCodes },
    checks: { passed: c.checksPassed, failed: c.checksFailed, failures: { ...c.checkFailures } },
    extractFailed: c.extractFailed, renderFailed: c.renderFailed, bodyTruncated: c.bodyTruncated,
    latencyMs: latencyMs(latency), latencyHist: encodeHistogram(latency),
  };
}

export class RequestMerge {
  private readonly byName = new Map<string, { counters: RequestStats; latency: Histogram }>();
  private readonly byScenario = new Map<string, { counters: RequestStats; latency: Histogram }>();
  private readonly scenarioRuns = new Map<string, { iterations: number; noData: number }>();
  private iterations = 0;
  private noData = 0;
  private seen = false;

  /** Adds one delta; takes ownership of `decoded` (from decodeLang of the same delta). */
  add(lang: LangStats, decoded: DecodedLang): void {
    this.seen = true;
    this.iterations += lang.iterations;
    this.noData += lang.noData;
    for (const [name, r] of Object.entries(lang.byRequest)) mergeNamed(this.byName, name, r, decoded.requests.get(name) as Histogram);
    for (const [name, r] of Object.entries(lang.byScenario ?? {})) {
      mergeNamed(this.byScenario, name, r, decoded.scenarios.get(name) as Histogram);
      const runs = this.scenarioRuns.get(name) ?? { iterations: 0, noData: 0 };
      runs.iterations += r.iterations;
      runs.noData += r.noData;
      this.scenarioRuns.set(name, runs);
    }
  }

  totals(): { byRequest: Record<string, RequestTotals>; byScenario: Record<string, ScenarioTotals>; flows: FlowTotals | null } {
    const byRequest: Record<string, RequestTotals> = {};
    for (const [name, { counters, latency }] of [...this.byName].sort(([a], [b]) => a.localeCompare(b))) byRequest[name] = totalsOf(counters, latency);
    const byScenario: Record<string, ScenarioTotals> = {};
    for (const [name, { counters, latency }] of this.byScenario) {
      byScenario[name] = { ...totalsOf(counters, latency), ...(this.scenarioRuns.get(name) ?? { iterations: 0, noData: 0 }) };
    }
    return { byRequest, byScenario, flows: this.seen ? { iterations: this.iterations, noData: this.noData } : null };
  }

  destroy(): void {
    for (const v of [...this.byName.values(), ...this.byScenario.values()]) v.latency.destroy();
    this.byName.clear();
    this.byScenario.clear();
  }
}
