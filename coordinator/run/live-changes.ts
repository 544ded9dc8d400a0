// Live changes of one run (owned by test-run.ts; run/member-life.ts also calls sendShares() to reshare)
// and the members' shares of each scenario's schedule.
//
// The fleet's schedule of each scenario is the scenario file's after every live change so far (rateChanges, in
// order); a live member's share is its weight's part of that schedule's tail from now. Every change of
// shares (a rate or loop change, a join, a leave, a loss, a saturation move) gets a changeId, one
// timeline event and a ShareChange to each live member; the members' Applied acknowledgements land in that
// event, and callers may wait for them (whenApplied). The run checks that it is running first.
import { LoadfleetError, assertNever } from '../../common/runtime/errors.js';
import { describeChange } from '../../common/protocol/live-change.js';
import type { LiveChange } from '../../common/protocol/live-change.js';
import type { CoordMsg } from '../../common/protocol/messages.js';
import type { Clock } from '../../common/runtime/clock.js';
import type { Scenario } from '../../common/scenario/scenario.js';
import type { Segment } from '../../common/plan/agent-plan.js';
import { scenarioSchedules } from '../schedule/replay.js';
import type { ScenarioSchedule } from '../schedule/replay.js';
import type { RateChange, TimelineEvent } from '../report/report.js';
import { scenarioFor, scenarioShares } from './scenarios.js';
import { round1 } from './members.js';
import type { RunMembers } from './members.js';
import type { RunTimeline } from './timeline.js';

/** How long a live change waits for acknowledgements before callers stop waiting. */
const APPLY_WAIT_MS = 2_000;

/** The scenario a live change is for (run/scenarios.ts scenarioFor). */
export type ChangedScenario = ReturnType<typeof scenarioFor>;

interface PendingChange {
  event: TimelineEvent;
  sentAtMs: number;
  expected: Set<string>;
  waiters: (() => void)[];
}

export interface LiveChangesOptions {
  runId: string;
  scenario: Scenario;
  clock: Clock;
  send: (agentId: string, m: CoordMsg) => boolean;
  members: RunMembers;
  /** Changes and shares start at its mainElapsedMs(); each change is one of its events. */
  timeline: RunTimeline;
  notice: (level: 'info', message: string) => void;
}

/**
 * The scenario a live change is for. Throws USAGE: the scenario is wrong (run/scenarios.ts scenarioFor),
 * or it runs the other load model.
 */
export function changedScenario(s: Scenario, change: LiveChange): ChangedScenario {
  const changed = scenarioFor(s, change.scenario);
  const which = s.parts === undefined ? 'this test' : `scenario "${changed.name}"`;
  switch (change.kind) {
    case 'rate':
      if (changed.model !== 'open') throw new LoadfleetError('USAGE', `${which} uses the closed model: change its concurrency, not its rate`);
      return changed;
    case 'loops':
      if (changed.model !== 'closed') throw new LoadfleetError('USAGE', `${which} uses the open model: change its rate, not its concurrency`);
      return changed;
    default:
      return assertNever(change);
  }
}

/** A live change as the report records it (report.json rateChanges, without its atMs). */
export function changeRecord(change: LiveChange, source: string): Omit<RateChange, 'atMs'> {
  const which = change.scenario === undefined ? {} : { scenario: change.scenario };
  switch (change.kind) {
    case 'rate':
      return { rateRps: change.rateRps, rampMs: change.rampMs, source, ...which };
    case 'loops':
      return { concurrency: change.loops, rampMs: 0, source, ...which };
    default:
      return assertNever(change);
  }
}

/** The timeline event kind of a live change. */
function timelineKind(change: LiveChange): 'rate' | 'concurrency' {
  switch (change.kind) {
    case 'rate':
      return 'rate';
    case 'loops':
      return 'concurrency';
    default:
      return assertNever(change);
  }
}

export class LiveChanges {
  /** Every live change of a rate or loop count, in order (the report's rateChanges). */
  readonly rateChanges: RateChange[] = [];
  private readonly opts: LiveChangesOptions;
  private readonly pending = new Map<number, PendingChange>();
  private changeId = 0;

  constructor(opts: LiveChangesOptions) {
    this.opts = opts;
  }

  /** Each scenario's fleet schedule after the live changes (one for a plain `load`). */
  schedules(): ScenarioSchedule[] {
    return scenarioSchedules(this.opts.scenario, this.rateChanges);
  }

  /** Per scenario (in order), each member's tail of that scenario's fleet schedule from main-phase tMs. */
  sharesAt(tMs: number, weights: ReadonlyMap<string, number>): Map<string, Segment[]>[] {
    return scenarioShares(this.schedules(), tMs, weights);
  }

  /**
   * Applies a live change: checks its scenario (changedScenario; throws USAGE), records it, and sends the
   * live members their new shares of that scenario.
   */
  apply(change: LiveChange, source: string): { changeId: number; agents: number } {
    const changed = changedScenario(this.opts.scenario, change);
    const multi = this.opts.scenario.parts !== undefined;
    const what = `${multi ? `${changed.name}: ` : ''}${describeChange(change)} (${source})`;
    const record = changeRecord(change, source);
    this.rateChanges.push({ atMs: this.opts.timeline.mainElapsedMs(), ...record });
    // The timeline event carries the figures, not the scenario (its detail names it).
    const { scenario: _scenario, ...figures } = record;
    const r = this.sendShares({ kind: timelineKind(change), detail: what, ...figures }, undefined, changed.index);
    this.opts.notice('info', `${what}, ${r.agents} agent(s)`);
    return r;
  }

  /**
   * Sends every live member (but skipKey) its share of the fleet's schedule as it is now (after a rate
   * change or a membership change; only scenario `onlyScenario` when given), records the change in the
   * timeline and tracks acknowledgements.
   */
  sendShares(base: Omit<TimelineEvent, 'atMs' | 'changeId'>, skipKey?: string, onlyScenario?: number): { changeId: number; agents: number } {
    const changeId = ++this.changeId;
    const event = this.opts.timeline.event({ ...base, changeId, acks: [] });
    const { members, runId } = this.opts;
    const live = members.live().filter((m) => m.key !== skipKey);
    const weights = members.weights();
    const t = this.opts.timeline.mainElapsedMs();
    const pending: PendingChange = { event, sentAtMs: this.opts.clock.nowMs(), expected: new Set(), waiters: [] };
    this.pending.set(changeId, pending);
    const multi = this.opts.scenario.parts !== undefined;
    const schedules = this.schedules();
    const shares = this.sharesAt(t, weights);
    schedules.forEach((sc, i) => {
      const tails = shares[i] as Map<string, Segment[]>;
      const scenario = multi ? { scenario: sc.name } : {};
      for (const m of live) {
        const tail = tails.get(m.key) ?? [];
        m.shares[i] = { model: sc.model, atMs: t, tail };
        // Several scenarios: a change of one is sent for that one only (the others' shares stand). A
        // scenario already over has nothing left to change.
        if (tail.length === 0 || (onlyScenario !== undefined && onlyScenario !== i)) continue;
        const share = { kind: sc.model === 'open' ? 'rate' as const : 'loops' as const, tail };
        if (this.opts.send(m.agentId, { kind: 'share-change', runId, assignment: m.assignment, changeId, share, ...scenario })) {
          pending.expected.add(m.key);
        }
      }
    });
    return { changeId, agents: live.length };
  }

  /** Member `key` acknowledged change `changeId` (once counts; unexpected ones are ignored). */
  onApplied(changeId: number, key: string): void {
    const c = this.pending.get(changeId);
    if (c === undefined || !c.expected.has(key)) return;
    const acks = (c.event.acks ??= []);
    if (acks.some((a) => a.agentId === key)) return;
    acks.push({ agentId: key, latencyMs: round1(this.opts.clock.nowMs() - c.sentAtMs) });
    if (acks.length >= c.expected.size) for (const w of c.waiters.splice(0)) w();
  }

  /** Resolves when every agent sent the change has acknowledged it, or after timeoutMs. */
  whenApplied(changeId: number, timeoutMs = APPLY_WAIT_MS): Promise<{ applied: number; expected: number; appliedMs: number }> {
    const c = this.pending.get(changeId);
    if (c === undefined) return Promise.resolve({ applied: 0, expected: 0, appliedMs: 0 });
    const result = (): { applied: number; expected: number; appliedMs: number } => {
      const acks = c.event.acks ?? [];
      return { applied: acks.length, expected: c.expected.size, appliedMs: Math.max(0, ...acks.map((a) => a.latencyMs)) };
    };
    if ((c.event.acks?.length ?? 0) >= c.expected.size) return Promise.resolve(result());
    return new Promise((resolve) => {
      const timer = this.opts.clock.after(timeoutMs, () => resolve(result()));
      c.waiters.push(() => {
        timer.cancel();
        resolve(result());
      });
    });
  }

  /** The run finished: whoever waits for acknowledgements stops waiting. */
  releaseWaiters(): void {
    for (const c of this.pending.values()) for (const w of c.waiters.splice(0)) w();
  }
}
