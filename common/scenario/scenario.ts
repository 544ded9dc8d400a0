// The scenario file: what to send and how much. Parsed from YAML or JSON, validated with every problem
// reported at once, each naming its field. The parsed Scenario is what the coordinator plans from and
// what travels to a remote coordinator (as JSON).
import { z } from 'zod';
import { parseDurationMs } from './duration.js';
import { parseThresholdExpr } from '../metrics/thresholds.js';
import type { Threshold } from '../metrics/thresholds.js';
import { programSchema } from '../flow/program.js';
import { targetTlsSchema } from '../plan/agent-plan.js';
import { statusRangesSchema } from '../metrics/expected-status.js';

/** A duration as written ("30s", 1.5) -> milliseconds. Exported for the scenario language (scenario/schema.ts). */
export const durationMs = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDurationMs(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration; write e.g. 500ms, 30s, 2m or 1m30s` });
    return z.NEVER;
  }
  return ms;
});

export const positiveDurationMs = durationMs.refine((ms) => ms > 0, 'must be longer than 0');

export const httpUrl = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}, 'must be an absolute http:// or https:// URL');

export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** An HTTP method in any case -> upper case. */
export const methodSchema = z
  .string()
  .transform((m) => m.toUpperCase())
  .pipe(z.enum(METHODS, { message: `must be one of ${METHODS.join(', ')}` }));

const requestSchema = z.strictObject({
  url: httpUrl,
  method: methodSchema.default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  timeout: positiveDurationMs.default(10_000),
  /** Expected statuses (the request's, else the file's); absent: the default 200-399. */
  expect: statusRangesSchema.optional(),
});

/**
 * The highest arrival rate a test may ask for, req/s (a scenario's rate, stage targets and startRate,
 * and live rate changes alike). One agent sends tens of thousands of requests per second; this is a
 * hundred agents' worth many times over, so a figure above it is a typo (1e9), not a plan, and would
 * only make every agent fall behind and drop arrivals.
 */
export const MAX_RATE_RPS = 10_000_000;

/** Why a rate above MAX_RATE_RPS is refused (validation and live changes say the same). */
export const MAX_RATE_MESSAGE = `must be at most ${MAX_RATE_RPS} req/s (10 million): no fleet could hold more, so a larger figure is taken for a typo`;

const rateRps = z.number().max(MAX_RATE_RPS, MAX_RATE_MESSAGE);

const stageSchema = z.strictObject({
  duration: positiveDurationMs,
  target: rateRps.nonnegative(),
});

const openSchema = z
  .strictObject({
    model: z.literal('open'),
    rate: rateRps.positive().optional(),
    startRate: rateRps.nonnegative().optional(),
    stages: z.array(stageSchema).min(1).optional(),
    duration: positiveDurationMs.optional(),
    maxInFlight: z.number().int().positive().default(10_000),
    connections: z.number().int().positive().optional(),
    // Spacing of arrivals (agent/engine/open-runner.ts): absent means even.
    arrivals: z.enum(['even', 'poisson'], { error: 'must be even (arrivals evenly spaced at the rate) or poisson (random, exponential gaps at the same mean rate)' }).optional()
      .meta({ description: 'even (default): evenly spaced at the rate; poisson: a Poisson process at the rate (exponential gaps)' }),
  })
  .superRefine((v, ctx) => {
    const hasRate = v.rate !== undefined;
    const hasStages = v.stages !== undefined;
    if (hasRate === hasStages) {
      ctx.addIssue({ code: 'custom', path: ['rate'], message: 'give either rate (with duration) or stages, not both or neither' });
    }
    if (hasRate && !hasStages && v.duration === undefined) {
      ctx.addIssue({ code: 'custom', path: ['duration'], message: 'is required with rate (e.g. duration: 30s)' });
    }
    if (hasStages && v.duration !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['duration'], message: 'is the sum of the stages; remove it when stages are given' });
    }
    if (!hasStages && v.startRate !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['startRate'], message: 'only applies to stages' });
    }
  });

/** A loop count: whole loops only (a fractional one is a located problem that says so). */
const wholeLoops = z.number().int({ error: 'must be a whole number of loops (an integer: 2, not 1.5)' });

const closedStageSchema = z.strictObject({
  duration: positiveDurationMs,
  target: wholeLoops.nonnegative(),
});

const closedSchema = z
  .strictObject({
    model: z.literal('closed'),
    concurrency: wholeLoops.positive().optional(),
    /** Loops at the start of the first stage (k6 ramping-vus startVUs); default 0. */
    startConcurrency: wholeLoops.nonnegative().optional(),
    stages: z.array(closedStageSchema).min(1).optional(),
    duration: positiveDurationMs.optional(),
    connections: z.number().int().positive().optional(),
  })
  .superRefine((v, ctx) => {
    const hasConcurrency = v.concurrency !== undefined;
    const hasStages = v.stages !== undefined;
    if (hasConcurrency === hasStages) {
      ctx.addIssue({ code: 'custom', path: ['concurrency'], message: 'give either concurrency (with duration) or stages, not both or neither' });
    }
    if (hasConcurrency && !hasStages && v.duration === undefined) {
      ctx.addIssue({ code: 'custom', path: ['duration'], message: 'is required with concurrency (e.g. duration: 30s)' });
    }
    if (hasStages && v.duration !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['duration'], message: 'is the sum of the stages; remove it when stages are given' });
    }
    if (!hasStages && v.startConcurrency !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['startConcurrency'], message: 'only applies to stages' });
    }
  });

export const loadSchema = z.discriminatedUnion('model', [openSchema, closedSchema], {
  error: 'load.model must be "open" (with rate or stages) or "closed" (with concurrency or stages)',
});

/** A k6-style pass/fail criterion: "p99 < 250ms", or an object with a request name and abortOnFail. */
export const thresholdSchema = z
  .union([
    z.string(),
    z.strictObject({
      threshold: z.string().meta({ description: 'e.g. "p99 < 250ms", "error_rate < 1%", "checks > 99%", "rps > 900"' }),
      request: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'must be a name of letters, digits, _ . and -').optional().meta({ description: 'only this request name' }),
      scenario: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'must be a name of letters, digits, _ . and -').optional().meta({ description: 'only this scenario (of several at once); not with request' }),
      abortOnFail: z.boolean().default(false),
      delayAbortEval: durationMs.default(0).meta({ description: 'abortOnFail waits this long into the run (grace period)' }),
    }),
  ])
  .transform((t, ctx): Threshold => {
    const source = typeof t === 'string' ? t : t.threshold;
    if (typeof t !== 'string' && t.request !== undefined && t.scenario !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['scenario'], message: 'give request or scenario, not both (a threshold reads one set of figures)' });
      return z.NEVER;
    }
    try {
      const expr = parseThresholdExpr(source);
      return typeof t === 'string'
        ? { ...expr, source, request: undefined, abortOnFail: false, delayAbortEvalMs: 0 }
        : { ...expr, source, request: t.request, ...(t.scenario !== undefined ? { scenario: t.scenario } : {}), abortOnFail: t.abortOnFail, delayAbortEvalMs: t.delayAbortEval };
    } catch (e) {
      ctx.addIssue({ code: 'custom', path: typeof t === 'string' ? [] : ['threshold'], message: (e as Error).message });
      return z.NEVER;
    }
  });

/**
 * One of several scenarios running at the same time (the file's `scenarios`): its own load model over
 * some of the program's flows. Made by scenario/compile.ts; not a field users write.
 */
export const scenarioPartSchema = z.strictObject({
  name: z.string().min(1),
  load: loadSchema,
  /** Names in program.flows this part runs (each arrival/loop picks one by weight). */
  flows: z.array(z.string().min(1)).min(1),
  /** Its cookie jars (the file's scenarios.<name>.cookies); absent: the program's. */
  cookies: z.enum(['per-iteration', 'per-loop', 'off']).optional(),
  /** The `scenarios` entry's expected statuses: for its requests that have none of their own. */
  expect: statusRangesSchema.optional(),
});

export const scenarioSchema = z.strictObject({
  name: z.string().min(1).default('loadfleet'),
  request: requestSchema,
  load: loadSchema,
  warmup: durationMs.default(0),
  /** Evaluated on the fleet's merged figures at the end (and live for abortOnFail). */
  thresholds: z.array(thresholdSchema).default([]),
  /**
   * The scenario language in executable form (common/flow/program.ts), made by `run` from the file
   * (scenario/compile.ts); absent for a single-request scenario. Not a field users write.
   */
  program: programSchema.optional(),
  /**
   * Several scenarios at once (the file's `scenarios`), each with its own load model; `load` is then
   * the first part's (code that knows one load model only sees that part). Needs `program`.
   */
  parts: z.array(scenarioPartSchema).min(1).optional(),
  /** HTTPS targets: certificate checks and an extra trusted CA (PEM, read from the file's `tls.ca`). */
  tls: targetTlsSchema.optional(),
}).superRefine((s, ctx) => {
  if (s.parts === undefined) return;
  const flows = new Set((s.program?.flows ?? []).map((f) => f.name));
  const names = new Set<string>();
  s.parts.forEach((p, i) => {
    if (names.has(p.name)) ctx.addIssue({ code: 'custom', path: ['parts', i, 'name'], message: `"${p.name}" is used twice` });
    names.add(p.name);
    for (const f of p.flows) if (!flows.has(f)) ctx.addIssue({ code: 'custom', path: ['parts', i, 'flows'], message: `names flow "${f}", which the program does not have` });
  });
});

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioPart = z.output<typeof scenarioPartSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type LoadModel = Scenario['load'];
export type OpenLoad = Extract<LoadModel, { model: 'open' }>;
export type ClosedLoad = Extract<LoadModel, { model: 'closed' }>;

/** One problem found in a scenario: where (dotted path) and what. */
export interface ScenarioProblem {
  path: string;
  message: string;
}

function toProblems(error: z.ZodError): ScenarioProblem[] {
  return error.issues.map((issue) => ({
    path: issue.path.length === 0 ? '(top level)' : issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

/** Validates an already-parsed value; returns every problem at once. */
export function validateScenario(value: unknown): { ok: true; scenario: Scenario } | { ok: false; problems: ScenarioProblem[] } {
  const result = scenarioSchema.safeParse(value);
  return result.success ? { ok: true, scenario: result.data } : { ok: false, problems: toProblems(result.error) };
}

/** Total main-phase length of the load model, in milliseconds. */
export function loadDurationMs(load: LoadModel): number {
  if (load.stages !== undefined) return load.stages.reduce((sum, s) => sum + s.duration, 0);
  return load.duration ?? 0;
}

/** The load models of a scenario: its parts, or one part (named "default", all flows) for a plain `load`. */
export function scenarioParts(s: Pick<Scenario, 'load' | 'parts'>): { name: string; load: LoadModel; flows: string[] | undefined }[] {
  return s.parts ?? [{ name: 'default', load: s.load, flows: undefined }];
}

/** The main phase's length: the longest part's. */
export function mainDurationMs(s: Pick<Scenario, 'load' | 'parts'>): number {
  return Math.max(...scenarioParts(s).map((p) => loadDurationMs(p.load)));
}

/** The input form of a parsed load model (durations back to "<n>ms" strings). */
export function loadInput(load: LoadModel): ScenarioInput['load'] {
  const ms = (n: number): string => `${n}ms`;
  const common = {
    ...(load.duration !== undefined ? { duration: ms(load.duration) } : {}),
    ...(load.stages !== undefined ? { stages: load.stages.map((st) => ({ ...st, duration: ms(st.duration) })) } : {}),
  };
  return load.model === 'closed' ? { ...load, ...common } : { ...load, ...common };
}

/**
 * The input form of a parsed scenario (durations back to "<n>ms" strings), such that
 * validateScenario(toScenarioInput(s)) gives s again. This is what travels to a remote coordinator.
 */
export function toScenarioInput(s: Scenario): ScenarioInput {
  const ms = (n: number): string => `${n}ms`;
  const load = loadInput(s.load);
  const thresholds = s.thresholds.map((t) => ({
    threshold: t.source,
    ...(t.request !== undefined ? { request: t.request } : {}),
    ...(t.scenario !== undefined ? { scenario: t.scenario } : {}),
    abortOnFail: t.abortOnFail,
    delayAbortEval: ms(t.delayAbortEvalMs),
  }));
  const parts = s.parts === undefined ? {} : { parts: s.parts.map((p) => ({ ...p, load: loadInput(p.load) })) };
  return { ...s, request: { ...s.request, timeout: ms(s.request.timeout) }, load, warmup: ms(s.warmup), thresholds, ...parts };
}
