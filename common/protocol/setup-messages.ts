// The setup messages of protocol 6 (SetupJob, SetupValues, SetupResult): their typed forms and the
// checks that turn a decoded wire message (untrusted input) into one, or throw LoadfleetError
// PROTOCOL_VIOLATION naming the field. protocol/messages.ts calls these; wire shapes are taken
// structurally, so the generated types stay in protocol/messages.ts alone.
import { z } from 'zod';
import { ERROR_KINDS } from '../metrics/counters.js';
import type { ErrorKind } from '../metrics/counters.js';
import { MAX_ID_CHARS, MAX_NAME_CHARS, MAX_TEXT_CHARS } from './wire-limits.js';
import { runIdOf, violation } from './violation.js';

/** Which part of the scenario a SetupJob runs. A refresh is a job of part 'setup'. */
export type SetupPart = 'setup' | 'teardown';

/** One request a setup or teardown sent: its name, its status (0 for a transport error) or error kind, its latency. */
export interface SetupStepFigure {
  request: string;
  status: number;
  error?: ErrorKind;
  latencyMs: number;
}

/** The figures of one SetupJob's requests (never counted in the run's main figures). */
export interface SetupFigures {
  /** Requests sent (one per step with a request, until the first failure). */
  requests: number;
  /** From the first request's send to the last response, ms. */
  durationMs: number;
  steps: SetupStepFigure[];
}

/** Run the scenario's setup or teardown once; `planJson` is an AgentPlan carrying no load. */
export interface SetupJobMsg { kind: 'setup-job'; runId: string; job: number; part: SetupPart; planJson: string }
/** A refresh's new values for a running assignment (the plan's setupValues from now on). */
export interface SetupValuesMsg { kind: 'setup-values'; runId: string; assignment: number; values: Record<string, unknown>; generation: number }
/** What one SetupJob came to: values (ok) or the failed step and why, with its requests' figures. */
export interface SetupResultMsg {
  kind: 'setup-result';
  runId: string;
  job: number;
  ok: boolean;
  values: Record<string, unknown>;
  message: string;
  figures: SetupFigures;
}

/** Most steps a setup's figures may list (a scenario's setup is a handful of steps). */
export const MAX_SETUP_STEPS = 1_000;
/** Longest values JSON (setup's extracted values: tokens, ids). */
export const MAX_SETUP_VALUES_CHARS = 1024 * 1024;

const figuresSchema = z.strictObject({
  requests: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative().finite(),
  steps: z.array(z.strictObject({
    request: z.string().max(MAX_NAME_CHARS),
    status: z.number().int().min(0).max(999),
    error: z.string().refine((k) => (ERROR_KINDS as readonly string[]).includes(k), 'unknown error kind').optional(),
    latencyMs: z.number().nonnegative().finite(),
  })).max(MAX_SETUP_STEPS),
});

/** A JSON object of values, at most MAX_SETUP_VALUES_CHARS. */
export function valuesFromJson(json: string, what: string): Record<string, unknown> {
  if (json.length > MAX_SETUP_VALUES_CHARS) throw violation(`${what} is ${json.length} characters, over ${MAX_SETUP_VALUES_CHARS}`);
  let v: unknown;
  try {
    v = JSON.parse(json === '' ? '{}' : json);
  } catch {
    throw violation(`${what} is not JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw violation(`${what} must be a JSON object`);
  return v as Record<string, unknown>;
}

function figuresFromJson(json: string): SetupFigures {
  if (json.length > MAX_TEXT_CHARS * 64) throw violation('setupResult.figuresJson is too long');
  let raw: unknown;
  try {
    raw = JSON.parse(json === '' ? '{"requests":0,"durationMs":0,"steps":[]}' : json);
  } catch {
    throw violation('setupResult.figuresJson is not JSON');
  }
  const parsed = figuresSchema.safeParse(raw);
  if (!parsed.success) throw violation(`setupResult.figuresJson: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const steps = parsed.data.steps.map((s) => ({ request: s.request, status: s.status, latencyMs: s.latencyMs, ...(s.error !== undefined ? { error: s.error as ErrorKind } : {}) }));
  return { requests: parsed.data.requests, durationMs: parsed.data.durationMs, steps };
}

export function setupPartFromWire(p: string): SetupPart {
  if (p === 'setup' || p === 'teardown') return p;
  throw violation(`setupJob.part must be "setup" or "teardown", got "${p.slice(0, MAX_ID_CHARS)}"`);
}

export function setupResultToWire(m: SetupResultMsg): { runId: string; job: number; ok: boolean; valuesJson: string; message: string; figuresJson: string } {
  return { runId: m.runId, job: m.job, ok: m.ok, valuesJson: JSON.stringify(m.values), message: m.message, figuresJson: JSON.stringify(m.figures) };
}

export function setupResultFromWire(x: { runId: string; job: number; ok: boolean; valuesJson: string; message: string; figuresJson: string }): SetupResultMsg {
  if (x.message.length > MAX_TEXT_CHARS) throw violation(`setupResult.message is ${x.message.length} characters, over ${MAX_TEXT_CHARS}`);
  return {
    kind: 'setup-result', runId: runIdOf(x.runId, 'setupResult'), job: x.job, ok: x.ok, values: valuesFromJson(x.valuesJson, 'setupResult.valuesJson'),
    message: x.message, figures: figuresFromJson(x.figuresJson),
  };
}

export function setupJobFromWire(x: { runId: string; job: number; part: string; planJson: string }): SetupJobMsg {
  return { kind: 'setup-job', runId: x.runId, job: x.job, part: setupPartFromWire(x.part), planJson: x.planJson };
}

export function setupValuesFromWire(x: { runId: string; assignment: number; valuesJson: string; generation: number }): SetupValuesMsg {
  return { kind: 'setup-values', runId: x.runId, assignment: x.assignment, values: valuesFromJson(x.valuesJson, 'setupValues.valuesJson'), generation: x.generation };
}
