// The scenario language: a superset of the single-request scenario in scenario.ts. Every file
// scenario.ts accepts is valid here with the same meaning; the top-level fields it adds are optional:
//
//   requests   named requests with weights (each arrival picks one by weight) and per-request checks
//   flows      named, weighted flows of ordered steps: a request (by name or inline) with extract and
//              checks, and think time; each arrival (open model) or loop (closed model) runs one flow
//   variables  constants for templates ({{ name }})
//   data       feeder files: { path, format, mode }; each flow run gets one row: {{ users.email }}
//   thresholds k6-style pass/fail criteria (common/metrics/thresholds.ts)
//   scenarios  several load models at once, each running some of the flows/requests (`exec`)
//   setup      steps run once per test on one agent before the load; their extracted values are
//              variables everywhere (`refresh` runs them again during the test)
//   teardown   steps run once per test on one agent after the main phase
//
// Field rules live in the zod schema (scenarioFileSchema, from which the JSON Schema is generated);
// rules across fields (references by name, known template variables, request vs requests) live in
// scenario/cross-field.ts, which runs on the raw value so that every problem is reported at once.
import { z } from 'zod';
import { durationMs, httpUrl, loadSchema, methodSchema, positiveDurationMs, thresholdSchema, METHODS } from './scenario.js';
import { compileTemplate, TemplateError } from '../flow/template.js';
import { compileJsonPath } from '../flow/json-path.js';
import { ExtractSpecError, compileExtractor } from '../flow/extract.js';
import type { ExtractSpec } from '../flow/extract.js';
import type { CheckSpec } from '../flow/checks.js';
import { formatOf } from '../data/feeder.js';
import { expectFileSchema } from '../metrics/expected-status.js';
import { tagsSchema } from './tags.js';
import type { FeederFormat } from '../data/feeder.js';
import type { ThinkRandom } from '../flow/think.js';
import type { CookieMode } from '../flow/program.js';

/** Names a template can read: variables, data feeders, extracted values. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** Names of requests, flows and scenarios (they appear in reports and thresholds). */
export const ENTRY_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

const variableName = z.string().regex(VARIABLE_NAME, 'must be a name of letters, digits, _ and - (not starting with a digit)');
const entryName = z.string().regex(ENTRY_NAME, 'must be a name of letters, digits, _ . and -');

/** The problem with a template, or undefined when it compiles. */
export function templateProblem(source: string): string | undefined {
  try {
    compileTemplate(source, '');
    return undefined;
  } catch (e) {
    if (e instanceof TemplateError) return `template error at line ${e.line ?? 1}, column ${e.column ?? 1}: ${e.detail}`;
    throw e;
  }
}

const template = z.string().superRefine((s, ctx) => {
  const p = templateProblem(s);
  if (p !== undefined) ctx.addIssue({ code: 'custom', message: p });
});

const urlTemplate = z
  .string()
  .superRefine((s, ctx) => {
    if (!s.includes('{{')) {
      if (!httpUrl.safeParse(s).success) ctx.addIssue({ code: 'custom', message: 'must be an absolute http:// or https:// URL (or a template like {{ base }}/path)' });
      return;
    }
    const p = templateProblem(s);
    if (p !== undefined) ctx.addIssue({ code: 'custom', message: p });
    else {
      const prefix = s.slice(0, s.indexOf('{{'));
      if (prefix !== '' && !/^https?:\/\//i.test(prefix)) ctx.addIssue({ code: 'custom', message: 'must start with http://, https:// or a {{ variable }} holding one' });
    }
  })
  .meta({ description: 'absolute http:// or https:// URL; may contain {{ templates }}' });

const jsonPath = z.string().superRefine((s, ctx) => {
  try {
    compileJsonPath(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

const checkSchema = z
  .strictObject({
    name: z.string().min(1).optional(),
    status: z.union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)]).optional(),
    header: z.string().min(1).optional(),
    equals: z.unknown().optional(),
    contains: z.string().optional(),
    bodyContains: z.string().optional(),
    json: jsonPath.optional(),
  })
  .meta({ description: 'one of: { status }, { header, equals | contains }, { bodyContains }, { json, equals }' })
  .transform((c, ctx): CheckSpec => {
    const kinds = (['status', 'header', 'bodyContains', 'json'] as const).filter((k) => c[k] !== undefined);
    const issue = (message: string, path: string[] = []): never => {
      ctx.addIssue({ code: 'custom', message, path });
      return z.NEVER;
    };
    if (kinds.length !== 1) return issue(`a check is exactly one of status, header, bodyContains or json${kinds.length > 1 ? ` (found ${kinds.join(', ')})` : ''}`);
    const hasEquals = 'equals' in c;
    const name = c.name === undefined ? {} : { name: c.name };
    if (c.status !== undefined) return hasEquals || c.contains !== undefined ? issue('a status check takes no equals or contains') : { ...name, status: c.status };
    if (c.bodyContains !== undefined) return hasEquals || c.contains !== undefined ? issue('a bodyContains check takes no equals or contains') : { ...name, bodyContains: c.bodyContains };
    if (c.header !== undefined) {
      if (hasEquals && typeof c.equals !== 'string') return issue('must be a string for a header check', ['equals']);
      if (hasEquals && c.contains !== undefined) return issue('give equals or contains, not both', ['contains']);
      return { ...name, header: c.header, equals: c.equals as string | undefined, contains: c.contains };
    }
    if (!hasEquals) return issue('a json check needs equals (the expected JSON value)');
    if (c.contains !== undefined) return issue('a json check takes equals, not contains', ['contains']);
    return { ...name, json: c.json as string, equals: c.equals };
  });

const extractSchema = z
  .strictObject({
    json: z.string().optional(),
    header: z.string().min(1).optional(),
    regex: z.string().optional(),
    group: z.number().int().nonnegative().optional(),
  })
  .meta({ description: 'one of: { json: "$.path" }, { header }, { regex, group }, { header, regex, group }' })
  .transform((x, ctx): ExtractSpec => {
    let spec: ExtractSpec | undefined;
    if (x.json !== undefined) {
      if (x.header !== undefined || x.regex !== undefined || x.group !== undefined) ctx.addIssue({ code: 'custom', message: 'a json extractor takes no header, regex or group' });
      else spec = { json: x.json };
    } else if (x.header !== undefined) spec = { header: x.header, regex: x.regex, group: x.group };
    else if (x.regex !== undefined) spec = { regex: x.regex, group: x.group };
    else ctx.addIssue({ code: 'custom', message: 'an extractor needs json, header or regex' });
    if (spec !== undefined && x.group !== undefined && x.regex === undefined) {
      ctx.addIssue({ code: 'custom', path: ['group'], message: 'group applies to regex only' });
      spec = undefined;
    }
    if (spec === undefined) return z.NEVER;
    try {
      compileExtractor('', spec);
    } catch (e) {
      if (!(e instanceof ExtractSpecError)) throw e;
      ctx.addIssue({ code: 'custom', path: [x.json !== undefined ? 'json' : 'regex'], message: e.message });
      return z.NEVER;
    }
    return spec;
  });

const requestFields = {
  url: urlTemplate,
  method: methodSchema.default('GET').meta({ description: METHODS.join(' ') }),
  headers: z.record(z.string(), template).default({}),
  body: template.optional(),
  timeout: positiveDurationMs.default(10_000),
  checks: z.array(checkSchema).optional(),
  // Expected statuses (HTTP failures): the nearest wins, request > scenarios entry > file > 200-399.
  expect: expectFileSchema.optional(),
  // Request tags (scenario/tags.ts): per-tag figures in the report and Prometheus.
  tags: tagsSchema.optional(),
};

/** The top-level `request`: the single-request scenario's fields plus checks. */
export const languageRequestSchema = z.strictObject(requestFields);

/** An entry of `requests`. */
const namedRequestSchema = z.strictObject({
  ...requestFields,
  weight: z.number().positive().default(1).meta({ description: 'relative share of arrivals (default 1)' }),
});

/** A request written inside a flow step; `name` (for metrics) defaults to "<flow>.<step index>". */
const inlineRequestSchema = z.strictObject({ ...requestFields, name: entryName.optional() });

// Think time: a duration, or a distribution drawn per flow run (common/flow/think.ts).
const thinkDurationMs = z.union([z.string(), z.number()]).superRefine((v, ctx) => {
  if (typeof v === 'number' && v < 0) ctx.addIssue({ code: 'custom', message: 'must not be negative' });
}).pipe(durationMs);

const thinkDistributionSchema = z
  .strictObject({
    uniform: z.tuple([thinkDurationMs, thinkDurationMs]).optional().meta({ description: '[min, max], e.g. [1s, 3s]' }),
    normal: z.strictObject({ mean: thinkDurationMs, stddev: thinkDurationMs }).optional().meta({ description: 'draws below 0 think 0' }),
    exponential: z.strictObject({ mean: thinkDurationMs.refine((ms) => ms > 0, 'must be longer than 0') }).optional(),
  })
  .transform((t, ctx): ThinkRandom => {
    const kinds = (['uniform', 'normal', 'exponential'] as const).filter((k) => t[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `a think distribution is exactly one of uniform, normal or exponential${kinds.length > 1 ? ` (found ${kinds.join(', ')})` : ''}` });
      return z.NEVER;
    }
    if (t.uniform !== undefined) {
      const [minMs, maxMs] = t.uniform;
      if (minMs > maxMs) {
        ctx.addIssue({ code: 'custom', path: ['uniform'], message: `the minimum (${minMs} ms) is above the maximum (${maxMs} ms): write [min, max]` });
        return z.NEVER;
      }
      return { uniform: { minMs, maxMs } };
    }
    if (t.normal !== undefined) return { normal: { meanMs: t.normal.mean, stddevMs: t.normal.stddev } };
    return { exponential: { meanMs: (t.exponential as { mean: number }).mean } };
  });

// One flat union, so that a distribution's own problems are reported (not "expected string or number").
const thinkSchema = z.union([z.string(), z.number(), thinkDistributionSchema])
  .transform((t, ctx): number | ThinkRandom => {
    if (typeof t === 'object') return t;
    const ms = thinkDurationMs.safeParse(t);
    if (ms.success) return ms.data;
    for (const issue of ms.error.issues) ctx.addIssue({ code: 'custom', message: issue.message });
    return z.NEVER;
  })
  .meta({ description: 'pause after this step: a duration (1s), or { uniform: [1s, 3s] }, { normal: { mean: 2s, stddev: 500ms } }, { exponential: { mean: 2s } }' });

const stepSchema = z
  .strictObject({
    request: z.union([entryName, inlineRequestSchema]).optional().meta({ description: 'a name from `requests`, or a request written here' }),
    extract: z.record(variableName, extractSchema).optional().meta({ description: 'variables for the later steps of this flow' }),
    checks: z.array(checkSchema).optional(),
    think: thinkSchema.optional(),
  })
  .superRefine((s, ctx) => {
    if (s.request === undefined && s.think === undefined) ctx.addIssue({ code: 'custom', message: 'a step needs a request, a think time, or both' });
    if (s.request === undefined && (s.extract !== undefined || s.checks !== undefined)) {
      ctx.addIssue({ code: 'custom', path: [s.extract !== undefined ? 'extract' : 'checks'], message: 'needs a request in the same step' });
    }
  });

const flowSchema = z.strictObject({
  weight: z.number().positive().default(1).meta({ description: 'relative share of arrivals (default 1)' }),
  steps: z.array(stepSchema).min(1),
});

// Setup and teardown: once per test for the whole fleet, on one agent. A flow's steps; what setup
// extracts is a variable of every flow, request and of teardown.
const setupSchema = z.strictObject({
  steps: z.array(stepSchema).min(1),
  refresh: durationMs.refine((ms) => ms >= 1_000, 'must be at least 1s').optional()
    .meta({ description: 'run setup again this often during the main phase (e.g. 10m); the new values reach every agent' }),
}).meta({ description: 'steps run once before the load, on one agent; their extracted values are variables everywhere' });

const teardownSchema = z.strictObject({
  steps: z.array(stepSchema).min(1),
}).meta({ description: "steps run once after the main phase (also after a stop), on one agent; setup's values are variables here" });

const dataSchema = z
  .strictObject({
    path: z.string().min(1).meta({ description: 'file relative to the scenario file; it travels to the agents with the assignment' }),
    format: z.enum(['csv', 'json', 'ndjson']).optional().meta({ description: 'default: from the extension (.csv, .json, .ndjson/.jsonl)' }),
    mode: z.enum(['sequential', 'random', 'unique']).default('sequential')
      .meta({ description: 'sequential: in order, wrapping; random: any row each time; unique: each row once across the whole fleet' }),
  })
  .transform((d, ctx) => {
    const format: FeederFormat | undefined = d.format ?? formatOf(d.path);
    if (format === undefined) {
      ctx.addIssue({ code: 'custom', path: ['format'], message: 'cannot tell from the file name: give format: csv, json or ndjson' });
      return z.NEVER;
    }
    return { ...d, format };
  });

/** HTTPS targets: certificate checks (on by default) and a CA to trust besides the system's. */
const targetTlsFileSchema = z
  .strictObject({
    insecureSkipVerify: z.boolean().default(false)
      .meta({ description: 'skip the target certificate check (self-signed test environments only; remote agents need --allow-insecure-tls)' }),
    ca: z.string().min(1).optional().meta({ description: 'PEM file of a CA to trust for the targets, relative to the scenario file; it travels to the agents with the plan' }),
  })
  .superRefine((t, ctx) => {
    if (t.insecureSkipVerify && t.ca !== undefined) ctx.addIssue({ code: 'custom', path: ['ca'], message: 'is not used when insecureSkipVerify is true: remove one of them' });
  })
  .meta({ description: 'HTTPS targets: certificate checks and trusted CA' });

// Cookie jars per virtual user (agent/engine/cookie-jar.ts): true is a fresh jar per flow run.
const cookiesSchema = z
  .union([z.boolean(), z.enum(['per-iteration', 'per-loop'], { error: 'must be true (a fresh cookie jar per flow run, the default), per-loop (closed model: one jar per loop, kept across its iterations) or false (no cookies)' })])
  .transform((c): CookieMode => (c === true ? 'per-iteration' : c === false ? 'off' : c))
  .meta({ description: 'cookie jar per virtual user: true (default: a fresh jar per flow run), per-loop (closed model: kept across a loop\'s iterations), false (none)' });

const scenarioEntrySchema = z.strictObject({
  load: loadSchema,
  exec: z.union([entryName, z.array(entryName).min(1, 'names no flow or request: name at least one, or leave exec out to run every flow')]).optional()
    .meta({ description: 'flow or request names this scenario runs (default: every flow, else every request)' }),
  cookies: cookiesSchema.optional(),
  // Expected statuses for this scenario's requests that have none of their own.
  expect: expectFileSchema.optional(),
});

export const scenarioFileSchema = z
  .strictObject({
    $schema: z.string().optional().meta({ description: 'the JSON Schema, for editors' }),
    name: z.string().min(1).default('loadfleet'),
    request: languageRequestSchema.optional().meta({ description: 'a single request (or use requests / flows)' }),
    requests: z.record(entryName, namedRequestSchema).optional(),
    flows: z.record(entryName, flowSchema).optional(),
    load: loadSchema.optional().meta({ description: 'the load model (or use scenarios, each with its own)' }),
    scenarios: z.record(entryName, scenarioEntrySchema).optional(),
    variables: z.record(variableName, z.unknown()).optional(),
    data: z.record(variableName, dataSchema).optional(),
    thresholds: z.array(thresholdSchema).optional(),
    warmup: durationMs.default(0),
    tls: targetTlsFileSchema.optional(),
    cookies: cookiesSchema.optional(),
    setup: setupSchema.optional(),
    teardown: teardownSchema.optional(),
    // Expected statuses for every request of the file that has none nearer.
    expect: expectFileSchema.optional(),
  })
  .meta({ title: 'loadfleet scenario', description: 'A loadfleet scenario file (YAML or JSON); README.md "Scenario format".' });

export type ScenarioFile = z.output<typeof scenarioFileSchema>;
export type ScenarioFileInput = z.input<typeof scenarioFileSchema>;
export type FlowStep = NonNullable<ScenarioFile['flows']>[string]['steps'][number];
