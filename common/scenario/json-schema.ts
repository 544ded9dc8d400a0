// The JSON Schema of the scenario language, generated from the same zod schema the validator uses
// (the input side: what users write, before durations become milliseconds). Rules zod expresses as
// refinements (templates compile, references resolve, thresholds parse) are the validator's alone:
// the JSON Schema is for editors' completion and first checks, `loadfleet validate` is the authority.
import { z } from 'zod';
import { scenarioFileSchema } from './schema.js';

export const SCHEMA_FILE = 'schema/scenario.schema.json';

export function scenarioJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(scenarioFileSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
}

/** The file's exact text: stable key order, 2-space indent, trailing newline. */
export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}
