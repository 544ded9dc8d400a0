// Reads a scenario file and applies the command-line overrides, then validates the result again, so
// a flag can never produce a scenario the file format would reject.
import { readFileSync, statSync } from 'node:fs';
import { DEFAULT_FEEDER_LIMITS, fileTooLarge } from '../common/data/feeder.js';
import { dirname, resolve } from 'node:path';
import { LoadfleetError } from '../common/runtime/errors.js';
import { parseDurationMs } from '../common/scenario/duration.js';
import { loadDurationMs, toScenarioInput, validateScenario } from '../common/scenario/scenario.js';
import type { Scenario } from '../common/scenario/scenario.js';
import { formatProblem, validateScenarioText } from '../common/scenario/validate.js';
import { createLocator } from '../common/scenario/locate.js';
import { scenarioFromFile } from '../common/scenario/compile.js';
import type { EnvValues } from '../common/scenario/env.js';

export interface Overrides {
  rate?: number | undefined;
  concurrency?: number | undefined;
  duration?: string | undefined;
  warmup?: string | undefined;
  maxInFlight?: number | undefined;
  connections?: number | undefined;
}

/** A scenario file read with the language validator: the Scenario, or every problem as `file:line:column: path: message`. */
export type ScenarioRead = { ok: true; scenario: Scenario } | { ok: false; lines: string[] };

/**
 * Reads, validates (every problem at once, located like `loadfleet validate`) and converts a scenario
 * file; data files are read relative to it; `env` holds the `--env` values (cli/env-flags.ts). Throws SCENARIO_INVALID only when the file cannot be read.
 */
export function loadScenarioFile(cwd: string, file: string, env: EnvValues = {}): ScenarioRead {
  const path = resolve(cwd, file);
  const text = readText(path);
  const v = validateScenarioText(text);
  if (!v.ok) return { ok: false, lines: v.problems.map((p) => formatProblem(file, p)) };
  const r = scenarioFromFile(v.file, (data) => readDataText(resolve(dirname(path), data), data), env);
  if (r.ok) return r;
  const locate = createLocator(text);
  return { ok: false, lines: r.problems.map((p) => formatProblem(file, { ...p, ...locate(p.segments, p.atKey === true ? 'key' : 'value') })) };
}

/** The scenario file's text; a missing or unreadable file is SCENARIO_INVALID naming it. */
export function readText(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new LoadfleetError('SCENARIO_INVALID', `cannot read scenario file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      cause: e, hint: 'check the path; examples/ has scenarios to start from',
    });
  }
  return text;
}

/**
 * A file the scenario names (data, `tls.ca`), as text; `source` is its name in the file. One over the
 * data size limit is refused from its size, unread (a string past ~512 MiB cannot even be made).
 */
export function readDataText(path: string, source: string): string {
  const bytes = statSync(path).size;
  if (bytes > DEFAULT_FEEDER_LIMITS.maxBytes) throw fileTooLarge(source, bytes);
  return readFileSync(path, 'utf8');
}

function durationFlag(name: string, value: string): number {
  const ms = parseDurationMs(value);
  if (ms === undefined && value.trim().startsWith('-')) throw new LoadfleetError('USAGE', `--${name} "${value}" is negative: a duration is a length >= 0, e.g. 30s, 2m or 500ms`);
  if (ms === undefined) throw new LoadfleetError('USAGE', `--${name} "${value}" is not a duration; write e.g. 30s, 2m or 500ms`);
  return ms;
}

/** A number flag's value that is out of range (yargs turns `--rate abc` into NaN): USAGE naming the flag. */
function numberFlag(flag: string, value: number | undefined, whole: boolean): void {
  if (value === undefined) return;
  if (Number.isFinite(value) && value > 0 && (!whole || Number.isInteger(value))) return;
  const want = whole ? 'a whole number >= 1' : 'a number > 0';
  throw new LoadfleetError('USAGE', `${flag} must be ${want}, got ${Number.isNaN(value) ? 'something that is not a number' : value}`);
}

/** Returns the scenario with the overrides applied; throws USAGE naming the flag that does not fit. */
export function applyOverrides(scenario: Scenario, o: Overrides): Scenario {
  numberFlag('--rate', o.rate, false);
  numberFlag('--concurrency', o.concurrency, true);
  numberFlag('--max-in-flight', o.maxInFlight, true);
  numberFlag('--connections', o.connections, true);
  if (scenario.parts !== undefined) {
    const given = (['rate', 'concurrency', 'duration', 'maxInFlight', 'connections'] as const).filter((k) => o[k] !== undefined);
    if (given.length > 0) {
      throw new LoadfleetError('USAGE', `${given.map((k) => `--${k === 'maxInFlight' ? 'max-in-flight' : k}`).join(', ')} cannot apply: this file runs several scenarios, each with its own load (${scenario.parts.map((p) => p.name).join(', ')}); edit their load in the file`);
    }
  }
  const input = toScenarioInput(scenario);
  const load: Record<string, unknown> = { ...input.load };
  if (o.rate !== undefined) {
    if (scenario.load.model !== 'open') throw new LoadfleetError('USAGE', '--rate applies to the open model; this scenario is closed (use --concurrency)');
    load.rate = o.rate;
    if (load.stages !== undefined) {
      load.duration = `${loadDurationMs(scenario.load)}ms`;
      delete load.stages;
      delete load.startRate;
    }
  }
  if (o.concurrency !== undefined) {
    if (scenario.load.model !== 'closed') throw new LoadfleetError('USAGE', '--concurrency applies to the closed model; this scenario is open (use --rate)');
    load.concurrency = o.concurrency;
    if (load.stages !== undefined) {
      load.duration = `${loadDurationMs(scenario.load)}ms`;
      delete load.stages;
      delete load.startConcurrency;
    }
  }
  if (o.duration !== undefined) {
    if (load.stages !== undefined) throw new LoadfleetError('USAGE', '--duration cannot be combined with stages; give --rate too, or edit the stages');
    load.duration = `${durationFlag('duration', o.duration)}ms`;
  }
  if (o.maxInFlight !== undefined) {
    if (scenario.load.model !== 'open') throw new LoadfleetError('USAGE', '--max-in-flight applies to the open model');
    load.maxInFlight = o.maxInFlight;
  }
  if (o.connections !== undefined) load.connections = o.connections;
  const warmup = o.warmup !== undefined ? `${durationFlag('warmup', o.warmup)}ms` : input.warmup;
  const next = { ...input, load, warmup };
  const v = validateScenario(next);
  if (!v.ok) throw new LoadfleetError('USAGE', `the flags make an invalid scenario: ${v.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  return v.scenario;
}
