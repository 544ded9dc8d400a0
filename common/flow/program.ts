// The executable form of the scenario language: what `run` ships to the coordinator (inside the
// Scenario) and the coordinator ships to each agent (inside the AgentPlan). Normalized so the engine
// only knows flows: a file with `requests` only becomes one single-step flow per request (with that
// request's weight); inline step requests are entered into `requests` under their metric name.
// Durations are milliseconds. Data rows are embedded in the Scenario; in an AgentPlan a feeder's rows
// may instead come separately (agents never read the coordinator's disk): `chunked` files in DataChunk
// messages before the Assign, `unique` rows in RowBlock messages handed out by the coordinator.
// Validated with zod at every hop (the wire is untrusted input); checks and extractors are compiled
// by the engine (agent/engine/flow-driver.ts compileFlows), which rejects what does not compile.
import { z } from 'zod';
import type { CheckSpec } from './checks.js';
import type { ExtractSpec } from './extract.js';
import { MAX_CHUNKS, MAX_DATA_BYTES } from '../data/data-chunks.js';
import { thinkRandomSchema } from './think.js';
import { statusRangesSchema } from '../metrics/expected-status.js';

/** The most data (rows as JSON, all feeders) a scenario may carry; larger files travel in chunks. */
export const MAX_DATA_JSON_BYTES = MAX_DATA_BYTES;
/** Bodies read for checks and extractors are cut here (counted as truncated). */
export const MAX_BODY_BYTES = 1024 * 1024;

const requestSchema = z.strictObject({
  /** Templates (common/flow/template.ts). */
  url: z.string().min(1),
  method: z.string().min(1),
  headers: z.record(z.string(), z.string()),
  body: z.string().optional(),
  timeoutMs: z.number().positive(),
  checks: z.array(z.custom<CheckSpec>((v) => typeof v === 'object' && v !== null)),
  /** Expected statuses written on this request (nearest wins: request, scenario, program, default). */
  expect: statusRangesSchema.optional(),
  /** Request tags (common/scenario/tags.ts): the coordinator's per-tag figures; agents ignore them. */
  tags: z.record(z.string(), z.string()).optional(),
});

const stepSchema = z.strictObject({
  /** A name in `requests`; absent for a think-only step. */
  request: z.string().min(1).optional(),
  extract: z.record(z.string(), z.custom<ExtractSpec>((v) => typeof v === 'object' && v !== null)),
  /** The step's own checks, run after the request's. */
  checks: z.array(z.custom<CheckSpec>((v) => typeof v === 'object' && v !== null)),
  thinkMs: z.number().nonnegative(),
  /** A random think time (common/flow/think.ts), drawn per flow run; when present it replaces thinkMs. */
  thinkRandom: thinkRandomSchema.optional(),
});

const flowSchema = z.strictObject({
  name: z.string().min(1),
  weight: z.number().positive(),
  steps: z.array(stepSchema).min(1),
});

/**
 * Rows: an array of plain objects, checked in one loop (zod checking each of a million rows took half a
 * second of the coordinator's event loop, long enough with the rest to miss agents' heartbeats).
 */
const rowsSchema = z.custom<Record<string, unknown>[]>(
  (v) => Array.isArray(v) && v.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r)),
  { message: 'must be an array of row objects' },
);

const dataSchema = z.strictObject({
  mode: z.enum(['sequential', 'random', 'unique']),
  rows: rowsSchema,
  /** All rows of the file: for the report, and checked against chunked or block-fed rows. */
  totalRows: z.number().int().nonnegative(),
  /**
   * Plans only: `rows` is empty and the file (its rows as a JSON array, UTF-8) arrives in DataChunk
   * pieces before the Assign; the agent joins them and checks size and SHA-256 before it starts.
   */
  chunked: z.strictObject({
    bytes: z.number().int().nonnegative().max(MAX_DATA_BYTES),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    chunks: z.number().int().min(1).max(MAX_CHUNKS),
  }).optional(),
  /** Plans only, `unique` feeders: `rows` is empty; the coordinator hands rows out in RowBlock messages. */
  blocks: z.literal(true).optional(),
});

export const programSchema = z.strictObject({
  requests: z.record(z.string(), requestSchema),
  flows: z.array(flowSchema).min(1),
  variables: z.record(z.string(), z.unknown()),
  data: z.record(z.string(), dataSchema),
  /** Every origin (scheme://host:port) the requests may reach; the URL of a request must render to one of them. */
  origins: z.array(z.string().min(1)).min(1),
  /**
   * Cookie jars (agent/engine/cookie-jar.ts) of the flows run outside `scenarios` and of scenarios that
   * set none: a fresh jar per flow run (absent, the default), one per closed-model loop kept across its
   * iterations, or none.
   */
  cookies: z.enum(['per-iteration', 'per-loop', 'off']).optional(),
  /**
   * Steps run once per test on one agent before the load (agent/setup-run.ts); what they extract is a
   * variable of every flow and of teardown (AgentPlan.setupValues). refreshMs: run again this often
   * during the main phase.
   */
  setup: z.strictObject({ steps: z.array(stepSchema).min(1), refreshMs: z.number().positive().optional() }).optional(),
  /** Steps run once per test on one agent after the main phase, with setup's values. */
  teardown: z.strictObject({ steps: z.array(stepSchema).min(1) }).optional(),
  /** The file's expected statuses: for requests (and scenarios) that have none of their own. */
  expect: statusRangesSchema.optional(),
  /**
   * `{{ $env.NAME }}` values, resolved where the CLI ran (`--env`), only the names the templates read.
   * Secret-bearing: shipped to agents to render requests, never printed, logged or put in a report.
   */
  env: z.record(z.string(), z.string()).optional(),
});

export type Program = z.infer<typeof programSchema>;
export type ProgramRequest = Program['requests'][string];
export type ProgramFlow = Program['flows'][number];
export type ProgramStep = ProgramFlow['steps'][number];
export type CookieMode = NonNullable<Program['cookies']>;
