// The lifecycle of one test on an elastic fleet: plan, assign, collect, tick, change rate, move shares
// when agents join, leave, die or saturate, stop, finish with a report. Time comes from the injected
// Clock; agents are reached through `send`. Never touches `process`.
//
// This file owns the run's state (running, stopping, finished), its agents' messages, the merge and the
// report. Its helpers: run/members.ts (members' books: keys, weights, figures), run/member-life.ts (a
// member's end: leave, failure, loss and AgentLossPolicy, the wait for lost members), run/live-changes.ts (live changes, shares of each
// scenario, acknowledgements), run/assign.ts (plans, data sent ahead of the Assign), run/ticks.ts (live
// lines), run/timeline.ts (phase time, events). test-run-api.ts holds the public types, re-exported
// here. Each member's figures are merged exactly once under its key.
import { LoadfleetError } from '../../common/runtime/errors.js';
import type { RunAgentMsg } from '../../common/protocol/messages.js';
import type { TimerHandle } from '../../common/runtime/clock.js';
import { mainDurationMs, scenarioParts } from '../../common/scenario/scenario.js';
import type { Phase } from '../../common/metrics/stats.js';
import { Aggregator } from '../merge/aggregator.js';
import { runBounds } from './agent-bounds.js';
import type { PhaseTotals } from '../merge/aggregator.js';
import { buildReport } from '../report/report.js';
import type { RateChange, Report } from '../report/report.js';
import { valueAt } from '../../common/plan/rate-schedule.js';
import { checkThresholds, scenarioLengths } from '../report/threshold-check.js';
import { RunTimeline } from './timeline.js';
import { MemberLife } from './member-life.js';
import { RunMembers, isActive, isLive, lowerSaturated, noteShares, noteSnapshot } from './members.js';
import type { MemberStatus } from './members.js';
import { LiveChanges, changedScenario } from './live-changes.js';
import type { LiveChange } from '../../common/protocol/live-change.js';
import { RunAssigner, alignJoiner, fitJoiner, giveShares } from './assign.js';
import { LIVE_REQUEST_NAMES, LiveTicker } from './ticks.js';
import type { LiveLine } from './ticks.js';
import { AGENT_LOSS_POLICIES } from './test-run-api.js';
import { RunSetup } from './setup-life.js';
import type { AgentLossPolicy, RunListener, RunState, RunStatus, TestRunOptions } from './test-run-api.js';

export type { AgentLossPolicy, LiveLine, MemberStatus, RateChange, RunListener, RunState, RunStatus, TestRunOptions };
export { AGENT_LOSS_POLICIES, LIVE_REQUEST_NAMES };

export class TestRun {
  readonly runId: string;
  private readonly opts: TestRunOptions;
  private readonly aggregator: Aggregator;
  private readonly members = new RunMembers();
  private readonly changes: LiveChanges;
  private readonly assigner: RunAssigner;
  private readonly ticker: LiveTicker;
  private readonly life: MemberLife;
  private readonly time: RunTimeline;
  private readonly timers: TimerHandle[] = [];
  private readonly mainMs: number;
  private readonly policy: AgentLossPolicy;
  private state: RunState = 'running';
  private lastShiftIndex = -10;
  private abortedByThreshold: string | undefined;
  /** The scenario's setup values, refreshes and teardown (absent: it has neither). */
  private readonly setup: RunSetup | undefined;
  private resolveReport!: (r: Report) => void;
  readonly report: Promise<Report>;

  constructor(opts: TestRunOptions) {
    this.opts = opts;
    this.runId = opts.runId;
    this.policy = opts.onAgentLoss ?? 'rebalance';
    this.report = new Promise((resolve) => { this.resolveReport = resolve; });
    this.time = new RunTimeline(opts.clock, opts.scenario.warmup);
    this.mainMs = mainDurationMs(opts.scenario);
    // Each agent's figures are held to what this run's schedule allows (run/agent-bounds.ts): beyond is refused.
    const bounds = runBounds({
      scenario: opts.scenario, snapshotIntervalMs: opts.snapshotIntervalMs, mainMs: this.mainMs, finishGraceMs: opts.finishGraceMs ?? 30_000,
      schedules: () => this.changes.schedules(),
    });
    this.aggregator = new Aggregator({ intervalMs: opts.snapshotIntervalMs, bounds });
    const notice = (level: 'info' | 'warn' | 'error', message: string): void => opts.listener.onNotice(level, message);
    const { runId, scenario, clock, send, snapshotIntervalMs } = opts;
    this.setup = opts.setup === undefined ? undefined : new RunSetup({
      runId, scenario, jobs: opts.setup.jobs, first: opts.setup.first, clock, time: this.time, members: this.members, listener: opts.listener, send,
      state: () => this.state,
    });
    this.assigner = new RunAssigner({ runId, scenario, snapshotIntervalMs, send, notice, pieces: opts.dataPieces, setupValues: () => this.setup?.values() });
    this.changes = new LiveChanges({
      runId, scenario, clock, send, members: this.members, notice, timeline: this.time,
    });
    this.life = new MemberLife({
      members: this.members, changes: this.changes, data: this.assigner.data, time: this.time, listener: opts.listener, policy: this.policy,
      mainMs: this.mainMs, snapshotIntervalMs, clock, drainMs: scenario.request.timeout, finishGraceMs: opts.finishGraceMs ?? 30_000,
      run: { state: () => this.state, stop: (reason) => this.stop(reason), settle: () => this.maybeFinish() },
    });
    this.ticker = new LiveTicker({
      aggregator: this.aggregator, clock, snapshotIntervalMs, phaseMs: { warmup: this.time.warmupMs, main: this.mainMs },
      onTick: (line) => opts.listener.onTick(line),
      onMainShown: (index, elapsedMs) => {
        this.shiftFromSaturated(index);
        this.checkAbortThresholds(elapsedMs);
      },
      tick: () => this.tick(),
    });
  }

  get currentState(): RunState {
    return this.state;
  }

  /** Sends every agent its plan and starts the clock. */
  start(): void {
    const plans = this.assigner.plans(this.opts.agents.map((a) => a.id));
    for (const [k, a] of this.opts.agents.entries()) {
      const plan = plans.get(a.id);
      if (plan === undefined) throw new LoadfleetError('INTERNAL', `no plan for agent ${a.id}`);
      const m = this.members.add(a.id, a.host);
      noteShares(m, plan, 0);
      // Each agent's first `unique` block is its fair part of what the agents not yet served leave.
      if (!this.assigner.send(m, plan, this.opts.agents.length - k, this.opts.piecesSentAhead === true && m.assignment === 1)) {
        this.life.gone(m, 'lost', 'stream closed before the assignment could be sent');
      }
    }
    const { clock } = this.opts;
    this.timers.push(clock.every(this.opts.snapshotIntervalMs, () => this.tick()));
    const giveUpMs = this.time.warmupMs + this.mainMs + (this.opts.finishGraceMs ?? 30_000);
    this.timers.push(clock.after(giveUpMs, () => this.life.giveUp()));
    this.setup?.start();
    this.maybeFinish();
  }

  /** An agent joined the fleet while this run is going: it gets a share and the others' shrink. */
  join(agentId: string, host: string): boolean {
    if (this.state !== 'running') return false;
    const mainElapsed = this.time.mainElapsedMs();
    if (this.time.inMain() && mainElapsed >= this.mainMs - this.opts.snapshotIntervalMs) return false; // too late to matter
    const n = this.members.live().length + 1;
    const m = this.members.add(agentId, host);
    // `unique` rows: a joiner gets its first block from what the pool has left (each row used at most once).
    const plan = this.assigner.joinerPlan(agentId);
    fitJoiner(plan, n);
    const weights = this.members.weights(m);
    if (this.time.inMain()) m.lastIndex.main = alignJoiner(plan, mainElapsed, this.opts.snapshotIntervalMs);
    else plan.warmupMs = Math.max(1, this.time.warmupMs - this.time.elapsedMs());
    const shares = this.changes.sharesAt(this.time.inMain() ? mainElapsed : 0, weights).map((t) => t.get(m.key) ?? []);
    if (!giveShares(plan, shares)) {
      this.members.remove(m);
      return false;
    }
    noteShares(m, plan, this.time.inMain() ? mainElapsed : 0);
    if (!this.assigner.send(m, plan, n)) {
      this.assigner.data.memberEnded(m.key, 'its stream closed before the assignment could be sent');
      this.members.remove(m);
      return false;
    }
    this.time.event({ kind: 'join', agentId: m.key, detail: `joined from ${host || 'unknown host'}; shares move to ${n} agent(s)` });
    this.opts.listener.onNotice('info', `agent ${m.key} joined mid-test; rate split over ${n} agent(s)`);
    this.life.reshare(`agent ${m.key} joined`, m.key);
    return true;
  }

  /**
   * A live change of the whole fleet's rate or loop count, split over the live agents. Throws USAGE for
   * a scenario it cannot apply to (live-changes.ts changedScenario), NOT_RUNNING once the run is over.
   */
  change(change: LiveChange, source: string): { changeId: number; agents: number } {
    changedScenario(this.opts.scenario, change);
    this.requireRunning();
    return this.changes.apply(change, source);
  }

  /** Resolves when every agent sent the change has acknowledged it, or after timeoutMs. */
  whenApplied(changeId: number, timeoutMs?: number): Promise<{ applied: number; expected: number; appliedMs: number }> {
    return this.changes.whenApplied(changeId, timeoutMs);
  }

  /** Ends the test early; agents drain and report, and the report is still complete. Idempotent. */
  stop(reason: string): void {
    if (this.state !== 'running') return;
    this.state = 'stopping';
    this.life.stopped();
    this.time.event({ kind: 'stop', detail: reason });
    this.opts.listener.onNotice('info', `stopping: ${reason}`);
    for (const m of this.members.all()) {
      if (isActive(m)) this.opts.send(m.agentId, { kind: 'stop', runId: this.runId, reason });
    }
    this.maybeFinish();
  }

  /** A message about this run from one of its agents. */
  onAgentMessage(agentId: string, msg: RunAgentMsg): void {
    if (msg.runId !== this.runId && msg.runId !== '') return;
    const m = this.members.get(agentId, msg.assignment);
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
        const merged = this.aggregator.addSnapshot({
          agentId: m.key, seq: msg.seq, phase: msg.phase, intervalIndex: msg.intervalIndex, intervalMs: msg.intervalMs, stats: msg.stats,
          rateRps: msg.rateRps, concurrency: msg.concurrency,
        });
        this.opts.send(agentId, { kind: 'ack', runId: this.runId, assignment: msg.assignment, seq: msg.seq, done: false, unknownRun: false });
        // A resent seq (its ack was lost with the stream) is already merged and shown: acknowledged only.
        if (merged === 'duplicate') return;
        const before = noteSnapshot(m, msg, this.opts.clock.nowMs());
        this.ticker.onSnapshot(msg.phase, before, msg.intervalIndex);
        return;
      }
      case 'done': {
        const r = this.aggregator.addDone({ agentId: m.key, lastSeq: msg.lastSeq, main: msg.main, warmup: msg.warmup, durationMs: msg.durationMs });
        this.opts.send(agentId, { kind: 'ack', runId: this.runId, assignment: msg.assignment, seq: 0, done: true, unknownRun: false });
        if (!r.reconciled) this.opts.listener.onNotice('warn', `agent ${m.key}: ${r.detail ?? 'snapshots did not add up'}`);
        this.life.done(m);
        return;
      }
      case 'failure':
        this.life.failure(m, msg.code, msg.message);
        return;
      case 'limit-capped':
        this.life.capped(m, msg.message);
        return;
      case 'applied':
        this.changes.onApplied(msg.changeId, m.key);
        return;
      case 'leaving':
        this.life.leaving(m, msg.reason);
        return;
      case 'rows-wanted':
        if (isLive(m)) this.assigner.data.onRowsWanted(agentId, m.key, msg, this.members.live().length);
        return;
      case 'rows-account':
        this.assigner.data.onRowsAccount(m.key, msg, this.members.live().length);
        return;
      default: {
        const never: never = msg;
        throw new LoadfleetError('INTERNAL', `unhandled ${JSON.stringify(never)}`);
      }
    }
  }

  /** The agent's stream ended or it missed its heartbeats: every live assignment of it is lost. */
  onAgentLeft(agentId: string, reason: string): void {
    this.life.agentLeft(agentId, reason);
  }

  /** Agents of this run (any member, past or present). */
  hasAgent(agentId: string): boolean {
    return this.members.hasAgent(agentId);
  }

  status(): RunStatus {
    const now = this.opts.clock.nowMs();
    const t = this.time.mainElapsedMs();
    const valueOf = (model: 'open' | 'closed'): number => this.changes.schedules().filter((p) => p.model === model).reduce((sum, p) => sum + valueAt(p.segments, t), 0);
    return {
      runId: this.runId, state: this.state, elapsedMs: now - this.time.startMs, totalMs: this.time.warmupMs + this.mainMs,
      targetRps: valueOf('open'),
      concurrency: Math.round(valueOf('closed')),
      onAgentLoss: this.policy,
      live: this.ticker.lastLive,
      agents: this.members.statuses(now, t),
    };
  }

  /** A phase's merged figures so far, for live outputs (metrics); null once the report is built. */
  totalsSoFar(phase: Phase): PhaseTotals | null {
    return this.state === 'finished' ? null : this.aggregator.totals(phase);
  }

  // ---------- internals ----------

  private requireRunning(): void {
    if (this.state !== 'running') throw new LoadfleetError('NOT_RUNNING', `test ${this.runId} is ${this.state}`, { hint: 'start a new one with `loadfleet run`' });
  }

  /** Shows the newest interval that every live agent has reported (run/ticks.ts). */
  private tick(): void {
    if (this.state === 'finished') return;
    const running = this.members.live();
    if (running.length === 0) return;
    this.ticker.tick(running);
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
    const names = lowerSaturated(this.members.live());
    if (names === '') return;
    this.lastShiftIndex = index;
    this.opts.listener.onNotice('warn', `saturated: ${names}; moving rate to the other agents`);
    this.life.reshare(`saturated: ${names}`);
  }

  private maybeFinish(): void {
    if (this.state === 'finished') return;
    if (this.members.all().some(isActive)) return;
    if (this.life.awaitLost()) return;
    // Teardown once the load is over, whatever ended it; no live change or joiner meanwhile.
    if (this.setup?.tearDown(() => this.maybeFinish()) === true) {
      if (this.state === 'running') this.state = 'stopping';
      return;
    }
    this.state = 'finished';
    this.setup?.cancel();
    for (const t of this.timers) t.cancel();
    this.life.cancel();
    this.ticker.cancel();
    this.changes.releaseWaiters();
    const members = this.members.all();
    const failures = [...this.life.failures];
    for (const m of members) {
      if (m.state === 'lost') failures.push(`agent ${m.key} was lost and its final figures never arrived: requests it sent after its last merged snapshot are not in this report`);
    }
    const report = buildReport({
      runId: this.runId,
      scenario: this.opts.scenario,
      startedAtMs: this.opts.startedAtEpochMs,
      durationMs: this.time.elapsedMs(),
      aggregator: this.aggregator,
      rateChanges: this.changes.rateChanges,
      agents: members.map((m) => ({ id: m.key, host: m.host })),
      failures: this.life.failures,
      incomplete: failures.slice(this.life.failures.length),
      timeline: this.time.events,
      onAgentLoss: this.policy,
      abortedForAgentLoss: this.life.abortedForLoss,
      abortedByThreshold: this.abortedByThreshold,
      data: this.assigner.data.summary(),
      ...(this.setup !== undefined ? { setup: this.setup.report() } : {}),
    });
    this.aggregator.destroy();
    this.resolveReport(report);
  }
}
