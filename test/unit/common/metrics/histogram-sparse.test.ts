// decodeSparse + addHistogram (the coordinator's fast merge path) give exactly what hdr-histogram-js's
// own decode + add give: same counts at every index, same total, min and max, same encoding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as hdr from 'hdr-histogram-js';
import { addHistogram, decodeHistogram, decodeSparse, encodeHistogram, latencyMs, newHistogram } from '../../../../common/metrics/histogram.js';
import type { Histogram } from '../../../../common/metrics/histogram.js';
import { prng } from '../../../helpers/prng.js';


function filled(seed: number, n: number, maxUs: number, weight = 1): Histogram {
  const h = newHistogram();
  const r = prng(seed);
  for (let i = 0; i < n; i++) h.recordValueWithCount(1 + Math.floor(r() * r() * maxUs), weight);
  return h;
}

function same(a: Histogram, b: Histogram, what: string): void {
  assert.equal(a.totalCount, b.totalCount, `${what}: total`);
  assert.equal(a.maxValue, b.maxValue, `${what}: max`);
  assert.equal(a.minNonZeroValue, b.minNonZeroValue, `${what}: min`);
  assert.equal(encodeHistogram(a), encodeHistogram(b), `${what}: encoding`);
  for (const p of [0, 50, 90, 99, 99.9, 100]) assert.equal(a.getValueAtPercentile(p), b.getValueAtPercentile(p), `${what}: p${p}`);
}

const rows: { what: string; target: () => Histogram; source: () => Histogram }[] = [
  // the coordinator's case: ~1k values of a few ms into a running total
  { what: '1k values into a filled target', target: () => filled(1, 50_000, 200_000), source: () => filled(2, 1_000, 20_000) },
  // into an empty target: min and max come from the source
  { what: 'into an empty target', target: () => newHistogram(), source: () => filled(3, 1_000, 5_000) },
  // values near the top of the range (an hour) and a single value
  { what: 'large values', target: () => filled(4, 100, 1_000), source: () => filled(5, 10, 3_000_000_000) },
  { what: 'one value', target: () => filled(6, 100, 1_000), source: () => filled(7, 1, 1) },
  // large counts (weights) beyond 127 take several LEB128 bytes
  { what: 'heavy counts', target: () => filled(8, 100, 10_000), source: () => filled(9, 500, 10_000, 1_000_003) },
  // a source beyond one hour auto-resized on the agent: not our layout, falls back to a Histogram
  { what: 'resized source', target: () => filled(10, 100, 1_000), source: () => { const h = filled(11, 100, 1_000); h.recordValue(7_200_000_000); return h; } },
];

for (const r of rows) {
  test(`decodeSparse + addHistogram equals decode + add: ${r.what}`, () => {
    const src = r.source();
    const encoded = encodeHistogram(src);
    const viaLibrary = r.target();
    const decoded = decodeHistogram(encoded);
    viaLibrary.add(decoded);
    const viaSparse = r.target();
    const sparse = decodeSparse(encoded);
    assert.equal(sparse.totalCount, src.totalCount);
    addHistogram(viaSparse, sparse);
    same(viaSparse, viaLibrary, r.what);
    // addHistogram with a full histogram as the source, too
    const viaDense = r.target();
    addHistogram(viaDense, decoded);
    same(viaDense, viaLibrary, `${r.what} (dense source)`);
    for (const h of [src, viaLibrary, decoded, viaSparse, viaDense]) h.destroy();
    sparse.destroy();
  });
}

test('decodeSparse: "" is empty; garbage throws; a histogram of another config decodes through the library', () => {
  const empty = decodeSparse('');
  assert.equal(empty.totalCount, 0);
  assert.throws(() => decodeSparse('not base64 of a histogram at all'));
  const other = hdr.build({ numberOfSignificantValueDigits: 2, useWebAssembly: false });
  other.recordValue(1234);
  const d = decodeSparse(hdr.encodeIntoCompressedBase64(other));
  assert.ok(!('sparse' in d), 'another config is not read sparse');
  const t = newHistogram();
  addHistogram(t, d);
  assert.equal(t.totalCount, 1);
  for (const h of [other, t]) h.destroy();
  d.destroy();
});

test('latencyMs: its mean equals hdr-histogram-js\'s mean exactly (read from the counts array)', () => {
  for (const [seed, n, maxUs] of [[21, 1, 10], [22, 1_000, 20_000], [23, 100_000, 3_000_000_000], [24, 5_000, 100]] as const) {
    const h = filled(seed, n, maxUs);
    assert.equal(latencyMs(h).mean, Math.round(h.mean) / 1000, `seed ${seed}`);
    h.destroy();
  }
  const empty = newHistogram();
  assert.equal(latencyMs(empty).mean, 0);
  empty.destroy();
});
