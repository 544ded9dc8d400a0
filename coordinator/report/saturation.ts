// Pure: when may a schedule-lag percentile condemn the generator? Used live by the run to move rate away
// from a saturated agent while others have room (isSaturated, per agent and interval), and by the
// end-of-run verdict (generator-health.ts judgeGenerator) for its interval and whole-run lag rules.
//
// The rule: a p99 over n arrivals stands on its ceil(n / 100) worst arrivals; below 100 arrivals it is the
// single worst one. Over a handful of arrivals (a light smoke test, or its first second) that is the one
// arrival that met a cold engine (JIT, the first connections), not a generator that cannot keep up. So a
// lag p99 condemns only when it rests on enough arrivals: an interval's on MIN_SENT_FOR_LAG (live) or the
// limits' minArrivalsPerAgentInterval (verdict), an agent's whole run on MIN_SENT_FOR_RUN_LAG. A
// generator really overloaded at a low rate still shows in its dropped arrivals and its event-loop
// delay, which are judged at any count.
import { DEFAULT_GENERATOR_LIMITS } from './generator-limits.js';

export interface AgentInterval {
  sent: number;
  dropped: number;
  eventLoopP99Ms: number;
  scheduleLagP99Ms: number;
}

/** Fewer arrivals than this in one agent's interval: its schedule-lag p99 is one or two samples, not judged live. */
export const MIN_SENT_FOR_LAG = 200;

/**
 * Fewest arrivals of one agent over a whole phase for its cumulative lag p99 to be judged: from 100 the
 * p99 is no longer the single worst arrival.
 */
export const MIN_SENT_FOR_RUN_LAG = 100;

/** True when a lag p99 taken over `arrivals` arrivals may condemn the generator (at least `minArrivals`). */
export function lagP99Judged(arrivals: number, minArrivals: number): boolean {
  return arrivals >= Math.max(1, minArrivals);
}

/** One agent's whole-phase schedule lag (its Done's cumulative p99) and the arrivals it rests on. */
export interface AgentRunLag {
  sent: number;
  scheduleLagP99Ms: number;
}

/** The largest whole-phase lag p99 among agents with enough arrivals for it to be judged (0 when none). */
export function judgedRunLagP99Ms(agents: readonly AgentRunLag[], minArrivals = MIN_SENT_FOR_RUN_LAG): number {
  return Math.max(0, ...agents.filter((a) => lagP99Judged(a.sent, minArrivals)).map((a) => a.scheduleLagP99Ms));
}

export function isSaturated(x: AgentInterval): boolean {
  return saturationWhy(x) !== '';
}

/** Why the interval looks saturated ('' when it does not). */
export function saturationWhy(x: AgentInterval): string {
  const why: string[] = [];
  if (x.dropped > 0) why.push(`${x.dropped} dropped`);
  if (lagP99Judged(x.sent, MIN_SENT_FOR_LAG) && x.scheduleLagP99Ms > DEFAULT_GENERATOR_LIMITS.scheduleLagP99Ms) why.push(`lag p99 ${x.scheduleLagP99Ms.toFixed(1)} ms`);
  if (x.eventLoopP99Ms > DEFAULT_GENERATOR_LIMITS.eventLoopDelayP99Ms) why.push(`event loop p99 ${x.eventLoopP99Ms.toFixed(1)} ms`);
  return why.join(', ');
}
