// Reads a scenario file and applies the command-line overrides, then validates the result again, so
// a flag can never produce a scenario the file format would reject.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LoadfleetError } from '../../common/errors.js';
import { parseDurationMs } from '../../common/duration.js';
import { loadDurationMs, parseScenarioText, toScenarioInput, validateScenario } from '../../common/scenario.js';
import type { Scenario } from '../../common/scenario.js';

export interface Overrides {
  rate?: number | undefined;
  concurrency?: number | undefined;
  duration?: string | undefined;
  warmup?: string | undefined;
  maxInFlight?: number | undefined;
  connections?: number | undefined;
}

export function readScenarioFile(cwd: string, file: string): Scenario {
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new LoadfleetError('SCENARIO_INVALID', `cannot read scenario file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      cause: e, hint: 'check the path; examples/ has scenarios to start from',
    });
  }
  return parseScenarioText(text, file);
}

function durationFlag(name: string, value: string): number {
  const ms = parseDurationMs(value);
  if (ms === undefined) throw new LoadfleetError('USAGE', `--${name} "${value}" is not a duration; write e.g. 30s, 2m or 500ms`);
  return ms;
}

/** Returns the scenario with the overrides applied; throws USAGE naming the flag that does not fit. */
export function applyOverrides(scenario: Scenario, o: Overrides): Scenario {
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
