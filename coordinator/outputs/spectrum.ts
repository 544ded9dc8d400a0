// The latency percentile spectrum of a merged histogram, as HdrHistogram's percentile distribution
// (and its plotter) lays it out: percentiles at 5 ticks per halving of the remaining tail (0 %, 12.9 %,
// ..., 50 %, ..., 75 %, ..., 99.9 %, ...) up to the last recorded value, plotted against 1/(1-p) on a
// log axis. Pure; reads the histogram through common/metrics/histogram.ts.
import { decodeHistogram } from '../../common/metrics/histogram.js';

export interface SpectrumPoint {
  /** Percentile, 0..100. */
  percentile: number;
  /** 1 / (1 - percentile/100): the plot's x (finite: the last point uses 1 / (1 - (count-1)/count)). */
  inverse: number;
  /** Value at that percentile, milliseconds. */
  valueMs: number;
}

/** Points of the spectrum of an encoded histogram of microseconds ([] when empty). */
export function percentileSpectrum(encoded: string, ticksPerHalfDistance = 5): SpectrumPoint[] {
  const h = decodeHistogram(encoded);
  try {
    const count = h.totalCount;
    if (count === 0) return [];
    const points: SpectrumPoint[] = [];
    // The tail halves every ticksPerHalfDistance points until it is narrower than one value.
    for (let k = 0; ; k++) {
      const tail = 0.5 ** (k / ticksPerHalfDistance);
      if (tail * count < 1) break;
      const percentile = 100 * (1 - tail);
      points.push({ percentile, inverse: 1 / tail, valueMs: h.getValueAtPercentile(percentile) / 1000 });
    }
    points.push({ percentile: 100, inverse: count, valueMs: h.maxValue / 1000 });
    return points;
  } finally {
    h.destroy();
  }
}
