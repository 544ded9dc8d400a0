// Number formats of the terminal's output (live line, live view and summary) and the HTML report:
// fixed widths keep columns aligned from line to line.

/** Milliseconds with ~3 significant digits: 0.412ms, 4.80ms, 48.2ms, 482ms, 4.82s, 48.2s. */
export function formatMs(v: number): string {
  if (v < 1) return `${v.toFixed(3)}ms`;
  if (v < 10) return `${v.toFixed(2)}ms`;
  if (v < 100) return `${v.toFixed(1)}ms`;
  if (v < 1000) return `${Math.round(v)}ms`;
  const s = v / 1000;
  return s < 100 ? `${s.toFixed(2)}s` : `${Math.round(s)}s`;
}

/**
 * A latency figure, or "-" when nothing was timed: latency is measured on responses only, so a set of
 * requests that all failed (refused, reset, timed out) has no latency, not one of 0 ms.
 */
export function formatLatency(v: number, timedCount: number): string {
  return timedCount > 0 ? formatMs(v) : '-';
}

/** Why a latency column shows "-": said once under the figures that have it. */
export const NO_LATENCY_NOTE = '"-": no response to time (every request failed before a response arrived)';

/** Requests per second: whole numbers from 100 up, one decimal below. */
export function formatRate(v: number): string {
  return v >= 100 || Number.isInteger(v) ? `${Math.round(v)}` : v.toFixed(1);
}

/** Summary rates keep one decimal, so 999.5/s is never shown as a round 1000/s. */
export function formatRate1(v: number): string {
  return String(Number(v.toFixed(1)));
}

/** A clock reading: 7s, 59s, 1m05s, 61m00s. */
export function formatClock(ms: number): string {
  const total = Math.round(ms / 1000);
  if (total < 60) return `${total}s`;
  const m = Math.floor(total / 60);
  return `${m}m${String(total % 60).padStart(2, '0')}s`;
}

/** A count with thousands separators: 12,345. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
