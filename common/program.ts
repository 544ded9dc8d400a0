// The executable form of the scenario language: what `run` ships to the coordinator (inside the
// Scenario) and the coordinator ships to each agent (inside the AgentPlan). Normalized so the engine
// only knows flows: a file with `requests` only becomes one single-step flow per request (with that
// request's weight); inline step requests are entered into `requests` under their metric name.
// Durations are milliseconds; data rows are embedded (agents never read the coordinator's disk).
// Validated with zod at every hop (the wire is untrusted input); checks and extractors are compiled
// by the engine (agent/engine/flow-program.ts), which rejects what does not compile.
import { z } from 'zod';
import type { CheckSpec } from './checks.js';
import type { ExtractSpec } from './extract.js';

/** The most data (rows as JSON, all feeders) a scenario may carry: one gRPC message is 16 MiB. */
export const MAX_DATA_JSON_BYTES = 12 * 1024 * 1024;
/** Bodies read for checks and extractors are cut here (counted as truncated). */
export const MAX_BODY_BYTES = 1024 * 1024;

const requestSchema = z.strictObject({
  /** Templates (common/template.ts). */
  url: z.string().min(1),
  method: z.string().min(1),
  headers: z.record(z.string(), z.string()),
  body: z.string().optional(),
  timeoutMs: z.number().positive(),
  checks: z.array(z.custom<CheckSpec>((v) => typeof v === 'object' && v !== null)),
});

const stepSchema = z.strictObject({
  /** A name in `requests`; absent for a think-only step. */
  request: z.string().min(1).optional(),
  extract: z.record(z.string(), z.custom<ExtractSpec>((v) => typeof v === 'object' && v !== null)),
  /** The step's own checks, run after the request's. */
  checks: z.array(z.custom<CheckSpec>((v) => typeof v === 'object' && v !== null)),
  thinkMs: z.number().nonnegative(),
});

const flowSchema = z.strictObject({
  name: z.string().min(1),
  weight: z.number().positive(),
  steps: z.array(stepSchema).min(1),
});

const dataSchema = z.strictObject({
  mode: z.enum(['sequential', 'random', 'unique']),
  rows: z.array(z.record(z.string(), z.unknown())),
  /** All rows of the file (before a `unique` split): for the report. */
  totalRows: z.number().int().nonnegative(),
});

export const programSchema = z.strictObject({
  requests: z.record(z.string(), requestSchema),
  flows: z.array(flowSchema).min(1),
  variables: z.record(z.string(), z.unknown()),
  data: z.record(z.string(), dataSchema),
  /** Every origin (scheme://host:port) the requests may reach; the URL of a request must render to one of them. */
  origins: z.array(z.string().min(1)).min(1),
});

export type Program = z.infer<typeof programSchema>;
export type ProgramRequest = Program['requests'][string];
export type ProgramFlow = Program['flows'][number];
export type ProgramStep = ProgramFlow['steps'][number];
