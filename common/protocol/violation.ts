// How every decoder of common/protocol says a peer's message is malformed: a PROTOCOL_VIOLATION whose
// message names the field and what is wrong with it, and the run id check every run-scoped message shares.
import { LoadfleetError } from '../runtime/errors.js';
import { MAX_ID_CHARS } from './wire-limits.js';

export function violation(what: string): LoadfleetError {
  return new LoadfleetError('PROTOCOL_VIOLATION', `malformed message: ${what}`);
}

/** A message's run id: not empty and at most MAX_ID_CHARS. */
export function runIdOf(v: string, what: string): string {
  if (v === '') throw violation(`${what}.runId is empty`);
  if (v.length > MAX_ID_CHARS) throw violation(`${what}.runId is ${v.length} characters, over ${MAX_ID_CHARS}`);
  return v;
}
