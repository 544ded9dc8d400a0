// The lifecycle of one test: plan, assign, collect, tick, change rate, stop, finish with a report.
// Time comes from the injected Clock; agents are reached through `send`. Never touches `process`.
import { LoadfleetError } from '../common/errors.js';
import type { AgentMsg, CoordMsg, Hello } from '../common/protocol.js';
import type { Clock, TimerHandle } from '../common/clock.js';
import type { Scenario } from '../common/scenario.js';
import { loadDurationMs } from '../common/scenario.js';
import type { Phase } from '../common/stats.js';
import { Aggregator } from './aggregator.js';
import type { IntervalFigures } from './aggregator.js';
import { planRun } from './planner.js';
import { buildReport } from './report.js';
import type { RateChange, Report } from './report.js';

export type { RateChange };
import { splitInteger, splitRate } from './scheduler.js';

export interface LiveLine {
  phase: Phase;
  elapsedMs: number;
  totalMs: number;
  agents: number;
  figures: IntervalFigures;
}

export interface RunListener {
  onTick(line: LiveLine): void;
  onNotice(level: 'info' | 'warn' | 'error', message: string): void;
}

type RunAgentState = 'assigned' | 'running' | 'done' | 'failed' | 'lost';

interface RunAgent {
  id: string;
  host: string;
  state: RunAgentState;
  rateRps: number;
  concurrency: number;
  lastIndex: Record<Phase, number>;
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
}

export type RunState = 'running' | 'stopping' | 'finished';

export class TestRun {
  readonly runId: string;
  private readonly opts: TestRunOptions;
  private readonly aggregator: Aggregator;
  private readonly agents = new Map<string, RunAgent>();
  private readonly rateChanges: RateChange[] = [];
  private readonly failures: string[] = [];
  private readonly timers: TimerHandle[] = [];
  private readonly startMs: number;
  private readonly warmupMs: number;
  private readonly mainMs: number;
  private state: RunState = 'running';
  private changeId = 0;
  private globalRate: number;
  private globalConcurrency: number;
  private lastShown: Record<Phase, number> = { warmup: -1, main: -1 };
  private resolveReport!: (r: Report) => void;
  readonly report: Promise<Report>;

  constructor(opts: TestRunOptions) {
    this.opts = opts;
    this.runId = opts.runId;
    this.aggregator = new Aggregator({ intervalMs: opts.snapshotIntervalMs });
    this.report = new Promise((resolve) => { this.resolveReport = resolve; });
    this.startMs = opts.clock.nowMs();
    this.warmupMs = opts.scenario.warmup;
    this.mainMs = loadDurationMs(opts.scenario.load);
    const load = opts.scenario.load;
    this.globalRate = load.model === 'open' ? (load.rate ?? load.startRate ?? 0) : 0;
    this.globalConcurrency = load.model === 'closed' ? load.concurrency : 0;
  }

  get currentState(): RunState {
    return this.state;
  }

  /** Sends every agent its plan and starts the clock. */
  start(): void {
    const ids = this.opts.agents.map((a) => a.id);
    const plans = planRun(this.opts.scenario, ids, { runId: this.runId, snapshotIntervalMs: this.opts.snapshotIntervalMs });
    for (const a of this.opts.agents) {
      const plan = plans.get(a.id);
      if (plan === undefined) throw new LoadfleetError('INTERNAL', `no plan for agent ${a.id}`);
      const first = plan.segments[0];
      this.agents.set(a.id, {
        id: a.id, host: a.host, state: 'assigned', rateRps: plan.model === 'open' ? (first?.from ?? 0) : 0,
        concurrency: plan.model === 'closed' ? (first?.from ?? 0) : 0, lastIndex: { warmup: -1, main: -1 },
      });
      if (!this.opts.send(a.id, { kind: 'assign', runId: this.runId, planJson: JSON.stringify(plan) })) {
        this.markGone(a.id, 'lost', 'stream closed before the assignment could be sent');
      }
    }
    const { clock } = this.opts;
    this.timers.push(clock.every(this.opts.snapshotIntervalMs, () => this.tick()));
    const giveUpMs = this.warmupMs + this.mainMs + (this.opts.finishGraceMs ?? 30_000);
    this.timers.push(clock.after(giveUpMs, () => this.giveUp()));
    this.maybeFinish();
  }

  /** Live change of the whole fleet's arrival rate (open model), split over the running agents. */
  setRate(rateRps: number, rampMs: number, source: string): { changeId: number; agents: number } {
    if (this.opts.scenario.load.model !== 'open') {
      throw new LoadfleetError('USAGE', 'this test uses the closed model: change its concurrency, not its rate');
    }
    if (!(rateRps >= 0) || !Number.isFinite(rateRps)) throw new LoadfleetError('USAGE', `rate must be a number >= 0, got ${rateRps}`);
    const live = this.liveAgents();
    const shares = splitRate(rateRps, live.map((a) => a.id));
    const changeId = ++this.changeId;
    for (const a of live) {
      const share = shares.get(a.id) ?? 0;
      a.rateRps = share;
      this.opts.send(a.id, { kind: 'set-rate', runId: this.runId, rateRps: share, concurrency: 0, rampMs, changeId });
    }
    this.globalRate = rateRps;
    this.rateChanges.push({ atMs: this.mainElapsedMs(), rateRps, rampMs, source });
    this.opts.listener.onNotice('info', `rate -> ${rateRps}/s${rampMs > 0 ? ` over ${rampMs} ms` : ''} (${source}), ${live.length} agent(s)`);
    return { changeId, agents: live.length };
  }

  /** Live change of the closed model's total concurrency. */
  setConcurrency(concurrency: number, source: string): { changeId: number; agents: number } {
    if (this.opts.scenario.load.model !== 'closed') {
      throw new LoadfleetError('USAGE', 'this test uses the open model: change its rate, not its concurrency');
    }
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new LoadfleetError('USAGE', `concurrency must be a whole number >= 1`);
    const live = this.liveAgents();
    const shares = splitInteger(concurrency, live.map((a) => a.id));
    const changeId = ++this.changeId;
    for (const a of live) {
      const share = shares.get(a.id) ?? 0;
      a.concurrency = share;
      this.opts.send(a.id, { kind: 'set-rate', runId: this.runId, rateRps: 0, concurrency: share, rampMs: 0, changeId });
    }
    this.globalConcurrency = concurrency;
    this.rateChanges.push({ atMs: this.mainElapsedMs(), concurrency, rampMs: 0, source });
    this.opts.listener.onNotice('info', `concurrency -> ${concurrency} (${source}), ${live.length} agent(s)`);
    return { changeId, agents: live.length };
  }

  /** Ends the test early; agents drain and report, and the report is still complete. Idempotent. */
  stop(reason: string): void {
    if (this.state !== 'running') return;
    this.state = 'stopping';
    this.opts.listener.onNotice('info', `stopping: ${reason}`);
    for (const a of this.liveAgents()) this.opts.send(a.id, { kind: 'stop', runId: this.runId, reason });
    this.maybeFinish();
  }

  /** A message from one of this run's agents. */
  onAgentMessage(agentId: string, m: Exclude<AgentMsg, Hello | { kind: 'heartbeat' }>): void {
    const a = this.agents.get(agentId);
    if (a === undefined || this.state === 'finished') return;
    switch (m.kind) {
      case 'ready':
        if (a.state === 'assigned') a.state = 'running';
        return;
      case 'snapshot':
        if (m.runId !== this.runId) return;
        this.aggregator.addSnapshot({
          agentId, seq: m.seq, phase: m.phase, intervalIndex: m.intervalIndex, intervalMs: m.intervalMs, stats: m.stats,
          rateRps: m.rateRps, concurrency: m.concurrency,
        });
        if (m.intervalIndex > a.lastIndex[m.phase]) a.lastIndex[m.phase] = m.intervalIndex;
        return;
      case 'done': {
        if (m.runId !== this.runId) return;
        const r = this.aggregator.addDone({ agentId, lastSeq: m.lastSeq, main: m.main, warmup: m.warmup, durationMs: m.durationMs });
        if (!r.reconciled) this.opts.listener.onNotice('warn', `agent ${agentId}: ${r.detail ?? 'snapshots did not add up'}`);
        a.state = 'done';
        this.maybeFinish();
        return;
      }
      case 'failure':
        if (m.runId !== '' && m.runId !== this.runId) return;
        this.markGone(agentId, 'failed', `${m.code}: ${m.message}`);
        return;
      default: {
        const never: never = m;
        throw new LoadfleetError('INTERNAL', `unhandled ${JSON.stringify(never)}`);
      }
    }
  }

  /** The agent's stream ended or it missed its heartbeats. */
  onAgentLeft(agentId: string, reason: string): void {
    const a = this.agents.get(agentId);
    if (a === undefined || a.state === 'done' || a.state === 'failed' || a.state === 'lost') return;
    this.markGone(agentId, 'lost', reason);
  }

  status(): { runId: string; state: RunState; elapsedMs: number; targetRps: number; concurrency: number; agents: { id: string; state: RunAgentState; rateRps: number; concurrency: number }[] } {
    return {
      runId: this.runId, state: this.state, elapsedMs: this.opts.clock.nowMs() - this.startMs, targetRps: this.globalRate,
      concurrency: this.globalConcurrency,
      agents: [...this.agents.values()].map((a) => ({ id: a.id, state: a.state, rateRps: a.rateRps, concurrency: a.concurrency })),
    };
  }

  private liveAgents(): RunAgent[] {
    return [...this.agents.values()].filter((a) => a.state === 'assigned' || a.state === 'running');
  }

  private mainElapsedMs(): number {
    return Math.max(0, this.opts.clock.nowMs() - this.startMs - this.warmupMs);
  }

  private markGone(agentId: string, state: 'failed' | 'lost', reason: string): void {
    const a = this.agents.get(agentId);
    if (a === undefined) return;
    a.state = state;
    const msg = `agent ${agentId} ${state === 'lost' ? 'lost' : 'failed'}: ${reason}`;
    this.failures.push(msg);
    this.opts.listener.onNotice('error', msg);
    this.maybeFinish();
  }

  /** Shows the newest interval that every running agent has reported. */
  private tick(): void {
    if (this.state === 'finished') return;
    const running = [...this.agents.values()].filter((a) => a.state === 'running' || a.state === 'assigned');
    if (running.length === 0) return;
    for (const phase of ['warmup', 'main'] as const) {
      const ready = Math.min(...running.map((a) => a.lastIndex[phase]));
      if (ready > this.lastShown[phase]) {
        this.lastShown[phase] = ready;
        const figures = this.aggregator.interval(phase, ready);
        if (figures === undefined) continue;
        const intervalMs = this.opts.snapshotIntervalMs;
        this.opts.listener.onTick({
          phase,
          elapsedMs: (ready + 1) * intervalMs,
          totalMs: phase === 'warmup' ? this.warmupMs : this.mainMs,
          agents: running.length,
          figures,
        });
      }
    }
  }

  private giveUp(): void {
    for (const a of this.agents.values()) {
      if (a.state === 'assigned' || a.state === 'running') this.markGone(a.id, 'lost', 'sent no final report in time');
    }
  }

  private maybeFinish(): void {
    if (this.state === 'finished') return;
    if ([...this.agents.values()].some((a) => a.state === 'assigned' || a.state === 'running')) return;
    this.state = 'finished';
    for (const t of this.timers) t.cancel();
    const report = buildReport({
      runId: this.runId,
      scenario: this.opts.scenario,
      startedAtMs: this.opts.startedAtEpochMs,
      durationMs: this.opts.clock.nowMs() - this.startMs,
      aggregator: this.aggregator,
      rateChanges: this.rateChanges,
      agents: [...this.agents.values()].map((a) => ({ id: a.id, host: a.host })),
      failures: this.failures,
    });
    this.aggregator.destroy();
    this.resolveReport(report);
  }
}
