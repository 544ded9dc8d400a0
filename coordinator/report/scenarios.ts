// Several scenarios at once: the report's figures per scenario (report.scenarios[name]), from the
// merged per-scenario totals of the main phase and each part's schedule after its live changes.
import type { Segment } from '../../common/plan/agent-plan.js';
import type { PhaseTotals } from '../merge/aggregator.js';
import { scheduleMean } from '../schedule/replay.js';
import { requestReport } from './request-figures.js';
import type { RequestReport } from './request-figures.js';

/** A scenario's figures: its schedule, the same fields as a request name's (report/request-figures.ts), its flow runs. */
export type ScenarioReport = {
  model: 'open' | 'closed';
  /** Mean scheduled arrival rate (open) or loop count (closed) over the scenario's own length; the other is null. */
  targetRps: number | null;
  concurrency: number | null;
} & RequestReport & {
  /** Flow runs started, and those that found a `unique` feeder empty. */
  iterations: number;
  noData: number;
};

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

export function scenarioReports(
  parts: readonly { name: string; model: 'open' | 'closed'; segments: Segment[] }[],
  main: PhaseTotals,
  mainMs: number,
): Record<string, ScenarioReport> {
  const out: Record<string, ScenarioReport> = {};
  for (const p of parts) {
    const t = main.byScenario[p.name];
    const scheduled = round3(scheduleMean(p.segments, mainMs));
    // rps over the scenario's own length (its schedule's, or the main phase's if shorter).
    const ownMs = Math.min(mainMs, p.segments.reduce((sum, x) => sum + x.durationMs, 0));
    out[p.name] = {
      model: p.model,
      targetRps: p.model === 'open' ? scheduled : null,
      concurrency: p.model === 'closed' ? scheduled : null,
      ...requestReport(t, ownMs),
      iterations: t?.iterations ?? 0,
      noData: t?.noData ?? 0,
    };
  }
  return out;
}
