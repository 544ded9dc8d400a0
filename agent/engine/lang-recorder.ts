// Per-request-name recording for the scenario language, one per phase, held by that phase's Recorder
// (which adds its delta to each Stats it takes). Same contract as the Recorder: the sum of the deltas
// equals the cumulative, merging the delta histograms gives the cumulative histogram.
import { encodeHistogram, newHistogram, recordMs } from '../../common/histogram.js';
import type { Histogram } from '../../common/histogram.js';
import { addRequestCounters, emptyRequestStats } from '../../common/request-stats.js';
import type { LangStats, RequestStats } from '../../common/request-stats.js';
import type { ErrorKind } from '../../common/stats.js';

interface NameTally {
  counters: RequestStats;
  latency: Histogram;
}

function newTally(): NameTally {
  return { counters: emptyRequestStats(), latency: newHistogram() };
}

/** What one response (or transport error) of a named request came to. */
export interface RequestOutcome {
  outcome: number | ErrorKind;
  /** Latency from when the request was due, ms (responses only). */
  latencyMs: number;
  checksPassed: number;
  failedChecks: readonly string[];
  extractFailed: number;
  bodyTruncated: boolean;
}

export class LangRecorder {
  private readonly interval = new Map<string, NameTally>();
  private readonly total = new Map<string, NameTally>();
  private iterations = 0;
  private noData = 0;
  private totalIterations = 0;
  private totalNoData = 0;

  private tally(name: string): NameTally {
    let t = this.interval.get(name);
    if (t === undefined) {
      t = newTally();
      this.interval.set(name, t);
    }
    return t;
  }

  onIteration(): void {
    this.iterations++;
  }

  /** A flow run found no row left in a `unique` feeder: nothing was sent for it. */
  onNoData(): void {
    this.noData++;
  }

  onRenderFailed(name: string): void {
    this.tally(name).counters.renderFailed++;
  }

  onEnd(name: string, r: RequestOutcome): void {
    const t = this.tally(name);
    const c = t.counters;
    c.requests++;
    if (typeof r.outcome === 'number') {
      recordMs(t.latency, r.latencyMs);
      const code = String(r.outcome);
      c.statusCodes[code] = (c.statusCodes[code] ?? 0) + 1;
    } else {
      c.errors[r.outcome]++;
    }
    c.checksPassed += r.checksPassed;
    c.checksFailed += r.failedChecks.length;
    for (const f of r.failedChecks) c.checkFailures[f] = (c.checkFailures[f] ?? 0) + 1;
    c.extractFailed += r.extractFailed;
    if (r.bodyTruncated) c.bodyTruncated++;
  }

  isEmpty(): boolean {
    return this.interval.size === 0 && this.iterations === 0 && this.noData === 0;
  }

  /** The interval's figures; folds them into the cumulative and starts a new interval. */
  takeDelta(): LangStats {
    const byRequest: Record<string, RequestStats> = {};
    for (const [name, t] of this.interval) {
      byRequest[name] = { ...t.counters, latencyHist: encodeHistogram(t.latency) };
      let into = this.total.get(name);
      if (into === undefined) {
        into = newTally();
        this.total.set(name, into);
      }
      addRequestCounters(into.counters, t.counters);
      into.latency.add(t.latency);
      t.latency.destroy();
    }
    this.interval.clear();
    const delta: LangStats = { byRequest, iterations: this.iterations, noData: this.noData };
    this.totalIterations += this.iterations;
    this.totalNoData += this.noData;
    this.iterations = 0;
    this.noData = 0;
    return delta;
  }

  /** Everything taken so far. */
  cumulative(): LangStats {
    const byRequest: Record<string, RequestStats> = {};
    for (const [name, t] of this.total) byRequest[name] = { ...t.counters, latencyHist: encodeHistogram(t.latency) };
    return { byRequest, iterations: this.totalIterations, noData: this.totalNoData };
  }

  destroy(): void {
    for (const t of [...this.interval.values(), ...this.total.values()]) t.latency.destroy();
    this.interval.clear();
    this.total.clear();
  }
}
