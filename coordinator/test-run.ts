// The lifecycle of one test on an elastic fleet: plan, assign, collect, tick, change rate, move shares
// when agents join, leave, die or saturate, stop, finish with a report. Time comes from the injected
// Clock; agents are reached through `send`. Never touches `process`.
//
// Members: every Assign makes a member, keyed by agent id (first assignment) or `id#n` (the agent's n-th
// assignment in this run, e.g. after a reconnect). Each member's figures are merged exactly once under
// its key; live members (assigned or running) share the fleet's schedule in proportion to their weight.
import { LoadfleetError } from '../common/errors.js';
import type { CoordMsg, RunAgentMsg } from '../common/protocol.js';
import type { Clock, TimerHandle } from '../common/clock.js';
import type { Scenario } from '../common/scenario.js';
import { mainDurationMs, scenarioParts } from '../common/scenario.js';
import type { Phase } from '../common/stats.js';
import type { Segment } from '../common/plan.js';
import { Aggregator } from './aggregator.js';
import type { IntervalFigures, PhaseTotals, RequestLiveSet } from './aggregator.js';
import { partSchedules, planRun } from './planner.js';
import { buildReport } from './report.js';
import type { RateChange, Report, TimelineEvent } from './report.js';
import { isConstant, valueAt } from './shares.js';
import { partFor, partShares } from './run-parts.js';
import type { PartSchedule } from './run-parts.js';
import { isSaturated, saturationWhy } from './saturation.js';
import { checkThresholds, scenarioLengths } from './threshold-check.js';
import { RunData } from './run-data.js';
import type { DataPieces } from './run-data.js';

export type { RateChange };

export interface LiveLine {
  phase: Phase;
  elapsedMs: number;
  totalMs: number;
  agents: number;
  figures: IntervalFigures;
  /**
   * The scenario language (absent for a single-request run): per request name, this interval's figures
   * (null when none reported in it) and the phase's so far; each the LIVE_REQUEST_NAMES busiest names,
   * with `names` saying how many there are.
   */
  requests?: { interval: RequestLiveSet | null; soFar: RequestLiveSet };
}

/** Most request names a live line carries (a Tick is sent to every watching CLI once per interval). */
export const LIVE_REQUEST_NAMES = 50;

export interface RunListener {
  onTick(line: LiveLine): void;
  onNotice(level: 'info' | 'warn' | 'error', message: string): void;
}

/** What happens to an agent's share when it is lost (stream ended or heartbeats missed). */
export type AgentLossPolicy = 'rebalance' | 'fail' | 'continue';
export const AGENT_LOSS_POLICIES: readonly AgentLossPolicy[] = ['rebalance', 'fail', 'continue'];

type MemberState = 'assigned' | 'running' | 'leaving' | 'done' | 'failed' | 'lost';

interface Member {
  key: string;
  agentId: string;
  host: string;
  assignment: number;
  state: MemberState;
  /** Relative capacity; lowered when the member saturates while others do not. */
  weight: number;
  rateRps: number;
  concurrency: number;
  lastIndex: Record<Phase, number>;
  /** Coordinator clock of the last snapshot (for its age in status). */
  lastSnapshotAtMs: number | undefined;
  last: { rps: number; eventLoopP99Ms: number; scheduleLagP99Ms: number; dropped: number; sent: number } | undefined;
}

export interface TestRunOptions {
  runId: string;
  scenario: Scenario;
  agents: readonly { id: string; host: string }[];
  clock: Clock;
  /** Wall-clock epoch ms of the start, for the report only. */
  startedAtEpochMs: number;
  snapshotIntervalMs: number;
  send: (agentId: string, m: CoordMsg) => boolean;
  listener: RunListener;
  /** Grace after the planned end before agents that sent no Done are given up on. */
  finishGraceMs?: number;
  onAgentLoss?: AgentLossPolicy;
  /** Move rate away from a saturated agent while others have room (default true). */
  shiftOnSaturation?: boolean;
  /** The chunked data files' pieces (run-data.ts prepareDataPieces); built at once when absent. */
  dataPieces?: DataPieces;
  /** The initial agents already got the pieces for their first assignment (run-data.ts sendPiecesAhead). */
  piecesSentAhead?: boolean;
}

export type RunState = 'running' | 'stopping' | 'finished';

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

export interface RunStatus {
  runId: string;
  state: RunState;
  elapsedMs: number;
  totalMs: number;
  targetRps: number;
  concurrency: number;
  onAgentLoss: AgentLossPolicy;
  /** The newest main-phase interval every live agent reported (null before the first). */
  live: { index: number; achievedRps: number; p50Ms: number; p99Ms: number; errors: number; requests: number } | null;
  agents: MemberStatus[];
}

/** How long a live change waits for acknowledgements before callers stop waiting. */
const APPLY_WAIT_MS = 2_000;

interface PendingChange {
  event: TimelineEvent;
  sentAtMs: number;
  expected: Set<string>;
  waiters: (() => void)[];
}

export class TestRun {
  readonly runId: string;
  private readonly opts: TestRunOptions;
  private readonly aggregator: Aggregator;
  private readonly members = new Map<string, Member>();
  private readonly assignments = new Map<string, number>();
  private readonly rateChanges: RateChange[] = [];
  private readonly timeline: TimelineEvent[] = [];
  private readonly failures: string[] = [];
  private readonly timers: TimerHandle[] = [];
  private readonly changes = new Map<number, PendingChange>();
  /** Data files in chunks and the `unique` rows' hand-out (coordinator/run-data.ts). */
  private readonly data: RunData;
  private readonly startMs: number;
  private readonly warmupMs: number;
  private readonly mainMs: number;
  private readonly policy: AgentLossPolicy;
  private state: RunState = 'running';
  private changeId = 0;
  private lastShiftIndex = -10;
  private abortedForLoss: string | undefined;
  private abortedByThreshold: string | undefined;
  private lastLive: RunStatus['live'] = null;
  private lastShown: Record<Phase, number> = { warmup: -1, main: -1 };
  /**
   * Per phase, live members not yet past the last shown interval, recounted by every tick(); when a
   * snapshot brings it to 0 the interval is shown a quarter interval later (earlyShow) instead of at the
   * next timer tick (up to one interval later: the timer fires just before the agents' snapshots). Not
   * at once: the coordinator's and the CLI's per-interval work would then fall on the agents' own
   * interval edges and, on a small machine, delay their sending. Only a hint: a stale count makes tick()
   * run early (harmless) or late (the timer still runs).
   */
  private waiting: Record<Phase, number> = { warmup: 0, main: 0 };
  private earlyShow: TimerHandle | undefined;
  private resolveReport!: (r: Report) => void;
  readonly report: Promise<Report>;

  constructor(opts: TestRunOptions) {
    this.opts = opts;
    this.runId = opts.runId;
    this.policy = opts.onAgentLoss ?? 'rebalance';
    this.aggregator = new Aggregator({ intervalMs: opts.snapshotIntervalMs });
    this.report = new Promise((resolve) => { this.resolveReport = resolve; });
    this.startMs = opts.clock.nowMs();
    this.warmupMs = opts.scenario.warmup;
    this.mainMs = mainDurationMs(opts.scenario);
    this.data = new RunData({
      runId: opts.runId, program: opts.scenario.program, send: opts.send,
      notice: (level, message) => opts.listener.onNotice(level, message), pieces: opts.dataPieces,
    });
  }

  get currentState(): RunState {
    return this.state;
  }

  /** Sends every agent its plan and starts the clock. */
  start(): void {
    const ids = this.opts.agents.map((a) => a.id);
    const plans = planRun(this.opts.scenario, ids, { runId: this.runId, snapshotIntervalMs: this.opts.snapshotIntervalMs, data: this.data.delivery });
    for (const [k, a] of this.opts.agents.entries()) {
      const plan = plans.get(a.id);
      if (plan === undefined) throw new LoadfleetError('INTERNAL', `no plan for agent ${a.id}`);
      const m = this.addMember(a.id, a.host);
      this.noteShares(m, plan);
      // Each agent's first `unique` block is its fair part of what the agents not yet served leave.
      const sent = this.data.sendAhead(a.id, m.key, m.assignment, plan, this.opts.agents.length - k, this.opts.piecesSentAhead === true && m.assignment === 1)
        && this.opts.send(a.id, { kind: 'assign', runId: this.runId, assignment: m.assignment, planJson: JSON.stringify(plan) });
      if (!sent) {
        this.memberGone(m, 'lost', 'stream closed before the assignment could be sent');
      }
    }
    const { clock } = this.opts;
    this.timers.push(clock.every(this.opts.snapshotIntervalMs, () => this.tick()));
    const giveUpMs = this.warmupMs + this.mainMs + (this.opts.finishGraceMs ?? 30_000);
    this.timers.push(clock.after(giveUpMs, () => this.giveUp()));
    this.maybeFinish();
  }

  /** An agent joined the fleet while this run is going: it gets a share and the others' shrink. */
  join(agentId: string, host: string): boolean {
    if (this.state !== 'running') return false;
    const mainElapsed = this.mainElapsedMs();
    if (this.inMain() && mainElapsed >= this.mainMs - this.opts.snapshotIntervalMs) return false; // too late to matter
    const live = this.liveMembers();
    const m = this.addMember(agentId, host);
    const { scenario } = this.opts;
    // `unique` rows: a joiner gets its first block from what the pool has left (each row used at most once).
    const [plan] = planRun(scenario, [agentId], { runId: this.runId, snapshotIntervalMs: this.opts.snapshotIntervalMs, data: this.data.delivery }).values();
    if (plan === undefined) throw new LoadfleetError('INTERNAL', `no plan for joining agent ${agentId}`);
    const n = live.length + 1;
    plan.maxInFlight = Math.max(1, Math.ceil(plan.maxInFlight / n));
    plan.connections = Math.max(1, Math.ceil(plan.connections / n));
    if (plan.parts !== undefined) {
      for (const part of plan.parts) part.maxInFlight = Math.max(1, Math.ceil(part.maxInFlight / n));
      plan.maxInFlight = plan.parts.reduce((sum, part) => sum + part.maxInFlight, 0);
    }
    const weights = this.weightsWith(m);
    if (this.inMain()) {
      plan.warmupMs = 0;
      // Its intervals fall on the run's: the first one ends at the next boundary (one more if that is
      // too close to matter), so each of its deltas counts in the interval it covers.
      const interval = this.opts.snapshotIntervalMs;
      let offset = Math.floor(mainElapsed / interval);
      let firstMs = (offset + 1) * interval - mainElapsed;
      if (firstMs < interval / 10) {
        offset++;
        firstMs += interval;
      }
      plan.intervalOffset = offset;
      plan.firstIntervalMs = firstMs;
      m.lastIndex.main = offset - 1;
    } else {
      plan.warmupMs = Math.max(1, this.warmupMs - (this.opts.clock.nowMs() - this.startMs));
    }
    const shares = this.sharesAt(this.inMain() ? mainElapsed : 0, weights).map((t) => t.get(m.key) ?? []);
    if (shares.every((segs) => segs.length === 0 || segs.every((s) => s.durationMs <= 0))) {
      this.members.delete(m.key);
      return false;
    }
    // A part whose schedule already ended runs nothing (a part needs a segment: one of 0 for 1 ms).
    const owned = shares.map((segs) => (segs.length === 0 ? [{ durationMs: 1, from: 0, to: 0 }] : segs));
    plan.segments = owned[0] ?? [];
    plan.parts?.forEach((part, i) => { part.segments = owned[i] ?? []; });
    this.noteShares(m, plan);
    const sent = this.data.sendAhead(agentId, m.key, m.assignment, plan, n)
      && this.opts.send(agentId, { kind: 'assign', runId: this.runId, assignment: m.assignment, planJson: JSON.stringify(plan) });
    if (!sent) {
      this.data.memberEnded(m.key, 'its stream closed before the assignment could be sent');
      this.members.delete(m.key);
      return false;
    }
    this.event({ kind: 'join', agentId: m.key, detail: `joined from ${host || 'unknown host'}; shares move to ${n} agent(s)` });
    this.opts.listener.onNotice('info', `agent ${m.key} joined mid-test; rate split over ${n} agent(s)`);
    this.reshare(`agent ${m.key} joined`, m.key);
    return true;
  }

  /** Live change of the whole fleet's arrival rate (open model), split over the live agents. */
  setRate(rateRps: number, rampMs: number, source: string, scenario?: string): { changeId: number; agents: number } {
    const part = partFor(this.opts.scenario, scenario);
    if (part.model !== 'open') {
      throw new LoadfleetError('USAGE', `${this.opts.scenario.parts === undefined ? 'this test' : `scenario "${part.name}"`} uses the closed model: change its concurrency, not its rate`);
    }
    if (!(rateRps >= 0) || !Number.isFinite(rateRps)) throw new LoadfleetError('USAGE', `rate must be a number >= 0, got ${rateRps}`);
    if (!(rampMs >= 0) || !Number.isFinite(rampMs)) throw new LoadfleetError('USAGE', `ramp must be a duration >= 0, got ${rampMs} ms`);
    this.requireRunning();
    const multi = this.opts.scenario.parts !== undefined;
    const which = multi ? { scenario: part.name } : {};
    const what = `${multi ? `${part.name}: ` : ''}rate -> ${rateRps}/s${rampMs > 0 ? ` over ${rampMs} ms` : ''} (${source})`;
    this.rateChanges.push({ atMs: this.mainElapsedMs(), rateRps, rampMs, source, ...which });
    const r = this.sendShares({ kind: 'rate', detail: what, rateRps, rampMs, source }, undefined, part.index);
    this.opts.listener.onNotice('info', `${what}, ${r.agents} agent(s)`);
    return r;
  }

  /** Live change of the closed model's total concurrency. */
  setConcurrency(concurrency: number, source: string, scenario?: string): { changeId: number; agents: number } {
    const part = partFor(this.opts.scenario, scenario);
    if (part.model !== 'closed') {
      throw new LoadfleetError('USAGE', `${this.opts.scenario.parts === undefined ? 'this test' : `scenario "${part.name}"`} uses the open model: change its rate, not its concurrency`);
    }
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new LoadfleetError('USAGE', `concurrency must be a whole number >= 1`);
    this.requireRunning();
    const multi = this.opts.scenario.parts !== undefined;
    const what = `${multi ? `${part.name}: ` : ''}concurrency -> ${concurrency} (${source})`;
    this.rateChanges.push({ atMs: this.mainElapsedMs(), concurrency, rampMs: 0, source, ...(multi ? { scenario: part.name } : {}) });
    const r = this.sendShares({ kind: 'concurrency', detail: what, concurrency, rampMs: 0, source }, undefined, part.index);
    this.opts.listener.onNotice('info', `${what}, ${r.agents} agent(s)`);
    return r;
  }

  /** Resolves when every agent sent the change has acknowledged it, or after timeoutMs. */
  whenApplied(changeId: number, timeoutMs = APPLY_WAIT_MS): Promise<{ applied: number; expected: number; appliedMs: number }> {
    const c = this.changes.get(changeId);
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

  /** Ends the test early; agents drain and report, and the report is still complete. Idempotent. */
  stop(reason: string): void {
    if (this.state !== 'running') return;
    this.state = 'stopping';
    this.event({ kind: 'stop', detail: reason });
    this.opts.listener.onNotice('info', `stopping: ${reason}`);
    for (const m of this.members.values()) {
      if (m.state === 'assigned' || m.state === 'running' || m.state === 'leaving') this.opts.send(m.agentId, { kind: 'stop', runId: this.runId, reason });
    }
    this.maybeFinish();
  }

  /** A message about this run from one of its agents. */
  onAgentMessage(agentId: string, msg: RunAgentMsg): void {
    if (msg.runId !== this.runId && msg.runId !== '') return;
    const m = this.members.get(this.keyOf(agentId, msg.assignment));
    if (m === undefined) return;
    if (this.state === 'finished') {
      if (msg.kind === 'snapshot') this.opts.send(agentId, { kind: 'ack', runId: this.runId, assignment: msg.assignment, seq: msg.seq, done: false, unknownRun: true });
      if (msg.kind === 'done') this.opts.send(agentId, { kind: 'ack', runId: this.runId, assignment: msg.assignment, seq: 0, done: true, unknownRun: true });
      return;
    }
    switch (msg.kind) {
      case 'ready':
        if (m.state === 'assigned') m.state = 'running';
        return;
      case 'snapshot': {
        this.aggregator.addSnapshot({
          agentId: m.key, seq: msg.seq, phase: msg.phase, intervalIndex: msg.intervalIndex, intervalMs: msg.intervalMs, stats: msg.stats,
          rateRps: msg.rateRps, concurrency: msg.concurrency,
        });
        this.opts.send(agentId, { kind: 'ack', runId: this.runId, assignment: msg.assignment, seq: msg.seq, done: false, unknownRun: false });
        const before = m.lastIndex[msg.phase];
        if (msg.intervalIndex > before) m.lastIndex[msg.phase] = msg.intervalIndex;
        if (msg.phase === 'main' && msg.intervalMs > 0) {
          m.lastSnapshotAtMs = this.opts.clock.nowMs();
          m.last = {
            rps: msg.stats.requests / (msg.intervalMs / 1000), eventLoopP99Ms: msg.stats.eventLoopDelayP99Ms,
            scheduleLagP99Ms: msg.stats.scheduleLagP99Ms, dropped: msg.stats.dropped, sent: msg.stats.sent,
          };
        }
        const shown = this.lastShown[msg.phase];
        if (before <= shown && msg.intervalIndex > shown && --this.waiting[msg.phase] <= 0 && this.earlyShow === undefined) {
          this.earlyShow = this.opts.clock.after(this.opts.snapshotIntervalMs / 4, () => {
            this.earlyShow = undefined;
            this.tick();
          });
        }
        return;
      }
      case 'done': {
        const r = this.aggregator.addDone({ agentId: m.key, lastSeq: msg.lastSeq, main: msg.main, warmup: msg.warmup, durationMs: msg.durationMs });
        this.opts.send(agentId, { kind: 'ack', runId: this.runId, assignment: msg.assignment, seq: 0, done: true, unknownRun: false });
        if (!r.reconciled) this.opts.listener.onNotice('warn', `agent ${m.key}: ${r.detail ?? 'snapshots did not add up'}`);
        const wasLive = m.state === 'assigned' || m.state === 'running';
        if (m.state === 'lost') this.event({ kind: 'recovered', agentId: m.key, detail: 'its figures arrived after it was lost: merged' });
        m.state = 'done';
        // Its RowsAccounts come before its Done on the stream: unique rows still held now are lost.
        this.data.memberEnded(m.key, 'it ended without accounting for them');
        // Done well before the schedule's end without a stop: the agent left; its share moves on.
        const early = this.inMain() ? this.mainMs - this.mainElapsedMs() > this.opts.snapshotIntervalMs : true;
        if (wasLive && this.state === 'running' && early) this.memberLeft(m, 'ended its assignment early');
        this.maybeFinish();
        return;
      }
      case 'failure':
        if (msg.code === 'LIMIT_CAPPED') {
          // Not fatal: the agent runs at its own ceiling; the fleet delivers less than asked.
          this.event({ kind: 'limit', agentId: m.key, detail: msg.message });
          this.opts.listener.onNotice('warn', msg.message);
          return;
        }
        if (m.state === 'done' || m.state === 'failed') return;
        this.memberGone(m, 'failed', `${msg.code}: ${msg.message}`);
        return;
      case 'applied': {
        const c = this.changes.get(msg.changeId);
        if (c === undefined || !c.expected.has(m.key)) return;
        const acks = (c.event.acks ??= []);
        if (acks.some((a) => a.agentId === m.key)) return;
        acks.push({ agentId: m.key, latencyMs: round1(this.opts.clock.nowMs() - c.sentAtMs) });
        if (acks.length >= c.expected.size) for (const w of c.waiters.splice(0)) w();
        return;
      }
      case 'leaving':
        if (m.state !== 'assigned' && m.state !== 'running') return;
        m.state = 'leaving';
        this.memberLeft(m, msg.reason || 'leaving');
        return;
      case 'rows-wanted':
        if (m.state === 'assigned' || m.state === 'running') this.data.onRowsWanted(agentId, m.key, msg, this.liveMembers().length);
        return;
      case 'rows-account':
        this.data.onRowsAccount(m.key, msg, this.liveMembers().length);
        return;
      default: {
        const never: never = msg;
        throw new LoadfleetError('INTERNAL', `unhandled ${JSON.stringify(never)}`);
      }
    }
  }

  /** The agent's stream ended or it missed its heartbeats: every live assignment of it is lost. */
  onAgentLeft(agentId: string, reason: string): void {
    for (const m of this.members.values()) {
      if (m.agentId !== agentId) continue;
      if (m.state === 'assigned' || m.state === 'running' || m.state === 'leaving') this.memberGone(m, 'lost', reason);
    }
  }

  /** Agents of this run (any member, past or present). */
  hasAgent(agentId: string): boolean {
    return this.assignments.has(agentId);
  }

  status(): RunStatus {
    const now = this.opts.clock.nowMs();
    const t = this.mainElapsedMs();
    const valueOf = (model: 'open' | 'closed'): number => this.schedules().filter((p) => p.model === model).reduce((sum, p) => sum + valueAt(p.segments, t), 0);
    return {
      runId: this.runId, state: this.state, elapsedMs: now - this.startMs, totalMs: this.warmupMs + this.mainMs,
      targetRps: valueOf('open'),
      concurrency: Math.round(valueOf('closed')),
      onAgentLoss: this.policy,
      live: this.lastLive,
      agents: [...this.members.values()].map((m) => ({
        id: m.key, agentId: m.agentId, host: m.host, state: m.state, rateRps: round3(m.rateRps), concurrency: m.concurrency, weight: round3(m.weight),
        achievedRps: m.last === undefined ? null : round1(m.last.rps),
        eventLoopP99Ms: m.last?.eventLoopP99Ms ?? null,
        scheduleLagP99Ms: m.last?.scheduleLagP99Ms ?? null,
        lastSnapshotAgeMs: m.lastSnapshotAtMs === undefined ? null : Math.round(now - m.lastSnapshotAtMs),
      })),
    };
  }

  /** A phase's merged figures so far, for live outputs (metrics); null once the report is built. */
  totalsSoFar(phase: Phase): PhaseTotals | null {
    return this.state === 'finished' ? null : this.aggregator.totals(phase);
  }

  // ---------- internals ----------

  private keyOf(agentId: string, assignment: number): string {
    return assignment <= 1 ? agentId : `${agentId}#${assignment}`;
  }

  private addMember(agentId: string, host: string): Member {
    const assignment = (this.assignments.get(agentId) ?? 0) + 1;
    this.assignments.set(agentId, assignment);
    const m: Member = {
      key: this.keyOf(agentId, assignment), agentId, host, assignment, state: 'assigned', weight: 1, rateRps: 0, concurrency: 0,
      lastIndex: { warmup: -1, main: -1 }, lastSnapshotAtMs: undefined, last: undefined,
    };
    this.members.set(m.key, m);
    return m;
  }

  private liveMembers(): Member[] {
    return [...this.members.values()].filter((m) => m.state === 'assigned' || m.state === 'running');
  }

  private weightsWith(extra?: Member): Map<string, number> {
    const live = this.liveMembers();
    if (extra !== undefined && !live.includes(extra)) live.push(extra);
    return new Map(live.map((m) => [m.key, m.weight]));
  }

  /** Per part (in order), each member's tail of that part's fleet schedule from main-phase tMs. */
  private sharesAt(tMs: number, weights: ReadonlyMap<string, number>): Map<string, Segment[]>[] {
    return partShares(this.schedules(), tMs, weights);
  }

  /** Each part's fleet schedule after the live changes (one part for a plain `load`). */
  private schedules(): PartSchedule[] {
    return partSchedules(this.opts.scenario, this.rateChanges);
  }

  /** The member's first values, summed over parts (for status). */
  private noteShares(m: Member, plan: { model: 'open' | 'closed'; segments: Segment[]; parts?: { model: 'open' | 'closed'; segments: Segment[] }[] | undefined }): void {
    const parts = plan.parts ?? [plan];
    m.rateRps = parts.filter((p) => p.model === 'open').reduce((sum, p) => sum + (p.segments[0]?.from ?? 0), 0);
    m.concurrency = parts.filter((p) => p.model === 'closed').reduce((sum, p) => sum + (p.segments[0]?.from ?? 0), 0);
  }

  private inMain(): boolean {
    return this.opts.clock.nowMs() - this.startMs >= this.warmupMs;
  }

  private mainElapsedMs(): number {
    return Math.max(0, this.opts.clock.nowMs() - this.startMs - this.warmupMs);
  }

  private requireRunning(): void {
    if (this.state !== 'running') throw new LoadfleetError('NOT_RUNNING', `test ${this.runId} is ${this.state}`, { hint: 'start a new one with `loadfleet run`' });
  }

  /**
   * Sends every live member its share of the fleet's schedule as it is now (after a rate change or a
   * membership change), records the change in the timeline and tracks acknowledgements.
   */
  private sendShares(base: Omit<TimelineEvent, 'atMs' | 'changeId'>, skipKey?: string, onlyPart?: number): { changeId: number; agents: number } {
    const changeId = ++this.changeId;
    const event = this.event({ ...base, changeId, acks: [] });
    const live = this.liveMembers().filter((m) => m.key !== skipKey);
    const weights = this.weightsWith();
    const t = this.mainElapsedMs();
    const pending: PendingChange = { event, sentAtMs: this.opts.clock.nowMs(), expected: new Set(), waiters: [] };
    this.changes.set(changeId, pending);
    const multi = this.opts.scenario.parts !== undefined;
    const schedules = this.schedules();
    const shares = this.sharesAt(t, weights);
    for (const m of live) {
      m.rateRps = 0;
      m.concurrency = 0;
    }
    schedules.forEach((part, i) => {
      const tails = shares[i] as Map<string, Segment[]>;
      const scenario = multi ? { scenario: part.name } : {};
      for (const m of live) {
        const tail = tails.get(m.key) ?? [];
        let msg: { rateRps: number; concurrency: number; tail?: Segment[] } | undefined;
        if (part.model === 'open') {
          m.rateRps += tail[0]?.from ?? 0;
          if (tail.length > 0) msg = { rateRps: tail[0]?.from ?? 0, concurrency: 0, tail };
        } else {
          const c = tail[0]?.from ?? 0;
          m.concurrency += c;
          // A constant share travels as a loop count; 0 loops cannot be expressed that way (0 means "not a
          // concurrency change"): keep 1 running. A ramping share (stages) travels as its tail.
          // A part already over has nothing left to change.
          if (tail.length > 0) msg = isConstant(tail) ? { rateRps: 0, concurrency: Math.max(1, c) } : { rateRps: 0, concurrency: 0, tail };
        }
        // Several scenarios: a change of one is sent for that one only (the others' shares stand).
        if (msg === undefined || (onlyPart !== undefined && onlyPart !== i)) continue;
        if (this.opts.send(m.agentId, { kind: 'set-rate', runId: this.runId, assignment: m.assignment, rampMs: 0, changeId, ...msg, ...scenario })) {
          pending.expected.add(m.key);
        }
      }
    });
    return { changeId, agents: live.length };
  }

  private reshare(why: string, skipKey?: string): void {
    if (this.state !== 'running' || this.liveMembers().length === 0) return;
    this.sendShares({ kind: 'reshare', detail: why }, skipKey);
  }

  /** A member stopped taking load on purpose (leaving, or Done early): its share goes to the others. */
  private memberLeft(m: Member, reason: string): void {
    this.event({ kind: 'leave', agentId: m.key, detail: reason });
    this.opts.listener.onNotice('warn', `agent ${m.key} left: ${reason}`);
    if (this.liveMembers().length === 0) {
      this.opts.listener.onNotice('error', 'no agent left to carry the load');
      return;
    }
    this.reshare(`agent ${m.key} left`);
  }

  private memberGone(m: Member, state: 'failed' | 'lost', reason: string): void {
    const wasLive = m.state === 'assigned' || m.state === 'running';
    m.state = state;
    this.data.memberEnded(m.key, `agent ${state}`);
    const msg = `agent ${m.key} ${state}: ${reason}`;
    this.event({ kind: state, agentId: m.key, detail: reason });
    this.opts.listener.onNotice('error', msg);
    if (state === 'failed') this.failures.push(msg);
    if (state === 'lost' && this.state === 'running' && this.inMain() && this.mainElapsedMs() < this.mainMs) {
      if (this.policy === 'fail') {
        this.abortedForLoss = msg;
        this.stop(`${msg} (--on-agent-loss fail)`);
      } else if (this.policy === 'rebalance' && wasLive) {
        this.reshare(`agent ${m.key} lost`);
      }
    } else if (state === 'lost' && this.policy === 'rebalance' && wasLive && this.state === 'running') {
      this.reshare(`agent ${m.key} lost`);
    }
    this.maybeFinish();
  }

  private event(e: Omit<TimelineEvent, 'atMs'>): TimelineEvent {
    const full: TimelineEvent = { atMs: Math.round(this.opts.clock.nowMs() - this.startMs - this.warmupMs), ...e };
    this.timeline.push(full);
    return full;
  }

  /** Shows the newest interval that every live agent has reported, and moves load off saturated agents. */
  private tick(): void {
    if (this.state === 'finished') return;
    const running = this.liveMembers();
    if (running.length === 0) return;
    this.showReady(running);
    for (const phase of ['warmup', 'main'] as const) {
      const shown = this.lastShown[phase];
      this.waiting[phase] = running.reduce((n, m) => (m.lastIndex[phase] <= shown ? n + 1 : n), 0);
    }
  }

  private showReady(running: Member[]): void {
    for (const phase of ['warmup', 'main'] as const) {
      const ready = Math.min(...running.map((m) => m.lastIndex[phase]));
      if (ready > this.lastShown[phase]) {
        this.lastShown[phase] = ready;
        const figures = this.aggregator.interval(phase, ready);
        if (figures === undefined) continue;
        const requests = this.aggregator.liveRequests(phase, ready, LIVE_REQUEST_NAMES);
        this.opts.listener.onTick({
          phase,
          elapsedMs: (ready + 1) * this.opts.snapshotIntervalMs,
          totalMs: phase === 'warmup' ? this.warmupMs : this.mainMs,
          agents: running.length,
          figures,
          ...(requests.soFar.names > 0 ? { requests: { interval: requests.interval ?? null, soFar: requests.soFar } } : {}),
        });
        if (phase === 'main') {
          this.lastLive = {
            index: ready, achievedRps: figures.rps, p50Ms: figures.latencyMs.p50, p99Ms: figures.latencyMs.p99, errors: figures.errorTotal,
            requests: figures.requests,
          };
          this.shiftFromSaturated(ready);
          this.checkAbortThresholds((ready + 1) * this.opts.snapshotIntervalMs);
        }
      }
    }
  }

  /** abortOnFail thresholds, on the merged figures so far: a failed one past its grace ends the run. */
  private checkAbortThresholds(elapsedMs: number): void {
    const thresholds = this.opts.scenario.thresholds.filter((t) => t.abortOnFail);
    if (thresholds.length === 0 || this.state !== 'running') return;
    const v = checkThresholds(thresholds, this.aggregator.totals('main'), elapsedMs, true, scenarioLengths(this.opts.scenario));
    if (v.abortBy === undefined) return;
    const of = v.abortBy.threshold.request !== undefined ? ` (request ${v.abortBy.threshold.request})` : v.abortBy.threshold.scenario !== undefined ? ` (scenario ${v.abortBy.threshold.scenario})` : '';
    this.abortedByThreshold = `threshold "${v.abortBy.threshold.source}"${of} failed after ${Math.round(elapsedMs / 1000)} s: observed ${v.abortBy.observedText}`;
    this.opts.listener.onNotice('error', this.abortedByThreshold);
    this.stop(`${this.abortedByThreshold} (abortOnFail)`);
  }

  /** Some (not all) live agents saturated in their last interval: their weight drops, shares move. */
  private shiftFromSaturated(index: number): void {
    if (this.opts.shiftOnSaturation === false || this.state !== 'running' || scenarioParts(this.opts.scenario).every((p) => p.load.model !== 'open')) return;
    if (index - this.lastShiftIndex < 3) return;
    const live = this.liveMembers().filter((m) => m.last !== undefined);
    if (live.length < 2) return;
    const saturated = live.filter((m) => isSaturated(m.last!));
    if (saturated.length === 0 || saturated.length === live.length) return;
    for (const m of saturated) m.weight = Math.max(0.1, m.weight * 0.7);
    this.lastShiftIndex = index;
    const names = saturated.map((m) => `${m.key} (${saturationWhy(m.last!)})`).join(', ');
    this.opts.listener.onNotice('warn', `saturated: ${names}; moving rate to the other agents`);
    this.reshare(`saturated: ${names}`);
  }

  /** Past the end plus the grace: members still connected but silent have failed (not lost: no share moves). */
  private giveUp(): void {
    for (const m of this.members.values()) {
      if (m.state === 'assigned' || m.state === 'running' || m.state === 'leaving') this.memberGone(m, 'failed', 'sent no final report in time');
    }
    // Lost members that never came back: stop waiting for them.
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if (this.state === 'finished') return;
    if ([...this.members.values()].some((m) => m.state === 'assigned' || m.state === 'running' || m.state === 'leaving')) return;
    // Every member lost mid-test with no Done yet: wait (until giveUp) for reconnects while time remains.
    this.state = 'finished';
    for (const t of this.timers) t.cancel();
    this.earlyShow?.cancel();
    for (const c of this.changes.values()) for (const w of c.waiters.splice(0)) w();
    const failures = [...this.failures];
    for (const m of this.members.values()) {
      if (m.state === 'lost') failures.push(`agent ${m.key} was lost and its final figures never arrived: requests it sent after its last merged snapshot are not in this report`);
    }
    const report = buildReport({
      runId: this.runId,
      scenario: this.opts.scenario,
      startedAtMs: this.opts.startedAtEpochMs,
      durationMs: this.opts.clock.nowMs() - this.startMs,
      aggregator: this.aggregator,
      rateChanges: this.rateChanges,
      agents: [...this.members.values()].map((m) => ({ id: m.key, host: m.host })),
      failures: this.failures,
      incomplete: failures.slice(this.failures.length),
      timeline: this.timeline,
      onAgentLoss: this.policy,
      abortedForAgentLoss: this.abortedForLoss,
      abortedByThreshold: this.abortedByThreshold,
      data: this.data.summary(),
    });
    this.aggregator.destroy();
    this.resolveReport(report);
  }
}


const round1 = (v: number): number => Math.round(v * 10) / 10;
const round3 = (v: number): number => Math.round(v * 1000) / 1000;
