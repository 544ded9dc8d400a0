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

/** Decodes every histogram of a delta, or throws (nothing left to free) before anything is merged. */
export function decodeLang(lang: LangStats): Map<string, Histogram> {
  const out = new Map<string, Histogram>();
  try {
    for (const [name, r] of Object.entries(lang.byRequest)) out.set(name, decodeHistogram(r.latencyHist));
  } catch (e) {
    for (const h of out.values()) h.destroy();
    throw e;
  }
  return out;
}

export class RequestMerge {
  private readonly byName = new Map<string, { counters: RequestStats; latency: Histogram }>();
  private iterations = 0;
  private noData = 0;
  private seen = false;

  /** Adds one delta; takes ownership of `decoded` (from decodeLang of the same delta). */
  add(lang: LangStats, decoded: Map<string, Histogram>): void {
    this.seen = true;
    this.iterations += lang.iterations;
    this.noData += lang.noData;
    for (const [name, r] of Object.entries(lang.byRequest)) {
      const h = decoded.get(name) as Histogram;
      const into = this.byName.get(name);
      if (into === undefined) {
        const counters = emptyRequestStats();
        addRequestCounters(counters, r);
        this.byName.set(name, { counters, latency: h });
      } else {
        addRequestCounters(into.counters, r);
        into.latency.add(h);
        h.destroy();
      }
    }
  }

  totals(): { byRequest: Record<string, RequestTotals>; flows: FlowTotals | null } {
    const byRequest: Record<string, RequestTotals> = {};
    for (const [name, { counters: c, latency }] of [...this.byName].sort(([a], [b]) => a.localeCompare(b))) {
      byRequest[name] = {
        requests: c.requests, errors: { ...c.errors }, errorTotal: totalErrors(c.errors), statusCodes: { ...c.statusCodes },
        checks: { passed: c.checksPassed, failed: c.checksFailed, failures: { ...c.checkFailures } },
        extractFailed: c.extractFailed, renderFailed: c.renderFailed, bodyTruncated: c.bodyTruncated,
        latencyMs: latencyMs(latency), latencyHist: encodeHistogram(latency),
      };
    }
    return { byRequest, flows: this.seen ? { iterations: this.iterations, noData: this.noData } : null };
  }

  destroy(): void {
    for (const v of this.byName.values()) v.latency.destroy();
    this.byName.clear();
  }
}
