// SparseTally (the per-agent and per-interval tallies of per-request latency) gives exactly what
// merging the histograms gives; sparseMinus finds what a cumulative holds beyond merged deltas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeHistogram, decodeSparse, encodeHistogram, latencyMs, newHistogram, percentilesMs, toSparse } from '../../../../common/metrics/histogram.js';
import type { Histogram } from '../../../../common/metrics/histogram.js';
import { SparseTally, sparseMinus } from '../../../../coordinator/merge/sparse-tally.js';
import { prng } from '../../../helpers/prng.js';

function filled(seed: number, n: number, maxUs: number): Histogram {
  const h = newHistogram();
  const r = prng(seed);
  for (let i = 0; i < n; i++) h.recordValue(1 + Math.floor(r() * r() * maxUs));
  return h;
}

const rows: { what: string; parts: () => Histogram[] }[] = [
  // deltas of a few ms each, overlapping buckets
  { what: 'five overlapping deltas', parts: () => [1, 2, 3, 4, 5].map((s) => filled(s, 500, 20_000)) },
  // disjoint ranges: fast and slow
  { what: 'disjoint ranges', parts: () => [filled(6, 100, 50), filled(7, 100, 5_000_000)] },
  // an empty delta among others
  { what: 'with an empty delta', parts: () => [newHistogram(), filled(8, 10, 1_000)] },
  // a value beyond one hour (an auto-resized histogram on the agent)
  { what: 'a resized delta', parts: () => { const h = filled(9, 50, 1_000); h.recordValue(7_200_000_000); return [h, filled(10, 50, 1_000)]; } },
];

for (const r of rows) {
  test(`SparseTally equals the merged histogram: ${r.what}`, () => {
    const parts = r.parts();
    const merged = newHistogram();
    const tally = new SparseTally();
    for (const p of parts) {
      // Both from the wire encoding (which keeps bucket resolution, not the exact max).
      const decoded = decodeHistogram(encodeHistogram(p));
      merged.add(decoded);
      decoded.destroy();
      // As the coordinator gets them: decoded sparse (or a histogram when resized).
      tally.add(decodeSparse(encodeHistogram(p)));
    }
    assert.equal(tally.totalCount, merged.totalCount);
    assert.deepEqual(tally.latencyMs(), latencyMs(merged));
    // The live view's one-pass percentiles: hdr's own values (its rounding of the count at a percentile).
    const ps = [0.1, 50, 90, 95, 99, 99.9, 100];
    assert.deepEqual(percentilesMs(tally.toSparse(), ps), ps.map((q) => Math.round(merged.getValueAtPercentile(q)) / 1000));
    assert.deepEqual(percentilesMs(merged, ps), percentilesMs(tally.toSparse(), ps));
    const whole = toSparse(merged);
    assert.deepEqual([...tally.toSparse().indices], [...whole.indices]);
    assert.deepEqual([...tally.toSparse().counts], [...whole.counts]);

    // The cumulative minus all but the last part is the last part; minus everything is nothing.
    const allButLast = new SparseTally();
    for (const p of parts.slice(0, -1)) allButLast.add(p);
    const { diff, excess } = sparseMinus(merged, allButLast);
    assert.equal(excess, 0);
    assert.deepEqual([...diff.indices], [...toSparse(parts[parts.length - 1] as Histogram).indices]);
    assert.equal(sparseMinus(merged, tally).diff.totalCount, 0);
    for (const p of [...parts, merged]) p.destroy();
  });
}

test('sparseMinus counts the values merged deltas hold beyond the cumulative (a peer that over-reports)', () => {
  const cum = filled(11, 100, 1_000);
  const part = new SparseTally();
  part.add(cum);
  part.add(filled(12, 7, 1_000_000)); // 7 values the cumulative never had
  assert.equal(sparseMinus(cum, part).excess, 7);
  cum.destroy();
});
