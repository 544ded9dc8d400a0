// Checks on the common/metrics/counters.ts Counters an agent sends, and the "cumulative minus merged"
// arithmetic of the Done repair. Pure helpers of coordinator/merge/aggregator.ts and merge/requests.ts.
import type { Counters, Outcomes } from '../../common/metrics/counters.js';
import { COUNTER_SCALARS, ERROR_KINDS, emptyCounters, errorTotal } from '../../common/metrics/counters.js';
import type { Stats } from '../../common/metrics/stats.js';

/**
 * truth - merged, count by count: each call returns the difference, or 0 where merged is larger, and
 * names that count in `excess` ("<name> +<how much larger>").
 */
export class Shortfall {
  readonly excess: string[] = [];

  count(name: string, truth: number, merged: number): number {
    if (merged > truth) this.excess.push(`${name} +${merged - truth}`);
    return Math.max(0, truth - merged);
  }

  /** into[key] = truth[key] - merged[key] for every key of either with a positive difference; `name(key)` names a count. */
  counts(name: (key: string) => string, into: Record<string, number>, truth: Readonly<Record<string, number>>, merged: Readonly<Record<string, number>>): void {
    for (const key of new Set([...Object.keys(truth), ...Object.keys(merged)])) {
      const d = this.count(name(key), truth[key] ?? 0, merged[key] ?? 0);
      if (d > 0) into[key] = d;
    }
  }
}

/**
 * truth - merged. `excess` names every counter where merged is larger than truth (then `diff` holds 0
 * there); an empty `excess` means the diff is what the missing deltas carried.
 */
export function diffCounters(truth: Counters, merged: Counters): { diff: Counters; excess: string[] } {
  const diff = emptyCounters();
  const s = new Shortfall();
  for (const k of COUNTER_SCALARS) diff[k] = s.count(k, truth[k], merged[k]);
  for (const kind of ERROR_KINDS) diff.errorsByKind[kind] = s.count(`errors.${kind}`, truth.errorsByKind[kind], merged.errorsByKind[kind]);
  s.counts((code) => `status ${code}`, diff.statusCodes, truth.statusCodes, merged.statusCodes);
  s.counts((code) => `failed ${code}`, diff.failedByStatus, truth.failedByStatus, merged.failedByStatus);
  return { diff, excess: s.excess };
}

export function isZero(c: Counters): boolean {
  return (
    COUNTER_SCALARS.every((k) => c[k] === 0) &&
    ERROR_KINDS.every((kind) => c.errorsByKind[kind] === 0) &&
    Object.values(c.statusCodes).every((n) => n === 0) &&
    Object.values(c.failedByStatus).every((n) => n === 0)
  );
}

const isCount = (n: unknown): boolean => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const isMeasure = (n: unknown): boolean => typeof n === 'number' && Number.isFinite(n) && n >= 0;

/** Every reason `s` is not a well-formed Stats (whole counts >= 0, finite measures >= 0), named by its wire field. */
export function counterProblems(s: Stats): string[] {
  const problems: string[] = [];
  if (typeof s !== 'object' || s === null) return ['stats missing'];
  for (const k of COUNTER_SCALARS) if (!isCount(s[k])) problems.push(`${k} must be a whole number >= 0 (got ${String(s[k])})`);
  if (typeof s.errorsByKind !== 'object' || s.errorsByKind === null) problems.push('errors missing');
  else for (const kind of ERROR_KINDS) if (!isCount(s.errorsByKind[kind])) problems.push(`errors.${kind} must be a whole number >= 0`);
  if (typeof s.statusCodes !== 'object' || s.statusCodes === null) problems.push('statusCodes missing');
  else for (const [code, n] of Object.entries(s.statusCodes)) if (!isCount(n)) problems.push(`statusCodes.${code} must be a whole number >= 0`);
  if (typeof s.failedByStatus !== 'object' || s.failedByStatus === null) problems.push('failedStatusCodes missing');
  else for (const [code, n] of Object.entries(s.failedByStatus)) if (!isCount(n)) problems.push(`failedStatusCodes.${code} must be a whole number >= 0`);
  if (!isCount(s.inFlightPeak)) problems.push('inFlightPeak must be a whole number >= 0');
  if (!isMeasure(s.eventLoopDelayP99Ms)) problems.push('eventLoopDelayP99Ms must be a finite number >= 0');
  if (!isMeasure(s.scheduleLagP99Ms)) problems.push('scheduleLagP99Ms must be a finite number >= 0');
  if (typeof s.latencyHist !== 'string' || typeof s.serviceHist !== 'string') problems.push('histograms must be strings');
  return problems;
}

/**
 * Counts that cannot disagree in any honest Stats: each ended request (of the whole, of a name) has one
 * status or one error, and a failed request (by status) is one of that status's responses.
 */
export function consistencyProblems(s: Stats): string[] {
  const problems: string[] = [];
  const over = (what: string, c: Outcomes): void => {
    const statuses = Object.values(c.statusCodes).reduce((a, n) => a + n, 0);
    const errors = errorTotal(c.errorsByKind);
    if (statuses + errors > c.requests) problems.push(`${what}${statuses} status code(s) and ${errors} error(s) for ${c.requests} request(s)`);
    for (const [code, n] of Object.entries(c.failedByStatus)) {
      const responses = c.statusCodes[code] ?? 0;
      if (n > responses) problems.push(`${what}${n} failed request(s) with status ${code} but ${responses} response(s) with it`);
    }
  };
  over('', s);
  for (const [field, byName] of namesByWireField(s)) {
    for (const [name, r] of Object.entries(byName)) over(`langJson.${field}["${name}"]: `, r);
  }
  return problems;
}

/** The figures per request name and per scenario of `s`, each with its field name in lang_json (errors name wire fields). */
function namesByWireField(s: Stats): [string, Record<string, Outcomes>][] {
  return [['byRequest', s.requestNames?.byRequestName ?? {}], ['byScenario', s.requestNames?.byScenario ?? {}]];
}

/** The first request or scenario name of `s` with more than `max` requests, described; undefined when none. */
export function nameOver(s: Stats, max: number): string | undefined {
  for (const [field, byName] of namesByWireField(s)) {
    for (const [name, r] of Object.entries(byName)) if (r.requests > max) return `${field}["${name}"].requests ${r.requests}`;
  }
  return undefined;
}
