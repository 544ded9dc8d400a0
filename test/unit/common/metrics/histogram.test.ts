import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addHistogram, decodeHistogram, decodeSparse, encodeHistogram, latencyMs, newHistogram, recordMs } from '../../../../common/metrics/histogram.js';

/** Deterministic pseudo-random numbers (mulberry32), so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('encode -> decode round trip keeps every count', () => {
  const h = newHistogram();
  const r = rng(1);
  for (let i = 0; i < 10_000; i++) h.recordValue(1 + Math.floor(r() * r() * 2_000_000));
  const back = decodeHistogram(encodeHistogram(h));
  assert.equal(back.totalCount, h.totalCount);
  // The encoding keeps the max to its bucket (3 significant digits), not to the unit.
  assert.ok(Math.abs(back.maxValue - h.maxValue) <= h.maxValue * 0.001, `max ${back.maxValue} ~ ${h.maxValue}`);
  assert.equal(back.minNonZeroValue, h.minNonZeroValue);
  for (const p of [1, 25, 50, 75, 90, 99, 99.9, 99.99, 100]) assert.equal(back.getValueAtPercentile(p), h.getValueAtPercentile(p), `p${p}`);
  h.destroy();
  back.destroy();
});

test('an empty histogram encodes to "" and decodes to empty', () => {
  const h = newHistogram();
  assert.equal(encodeHistogram(h), '');
  assert.equal(decodeHistogram('').totalCount, 0);
  assert.equal(decodeSparse('').totalCount, 0);
  assert.deepEqual(latencyMs(h), { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 });
});

test('merging encoded parts as the aggregator does (decodeSparse, addHistogram) equals one histogram fed every sample', () => {
  const r = rng(7);
  const whole = newHistogram();
  const parts = [newHistogram(), newHistogram(), newHistogram(), newHistogram()];
  for (let i = 0; i < 40_000; i++) {
    // A bimodal distribution: fast responses plus a slow tail, spread unevenly over the parts.
    const v = r() < 0.97 ? 200 + Math.floor(r() * 800) : 50_000 + Math.floor(r() * 2_000_000);
    whole.recordValue(v);
    parts[Math.floor(r() * r() * parts.length)]!.recordValue(v);
  }
  const merged = newHistogram();
  let added = 0;
  for (const p of parts) {
    const decoded = decodeSparse(encodeHistogram(p));
    added += decoded.totalCount;
    addHistogram(merged, decoded);
  }
  assert.equal(added, whole.totalCount);
  for (const p of [50, 90, 99, 99.9, 100]) assert.equal(merged.getValueAtPercentile(p), whole.getValueAtPercentile(p), `p${p}`);
  // Every figure matches the whole once it has crossed the wire too (the max is kept to its bucket).
  assert.deepEqual(latencyMs(merged), latencyMs(decodeHistogram(encodeHistogram(whole))));
});

test('recordMs stores microseconds and never records 0', () => {
  const h = newHistogram();
  recordMs(h, 0.0001);
  recordMs(h, 1.5);
  assert.equal(h.minNonZeroValue, 1);
  assert.equal(h.maxValue, 1500);
  assert.equal(latencyMs(h).max, 1.5);
});

test('a latency above the configured highest value is still recorded (auto-resize)', () => {
  const h = newHistogram();
  h.recordValue(5 * 3_600_000_000);
  const back = decodeHistogram(encodeHistogram(h));
  assert.equal(back.totalCount, 1);
  assert.ok(back.maxValue >= 5 * 3_600_000_000 * 0.999);
});

test('malformed encodings throw', () => {
  assert.throws(() => decodeHistogram('not-a-histogram'));
});
