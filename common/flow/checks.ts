// Checks on a response, counted per request name; a failed check never stops the load.
//   { status: 200 } / { status: [200, 201] }     the status equals / is one of
//   { header: 'content-type', equals: 'x' }      a header equals (exact), contains a text, or (with
//   { header: 'content-type', contains: 'json' } neither) is present; names in any case
//   { bodyContains: 'ok' }                       the body contains a text
//   { json: '$.status', equals: 'ok' }           a JSON path's value deep-equals a JSON value
// Each may carry a `name` for reports; otherwise the name is derived from the check itself.
import { isDeepStrictEqual } from 'node:util';
import { compileJsonPath } from './json-path.js';
import type { ResponseView } from './response-view.js';

export type CheckSpec = { name?: string | undefined } & (
  | { status: number | readonly number[] }
  | { header: string; equals?: string | undefined; contains?: string | undefined }
  | { bodyContains: string }
  | { json: string; equals: unknown }
);

export type CheckResult = { pass: true } | { pass: false; reason: string };

export interface Check {
  readonly name: string;
  run(res: ResponseView): CheckResult;
}

const PASS: CheckResult = { pass: true };

/** Throws JsonPathSyntaxError for a bad path; everything else about a spec is checked by the schema. */
export function compileCheck(spec: CheckSpec): Check {
  if ('status' in spec) {
    const allowed = typeof spec.status === 'number' ? [spec.status] : [...spec.status];
    const name = spec.name ?? (allowed.length === 1 ? `status == ${allowed[0]}` : `status in [${allowed.join(', ')}]`);
    return {
      name,
      run: (res) => (allowed.includes(res.status) ? PASS : { pass: false, reason: `status ${res.status}, expected ${allowed.length === 1 ? allowed[0] : `one of ${allowed.join(', ')}`}` }),
    };
  }
  if ('header' in spec) {
    const { header, equals, contains } = spec;
    const name = spec.name ?? (equals !== undefined ? `header ${header} == ${JSON.stringify(equals)}` : contains !== undefined ? `header ${header} contains ${JSON.stringify(contains)}` : `header ${header} present`);
    return {
      name,
      run(res) {
        const v = res.header(header);
        if (v === undefined) return { pass: false, reason: `no ${header} header` };
        if (equals !== undefined && v !== equals) return { pass: false, reason: `header ${header} is ${JSON.stringify(v)}, expected ${JSON.stringify(equals)}` };
        if (contains !== undefined && !v.includes(contains)) return { pass: false, reason: `header ${header} ${JSON.stringify(v)} does not contain ${JSON.stringify(contains)}` };
        return PASS;
      },
    };
  }
  if ('bodyContains' in spec) {
    const text = spec.bodyContains;
    return {
      name: spec.name ?? `body contains ${JSON.stringify(text)}`,
      run: (res) => (res.body.includes(text) ? PASS : { pass: false, reason: `body (${res.body.length} chars) does not contain ${JSON.stringify(text)}` }),
    };
  }
  const path = compileJsonPath(spec.json);
  const expected = spec.equals;
  return {
    name: spec.name ?? `${spec.json} == ${JSON.stringify(expected)}`,
    run(res) {
      const body = res.json();
      if (!body.ok) return { pass: false, reason: body.reason };
      const r = path.get(body.value);
      if (!r.found) return { pass: false, reason: `${spec.json}: ${r.reason}` };
      return isDeepStrictEqual(r.value, expected) ? PASS : { pass: false, reason: `${spec.json} is ${clip(JSON.stringify(r.value))}, expected ${clip(JSON.stringify(expected))}` };
    },
  };
}

/** Runs every check on one response; failed checks with their reasons, in order. */
export function runChecks(checks: readonly Check[], res: ResponseView): { passed: number; failed: { name: string; reason: string }[] } {
  let passed = 0;
  const failed: { name: string; reason: string }[] = [];
  for (const c of checks) {
    const r = c.run(res);
    if (r.pass) passed++;
    else failed.push({ name: c.name, reason: r.reason });
  }
  return { passed, failed };
}

function clip(s: string | undefined, max = 80): string {
  const t = s ?? 'undefined';
  return t.length > max ? `${t.slice(0, max)}...` : t;
}
