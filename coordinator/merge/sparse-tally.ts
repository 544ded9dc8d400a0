// A small mergeable latency tally: the non-zero counts of an HDR histogram of our config, by counts
// index (common/metrics/histogram.ts SparseCounts). For the many small tallies the coordinator keeps per request
// name (per agent for the Done repair, per recent interval for the live view), where a ~90 KB live
// histogram each would cost too much. Percentiles are read from a histogram rebuilt from the counts:
// exactly what merging the original histograms gives, never an average.
import type { Histogram, LatencyMs, SparseCounts } from '../../common/metrics/histogram.js';
import { fromSparse, latencyMs, toSparse } from '../../common/metrics/histogram.js';

export class SparseTally {
  // Sorted by index, non-zero counts only: 12 bytes per distinct bucket (a Map costs ~5x that, and the
  // coordinator keeps one tally per agent and request name).
  private indices = new Uint32Array(0);
  private counts = new Float64Array(0);
  private total = 0;

  get totalCount(): number {
    return this.total;
  }

  add(h: Histogram | SparseCounts): void {
    const s = toSparse(h);
    if (s.indices.length === 0) return;
    const a = this.indices;
    const ac = this.counts;
    const b = s.indices;
    const bc = s.counts;
    const indices = new Uint32Array(a.length + b.length);
    const counts = new Float64Array(a.length + b.length);
    let i = 0;
    let j = 0;
    let n = 0;
    while (i < a.length || j < b.length) {
      const x = i < a.length ? (a[i] as number) : Infinity;
      const y = j < b.length ? (b[j] as number) : Infinity;
      if (x === y) {
        indices[n] = x;
        counts[n++] = (ac[i++] as number) + (bc[j++] as number);
      } else if (x < y) {
        indices[n] = x;
        counts[n++] = ac[i++] as number;
      } else {
        indices[n] = y;
        counts[n++] = bc[j++] as number;
      }
    }
    this.indices = n === indices.length ? indices : indices.slice(0, n);
    this.counts = n === counts.length ? counts : counts.slice(0, n);
    this.total += s.totalCount;
  }

  countAt(index: number): number {
    let lo = 0;
    let hi = this.indices.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.indices[mid] as number;
      if (at === index) return this.counts[mid] as number;
      if (at < index) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  toSparse(): SparseCounts {
    return { sparse: true, indices: this.indices, counts: this.counts, totalCount: this.total, destroy: () => {} };
  }

  latencyMs(): LatencyMs {
    const h = fromSparse(this.toSparse());
    const l = latencyMs(h);
    h.destroy();
    return l;
  }
}

/**
 * whole - part, index by index: `diff` holds what `whole` has beyond `part`; `excess` counts the values
 * `part` has that `whole` lacks (0 when part is contained in whole, as merged deltas are in a cumulative).
 */
export function sparseMinus(whole: Histogram | SparseCounts, part: SparseTally): { diff: SparseCounts; excess: number } {
  const w = toSparse(whole);
  const indices: number[] = [];
  const counts: number[] = [];
  let total = 0;
  let covered = 0;
  for (let i = 0; i < w.indices.length; i++) {
    const at = w.indices[i] as number;
    const have = part.countAt(at);
    const n = (w.counts[i] as number) - have;
    covered += Math.min(have, w.counts[i] as number);
    if (n > 0) {
      indices.push(at);
      counts.push(n);
      total += n;
    }
  }
  return {
    diff: { sparse: true, indices: Uint32Array.from(indices), counts: Float64Array.from(counts), totalCount: total, destroy: () => {} },
    excess: part.totalCount - covered,
  };
}
