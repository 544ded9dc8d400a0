// From a validated scenario file (scenario/schema.ts) to the Scenario the coordinator plans from.
// A file with only the single-request fields gives exactly the Scenario scenario.ts always gave (no
// program: the engine's fast path). Anything of the language (requests, flows, variables, data,
// checks, templates) gives a Scenario with a `program` (common/flow/program.ts): data files are read here,
// relative to the scenario file, and their rows embedded. Every problem is returned at once, each with
// its place in the file, so `run` reports them exactly like `loadfleet validate`.
import type { FlowStep, ScenarioFile } from './schema.js';
import type { Scenario } from './scenario.js';
import type { Program, ProgramFlow, ProgramRequest, ProgramStep } from '../flow/program.js';
import { MAX_DATA_JSON_BYTES } from '../flow/program.js';
import { MAX_ROW_BYTES } from '../data/data-chunks.js';
import { compileTemplate, defaultTemplateContext, ENV_ROOT } from '../flow/template.js';
import { envProblems, envToShip } from './env.js';
import type { EnvValues } from './env.js';
import { FeederError, parseRows } from '../data/feeder.js';
import { problem, unreadableFileMessage } from './problems.js';
import { targetTlsFromFile } from './tls.js';
import { dataColumnProblems } from './data-columns.js';
import type { PathSegment, ScenarioFileProblem } from './problems.js';

/** The metric name of the top-level `request` (thresholds may name it `request: default`). */
export const DEFAULT_REQUEST_NAME = 'default';

type FileRequest = NonNullable<ScenarioFile['request']>;

/** True when the file uses nothing beyond the single-request scenario (scenario.ts). */
export function isPlainScenario(f: ScenarioFile): boolean {
  if (f.requests !== undefined || f.flows !== undefined || f.variables !== undefined || f.data !== undefined || f.scenarios !== undefined) return false;
  if (f.cookies !== undefined) return false;
  if (f.setup !== undefined || f.teardown !== undefined) return false;
  const r = f.request;
  if (r === undefined || r.checks !== undefined) return false;
  // Tags need the per-name figures of a program.
  if (r.tags !== undefined) return false;
  return ![r.url, r.body ?? '', ...Object.values(r.headers)].some((t) => t.includes('{{'));
}

/**
 * The part of a URL template that names the origin: up to the first '/', '?' or '#' after the
 * authority, {{ tags }} included whole (`{{ base }}/login` -> `{{ base }}`).
 */
export function originSource(src: string): string {
  const scheme = /^https?:\/\//i.exec(src);
  let i = scheme === null ? 0 : scheme[0].length;
  while (i < src.length) {
    if (src.startsWith('{{', i)) {
      const end = src.indexOf('}}', i);
      if (end === -1) return src;
      i = end + 2;
      continue;
    }
    const c = src[i];
    if (c === '/' || c === '?' || c === '#') break;
    i++;
  }
  return src.slice(0, i);
}

/** The origin a URL template always reaches, rendered with the constant variables; undefined when it depends on more. */
export function staticOrigin(url: string, variables: Readonly<Record<string, unknown>>): string | undefined {
  try {
    const origin = new URL(compileTemplate(originSource(url), 'url').render(variables, defaultTemplateContext())).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/** Rows as a JSON array: its size in bytes (UTF-8), and the largest row's. */
function rowsJsonBytes(rows: readonly unknown[]): { bytes: number; largest: { index: number; bytes: number } } {
  let bytes = 2;
  const largest = { index: 0, bytes: 0 };
  for (const [k, r] of rows.entries()) {
    const json = JSON.stringify(r);
    // Characters are bytes for ASCII; count exactly only where it could matter.
    const b = json.length * 3 > MAX_ROW_BYTES || /[^\x00-\x7f]/.test(json) ? Buffer.byteLength(json, 'utf8') : json.length;
    bytes += b + 1;
    if (b > largest.bytes) {
      largest.index = k;
      largest.bytes = b;
    }
  }
  return { bytes, largest };
}

/**
 * The size rules for a scenario's data (run and validate apply the same): all rows as JSON at most
 * MAX_DATA_JSON_BYTES, one row at most MAX_ROW_BYTES. A problem per rule broken, located.
 */
export function dataSizeProblems(feeders: readonly { name: string; path: string; rows: readonly unknown[] }[]): ScenarioFileProblem[] {
  const problems: ScenarioFileProblem[] = [];
  let dataBytes = 0;
  for (const { name, path, rows } of feeders) {
    const size = rowsJsonBytes(rows);
    dataBytes += size.bytes;
    if (size.largest.bytes > MAX_ROW_BYTES) {
      problems.push(problem(['data', name, 'path'], `${path}: row ${size.largest.index + 1} is ${(size.largest.bytes / 1048576).toFixed(1)} MiB as JSON; one row may be at most ${(MAX_ROW_BYTES / 1048576).toFixed(1)} MiB (rows travel in pieces of 4 MiB)`));
    }
  }
  if (dataBytes > MAX_DATA_JSON_BYTES) {
    problems.push(problem(['data'], `the data files come to ${(dataBytes / 1048576).toFixed(1)} MiB as rows (JSON); the limit is ${MAX_DATA_JSON_BYTES / 1048576} MiB in all: trim the files or split the test`, true));
  }
  return problems;
}

export type ScenarioFromFile = { ok: true; scenario: Scenario } | { ok: false; problems: ScenarioFileProblem[] };

/** The program's requests by metric name, where each is written in the file, and each top-level one's weight. */
interface NamedRequests {
  requests: Record<string, ProgramRequest>;
  requestAt: Map<string, PathSegment[]>;
  weights: Map<string, number>;
}

function toProgram(r: FileRequest): ProgramRequest {
  return {
    url: r.url, method: r.method, headers: r.headers, timeoutMs: r.timeout, checks: r.checks ?? [], ...(r.body !== undefined ? { body: r.body } : {}),
    ...(r.expect !== undefined ? { expect: r.expect } : {}),
    ...(r.tags !== undefined && Object.keys(r.tags).length > 0 ? { tags: r.tags } : {}),
  };
}

/** `request` (named DEFAULT_REQUEST_NAME) and `requests`, in file order. */
function topLevelRequests(f: ScenarioFile): NamedRequests {
  const out: NamedRequests = { requests: {}, requestAt: new Map(), weights: new Map() };
  if (f.request !== undefined) {
    out.requests[DEFAULT_REQUEST_NAME] = toProgram(f.request);
    out.requestAt.set(DEFAULT_REQUEST_NAME, ['request']);
    out.weights.set(DEFAULT_REQUEST_NAME, 1);
  }
  for (const [name, r] of Object.entries(f.requests ?? {})) {
    out.requests[name] = toProgram(r);
    out.requestAt.set(name, ['requests', name]);
    out.weights.set(name, r.weight);
  }
  return out;
}

/**
 * The file's flows, each inline step request added to `named` under its name (or `flow.index`; a name
 * already used is a problem); without flows, one one-step flow per top-level request, by its weight.
 */
function programFlows(f: ScenarioFile, named: NamedRequests, problems: ScenarioFileProblem[]): ProgramFlow[] {
  const { requests, requestAt, weights } = named;
  if (f.flows === undefined) return [...weights].map(([name, weight]) => ({ name, weight, steps: [{ request: name, extract: {}, checks: [], thinkMs: 0 }] }));
  return Object.entries(f.flows).map(([fname, flow]) => ({
    name: fname,
    weight: flow.weight,
    steps: flow.steps.map((step, i) => {
      let request: string | undefined;
      if (typeof step.request === 'string') request = step.request;
      else if (step.request !== undefined) {
        const { name, ...r } = step.request;
        request = name ?? `${fname}.${i}`;
        const at: PathSegment[] = ['flows', fname, 'steps', i, 'request'];
        if (requestAt.has(request)) problems.push(problem([...at, ...(name !== undefined ? ['name'] : [])], `request name "${request}" is already used (${requestAt.get(request)?.join('.')}); metrics are per name`));
        requests[request] = toProgram(r);
        requestAt.set(request, at);
      }
      return { ...(request !== undefined ? { request } : {}), extract: step.extract ?? {}, checks: step.checks ?? [], ...programThink(step.think) };
    }),
  }));
}

/** A step's `think` as the program carries it: a fixed thinkMs, or a distribution (thinkRandom). */
function programThink(think: FlowStep['think']): Pick<ProgramStep, 'thinkMs' | 'thinkRandom'> {
  if (think === undefined) return { thinkMs: 0 };
  return typeof think === 'number' ? { thinkMs: think } : { thinkMs: 0, thinkRandom: think };
}

/**
 * `setup` or `teardown` as program steps, each inline request added to `named` under its name (or
 * `setup.index`, `teardown.index`; a name already used is a problem). Their requests' origins are
 * vetted by the agent like the flows' (they are in program.origins).
 */
function partSteps(part: 'setup' | 'teardown', steps: readonly FlowStep[], named: NamedRequests, problems: ScenarioFileProblem[]): ProgramStep[] {
  return steps.map((step, i) => {
    let request: string | undefined;
    if (typeof step.request === 'string') request = step.request;
    else if (step.request !== undefined) {
      const { name, ...r } = step.request;
      request = name ?? `${part}.${i}`;
      const at: PathSegment[] = [part, 'steps', i, 'request'];
      if (named.requestAt.has(request)) problems.push(problem([...at, ...(name !== undefined ? ['name'] : [])], `request name "${request}" is already used (${named.requestAt.get(request)?.join('.')}); metrics are per name`));
      named.requests[request] = toProgram(r);
      named.requestAt.set(request, at);
    }
    return { ...(request !== undefined ? { request } : {}), extract: step.extract ?? {}, checks: step.checks ?? [], ...programThink(step.think) };
  });
}

/** Every request's origin (scheme, host, port), which must not depend on data or extracted values. */
function requestOrigins(named: NamedRequests, variables: Program['variables'], problems: ScenarioFileProblem[]): Set<string> {
  const origins = new Set<string>();
  for (const [name, r] of Object.entries(named.requests)) {
    const origin = staticOrigin(r.url, variables);
    if (origin === undefined) {
      problems.push(problem([...(named.requestAt.get(name) ?? []), 'url'], 'its scheme, host and port must be written out or come from `variables` or `{{ $env.NAME }}` (data and extracted values may fill the path and query only)'));
    } else origins.add(origin);
  }
  return origins;
}

/** Each data feeder's rows, read with `readData`; an unreadable or malformed file is a problem at its path. */
function readDataFiles(f: ScenarioFile, readData: (path: string) => string, problems: ScenarioFileProblem[]): Program['data'] {
  const data: Program['data'] = {};
  for (const [name, d] of Object.entries(f.data ?? {})) {
    const at = ['data', name, 'path'];
    try {
      const rows = parseRows(readData(d.path), d.format, d.path) as Record<string, unknown>[];
      data[name] = { mode: d.mode, rows, totalRows: rows.length };
    } catch (e) {
      problems.push(problem(at, e instanceof FeederError ? e.message : unreadableFileMessage(d.path, e)));
    }
  }
  return data;
}

/** The report's `target` and the agents' first check: the first request's URL as far as it renders, else its origin. */
function firstTargetUrl(first: ProgramRequest, origins: ReadonlySet<string>, variables: Program['variables']): string {
  try {
    return new URL(compileTemplate(first.url, 'url').render(variables, defaultTemplateContext())).href;
  } catch {
    // it needs data or extracted values: its origin stands for it
    return `${[...origins][0] as string}/`;
  }
}

/**
 * `readData(path)` reads a data file named in the scenario (relative to it); it may throw. `env` holds
 * the `--env` values: a `{{ $env.NAME }}` it lacks is a problem; the ones the file reads travel in the
 * program's `env`. The report's target URL is rendered without them (a value in a path or query, such
 * as a key, never reaches a report); an origin written with one shows as that origin.
 */
export function scenarioFromFile(f: ScenarioFile, readData: (path: string) => string, env: EnvValues = {}): ScenarioFromFile {
  const problems: ScenarioFileProblem[] = [];
  const tls = targetTlsFromFile(f.tls, readData);
  if ('problem' in tls) problems.push(tls.problem);
  const base = { name: f.name, warmup: f.warmup, thresholds: f.thresholds ?? [], ...('tls' in tls ? { tls: tls.tls } : {}) };
  const firstEntry = f.scenarios === undefined ? undefined : Object.values(f.scenarios)[0];
  const load = f.load ?? firstEntry?.load;
  if (load === undefined || (f.load !== undefined && f.scenarios !== undefined)) {
    // scenario/cross-field.ts reports these with their places; this is the fallback for direct callers.
    problems.push(problem(['load'], load === undefined ? 'is required (or give scenarios, each with its own load)' : 'give load here or in each of scenarios, not both'));
    return { ok: false, problems };
  }
  if (isPlainScenario(f)) {
    const r = f.request as FileRequest;
    const expect = r.expect ?? f.expect;
    const request = {
      url: r.url, method: r.method, headers: r.headers, timeout: r.timeout, ...(r.body !== undefined ? { body: r.body } : {}), ...(expect !== undefined ? { expect } : {}),
    };
    return problems.length > 0 ? { ok: false, problems } : { ok: true, scenario: { ...base, request, load } };
  }

  const variables = f.variables ?? {};
  problems.push(...envProblems(f, env));
  const shipped = envToShip(f, env);
  const named = topLevelRequests(f);
  const flows = programFlows(f, named, problems);
  const setup = f.setup === undefined ? undefined
    : { steps: partSteps('setup', f.setup.steps, named, problems), ...(f.setup.refresh !== undefined ? { refreshMs: f.setup.refresh } : {}) };
  const teardown = f.teardown === undefined ? undefined : { steps: partSteps('teardown', f.teardown.steps, named, problems) };
  const parts = f.scenarios === undefined ? undefined : partsOf(f, flows, named.weights);
  const origins = requestOrigins(named, { ...variables, [ENV_ROOT]: shipped }, problems);
  const data = readDataFiles(f, readData, problems);
  problems.push(...dataSizeProblems(Object.entries(data).map(([name, d]) => ({ name, path: f.data?.[name]?.path ?? name, rows: d.rows }))));
  problems.push(...dataColumnProblems(f, new Map(Object.entries(data).map(([name, d]) => [name, d.rows]))));
  if (problems.length > 0) return { ok: false, problems };

  const { requests } = named;
  const program: Program = {
    requests, flows, variables, data, origins: [...origins], ...(f.cookies !== undefined ? { cookies: f.cookies } : {}), ...(f.expect !== undefined ? { expect: f.expect } : {}),
    ...(Object.keys(shipped).length > 0 ? { env: shipped } : {}),
  };
  if (setup !== undefined) program.setup = setup;
  if (teardown !== undefined) program.teardown = teardown;
  const first = Object.values(requests)[0] as ProgramRequest;
  const timeout = Math.max(...Object.values(requests).map((r) => r.timeoutMs));
  const url = firstTargetUrl(first, origins, variables);
  const scenario: Scenario = { ...base, request: { url, method: first.method as Scenario['request']['method'], headers: {}, timeout }, load, program };
  if (parts !== undefined) scenario.parts = parts;
  return { ok: true, scenario };
}

/**
 * The file's `scenarios` as parts. `exec` names flows or requests (default: every flow of the file, else
 * every request); a request named where the file has flows runs as a one-step flow of its own name,
 * added to `flows` (names of flows and requests never collide: scenario/cross-field.ts).
 */
function partsOf(f: ScenarioFile, flows: ProgramFlow[], weights: ReadonlyMap<string, number>): NonNullable<Scenario['parts']> {
  const defaults = flows.map((fl) => fl.name);
  return Object.entries(f.scenarios ?? {}).map(([name, entry]) => {
    const exec = entry.exec === undefined ? defaults : typeof entry.exec === 'string' ? [entry.exec] : entry.exec;
    for (const e of exec) {
      if (!flows.some((fl) => fl.name === e)) flows.push({ name: e, weight: weights.get(e) ?? 1, steps: [{ request: e, extract: {}, checks: [], thinkMs: 0 }] });
    }
    return {
      name, load: entry.load, flows: [...new Set(exec)], ...(entry.cookies !== undefined ? { cookies: entry.cookies } : {}), ...(entry.expect !== undefined ? { expect: entry.expect } : {}),
    };
  });
}
