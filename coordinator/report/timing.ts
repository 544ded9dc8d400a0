// The report's request timing breakdown (k6's http_req_connecting, http_req_tls_handshaking and
// http_req_waiting): main-phase figures merged by coordinator/merge/timing.ts, read from merged
// histograms. `connectMs` and `tlsMs` count new connections only (a reused keep-alive connection adds
// nothing, where k6 records 0), so their `count` is the connections made; `waitingMs` counts responses.
import type { LatencyMs } from '../../common/metrics/histogram.js';
import type { PhaseTotals } from '../merge/figures.js';
import type { RequestReport } from './request-figures.js';

export interface TimingReport {
  /** Per new connection: from the connector's call to TCP connected (the name lookup included). */
  connectMs: LatencyMs;
  /** Per new HTTPS connection: TCP connected to TLS handshake done. */
  tlsMs: LatencyMs;
  /** Per response: from the request written to its response headers (time to first byte). */
  waitingMs: LatencyMs;
  histograms: { connect: string; tls: string; waiting: string; encoding: 'HdrHistogram compressed base64, microseconds' };
}

/** `timing` for the report ({} when the figures have none, e.g. made by an older coordinator's code). */
export function timingReport(main: PhaseTotals): { timing?: TimingReport } {
  const t = main.timing;
  if (t === undefined) return {};
  return {
    timing: {
      connectMs: t.connectMs, tlsMs: t.tlsMs, waitingMs: t.waitingMs,
      histograms: { connect: t.connectHist, tls: t.tlsHist, waiting: t.waitingHist, encoding: 'HdrHistogram compressed base64, microseconds' },
    },
  };
}

/** Each request name's report with its time to first byte (`waitingMs`) where it has one. */
export function withRequestTiming(requests: Record<string, RequestReport>, main: PhaseTotals): Record<string, RequestReport> {
  const byName = main.timing?.byRequestName ?? {};
  const out: Record<string, RequestReport> = {};
  for (const [name, r] of Object.entries(requests)) {
    const w = byName[name];
    out[name] = w === undefined ? r : { ...r, waitingMs: w.waitingMs };
  }
  return out;
}

/** The per-name figures with each name's time-to-first-byte histogram (`waitingHist`), for merging by tag. */
export function namesWithWaiting(main: PhaseTotals): PhaseTotals['byRequestName'] {
  const byName = main.timing?.byRequestName ?? {};
  const out: PhaseTotals['byRequestName'] = {};
  for (const [name, r] of Object.entries(main.byRequestName)) {
    const w = byName[name];
    out[name] = w === undefined ? r : { ...r, waitingHist: w.waitingHist } as typeof r;
  }
  return out;
}
