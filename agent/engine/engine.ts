// The engine facade the agent session drives: runs the warm-up phase (if any) then the main phase of
// one AgentPlan with the plan's executor (open-runner.ts or closed-runner.ts), and reports per-interval
// deltas. Knows nothing of gRPC or of the coordinator.
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
import type { AgentPlan, Segment } from '../../common/plan.js';
import type { Stats, Phase } from '../../common/stats.js';
import { emptyStats } from '../../common/stats.js';
import { systemClock } from '../../common/clock.js';
import type { Clock, TimerHandle } from '../../common/clock.js';
import { LoadfleetError } from '../../common/errors.js';
import { HttpClient } from './http-client.js';
import { ClosedRunner } from './closed-runner.js';
import { OpenRunner } from './open-runner.js';
import { changeRate, constantSchedule, fitTail, replaceTail } from './pacer.js';
import { Recorder } from './recorder.js';
import type { RowPicker } from '../../common/feeder-select.js';
import { partsOf } from './engine-parts.js';
import type { Part, PartRun, Runner } from './engine-parts.js';
import { FlowDriver } from './flow-driver.js';
import { LangRecorder } from './lang-recorder.js';

export interface EngineSnapshot {
  seq: number;            // 1,2,3... across both phases of this run
  phase: Phase;           // 'warmup' | 'main'
  intervalIndex: number;  // 0-based interval of that phase, by the engine's own clock since the phase started
  intervalMs: number;     // time actually covered by this delta
  stats: Stats;           // delta
  rateRps: number;        // mean scheduled arrival rate over the interval (open; 0 for closed)
  concurrency: number;    // loop count (closed; 0 for open)
}

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
   * Open model: this agent's new arrival rate, ramped linearly over rampMs from now. `scenario` names
   * the part of a plan with several (plan.parts); absent or '' means the first (the only one otherwise).
   * A change for an unknown scenario or the other model is ignored. Likewise setTail and setConcurrency.
   */
  setRate(rateRps: number, rampMs: number, scenario?: string): void;
  /**
   * This agent's schedule from now to its end (a new share of the fleet's schedule): arrival rates (open)
   * or loop counts (closed). During warm-up the warm-up value becomes the tail's first value and the
   * main phase follows the tail.
   */
  setTail(tail: readonly Segment[], scenario?: string): void;
  /** Closed model: new loop count. */
  setConcurrency(concurrency: number, scenario?: string): void;
  /** Main-phase ms since this engine's main phase started (0 before it). */
  mainElapsedMs(): number;
  /**
   * Stops issuing arrivals now; in-flight requests drain (bounded by drainTimeoutMs, then aborted and
   * counted as errors of kind 'other'). Idempotent.
   */
  stop(reason: string): void;
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
}

export function createEngine(plan: AgentPlan, deps: EngineDeps): Engine {
  return new LoadEngine(plan, deps);
}

/** One phase's bookkeeping. */
interface PhaseRun {
  readonly phase: Phase;
  readonly recorder: Recorder;
  readonly runs: PartRun[];
  startMs: number;
  /** When issuing stopped (every part's schedule ended, or stop()); undefined while running. */
  endMs: number | undefined;
  lastTakeMs: number;
  nextIndex: number;
  timer: TimerHandle | undefined;
}

type EngineState = 'idle' | 'warmup' | 'main' | 'draining' | 'done';

class LoadEngine implements Engine {
  readonly done: Promise<EngineResult>;
  private readonly plan: AgentPlan;
  private readonly clock: Clock;
  private readonly onSnapshot: (s: EngineSnapshot) => void;
  private readonly drainTimeoutMs: number;
  private readonly onLatencySample: EngineDeps['onLatencySample'];
  private readonly lookup: LookupFunction | undefined;
  private readonly pickers: ReadonlyMap<string, RowPicker> | undefined;
  private resolveDone: (r: EngineResult) => void = () => undefined;
  private state: EngineState = 'idle';
  private client: HttpClient | undefined;
  /** The scenario language's flows (plan.program), else undefined: the single-request path. */
  private flows: FlowDriver | undefined;
  private warmup: PhaseRun | undefined;
  private main: PhaseRun | undefined;
  private readonly parts: Part[];
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
    this.parts = partsOf(plan);
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
      lanes: this.plan.model === 'closed' && this.plan.parts === undefined,
      tls: this.plan.tls,
    });
    if (this.plan.program !== undefined) this.flows = new FlowDriver(this.plan.program, { clock: this.clock, connections: this.plan.connections, ...(this.lookup !== undefined ? { lookup: this.lookup } : {}), ...(this.pickers !== undefined ? { pickers: this.pickers } : {}), tls: this.plan.tls });
    if (this.plan.warmupMs > 0) this.beginPhase('warmup');
    else this.beginPhase('main');
  }

  /** The part a live change names (see Engine.setRate), if it has `model`. */
  private partFor(scenario: string | undefined, model: AgentPlan['model']): Part | undefined {
    const p = scenario === undefined || scenario === '' ? this.parts[0] : this.parts.find((x) => x.name === scenario);
    return p?.model === model ? p : undefined;
  }

  /** The runner of `part` in the phase now issuing, if any. */
  private runnerOf(part: Part): Runner | undefined {
    const run = this.state === 'warmup' ? this.warmup : this.state === 'main' ? this.main : undefined;
    return run?.runs.find((r) => r.part === part)?.runner;
  }

  setRate(rateRps: number, rampMs: number, scenario?: string): void {
    if (!(Number.isFinite(rateRps) && rateRps >= 0 && Number.isFinite(rampMs) && rampMs >= 0)) {
      throw new LoadfleetError('INTERNAL', `setRate needs a rate >= 0 and a ramp >= 0, got ${rateRps} req/s over ${rampMs} ms`);
    }
    const part = this.partFor(scenario, 'open');
    if (part === undefined) return;
    switch (this.state) {
      case 'idle':
        part.warmupValue = rateRps;
        part.mainSchedule = changeRate(part.mainSchedule, 0, rateRps, 0);
        return;
      case 'warmup':
        // The warm-up follows now; the main phase will start at the new rate.
        (this.runnerOf(part) as OpenRunner | undefined)?.setRate(rateRps, rampMs);
        part.mainSchedule = changeRate(part.mainSchedule, 0, rateRps, 0);
        return;
      case 'main':
        (this.runnerOf(part) as OpenRunner | undefined)?.setRate(rateRps, rampMs);
        return;
      case 'draining':
      case 'done':
        return;
    }
  }

  setTail(tail: readonly Segment[], scenario?: string): void {
    if (tail.length === 0) return;
    const part = this.partFor(scenario, 'open') ?? this.partFor(scenario, 'closed');
    if (part === undefined) return;
    switch (this.state) {
      case 'idle':
      case 'warmup': {
        const first = tail[0] as Segment;
        const warm = this.runnerOf(part);
        if (warm instanceof OpenRunner) warm.setRate(first.from, 0);
        else if (warm instanceof ClosedRunner) warm.setConcurrency(Math.round(first.from));
        else part.warmupValue = first.from;
        part.mainSchedule = replaceTail(part.mainSchedule, 0, fitTail(tail, part.mainSchedule.endMs));
        part.mainConcurrency = undefined;
        return;
      }
      case 'main':
        this.runnerOf(part)?.setTail(tail);
        return;
      case 'draining':
      case 'done':
        return;
    }
  }

  mainElapsedMs(): number {
    const main = this.main;
    if (main === undefined) return 0;
    return (main.endMs ?? this.clock.nowMs()) - main.startMs;
  }

  setConcurrency(concurrency: number, scenario?: string): void {
    if (!(Number.isInteger(concurrency) && concurrency >= 0)) {
      throw new LoadfleetError('INTERNAL', `setConcurrency needs a whole number >= 0, got ${concurrency}`);
    }
    const part = this.partFor(scenario, 'closed');
    if (part === undefined) return;
    switch (this.state) {
      case 'idle':
        part.warmupValue = concurrency;
        part.mainConcurrency = concurrency;
        return;
      case 'warmup':
        (this.runnerOf(part) as ClosedRunner | undefined)?.setConcurrency(concurrency);
        part.mainConcurrency = concurrency;
        return;
      case 'main':
        (this.runnerOf(part) as ClosedRunner | undefined)?.setConcurrency(concurrency);
        return;
      case 'draining':
      case 'done':
        return;
    }
  }

  stop(_reason: string): void {
    switch (this.state) {
      case 'idle':
        this.stoppedEarly = true;
        this.state = 'draining';
        this.finish();
        return;
      case 'warmup':
        this.stoppedEarly = true;
        this.endIssuing(this.warmup as PhaseRun);
        this.drain();
        return;
      case 'main':
        this.stoppedEarly = true;
        this.endIssuing(this.main as PhaseRun);
        this.drain();
        return;
      case 'draining':
      case 'done':
        return;
    }
  }

  private beginPhase(phase: Phase): void {
    const client = this.client as HttpClient;
    const flows = this.flows;
    const recorder = new Recorder(this.clock, flows === undefined ? undefined : new LangRecorder());
    const sample = this.onLatencySample;
    if (sample !== undefined) recorder.latencySampler = (ms) => sample(phase, ms);
    const nowMs = this.clock.nowMs();
    const runs: PartRun[] = [];
    const run: PhaseRun = { phase, recorder, runs, startMs: nowMs, endMs: undefined, lastTakeMs: nowMs, nextIndex: 0, timer: undefined };
    for (const part of this.parts) {
      const schedule = phase === 'warmup' ? constantSchedule(part.warmupValue, this.plan.warmupMs) : part.mainSchedule;
      const source = flows === undefined || part.flowNames === undefined ? flows : flows.part(part.name, part.flowNames);
      const entry = { part, finished: false, lastExpected: 0 } as PartRun;
      const onFinished = (): void => this.partFinished(run, entry);
      const common = { schedule, client, recorder, clock: this.clock, onFinished, flows: source };
      const runner: Runner = part.model === 'open'
        ? new OpenRunner({ ...common, maxInFlight: part.maxInFlight })
        : new ClosedRunner({ ...common, maxLoops: part.maxInFlight });
      if (phase === 'main' && runner instanceof ClosedRunner && part.mainConcurrency !== undefined) runner.setConcurrency(part.mainConcurrency);
      runs.push(Object.assign(entry, { runner }));
    }
    if (phase === 'warmup') this.warmup = run;
    else this.main = run;
    this.state = phase;
    recorder.startMonitoring();
    const first = phase === 'main' ? this.plan.firstIntervalMs : undefined;
    if (first !== undefined && first > 0 && first !== this.plan.snapshotIntervalMs) {
      // A joiner's first interval ends on the run's next interval boundary; the later ones follow it.
      run.timer = this.clock.after(first, () => {
        if (run.timer === undefined) return;
        this.onInterval(run);
        run.timer = this.clock.every(this.plan.snapshotIntervalMs, () => this.onInterval(run));
      });
    } else {
      run.timer = this.clock.every(this.plan.snapshotIntervalMs, () => this.onInterval(run));
    }
    for (const r of runs) r.runner.start();
    run.startMs = runs[0]?.runner.startMs ?? nowMs;
    run.lastTakeMs = run.startMs;
  }

  /** A part's runner reached the end of its schedule; the phase ends with its last part. */
  private partFinished(run: PhaseRun, entry: PartRun): void {
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

  /**
   * Takes and emits the phase's delta. Regular ticks (`tick`) advance the interval index even when the
   * delta is skipped; `always` forces an emit even when idle (the final main delta).
   */
  private emit(run: PhaseRun, always: boolean, tick = false): void {
    const nowMs = this.clock.nowMs();
    const interval = this.plan.snapshotIntervalMs;
    let intervalIndex: number;
    if (tick) {
      intervalIndex = run.nextIndex++;
    } else if (run.phase === 'main') {
      // The main phase's final delta belongs to the interval it started in (the one ticks were filling),
      // even when the schedule's end and the tick at that boundary race.
      intervalIndex = run.nextIndex;
    } else {
      intervalIndex = Math.max(run.nextIndex, Math.floor((nowMs - run.startMs) / interval));
    }
    if (!always && run.recorder.isIdle()) return;
    if (!tick) run.nextIndex = intervalIndex + 1;
    const stats = run.recorder.takeDelta();
    const intervalMs = nowMs - run.lastTakeMs;
    run.lastTakeMs = nowMs;
    const issuing = run.endMs === undefined && this.state === run.phase;
    // Open model: the mean scheduled rate over this interval (exact across ramps and live changes),
    // comparable with the achieved rate of the same interval; summed over the open parts.
    let rateRps = 0;
    let concurrency = 0;
    for (const r of run.runs) {
      const runner = r.runner;
      if (runner instanceof OpenRunner) {
        const expected = runner.expectedBy(Math.min(nowMs, run.endMs ?? nowMs));
        rateRps += intervalMs > 0 ? Math.max(0, expected - r.lastExpected) / (intervalMs / 1000) : 0;
        r.lastExpected = expected;
      } else if (issuing) {
        concurrency += runner.concurrency();
      }
    }
    this.deliver({
      seq: ++this.seq,
      phase: run.phase,
      // A joiner's main phase starts part-way through the run: its intervals are the run's from the offset.
      intervalIndex: run.phase === 'main' ? intervalIndex + (this.plan.intervalOffset ?? 0) : intervalIndex,
      intervalMs,
      stats,
      rateRps,
      concurrency,
    });
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
