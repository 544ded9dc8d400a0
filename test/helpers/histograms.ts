// Encoded HDR histograms for tests: the wire's form of a set of latencies.
import { encodeHistogram, newHistogram, recordMs } from '../../common/metrics/histogram.js';

/** The encoded histogram of these latencies, ms. */
export function hist(...ms: number[]): string {
  const h = newHistogram();
  for (const v of ms) recordMs(h, v);
  const e = encodeHistogram(h);
  h.destroy();
  return e;
}
