// The members of one run (owned by test-run.ts; run/live-changes.ts reads them, run/member-life.ts moves
// their state) and what the coordinator knows of each.
//
// Every Assign makes a member, keyed by agent id (first assignment) or `id#n` (the agent's n-th assignment
// in this run, e.g. after a reconnect). A member is live while assigned or running (it shares the fleet's
// schedule in proportion to its weight) and active while live or leaving (a Done is still owed). The
// run decides every state change; this file keeps the books. No clock: times come in as arguments.
import type { Phase } from '../../common/metrics/stats.js';
import type { Segment } from '../../common/plan/agent-plan.js';
import type { SnapshotMsg } from '../../common/protocol/messages.js';
import { isSaturated, saturationWhy } from '../report/saturation.js';
import { valueAt } from '../../common/plan/rate-schedule.js';

export type MemberState = 'assigned' | 'running' | 'leaving' | 'done' | 'failed' | 'lost';

export interface Member {
  key: string;
  agentId: string;
  host: string;
  assignment: number;
  state: MemberState;
  /** Relative capacity; lowered when the member saturates while others do not. */
  weight: number;
  /** Per scenario (index), its share of the schedule from main-phase ms `atMs` on: status reads the value now. */
  shares: ShareTail[];
  lastIndex: Record<Phase, number>;
  /** Coordinator clock of the last snapshot (for its age in status). */
  lastSnapshotAtMs: number | undefined;
  last: { rps: number; eventLoopP99Ms: number; scheduleLagP99Ms: number; dropped: number; sent: number } | undefined;
}

export interface ShareTail {
  model: 'open' | 'closed';
  atMs: number;
  tail: Segment[];
}

export interface MemberStatus {
  id: string;
  agentId: string;
  host: string;
  state: MemberState;
  rateRps: number;
  concurrency: number;
  weight: number;
  achievedRps: number | null;
  eventLoopP99Ms: number | null;
  scheduleLagP99Ms: number | null;
  lastSnapshotAgeMs: number | null;
}

/** Takes a share of the fleet's schedule. */
export const isLive = (m: Member): boolean => m.state === 'assigned' || m.state === 'running';
/** Still owes its Done. */
export const isActive = (m: Member): boolean => isLive(m) || m.state === 'leaving';

export class RunMembers {
  private readonly byKey = new Map<string, Member>();
  /** Per agent, its assignments in this run so far (kept when a join is taken back). */
  private readonly assignments = new Map<string, number>();

  /** A new member: the agent's next assignment, assigned, weight 1. */
  add(agentId: string, host: string): Member {
    const assignment = (this.assignments.get(agentId) ?? 0) + 1;
    this.assignments.set(agentId, assignment);
    const m: Member = {
      key: keyOf(agentId, assignment), agentId, host, assignment, state: 'assigned', weight: 1, shares: [],
      lastIndex: { warmup: -1, main: -1 }, lastSnapshotAtMs: undefined, last: undefined,
    };
    this.byKey.set(m.key, m);
    return m;
  }

  /** Takes back a member whose Assign was never sent (its assignment number stays used). */
  remove(m: Member): void {
    this.byKey.delete(m.key);
  }

  get(agentId: string, assignment: number): Member | undefined {
    return this.byKey.get(keyOf(agentId, assignment));
  }

  /** Every member, past or present, in the order they were added. */
  all(): Member[] {
    return [...this.byKey.values()];
  }

  live(): Member[] {
    return this.all().filter(isLive);
  }

  /** Live members' weights (plus `extra`, a member about to be live), by key. */
  weights(extra?: Member): Map<string, number> {
    const live = this.live();
    if (extra !== undefined && !live.includes(extra)) live.push(extra);
    return new Map(live.map((m) => [m.key, m.weight]));
  }

  /** The agent had an assignment in this run. */
  hasAgent(agentId: string): boolean {
    return this.assignments.has(agentId);
  }

  /** `mainElapsedMs`: the run's main-phase ms now (a share is read there; warm-up: its first value). */
  statuses(nowMs: number, mainElapsedMs: number): MemberStatus[] {
    return this.all().map((m) => ({
      id: m.key, agentId: m.agentId, host: m.host, state: m.state,
      rateRps: round3(shareNow(m, 'open', mainElapsedMs)), concurrency: Math.round(shareNow(m, 'closed', mainElapsedMs)), weight: round3(m.weight),
      achievedRps: m.last === undefined ? null : round1(m.last.rps),
      eventLoopP99Ms: m.last?.eventLoopP99Ms ?? null,
      scheduleLagP99Ms: m.last?.scheduleLagP99Ms ?? null,
      lastSnapshotAgeMs: m.lastSnapshotAtMs === undefined ? null : Math.round(nowMs - m.lastSnapshotAtMs),
    }));
  }
}

function keyOf(agentId: string, assignment: number): string {
  return assignment <= 1 ? agentId : `${agentId}#${assignment}`;
}

/** The member's share of `model` scenarios at main-phase ms `mainMs` (a live member; 0 for one that ended). */
function shareNow(m: Member, model: 'open' | 'closed', mainMs: number): number {
  if (!isLive(m)) return 0;
  return m.shares.filter((s) => s.model === model).reduce((sum, s) => sum + valueAt(s.tail, Math.max(0, mainMs - s.atMs)), 0);
}

/** The member's plan as its shares from main-phase ms `atMs` (its segments' start) on, for status. */
export function noteShares(m: Member, plan: { model: 'open' | 'closed'; segments: Segment[]; scenarios?: { model: 'open' | 'closed'; segments: Segment[] }[] | undefined }, atMs: number): void {
  const scenarios = plan.scenarios ?? [plan];
  m.shares = scenarios.map((p) => ({ model: p.model, atMs, tail: p.segments }));
}

/**
 * A snapshot of the member arrived at nowMs (coordinator clock): its newest interval per phase and, for
 * a main-phase delta with time in it, its last figures. Returns the phase's newest interval before it.
 */
export function noteSnapshot(m: Member, msg: SnapshotMsg, nowMs: number): number {
  const before = m.lastIndex[msg.phase];
  if (msg.intervalIndex > before) m.lastIndex[msg.phase] = msg.intervalIndex;
  if (msg.phase === 'main' && msg.intervalMs > 0) {
    m.lastSnapshotAtMs = nowMs;
    m.last = {
      rps: msg.stats.requests / (msg.intervalMs / 1000), eventLoopP99Ms: msg.stats.eventLoopDelayP99Ms,
      scheduleLagP99Ms: msg.stats.scheduleLagP99Ms, dropped: msg.stats.dropped, sent: msg.stats.sent,
    };
  }
  return before;
}

export const round1 = (v: number): number => Math.round(v * 10) / 10;
const round3 = (v: number): number => Math.round(v * 1000) / 1000;

/**
 * Some (not all) of the live members with figures saturated in their last interval, and at least two
 * have figures: the saturated ones' weight drops (never below 0.1). Returns them with why ('' when none
 * moved), for the run to move their shares.
 */
export function lowerSaturated(live: readonly Member[]): string {
  const known = live.filter((m) => m.last !== undefined);
  if (known.length < 2) return '';
  const saturated = known.filter((m) => isSaturated(m.last!));
  if (saturated.length === 0 || saturated.length === known.length) return '';
  for (const m of saturated) m.weight = Math.max(0.1, m.weight * 0.7);
  return saturated.map((m) => `${m.key} (${saturationWhy(m.last!)})`).join(', ');
}
