// Ticks and live lines of one run: an interval of a phase is shown (one
// LiveLine to the listener) once every live member has reported it, at the run's interval timer or a
// quarter interval after the last member's snapshot, whichever comes first. Each interval is shown at
// most once, in order; an interval no live member reported is passed over.
import type { Clock, TimerHandle } from '../../common/runtime/clock.js';
import type { Phase } from '../../common/metrics/stats.js';
import type { Aggregator, IntervalFigures, RequestLiveSet } from '../merge/aggregator.js';
import type { Member } from './members.js';

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

/** The newest main-phase interval shown, for status. */
export interface LiveFigures {
  index: number;
  achievedRps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** Failed requests (status not expected). */
  failed: number;
  requests: number;
  /** The scenario language: flow runs started per second (achievedRps is HTTP requests per second). */
  flowRps?: number;
}

export interface LiveTickerOptions {
  aggregator: Aggregator;
  clock: Clock;
  snapshotIntervalMs: number;
  /** Each phase's planned length, ms (a live line's totalMs). */
  phaseMs: Record<Phase, number>;
  onTick: (line: LiveLine) => void;
  /** A main-phase interval was shown (after onTick); elapsedMs is its end. */
  onMainShown: (index: number, elapsedMs: number) => void;
  /** Runs the run's tick (an early show); the run decides whether it still ticks. */
  tick: () => void;
}

export class LiveTicker {
  /** The newest main-phase interval shown (null before the first). */
  lastLive: LiveFigures | null = null;
  private readonly opts: LiveTickerOptions;
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

  constructor(opts: LiveTickerOptions) {
    this.opts = opts;
  }

  /** Shows the newest interval that every one of `running` (the live members, at least one) has reported. */
  tick(running: readonly Member[]): void {
    this.showReady(running);
    for (const phase of ['warmup', 'main'] as const) {
      const shown = this.lastShown[phase];
      this.waiting[phase] = running.reduce((n, m) => (m.lastIndex[phase] <= shown ? n + 1 : n), 0);
    }
  }

  /** A live member's snapshot moved its newest interval of `phase` from `before` to `index`. */
  onSnapshot(phase: Phase, before: number, index: number): void {
    const shown = this.lastShown[phase];
    if (before <= shown && index > shown && --this.waiting[phase] <= 0 && this.earlyShow === undefined) {
      this.earlyShow = this.opts.clock.after(this.opts.snapshotIntervalMs / 4, () => {
        this.earlyShow = undefined;
        this.opts.tick();
      });
    }
  }

  /** The run finished: no early show. */
  cancel(): void {
    this.earlyShow?.cancel();
  }

  private showReady(running: readonly Member[]): void {
    const { aggregator } = this.opts;
    for (const phase of ['warmup', 'main'] as const) {
      const ready = Math.min(...running.map((m) => m.lastIndex[phase]));
      if (ready > this.lastShown[phase]) {
        this.lastShown[phase] = ready;
        const figures = aggregator.interval(phase, ready);
        if (figures === undefined) continue;
        const requests = aggregator.liveRequests(phase, ready, LIVE_REQUEST_NAMES);
        this.opts.onTick({
          phase,
          elapsedMs: (ready + 1) * this.opts.snapshotIntervalMs,
          totalMs: this.opts.phaseMs[phase],
          agents: running.length,
          figures,
          ...(requests.soFar.names > 0 ? { requests: { interval: requests.interval ?? null, soFar: requests.soFar } } : {}),
        });
        if (phase === 'main') {
          this.lastLive = {
            index: ready, achievedRps: figures.rps, p50Ms: figures.latencyMs.p50, p99Ms: figures.latencyMs.p99, errors: figures.errors,
            failed: figures.failed, requests: figures.requests, ...(figures.flowRps === undefined ? {} : { flowRps: figures.flowRps }),
          };
          this.opts.onMainShown(ready, (ready + 1) * this.opts.snapshotIntervalMs);
        }
      }
    }
  }
}
