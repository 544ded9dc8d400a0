// Live control of one engine: where a change of a part's arrival rate, loop
// count or schedule tail lands in each engine state. Before the main phase it rewrites the part's main
// schedule (and the warm-up's value while warm-up has not begun); during a phase it goes to that phase's
// runner; once draining it is ignored. A change naming an unknown scenario or the other model is ignored.
import type { AgentPlan, Segment } from '../../common/plan/agent-plan.js';
import { LoadfleetError } from '../../common/runtime/errors.js';
import { ClosedRunner } from './closed-runner.js';
import { OpenRunner } from './open-runner.js';
import { changeRate, fitTail, replaceTail } from './pacer.js';
import type { Part, Runner } from './engine-parts.js';

export type EngineState = 'idle' | 'warmup' | 'main' | 'draining' | 'done';

/** The engine as a live change sees it. */
export interface LiveTarget {
  readonly state: EngineState;
  readonly parts: readonly Part[];
  /** The runner of `part` in the phase now issuing, if any. */
  runnerOf(part: Part): Runner | undefined;
}

/** The part a live change names (see Engine.setRate), if it has `model`. */
function partFor(t: LiveTarget, scenario: string | undefined, model: AgentPlan['model']): Part | undefined {
  const p = scenario === undefined || scenario === '' ? t.parts[0] : t.parts.find((x) => x.name === scenario);
  return p?.model === model ? p : undefined;
}

/** Open model: the part's new arrival rate, ramped over rampMs. Throws INTERNAL on a rate or ramp < 0. */
export function liveRate(t: LiveTarget, rateRps: number, rampMs: number, scenario?: string): void {
  if (!(Number.isFinite(rateRps) && rateRps >= 0 && Number.isFinite(rampMs) && rampMs >= 0)) {
    throw new LoadfleetError('INTERNAL', `setRate needs a rate >= 0 and a ramp >= 0, got ${rateRps} req/s over ${rampMs} ms`);
  }
  const part = partFor(t, scenario, 'open');
  if (part === undefined) return;
  switch (t.state) {
    case 'idle':
      part.warmupValue = rateRps;
      part.mainSchedule = changeRate(part.mainSchedule, 0, rateRps, 0);
      return;
    case 'warmup':
      // The warm-up follows now; the main phase will start at the new rate.
      (t.runnerOf(part) as OpenRunner | undefined)?.setRate(rateRps, rampMs);
      part.mainSchedule = changeRate(part.mainSchedule, 0, rateRps, 0);
      return;
    case 'main':
      (t.runnerOf(part) as OpenRunner | undefined)?.setRate(rateRps, rampMs);
      return;
    case 'draining':
    case 'done':
      return;
  }
}

/** Either model: the part's schedule from now to its end (rates or loop counts). An empty tail is ignored. */
export function liveTail(t: LiveTarget, tail: readonly Segment[], scenario?: string): void {
  if (tail.length === 0) return;
  const part = partFor(t, scenario, 'open') ?? partFor(t, scenario, 'closed');
  if (part === undefined) return;
  switch (t.state) {
    case 'idle':
    case 'warmup': {
      const first = tail[0] as Segment;
      const warm = t.runnerOf(part);
      if (warm instanceof OpenRunner) warm.setRate(first.from, 0);
      else if (warm instanceof ClosedRunner) warm.setConcurrency(Math.round(first.from));
      else part.warmupValue = first.from;
      part.mainSchedule = replaceTail(part.mainSchedule, 0, fitTail(tail, part.mainSchedule.endMs));
      part.mainConcurrency = undefined;
      return;
    }
    case 'main':
      t.runnerOf(part)?.setTail(tail);
      return;
    case 'draining':
    case 'done':
      return;
  }
}

/** Closed model: the part's new loop count. Throws INTERNAL unless a whole number >= 0. */
export function liveConcurrency(t: LiveTarget, concurrency: number, scenario?: string): void {
  if (!(Number.isInteger(concurrency) && concurrency >= 0)) {
    throw new LoadfleetError('INTERNAL', `setConcurrency needs a whole number >= 0, got ${concurrency}`);
  }
  const part = partFor(t, scenario, 'closed');
  if (part === undefined) return;
  switch (t.state) {
    case 'idle':
      part.warmupValue = concurrency;
      part.mainConcurrency = concurrency;
      return;
    case 'warmup':
      (t.runnerOf(part) as ClosedRunner | undefined)?.setConcurrency(concurrency);
      part.mainConcurrency = concurrency;
      return;
    case 'main':
      (t.runnerOf(part) as ClosedRunner | undefined)?.setConcurrency(concurrency);
      return;
    case 'draining':
    case 'done':
      return;
  }
}
