// The engine facade the agent session drives: runs the warm-up phase (if any) then the main phase of
// one AgentPlan with the plan's executor (open-runner.ts or closed-runner.ts), and reports per-interval
// deltas. Knows nothing of gRPC or of the coordinator. This file owns the engine's states, the phase
// order, the snapshots' numbering and delivery; engine-phases.ts builds a phase and takes its deltas,
// engine-control.ts lands live changes, engine-scenarios.ts holds the plan's scenarios.
//
// Accounting contract:
// - every request is counted exactly once, in the phase it was SENT in (a warm-up request that ends
//   during the main phase still counts in warm-up);
// - deltas are emitted every snapshotIntervalMs per phase; a delta with nothing in it is skipped (its
//   time rolls into the next delta), except the final delta of the main phase, which is always emitted
//   (also when the main phase never started: then it is empty, with intervalMs 0);
// - per phase, the sum of the delta counters equals the cumulative in EngineResult, and merging the
//   delta histograms gives the cumulative histogram;
// - when `done` resolves, nothing is in flight and sent === requests in each phase.
import type { LookupFunction } from 'node:net';
import type { AgentPlan } from '../../common/plan/agent-plan.js';
import type { Stats, Phase } from '../../common/metrics/stats.js';
import { emptyStats } from '../../common/metrics/stats.js';
import { systemClock } from '../../common/runtime/clock.js';
import type { Clock } from '../../common/runtime/clock.js';
import { HttpClient } from './http-client.js';
import type { RowPicker } from './feeder-select.js';
import { scenariosOf } from './engine-scenarios.js';
import type { MayIssue, EngineScenario, ScenarioRun, Runner } from './engine-scenarios.js';
import { applyShare } from './engine-control.js';
import type { ShareTail } from '../../common/protocol/live-change.js';
import type { EngineState, LiveTarget } from './engine-control.js';
import { newPhase, startPhase, takeDelta } from './engine-phases.js';
import type { EngineSnapshot, PhaseRun } from './engine-phases.js';
import { FlowDriver } from './flow-driver.js';
import { OpenRunner } from './open-runner.js';

export type { EngineSnapshot };

export interface EngineResult {
  main: Stats;
  warmup: Stats;
  mainDurationMs: number;
  lastSeq: number;
  stoppedEarly: boolean;
}

export interface Engine {
  /** Starts warm-up (if plan.warmupMs > 0) then the main phase. Call once. */
  start(): void;
  /**
   * A live change: this agent's new share of one scenario, from now to its end (arrival rates for the
   * open model, loop counts for the closed one; engine-control.ts applyShare). `scenario` names the scenario
   * of a plan with several (plan.scenarios); absent or '' means the first (the only one otherwise). A change
   * for an unknown scenario or of the other model is ignored.
   */
  change(share: ShareTail, scenario?: string): void;
  /** Main-phase ms since this engine's main phase started (0 before it). */
  mainElapsedMs(): number;
  /** New values of the scenario's setup (a refresh): flow runs started from now on use them. */
  setSetupValues?(values: Readonly<Record<string, unknown>>): void;
  /**
   * Stops issuing arrivals now; in-flight requests drain (bounded by drainTimeoutMs, then aborted and
   * counted as errors of kind 'other'). Idempotent. `abandon`: the load was taken away (e.g. the agent's
   * link went stale): arrivals already due and not sent are counted as dropped, never sent late.
   */
  stop(reason: string, abandon?: boolean): void;
  /** Resolves after the schedule ended (or stop()), in-flight drained, and the final delta snapshot(s) delivered via onSnapshot. Never rejects. */
  readonly done: Promise<EngineResult>;
}

export interface EngineDeps {
  onSnapshot: (s: EngineSnapshot) => void;
  /** Default: the system clock (the open runner paces finely only with it). */
  clock?: Clock;
  /** How long in-flight requests may take to finish after the end; default: the plan's timeoutMs. */
  drainTimeoutMs?: number;
  /** Optional: every response's latency from its intended send time, ms, by phase (sample logs). */
  onLatencySample?: (phase: Phase, latencyMs: number) => void;
  /**
   * Optional: the DNS lookup every connection uses (net.connect's `lookup`). The agent passes one that
   * enforces its allow-list at connect time, so a name that resolves elsewhere later (DNS rebinding)
   * cannot take the load outside it.
   */
  lookup?: LookupFunction;
  /** Optional: row sources replacing feeders' own rows (the coordinator's `unique` blocks). */
  pickers?: ReadonlyMap<string, RowPicker>;
  /**
   * Optional: asked before every send (engine-scenarios.ts MayIssue). Once it says no, the engine stops
   * issuing for good, as stop() (stoppedEarly), and the arrivals due by then and not sent count as
   * dropped: a frozen process never fires its backlog as a burst after it may have lost the load.
   */
  mayIssue?: MayIssue;
}

export function createEngine(plan: AgentPlan, deps: EngineDeps): Engine {
  return new LoadEngine(plan, deps);
}

class LoadEngine implements Engine {
  readonly done: Promise<EngineResult>;
  private readonly plan: AgentPlan;
  private readonly clock: Clock;
  private readonly onSnapshot: (s: EngineSnapshot) => void;
  private readonly drainTimeoutMs: number;
  private readonly onLatencySample: EngineDeps['onLatencySample'];
  private readonly lookup: LookupFunction | undefined;
  private readonly pickers: ReadonlyMap<string, RowPicker> | undefined;
  private readonly mayIssue: MayIssue | undefined;
  private resolveDone: (r: EngineResult) => void = () => undefined;
  private state: EngineState = 'idle';
  private client: HttpClient | undefined;
  /** The scenario language's flows (plan.program), else undefined: the single-request path. */
  private flows: FlowDriver | undefined;
  private warmup: PhaseRun | undefined;
  private main: PhaseRun | undefined;
  private readonly scenarios: EngineScenario[];
  private seq = 0;
  private stoppedEarly = false;
  private snapshotError: { error: unknown } | undefined;

  constructor(plan: AgentPlan, deps: EngineDeps) {
    this.plan = plan;
    this.clock = deps.clock ?? systemClock;
    this.onSnapshot = deps.onSnapshot;
    this.drainTimeoutMs = deps.drainTimeoutMs ?? plan.request.timeoutMs;
    this.onLatencySample = deps.onLatencySample;
    this.lookup = deps.lookup;
    this.pickers = deps.pickers;
    this.mayIssue = deps.mayIssue;
    this.scenarios = scenariosOf(plan);
    this.done = new Promise<EngineResult>((resolve) => {
      this.resolveDone = resolve;
    });
  }

  start(): void {
    if (this.state !== 'idle') return;
    const r = this.plan.request;
    this.client = new HttpClient({
      ...(this.lookup !== undefined ? { lookup: this.lookup } : {}),
      url: r.url,
      method: r.method,
      headers: r.headers,
      body: r.body,
      timeoutMs: r.timeoutMs,
      connections: this.plan.connections,
      clock: this.clock,
      lanes: this.plan.model === 'closed' && this.plan.scenarios === undefined,
      tls: this.plan.tls,
    });
    if (this.plan.program !== undefined) this.flows = new FlowDriver(this.plan.program, { clock: this.clock, connections: this.plan.connections, ...(this.lookup !== undefined ? { lookup: this.lookup } : {}), ...(this.pickers !== undefined ? { pickers: this.pickers } : {}), tls: this.plan.tls, setupValues: this.plan.setupValues });
    if (this.plan.warmupMs > 0) this.beginPhase('warmup');
    else this.beginPhase('main');
  }

  /** The phase now issuing, if any. */
  private issuing(): PhaseRun | undefined {
    return this.state === 'warmup' ? this.warmup : this.state === 'main' ? this.main : undefined;
  }

  /** The runner of `scenario` in the phase now issuing, if any. */
  private runnerOf(scenario: EngineScenario): Runner | undefined {
    return this.issuing()?.runs.find((r) => r.scenario === scenario)?.runner;
  }

  /** What a live change sees of this engine now (engine-control.ts). */
  private live(): LiveTarget {
    return { state: this.state, scenarios: this.scenarios, runnerOf: (scenario) => this.runnerOf(scenario) };
  }

  change(share: ShareTail, scenario?: string): void {
    applyShare(this.live(), share, scenario);
  }

  setSetupValues(values: Readonly<Record<string, unknown>>): void {
    this.plan.setupValues = { ...values };
    this.flows?.setSetupValues(values);
  }

  mainElapsedMs(): number {
    const main = this.main;
    if (main === undefined) return 0;
    return (main.endMs ?? this.clock.nowMs()) - main.startMs;
  }

  stop(_reason: string, abandon = false): void {
    if (abandon) {
      for (const r of this.issuing()?.runs ?? []) if (r.runner instanceof OpenRunner) r.runner.abandon();
    }
    switch (this.state) {
      case 'idle':
        this.stoppedEarly = true;
        this.state = 'draining';
        this.finish();
        return;
      case 'warmup':
      case 'main':
        this.stoppedEarly = true;
        this.endIssuing(this.issuing() as PhaseRun);
        this.drain();
        return;
      case 'draining':
      case 'done':
        return;
    }
  }

  private beginPhase(phase: Phase): void {
    const setup = {
      plan: this.plan, clock: this.clock, client: this.client as HttpClient, flows: this.flows, scenarios: this.scenarios, onLatencySample: this.onLatencySample,
      mayIssue: this.mayIssue, onRevoked: () => this.stop('no longer permitted to issue load', true),
    };
    const run = newPhase(phase, setup, (r, entry) => this.scenarioFinished(r, entry));
    if (phase === 'warmup') this.warmup = run;
    else this.main = run;
    this.state = phase;
    startPhase(run, this.plan, this.clock, (r) => this.onInterval(r));
  }

  /** A scenario's runner reached the end of its schedule; the phase ends with its last scenario. */
  private scenarioFinished(run: PhaseRun, entry: ScenarioRun): void {
    entry.finished = true;
    if (run.runs.every((r) => r.finished)) this.phaseFinished(run);
  }

  /** The runner reached the end of its schedule. */
  private phaseFinished(run: PhaseRun): void {
    if (this.state !== run.phase) return;
    this.endIssuing(run);
    if (run.phase === 'warmup') this.beginPhase('main');
    else this.drain();
  }

  /** The phase stops issuing requests (its in-flight ones keep counting in it). */
  private endIssuing(run: PhaseRun): void {
    for (const r of run.runs) r.runner.stop();
    run.endMs = this.clock.nowMs();
    run.recorder.stopMonitoring();
    if (run.phase === 'warmup') {
      // Warm-up stragglers are reported on the main phase's ticks and at the end.
      run.timer?.cancel();
      run.timer = undefined;
      this.emit(run, false);
    }
  }

  private onInterval(run: PhaseRun): void {
    this.emit(run, false, true);
    const w = this.warmup;
    if (run.phase === 'main' && w !== undefined && w.endMs !== undefined) this.emit(w, false);
  }

  private drain(): void {
    this.state = 'draining';
    const client = this.client as HttpClient;
    Promise.all([client.close(this.drainTimeoutMs), this.flows?.close(this.drainTimeoutMs)]).then(
      () => this.finish(),
      () => this.finish(),
    );
  }

  private finish(): void {
    if (this.state === 'done') return;
    this.state = 'done';
    const main = this.main;
    const warmup = this.warmup;
    main?.timer?.cancel();
    warmup?.timer?.cancel();
    if (warmup !== undefined) this.emit(warmup, false);
    if (main !== undefined) {
      this.emit(main, true);
    } else {
      this.deliver({ seq: ++this.seq, phase: 'main', intervalIndex: this.plan.intervalOffset ?? 0, intervalMs: 0, stats: emptyStats(), rateRps: 0, concurrency: 0 });
    }
    const result: EngineResult = {
      main: main?.recorder.cumulative() ?? emptyStats(),
      warmup: warmup?.recorder.cumulative() ?? emptyStats(),
      mainDurationMs: main === undefined ? 0 : (main.endMs ?? this.clock.nowMs()) - main.startMs,
      lastSeq: this.seq,
      stoppedEarly: this.stoppedEarly,
    };
    main?.recorder.destroy();
    warmup?.recorder.destroy();
    this.resolveDone(result);
    const failure = this.snapshotError;
    if (failure !== undefined) {
      // done never rejects; a throwing onSnapshot is the caller's bug, surfaced like any uncaught error.
      queueMicrotask(() => {
        throw failure.error;
      });
    }
  }

  /** Takes and delivers the phase's delta, numbered (engine-phases.ts takeDelta says when it is skipped). */
  private emit(run: PhaseRun, always: boolean, tick = false): void {
    const delta = takeDelta(run, this.plan, this.clock.nowMs(), always, tick, run.endMs === undefined && this.state === run.phase);
    if (delta !== undefined) this.deliver({ seq: ++this.seq, ...delta });
  }

  private deliver(s: EngineSnapshot): void {
    if (this.state !== 'done') {
      this.onSnapshot(s);
      return;
    }
    try {
      this.onSnapshot(s);
    } catch (error) {
      this.snapshotError ??= { error };
    }
  }
}
