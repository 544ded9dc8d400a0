// One run's time and timeline (test-run.ts and its helpers): where the run is in its phases by the
// injected clock, and the events that happened to the fleet, stamped in main-phase ms (negative during
// warm-up). Every event of the run goes through event(), in order.
import type { Clock } from '../../common/runtime/clock.js';
import type { TimelineEvent } from '../report/report.js';

export class RunTimeline {
  /** Every event so far, in order (the report's timeline). */
  readonly events: TimelineEvent[] = [];
  private readonly clock: Clock;
  /** Clock ms of the run's start. */
  readonly startMs: number;
  readonly warmupMs: number;

  constructor(clock: Clock, warmupMs: number) {
    this.clock = clock;
    this.startMs = clock.nowMs();
    this.warmupMs = warmupMs;
  }

  /** Ms since the run started (warm-up included). */
  elapsedMs(): number {
    return this.clock.nowMs() - this.startMs;
  }

  inMain(): boolean {
    return this.clock.nowMs() - this.startMs >= this.warmupMs;
  }

  /** Main-phase ms so far (0 during warm-up). */
  mainElapsedMs(): number {
    return Math.max(0, this.clock.nowMs() - this.startMs - this.warmupMs);
  }

  event(e: Omit<TimelineEvent, 'atMs'>): TimelineEvent {
    const full: TimelineEvent = { atMs: Math.round(this.clock.nowMs() - this.startMs - this.warmupMs), ...e };
    this.events.push(full);
    return full;
  }
}
