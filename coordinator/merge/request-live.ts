// One request name's live figures, as the console, the TTY view and the dashboard show them. Types
// only and no imports, so the dashboard's page script (a browser module) can name it too.

/** One request name in the live view: of one interval, or of the phase so far. */
export interface RequestLive {
  name: string;
  requests: number;
  /** requests per second of the window (the interval, or the phase's intervals so far). */
  rps: number;
  /** Transport errors. */
  errors: number;
  /** Failed requests: responses whose status was not expected. */
  failed: number;
  checksPassed: number;
  checksFailed: number;
  /** From the merged histogram of the window, ms. */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}
