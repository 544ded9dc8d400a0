// The ONE place where agent data is merged. Pure: no I/O, no clock. Fed with the agents' delta
// Snapshots and cumulative Done figures (already converted from the wire by common/protocol/messages.ts).
//
// Contracts:
// - Each (agentId, seq) is merged exactly once; repeats return 'duplicate' and are counted per agent.
// - A snapshot lands in the interval it names (phase, intervalIndex), however late it arrives.
// - Percentiles are only ever read from merged HDR histograms, never averaged.
// - At Done, the agent's merged deltas are checked against its cumulative figures per phase. Deltas that
//   never arrived (seq gaps) are added into the phase and agent totals as "cumulative minus merged", so the
//   totals equal the agents' own truth; such a repair (or an impossible excess) is reported, never hidden.
//   A repaired difference belongs to no interval: the per-interval series can be short, the totals cannot.
//   The figures per request name and per scenario are checked and repaired the same way, once per
//   agent (merge/requests.ts); a seq arriving after their repair only fills its interval.
// - Malformed input (bad seq, negative counters, undecodable histograms, a snapshot beyond Done's
//   lastSeq) and input beyond the run's bounds (run/agent-bounds.ts: interval index, seq and lastSeq, arrivals
//   and requests per agent and phase, request names per agent and run) or inconsistent in itself
//   (statuses + errors > requests; failed beyond its status's responses; more histogram values than requests; a Done's requests > its sent) throws LoadfleetError PROTOCOL_VIOLATION
//   naming the wire field, before any state changes; the caller cuts that agent's stream.
//
// Memory: per agent and per phase four live histograms (~90 KB each: cumulative latency/service per
// phase); the per-interval series keeps only its newest intervals live (merge/intervals.ts).
// Measured: ~20 MB for 5 agents x 3,600 one-second intervals.
// CPU: snapshots are decoded sparse and only their non-zero counts added (common/metrics/histogram.ts), since a
// full hdr-histogram-js decode plus six histogram adds over ~22k counts each costs ~1.3 ms per snapshot;
// bench/coordinator-scale.ts measures the coordinator at scale.
import type { Histogram } from '../../common/metrics/histogram.js';
import { addHistogram, encodeHistogram, excessOver, latencyMs, newHistogram } from '../../common/metrics/histogram.js';
import type { Phase, Stats } from '../../common/metrics/stats.js';
import type { Counters } from '../../common/metrics/counters.js';
import { addCounters, emptyCounters, errorTotal, failedTotal, withErrorTotal } from '../../common/metrics/counters.js';
import { LoadfleetError } from '../../common/runtime/errors.js';
import { consistencyProblems, counterProblems, diffCounters, isZero, nameOver } from './counter-checks.js';
import { decodeDone, decodeSnapshot, violation } from './decode.js';
import type { DecodedDelta, HistogramPair } from './decode.js';
import { IntervalSeries } from './intervals.js';
import type { AggregatorBounds } from '../run/agent-bounds.js';
import { RequestNameMerge } from './requests.js';
import type { RequestLiveSet } from './requests.js';

export type { FlowTotals, RequestLive, RequestLiveSet, RequestTotals, ScenarioTotals } from './requests.js';
import { TimingMerge, decodeTiming, freeTiming } from './timing.js';
import type { DecodedTiming } from './timing.js';
import type { IntervalFigures } from './intervals.js';

export type { IntervalFigures } from './intervals.js';
export { HOT_INTERVALS } from './intervals.js';

export type { AgentTotals, DoneIn, DoneResult, PhaseTotals, ReconciliationNote, ReconciliationStatus, SnapshotIn } from './figures.js';
import type { AgentTotals, DoneIn, DoneResult, PhaseTotals, ReconciliationNote, ReconciliationStatus, SnapshotIn } from './figures.js';

interface Acc {
  counters: Counters;
  latency: Histogram;
  service: Histogram;
  eventLoopDelayP99MsMax: number;
  scheduleLagP99MsMax: number;
  scheduleLagP99MsWholeRun: number;
  inFlightPeakMax: number;
  coveredMs: number;
}

interface AgentState {
  seenUpTo: number; // every seq in 1..seenUpTo was merged
  seenAbove: Set<number>; // merged seqs > seenUpTo
  merged: number;
  duplicates: number;
  phases: Record<Phase, Acc>;
  done: DoneState | undefined;
}

interface DoneState {
  lastSeq: number;
  durationMs: number;
  result: DoneResult;
  status: ReconciliationStatus;
  /** Seqs up to lastSeq never merged before Done; they may still arrive late. */
  missing: Set<number>;
  /** Phases whose totals received "cumulative minus merged" (so they already hold the missing deltas). */
  repaired: Set<Phase>;
  notes: string[];
}

interface PhaseState {
  series: IntervalSeries;
  totals: Acc;
  requestNames: RequestNameMerge;
  /** The request timing breakdown (merge/timing.ts). */
  timing: TimingMerge;
}

const PHASES: readonly Phase[] = ['warmup', 'main'];

function newAcc(): Acc {
  return { counters: emptyCounters(), latency: newHistogram(), service: newHistogram(), eventLoopDelayP99MsMax: 0, scheduleLagP99MsMax: 0, scheduleLagP99MsWholeRun: 0, inFlightPeakMax: 0, coveredMs: 0 };
}

function destroyAcc(a: Acc): void {
  a.latency.destroy();
  a.service.destroy();
}

const SEVERITY: Record<Exclude<ReconciliationStatus, 'no-done'>, number> = { exact: 0, repaired: 1, mismatch: 2 };

/** A Done's reconciliation as it is worked out: the worst status met so far, and what was found. */
class Outcome {
  status: Exclude<ReconciliationStatus, 'no-done'> = 'exact';
  readonly details: string[] = [];

  raise(to: Exclude<ReconciliationStatus, 'no-done'>): void {
    if (SEVERITY[to] > SEVERITY[this.status]) this.status = to;
  }
}

/**
 * The seqs up to `lastSeq` this agent's deltas never brought (they may still arrive late); seqs merged
 * beyond lastSeq make the outcome a mismatch.
 */
function seqsMissing(agent: AgentState, lastSeq: number, outcome: Outcome): Set<number> {
  const missing = new Set<number>();
  for (let seq = agent.seenUpTo + 1; seq <= lastSeq; seq++) if (!agent.seenAbove.has(seq)) missing.add(seq);
  const beyond = [...agent.seenAbove].filter((seq) => seq > lastSeq).length + Math.max(0, agent.seenUpTo - lastSeq);
  if (missing.size > 0) {
    outcome.raise('repaired');
    outcome.details.push(`${missing.size} of ${lastSeq} snapshot(s) missing (${describeSeqs(missing)})`);
  }
  if (beyond > 0) {
    outcome.raise('mismatch');
    outcome.details.push(`${beyond} snapshot(s) merged beyond lastSeq ${lastSeq}`);
  }
  return missing;
}

export class Aggregator {
  readonly #intervalMs: number;
  readonly #maxIntervalIndex: number;
  readonly #phases: Record<Phase, PhaseState>;
  readonly #agents = new Map<string, AgentState>();
  readonly #bounds: AggregatorBounds | undefined;
  #destroyed = false;

  /**
   * maxIntervals guards memory against a wild intervalIndex (default: 24 hours of intervals); `bounds`
   * (coordinator/run/agent-bounds.ts) holds each agent to what the run's schedule allows.
   */
  constructor(opts: { intervalMs: number; maxIntervals?: number; bounds?: AggregatorBounds }) {
    if (!(opts.intervalMs > 0)) throw new LoadfleetError('INTERNAL', `intervalMs must be > 0, got ${opts.intervalMs}`);
    this.#intervalMs = opts.intervalMs;
    this.#maxIntervalIndex = (opts.maxIntervals ?? Math.ceil(86_400_000 / opts.intervalMs)) - 1;
    this.#bounds = opts.bounds;
    const phase = (): PhaseState => ({ series: new IntervalSeries(opts.intervalMs), totals: newAcc(), requestNames: new RequestNameMerge(), timing: new TimingMerge() });
    this.#phases = { warmup: phase(), main: phase() };
  }

  /** Length of one interval, as configured (IntervalFigures.rps divides by it). */
  get intervalMs(): number {
    return this.#intervalMs;
  }

  addSnapshot(s: SnapshotIn): 'merged' | 'duplicate' {
    this.#alive();
    const where = `snapshot seq ${s.seq} of agent ${s.agentId}`;
    this.#checkSnapshot(s, where);
    const agent = this.#agent(s.agentId);
    if (s.seq <= agent.seenUpTo || agent.seenAbove.has(s.seq)) {
      agent.duplicates++;
      return 'duplicate';
    }
    this.#checkAgainstAgent(s, agent, where);
    const timing = decodeTiming(s.stats, where, 'snapshot.stats');
    let delta: DecodedDelta;
    try {
      delta = decodeSnapshot(s.stats, where);
    } catch (e) {
      freeTiming(timing);
      throw e;
    }
    // The timing breakdown goes into the totals like the rest: unless this agent's phase was repaired at Done.
    const timingInTotals = agent.done?.repaired.has(s.phase) !== true;
    try {
      this.#mergeSnapshot(s, agent, delta);
    } finally {
      delta.figures.latency.destroy();
      delta.figures.service.destroy();
      if (timingInTotals) this.#phases[s.phase].timing.add(s.agentId, timing);
      else freeTiming(timing);
    }
    return 'merged';
  }

  /** Throws PROTOCOL_VIOLATION naming the first field of `s` that is malformed or outside the run's bounds (whoever sent it). */
  #checkSnapshot(s: SnapshotIn, where: string): void {
    if (typeof s.agentId !== 'string' || s.agentId === '') throw violation('snapshot without agent id');
    if (!Number.isSafeInteger(s.seq) || s.seq < 1) throw violation(`${where}: seq must be a whole number >= 1`);
    if (s.phase !== 'warmup' && s.phase !== 'main') throw violation(`${where}: unknown phase "${String(s.phase)}"`);
    const maxIndex = Math.min(this.#maxIntervalIndex, this.#bounds?.maxIntervalIndex[s.phase] ?? Infinity);
    if (!Number.isSafeInteger(s.intervalIndex) || s.intervalIndex < 0 || s.intervalIndex > maxIndex) {
      throw violation(`${where}: snapshot.intervalIndex ${s.intervalIndex} is outside this run's ${s.phase} phase (0..${maxIndex})`);
    }
    if (this.#bounds !== undefined && s.seq > this.#bounds.maxSeq) {
      throw violation(`${where}: snapshot.seq is beyond what this run's schedule allows (at most ${this.#bounds.maxSeq})`);
    }
    const problems = [...counterProblems(s.stats), ...consistencyProblems(s.stats)];
    if (problems.length > 0) throw violation(`${where}: snapshot.stats: ${problems.join('; ')}`);
  }

  /**
   * Throws PROTOCOL_VIOLATION when `s` (a new seq of `agent`) would take the agent past what the run's
   * schedule allows, or arrives after the agent's Done without being one of the seqs it missed.
   */
  #checkAgainstAgent(s: SnapshotIn, agent: AgentState, where: string): void {
    if (this.#bounds !== undefined) {
      // Cumulative per agent and phase: what it merged so far plus this delta, against the schedule.
      const max = this.#bounds.maxSent(s.phase);
      const own = agent.phases[s.phase].counters;
      const arrivals = own.sent + own.dropped + s.stats.sent + s.stats.dropped;
      if (arrivals > max) {
        throw violation(`${where}: snapshot.stats.sent ${s.stats.sent} (dropped ${s.stats.dropped}) takes this agent's ${s.phase} phase to ${arrivals} arrivals, over the ${max} this run's schedule allows`);
      }
      const requests = own.requests + s.stats.requests;
      if (requests > max) {
        throw violation(`${where}: snapshot.stats.requests ${s.stats.requests} takes this agent's ${s.phase} phase to ${requests} requests, over the ${max} this run's schedule allows`);
      }
      const name = nameOver(s.stats, max);
      if (name !== undefined) throw violation(`${where}: snapshot.stats.langJson.${name}, over the ${max} this run's schedule allows`);
    }
    if (s.stats.requestNames !== undefined) {
      const why = this.#phases[s.phase].requestNames.namesProblem(s.agentId, s.stats.requestNames, this.#bounds?.maxRunNames);
      if (why !== undefined) throw violation(`${where}: snapshot.stats.langJson: ${why}`);
    }
    // After Done, only the seqs that were missing at Done may still arrive.
    const done = agent.done;
    if (done !== undefined && !done.missing.has(s.seq)) {
      throw violation(`${where}: arrived after Done (lastSeq ${done.lastSeq}) and is not one of its missing seqs`);
    }
  }

  /**
   * Merges a checked, new seq into its interval, and into the agent's and the phase's totals unless its
   * phase was already repaired at Done. `decoded.requestNames` is freed here; `decoded.figures` are the caller's.
   */
  #mergeSnapshot(s: SnapshotIn, agent: AgentState, decoded: DecodedDelta): void {
    const { figures: delta, requestNames } = decoded;
    const done = agent.done;
    markSeen(agent, s.seq);
    agent.merged++;
    const phase = this.#phases[s.phase];
    const fleetPeak = phase.series.merge(s, delta);
    // A late seq whose phase was repaired at Done is already in the totals: it only fills in its interval.
    const inTotalsAlready = done !== undefined && done.repaired.has(s.phase);
    if (done !== undefined) {
      done.missing.delete(s.seq);
      done.notes.push(
        `seq ${s.seq} arrived after Done: merged into ${s.phase} interval ${s.intervalIndex}` +
          (inTotalsAlready ? ' (its figures were already in the totals)' : ' and into the totals'),
      );
    }
    if (!inTotalsAlready) {
      const own = agent.phases[s.phase];
      for (const a of [own, phase.totals]) {
        addCounters(a.counters, s.stats);
        addHistogram(a.latency, delta.latency);
        addHistogram(a.service, delta.service);
        a.eventLoopDelayP99MsMax = Math.max(a.eventLoopDelayP99MsMax, s.stats.eventLoopDelayP99Ms);
        a.scheduleLagP99MsMax = Math.max(a.scheduleLagP99MsMax, s.stats.scheduleLagP99Ms);
      }
      own.inFlightPeakMax = Math.max(own.inFlightPeakMax, s.stats.inFlightPeak);
      own.coveredMs += Math.max(0, s.intervalMs);
    }
    // Per request name: once per merged seq, like everything above; after this agent's per-request
    // repair at Done only into its interval (merge/requests.ts).
    if (requestNames !== undefined && s.stats.requestNames !== undefined) phase.requestNames.add(s.agentId, s.intervalIndex, s.stats.requestNames, requestNames);
    phase.totals.inFlightPeakMax = Math.max(phase.totals.inFlightPeakMax, fleetPeak);
  }

  addDone(d: DoneIn): DoneResult {
    this.#alive();
    const agent = this.#agent(d.agentId);
    if (agent.done !== undefined) {
      const prev = agent.done.result;
      return { reconciled: prev.reconciled, detail: `duplicate Done ignored${prev.detail === undefined ? '' : `; ${prev.detail}`}` };
    }
    const where = `Done of agent ${d.agentId}`;
    this.#checkDone(d, where);
    const cumTiming = decodeDoneTiming(d, where);
    let cumulative: ReturnType<typeof decodeDone>;
    try {
      cumulative = decodeDone(d, where);
    } catch (e) {
      for (const t of Object.values(cumTiming)) freeTiming(t);
      throw e;
    }
    const outcome = new Outcome();
    const missing = seqsMissing(agent, d.lastSeq, outcome);
    const repaired = new Set<Phase>();
    for (const p of PHASES) {
      if (this.#reconcilePhase(agent, p, d[p], cumulative[p].figures, outcome)) repaired.add(p);
      // The timing breakdown: repaired with its phase (merge/timing.ts).
      if (repaired.has(p)) {
        const excess = this.#phases[p].timing.repair(d.agentId, cumTiming[p]);
        if (excess.length > 0) {
          outcome.raise('mismatch');
          outcome.details.push(`${p}: timing: merged deltas exceed the cumulative figures (${excess.join(', ')}); left as merged`);
        }
      } else freeTiming(cumTiming[p]);
      // Per request name, the same check and repair (exactly once: a second Done is ignored above).
      const r = this.#phases[p].requestNames.repair(d.agentId, d[p].requestNames, cumulative[p].requestNames);
      outcome.raise(r.status);
      if (r.detail !== undefined) outcome.details.push(`${p}: ${r.detail}`);
    }
    const result: DoneResult = outcome.status === 'exact' ? { reconciled: true } : { reconciled: false, detail: outcome.details.join('; ') };
    agent.done = { lastSeq: d.lastSeq, durationMs: d.durationMs, result, status: outcome.status, missing, repaired, notes: [] };
    return result;
  }

  /** Throws PROTOCOL_VIOLATION naming the first field of `d` that is malformed or beyond the run's bounds. */
  #checkDone(d: DoneIn, where: string): void {
    if (!Number.isSafeInteger(d.lastSeq) || d.lastSeq < 0) throw violation(`${where}: done.lastSeq must be a whole number >= 0`);
    // Bounded before anything is built from it (the missing seqs are a set up to lastSeq).
    if (this.#bounds !== undefined && d.lastSeq > this.#bounds.maxSeq) {
      throw violation(`${where}: done.lastSeq ${d.lastSeq} is beyond what this run's schedule allows (at most ${this.#bounds.maxSeq})`);
    }
    for (const p of PHASES) {
      const problems = [...counterProblems(d[p]), ...consistencyProblems(d[p])];
      if (problems.length > 0) throw violation(`${where}: done.${p}: ${problems.join('; ')}`);
      if (this.#bounds !== undefined) {
        const max = this.#bounds.maxSent(p);
        if (d[p].sent + d[p].dropped > max) throw violation(`${where}: done.${p}.sent: ${d[p].sent + d[p].dropped} arrivals (sent + dropped), over the ${max} this run's schedule allows`);
        const name = nameOver(d[p], max);
        if (name !== undefined) throw violation(`${where}: done.${p}.langJson.${name}, over the ${max} this run's schedule allows`);
      }
      const requestNames = d[p].requestNames;
      if (requestNames !== undefined) {
        const why = this.#phases[p].requestNames.namesProblem(d.agentId, requestNames, this.#bounds?.maxRunNames);
        if (why !== undefined) throw violation(`${where}: done.${p}.langJson: ${why}`);
      }
    }
    if (d.main.requests + d.warmup.requests > d.main.sent + d.warmup.sent) {
      throw violation(`${where}: done.main.requests: ${d.main.requests + d.warmup.requests} requests ended but ${d.main.sent + d.warmup.sent} were sent`);
    }
  }

  /**
   * One phase of a Done: `truth` (its cumulative figures, `cum` their decoded histograms, destroyed here)
   * against what this agent's deltas brought. Adds "cumulative minus merged" into the agent's and the
   * phase's totals when deltas are missing (returns true then); leaves the merged figures as they are when
   * they exceed the cumulative ones. Raises `outcome` accordingly.
   */
  #reconcilePhase(agent: AgentState, p: Phase, truth: Stats, cum: HistogramPair, outcome: Outcome): boolean {
    const own = agent.phases[p];
    const totals = this.#phases[p].totals;
    let repaired = false;
    try {
      const { diff, excess } = diffCounters(truth, own.counters);
      const excessLatency = excessOver(own.latency, cum.latency);
      const excessService = excessOver(own.service, cum.service);
      if (excess.length > 0 || excessLatency > 0 || excessService > 0) {
        outcome.raise('mismatch');
        const parts = [...excess];
        if (excessLatency > 0) parts.push(`latency histogram +${excessLatency}`);
        if (excessService > 0) parts.push(`service histogram +${excessService}`);
        outcome.details.push(`${p}: merged deltas exceed the cumulative figures (${parts.join(', ')}); left as merged`);
      } else {
        const repairedLatency = cum.latency.totalCount - own.latency.totalCount;
        const repairedService = cum.service.totalCount - own.service.totalCount;
        if (!isZero(diff) || repairedLatency > 0 || repairedService > 0) {
          outcome.raise('repaired');
          // Safe: own is contained in cum value by value, so no bucket goes negative. The difference keeps
          // cum's min/max, which is harmless: the targets already (or now) hold cum's values.
          cum.latency.subtract(own.latency);
          cum.service.subtract(own.service);
          for (const a of [own, totals]) {
            addCounters(a.counters, diff);
            a.latency.add(cum.latency);
            a.service.add(cum.service);
          }
          repaired = true;
          outcome.details.push(`${p}: added ${diff.requests} request(s), ${repairedLatency} latency value(s) from the cumulative figures`);
        }
      }
      for (const a of [own, totals]) {
        a.eventLoopDelayP99MsMax = Math.max(a.eventLoopDelayP99MsMax, truth.eventLoopDelayP99Ms);
        a.scheduleLagP99MsMax = Math.max(a.scheduleLagP99MsMax, truth.scheduleLagP99Ms);
        a.scheduleLagP99MsWholeRun = Math.max(a.scheduleLagP99MsWholeRun, truth.scheduleLagP99Ms);
        a.inFlightPeakMax = Math.max(a.inFlightPeakMax, truth.inFlightPeak);
      }
    } finally {
      cum.latency.destroy();
      cum.service.destroy();
    }
    return repaired;
  }

  interval(phase: Phase, index: number): IntervalFigures | undefined {
    this.#alive();
    return this.#phases[phase].series.get(index);
  }

  /** Dense: indexes 0..highest seen; intervals nobody reported are empty figures. */
  intervals(phase: Phase): IntervalFigures[] {
    this.#alive();
    return this.#phases[phase].series.all();
  }

  /** Dense like intervals(): each interval's merged latency histogram, encoded ("" when empty). */
  intervalLatencyHists(phase: Phase): string[] {
    this.#alive();
    return this.#phases[phase].series.allEncodedLatency();
  }

  totals(phase: Phase): PhaseTotals {
    this.#alive();
    const t = this.#phases[phase].totals;
    return {
      ...withErrorTotal(t.counters),
      latencyMs: latencyMs(t.latency),
      serviceMs: latencyMs(t.service),
      latencyHist: encodeHistogram(t.latency),
      serviceHist: encodeHistogram(t.service),
      eventLoopDelayP99MsMax: t.eventLoopDelayP99MsMax,
      scheduleLagP99MsMax: t.scheduleLagP99MsMax,
      scheduleLagP99MsWholeRun: t.scheduleLagP99MsWholeRun,
      inFlightPeakMax: t.inFlightPeakMax,
      ...this.#phases[phase].requestNames.totals(),
      timing: this.#phases[phase].timing.totals(),
    };
  }

  /**
   * The live view per request name: the interval's figures (undefined when not kept or none reported)
   * and the phase's so far, each the `limit` names with most requests. Cheap enough for every tick.
   */
  liveRequests(phase: Phase, index: number, limit: number): { interval: RequestLiveSet | undefined; soFar: RequestLiveSet } {
    this.#alive();
    const r = this.#phases[phase].requestNames;
    return { interval: r.liveInterval(index, this.#intervalMs, limit), soFar: r.liveSoFar(this.#intervalMs, limit) };
  }

  /** Main phase per agent, in the order agents first reported. */
  perAgent(): AgentTotals[] {
    this.#alive();
    return [...this.#agents].map(([agentId, a]) => {
      const m = a.phases.main;
      const durationMs = a.done?.durationMs ?? m.coveredMs;
      const lat = latencyMs(m.latency);
      return {
        agentId,
        requests: m.counters.requests,
        sent: m.counters.sent,
        rps: durationMs > 0 ? m.counters.requests / (durationMs / 1000) : 0,
        errors: errorTotal(m.counters.errorsByKind),
        failed: failedTotal(m.counters.failedByStatus),
        dropped: m.counters.dropped,
        latencyP50Ms: lat.p50,
        latencyP99Ms: lat.p99,
        eventLoopDelayP99MsMax: m.eventLoopDelayP99MsMax,
        scheduleLagP99MsMax: m.scheduleLagP99MsMax,
        scheduleLagP99MsWholeRun: m.scheduleLagP99MsWholeRun,
        snapshotsMerged: a.merged,
        duplicatesIgnored: a.duplicates,
        durationMs,
        reconciliation: a.done?.status ?? 'no-done',
      };
    });
  }

  /** One note per agent: how its merged deltas compared with its Done figures. */
  reconciliation(): ReconciliationNote[] {
    this.#alive();
    return [...this.#agents].map(([agentId, a]) => {
      if (a.done === undefined) {
        return { agentId, status: 'no-done', detail: `no Done received; totals hold the ${a.merged} snapshot(s) that arrived` };
      }
      const parts = [a.done.result.detail ?? `all ${a.done.lastSeq} snapshot(s) merged; deltas equal the cumulative figures`, ...a.done.notes];
      return { agentId, status: a.done.status, detail: parts.join('; ') };
    });
  }

  /** Frees every histogram. Idempotent; any later use throws INTERNAL. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    for (const p of PHASES) {
      const ps = this.#phases[p];
      ps.series.destroy();
      destroyAcc(ps.totals);
      ps.requestNames.destroy();
    }
    for (const a of this.#agents.values()) for (const p of PHASES) destroyAcc(a.phases[p]);
    this.#agents.clear();
  }

  #alive(): void {
    if (this.#destroyed) throw new LoadfleetError('INTERNAL', 'aggregator used after destroy()');
  }

  #agent(id: string): AgentState {
    let a = this.#agents.get(id);
    if (a === undefined) {
      a = { seenUpTo: 0, seenAbove: new Set(), merged: 0, duplicates: 0, phases: { warmup: newAcc(), main: newAcc() }, done: undefined };
      this.#agents.set(id, a);
    }
    return a;
  }
}

function markSeen(agent: AgentState, seq: number): void {
  agent.seenAbove.add(seq);
  while (agent.seenAbove.delete(agent.seenUpTo + 1)) agent.seenUpTo++;
}

/** "3, 7-9, 12" for a set of seqs (first 10 ranges). */
function describeSeqs(seqs: Set<number>): string {
  const sorted = [...seqs].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] as number) + 1) j++;
    ranges.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return ranges.length > 10 ? `seq ${ranges.slice(0, 10).join(', ')}, ...` : `seq ${ranges.join(', ')}`;
}


/** Each phase's timing histograms of a Done, decoded (or PROTOCOL_VIOLATION, nothing left to free). */
function decodeDoneTiming(d: DoneIn, where: string): Record<Phase, DecodedTiming> {
  const warmup = decodeTiming(d.warmup, where, 'done.warmup');
  try {
    return { warmup, main: decodeTiming(d.main, where, 'done.main') };
  } catch (e) {
    freeTiming(warmup);
    throw e;
  }
}
