// Per-phase recording: what one phase (warm-up or main) sent and received. The runners and the HTTP
// client call the on*() methods on the hot path (no allocation there); the engine calls takeDelta()
// once per snapshot interval, which returns the interval's Stats and folds it into the cumulative.
//
// Invariant: the sum of every delta's counters equals cumulative()'s counters, and merging every delta
// histogram equals the cumulative histogram (the cumulative is built by adding the deltas).
// Only responses (any status code) go into the latency histograms; transport errors are counted only.
// A response whose status is not expected (the `expected` table: the plan's, or the flow request's) is
// also counted as a failed request, by status code.
//
// A response sent at its intended time (always, in the closed model) has the same latency and service
// time: it is recorded once, into `shared`, which is added to both histograms when the interval is
// taken. That halves the histogram work per response in the closed loop.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { IntervalHistogram } from 'node:perf_hooks';
import type { Clock } from '../../common/runtime/clock.js';
import { encodeHistogram, newHistogram, recordMs } from '../../common/metrics/histogram.js';
import type { Histogram } from '../../common/metrics/histogram.js';
import type { Counters, ErrorKind } from '../../common/metrics/counters.js';
import { COUNTER_SCALARS, ERROR_KINDS, emptyErrorsByKind } from '../../common/metrics/counters.js';
import type { Stats } from '../../common/metrics/stats.js';
import type { ResponseSink } from './http-client.js';
import { RequestRecorder } from './request-recorder.js';
import { emptyRequestFigures } from '../../common/metrics/stats.js';
import type { RequestNameFigures, ScenarioFigures } from '../../common/metrics/stats.js';
import { expectedTable } from '../../common/metrics/expected-status.js';

const STATUS_SLOTS = 1000;
/** Event-loop delay sampling period, ms (Node's default). */
export const ELD_RESOLUTION_MS = 10;

/**
 * Counters and histograms of one interval or of the whole phase. The counters are Counters' own, except
 * the status codes: counted on the hot path in an array by code, named by toStats().
 */
class Tally implements Omit<Counters, 'statusCodes' | 'failedByStatus'> {
  readonly latency: Histogram = newHistogram();
  readonly service: Histogram = newHistogram();
  /** Responses whose latency equals their service time (intended === sent): belong to both above. */
  readonly shared: Histogram = newHistogram();
  readonly lag: Histogram = newHistogram();
  /** The timing breakdown (Stats connectHist, tlsHist, waitingHist): new connections, and responses' time to first byte. */
  readonly connect: Histogram = newHistogram();
  readonly tls: Histogram = newHistogram();
  readonly waiting: Histogram = newHistogram();
  requests = 0;
  sent = 0;
  dropped = 0;
  readonly errorsByKind = emptyErrorsByKind();
  bytesReceived = 0;
  inFlightPeak = 0;
  /** Responses by status code, indexed by the code (0..999). */
  readonly status = new Float64Array(STATUS_SLOTS);
  /** Failed requests (status not expected) by status code, indexed like `status`. */
  readonly failed = new Float64Array(STATUS_SLOTS);

  isEmpty(): boolean {
    return this.sent === 0 && this.requests === 0 && this.dropped === 0 && this.inFlightPeak === 0;
  }

  /** Adds `shared` into both latency and service, and empties it. */
  foldShared(): void {
    if (this.shared.totalCount === 0) return;
    this.latency.add(this.shared);
    this.service.add(this.shared);
    this.shared.reset();
  }

  /** Adds this (folded) tally into `into`. */
  addInto(into: Tally): void {
    into.latency.add(this.latency);
    into.service.add(this.service);
    into.lag.add(this.lag);
    into.connect.add(this.connect);
    into.tls.add(this.tls);
    into.waiting.add(this.waiting);
    for (const k of COUNTER_SCALARS) into[k] += this[k];
    for (const kind of ERROR_KINDS) into.errorsByKind[kind] += this.errorsByKind[kind];
    if (this.inFlightPeak > into.inFlightPeak) into.inFlightPeak = this.inFlightPeak;
    for (let c = 0; c < STATUS_SLOTS; c++) {
      const n = this.status[c] as number;
      if (n !== 0) into.status[c] = (into.status[c] as number) + n;
      const f = this.failed[c] as number;
      if (f !== 0) into.failed[c] = (into.failed[c] as number) + f;
    }
  }

  reset_(): void {
    this.latency.reset();
    this.service.reset();
    this.shared.reset();
    this.lag.reset();
    this.connect.reset();
    this.tls.reset();
    this.waiting.reset();
    this.requests = this.sent = this.dropped = this.bytesReceived = 0;
    for (const kind of ERROR_KINDS) this.errorsByKind[kind] = 0;
    this.inFlightPeak = 0;
    this.status.fill(0);
    this.failed.fill(0);
  }

  toStats(eventLoopDelayP99Ms: number): Stats {
    const statusCodes: Record<string, number> = {};
    const failedByStatus: Record<string, number> = {};
    for (let c = 0; c < STATUS_SLOTS; c++) {
      const n = this.status[c] as number;
      if (n !== 0) statusCodes[String(c)] = n;
      const f = this.failed[c] as number;
      if (f !== 0) failedByStatus[String(c)] = f;
    }
    return {
      latencyHist: encodeHistogram(this.latency),
      serviceHist: encodeHistogram(this.service),
      requests: this.requests,
      sent: this.sent,
      dropped: this.dropped,
      errorsByKind: { ...this.errorsByKind },
      statusCodes,
      failedByStatus,
      inFlightPeak: this.inFlightPeak,
      eventLoopDelayP99Ms,
      scheduleLagP99Ms: this.lag.totalCount === 0 ? 0 : this.lag.getValueAtPercentile(99) / 1000,
      bytesReceived: this.bytesReceived,
      ...timingStats(this),
    };
  }

  destroy(): void {
    this.latency.destroy();
    this.service.destroy();
    this.shared.destroy();
    this.lag.destroy();
    this.connect.destroy();
    this.tls.destroy();
    this.waiting.destroy();
  }
}

/** The tally's timing histograms as Stats fields, each only when it holds values. */
function timingStats(t: Tally): Pick<Stats, 'connectHist' | 'tlsHist' | 'waitingHist'> {
  return {
    ...(t.connect.totalCount === 0 ? {} : { connectHist: encodeHistogram(t.connect) }),
    ...(t.tls.totalCount === 0 ? {} : { tlsHist: encodeHistogram(t.tls) }),
    ...(t.waiting.totalCount === 0 ? {} : { waitingHist: encodeHistogram(t.waiting) }),
  };
}

export class Recorder implements ResponseSink {
  private readonly clock: Clock;
  private readonly interval = new Tally();
  private readonly total = new Tally();
  private readonly eldInterval: IntervalHistogram = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
  private readonly eldTotal: IntervalHistogram = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
  private inFlightCount = 0;
  private destroyed = false;
  /** Optional: called with every response's latency from its intended time, ms (debugging, tests). */
  latencySampler: ((latencyMs: number) => void) | undefined;
  /** The figures per request name of this phase (flows only); in every Stats taken. */
  readonly requestNames: RequestRecorder | undefined;

  /**
   * Several scenarios at once: per scenario name, a RequestRecorder that counts everything under that one
   * name (so its byRequestName[name] is the scenario's figures). Fed alongside `requestNames`, never alone.
   */
  private readonly scenarios = new Map<string, RequestRecorder>();

  /** Expected statuses by code (1: expected) of the single-request path; flows pass their own to onEndAt. */
  private readonly expected: Uint8Array;

  constructor(clock: Clock, requestNames?: RequestRecorder, expected: Uint8Array = expectedTable()) {
    this.clock = clock;
    this.requestNames = requestNames;
    this.expected = expected;
  }

  /** The recorder of one scenario's figures (several scenarios at once), made on first use. */
  scenario(name: string): RequestRecorder {
    let r = this.scenarios.get(name);
    if (r === undefined) {
      r = new RequestRecorder();
      this.scenarios.set(name, r);
    }
    return r;
  }

  /** Adds the scenarios' figures to `figures` (taken with `take`: a delta or the cumulative). */
  private withScenarios(figures: RequestNameFigures, take: (r: RequestRecorder) => RequestNameFigures): RequestNameFigures {
    if (this.scenarios.size === 0) return figures;
    const byScenario: Record<string, ScenarioFigures> = {};
    for (const [name, r] of this.scenarios) {
      const d = take(r);
      const own = d.byRequestName[name] ?? emptyRequestFigures();
      if (own.requests === 0 && own.renderFailed === 0 && d.iterations === 0 && d.noData === 0) continue;
      byScenario[name] = { ...own, iterations: d.iterations, noData: d.noData };
    }
    return { ...figures, byScenario };
  }

  /** Requests of this phase sent and not yet ended. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /** Starts sampling event-loop delay (call when the phase starts issuing requests). */
  startMonitoring(): void {
    this.eldInterval.enable();
    this.eldTotal.enable();
  }

  /** Stops sampling event-loop delay (the phase stopped issuing). Idempotent. */
  stopMonitoring(): void {
    this.eldInterval.disable();
    this.eldTotal.disable();
  }

  /** A request of this phase was handed to the client. */
  onSent(): void {
    const t = this.interval;
    t.sent++;
    if (++this.inFlightCount > t.inFlightPeak) t.inFlightPeak = this.inFlightCount;
  }

  /** Open model: how late the send was against its intended time, ms (>= 0). */
  onScheduleLag(lagMs: number): void {
    recordMs(this.interval.lag, lagMs);
  }

  /** A new connection was made (timed-connect.ts): its TCP connect time, and TLS handshake for HTTPS, ms. */
  onConnection(connectMs: number, tlsMs: number | undefined): void {
    recordMs(this.interval.connect, connectMs);
    if (tlsMs !== undefined) recordMs(this.interval.tls, tlsMs);
  }

  /** A response's time to first byte: from the request written to its headers, ms. */
  onWaiting(waitingMs: number): void {
    recordMs(this.interval.waiting, waitingMs);
  }

  /** Open model: an arrival found the in-flight cap full and was not sent. */
  /** `n` arrivals (default 1) were not sent: the in-flight cap was full, or their time passed. */
  onDropped(n = 1): void {
    this.interval.dropped += n;
  }

  onEnd(outcome: number | ErrorKind, bytes: number, intendedMs: number, sentMs: number): void {
    this.onEndAt(outcome, bytes, intendedMs, sentMs, typeof outcome === 'number' ? this.clock.nowMs() : 0);
  }

  /**
   * onEnd() with the end time read by the caller (nowMs: this recorder's clock; unused for errors).
   * `expected`: the statuses that are not failures (a table by code, 1: expected); default: the plan's.
   */
  onEndAt(outcome: number | ErrorKind, bytes: number, intendedMs: number, sentMs: number, nowMs: number, expected: Uint8Array = this.expected): void {
    const t = this.interval;
    this.inFlightCount--;
    t.requests++;
    t.bytesReceived += bytes;
    if (typeof outcome === 'number') {
      if (intendedMs === sentMs) {
        recordMs(t.shared, nowMs - sentMs);
      } else {
        recordMs(t.latency, nowMs - intendedMs);
        recordMs(t.service, nowMs - sentMs);
      }
      if (this.latencySampler !== undefined) this.latencySampler(nowMs - intendedMs);
      if (outcome >= 0 && outcome < STATUS_SLOTS) {
        t.status[outcome] = (t.status[outcome] as number) + 1;
        if (expected[outcome] !== 1) t.failed[outcome] = (t.failed[outcome] as number) + 1;
      } else t.errorsByKind.other++;
      return;
    }
    t.errorsByKind[outcome]++;
  }

  /** True when takeDelta() would return nothing worth sending (no sends, ends, drops, nor in-flight). */
  isIdle(): boolean {
    return this.interval.isEmpty() && this.inFlightCount === 0 && (this.requestNames === undefined || this.requestNames.isEmpty());
  }

  /** The interval's Stats; folds them into the cumulative and starts a new interval. */
  takeDelta(): Stats {
    const t = this.interval;
    if (this.inFlightCount > t.inFlightPeak) t.inFlightPeak = this.inFlightCount;
    t.foldShared();
    const stats = t.toStats(eldP99Ms(this.eldInterval));
    if (this.requestNames !== undefined) stats.requestNames = this.withScenarios(this.requestNames.takeDelta(), (r) => r.takeDelta());
    t.addInto(this.total);
    t.reset_();
    // The next interval starts with what is in flight now.
    t.inFlightPeak = this.inFlightCount;
    this.eldInterval.reset();
    return stats;
  }

  /** Everything taken so far (not the current interval). */
  cumulative(): Stats {
    const stats = this.total.toStats(eldP99Ms(this.eldTotal));
    if (this.requestNames !== undefined) stats.requestNames = this.withScenarios(this.requestNames.cumulative(), (r) => r.cumulative());
    return stats;
  }

  /** Frees the histograms and the event-loop monitors. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.stopMonitoring();
    this.interval.destroy();
    this.total.destroy();
    this.requestNames?.destroy();
    for (const r of this.scenarios.values()) r.destroy();
    this.scenarios.clear();
  }
}

/** p99 of the event-loop delay, ms. Node 20 records the whole period between samples, so the
 * resolution is subtracted to leave the delay itself. */
function eldP99Ms(h: IntervalHistogram): number {
  if (h.count === 0) return 0;
  const delayMs = h.percentile(99) / 1e6 - ELD_RESOLUTION_MS;
  return delayMs > 0 ? Math.round(delayMs * 1000) / 1000 : 0;
}
