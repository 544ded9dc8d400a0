// The counters and histograms an agent reports: per interval (a delta) or per phase (cumulative).
// Histograms travel encoded (common/metrics/histogram.ts). All counts are whole numbers.
import type { LangStats } from './request-stats.js';

/**
 * Transport errors by kind. `certificate`: the HTTPS target's certificate was not trusted (self-signed,
 * unknown CA, expired, wrong host name); see the scenario's `tls` field. Added in protocol version 3.
 * `dns`: the target's host name did not resolve (no such name, or the resolver failed). Added in
 * protocol version 4.
 */
export type ErrorKind = 'refused' | 'reset' | 'timeout' | 'certificate' | 'dns' | 'other';
export const ERROR_KINDS: readonly ErrorKind[] = ['refused', 'reset', 'timeout', 'certificate', 'dns', 'other'];

export type Phase = 'warmup' | 'main';

export interface Stats {
  /** Latency from each request's intended send time, microseconds, encoded ("" when empty). */
  latencyHist: string;
  /** Service time from the actual send, microseconds, encoded. */
  serviceHist: string;
  /** Requests that ended (with a response or an error). */
  requests: number;
  /** Requests handed to the HTTP client. */
  sent: number;
  /**
   * Arrivals never sent (open model): the in-flight cap was full, the test's end came first, or the agent
   * abandoned its load because its coordinator link went stale.
   */
  dropped: number;
  errors: Record<ErrorKind, number>;
  /** Responses by HTTP status code (keys are the decimal code). */
  statusCodes: Record<string, number>;
  inFlightPeak: number;
  eventLoopDelayP99Ms: number;
  scheduleLagP99Ms: number;
  bytesReceived: number;
  /** The scenario language's figures per request name (absent for a single-request plan). */
  lang?: LangStats;
}

export function emptyErrors(): Record<ErrorKind, number> {
  return { refused: 0, reset: 0, timeout: 0, certificate: 0, dns: 0, other: 0 };
}

export function totalErrors(errors: Record<ErrorKind, number>): number {
  return errors.refused + errors.reset + errors.timeout + errors.certificate + errors.dns + errors.other;
}

export function emptyStats(): Stats {
  return {
    latencyHist: '',
    serviceHist: '',
    requests: 0,
    sent: 0,
    dropped: 0,
    errors: emptyErrors(),
    statusCodes: {},
    inFlightPeak: 0,
    eventLoopDelayP99Ms: 0,
    scheduleLagP99Ms: 0,
    bytesReceived: 0,
  };
}
