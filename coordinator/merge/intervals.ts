// The per-interval series of one phase, merged across agents: helper of coordinator/merge/aggregator.ts (the
// only caller), which validates input and owns exactly-once delivery.
//
// Memory: a live histogram of the common config costs ~90 KB, so only the HOT_INTERVALS newest intervals
// keep live histograms; older ones are stored encoded (typically 0.5-5 KB) with their figures cached. An
// hour at 1 s intervals is then ~3,600 x 2 encoded histograms (< 40 MB worst case). A late snapshot for
// a cold interval decodes, merges and re-encodes it (about 1 ms).
import type { Histogram, LatencyMs } from '../../common/metrics/histogram.js';
import { addHistogram, decodeHistogram, encodeHistogram, latencyMs, newHistogram } from '../../common/metrics/histogram.js';
import type { SparseCounts } from '../../common/metrics/histogram.js';
import type { SnapshotMsg } from '../../common/protocol/messages.js';
import type { Counters } from '../../common/metrics/counters.js';
import { addCounters, emptyCounters, withErrorTotal } from '../../common/metrics/counters.js';

/** One interval of one phase, merged across agents. */
export interface IntervalFigures extends Counters {
  index: number;
  /** Agents that reported this interval. */
  agents: number;
  /** Transport errors: the total of errorsByKind. */
  errors: number;
  /** Failed requests (responses whose status was not expected): the total of failedByStatus. */
  failed: number;
  /** requests / interval length (the aggregator's intervalMs). */
  rps: number;
  /**
   * Mean over the reporting agents of the time their deltas really covered, ms: the snapshot timer's
   * jitter makes one interval 1,002 ms and the next 998 ms; requests / coveredMs corrects for it.
   */
  coveredMs: number;
  /**
   * Sum of the agents' mean scheduled rates over the interval (open model): arrivals per second, which
   * with flows are flow runs per second (compare with flowRps, not rps).
   */
  targetRps: number;
  /** The scenario language: flow runs started in the interval, and per second (absent for a single-request run). */
  flowRuns?: number;
  flowRps?: number;
  /** Sum of the agents' loop counts (closed model). */
  concurrency: number;
  latencyMs: LatencyMs;
  serviceMs: LatencyMs;
  /** Sum of the agents' in-flight peaks: an upper bound of the fleet's simultaneous in-flight requests. */
  inFlightPeak: number;
  eventLoopDelayP99MsMax: number;
  scheduleLagP99MsMax: number;
}

/** Newest intervals per phase that keep live histograms. */
export const HOT_INTERVALS = 8;

/** What one snapshot brings to its interval: the message's figures (intervalMs: the real length it covered) and its agent. */
export type IntervalDelta = Pick<SnapshotMsg, 'seq' | 'intervalIndex' | 'intervalMs' | 'stats' | 'rateRps' | 'concurrency'> & { agentId: string };

interface AgentInInterval {
  /** Sum of the real lengths of this agent's deltas in this interval, ms. */
  coveredMs: number;
  seq: number;
  rateRps: number;
  concurrency: number;
  inFlightPeak: number;
}

interface Pair {
  latency: Histogram;
  service: Histogram;
}

interface IntervalAcc {
  index: number;
  counters: Counters;
  /** Flow runs started (scenario language only). */
  flowRuns: number | undefined;
  byAgent: Map<string, AgentInInterval>;
  eventLoopDelayP99MsMax: number;
  scheduleLagP99MsMax: number;
  /** Live while hot; undefined when stored encoded. */
  live: Pair | undefined;
  encoded: { latency: string; service: string };
  /** Cached percentiles; dropped on every merge (which happens only while live). */
  figures: { latencyMs: LatencyMs; serviceMs: LatencyMs } | undefined;
}

export class IntervalSeries {
  readonly #intervalMs: number;
  readonly #intervals = new Map<number, IntervalAcc>();
  readonly #hot = new Set<IntervalAcc>();
  #maxIndex = -1;

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  /**
   * Adds one snapshot's delta (histograms already decoded; not kept) into its interval. Returns that
   * interval's fleet in-flight peak (sum of the agents' peaks) after the merge.
   */
  merge(d: IntervalDelta, delta: { latency: Histogram | SparseCounts; service: Histogram | SparseCounts }): number {
    const acc = this.#open(d.intervalIndex);
    const live = acc.live as Pair;
    addHistogram(live.latency, delta.latency);
    addHistogram(live.service, delta.service);
    acc.figures = undefined;
    addCounters(acc.counters, d.stats);
    if (d.stats.requestNames !== undefined) acc.flowRuns = (acc.flowRuns ?? 0) + d.stats.requestNames.iterations;
    acc.eventLoopDelayP99MsMax = Math.max(acc.eventLoopDelayP99MsMax, d.stats.eventLoopDelayP99Ms);
    acc.scheduleLagP99MsMax = Math.max(acc.scheduleLagP99MsMax, d.stats.scheduleLagP99Ms);
    // Rate and loops: the agent's newest report for this interval; in-flight: its highest peak.
    const prev = acc.byAgent.get(d.agentId);
    const newest = prev === undefined || d.seq > prev.seq;
    acc.byAgent.set(d.agentId, {
      coveredMs: (prev?.coveredMs ?? 0) + d.intervalMs,
      seq: newest ? d.seq : prev.seq,
      rateRps: newest ? d.rateRps : prev.rateRps,
      concurrency: newest ? d.concurrency : prev.concurrency,
      inFlightPeak: Math.max(prev?.inFlightPeak ?? 0, d.stats.inFlightPeak),
    });
    const peak = sumPeaks(acc);
    this.#compact();
    return peak;
  }

  get(index: number): IntervalFigures | undefined {
    const acc = this.#intervals.get(index);
    return acc === undefined ? undefined : this.#figures(acc);
  }

  /** Dense: indexes 0..highest seen; intervals nobody reported are empty figures. */
  all(): IntervalFigures[] {
    const out: IntervalFigures[] = [];
    for (let i = 0; i <= this.#maxIndex; i++) {
      const acc = this.#intervals.get(i);
      out.push(acc === undefined ? emptyFigures(i) : this.#figures(acc));
    }
    return out;
  }

  /**
   * Dense like all(): each interval's merged latency histogram, encoded ("" when empty or unreported).
   * Cold intervals return their stored encoding; hot ones are encoded now.
   */
  allEncodedLatency(): string[] {
    const out: string[] = [];
    for (let i = 0; i <= this.#maxIndex; i++) {
      const acc = this.#intervals.get(i);
      out.push(acc === undefined ? '' : acc.live === undefined ? acc.encoded.latency : encodeHistogram(acc.live.latency));
    }
    return out;
  }

  /** Frees the live histograms. Idempotent. */
  destroy(): void {
    for (const acc of this.#hot) releaseLive(acc);
    this.#hot.clear();
    this.#intervals.clear();
  }

  /** The interval's accumulator with live histograms (decoded again if it had gone cold). */
  #open(index: number): IntervalAcc {
    let acc = this.#intervals.get(index);
    if (acc === undefined) {
      acc = {
        index,
        counters: emptyCounters(),
        flowRuns: undefined,
        byAgent: new Map(),
        eventLoopDelayP99MsMax: 0,
        scheduleLagP99MsMax: 0,
        live: { latency: newHistogram(), service: newHistogram() },
        encoded: { latency: '', service: '' },
        figures: undefined,
      };
      this.#intervals.set(index, acc);
    } else if (acc.live === undefined) {
      acc.live = { latency: decodeHistogram(acc.encoded.latency), service: decodeHistogram(acc.encoded.service) };
    }
    this.#hot.add(acc);
    this.#maxIndex = Math.max(this.#maxIndex, index);
    return acc;
  }

  /** Stores every interval older than the hot window encoded, its figures cached. */
  #compact(): void {
    for (const acc of this.#hot) {
      if (acc.index > this.#maxIndex - HOT_INTERVALS) continue;
      this.#figures(acc);
      const live = acc.live as Pair;
      acc.encoded = { latency: encodeHistogram(live.latency), service: encodeHistogram(live.service) };
      releaseLive(acc);
      this.#hot.delete(acc);
    }
  }

  #figures(acc: IntervalAcc): IntervalFigures {
    if (acc.figures === undefined) {
      const live = acc.live as Pair; // figures are only dropped by a merge, and merges happen while live
      acc.figures = { latencyMs: latencyMs(live.latency), serviceMs: latencyMs(live.service) };
    }
    let targetRps = 0;
    let concurrency = 0;
    let coveredMs = 0;
    for (const a of acc.byAgent.values()) {
      targetRps += a.rateRps;
      concurrency += a.concurrency;
      coveredMs += a.coveredMs;
    }
    return {
      index: acc.index,
      agents: acc.byAgent.size,
      ...withErrorTotal(acc.counters),
      rps: acc.counters.requests / (this.#intervalMs / 1000),
      ...(acc.flowRuns === undefined ? {} : { flowRuns: acc.flowRuns, flowRps: acc.flowRuns / (this.#intervalMs / 1000) }),
      coveredMs: acc.byAgent.size > 0 ? coveredMs / acc.byAgent.size : 0,
      targetRps,
      concurrency,
      latencyMs: acc.figures.latencyMs,
      serviceMs: acc.figures.serviceMs,
      inFlightPeak: sumPeaks(acc),
      eventLoopDelayP99MsMax: acc.eventLoopDelayP99MsMax,
      scheduleLagP99MsMax: acc.scheduleLagP99MsMax,
    };
  }
}

function releaseLive(acc: IntervalAcc): void {
  if (acc.live === undefined) return;
  acc.live.latency.destroy();
  acc.live.service.destroy();
  acc.live = undefined;
}

function sumPeaks(acc: IntervalAcc): number {
  let sum = 0;
  for (const a of acc.byAgent.values()) sum += a.inFlightPeak;
  return sum;
}

function zeroLatency(): LatencyMs {
  return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
}

function emptyFigures(index: number): IntervalFigures {
  return {
    index, agents: 0, ...withErrorTotal(emptyCounters()), rps: 0, coveredMs: 0,
    targetRps: 0, concurrency: 0, latencyMs: zeroLatency(), serviceMs: zeroLatency(), inFlightPeak: 0, eventLoopDelayP99MsMax: 0, scheduleLagP99MsMax: 0,
  };
}
