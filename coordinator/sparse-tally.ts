// A small mergeable latency tally: the non-zero counts of an HDR histogram of our config, by counts
// index (common/histogram.ts SparseCounts). For the many small tallies the coordinator keeps per request
// name (per agent for the Done repair, per recent interval for the live view), where a ~90 KB live
// histogram each would cost too much. Percentiles are read from a histogram rebuilt from the counts:
// exactly what merging the original histograms gives, never an average.
import type { Histogram, LatencyMs, SparseCounts } from '../common/histogram.js';
import { fromSparse, latencyMs, toSparse } from '../common/histogram.js';

export class SparseTally {
  private readonly byIndex = new Map<number, number>();
  private total = 0;

  get totalCount(): number {
    return this.total;
  }

  add(h: Histogram | SparseCounts): void {
    const s = toSparse(h);
    for (let i = 0; i < s.indices.length; i++) {
      const at = s.indices[i] as number;
      this.byIndex.set(at, (this.byIndex.get(at) ?? 0) + (s.counts[i] as number));
    }
    this.total += s.totalCount;
  }

  countAt(index: number): number {
    return this.byIndex.get(index) ?? 0;
  }

  toSparse(): SparseCounts {
    const indices = [...this.byIndex.keys()].sort((a, b) => a - b);
    return {
      sparse: true, indices: Uint32Array.from(indices), counts: Float64Array.from(indices.map((i) => this.byIndex.get(i) as number)),
      totalCount: this.total, destroy: () => {},
    };
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
