// Rules of the scenario language that span fields: what each arrival runs (request / requests /
// flows), where the load model is (load / scenarios), references by name (steps -> requests,
// scenarios.exec, thresholds.request) and template variables (every {{ root }} must be a variable,
// a data feeder, a value setup extracts or a value extracted by an earlier step). Runs on the raw parsed value, tolerating
// any shape (the schema reports shape problems), so these problems are reported together with those.
import { compileTemplate } from '../flow/template.js';
import { problem } from './problems.js';
import { tagBoundProblems } from './tags.js';
import type { PathSegment, ScenarioFileProblem } from './problems.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function keys(v: unknown): string[] {
  return isObj(v) ? Object.keys(v) : [];
}

function list(names: Iterable<string>): string {
  const all = [...names];
  return all.length === 0 ? 'none are defined' : `known: ${all.join(', ')}`;
}

/** Records one problem at a path. */
type Add = (segments: PathSegment[], message: string) => void;

/** What each arrival runs (request / requests / flows) and where the load model is (load / scenarios). */
function modelProblems(v: Obj, add: Add): void {
  const hasScenarios = isObj(v.scenarios);
  if (!hasScenarios && v.load === undefined) add(['load'], 'is required (or give scenarios, each with its own load)');
  if (hasScenarios && v.load !== undefined) add(['load'], 'give load here or in each of scenarios, not both');
  if (hasScenarios && v.load === undefined && keys(v.scenarios).length === 0) add(['scenarios'], 'is empty: name at least one scenario, each with its own load (or give load instead of scenarios)');
  if (v.request === undefined && v.requests === undefined && v.flows === undefined) add(['request'], 'is required: give request, requests (several, by weight) or flows');
  if (v.request !== undefined && v.requests !== undefined) add(['requests'], 'give either request (one) or requests (several), not both');
}

/** Names that would be ambiguous: a flow named as a request, a data feeder named as a variable. */
function collisionProblems(v: Obj, add: Add): void {
  const requestNames = new Set(keys(v.requests));
  for (const f of keys(v.flows)) if (requestNames.has(f)) add(['flows', f], `"${f}" is also a request name; scenarios.exec would be ambiguous`);
  for (const d of keys(v.data)) if (keys(v.variables).includes(d)) add(['data', d], `"${d}" is also a name in variables`);
}

/** Every name some flow step extracts. */
function extractedNames(v: Obj): Set<string> {
  const all = new Set<string>();
  if (!isObj(v.flows)) return all;
  for (const flow of Object.values(v.flows)) {
    if (!isObj(flow) || !Array.isArray(flow.steps)) continue;
    for (const step of flow.steps) if (isObj(step)) for (const k of keys(step.extract)) all.add(k);
  }
  return all;
}

/**
 * A request's templates (url, body, each header): every {{ root }} must be in `known`; a root that some
 * step extracts (`allExtracted`) but not before this request is named as such.
 */
function templateProblems(req: unknown, at: PathSegment[], known: ReadonlySet<string>, allExtracted: ReadonlySet<string>, add: Add): void {
  if (!isObj(req)) return;
  const fields: [PathSegment[], unknown][] = [[['url'], req.url], [['body'], req.body]];
  if (isObj(req.headers)) for (const [h, hv] of Object.entries(req.headers)) fields.push([['headers', h], hv]);
  for (const [sub, text] of fields) {
    if (typeof text !== 'string' || !text.includes('{{')) continue;
    let roots: readonly string[];
    try {
      roots = compileTemplate(text, '').variables;
    } catch {
      continue; // the schema reports the syntax error
    }
    for (const r of roots) {
      if (!known.has(r)) {
        const later = allExtracted.has(r) && !known.has(r) ? ' (it is extracted, but not before this request runs)' : '';
        add([...at, ...sub], `unknown variable "${r}"${later}; ${list(known)}`);
      }
    }
  }
}

/**
 * Each flow's steps: a request named must exist; an inline request's templates may use what earlier
 * steps extracted. Adds each inline request's metric name (its name, or `flow.index`) to `metricNames`.
 */
function flowProblems(v: Obj, base: ReadonlySet<string>, allExtracted: ReadonlySet<string>, metricNames: Set<string>, add: Add): void {
  if (!isObj(v.flows)) return;
  const requestNames = new Set(keys(v.requests));
  for (const [fname, flow] of Object.entries(v.flows)) {
    if (!isObj(flow) || !Array.isArray(flow.steps)) continue;
    const known = new Set(base);
    flow.steps.forEach((step: unknown, i) => {
      if (!isObj(step)) return;
      const at: PathSegment[] = ['flows', fname, 'steps', i, 'request'];
      if (typeof step.request === 'string') {
        if (!requestNames.has(step.request)) add(at, `unknown request "${step.request}"; ${list(requestNames)}`);
      } else if (isObj(step.request)) {
        templateProblems(step.request, at, known, allExtracted, add);
        metricNames.add(typeof step.request.name === 'string' ? step.request.name : `${fname}.${i}`);
      }
      for (const k of keys(step.extract)) known.add(k);
    });
  }
}

/**
 * `setup` or `teardown` (`part`): a request named must exist; templates may use the constant
 * `variables`, the values `before` (setup's, for teardown) and what earlier steps of the part extracted,
 * never data rows (it runs once, with no row). Returns the names the part extracts.
 */
function setupPartProblems(v: Obj, part: 'setup' | 'teardown', before: ReadonlySet<string>, add: Add): Set<string> {
  const extracted = new Set<string>();
  const body = v[part];
  if (!isObj(body) || !Array.isArray(body.steps)) return extracted;
  const requestNames = new Set(keys(v.requests));
  const known = new Set([...keys(v.variables), ...before]);
  const all = new Set<string>();
  for (const step of body.steps) if (isObj(step)) for (const k of keys(step.extract)) all.add(k);
  body.steps.forEach((step: unknown, i) => {
    if (!isObj(step)) return;
    const at: PathSegment[] = [part, 'steps', i, 'request'];
    if (typeof step.request === 'string') {
      if (!requestNames.has(step.request)) add(at, `unknown request "${step.request}"; ${list(requestNames)}`);
    } else if (isObj(step.request)) {
      const rowless = new Set(keys(v.data));
      templateProblems(step.request, at, known, all, (segments, message) => {
        const root = /^unknown variable "([^"]+)"/.exec(message)?.[1];
        add(segments, root !== undefined && rowless.has(root) ? `data "${root}" has no row in ${part} (it runs once, not per flow run): use variables or values ${part === 'teardown' ? 'setup or ' : ''}earlier steps extract` : message);
      });
    }
    for (const k of keys(step.extract)) {
      if (keys(v.variables).includes(k) || keys(v.data).includes(k)) add([part, 'steps', i, 'extract', k], `"${k}" is also a name in ${keys(v.variables).includes(k) ? 'variables' : 'data'}`);
      known.add(k);
      extracted.add(k);
    }
  });
  return extracted;
}

/** Each scenario's exec names a flow or a request. */
function execProblems(v: Obj, add: Add): void {
  if (!isObj(v.scenarios)) return;
  const runnable = new Set([...keys(v.flows), ...keys(v.requests)]);
  for (const [sname, s] of Object.entries(v.scenarios)) {
    if (!isObj(s)) continue;
    const exec = typeof s.exec === 'string' ? [s.exec] : Array.isArray(s.exec) ? s.exec : [];
    exec.forEach((e: unknown, i) => {
      if (typeof e === 'string' && !runnable.has(e)) {
        add(['scenarios', sname, 'exec', ...(typeof s.exec === 'string' ? [] : [i])], `unknown flow or request "${e}"; ${list(runnable)}`);
      }
    });
  }
}

/**
 * `cookies: per-loop` keeps a jar across a closed-model loop's iterations; an open-model load has no
 * loop, so it is a problem there, whether the load's own scenario or the file's default sets it.
 */
function cookieProblems(v: Obj, add: Add): void {
  const perLoop = 'per-loop';
  const message = 'per-loop keeps a jar across a closed-model loop\'s iterations; this load is open (no loops): use true (a fresh jar per flow run) or false';
  const isOpen = (load: unknown): boolean => isObj(load) && load.model === 'open';
  if (v.cookies === perLoop && isOpen(v.load)) add(['cookies'], message);
  if (!isObj(v.scenarios)) return;
  for (const [sname, s] of Object.entries(v.scenarios)) {
    if (!isObj(s) || !isOpen(s.load)) continue;
    if (s.cookies === perLoop) add(['scenarios', sname, 'cookies'], message);
    else if (s.cookies === undefined && v.cookies === perLoop) add(['cookies'], `${message} (scenario "${sname}" takes this default; give it its own cookies)`);
  }
}

/** Each threshold's request names a metric (`metricNames`) and its scenario one of scenarios. */
function thresholdProblems(v: Obj, metricNames: ReadonlySet<string>, add: Add): void {
  if (!Array.isArray(v.thresholds)) return;
  v.thresholds.forEach((t: unknown, i) => {
    if (isObj(t) && typeof t.request === 'string' && !metricNames.has(t.request)) {
      add(['thresholds', i, 'request'], `unknown request name "${t.request}"; ${list(metricNames)}`);
    }
    if (isObj(t) && typeof t.scenario === 'string') {
      const scenarioNames = new Set(keys(v.scenarios));
      if (!scenarioNames.has(t.scenario)) {
        add(['thresholds', i, 'scenario'], scenarioNames.size === 0
          ? 'applies to a file with several `scenarios`; this one has a single load (drop scenario: to judge the whole run)'
          : `unknown scenario "${t.scenario}"; ${list(scenarioNames)}`);
      }
    }
  });
}

/** Every cross-field problem of a raw parsed scenario file, in the order of the checks above. */
export function crossFieldProblems(value: unknown): ScenarioFileProblem[] {
  const problems: ScenarioFileProblem[] = [];
  const add: Add = (segments, message) => {
    problems.push(problem(segments, message));
  };
  if (!isObj(value)) return problems;
  const v = value;
  modelProblems(v, add);
  collisionProblems(v, add);

  // Variables: constants, data feeders and setup's values everywhere; extracted values after the step
  // that extracts them.
  const fromSetup = setupPartProblems(v, 'setup', new Set(), add);
  setupPartProblems(v, 'teardown', fromSetup, add);
  const base = new Set<string>([...keys(v.variables), ...keys(v.data), ...fromSetup]);
  const allExtracted = extractedNames(v);
  templateProblems(v.request, ['request'], base, allExtracted, add);
  const loose = new Set([...base, ...allExtracted]);
  if (isObj(v.requests)) for (const [n, r] of Object.entries(v.requests)) templateProblems(r, ['requests', n], loose, allExtracted, add);

  // Metric names thresholds may name: each request's, 'default' for a single request, each inline step's.
  const metricNames = new Set(keys(v.requests));
  if (v.request !== undefined) metricNames.add('default');
  flowProblems(v, base, allExtracted, metricNames, add);
  execProblems(v, add);
  thresholdProblems(v, metricNames, add);
  cookieProblems(v, add);
  // Request tags: the file-wide bounds on keys and values (scenario/tags.ts).
  problems.push(...tagBoundProblems(v));
  return problems;
}
