// One phase of the engine: its recorder, one runner per scenario, its interval
// timer, and the delta snapshots taken from it. The engine owns the phase order, the `seq` numbering and
// delivery; this file owns what one phase's delta says (engine.ts states the accounting contract).
import type { AgentPlan } from '../../common/plan/agent-plan.js';
import type { Stats, Phase } from '../../common/metrics/stats.js';
import type { Clock, TimerHandle } from '../../common/runtime/clock.js';
import type { HttpClient } from './http-client.js';
import { ClosedRunner } from './closed-runner.js';
import { OpenRunner } from './open-runner.js';
import { constantSchedule } from './pacer.js';
import { Recorder } from './recorder.js';
import type { MayIssue, EngineScenario, ScenarioRun, Runner } from './engine-scenarios.js';
import type { FlowDriver } from './flow-driver.js';
import { RequestRecorder } from './request-recorder.js';
import { expectedTable } from '../../common/metrics/expected-status.js';

export interface EngineSnapshot {
  seq: number;            // 1,2,3... across both phases of this run
  phase: Phase;           // 'warmup' | 'main'
  intervalIndex: number;  // 0-based interval of that phase, by the engine's own clock since the phase started
  intervalMs: number;     // time actually covered by this delta
  stats: Stats;           // delta
  rateRps: number;        // mean scheduled arrival rate over the interval (open; 0 for closed)
  concurrency: number;    // loop count (closed; 0 for open)
}

/** One phase's bookkeeping. */
export interface PhaseRun {
  readonly phase: Phase;
  readonly recorder: Recorder;
  readonly runs: ScenarioRun[];
  startMs: number;
  /** When issuing stopped (every scenario's schedule ended, or stop()); undefined while running. */
  endMs: number | undefined;
  lastTakeMs: number;
  nextIndex: number;
  timer: TimerHandle | undefined;
}

/** What every phase of one engine is built from. */
export interface PhaseSetup {
  plan: AgentPlan;
  clock: Clock;
  client: HttpClient;
  /** The scenario language's flows (plan.program), else undefined: the single-request path. */
  flows: FlowDriver | undefined;
  scenarios: readonly EngineScenario[];
  onLatencySample: ((phase: Phase, latencyMs: number) => void) | undefined;
  /** Asked by every runner before each send (engine-scenarios.ts MayIssue). */
  mayIssue: MayIssue | undefined;
  /** A runner's permit was revoked (it has ended); the engine stops the phase. */
  onRevoked: () => void;
}

/**
 * A phase with a runner per scenario, not started yet (the engine makes it its current phase first: a
 * runner may finish inside start()). `onScenarioFinished` is each runner's end of schedule.
 */
export function newPhase(phase: Phase, setup: PhaseSetup, onScenarioFinished: (run: PhaseRun, entry: ScenarioRun) => void): PhaseRun {
  const { client, flows, clock, plan } = setup;
  const recorder = new Recorder(clock, flows === undefined ? undefined : new RequestRecorder(), expectedTable(plan.request.expect));
  const sample = setup.onLatencySample;
  if (sample !== undefined) recorder.latencySampler = (ms) => sample(phase, ms);
  const nowMs = clock.nowMs();
  const runs: ScenarioRun[] = [];
  const run: PhaseRun = { phase, recorder, runs, startMs: nowMs, endMs: undefined, lastTakeMs: nowMs, nextIndex: 0, timer: undefined };
  for (const scenario of setup.scenarios) {
    const schedule = phase === 'warmup' ? constantSchedule(scenario.warmupValue, plan.warmupMs) : scenario.mainSchedule;
    const source = flows === undefined || scenario.flowNames === undefined ? flows : flows.forScenario(scenario.name, scenario.flowNames, scenario.cookies, scenario.expect);
    const entry = { scenario, finished: false, lastExpected: 0 } as ScenarioRun;
    const onFinished = (): void => onScenarioFinished(run, entry);
    const common = { schedule, client, recorder, clock, onFinished, flows: source, mayIssue: setup.mayIssue, onRevoked: setup.onRevoked };
    const runner: Runner = scenario.model === 'open'
      ? new OpenRunner({ ...common, maxInFlight: scenario.maxInFlight, arrivals: scenario.arrivals })
      : new ClosedRunner({ ...common, maxLoops: scenario.maxInFlight, planned: !(phase === 'main' && scenario.mainChanged) });
    runs.push(Object.assign(entry, { runner }));
  }
  return run;
}

/**
 * Starts the phase's monitoring, its interval timer (`onInterval` every snapshotIntervalMs; a joiner's
 * first main interval is plan.firstIntervalMs) and its runners; its startMs is then the runners' start.
 */
export function startPhase(run: PhaseRun, plan: AgentPlan, clock: Clock, onInterval: (run: PhaseRun) => void): void {
  run.recorder.startMonitoring();
  const first = run.phase === 'main' ? plan.firstIntervalMs : undefined;
  if (first !== undefined && first > 0 && first !== plan.snapshotIntervalMs) {
    // A joiner's first interval ends on the run's next interval boundary; the later ones follow it.
    run.timer = clock.after(first, () => {
      if (run.timer === undefined) return;
      onInterval(run);
      run.timer = clock.every(plan.snapshotIntervalMs, () => onInterval(run));
    });
  } else {
    run.timer = clock.every(plan.snapshotIntervalMs, () => onInterval(run));
  }
  for (const r of run.runs) r.runner.start();
  run.startMs = run.runs[0]?.runner.startMs ?? run.startMs;
  run.lastTakeMs = run.startMs;
}

/** The index of the phase's interval that nowMs falls in, by the clock (a joiner's first is plan.firstIntervalMs long). */
function intervalFilling(run: PhaseRun, plan: AgentPlan, nowMs: number): number {
  const elapsedMs = nowMs - run.startMs;
  const first = run.phase === 'main' ? plan.firstIntervalMs : undefined;
  if (first === undefined || !(first > 0)) return Math.max(0, Math.floor(elapsedMs / plan.snapshotIntervalMs));
  return elapsedMs < first ? 0 : Math.floor((elapsedMs - first) / plan.snapshotIntervalMs) + 1;
}

/**
 * Takes the phase's delta at nowMs, or undefined when it is skipped (idle and not `always`). Regular
 * ticks (`tick`) advance the interval index even when the delta is skipped; `always` forces a delta even
 * when idle (the final main delta). `issuing`: the phase is the engine's current one and still issuing
 * (only then does a closed scenario's loop count show). The caller numbers it (seq).
 */
export function takeDelta(run: PhaseRun, plan: AgentPlan, nowMs: number, always: boolean, tick: boolean, issuing: boolean): Omit<EngineSnapshot, 'seq'> | undefined {
  const interval = plan.snapshotIntervalMs;
  let intervalIndex: number;
  if (tick) {
    intervalIndex = run.nextIndex;
    // A tick more than an interval late (a frozen or starved process) skips the intervals slept
    // through: what is sent from now on is labelled with the interval it is sent in.
    run.nextIndex = Math.max(intervalIndex + 1, intervalFilling(run, plan, nowMs));
  } else if (run.phase === 'main') {
    // The main phase's final delta belongs to the interval it started in (the one ticks were filling),
    // even when the schedule's end and the tick at that boundary race.
    intervalIndex = run.nextIndex;
  } else {
    intervalIndex = Math.max(run.nextIndex, Math.floor((nowMs - run.startMs) / interval));
  }
  if (!always && run.recorder.isIdle()) return undefined;
  if (!tick) run.nextIndex = intervalIndex + 1;
  const stats = run.recorder.takeDelta();
  const intervalMs = nowMs - run.lastTakeMs;
  run.lastTakeMs = nowMs;
  // Open model: the mean scheduled rate over this interval (exact across ramps and live changes),
  // comparable with the achieved rate of the same interval; summed over the open scenarios.
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
  return {
    phase: run.phase,
    // A joiner's main phase starts part-way through the run: its intervals are the run's from the offset.
    intervalIndex: run.phase === 'main' ? intervalIndex + (plan.intervalOffset ?? 0) : intervalIndex,
    intervalMs,
    stats,
    rateRps,
    concurrency,
  };
}
