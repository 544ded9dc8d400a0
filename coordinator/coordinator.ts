// The coordinator: one fleet, at most one test at a time, and the control operations the CLI uses
// (in-process for `loadfleet run`, over gRPC for a remote coordinator). Never touches `process`.
import { randomUUID } from 'node:crypto';
import { LoadfleetError } from '../common/runtime/errors.js';
import type { Clock } from '../common/runtime/clock.js';
import type { Scenario } from '../common/scenario/scenario.js';
import { Fleet } from './fleet/fleet.js';
import type { AgentInfo } from './fleet/fleet.js';
import type { RateChange, Report } from './report/report.js';
import { changeRecord } from './run/live-changes.js';
import type { LiveChange } from '../common/protocol/live-change.js';
import { TestRun } from './run/test-run.js';
import { prepareDataPieces, sendPiecesAhead } from './data/delivery.js';
import { ReportStore } from './report/store.js';
import type { KeptReport } from './report/store.js';
import type { AgentLossPolicy, LiveLine, RunListener, RunStatus } from './run/test-run.js';
import type { PhaseTotals } from './merge/aggregator.js';
import type { Phase } from '../common/metrics/stats.js';
import { SetupJobs } from './run/setup-jobs.js';
import type { SetupJobResult } from './run/setup-jobs.js';
import { noLoadReport, setupStatus } from './run/setup-phase.js';
import type { SetupPhase, SetupStatus } from './run/setup-phase.js';
import type { NoLoad } from './report/setup-figures.js';

/**
 * Sees every run this coordinator starts, whoever started it (local CLI or gRPC): what live outputs
 * (metrics, dashboard) use. Called synchronously; an observer that throws is logged, never the run's
 * problem. onRunEnd comes before the coordinator accepts the next run.
 */
export interface RunObserver {
  onRunStart?(runId: string, scenario: Scenario): void;
  onTick?(runId: string, line: LiveLine): void;
  /** The run's notices (rate changes, agents joining, leaving, lost, stopping): a live timeline. */
  onNotice?(runId: string, level: 'info' | 'warn' | 'error', message: string): void;
  /** A live rate or loop-count change was accepted (sent to the agents, not yet acknowledged). */
  onRateChange?(runId: string, change: Omit<RateChange, 'atMs'>): void;
  onRunEnd?(report: Report): void;
}

export interface CoordinatorOptions {
  clock: Clock;
  version: string;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  heartbeatIntervalMs?: number;
  heartbeatMissLimit?: number;
  snapshotIntervalMs?: number;
  /** Agents beyond this many are refused; default 1000 (fleet/fleet.ts). */
  maxAgents?: number;
  /** Finished runs whose reports are kept for `report --coordinator` (>= 1; default 20, report/store.ts). */
  keepReports?: number;
  /** Where finished reports are kept (default: a new ReportStore of keepReports); tests pass their own. */
  reports?: ReportStore;
}

export interface StartOptions {
  /** Wait until at least this many agents are idle (default 1). */
  minAgents?: number;
  /** How long to wait for them before failing with NO_AGENTS (default 30 s). */
  waitAgentsMs?: number;
  /** What a lost agent's share does (default rebalance). */
  onAgentLoss?: AgentLossPolicy;
  /** Give agents that join mid-test a share (default true). */
  elastic?: boolean;
}

export interface RunHandle {
  runId: string;
  agentIds: string[];
  report: Promise<Report>;
}

export interface FleetStatus {
  agents: AgentInfo[];
  run: RunStatus | null;
  /** Present while a run's setup runs, before its load (run is null then). */
  setup?: SetupStatus;
}

export class Coordinator {
  readonly fleet: Fleet;
  private readonly opts: CoordinatorOptions;
  private readonly snapshotIntervalMs: number;
  private run: TestRun | undefined;
  private elastic = true;
  private joinWaiters = new Set<() => void>();
  private readonly observers = new Set<RunObserver>();
  private readonly reports: ReportStore;
  /** The setup and teardown jobs of the run being started or running (its SetupResults go there). */
  private setupJobs: SetupJobs | undefined;
  /** The run whose setup (before any load) is under way: `status` shows it, `stop` ends it. */
  private setupPhase: SetupPhase | undefined;

  constructor(opts: CoordinatorOptions) {
    this.opts = opts;
    this.snapshotIntervalMs = opts.snapshotIntervalMs ?? 1_000;
    this.reports = opts.reports ?? new ReportStore(opts.keepReports);
    this.fleet = new Fleet({
      clock: opts.clock,
      version: opts.version,
      heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 500,
      heartbeatMissLimit: opts.heartbeatMissLimit ?? 4,
      snapshotIntervalMs: this.snapshotIntervalMs,
      log: opts.log,
      ...(opts.maxAgents !== undefined ? { maxAgents: opts.maxAgents } : {}),
    });
    this.fleet.addListener({
      onJoin: (agent) => {
        for (const w of [...this.joinWaiters]) w();
        this.offerToRun(agent);
      },
      onLeave: (agent, reason) => {
        if (this.run?.hasAgent(agent.id) === true) this.run.onAgentLeft(agent.id, reason);
        this.setupJobs?.onAgentLeft(agent.id, reason);
      },
      onAgentMessage: (agent, m) => {
        if (m.kind === 'setup-result') {
          this.setupJobs?.onResult(agent.id, m);
          return;
        }
        const run = this.run;
        if (run !== undefined && m.runId === run.runId && run.hasAgent(agent.id)) {
          run.onAgentMessage(agent.id, m);
          return;
        }
        // Figures for a run this coordinator does not know (it ended, or this coordinator restarted):
        // nothing will ever merge them, so the agent may forget them (it logs how many).
        if (m.kind === 'snapshot' || m.kind === 'done') {
          this.fleet.send(agent.id, { kind: 'ack', runId: m.runId, assignment: m.assignment, seq: m.kind === 'snapshot' ? m.seq : 0, done: m.kind === 'done', unknownRun: true });
        }
      },
    });
  }

  /** Resolves once `count` agents are idle, or rejects with NO_AGENTS after `timeoutMs`. */
  waitForAgents(count: number, timeoutMs: number): Promise<AgentInfo[]> {
    return new Promise((resolve, reject) => {
      const idle = (): AgentInfo[] => this.fleet.agents().filter((a) => a.state === 'idle');
      const check = (): boolean => {
        const ready = idle();
        if (ready.length < count) return false;
        cleanup();
        resolve(ready);
        return true;
      };
      const timer = this.opts.clock.after(timeoutMs, () => {
        cleanup();
        reject(new LoadfleetError('NO_AGENTS', `only ${idle().length} of ${count} agent(s) joined within ${Math.round(timeoutMs / 1000)} s`, {
          hint: 'start agents with `loadfleet agent --join HOST:PORT`, or lower --agents',
        }));
      });
      const waiter = (): void => { check(); };
      const cleanup = (): void => {
        timer.cancel();
        this.joinWaiters.delete(waiter);
      };
      this.joinWaiters.add(waiter);
      check();
    });
  }

  /** Starts a test on every idle agent. Throws BUSY while another test runs. */
  async start(scenario: Scenario, listener: RunListener, opts: StartOptions = {}): Promise<RunHandle> {
    if (this.run !== undefined) throw new LoadfleetError('BUSY', `test ${this.run.runId} is still running`, { hint: 'wait for it, or `loadfleet stop`' });
    if (this.setupJobs !== undefined) throw new LoadfleetError('BUSY', 'another test is running its setup', { hint: 'wait for it, or `loadfleet stop`' });
    const agents = await this.waitForAgents(opts.minAgents ?? 1, opts.waitAgentsMs ?? 30_000);
    const runId = `run-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomUUID().slice(0, 8)}`;
    // Large data files are cut into pieces (a piece per event-loop turn) and sent to the agents with flow
    // control, all before the run's clock starts.
    const dataPieces = await prepareDataPieces(scenario.program);
    if (dataPieces.size > 0) {
      await sendPiecesAhead(dataPieces, runId, agents.map((a) => ({ agentId: a.id, assignment: 1 })), (id, m) => this.fleet.send(id, m), (id) => this.fleet.drained(id));
    }
    if (this.run !== undefined) throw new LoadfleetError('BUSY', `test ${(this.run as TestRun).runId} started meanwhile`);
    const startedAtEpochMs = Date.now();
    const setup = await this.runSetup(runId, scenario, agents.map((a) => a.id), listener);
    if (setup?.noLoad !== undefined && setup.first !== undefined) {
      return this.endWithoutLoad(runId, scenario, agents, opts, startedAtEpochMs, setup.first, setup.noLoad, setup.jobs);
    }
    try {
      // Agents that left while setup ran get no share (their loss would only make the run incomplete).
      const connected = new Set(this.fleet.agents().map((a) => a.id));
      const still = setup === undefined ? agents : agents.filter((a) => connected.has(a.id));
      if (still.length === 0) throw new LoadfleetError('NO_AGENTS', 'every agent left while the setup ran', { hint: 'start agents again and rerun' });
      return this.startRun(runId, scenario, still, listener, opts, dataPieces, setup);
    } catch (e) {
      // No run to own the teardown: the next start must not be refused as busy.
      if (this.run === undefined && this.setupJobs === setup?.jobs) this.setupJobs = undefined;
      throw e;
    }
  }

  /** The run itself, once its data went ahead and its setup ran: plans, assignments, the clock. */
  private startRun(
    runId: string, scenario: Scenario, agents: readonly AgentInfo[], listener: RunListener, opts: StartOptions, dataPieces: Awaited<ReturnType<typeof prepareDataPieces>>,
    setup: { jobs: SetupJobs; first: SetupJobResult | undefined } | undefined,
  ): RunHandle {
    if (this.run !== undefined) throw new LoadfleetError('BUSY', `test ${(this.run as TestRun).runId} started meanwhile`);
    const run = new TestRun({
      runId,
      scenario,
      agents: agents.map((a) => ({ id: a.id, host: a.host })),
      clock: this.opts.clock,
      startedAtEpochMs: Date.now(),
      snapshotIntervalMs: this.snapshotIntervalMs,
      send: (id, m) => this.fleet.send(id, m),
      listener: this.observed(runId, listener),
      onAgentLoss: opts.onAgentLoss ?? 'rebalance',
      dataPieces,
      piecesSentAhead: true,
      ...(setup !== undefined ? { setup } : {}),
    });
    for (const a of agents) this.fleet.setState(a.id, 'busy', runId);
    this.run = run;
    this.elastic = opts.elastic ?? true;
    this.notify((o) => o.onRunStart?.(runId, scenario));
    run.start();
    const report = run.report.then((r) => {
      // Kept before the run is forgotten: from here on its report is fetchable, whoever started it.
      this.reports.keep(r);
      for (const a of this.fleet.agents()) if (a.runId === runId) this.fleet.setState(a.id, 'idle', undefined);
      if (this.run === run) this.run = undefined;
      if (this.setupJobs === setup?.jobs) this.setupJobs = undefined;
      this.notify((o) => o.onRunEnd?.(r));
      this.opts.log('info', `run ${runId} finished: ${r.summary.requests} requests, verdict ${r.verdict}`);
      return r;
    });
    return { runId, agentIds: agents.map((a) => a.id), report };
  }

  /**
   * A run that sent no load (its setup failed, or it was stopped during it) ends at once: its report
   * (run/setup-phase.ts) is kept and observed like any run's, and its handle carries it.
   */
  private endWithoutLoad(
    runId: string, scenario: Scenario, agents: readonly AgentInfo[], opts: StartOptions, startedAtEpochMs: number, first: SetupJobResult, noLoad: NoLoad, jobs: SetupJobs,
  ): RunHandle {
    if (this.setupJobs === jobs) this.setupJobs = undefined;
    const report = noLoadReport({
      runId, scenario, startedAtEpochMs, durationMs: Date.now() - startedAtEpochMs, intervalMs: this.snapshotIntervalMs,
      onAgentLoss: opts.onAgentLoss ?? 'rebalance', setup: first.record, noLoad,
    });
    this.reports.keep(report);
    this.notify((o) => o.onRunStart?.(runId, scenario));
    this.notify((o) => o.onRunEnd?.(report));
    this.opts.log('info', `run ${runId} sent no load: ${noLoad.cause === 'stopped' ? `stopped during its setup (${noLoad.message})` : noLoad.message}; verdict ${report.verdict}`);
    return { runId, agentIds: agents.map((a) => a.id), report: Promise.resolve(report) };
  }

  /**
   * The scenario's setup, once for the whole fleet before the clock starts, on one of `agentIds`
   * (run/setup-jobs.ts); undefined when it has neither setup nor teardown. When setup fails, or the run is
   * stopped while it runs, `noLoad` says why (an error notice names the failed step and why): no load is
   * sent. A stop that comes once setup succeeded stops the started run, whose teardown then runs.
   */
  private async runSetup(
    runId: string, scenario: Scenario, agentIds: readonly string[], listener: RunListener,
  ): Promise<{ jobs: SetupJobs; first: SetupJobResult | undefined; noLoad?: NoLoad } | undefined> {
    const program = scenario.program;
    if (program?.setup === undefined && program?.teardown === undefined) return undefined;
    const connected = (): string[] => {
      const now = new Set(this.fleet.agents().map((a) => a.id));
      // The run's own agents first (busy with it or about to be), then any other connected one.
      const mine = this.fleet.agents().filter((a) => a.runId === runId).map((a) => a.id);
      return [...new Set([...agentIds.filter((id) => now.has(id)), ...mine, ...now])];
    };
    const jobs = new SetupJobs({
      runId, scenario, snapshotIntervalMs: this.snapshotIntervalMs, clock: this.opts.clock, send: (id, m) => this.fleet.send(id, m), candidates: connected,
      notice: (level, message) => listener.onNotice(level, message),
    });
    this.setupJobs = jobs;
    if (program.setup === undefined) return { jobs, first: undefined };
    listener.onNotice('info', `run ${runId}: running the setup on one agent before the load`);
    const phase: SetupPhase = { runId, startedMs: this.opts.clock.nowMs(), jobs, stopReason: undefined };
    this.setupPhase = phase;
    const first = await jobs.run('setup', 'setup', undefined, 0).finally(() => {
      if (this.setupPhase === phase) this.setupPhase = undefined;
    });
    if (phase.stopReason !== undefined) {
      listener.onNotice('info', `stopped during the setup (${phase.stopReason}): no load was sent, no teardown runs`);
      return { jobs, first, noLoad: { cause: 'stopped', message: phase.stopReason } };
    }
    if (!first.record.ok) {
      const on = first.record.agentId === null ? '' : ` on agent ${first.record.agentId}`;
      const message = `setup failed${on}: ${first.record.message}`;
      listener.onNotice('error', `${message}; no load was sent: fix the setup steps (or the target) and run again`);
      return { jobs, first, noLoad: { cause: 'setup-failed', message } };
    }
    listener.onNotice('info', `setup done on agent ${first.record.agentId ?? '?'} (${first.record.requests} request(s)); values ${first.record.values.join(', ') || 'none'} go to every agent`);
    return { jobs, first };
  }

  /** A live change of the running test (its scenario required when the test runs several at once). */
  change(change: LiveChange, source: string): { changeId: number; agents: number } {
    const run = this.requireRun();
    const r = run.change(change, source);
    this.notify((o) => o.onRateChange?.(run.runId, changeRecord(change, source)));
    return r;
  }

  /** Resolves when every agent acknowledged the change (or after timeoutMs): how many, and how long the last took. */
  whenApplied(changeId: number, timeoutMs?: number): Promise<{ applied: number; expected: number; appliedMs: number }> {
    const run = this.run;
    if (run === undefined) return Promise.resolve({ applied: 0, expected: 0, appliedMs: 0 });
    return run.whenApplied(changeId, timeoutMs);
  }

  /** A newly joined (or rejoined) idle agent gets a share of the running test. */
  private offerToRun(agent: AgentInfo): void {
    const run = this.run;
    if (run === undefined || !this.elastic || run.currentState !== 'running' || agent.state !== 'idle') return;
    if (run.join(agent.id, agent.host)) this.fleet.setState(agent.id, 'busy', run.runId);
  }

  /**
   * Stops the running test, if any; returns whether one was running. During its setup, the setup is
   * abandoned (its agent's answer, if one comes, is ignored) and the run ends with no load.
   */
  stop(reason: string): boolean {
    if (this.run !== undefined) {
      this.run.stop(reason);
      return true;
    }
    const phase = this.setupPhase;
    if (phase === undefined) return false;
    phase.stopReason ??= reason;
    phase.jobs.cancel(`stopped during the setup: ${phase.stopReason}`);
    return true;
  }

  /** Adds an observer of every run from now on; returns its remover. */
  observe(o: RunObserver): () => void {
    this.observers.add(o);
    return () => this.observers.delete(o);
  }

  /** The running test's merged figures of a phase so far (null when no test runs). */
  liveTotals(phase: Phase): PhaseTotals | null {
    return this.run?.totalsSoFar(phase) ?? null;
  }

  private observed(runId: string, listener: RunListener): RunListener {
    return {
      onTick: (line) => {
        listener.onTick(line);
        this.notify((o) => o.onTick?.(runId, line));
      },
      onNotice: (level, message) => {
        listener.onNotice(level, message);
        this.notify((o) => o.onNotice?.(runId, level, message));
      },
    };
  }

  private notify(fn: (o: RunObserver) => void): void {
    for (const o of this.observers) {
      try {
        fn(o);
      } catch (e) {
        this.opts.log('error', `run observer failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  /**
   * A finished run's report as kept (the latest when `runId` is undefined). Throws NO_REPORT for a run
   * still in progress, or one not kept (unknown, or older than the last N), naming the kept ids.
   */
  keptReport(runId?: string): KeptReport {
    const kept = this.reports.get(runId);
    if (kept !== undefined) return kept;
    const run = this.run;
    if (run !== undefined && (runId === undefined || runId === run.runId)) {
      const s = run.status();
      throw new LoadfleetError('NO_REPORT', `run ${run.runId} is still running (${Math.round(s.elapsedMs / 1000)}/${Math.round(s.totalMs / 1000)} s)${runId === undefined ? ' and no run has finished here before it' : ''}`, {
        hint: 'fetch its report once it has ended, or end it now with `loadfleet stop`',
      });
    }
    const phase = this.setupPhase;
    if (phase !== undefined && (runId === undefined || runId === phase.runId)) {
      throw new LoadfleetError('NO_REPORT', `run ${phase.runId} is running its setup (${Math.round(setupStatus(phase, this.opts.clock.nowMs()).elapsedMs / 1000)} s)`, {
        hint: 'fetch its report once it has ended, or end it now with `loadfleet stop`',
      });
    }
    const ids = this.reports.ids();
    const have = ids.length === 0 ? 'it keeps none: no run has finished since it started'
      : `it keeps the last ${this.reports.limit} finished run(s): ${ids.join(', ')}`;
    throw new LoadfleetError('NO_REPORT', runId === undefined ? `no report on this coordinator: ${have}` : `no report of run ${runId} on this coordinator; ${have}`);
  }

  status(): FleetStatus {
    const phase = this.setupPhase;
    return { agents: this.fleet.agents(), run: this.run?.status() ?? null, ...(phase === undefined ? {} : { setup: setupStatus(phase, this.opts.clock.nowMs()) }) };
  }

  close(): void {
    this.run?.stop('coordinator shutting down');
    if (this.setupPhase !== undefined) this.stop('coordinator shutting down');
    this.setupJobs?.cancel('the coordinator shut down');
    this.fleet.close();
  }

  private requireRun(): TestRun {
    if (this.run === undefined) throw new LoadfleetError('NOT_RUNNING', 'no test is running', { hint: 'start one with `loadfleet run`' });
    return this.run;
  }
}
