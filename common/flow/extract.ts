// Extractors take values out of a response for later steps of the same flow:
//   { json: '$.data.token' }                     a JSON path (common/flow/json-path.ts) into the body
//   { header: 'location' }                       a response header (any case)
//   { regex: 'id=(\d+)', group: 1 }              a regular expression on the body; group 1 by default, 0 = whole match
//   { header: 'set-cookie', regex: 'sid=(\w+)' } a regular expression on a header
// Compiled once; running one never throws: a value that is not there is a failed extraction, which the
// engine counts (per request name) and the flow goes on without the variable.
import { compileJsonPath } from './json-path.js';
import type { ResponseView } from './response-view.js';

export type ExtractSpec =
  | { json: string }
  | { header: string; regex?: string | undefined; group?: number | undefined }
  | { regex: string; group?: number | undefined };

export type ExtractResult = { ok: true; value: unknown } | { ok: false; reason: string };

export interface Extractor {
  /** The variable the value is stored in. */
  readonly name: string;
  run(res: ResponseView): ExtractResult;
}

/** An extractor that cannot be compiled (bad JSON path, bad regex, missing group); the message names no variable. */
export class ExtractSpecError extends Error {
  readonly code = 'EXTRACT_SPEC';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExtractSpecError';
  }
}

export function compileExtractor(name: string, spec: ExtractSpec): Extractor {
  if ('json' in spec) {
    let path;
    try {
      path = compileJsonPath(spec.json);
    } catch (e) {
      throw new ExtractSpecError((e as Error).message, { cause: e });
    }
    return {
      name,
      run(res) {
        const body = res.json();
        if (!body.ok) return body;
        const r = path.get(body.value);
        return r.found ? { ok: true, value: r.value } : { ok: false, reason: `${spec.json}: ${r.reason}` };
      },
    };
  }
  const header = 'header' in spec ? spec.header : undefined;
  const matcher = spec.regex === undefined ? undefined : compileRegex(spec.regex, spec.group ?? 1);
  const where = header === undefined ? 'the body' : `header ${header}`;
  return {
    name,
    run(res) {
      const text = header === undefined ? res.body : res.header(header);
      if (text === undefined) return { ok: false, reason: `no ${header} header` };
      if (matcher === undefined) return { ok: true, value: text };
      const value = matcher(text);
      return value === undefined ? { ok: false, reason: `/${spec.regex}/ does not match ${where}` } : { ok: true, value };
    },
  };
}

function compileRegex(source: string, group: number): (text: string) => string | undefined {
  let re: RegExp;
  try {
    re = new RegExp(source);
  } catch (e) {
    throw new ExtractSpecError((e as Error).message, { cause: e });
  }
  // An alternative that matches the empty string reveals how many groups the pattern has.
  const groups = (new RegExp(`${source}|`).exec('') as RegExpExecArray).length - 1;
  if (!Number.isInteger(group) || group < 0 || group > groups) {
    throw new ExtractSpecError(`/${source}/ has ${groups} capture group(s), no group ${group}`);
  }
  return (text) => re.exec(text)?.[group];
}

/** Runs every extractor on one response: the values found, and why the others failed. */
export function extractAll(extractors: readonly Extractor[], res: ResponseView): {
  values: Record<string, unknown>;
  failures: { name: string; reason: string }[];
} {
  const values: Record<string, unknown> = {};
  const failures: { name: string; reason: string }[] = [];
  for (const x of extractors) {
    const r = x.run(res);
    if (r.ok) values[x.name] = r.value;
    else failures.push({ name: x.name, reason: r.reason });
  }
  return { values, failures };
}
