// Pure: the fleet's schedule after the live changes of a run, replayed over the scenario's own. The run
// (run/live-changes.ts), the report (report/report.ts) and the dashboard (outputs/dashboard/state.ts)
// all replay the same changes here, so they agree on what was scheduled.
import type { Scenario } from '../../common/scenario/scenario.js';
import { scenarioParts } from '../../common/scenario/scenario.js';
import type { Segment } from '../../common/plan/agent-plan.js';
import { changeFrom, scheduleEndMs } from '../../common/plan/rate-schedule.js';
import { globalSchedule } from './planner.js';
import { meanBetween } from './shares.js';

/** A live change as the run records it (report/report.ts RateChange fits). */
export interface ScheduleChange {
  /** Milliseconds since the main phase started. */
  atMs: number;
  /** Several scenarios at once: the one changed (absent: the first, the only one otherwise). */
  scenario?: string;
  rateRps?: number;
  concurrency?: number;
  rampMs: number;
}

/** One scenario's fleet schedule after its live changes (open: rates; closed: loops). */
export interface ScenarioSchedule {
  name: string;
  model: Scenario['load']['model'];
  segments: Segment[];
}

/**
 * The global schedule of `load` after live changes, in time order (common/plan/rate-schedule.ts
 * changeFrom, the agents' semantics). Open model changes carry rateRps, closed model ones concurrency; a
 * change without it is ignored.
 */
export function scheduleWithChanges(load: Scenario['load'], changes: readonly ScheduleChange[]): Segment[] {
  let segments = globalSchedule(load);
  const ordered = [...changes].sort((a, b) => a.atMs - b.atMs);
  for (const change of ordered) {
    const target = load.model === 'open' ? change.rateRps : change.concurrency;
    if (target !== undefined) segments = changeFrom(segments, change.atMs, target, change.rampMs);
  }
  return segments;
}

/** Each scenario's fleet schedule after the live changes for it (a change without a scenario is the first's). */
export function scenarioSchedules(scenario: Scenario, changes: readonly ScheduleChange[]): ScenarioSchedule[] {
  return scenarioParts(scenario).map((p, i) => ({
    name: p.name,
    model: p.load.model,
    segments: scheduleWithChanges(p.load, changes.filter((c) => (c.scenario === undefined ? i === 0 : c.scenario === p.name))),
  }));
}

/**
 * The fleet's schedule of one load model: the sum of its scenarios' schedules (scenarioSchedules; rates add
 * up, and so do loops); null when no scenario uses that model.
 */
export function modelSchedule(schedules: readonly ScenarioSchedule[], model: Scenario['load']['model']): Segment[] | null {
  const of = schedules.filter((p) => p.model === model).map((p) => p.segments);
  return of.length === 0 ? null : sumSchedules(of);
}

/** Mean value of a schedule over its first `durationMs` (or its whole length, if shorter); 0 when empty. */
export function scheduleMean(segments: readonly Segment[], durationMs: number): number {
  return meanBetween(segments, 0, Math.min(durationMs, scheduleEndMs(segments)));
}

/** The sum of several schedules, as one (boundaries at every boundary of each; 0 after each one ends). */
export function sumSchedules(list: readonly (readonly Segment[])[]): Segment[] {
  if (list.length === 1) return [...(list[0] as Segment[])];
  const cuts = new Set<number>([0]);
  for (const segs of list) {
    let t = 0;
    for (const s of segs) cuts.add((t += s.durationMs));
  }
  const times = [...cuts].sort((a, b) => a - b);
  const out: Segment[] = [];
  for (let i = 0; i + 1 < times.length; i++) {
    const a = times[i] as number;
    const b = times[i + 1] as number;
    let from = 0;
    let to = 0;
    for (const segs of list) {
      let t = 0;
      for (const s of segs) {
        if ((a + b) / 2 < t + s.durationMs) {
          if ((a + b) / 2 >= t) {
            const slope = (s.to - s.from) / s.durationMs;
            from += s.from + slope * (a - t);
            to += s.from + slope * (b - t);
          }
          break;
        }
        t += s.durationMs;
      }
    }
    out.push({ durationMs: b - a, from, to });
  }
  return out;
}
