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
import type { Part, Runner } from './engine-parts.js';

export type EngineState = 'idle' | 'warmup' | 'main' | 'draining' | 'done';

/** The engine as a live change sees it. */
export interface LiveTarget {
  readonly state: EngineState;
  readonly parts: readonly Part[];
  /** The runner of `part` in the phase now issuing, if any. */
  runnerOf(part: Part): Runner | undefined;
}

/** The part a share is for: `scenario` names it (absent or '': the first), and its model must match. */
function partFor(t: LiveTarget, share: ShareTail, scenario: string | undefined): Part | undefined {
  const p = scenario === undefined || scenario === '' ? t.parts[0] : t.parts.find((x) => x.name === scenario);
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
export function applyShare(t: LiveTarget, share: ShareTail, scenario?: string): void {
  const part = partFor(t, share, scenario);
  if (part === undefined || share.tail.length === 0) return;
  switch (t.state) {
    case 'idle':
    case 'warmup': {
      const first = share.tail[0] as Segment;
      // The warm-up holds the share's first value; the main phase follows the share.
      const held: Segment[] = [{ durationMs: 1, from: first.from, to: first.from }];
      const warm = t.runnerOf(part);
      if (warm === undefined) part.warmupValue = first.from;
      else warm.setTail(held);
      part.mainSchedule = replaceTail(part.mainSchedule, 0, fitTail(share.tail, part.mainSchedule.endMs));
      part.mainChanged = true;
      return;
    }
    case 'main':
      t.runnerOf(part)?.setTail(share.tail);
      return;
    case 'draining':
    case 'done':
      return;
    default:
      assertNever(t.state);
  }
}
