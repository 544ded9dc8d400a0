// Several scenarios at once: the report's figures per scenario (report.scenarios[name]), from the
// merged per-scenario totals of the main phase and each part's schedule after its live changes.
import type { Segment } from '../common/plan.js';
import type { PhaseTotals } from './aggregator.js';
import { scheduleMean } from './planner.js';

export interface ScenarioReport {
  model: 'open' | 'closed';
  /** Mean scheduled arrival rate (open) or loop count (closed) over the scenario's own length; the other is null. */
  targetRps: number | null;
  concurrency: number | null;
  requests: number;
  /** requests / the scenario's own length (its schedule's, or the main phase's if shorter). */
  rps: number;
  errors: number;
  errorsByKind: PhaseTotals['errors'];
  statusCodes: Record<string, number>;
  checks: { passed: number; failed: number; rate: number | null; failures: Record<string, number> };
  /** Latency from when each request was due, from the scenario's merged histogram. */
  latencyMs: PhaseTotals['latencyMs'];
  /** Flow runs started, and those that found a `unique` feeder empty. */
  iterations: number;
  noData: number;
}

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
    const requests = t?.requests ?? 0;
    const ownMs = Math.min(mainMs, p.segments.reduce((sum, x) => sum + x.durationMs, 0));
    const evaluated = (t?.checks.passed ?? 0) + (t?.checks.failed ?? 0);
    out[p.name] = {
      model: p.model,
      targetRps: p.model === 'open' ? scheduled : null,
      concurrency: p.model === 'closed' ? scheduled : null,
      requests,
      rps: ownMs > 0 ? Math.round((requests / (ownMs / 1000)) * 10) / 10 : 0,
      errors: t?.errorTotal ?? 0,
      errorsByKind: t?.errors ?? { refused: 0, reset: 0, timeout: 0, other: 0 },
      statusCodes: t?.statusCodes ?? {},
      checks: { passed: t?.checks.passed ?? 0, failed: t?.checks.failed ?? 0, rate: evaluated > 0 ? (t?.checks.passed ?? 0) / evaluated : null, failures: t?.checks.failures ?? {} },
      latencyMs: t?.latencyMs ?? { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 },
      iterations: t?.iterations ?? 0,
      noData: t?.noData ?? 0,
    };
  }
  return out;
}
