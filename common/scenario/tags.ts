// Request tags: `tags: { endpoint: login, tier: auth }` on a request (top-level `request`, `requests`
// entries, inline flow requests). Static per request name, so the coordinator derives per-tag figures
// from the per-name figures it already merges (coordinator/merge/tag-figures.ts): no wire change.
// Bounded like request names, because each key and value becomes report entries and Prometheus series:
// at most MAX_TAG_KEYS distinct keys per file and MAX_TAG_VALUES distinct values per key.
import { z } from 'zod';
import { problem } from './problems.js';
import type { PathSegment, ScenarioFileProblem } from './problems.js';

/** Most distinct tag keys in one scenario file. */
export const MAX_TAG_KEYS = 8;
/** Most distinct values of one tag key in one scenario file. */
export const MAX_TAG_VALUES = 64;
/** Longest tag value, characters. */
export const MAX_TAG_VALUE_CHARS = 128;
/** Tag keys: a Prometheus label name's characters (letters, digits, _; not starting with a digit). */
export const TAG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A request's `tags` field. */
export const tagsSchema = z
  .record(
    z.string().regex(TAG_KEY, 'a tag key is letters, digits and _ (not starting with a digit)'),
    z.string().min(1, 'a tag value is non-empty text').max(MAX_TAG_VALUE_CHARS, `a tag value is at most ${MAX_TAG_VALUE_CHARS} characters`),
  )
  .meta({ description: `labels for per-tag figures in the report and Prometheus: at most ${MAX_TAG_KEYS} keys and ${MAX_TAG_VALUES} values per key in a file` });

/** Tags by request (metric) name. */
export type TagsByName = Readonly<Record<string, Readonly<Record<string, string>>>>;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every request's `tags` in a raw parsed file, with where it is written. */
function tagSites(v: Obj): { at: PathSegment[]; tags: Obj }[] {
  const out: { at: PathSegment[]; tags: Obj }[] = [];
  const visit = (req: unknown, at: PathSegment[]): void => {
    if (isObj(req) && isObj(req.tags)) out.push({ at: [...at, 'tags'], tags: req.tags });
  };
  visit(v.request, ['request']);
  if (isObj(v.requests)) for (const [n, r] of Object.entries(v.requests)) visit(r, ['requests', n]);
  if (isObj(v.flows)) {
    for (const [fname, flow] of Object.entries(v.flows)) {
      if (!isObj(flow) || !Array.isArray(flow.steps)) continue;
      flow.steps.forEach((step: unknown, i) => { if (isObj(step)) visit(step.request, ['flows', fname, 'steps', i, 'request']); });
    }
  }
  return out;
}

/**
 * The file-wide bounds on a raw parsed file: a problem at the first key beyond MAX_TAG_KEYS distinct
 * keys, and at the first value beyond MAX_TAG_VALUES distinct values of a key (each reported once).
 */
export function tagBoundProblems(value: unknown): ScenarioFileProblem[] {
  if (!isObj(value)) return [];
  const problems: ScenarioFileProblem[] = [];
  const values = new Map<string, Set<string>>();
  const reported = new Set<string>();
  for (const { at, tags } of tagSites(value)) {
    for (const [k, val] of Object.entries(tags)) {
      if (typeof val !== 'string') continue;
      let seen = values.get(k);
      if (seen === undefined) {
        if (values.size >= MAX_TAG_KEYS) {
          if (!reported.has(`key ${k}`)) problems.push(problem([...at, k], `tag key "${k}" is one more than the ${MAX_TAG_KEYS} distinct tag keys a file may use (${[...values.keys()].join(', ')}): each key becomes report entries and Prometheus series; reuse a key`, true));
          reported.add(`key ${k}`);
          continue;
        }
        seen = new Set();
        values.set(k, seen);
      }
      if (!seen.has(val) && seen.size >= MAX_TAG_VALUES) {
        if (!reported.has(`value ${k}`)) problems.push(problem([...at, k], `tag "${k}" has more than ${MAX_TAG_VALUES} distinct values in this file: tags name groups of requests (e.g. endpoint: login), not single ones; use fewer values`));
        reported.add(`value ${k}`);
        continue;
      }
      seen.add(val);
    }
  }
  return problems;
}

/** The tags of each request name that has some (a program's requests, by metric name). */
export function tagsByName(requests: Readonly<Record<string, { tags?: Readonly<Record<string, string>> | undefined }>>): TagsByName {
  const out: Record<string, Readonly<Record<string, string>>> = {};
  for (const [name, r] of Object.entries(requests)) if (r.tags !== undefined && Object.keys(r.tags).length > 0) out[name] = r.tags;
  return out;
}
