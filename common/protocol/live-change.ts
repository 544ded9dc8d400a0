// A live change of a running test, typed once. Two shapes, one per side of the coordinator:
// - LiveChange: what a user asks of the whole fleet (CLI command, terminal line, dashboard POST,
//   Control.SetRate). Decided where the user's words are parsed, by rateChange() or loopsChange(),
//   which hold the bounds every path shares; after that, code switches on `kind` exhaustively.
// - ShareTail: what one agent is told (ShareChange on the wire): its share of one scenario's schedule
//   from now to the end, as rates (open model) or loop counts (closed model).
import { LoadfleetError, assertNever } from '../runtime/errors.js';
import { MAX_RATE_MESSAGE, MAX_RATE_RPS } from '../scenario/scenario.js';
import type { Segment } from '../plan/agent-plan.js';

/** The longest ramp a live rate change may ask for, ms (it travels as a uint32). */
export const MAX_LIVE_RAMP_MS = 0xffff_ffff;

/**
 * A live change for the whole fleet. `scenario`: the scenario changed when the test runs several at
 * once (absent otherwise, and then the test's one load model).
 */
export type LiveChange =
  | { kind: 'rate'; rateRps: number; rampMs: number; scenario?: string }
  | { kind: 'loops'; loops: number; scenario?: string };

/** One agent's share of one scenario's schedule from now on (open: req/s; closed: loops). */
export type ShareTail = { kind: 'rate' | 'loops'; tail: Segment[] };

function scenarioField(scenario: string | undefined): { scenario?: string } {
  return scenario === undefined || scenario === '' ? {} : { scenario };
}

/**
 * A new arrival rate for the fleet (req/s), reached linearly over rampMs. Throws USAGE unless the rate
 * is a number in 0..MAX_RATE_RPS and the ramp a duration in 0..MAX_LIVE_RAMP_MS.
 */
export function rateChange(rateRps: number, rampMs: number, scenario?: string): LiveChange {
  if (!(rateRps >= 0) || !Number.isFinite(rateRps)) throw new LoadfleetError('USAGE', `rate must be a number >= 0, got ${rateRps}`);
  if (rateRps > MAX_RATE_RPS) throw new LoadfleetError('USAGE', `rate ${rateRps} ${MAX_RATE_MESSAGE}`);
  if (!(rampMs >= 0) || !Number.isFinite(rampMs)) throw new LoadfleetError('USAGE', `ramp must be a duration >= 0, got ${rampMs} ms`);
  if (rampMs > MAX_LIVE_RAMP_MS) throw new LoadfleetError('USAGE', `ramp must be at most ${MAX_LIVE_RAMP_MS} ms (about 49 days), got ${rampMs} ms`);
  return { kind: 'rate', rateRps, rampMs, ...scenarioField(scenario) };
}

/** A new loop count for the fleet. Throws USAGE unless a whole number >= 1. */
export function loopsChange(loops: number, scenario?: string): LiveChange {
  if (!Number.isInteger(loops) || loops < 1) throw new LoadfleetError('USAGE', 'concurrency must be a whole number >= 1');
  return { kind: 'loops', loops, ...scenarioField(scenario) };
}

/** What a change says in words: `rate -> 300/s over 2000 ms`, `concurrency -> 5`. */
export function describeChange(c: LiveChange): string {
  switch (c.kind) {
    case 'rate':
      return `rate -> ${c.rateRps}/s${c.rampMs > 0 ? ` over ${c.rampMs} ms` : ''}`;
    case 'loops':
      return `concurrency -> ${c.loops}`;
    default:
      return assertNever(c);
  }
}
