// Open-model executor (k6's constant/ramping arrival rate): arrivals come from the pure pacer, whatever
// the responses do. Each arrival is intended at startMs + T(i) (even), or startMs + T(S_i) with S_i the
// points of a Poisson process drawn from `random` (poisson: pacer.ts nextArrivalPoint); latency is measured from that intended
// time (no coordinated omission), service time from the actual send. An arrival that finds the in-flight
// cap full is counted as dropped: never sent, and it does not shift the schedule. Running behind means
// "send now", never "skip".
//
// Timer strategy (measured with bench/engine-open-rate.ts): when the next arrival is at least ~0.7 ms
// away, sleep with setTimeout (rounded to whole ms, allowing for the ~0.2 ms an idle loop's timer fires
// late); when it is nearer, yield with setImmediate (I/O still runs every turn) and send every due
// arrival in one batch. Below ~1.5k req/s the loop mostly sleeps (8 % CPU at 100 req/s, 30 % at 1k);
// above, it spins, which is what keeps schedule lag p99 well under 2 ms at high rates.
import type { Clock, TimerHandle } from '../../common/runtime/clock.js';
import { systemClock } from '../../common/runtime/clock.js';
import { assertNever } from '../../common/runtime/errors.js';
import type { HttpClient } from './http-client.js';
import type { Segment } from '../../common/plan/agent-plan.js';
import { arrivalTimeMs, expectedArrivals, nextArrivalPoint, owedArrivals, pace, rateAtMs, replaceTail, waitMs } from './pacer.js';
import type { Arrivals } from './pacer.js';
import { fitTail } from '../../common/plan/rate-schedule.js';
import type { RateSchedule } from './pacer.js';
import type { Recorder } from './recorder.js';
import type { FlowSource } from './flow-driver.js';
import type { MayIssue } from './engine-scenarios.js';

/**
 * setTimeout on an idle loop fires about this late, ms (measured: p50 0.1-0.2, occasionally up to 1 ms
 * early because the timer starts from the loop's cached time). A wait that rounds to 0 ms after this
 * allowance (about 0.7 ms or less) is spun with setImmediate instead.
 */
export const TIMER_LATE_MS = 0.2;
/** Most arrivals sent in one turn of the event loop before yielding to I/O. */
export const MAX_BATCH = 256;
/**
 * The end of the schedule is a deadline: arrivals still unsent this long after it (a rate the machine
 * cannot hold, a stalled process) are counted as dropped and the runner finishes, ms. Below it, running
 * behind still means "send now".
 */
export const END_GRACE_MS = 500;

export interface OpenRunnerOptions {
  schedule: RateSchedule;
  client: HttpClient;
  recorder: Recorder;
  clock: Clock;
  /** Most requests in flight on the client (all phases) before arrivals are dropped. */
  maxInFlight: number;
  /** Called once when the schedule's end is reached (not after stop()). Requests may still be in flight. */
  onFinished: () => void;
  /** The scenario language: each arrival runs a flow (the cap applies to flow runs in flight). */
  flows?: FlowSource | undefined;
  /** Asked before each arrival (engine-scenarios.ts MayIssue); absent: always yes. */
  mayIssue?: MayIssue | undefined;
  /**
   * Called once when mayIssue said no: the runner has ended, and the arrivals that were due by then and
   * not sent were counted as dropped (the later ones are not this runner's any more).
   */
  onRevoked?: (() => void) | undefined;
  /** Even spacing (default) or a Poisson process at the schedule's rate (pacer.ts nextArrivalPoint). */
  arrivals?: Arrivals | undefined;
  /** Poisson draws; uniform on [0, 1). Default Math.random. */
  random?: (() => number) | undefined;
}

export class OpenRunner {
  private schedule: RateSchedule;
  private readonly client: HttpClient;
  private readonly recorder: Recorder;
  private readonly clock: Clock;
  private readonly maxInFlight: number;
  private readonly onFinished: () => void;
  private readonly flows: FlowSource | undefined;
  private readonly mayIssue: MayIssue | undefined;
  private readonly onRevoked: (() => void) | undefined;
  private readonly arrivals: Arrivals;
  private readonly random: () => number;
  /** Fine-grained pacing (setImmediate spinning) needs the real clock; a manual clock only uses timers. */
  private readonly precise: boolean;
  private startMsValue = 0;
  /** Index of the next arrival (sent or dropped ones included), its point on F's axis and its intended time since start. */
  private next = 0;
  private nextPoint = 0;
  private nextAtMs = Infinity;
  private state: 'idle' | 'running' | 'ended' = 'idle';
  private timeout: ReturnType<typeof setTimeout> | undefined;
  private immediate: ReturnType<typeof setImmediate> | undefined;
  private timer: TimerHandle | undefined;

  constructor(opts: OpenRunnerOptions) {
    this.schedule = opts.schedule;
    this.client = opts.client;
    this.recorder = opts.recorder;
    this.clock = opts.clock;
    this.maxInFlight = opts.maxInFlight;
    this.onFinished = opts.onFinished;
    this.flows = opts.flows;
    this.mayIssue = opts.mayIssue;
    this.onRevoked = opts.onRevoked;
    this.arrivals = opts.arrivals ?? 'even';
    this.random = opts.random ?? Math.random;
    this.precise = opts.clock === systemClock;
  }

  /** Clock reading at t = 0 of the schedule. */
  get startMs(): number {
    return this.startMsValue;
  }

  /** Starts the schedule now (t = 0). */
  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'running';
    this.startMsValue = this.clock.nowMs();
    this.next = 0;
    this.nextPoint = nextArrivalPoint(this.arrivals, undefined, this.random);
    this.nextAtMs = arrivalTimeMs(this.schedule, this.nextPoint);
    this.tick();
  }

  /** The scheduled rate now, req/s (0 once ended). */
  rateRps(): number {
    if (this.state !== 'running') return 0;
    return rateAtMs(this.schedule, this.clock.nowMs() - this.startMsValue);
  }

  /** Arrivals the schedule intends by clock reading `atClockMs` (fractional; capped at the schedule's end). */
  expectedBy(atClockMs: number): number {
    if (this.state === 'idle') return 0;
    return expectedArrivals(this.schedule, Math.min(this.schedule.endMs, Math.max(0, atClockMs - this.startMsValue)));
  }

  /**
   * Live change of the shape: from now on follow `tail` (fitted to the time left), e.g. a new share of a
   * staged schedule after the fleet changed.
   */
  setTail(tail: readonly Segment[]): void {
    this.reshape((atMs) => replaceTail(this.schedule, atMs, fitTail(tail, this.schedule.endMs - atMs)));
  }

  /** A live change: the schedule from now (`atMs` into it) becomes `next(atMs)`; the next arrival is re-timed. */
  private reshape(next: (atMs: number) => RateSchedule): void {
    if (this.state === 'ended') return;
    const atMs = this.state === 'running' ? this.clock.nowMs() - this.startMsValue : 0;
    this.schedule = next(atMs);
    if (this.state !== 'running') return;
    this.nextAtMs = arrivalTimeMs(this.schedule, this.nextPoint);
    this.cancelWake();
    this.tick();
  }

  /** Stops issuing arrivals; does not call onFinished. Idempotent. */
  stop(): void {
    this.state = 'ended';
    this.cancelWake();
  }

  private readonly tick = (): void => {
    this.timeout = undefined;
    this.immediate = undefined;
    this.timer = undefined;
    if (this.state !== 'running') return;
    const clock = this.clock;
    const recorder = this.recorder;
    const client = this.client;
    const startMs = this.startMsValue;
    const schedule = this.schedule;
    let nowMs = clock.nowMs();
    for (let budget = MAX_BATCH; ; budget--) {
      const elapsedMs = nowMs - startMs;
      const atMs = this.nextAtMs;
      const step = pace(schedule, elapsedMs, atMs, END_GRACE_MS);
      switch (step) {
        case 'send':
          break;
        case 'wait':
          this.wake(waitMs(schedule, elapsedMs, atMs));
          return;
        case 'end':
          this.finish();
          return;
        case 'expire': {
          const owed = this.takeOwed(schedule.endMs);
          if (owed > 0) this.recorder.onDropped(owed);
          this.nextAtMs = Infinity;
          this.finish();
          return;
        }
        default:
          assertNever(step);
      }
      if (budget === 0) {
        this.immediate = setImmediate(this.tick);
        return;
      }
      if (this.mayIssue !== undefined && !this.mayIssue(nowMs)) {
        // The permit's owner may have abandoned this runner already (then this does nothing).
        this.revoke();
        return;
      }
      const intendedMs = startMs + atMs;
      const flows = this.flows;
      if ((flows === undefined ? client.inFlight : flows.active) >= this.maxInFlight) {
        recorder.onDropped();
      } else if (flows !== undefined) {
        recorder.onScheduleLag(nowMs - intendedMs);
        flows.run(recorder, intendedMs);
        nowMs = clock.nowMs();
      } else {
        recorder.onSent();
        recorder.onScheduleLag(nowMs - intendedMs);
        client.send(recorder, intendedMs, nowMs);
        nowMs = clock.nowMs();
      }
      this.next++;
      this.nextPoint = nextArrivalPoint(this.arrivals, this.nextPoint, this.random);
      this.nextAtMs = arrivalTimeMs(this.schedule, this.nextPoint);
    }
  };

  /** Counts the arrivals intended by elapsedMs and not sent as passed (returns how many); the next one is after them. */
  private takeOwed(elapsedMs: number): number {
    const o = owedArrivals(this.schedule, this.arrivals, this.next, this.nextPoint, elapsedMs, this.random);
    this.next = o.index;
    this.nextPoint = o.point;
    return o.owed;
  }

  private wake(waitMs: number): void {
    if (!this.precise) {
      this.timer = this.clock.after(waitMs, this.tick);
    } else {
      const sleepMs = Math.round(waitMs - TIMER_LATE_MS);
      if (sleepMs >= 1) this.timeout = setTimeout(this.tick, sleepMs);
      else this.immediate = setImmediate(this.tick);
    }
  }

  private cancelWake(): void {
    if (this.timeout !== undefined) clearTimeout(this.timeout);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer?.cancel();
    this.timeout = undefined;
    this.immediate = undefined;
    this.timer = undefined;
  }

  /**
   * The load was taken away (the permit is gone, or the engine abandons it): the arrivals due by now and
   * not sent are counted as dropped, never sent late; the runner ends. Idempotent; no onFinished.
   */
  abandon(): void {
    if (this.state !== 'running') return;
    const owed = this.takeOwed(this.clock.nowMs() - this.startMsValue);
    if (owed > 0) this.recorder.onDropped(owed);
    this.stop();
  }

  /** mayIssue said no in the send loop: abandon, and tell the engine. */
  private revoke(): void {
    this.abandon();
    this.onRevoked?.();
  }

  private finish(): void {
    this.state = 'ended';
    this.cancelWake();
    this.onFinished();
  }
}
