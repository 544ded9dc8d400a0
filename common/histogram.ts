// The ONE HDR histogram configuration of loadfleet, and the only place that encodes, decodes and
// merges histograms. Values are microseconds; 3 significant digits; JS backend (no WebAssembly, so no
// leaks if a histogram is dropped, but callers still destroy() what they create, for symmetry).
// Wire form: HdrHistogram's standard compressed base64 encoding (readable by every HdrHistogram port).
import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

export type { Histogram };

/** Highest latency tracked without resizing: one hour, in microseconds. Larger values auto-resize. */
export const HIGHEST_TRACKABLE_US = 3_600_000_000;

export function newHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

/** Encodes to compressed base64; an empty histogram encodes to "" so idle deltas stay small. */
export function encodeHistogram(h: Histogram): string {
  if (h.totalCount === 0) return '';
  return hdr.encodeIntoCompressedBase64(h);
}

/** Decodes what encodeHistogram produced ("" is an empty histogram). Throws on malformed input. */
export function decodeHistogram(encoded: string): Histogram {
  if (encoded === '') return newHistogram();
  const decoded = hdr.decodeFromCompressedBase64(encoded, 32, false);
  // Re-home into our own config so that every merged histogram has the same layout.
  const h = newHistogram();
  h.add(decoded);
  decoded.destroy();
  return h;
}

/** Adds an encoded histogram into `target`. Returns the number of values added. */
export function mergeEncoded(target: Histogram, encoded: string): number {
  if (encoded === '') return 0;
  const decoded = hdr.decodeFromCompressedBase64(encoded, 32, false);
  const n = decoded.totalCount;
  target.add(decoded);
  decoded.destroy();
  return n;
}

/** Latency figures in milliseconds, read from one (possibly merged) histogram of microseconds. */
export interface LatencyMs {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

export function latencyMs(h: Histogram): LatencyMs {
  if (h.totalCount === 0) {
    return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
  }
  const ms = (us: number): number => Math.round(us) / 1000;
  return {
    count: h.totalCount,
    min: ms(h.minNonZeroValue),
    mean: Math.round(h.mean) / 1000,
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
  };
}

/** Records a duration given in milliseconds (fractional) as whole microseconds, at least 1. */
export function recordMs(h: Histogram, durationMs: number): void {
  const us = Math.round(durationMs * 1000);
  h.recordValue(us < 1 ? 1 : us);
}
