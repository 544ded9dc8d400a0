// Pure: was the load generator the bottleneck of a run? Judged on the merged main-phase figures against
// the generator limits (report/generator-limits.ts); every reason found is listed. report.json's `health`.
import type { IntervalFigures, PhaseTotals } from '../merge/aggregator.js';
import { DEFAULT_GENERATOR_LIMITS } from './generator-limits.js';
import type { GeneratorLimits } from './generator-limits.js';
import { judgedRunLagP99Ms, lagP99Judged } from './saturation.js';
import type { AgentRunLag } from './saturation.js';

export interface GeneratorHealth {
  generatorBound: boolean;
  reasons: string[];
}

/**
 * `byAgent`: each agent's whole-phase lag p99 and its arrivals; the whole-run rule then judges only agents
 * with enough arrivals. Without it, `scheduleLagP99MsWholeRun` (the largest of any agent) is judged as is.
 */
type HealthTotals = Pick<PhaseTotals, 'dropped' | 'scheduleLagP99MsWholeRun'> & { byAgent?: readonly AgentRunLag[] };
type HealthInterval = Pick<IntervalFigures, 'index' | 'scheduleLagP99MsMax' | 'eventLoopDelayP99MsMax' | 'sent' | 'agents'>;

/** Longest run of consecutive intervals where value(i) > limit: its first/last index and worst value. */
function longestRun(intervals: readonly HealthInterval[], value: (f: HealthInterval) => number, limit: number): { from: number; to: number; length: number; worst: number } | undefined {
  let best: { from: number; to: number; length: number; worst: number } | undefined;
  let cur: { from: number; to: number; length: number; worst: number } | undefined;
  let prevIndex = Number.NaN;
  for (const f of intervals) {
    const v = value(f);
    if (v > limit && cur !== undefined && f.index === prevIndex + 1) {
      cur = { from: cur.from, to: f.index, length: cur.length + 1, worst: Math.max(cur.worst, v) };
    } else {
      cur = v > limit ? { from: f.index, to: f.index, length: 1, worst: v } : undefined;
    }
    prevIndex = f.index;
    if (cur !== undefined && (best === undefined || cur.length > best.length)) best = cur;
  }
  return best;
}

const ms = (v: number): string => `${Number(v.toFixed(1))} ms`;

/**
 * Was the load generator the bottleneck? Pure; `intervals` are the main phase's, dense and in order.
 * Every reason found is listed, so the report says why, not only that.
 */
export function judgeGenerator(totals: HealthTotals, intervals: readonly HealthInterval[], limits: GeneratorLimits = DEFAULT_GENERATOR_LIMITS): GeneratorHealth {
  const reasons: string[] = [];
  if (totals.dropped > limits.maxDropped) {
    reasons.push(`${totals.dropped} arrival(s) dropped, never sent (the in-flight cap was full, the test's end came first, or an agent that lost its coordinator link abandoned them: see the timeline): the target was offered less than the schedule`);
  }
  // Lag rules per interval only where the interval's p99 means something (see minArrivalsPerAgentInterval).
  const dense = (f: HealthInterval): boolean => lagP99Judged(f.sent, limits.minArrivalsPerAgentInterval * Math.max(1, f.agents));
  const lagRun = longestRun(intervals, (f) => (dense(f) ? f.scheduleLagP99MsMax : 0), limits.scheduleLagP99Ms);
  if (lagRun !== undefined && lagRun.length >= limits.scheduleLagConsecutive) {
    reasons.push(
      `schedule lag p99 above ${ms(limits.scheduleLagP99Ms)} for ${lagRun.length} consecutive intervals (#${lagRun.from}-#${lagRun.to}, worst ${ms(lagRun.worst)}): requests went out late`,
    );
  }
  const lagMax = Math.max(0, ...intervals.filter(dense).map((f) => f.scheduleLagP99MsMax));
  if (lagMax > limits.scheduleLagP99MsRunMax) {
    reasons.push(`schedule lag p99 reached ${ms(lagMax)} in one interval (limit ${ms(limits.scheduleLagP99MsRunMax)})`);
  }
  const runLag = totals.byAgent === undefined ? totals.scheduleLagP99MsWholeRun : judgedRunLagP99Ms(totals.byAgent);
  if (runLag > limits.scheduleLagP99Ms) {
    reasons.push(
      `over the whole run, more than 1 % of an agent's arrivals went out over ${ms(limits.scheduleLagP99Ms)} late (schedule lag p99 ${ms(runLag)})`,
    );
  }
  const elRun = longestRun(intervals, (f) => f.eventLoopDelayP99MsMax, limits.eventLoopDelayP99Ms);
  if (elRun !== undefined && elRun.length >= limits.eventLoopConsecutive) {
    reasons.push(
      `agent event-loop delay p99 above ${ms(limits.eventLoopDelayP99Ms)} for ${elRun.length} consecutive intervals (#${elRun.from}-#${elRun.to}, worst ${ms(elRun.worst)}): latencies include the agent's own stalls`,
    );
  }
  return { generatorBound: reasons.length > 0, reasons };
}
