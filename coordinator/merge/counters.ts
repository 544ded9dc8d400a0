// The summable counters of common/metrics/stats.ts Stats, and the arithmetic the aggregator needs on them.
// Pure helpers for coordinator/merge/aggregator.ts (and the Prometheus output, which sums finished runs' counters).
import type { ErrorKind, Stats } from '../../common/metrics/stats.js';
import { ERROR_KINDS, emptyErrors } from '../../common/metrics/stats.js';

export interface Counters {
  requests: number;
  sent: number;
  dropped: number;
  errors: Record<ErrorKind, number>;
  statusCodes: Record<string, number>;
  bytesReceived: number;
}

const SCALARS = ['requests', 'sent', 'dropped', 'bytesReceived'] as const;

export function emptyCounters(): Counters {
  return { requests: 0, sent: 0, dropped: 0, errors: emptyErrors(), statusCodes: {}, bytesReceived: 0 };
}

/** into += from (from may be a whole Stats). */
export function addCounters(into: Counters, from: Counters): void {
  for (const k of SCALARS) into[k] += from[k];
  for (const kind of ERROR_KINDS) into.errors[kind] += from.errors[kind];
  for (const [code, n] of Object.entries(from.statusCodes)) into.statusCodes[code] = (into.statusCodes[code] ?? 0) + n;
}

/**
 * truth - merged. `excess` names every counter where merged is larger than truth (then `diff` holds 0
 * there); an empty `excess` means the diff is what the missing deltas carried.
 */
export function diffCounters(truth: Counters, merged: Counters): { diff: Counters; excess: string[] } {
  const diff = emptyCounters();
  const excess: string[] = [];
  const sub = (name: string, t: number, m: number): number => {
    if (m > t) excess.push(`${name} +${m - t}`);
    return Math.max(0, t - m);
  };
  for (const k of SCALARS) diff[k] = sub(k, truth[k], merged[k]);
  for (const kind of ERROR_KINDS) diff.errors[kind] = sub(`errors.${kind}`, truth.errors[kind], merged.errors[kind]);
  const codes = new Set([...Object.keys(truth.statusCodes), ...Object.keys(merged.statusCodes)]);
  for (const code of codes) {
    const d = sub(`status ${code}`, truth.statusCodes[code] ?? 0, merged.statusCodes[code] ?? 0);
    if (d > 0) diff.statusCodes[code] = d;
  }
  return { diff, excess };
}

export function copyCounters(c: Counters): Counters {
  return { ...c, errors: { ...c.errors }, statusCodes: { ...c.statusCodes } };
}

export function isZero(c: Counters): boolean {
  return (
    SCALARS.every((k) => c[k] === 0) &&
    ERROR_KINDS.every((kind) => c.errors[kind] === 0) &&
    Object.values(c.statusCodes).every((n) => n === 0)
  );
}

const isCount = (n: unknown): boolean => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const isMeasure = (n: unknown): boolean => typeof n === 'number' && Number.isFinite(n) && n >= 0;

/** Every reason `s` is not a well-formed Stats (whole counts >= 0, finite measures >= 0). */
export function counterProblems(s: Stats): string[] {
  const problems: string[] = [];
  if (typeof s !== 'object' || s === null) return ['stats missing'];
  for (const k of SCALARS) if (!isCount(s[k])) problems.push(`${k} must be a whole number >= 0 (got ${String(s[k])})`);
  if (typeof s.errors !== 'object' || s.errors === null) problems.push('errors missing');
  else for (const kind of ERROR_KINDS) if (!isCount(s.errors[kind])) problems.push(`errors.${kind} must be a whole number >= 0`);
  if (typeof s.statusCodes !== 'object' || s.statusCodes === null) problems.push('statusCodes missing');
  else for (const [code, n] of Object.entries(s.statusCodes)) if (!isCount(n)) problems.push(`statusCodes.${code} must be a whole number >= 0`);
  if (!isCount(s.inFlightPeak)) problems.push('inFlightPeak must be a whole number >= 0');
  if (!isMeasure(s.eventLoopDelayP99Ms)) problems.push('eventLoopDelayP99Ms must be a finite number >= 0');
  if (!isMeasure(s.scheduleLagP99Ms)) problems.push('scheduleLagP99Ms must be a finite number >= 0');
  if (typeof s.latencyHist !== 'string' || typeof s.serviceHist !== 'string') problems.push('histograms must be strings');
  return problems;
}
