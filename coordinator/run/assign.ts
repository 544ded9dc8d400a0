// Assignments of one run: each member's plan (the first agents' at the
// start, a joiner's fitted to the run part-way through) and its sending, always after the member's data
// (data/delivery.ts: chunked files' pieces, a first block of each `unique` feeder). The run's data books
// (RunData: the row pools, the pieces) live here; the run forwards the agents' row messages to them.
import { LoadfleetError } from '../../common/runtime/errors.js';
import type { CoordMsg } from '../../common/protocol/messages.js';
import type { AgentPlan, Segment } from '../../common/plan/agent-plan.js';
import type { Scenario } from '../../common/scenario/scenario.js';
import { planRun } from '../schedule/planner.js';
import { RunData } from '../data/delivery.js';
import type { DataPieces } from '../data/delivery.js';
import type { Member } from './members.js';

export interface RunAssignerOptions {
  runId: string;
  scenario: Scenario;
  snapshotIntervalMs: number;
  send: (agentId: string, m: CoordMsg) => boolean;
  notice: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** The chunked data files' pieces (data/delivery.ts prepareDataPieces); built at once when absent. */
  pieces: DataPieces | undefined;
  /** Setup's newest values (every plan carries them, a joiner's too); undefined: the scenario has no setup. */
  setupValues?: () => Record<string, unknown> | undefined;
}

export class RunAssigner {
  /** Data files in chunks and the `unique` rows' hand-out. */
  readonly data: RunData;
  private readonly opts: RunAssignerOptions;

  constructor(opts: RunAssignerOptions) {
    this.opts = opts;
    this.data = new RunData({
      runId: opts.runId, program: opts.scenario.program, send: opts.send, notice: opts.notice, pieces: opts.pieces,
    });
  }

  /** The plans of these agents sharing the scenario's load, by agent id. */
  plans(agentIds: readonly string[]): Map<string, AgentPlan> {
    const { runId, snapshotIntervalMs } = this.opts;
    const plans = planRun(this.opts.scenario, agentIds, { runId, snapshotIntervalMs, data: this.data.delivery });
    const values = this.opts.setupValues?.();
    if (values !== undefined) for (const plan of plans.values()) plan.setupValues = values;
    return plans;
  }

  /** The plan of one agent joining the run (for fitJoiner, alignJoiner, giveShares). */
  joinerPlan(agentId: string): AgentPlan {
    const [plan] = this.plans([agentId]).values();
    if (plan === undefined) throw new LoadfleetError('INTERNAL', `no plan for joining agent ${agentId}`);
    return plan;
  }

  /**
   * Sends the member its data ahead (a first `unique` block: its fair part of the pool among `sharers`;
   * the pieces unless `piecesSent`) then its Assign. False when its stream closed meanwhile.
   */
  send(m: Member, plan: AgentPlan, sharers: number, piecesSent = false): boolean {
    return this.data.sendAhead(m.agentId, m.key, m.assignment, plan, sharers, piecesSent)
      && this.opts.send(m.agentId, { kind: 'assign', runId: this.opts.runId, assignment: m.assignment, planJson: JSON.stringify(plan) });
  }
}

/** A joiner's plan for one agent: a 1/n part (n: live members with it) of the in-flight caps and connections. */
export function fitJoiner(plan: AgentPlan, n: number): void {
  plan.maxInFlight = Math.max(1, Math.ceil(plan.maxInFlight / n));
  plan.connections = Math.max(1, Math.ceil(plan.connections / n));
  if (plan.scenarios !== undefined) {
    for (const sc of plan.scenarios) sc.maxInFlight = Math.max(1, Math.ceil(sc.maxInFlight / n));
    plan.maxInFlight = plan.scenarios.reduce((sum, sc) => sum + sc.maxInFlight, 0);
  }
}

/**
 * A joiner in the main phase, mainElapsedMs into it: no warm-up, and its intervals fall on the run's: the
 * first one ends at the next boundary (one more if that is too close to matter), so each of its deltas
 * counts in the interval it covers. Returns the interval before its first (the member's lastIndex.main).
 */
export function alignJoiner(plan: AgentPlan, mainElapsedMs: number, intervalMs: number): number {
  plan.warmupMs = 0;
  let offset = Math.floor(mainElapsedMs / intervalMs);
  let firstMs = (offset + 1) * intervalMs - mainElapsedMs;
  if (firstMs < intervalMs / 10) {
    offset++;
    firstMs += intervalMs;
  }
  plan.intervalOffset = offset;
  plan.firstIntervalMs = firstMs;
  return offset - 1;
}

/**
 * Gives the joiner's plan its shares (per scenario, in order). False, leaving the plan as it was, when no
 * share has time left in it. A scenario whose schedule already ended runs nothing (it needs a segment:
 * one of 0 for 1 ms).
 */
export function giveShares(plan: AgentPlan, shares: readonly Segment[][]): boolean {
  if (shares.every((segs) => segs.length === 0 || segs.every((s) => s.durationMs <= 0))) return false;
  const owned = shares.map((segs) => (segs.length === 0 ? [{ durationMs: 1, from: 0, to: 0 }] : segs));
  plan.segments = owned[0] ?? [];
  plan.scenarios?.forEach((sc, i) => { sc.segments = owned[i] ?? []; });
  return true;
}
