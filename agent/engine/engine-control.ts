// Live control of one engine: where a new share of a scenario (ShareTail: this agent's schedule from
// now to the end, rates or loop counts) lands in each engine state. Before the main phase it replaces
// the scenario's main schedule (and the warm-up's value, to the share's first value); during a phase it
// goes to that phase's runner; once draining it is ignored. A change naming an unknown scenario or one
// of the other model is ignored.
import type { Segment } from '../../common/plan/agent-plan.js';
import type { ShareTail } from '../../common/protocol/live-change.js';
import { assertNever } from '../../common/runtime/errors.js';
import { replaceTail } from './pacer.js';
import { fitTail } from '../../common/plan/rate-schedule.js';
import type { EngineScenario, Runner } from './engine-scenarios.js';

export type EngineState = 'idle' | 'warmup' | 'main' | 'draining' | 'done';

/** The engine as a live change sees it. */
export interface LiveTarget {
  readonly state: EngineState;
  readonly scenarios: readonly EngineScenario[];
  /** The runner of `scenario` in the phase now issuing, if any. */
  runnerOf(scenario: EngineScenario): Runner | undefined;
}

/** The scenario a share is for: `name` names it (absent or '': the first), and its model must match. */
function scenarioFor(t: LiveTarget, share: ShareTail, name: string | undefined): EngineScenario | undefined {
  const p = name === undefined || name === '' ? t.scenarios[0] : t.scenarios.find((x) => x.name === name);
  switch (share.kind) {
    case 'rate':
      return p?.model === 'open' ? p : undefined;
    case 'loops':
      return p?.model === 'closed' ? p : undefined;
    default:
      return assertNever(share.kind);
  }
}

/**
 * Applies a new share of one scenario: from now on its schedule follows `share.tail`, fitted to the time
 * its phase has left (pacer.ts fitTail). The only way a live change reaches an engine.
 */
export function applyShare(t: LiveTarget, share: ShareTail, name?: string): void {
  const scenario = scenarioFor(t, share, name);
  if (scenario === undefined || share.tail.length === 0) return;
  switch (t.state) {
    case 'idle':
    case 'warmup': {
      const first = share.tail[0] as Segment;
      // The warm-up holds the share's first value; the main phase follows the share.
      const held: Segment[] = [{ durationMs: 1, from: first.from, to: first.from }];
      const warm = t.runnerOf(scenario);
      if (warm === undefined) scenario.warmupValue = first.from;
      else warm.setTail(held);
      scenario.mainSchedule = replaceTail(scenario.mainSchedule, 0, fitTail(share.tail, scenario.mainSchedule.endMs));
      scenario.mainChanged = true;
      return;
    }
    case 'main':
      t.runnerOf(scenario)?.setTail(share.tail);
      return;
    case 'draining':
    case 'done':
      return;
    default:
      assertNever(t.state);
  }
}
