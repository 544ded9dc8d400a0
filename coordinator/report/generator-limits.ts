// The limits past which the load generator, not the target, is judged to have limited a run's
// measurement: by the end-of-run verdict (report/generator-health.ts) and live (report/saturation.ts).

/** Thresholds above which the load generator, not the target, limited the measurement. */
export interface GeneratorLimits {
  /** More dropped arrivals than this (never sent: cap full, end reached, or abandoned on a lost link) means bound. */
  maxDropped: number;
  /** Interval schedule-lag p99 above this ... */
  scheduleLagP99Ms: number;
  /** ... for at least this many consecutive intervals means bound. */
  scheduleLagConsecutive: number;
  /** Any interval's schedule-lag p99 above this means bound on its own. */
  scheduleLagP99MsRunMax: number;
  /**
   * Interval rules (both schedule-lag rules) only judge intervals with at least this many arrivals per
   * agent: below it an interval's p99 is its one or two worst samples, i.e. one OS scheduling hiccup.
   * The whole-run rule (an agent's cumulative p99 above scheduleLagP99Ms) judges agents with at least
   * saturation.ts MIN_SENT_FOR_RUN_LAG arrivals (below, its p99 is its single worst arrival).
   */
  minArrivalsPerAgentInterval: number;
  /** Interval event-loop delay p99 above this ... */
  eventLoopDelayP99Ms: number;
  /** ... for at least this many consecutive intervals means bound. */
  eventLoopConsecutive: number;
}

export const DEFAULT_GENERATOR_LIMITS: Readonly<GeneratorLimits> = Object.freeze({
  maxDropped: 0,
  scheduleLagP99Ms: 10,
  scheduleLagConsecutive: 2,
  scheduleLagP99MsRunMax: 50,
  minArrivalsPerAgentInterval: 500,
  eventLoopDelayP99Ms: 50,
  eventLoopConsecutive: 2,
});
