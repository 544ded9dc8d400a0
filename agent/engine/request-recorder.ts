// The figures per request name (report.json's requests[name]) of one phase of a scenario-language plan,
// held by that phase's Recorder (which adds its delta to each Stats it takes). Same contract as the
// Recorder: the sum of the deltas equals the cumulative, merging the delta histograms gives the cumulative
// histogram.
import { encodeHistogram, newHistogram, recordMs } from '../../common/metrics/histogram.js';
import type { Histogram } from '../../common/metrics/histogram.js';
import { addRequestCounters, emptyRequestFigures } from '../../common/metrics/stats.js';
import type { RequestNameFigures, RequestFigures } from '../../common/metrics/stats.js';
import type { ErrorKind } from '../../common/metrics/counters.js';
import { MAX_CHECK_NAMES, MAX_NAME_CHARS, MAX_REQUEST_NAMES, OTHER_REQUEST_NAME } from '../../common/protocol/wire-limits.js';

interface NameTally {
  counters: RequestFigures;
  latency: Histogram;
  /** Time to first byte of the name's responses (created on the first one). */
  waiting: Histogram | undefined;
}

/** A copy of `c` whose maps are its own. */
function copyCounters(c: RequestFigures): RequestFigures {
  return { ...c, errorsByKind: { ...c.errorsByKind }, statusCodes: { ...c.statusCodes }, failedByStatus: { ...c.failedByStatus }, checkFailures: { ...c.checkFailures } };
}

function newTally(): NameTally {
  return { counters: emptyRequestFigures(), latency: newHistogram(), waiting: undefined };
}

/** What one response (or transport error) of a named request came to. */
export interface RequestOutcome {
  outcome: number | ErrorKind;
  /** A response whose status was not expected (a failed request); false for transport errors. */
  failed: boolean;
  /** Latency from when the request was due, ms (responses only). */
  latencyMs: number;
  checksPassed: number;
  failedChecks: readonly string[];
  extractFailed: number;
  bodyTruncated: boolean;
  /** Time to first byte, ms (responses only; absent when not measured). */
  waitingMs?: number;
}

/**
 * The wire's name bounds (common/protocol/wire-limits.ts), kept here so the coordinator never has to refuse an
 * honest agent: the first MAX_REQUEST_NAMES - 1 names (of at most MAX_NAME_CHARS) keep their own figures;
 * every other name's go to OTHER_REQUEST_NAME, as do failed-check names past MAX_CHECK_NAMES per name.
 */
export class RequestRecorder {
  private readonly interval = new Map<string, NameTally>();
  private readonly total = new Map<string, NameTally>();
  /** Names (and per name, failed-check names) that keep their own figures, for the whole phase. */
  private readonly own = new Map<string, Set<string>>();
  private iterations = 0;
  private noData = 0;
  private totalIterations = 0;
  private totalNoData = 0;

  /** The name `name`'s figures are kept under: itself, or OTHER_REQUEST_NAME beyond the bounds. */
  private admit(name: string): string {
    if (this.own.has(name)) return name;
    if (name.length > MAX_NAME_CHARS || this.own.size >= MAX_REQUEST_NAMES - 1) {
      if (!this.own.has(OTHER_REQUEST_NAME)) this.own.set(OTHER_REQUEST_NAME, new Set());
      return OTHER_REQUEST_NAME;
    }
    this.own.set(name, new Set());
    return name;
  }

  /** The failed-check name `check` of `name` (admitted) is counted under. */
  private checkName(name: string, check: string): string {
    const checks = this.own.get(name) as Set<string>;
    if (checks.has(check)) return check;
    if (check.length > MAX_NAME_CHARS || checks.size >= MAX_CHECK_NAMES - 1) {
      checks.add(OTHER_REQUEST_NAME);
      return OTHER_REQUEST_NAME;
    }
    checks.add(check);
    return check;
  }

  private tally(given: string): NameTally {
    const name = this.admit(given);
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

  onEnd(given: string, r: RequestOutcome): void {
    const name = this.admit(given);
    const t = this.tally(name);
    const c = t.counters;
    c.requests++;
    if (typeof r.outcome === 'number') {
      recordMs(t.latency, r.latencyMs);
      if (r.waitingMs !== undefined) recordMs(t.waiting ??= newHistogram(), r.waitingMs);
      const code = String(r.outcome);
      c.statusCodes[code] = (c.statusCodes[code] ?? 0) + 1;
      if (r.failed) c.failedByStatus[code] = (c.failedByStatus[code] ?? 0) + 1;
    } else {
      c.errorsByKind[r.outcome]++;
    }
    c.checksPassed += r.checksPassed;
    c.checksFailed += r.failedChecks.length;
    for (const given of r.failedChecks) {
      const f = this.checkName(name, given);
      c.checkFailures[f] = (c.checkFailures[f] ?? 0) + 1;
    }
    c.extractFailed += r.extractFailed;
    if (r.bodyTruncated) c.bodyTruncated++;
  }

  isEmpty(): boolean {
    return this.interval.size === 0 && this.iterations === 0 && this.noData === 0;
  }

  /** The interval's figures; folds them into the cumulative and starts a new interval. */
  takeDelta(): RequestNameFigures {
    const byRequestName: Record<string, RequestFigures> = {};
    for (const [name, t] of this.interval) {
      byRequestName[name] = { ...t.counters, latencyHist: encodeHistogram(t.latency), ...waitingOf(t) };
      let into = this.total.get(name);
      if (into === undefined) {
        into = newTally();
        this.total.set(name, into);
      }
      addRequestCounters(into.counters, t.counters);
      into.latency.add(t.latency);
      if (t.waiting !== undefined) (into.waiting ??= newHistogram()).add(t.waiting);
      t.latency.destroy();
      t.waiting?.destroy();
    }
    this.interval.clear();
    const delta: RequestNameFigures = { byRequestName, iterations: this.iterations, noData: this.noData };
    this.totalIterations += this.iterations;
    this.totalNoData += this.noData;
    this.iterations = 0;
    this.noData = 0;
    return delta;
  }

  /** Everything taken so far: a copy, which later recording leaves as it is. */
  cumulative(): RequestNameFigures {
    const byRequestName: Record<string, RequestFigures> = {};
    for (const [name, t] of this.total) byRequestName[name] = { ...copyCounters(t.counters), latencyHist: encodeHistogram(t.latency), ...waitingOf(t) };
    return { byRequestName, iterations: this.totalIterations, noData: this.totalNoData };
  }

  destroy(): void {
    for (const t of [...this.interval.values(), ...this.total.values()]) {
      t.latency.destroy();
      t.waiting?.destroy();
    }
    this.interval.clear();
    this.total.clear();
  }
}

/** The name's time-to-first-byte histogram as a RequestFigures field, when it has values. */
function waitingOf(t: NameTally): { waitingHist?: string } {
  return t.waiting === undefined || t.waiting.totalCount === 0 ? {} : { waitingHist: encodeHistogram(t.waiting) };
}
