// Template paths into data feeders (`{{ users.email }}`) checked against the columns the files have.
// A column that no row has fails every flow run that reads it (`renderFailed`), so nothing is sent;
// `validate` and `run` report it, located at the template, before any load. Pure: rows come in.
import type { ScenarioFile } from './schema.js';
import { compileTemplate } from '../flow/template.js';
import { problem } from './problems.js';
import type { PathSegment, ScenarioFileProblem } from './problems.js';

type FileRequest = NonNullable<ScenarioFile['request']>;

/** Every request of the file with its place: `request`, `requests.NAME`, inline flow steps. */
function requestsOf(f: ScenarioFile): [PathSegment[], FileRequest][] {
  const out: [PathSegment[], FileRequest][] = [];
  if (f.request !== undefined) out.push([['request'], f.request]);
  for (const [name, r] of Object.entries(f.requests ?? {})) out.push([['requests', name], r]);
  for (const [fname, flow] of Object.entries(f.flows ?? {})) {
    flow.steps.forEach((step, i) => {
      if (typeof step.request === 'object') out.push([['flows', fname, 'steps', i, 'request'], step.request]);
    });
  }
  return out;
}

/**
 * `rows` holds each feeder's parsed rows (feeders that failed to read are left out). A problem at each
 * template field that reads `FEEDER.COLUMN` where no row of FEEDER has COLUMN.
 */
export function dataColumnProblems(f: ScenarioFile, rows: ReadonlyMap<string, readonly unknown[]>): ScenarioFileProblem[] {
  const uses: { at: PathSegment[]; feeder: string; column: string }[] = [];
  for (const [at, r] of requestsOf(f)) {
    const fields: [PathSegment[], unknown][] = [[['url'], r.url], [['body'], r.body]];
    for (const [h, hv] of Object.entries(r.headers ?? {})) fields.push([['headers', h], hv]);
    for (const [sub, text] of fields) {
      if (typeof text !== 'string' || !text.includes('{{')) continue;
      let paths: readonly (readonly (string | number)[])[];
      try {
        paths = compileTemplate(text, '').paths;
      } catch {
        continue; // the schema reports the syntax error
      }
      for (const [root, column] of paths) {
        if (typeof root === 'string' && typeof column === 'string' && rows.has(root)) uses.push({ at: [...at, ...sub], feeder: root, column });
      }
    }
  }
  const problems: ScenarioFileProblem[] = [];
  const found = new Map<string, Set<string>>();
  for (const [feeder, list] of rows) {
    const wanted = new Set(uses.filter((u) => u.feeder === feeder).map((u) => u.column));
    const have = new Set<string>();
    // Stops at the first rows that hold every wanted column (the usual case: the first row).
    for (const row of list) {
      if (have.size === wanted.size) break;
      if (typeof row !== 'object' || row === null) continue;
      for (const c of wanted) if (Object.hasOwn(row, c)) have.add(c);
    }
    found.set(feeder, have);
  }
  for (const u of uses) {
    if (found.get(u.feeder)?.has(u.column) === true) continue;
    const first = rows.get(u.feeder)?.find((r) => typeof r === 'object' && r !== null);
    const columns = first === undefined ? [] : Object.keys(first);
    const known = columns.length === 0 ? 'it has no columns' : `its columns: ${columns.slice(0, 20).join(', ')}${columns.length > 20 ? ', ...' : ''}`;
    problems.push(problem(u.at, `data "${u.feeder}" has no column "${u.column}" in any row (every flow run reading it would send nothing); ${known}`));
  }
  return problems;
}
