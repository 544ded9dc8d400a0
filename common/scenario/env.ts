// `{{ $env.NAME }}` in a scenario file: which names its request templates read (with where), and the
// problems when the values given with `--env` leave some unset. Values are resolved where the CLI
// runs and travel in the program's `env` (only the names the file reads); this module never prints a
// value, only names and "set" / "not set".
import { compileTemplate } from '../flow/template.js';
import type { ScenarioFile } from './schema.js';
import { problem } from './problems.js';
import type { PathSegment, ScenarioFileProblem } from './problems.js';

/** Values given with `--env`, by name. */
export type EnvValues = Readonly<Record<string, string>>;

/** One `{{ $env.NAME }}` in the file: the name and the template field that reads it. */
export interface EnvReference {
  name: string;
  segments: PathSegment[];
}

type FileRequest = { url: string; headers: Record<string, string>; body?: string | undefined };

function requestReferences(r: FileRequest, at: PathSegment[], out: EnvReference[]): void {
  const fields: [PathSegment[], string | undefined][] = [[['url'], r.url], [['body'], r.body]];
  for (const [h, v] of Object.entries(r.headers)) fields.push([['headers', h], v]);
  for (const [sub, text] of fields) {
    if (text === undefined || !text.includes('$env')) continue;
    for (const name of compileTemplate(text, '').env) out.push({ name, segments: [...at, ...sub] });
  }
}

/** Every `$env.NAME` the file's request templates read, in file order (a validated file: templates compile). */
export function envReferences(f: ScenarioFile): EnvReference[] {
  const out: EnvReference[] = [];
  if (f.request !== undefined) requestReferences(f.request, ['request'], out);
  for (const [n, r] of Object.entries(f.requests ?? {})) requestReferences(r, ['requests', n], out);
  for (const [fname, flow] of Object.entries(f.flows ?? {})) {
    flow.steps.forEach((step, i) => {
      if (typeof step.request === 'object') requestReferences(step.request, ['flows', fname, 'steps', i, 'request'], out);
    });
  }
  return out;
}

/** The names the file reads, each once, in file order. */
export function envNames(f: ScenarioFile): string[] {
  return [...new Set(envReferences(f).map((r) => r.name))];
}

/** A problem at each template that reads a name `given` lacks, naming the variable and the flag. */
export function envProblems(f: ScenarioFile, given: EnvValues): ScenarioFileProblem[] {
  return envReferences(f)
    .filter((r) => !Object.hasOwn(given, r.name))
    .map((r) => problem(r.segments, `$env.${r.name} is not set: pass --env ${r.name}=VALUE (or --env ${r.name} to take it from your environment)`));
}

/** Only the values the file reads: what travels with the scenario (never the rest of what was given). */
export function envToShip(f: ScenarioFile, given: EnvValues): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of envNames(f)) {
    const v = given[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** `BASE: set, TOKEN: not set`: the names the file reads, and any other given name, never a value. */
export function envStatusLine(f: ScenarioFile, given: EnvValues): string {
  const read = envNames(f);
  const unused = Object.keys(given).filter((n) => !read.includes(n));
  const parts = read.map((n) => `${n}: ${Object.hasOwn(given, n) ? 'set' : 'not set'}`);
  for (const n of unused) parts.push(`${n}: set, not read by the file`);
  return parts.join(', ');
}
