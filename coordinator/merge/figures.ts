// What the aggregator (coordinator/merge/aggregator.ts) takes, an agent's Snapshot and Done as their
// messages carry them, and the merged figures it gives: per phase, per agent, and how each agent's figures
// reconciled. Types only.
import type { TimingTotals } from './timing.js';
import type { LatencyMs } from '../../common/metrics/histogram.js';
import type { Phase } from '../../common/metrics/stats.js';
import type { Counters } from '../../common/metrics/counters.js';
import type { DoneMsg } from '../../common/protocol/messages.js';
import type { IntervalDelta } from './intervals.js';
import type { FlowTotals, RequestTotals, ScenarioTotals } from './requests.js';

/** One agent's snapshot, as its message carries it (common/protocol/messages.ts SnapshotMsg). */
export type SnapshotIn = IntervalDelta & { phase: Phase };

/** One agent's Done, as its message carries it (common/protocol/messages.ts DoneMsg). */
export type DoneIn = Pick<DoneMsg, 'lastSeq' | 'main' | 'warmup' | 'durationMs'> & { agentId: string };

/** A whole phase, merged across agents (and repaired from Done figures where deltas were missing). */
export interface PhaseTotals extends Counters {
  /** Transport errors: the total of errorsByKind. */
  errors: number;
  /** Failed requests (responses whose status was not expected): the total of failedByStatus. */
  failed: number;
  latencyMs: LatencyMs;
  serviceMs: LatencyMs;
  /** common/metrics/histogram.ts encoding of the merged histograms ("" when empty). */
  latencyHist: string;
  serviceHist: string;
  eventLoopDelayP99MsMax: number;
  scheduleLagP99MsMax: number;
  /** Largest whole-phase schedule-lag p99 of one agent (from its Done's cumulative figures; 0 before). */
  scheduleLagP99MsWholeRun: number;
  /** Largest interval inFlightPeak (or single agent's cumulative peak, whichever is larger). */
  inFlightPeakMax: number;
  /**
   * The scenario language: figures per request name ({} for a single-request run). Repaired at Done
   * like the totals above (merge/requests.ts), so they equal what the agents counted.
   */
  byRequestName: Record<string, RequestTotals>;
  /** Several scenarios at once: figures per scenario name, merged like byRequestName ({} otherwise). */
  byScenario: Record<string, ScenarioTotals>;
  /** The scenario language's flow runs (null for a single-request run). */
  flows: FlowTotals | null;
  /** The request timing breakdown (merge/timing.ts); absent only in figures not made by the aggregator. */
  timing?: TimingTotals;
}

export type ReconciliationStatus =
  | 'exact' //     every seq merged, deltas equal the cumulative figures
  | 'repaired' //  deltas were missing; the difference was added to the totals
  | 'mismatch' //  merged deltas exceed the cumulative figures: the totals may over-count
  | 'no-done'; //  the agent never sent Done: its totals are whatever deltas arrived

export interface ReconciliationNote {
  agentId: string;
  status: ReconciliationStatus;
  detail: string;
}

/** Main-phase figures of one agent. */
export interface AgentTotals {
  agentId: string;
  requests: number;
  sent: number;
  /** requests / main-phase duration (Done's durationMs, else the sum of its snapshots' intervalMs). */
  rps: number;
  errors: number;
  /** Failed requests (status not expected). */
  failed: number;
  dropped: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  eventLoopDelayP99MsMax: number;
  scheduleLagP99MsMax: number;
  /** Its Done's whole-phase schedule-lag p99 (0 before its Done). */
  scheduleLagP99MsWholeRun: number;
  snapshotsMerged: number;
  duplicatesIgnored: number;
  durationMs: number;
  reconciliation: ReconciliationStatus;
}

/** What addDone() concluded: reconciled, or why not. */
export interface DoneResult {
  reconciled: boolean;
  detail?: string;
}
