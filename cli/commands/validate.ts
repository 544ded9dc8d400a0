// `loadfleet validate scenario.yaml`: every problem at once as `file:line:column: path: message`
// (exit 2), or a one-line summary (exit 0). Data files (and the tls.ca file) are read and parsed too,
// relative to the scenario file, so a missing or malformed CSV is caught before a run.
import { dirname, resolve } from 'node:path';
import { EXIT } from '../../common/runtime/errors.js';
import type { Io } from '../../common/runtime/io.js';
import { formatProblem, validateScenarioText } from '../../common/scenario/validate.js';
import type { LocatedProblem } from '../../common/scenario/validate.js';
import type { ScenarioFile } from '../../common/scenario/schema.js';
import { createLocator } from '../../common/scenario/locate.js';
import { problem, unreadableFileMessage } from '../../common/scenario/problems.js';
import { FeederError, parseRows } from '../../common/data/feeder.js';
import { dataSizeProblems } from '../../common/scenario/compile.js';
import { dataColumnProblems } from '../../common/scenario/data-columns.js';
import { readDataText, readText } from '../scenario-input.js';
import { targetTlsFromFile } from '../../common/scenario/tls.js';
import { envNames, envProblems, envStatusLine } from '../../common/scenario/env.js';
import type { ScenarioFileProblem } from '../../common/scenario/problems.js';
import { parseEnvValues } from '../env-flags.js';

export interface ValidateArgs {
  scenario: string;
  /** `--env NAME=VALUE` / `--env NAME` (repeatable): checked against the file's `{{ $env.NAME }}`. */
  env?: string | string[] | undefined;
}

export async function validateCommand(io: Io, args: ValidateArgs): Promise<number> {
  const env = parseEnvValues(args.env, io.env);
  const path = resolve(io.cwd, args.scenario);
  const text = readText(path);
  const result = validateScenarioText(text);
  const problems = result.ok ? [...dataProblems(result.file, dirname(path), text), ...located(envProblems(result.file, env), text)] : result.problems;
  if (result.ok) problems.sort((a, b) => a.line - b.line || a.column - b.column);
  // Names only: a value given with --env is never printed.
  const envLine = result.ok && (envNames(result.file).length > 0 || Object.keys(env).length > 0) ? `env: ${envStatusLine(result.file, env)}\n` : '';
  io.stdout.write(envLine);
  if (problems.length > 0) {
    for (const p of problems) io.stdout.write(`${formatProblem(args.scenario, p)}\n`);
    io.stderr.write(`${args.scenario}: ${problems.length} problem(s)\n`);
    return EXIT.INVALID_INPUT;
  }
  io.stdout.write(`${args.scenario}: valid: ${result.ok ? summary(result.file) : ''}\n`);
  return EXIT.OK;
}

/**
 * Reads and parses every data file; a problem (located at data.<name>.path) for each that fails, and
 * the size rules `run` applies (common/scenario/compile.ts dataSizeProblems), and every template's
 * `FEEDER.COLUMN` against the file's columns (common/scenario/data-columns.ts).
 */
function dataProblems(file: ScenarioFile, baseDir: string, text: string): LocatedProblem[] {
  const out: LocatedProblem[] = [];
  const locator = createLocator(text);
  const read: { name: string; path: string; rows: readonly unknown[] }[] = [];
  for (const [name, d] of Object.entries(file.data ?? {})) {
    const segments = ['data', name, 'path'];
    let message: string | undefined;
    try {
      read.push({ name, path: d.path, rows: parseRows(readDataText(resolve(baseDir, d.path), d.path), d.format, d.path) });
    } catch (e) {
      if (e instanceof FeederError) message = e.message;
      else message = unreadableFileMessage(d.path, e);
    }
    if (message !== undefined) out.push({ ...problem(segments, message), ...locator(segments) });
  }
  // The CA file of `tls.ca`, read and parsed like `run` does.
  const tls = targetTlsFromFile(file.tls, (ca) => readDataText(resolve(baseDir, ca), ca));
  if ('problem' in tls) out.push({ ...tls.problem, ...locator(tls.problem.segments) });
  for (const p of dataSizeProblems(read)) out.push({ ...p, ...locator(p.segments, p.atKey === true ? 'key' : 'value') });
  for (const p of dataColumnProblems(file, new Map(read.map((r) => [r.name, r.rows])))) out.push({ ...p, ...locator(p.segments) });
  return out;
}

function located(problems: readonly ScenarioFileProblem[], text: string): LocatedProblem[] {
  const locator = createLocator(text);
  return problems.map((p) => ({ ...p, ...locator(p.segments) }));
}

function summary(f: ScenarioFile): string {
  const n = (count: number, what: string): string => `${count} ${what}${count === 1 ? '' : 's'}`;
  const parts = [`"${f.name}"`];
  if (f.request !== undefined) parts.push('1 request');
  if (f.requests !== undefined) parts.push(n(Object.keys(f.requests).length, 'request'));
  if (f.flows !== undefined) {
    const steps = Object.values(f.flows).reduce((sum, fl) => sum + fl.steps.length, 0);
    parts.push(`${n(Object.keys(f.flows).length, 'flow')} (${n(steps, 'step')})`);
  }
  if (f.data !== undefined) parts.push(n(Object.keys(f.data).length, 'data file'));
  if (f.thresholds !== undefined) parts.push(n(f.thresholds.length, 'threshold'));
  parts.push(f.scenarios !== undefined ? n(Object.keys(f.scenarios).length, 'scenario') : `${f.load?.model ?? '?'} model`);
  return parts.join(', ');
}
