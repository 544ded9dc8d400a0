// The live-change messages: ShareChange (coordinator -> agent) and Control's SetRateRequest (CLI ->
// coordinator), their typed forms and the checks that turn a decoded wire message (untrusted input) into
// one. A malformed ShareChange throws PROTOCOL_VIOLATION naming the field; a SetRateRequest's figures
// are the user's, so they are held to the user's bounds (live-change.ts) and refused with USAGE.
// protocol/messages.ts calls these; wire shapes are taken structurally, so the generated types stay in
// protocol/messages.ts alone.
import { LoadfleetError, assertNever } from '../runtime/errors.js';
import type { Segment } from '../plan/agent-plan.js';
import { loopsChange, rateChange } from './live-change.js';
import type { LiveChange, ShareTail } from './live-change.js';
import { MAX_ID_CHARS } from './wire-limits.js';
import { violation } from './violation.js';

/** Most segments one share may hold (a staged schedule has one per stage). */
export const MAX_TAIL_SEGMENTS = 10_000;

/** One agent's new share of one scenario (absent scenario: the plan's first or only one). */
export interface ShareChangeMsg {
  kind: 'share-change';
  runId: string;
  assignment: number;
  changeId: number;
  scenario?: string;
  share: ShareTail;
}

interface WireSegment { durationMs: number; from: number; to: number }
interface WireTail { segments: WireSegment[] }
interface WireShareChange {
  runId: string;
  assignment: number;
  changeId: number;
  scenario: string;
  rates?: WireTail | null;
  loops?: WireTail | null;
  share?: 'rates' | 'loops';
}
interface WireSetRateRequest {
  scenario: string;
  rate?: { rateRps: number; rampMs: number } | null;
  loops?: { loops: number } | null;
  change?: 'rate' | 'loops';
}

function finiteAtLeast(v: unknown, min: number, strict: boolean, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (strict ? !(v > min) : !(v >= min))) {
    throw violation(`${what} must be a finite number ${strict ? '>' : '>='} ${min}, got ${String(v)}`);
  }
  return v;
}

function tailFromWire(w: WireTail | null | undefined, what: string): Segment[] {
  if (w === null || w === undefined) throw violation(`${what} is missing`);
  const n = w.segments.length;
  if (n < 1 || n > MAX_TAIL_SEGMENTS) throw violation(`${what}.segments holds ${n} segments, not 1 to ${MAX_TAIL_SEGMENTS}`);
  return w.segments.map((s, i) => ({
    durationMs: finiteAtLeast(s.durationMs, 0, true, `${what}.segments[${i}].durationMs`),
    from: finiteAtLeast(s.from, 0, false, `${what}.segments[${i}].from`),
    to: finiteAtLeast(s.to, 0, false, `${what}.segments[${i}].to`),
  }));
}

function tailToWire(tail: readonly Segment[]): WireTail {
  return { segments: tail.map((s) => ({ durationMs: s.durationMs, from: s.from, to: s.to })) };
}

export function shareChangeToWire(m: ShareChangeMsg): WireShareChange {
  const base = { runId: m.runId, assignment: m.assignment, changeId: m.changeId, scenario: m.scenario ?? '' };
  switch (m.share.kind) {
    case 'rate':
      return { ...base, rates: tailToWire(m.share.tail) };
    case 'loops':
      return { ...base, loops: tailToWire(m.share.tail) };
    default:
      return assertNever(m.share.kind);
  }
}

export function shareChangeFromWire(w: WireShareChange): ShareChangeMsg {
  if (w.runId.length > MAX_ID_CHARS) throw violation(`shareChange.runId is ${w.runId.length} characters, over ${MAX_ID_CHARS}`);
  if (w.scenario.length > MAX_ID_CHARS) throw violation(`shareChange.scenario is ${w.scenario.length} characters, over ${MAX_ID_CHARS}`);
  if (!Number.isSafeInteger(w.changeId) || w.changeId < 0) throw violation(`shareChange.changeId must be a whole number in 0..2^53-1, got ${String(w.changeId)}`);
  let share: ShareTail;
  switch (w.share) {
    case 'rates':
      share = { kind: 'rate', tail: tailFromWire(w.rates, 'shareChange.rates') };
      break;
    case 'loops':
      share = { kind: 'loops', tail: tailFromWire(w.loops, 'shareChange.loops') };
      break;
    case undefined:
      throw violation('shareChange carries neither rates nor loops');
    default:
      return assertNever(w.share);
  }
  return {
    kind: 'share-change', runId: w.runId, assignment: w.assignment, changeId: w.changeId, share,
    ...(w.scenario === '' ? {} : { scenario: w.scenario }),
  };
}

export function liveChangeToWire(c: LiveChange): WireSetRateRequest {
  const scenario = c.scenario ?? '';
  switch (c.kind) {
    case 'rate':
      return { scenario, rate: { rateRps: c.rateRps, rampMs: c.rampMs } };
    case 'loops':
      return { scenario, loops: { loops: c.loops } };
    default:
      return assertNever(c);
  }
}

/**
 * A Control SetRateRequest as the change it asks for. Throws USAGE when it carries neither a rate nor a
 * loop count (a CLI of another protocol) or a figure outside the user's bounds (live-change.ts).
 */
export function liveChangeFromWire(w: WireSetRateRequest): LiveChange {
  if (w.scenario.length > MAX_ID_CHARS) throw new LoadfleetError('USAGE', `scenario is ${w.scenario.length} characters, over ${MAX_ID_CHARS}`);
  switch (w.change) {
    case 'rate':
      return rateChange(w.rate?.rateRps ?? Number.NaN, w.rate?.rampMs ?? 0, w.scenario);
    case 'loops':
      return loopsChange(w.loops?.loops ?? Number.NaN, w.scenario);
    case undefined:
      throw new LoadfleetError('USAGE', 'the SetRate request carries neither a rate nor a loop count (is the loadfleet CLI the same version as the coordinator?)');
    default:
      return assertNever(w.change);
  }
}
