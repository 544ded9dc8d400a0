// Several scenarios at once, as the run lifecycle (test-run.ts) sees them: which part a live change is
// for, and each part's shares of its schedule. Pure; a plain `load` is one part.
import { LoadfleetError } from '../../common/runtime/errors.js';
import type { Segment } from '../../common/plan/agent-plan.js';
import type { Scenario } from '../../common/scenario/scenario.js';
import { scenarioParts } from '../../common/scenario/scenario.js';
import { closedTailShares, openShares } from '../schedule/shares.js';
import type { PartSchedule } from '../schedule/replay.js';


/**
 * The part a live change is for: `scenario` is required (and must exist) when the test runs several
 * scenarios at once, and must not be given otherwise. Throws USAGE naming the scenarios.
 */
export function partFor(s: Scenario, scenario: string | undefined): { index: number; name: string; model: 'open' | 'closed' } {
  const parts = scenarioParts(s);
  const names = parts.map((p) => p.name).join(', ');
  if (s.parts === undefined) {
    if (scenario !== undefined && scenario !== '') throw new LoadfleetError('USAGE', `this test runs one load model; there is no scenario "${scenario}" to choose (leave out --scenario, or the @NAME typed on the run's terminal)`);
    return { index: 0, name: parts[0]?.name ?? 'default', model: s.load.model };
  }
  if (scenario === undefined || scenario === '') throw new LoadfleetError('USAGE', `this test runs several scenarios (${names}): name the one to change with --scenario NAME (on the run's terminal: @NAME, e.g. rate 50 @${parts[0]?.name ?? 'NAME'}; in the dashboard's POST /api/rate: "scenario": "NAME")`);
  const index = parts.findIndex((p) => p.name === scenario);
  const part = parts[index];
  if (part === undefined) throw new LoadfleetError('USAGE', `no scenario "${scenario}" in this test; its scenarios are ${names}`);
  return { index, name: part.name, model: part.load.model };
}

/** Per part (in order), each member's tail of that part's schedule from main-phase tMs (open: rates; closed: whole loops). */
export function partShares(schedules: readonly PartSchedule[], tMs: number, weights: ReadonlyMap<string, number>): Map<string, Segment[]>[] {
  return schedules.map((p) => (p.model === 'open' ? openShares(p.segments, tMs, weights) : closedTailShares(p.segments, tMs, weights)));
}
