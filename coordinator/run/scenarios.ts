// Several scenarios at once, as the run lifecycle (test-run.ts) sees them: which scenario a live
// change is for, and each scenario's shares of its schedule. Pure; a plain `load` is one scenario.
import { LoadfleetError } from '../../common/runtime/errors.js';
import type { Segment } from '../../common/plan/agent-plan.js';
import type { Scenario } from '../../common/scenario/scenario.js';
import { scenarioParts } from '../../common/scenario/scenario.js';
import { closedTailShares, openShares } from '../schedule/shares.js';
import type { ScenarioSchedule } from '../schedule/replay.js';

/**
 * The scenario a live change is for: `scenario` is required (and must exist) when the test runs several
 * scenarios at once, and must not be given otherwise. Throws USAGE naming the scenarios.
 */
export function scenarioFor(s: Scenario, scenario: string | undefined): { index: number; name: string; model: 'open' | 'closed' } {
  const all = scenarioParts(s);
  const names = all.map((p) => p.name).join(', ');
  if (s.parts === undefined) {
    if (scenario !== undefined && scenario !== '') throw new LoadfleetError('USAGE', `this test runs one load model; there is no scenario "${scenario}" to choose (leave out --scenario, or the @NAME typed on the run's terminal)`);
    return { index: 0, name: all[0]?.name ?? 'default', model: s.load.model };
  }
  if (scenario === undefined || scenario === '') throw new LoadfleetError('USAGE', `this test runs several scenarios (${names}): name the one to change with --scenario NAME (on the run's terminal: @NAME, e.g. rate 50 @${all[0]?.name ?? 'NAME'}; in the dashboard's POST /api/rate: "scenario": "NAME")`);
  const index = all.findIndex((p) => p.name === scenario);
  const found = all[index];
  if (found === undefined) throw new LoadfleetError('USAGE', `no scenario "${scenario}" in this test; its scenarios are ${names}`);
  return { index, name: found.name, model: found.load.model };
}

/** Per scenario (in order), each member's tail of that scenario's schedule from main-phase tMs (open: rates; closed: whole loops). */
export function scenarioShares(schedules: readonly ScenarioSchedule[], tMs: number, weights: ReadonlyMap<string, number>): Map<string, Segment[]>[] {
  return schedules.map((p) => (p.model === 'open' ? openShares(p.segments, tMs, weights) : closedTailShares(p.segments, tMs, weights)));
}
