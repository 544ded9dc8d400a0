// The figures an agent reports: per interval (a delta) or per phase (cumulative). The run's counters
// (common/metrics/counters.ts), the generator's health measures, and, for a scenario-language plan, the
// figures per request name (report.json's `requests[name]`) and per scenario. Histograms travel encoded
// (common/metrics/histogram.ts). All counts are whole numbers.
//
// The wire (common/protocol/messages.ts) names some fields differently: Stats.errorsByKind is the
// message's `errors`, Stats.requestNames travels as JSON in `lang_json`, whose form
// (`byRequest`, and `errors` per name) requestNamesToWire and requestNamesFromWire map; Stats.failedByStatus
// is the message's `failed_status_codes` (protocol 6), per name `failedByStatus` in lang_json.
import { z } from 'zod';
import type { Counters, Outcomes } from './counters.js';
import { addCounts, addOutcomes, emptyErrorsByKind } from './counters.js';

export type Phase = 'warmup' | 'main';

export interface Stats extends Counters {
  /** Latency from each request's intended send time, microseconds, encoded ("" when empty). */
  latencyHist: string;
  /** Service time from the actual send, microseconds, encoded. */
  serviceHist: string;
  inFlightPeak: number;
  eventLoopDelayP99Ms: number;
  scheduleLagP99Ms: number;
  /** The figures per request name and scenario (absent for a single-request plan). */
  requestNames?: RequestNameFigures;
  /**
   * The request timing breakdown (Stats fields 14-16), microseconds, encoded ("" or absent when empty):
   * connectHist per new connection (connector call to TCP connected, lookup included), tlsHist per new
   * HTTPS connection (TCP connected to handshake done), waitingHist per response (request written to
   * response headers: time to first byte). Reused keep-alive connections add nothing to connect or TLS.
   */
  connectHist?: string;
  tlsHist?: string;
  waitingHist?: string;
}

/** One request name's figures (or, as ScenarioFigures, one scenario's). */
export interface RequestFigures extends Outcomes {
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
  /** Time to first byte of this name's responses (Stats.waitingHist's per name), encoded; absent when none. */
  waitingHist?: string;
}

/** Several scenarios at once: one scenario's figures over every request its flows sent, and its flow runs. */
export interface ScenarioFigures extends RequestFigures {
  iterations: number;
  noData: number;
}

/** The scenario language's figures of an interval or a phase: per request name, per scenario, flow runs. */
export interface RequestNameFigures {
  byRequestName: Record<string, RequestFigures>;
  /** Several scenarios at once (Scenario.parts): figures per scenario name; absent otherwise. */
  byScenario?: Record<string, ScenarioFigures>;
  /** Flow runs started (whatever they sent). */
  iterations: number;
  /** Flow runs that sent nothing because a `unique` feeder had no row left. */
  noData: number;
}

export function emptyStats(): Stats {
  return {
    latencyHist: '',
    serviceHist: '',
    requests: 0,
    sent: 0,
    dropped: 0,
    errorsByKind: emptyErrorsByKind(),
    statusCodes: {},
    failedByStatus: {},
    inFlightPeak: 0,
    eventLoopDelayP99Ms: 0,
    scheduleLagP99Ms: 0,
    bytesReceived: 0,
  };
}

export function emptyRequestFigures(): RequestFigures {
  return {
    requests: 0, errorsByKind: emptyErrorsByKind(), statusCodes: {}, failedByStatus: {}, checksPassed: 0, checksFailed: 0, checkFailures: {}, extractFailed: 0,
    renderFailed: 0, bodyTruncated: 0, latencyHist: '',
  };
}

/** The scalar counters of RequestFigures. */
export const REQUEST_SCALARS = ['requests', 'checksPassed', 'checksFailed', 'extractFailed', 'renderFailed', 'bodyTruncated'] as const;

/** into += from, counters only (histograms are merged by whoever holds them decoded). */
export function addRequestCounters(into: RequestFigures, from: RequestFigures): void {
  addOutcomes(into, from);
  for (const k of REQUEST_SCALARS) if (k !== 'requests') into[k] += from[k];
  addCounts(into.checkFailures, from.checkFailures);
}

// ---------- wire form (lang_json) ----------

const count = z.number().int().nonnegative();
const wireRequestSchema = z.strictObject({
  requests: count,
  errors: z.strictObject({ refused: count, reset: count, timeout: count, certificate: count, dns: count, other: count }),
  statusCodes: z.record(z.string().regex(/^\d{1,3}$/), count),
  failedByStatus: z.record(z.string().regex(/^\d{1,3}$/), count),
  checksPassed: count,
  checksFailed: count,
  checkFailures: z.record(z.string(), count),
  extractFailed: count,
  renderFailed: count,
  bodyTruncated: count,
  latencyHist: z.string(),
  waitingHist: z.string().optional(),
});
const wireSchema = z.strictObject({
  byRequest: z.record(z.string().min(1), wireRequestSchema),
  byScenario: z.record(z.string().min(1), wireRequestSchema.extend({ iterations: count, noData: count })).optional(),
  iterations: count,
  noData: count,
});

type WireRequest = z.infer<typeof wireRequestSchema>;
/** RequestNameFigures as lang_json carries them. */
export type WireRequestNames = z.infer<typeof wireSchema>;

function requestToWire(r: RequestFigures): WireRequest {
  return {
    requests: r.requests, errors: r.errorsByKind, statusCodes: r.statusCodes, failedByStatus: r.failedByStatus, checksPassed: r.checksPassed, checksFailed: r.checksFailed,
    checkFailures: r.checkFailures, extractFailed: r.extractFailed, renderFailed: r.renderFailed, bodyTruncated: r.bodyTruncated,
    latencyHist: r.latencyHist,
    ...(r.waitingHist === undefined || r.waitingHist === '' ? {} : { waitingHist: r.waitingHist }),
  };
}

function requestFromWire(w: WireRequest): RequestFigures {
  const { errors, ...rest } = w;
  return { ...rest, errorsByKind: errors };
}

function byName<A, B>(from: Record<string, A>, map: (a: A) => B): Record<string, B> {
  const out: Record<string, B> = {};
  for (const [name, a] of Object.entries(from)) out[name] = map(a);
  return out;
}

/** The wire form of `f` (what lang_json holds, before JSON.stringify), its keys in a fixed order: byScenario last; per name requests first, latencyHist last. */
export function requestNamesToWire(f: RequestNameFigures): WireRequestNames {
  return {
    byRequest: byName(f.byRequestName, requestToWire),
    iterations: f.iterations,
    noData: f.noData,
    ...(f.byScenario === undefined ? {} : { byScenario: byName(f.byScenario, (s) => ({ ...requestToWire(s), iterations: s.iterations, noData: s.noData })) }),
  };
}

/** Validates an already parsed wire form; throws an Error naming what is wrong (by its wire path). */
export function requestNamesFromWire(value: unknown): RequestNameFigures {
  const parsed = wireSchema.safeParse(value);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  const w = parsed.data;
  return {
    byRequestName: byName(w.byRequest, requestFromWire),
    ...(w.byScenario === undefined ? {} : { byScenario: byName(w.byScenario, (s) => ({ ...requestFromWire(s), iterations: s.iterations, noData: s.noData })) }),
    iterations: w.iterations,
    noData: w.noData,
  };
}

