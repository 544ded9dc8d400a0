// The HTML report's chart data: the JSON the page carries in #report-data, written by page.ts and drawn
// by the page script (browser/report.ts). Types only and no imports, so the browser build
// (tsconfig.browser.json) compiles against it without server code.

/** The JSON the page carries for its charts (numbers only, apart from series labels chosen here). */
export interface ChartData {
  /** 'mixed': several scenarios at once, some open and some closed (the rate chart shows both). */
  model: 'open' | 'closed' | 'mixed';
  /** Seconds since the main phase's start, one per interval. */
  t: number[];
  /** Scheduled arrivals per second: with flows, flow runs per second (beside flowRps, apart from rps). */
  targetRps: number[];
  rps: number[];
  /** The scenario language: flow runs started per second; absent for a single-request run. */
  flowRps?: number[];
  missingRps: number[];
  concurrency: number[];
  p50: number[];
  p90: number[];
  p99: number[];
  max: number[];
  errors: number[];
  /** Failed requests (status not expected) per interval. */
  failed: number[];
  dropped: number[];
  eventLoopP99: number[];
  scheduleLagP99: number[];
  /** Percentile spectrum: x = 1/(1-p), y = milliseconds (latency and service time share x). */
  spectrum: { inverse: number[]; latencyMs: number[]; serviceMs: number[] };
}
