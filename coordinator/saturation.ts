// Pure: is one agent's last interval the sign of a generator that cannot keep up? Used live by the run to
// move rate away from a saturated agent while others have room. (The end-of-run verdict is
// report.ts judgeGenerator, over the whole run.)
import { DEFAULT_GENERATOR_LIMITS } from './report.js';

export interface AgentInterval {
  sent: number;
  dropped: number;
  eventLoopP99Ms: number;
  scheduleLagP99Ms: number;
}

/** Fewer arrivals than this in an interval: its schedule-lag p99 is one or two samples, not judged. */
const MIN_SENT_FOR_LAG = 200;

export function isSaturated(x: AgentInterval): boolean {
  return saturationWhy(x) !== '';
}

/** Why the interval looks saturated ('' when it does not). */
export function saturationWhy(x: AgentInterval): string {
  const why: string[] = [];
  if (x.dropped > 0) why.push(`${x.dropped} dropped`);
  if (x.sent >= MIN_SENT_FOR_LAG && x.scheduleLagP99Ms > DEFAULT_GENERATOR_LIMITS.scheduleLagP99Ms) why.push(`lag p99 ${x.scheduleLagP99Ms.toFixed(1)} ms`);
  if (x.eventLoopP99Ms > DEFAULT_GENERATOR_LIMITS.eventLoopDelayP99Ms) why.push(`event loop p99 ${x.eventLoopP99Ms.toFixed(1)} ms`);
  return why.join(', ');
}
