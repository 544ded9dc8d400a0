// Closed-model executor (k6's constant/ramping VUs): N loops, each sends its next request as soon as
// its previous one ends. Latency and service time are both measured from the actual send (there is no
// intended time in a closed model). The loop count follows the schedule's segments (rounded to whole
// loops, re-evaluated every CONTROL_PERIOD_MS); a live change (setTail) replaces the schedule from then
// on. Loops removed finish their current request first.
import type { Clock, TimerHandle } from '../../common/runtime/clock.js';
import type { ErrorKind } from '../../common/metrics/counters.js';
import type { HttpClient, ResponseSink } from './http-client.js';
import { rateAtMs, replaceTail } from './pacer.js';
import { fitTail } from '../../common/plan/rate-schedule.js';
import type { Segment } from '../../common/plan/agent-plan.js';
import type { RateSchedule } from './pacer.js';
import type { Recorder } from './recorder.js';
import type { FlowSource } from './flow-driver.js';
import type { CookieSession } from './cookie-jar.js';
import type { MayIssue } from './engine-scenarios.js';

/** How often a ramping loop count is re-evaluated, ms. */
export const CONTROL_PERIOD_MS = 100;

export interface ClosedRunnerOptions {
  /** Loop counts over time (same shape as a rate schedule: linear between from and to). */
  schedule: RateSchedule;
  client: HttpClient;
  recorder: Recorder;
  clock: Clock;
  /**
   * Upper bound on the plan's own loop counts (the plan's in-flight cap). Live changes (setTail) are the
   * coordinator's new share, e.g. after another agent left, and may exceed it; the
   * agent's own ceiling (--max-in-flight) is applied to them before (agent/session.ts).
   */
  maxLoops: number;
  /** False when the schedule already holds a live change (made before the phase began): maxLoops then does not apply. Default true. */
  planned?: boolean;
  /** Called once when the schedule's end is reached (not after stop()). Requests may still be in flight. */
  onFinished: () => void;
  /**
   * The scenario language: each loop iteration runs a flow; a loop whose flow run found a `unique`
   * feeder empty tries again after ROW_WAIT_MS while more rows may come (the coordinator's blocks),
   * else it stops (it would find it empty again).
   */
  flows?: FlowSource | undefined;
  /** Asked before each loop iteration's send (engine-scenarios.ts MayIssue); absent: always yes. */
  mayIssue?: MayIssue | undefined;
  /** Called once when mayIssue said no: every loop has stopped (as stop()). */
  onRevoked?: (() => void) | undefined;
}

/** How long a loop waits for `unique` rows that are on their way before it tries again. */
const ROW_WAIT_MS = 100;

class Loop implements ResponseSink {
  readonly runner: ClosedRunner;
  /** Its connection, when the client has one per loop. */
  readonly lane: number;
  /** Its cookie jar across iterations (cookies: per-loop), else undefined: each flow run has its own. */
  readonly jar: CookieSession | undefined;
  active = true;

  constructor(runner: ClosedRunner, lane: number, jar: CookieSession | undefined) {
    this.runner = runner;
    this.lane = lane;
    this.jar = jar;
  }

  onEnd(outcome: number | ErrorKind, bytes: number, intendedMs: number, sentMs: number): void {
    this.runner.loopEnded(this, outcome, bytes, intendedMs, sentMs);
  }
}

export class ClosedRunner {
  private schedule: RateSchedule;
  private readonly client: HttpClient;
  private readonly recorder: Recorder;
  private readonly clock: Clock;
  private readonly maxLoops: number;
  private readonly onFinished: () => void;
  private readonly flows: FlowSource | undefined;
  private readonly mayIssue: MayIssue | undefined;
  private readonly onRevoked: (() => void) | undefined;
  private readonly loops: Loop[] = [];
  private target = 0;
  /** False once a live change replaced the plan's schedule: maxLoops then no longer applies. */
  private planned: boolean;
  private startMsValue = 0;
  private state: 'idle' | 'running' | 'ended' = 'idle';
  private control: TimerHandle | undefined;
  private end: TimerHandle | undefined;

  constructor(opts: ClosedRunnerOptions) {
    this.schedule = opts.schedule;
    this.client = opts.client;
    this.recorder = opts.recorder;
    this.clock = opts.clock;
    this.maxLoops = opts.maxLoops;
    this.planned = opts.planned ?? true;
    this.onFinished = opts.onFinished;
    this.flows = opts.flows;
    this.mayIssue = opts.mayIssue;
    this.onRevoked = opts.onRevoked;
  }

  get startMs(): number {
    return this.startMsValue;
  }

  /** Loops currently wanted (0 once ended). */
  concurrency(): number {
    return this.state === 'running' ? this.target : 0;
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'running';
    this.startMsValue = this.clock.nowMs();
    this.applyTarget(this.scheduledLoops(0));
    const constant = this.schedule.segments.every((s) => s.from === s.to);
    if (!constant) this.control = this.clock.every(CONTROL_PERIOD_MS, this.onControl);
    this.end = this.clock.after(this.schedule.endMs, () => this.finish());
  }

  /**
   * Live change: from now, the loop count follows `tail` (this agent's share of the fleet's schedule,
   * fitted to the time left).
   */
  setTail(tail: readonly Segment[]): void {
    if (this.state === 'ended' || tail.length === 0) return;
    const atMs = this.state === 'running' ? this.clock.nowMs() - this.startMsValue : 0;
    this.schedule = replaceTail(this.schedule, atMs, fitTail(tail, this.schedule.endMs - atMs));
    this.planned = false;
    if (this.state !== 'running') return;
    this.applyTarget(this.scheduledLoops(atMs));
    this.control ??= this.clock.every(CONTROL_PERIOD_MS, this.onControl);
  }

  /** Stops every loop after its current request; does not call onFinished. Idempotent. */
  stop(): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.control?.cancel();
    this.end?.cancel();
    for (const loop of this.loops) loop.active = false;
    this.loops.length = 0;
  }

  /** Called by a Loop when its request ended. */
  loopEnded(loop: Loop, outcome: number | ErrorKind, bytes: number, intendedMs: number, sentMs: number): void {
    // One clock reading: the end of this request is the send time of the loop's next one.
    const nowMs = this.clock.nowMs();
    this.recorder.onEndAt(outcome, bytes, intendedMs, sentMs, nowMs);
    if (!loop.active) return;
    // A failed request may fail synchronously (e.g. a closed pool): go round the event loop first so
    // that a loop against a dead target cannot recurse.
    if (typeof outcome === 'number') this.sendAt(loop, nowMs);
    else setImmediate(() => this.resend(loop));
  }

  private resend(loop: Loop): void {
    if (loop.active) this.send(loop);
  }

  private send(loop: Loop): void {
    this.sendAt(loop, this.clock.nowMs());
  }

  private sendAt(loop: Loop, nowMs: number): void {
    if (this.mayIssue !== undefined && !this.mayIssue(nowMs)) {
      const wasRunning = this.state === 'running';
      this.stop();
      if (wasRunning) this.onRevoked?.();
      return;
    }
    const flows = this.flows;
    if (flows !== undefined) {
      flows.run(this.recorder, nowMs, (sent) => {
        if (sent) this.resend(loop);
        else if (loop.active && flows.rowsMayCome()) this.clock.after(ROW_WAIT_MS, () => this.resend(loop));
      }, loop.jar);
      return;
    }
    this.recorder.onSent();
    this.client.send(loop, nowMs, nowMs, loop.lane);
  }

  private readonly onControl = (): void => {
    if (this.state !== 'running') return;
    this.applyTarget(this.scheduledLoops(this.clock.nowMs() - this.startMsValue));
  };

  private scheduledLoops(elapsedMs: number): number {
    return Math.round(rateAtMs(this.schedule, elapsedMs));
  }

  private applyTarget(n: number): void {
    const want = Math.max(0, this.planned ? Math.min(Math.floor(n), this.maxLoops) : Math.floor(n));
    this.target = want;
    while (this.loops.length > want) {
      const loop = this.loops.pop() as Loop;
      loop.active = false;
    }
    while (this.loops.length < want) {
      const loop = new Loop(this, this.loops.length, this.flows?.loopJar());
      this.loops.push(loop);
      this.send(loop);
    }
  }

  private finish(): void {
    if (this.state !== 'running') return;
    this.stop();
    this.onFinished();
  }
}
