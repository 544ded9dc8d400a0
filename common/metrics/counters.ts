// The one counters shape of loadfleet: what an agent counts per interval and per phase, what the
// coordinator merges per interval, phase and agent, and what a report states. All counts are whole
// numbers. `errorsByKind` holds the transport errors by kind; where a total is published it is `errors`
// (the sum over ERROR_KINDS), computed by withErrorTotal(), never kept apart from the map. Likewise
// `failedByStatus` holds the failed requests (responses whose status was not expected) by status code,
// and its published total is `failed` (failedTotal()). A failed response is also in `statusCodes`.
// The wire's Stats message names the map `errors` (common/protocol/messages.ts maps it).

/**
 * Transport errors by kind. `certificate`: the HTTPS target's certificate was not trusted (self-signed,
 * unknown CA, expired, wrong host name); see the scenario's `tls` field. Added in protocol version 3.
 * `dns`: the target's host name did not resolve (no such name, or the resolver failed). Added in
 * protocol version 4.
 */
export type ErrorKind = 'refused' | 'reset' | 'timeout' | 'certificate' | 'dns' | 'other';
export const ERROR_KINDS: readonly ErrorKind[] = ['refused', 'reset', 'timeout', 'certificate', 'dns', 'other'];

export type ErrorsByKind = Record<ErrorKind, number>;

/** How the requests that ended, ended: each one has one status code or one transport error. */
export interface Outcomes {
  /** Requests that ended (with a response or an error). */
  requests: number;
  errorsByKind: ErrorsByKind;
  /** Responses by HTTP status code (keys are the decimal code). */
  statusCodes: Record<string, number>;
  /** Failed requests: responses whose status was not expected, by status code (a subset of statusCodes). */
  failedByStatus: Record<string, number>;
}

/** The summable counters of a run's load: of an interval, a phase, an agent or the fleet. */
export interface Counters extends Outcomes {
  /** Requests handed to the HTTP client. */
  sent: number;
  /**
   * Arrivals never sent (open model): the in-flight cap was full, the test's end came first, or the agent
   * abandoned its load because its coordinator link went stale.
   */
  dropped: number;
  bytesReceived: number;
}

/** The scalar counters of Counters (summed one by one). */
export const COUNTER_SCALARS = ['requests', 'sent', 'dropped', 'bytesReceived'] as const;

export function emptyErrorsByKind(): ErrorsByKind {
  return { refused: 0, reset: 0, timeout: 0, certificate: 0, dns: 0, other: 0 };
}

/** The total of an errors-by-kind map. */
export function errorTotal(errorsByKind: Readonly<ErrorsByKind>): number {
  let total = 0;
  for (const kind of ERROR_KINDS) total += errorsByKind[kind];
  return total;
}

export function emptyCounters(): Counters {
  return { requests: 0, sent: 0, dropped: 0, errorsByKind: emptyErrorsByKind(), statusCodes: {}, failedByStatus: {}, bytesReceived: 0 };
}

/** The total of a failed-by-status map: the failed requests. */
export function failedTotal(failedByStatus: Readonly<Record<string, number>>): number {
  let total = 0;
  for (const n of Object.values(failedByStatus)) total += n;
  return total;
}

/** into[key] += from[key] for every key of `from`. */
export function addCounts(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n;
}

/** into += from, outcomes only (requests, errors by kind, status codes). */
export function addOutcomes(into: Outcomes, from: Readonly<Outcomes>): void {
  into.requests += from.requests;
  for (const kind of ERROR_KINDS) into.errorsByKind[kind] += from.errorsByKind[kind];
  addCounts(into.statusCodes, from.statusCodes);
  // A report.json of an older loadfleet has no failed map: nothing to add.
  if (from.failedByStatus !== undefined) addCounts(into.failedByStatus, from.failedByStatus);
}

/** into += from (from may be a whole Stats, or anything holding Counters). */
export function addCounters(into: Counters, from: Readonly<Counters>): void {
  addOutcomes(into, from);
  into.sent += from.sent;
  into.dropped += from.dropped;
  into.bytesReceived += from.bytesReceived;
}

/** A copy of the counters alone (maps copied too), in the order report.json states them. */
export function copyCounters(c: Readonly<Counters>): Counters {
  return {
    requests: c.requests, sent: c.sent, dropped: c.dropped, errorsByKind: { ...c.errorsByKind }, statusCodes: { ...c.statusCodes },
    failedByStatus: { ...c.failedByStatus }, bytesReceived: c.bytesReceived,
  };
}

/** A copy of the counters with their totals beside the maps: `errors` (transport) and `failed` (by status). */
export function withErrorTotal(c: Readonly<Counters>): Counters & { errors: number; failed: number } {
  return { ...copyCounters(c), errors: errorTotal(c.errorsByKind), failed: failedTotal(c.failedByStatus) };
}
