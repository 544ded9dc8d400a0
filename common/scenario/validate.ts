// Validation of the scenario language: the schema's problems and the cross-field ones, all at once,
// each with its line and column in the file. What `loadfleet validate` prints, and what `run` reports
// before sending any load (cli/scenario-input.ts).
import { LineCounter, parseDocument } from 'yaml';
import { scenarioFileSchema } from './schema.js';
import type { ScenarioFile } from './schema.js';
import { crossFieldProblems } from './cross-field.js';
import { issuesToProblems, problem } from './problems.js';
import type { ScenarioFileProblem } from './problems.js';
import { createLocator } from './locate.js';

export type ValidationResult<P> = { ok: true; file: ScenarioFile } | { ok: false; problems: P[] };

/** Validates an already-parsed value; every problem at once. Never throws. */
export function validateScenarioFile(value: unknown): ValidationResult<ScenarioFileProblem> {
  const parsed = scenarioFileSchema.safeParse(value);
  const problems = parsed.success ? [] : issuesToProblems(parsed.error.issues, [], value);
  const seen = new Set(problems.map((p) => `${p.path}\n${p.message}`));
  for (const p of crossFieldProblems(value)) {
    // A reference problem under a field the schema already rejected would only repeat it.
    if (!seen.has(`${p.path}\n${p.message}`)) problems.push(p);
  }
  if (problems.length > 0 || !parsed.success) return { ok: false, problems };
  return { ok: true, file: parsed.data };
}

export interface LocatedProblem extends ScenarioFileProblem {
  line: number;
  column: number;
}

/**
 * Validates scenario text (YAML, of which JSON is a subset). YAML syntax errors are reported alone
 * (the structure is unreliable past them); otherwise every problem, sorted by position. Never throws.
 */
export function validateScenarioText(text: string): ValidationResult<LocatedProblem> {
  const lineCounter = new LineCounter();
  let value: unknown;
  try {
    const doc = parseDocument(text, { lineCounter, prettyErrors: false, logLevel: 'error' });
    if (doc.errors.length > 0) {
      return {
        ok: false,
        problems: doc.errors.map((e) => {
          const { line, col } = lineCounter.linePos(e.pos[0]);
          return { ...problem([], `YAML: ${(e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+.*$/, '')}`), line, column: col };
        }),
      };
    }
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    return { ok: false, problems: [{ ...problem([], `YAML: ${(e as Error).message}`), line: 1, column: 1 }] };
  }
  const result = validateScenarioFile(value);
  if (result.ok) return result;
  const locator = createLocator(text);
  const located = result.problems.map((p) => ({ ...p, ...locator(p.segments, p.atKey === true ? 'key' : 'value') }));
  located.sort((a, b) => a.line - b.line || a.column - b.column);
  return { ok: false, problems: located };
}

/** `file:line:column: path: message`, the format editors and CI annotate from. */
export function formatProblem(source: string, p: LocatedProblem): string {
  return `${source}:${p.line}:${p.column}: ${p.path}: ${p.message}`;
}
