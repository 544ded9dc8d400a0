// Figures per request name (the scenario language), per interval (a delta) or per phase (cumulative),
// carried in Stats.lang next to the run's global figures. Counts are whole numbers; the latency
// histogram travels encoded (common/metrics/histogram.ts). Pure helpers to add and validate them.
import { z } from 'zod';
import type { ErrorKind } from './stats.js';
import { ERROR_KINDS, emptyErrors } from './stats.js';

export interface RequestStats {
  /** Requests of this name that ended (response or transport error). */
  requests: number;
  errors: Record<ErrorKind, number>;
  statusCodes: Record<string, number>;
  checksPassed: number;
  checksFailed: number;
  /** Failed checks by check name. */
  checkFailures: Record<string, number>;
  /** Extractors that found nothing (the flow goes on without the variable). */
  extractFailed: number;
  /** Requests not sent because a template could not render (e.g. a variable whose extraction failed). */
  renderFailed: number;
  /** Bodies read for checks or extractors that were longer than the limit (cut, then checked). */
  bodyTruncated: number;
  /** Latency from when the request was due (arrival's intended time for a flow's first step), encoded. */
  latencyHist: string;
}

/** Several scenarios at once: one scenario's figures over every request its flows sent, and its flow runs. */
export interface ScenarioStats extends RequestStats {
  iterations: number;
  noData: number;
}

export interface LangStats {
  byRequest: Record<string, RequestStats>;
  /** Several scenarios at once (Scenario.parts): figures per scenario name; absent otherwise. */
  byScenario?: Record<string, ScenarioStats>;
  /** Flow runs started (whatever they sent). */
  iterations: number;
  /** Flow runs that sent nothing because a `unique` feeder had no row left. */
  noData: number;
}

export function emptyRequestStats(): RequestStats {
  return {
    requests: 0, errors: emptyErrors(), statusCodes: {}, checksPassed: 0, checksFailed: 0, checkFailures: {}, extractFailed: 0,
    renderFailed: 0, bodyTruncated: 0, latencyHist: '',
  };
}

const SCALARS = ['requests', 'checksPassed', 'checksFailed', 'extractFailed', 'renderFailed', 'bodyTruncated'] as const;

function addMap(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
}

/** into += from, counters only (histograms are merged by whoever holds them decoded). */
export function addRequestCounters(into: RequestStats, from: RequestStats): void {
  for (const k of SCALARS) into[k] += from[k];
  for (const kind of ERROR_KINDS) into.errors[kind] += from.errors[kind];
  addMap(into.statusCodes, from.statusCodes);
  addMap(into.checkFailures, from.checkFailures);
}

const count = z.number().int().nonnegative();
const requestStatsSchema = z.strictObject({
  requests: count,
  errors: z.strictObject({ refused: count, reset: count, timeout: count, certificate: count, dns: count, other: count }),
  statusCodes: z.record(z.string().regex(/^\d{1,3}$/), count),
  checksPassed: count,
  checksFailed: count,
  checkFailures: z.record(z.string(), count),
  extractFailed: count,
  renderFailed: count,
  bodyTruncated: count,
  latencyHist: z.string(),
});

export const langStatsSchema = z.strictObject({
  byRequest: z.record(z.string().min(1), requestStatsSchema),
  byScenario: z.record(z.string().min(1), requestStatsSchema.extend({ iterations: count, noData: count })).optional(),
  iterations: count,
  noData: count,
});

/** Parses the wire form ("" = none); throws an Error naming what is wrong. */
export function langStatsFromJson(json: string): LangStats | undefined {
  if (json === '') return undefined;
  return langStatsFromValue(JSON.parse(json));
}

/** Validates an already parsed wire form; throws an Error naming what is wrong. */
export function langStatsFromValue(value: unknown): LangStats {
  const parsed = langStatsSchema.safeParse(value);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}
