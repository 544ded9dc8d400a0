// decodeSparse takes untrusted encodings (agents' snapshots): a crafted one is refused (throws) rather
// than resizing a histogram to a wild value, overflowing a count slot, or inflating without bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync, inflateSync } from 'node:zlib';
import { MAX_COUNTS_INDEX, decodeSparse, encodeHistogram, newHistogram } from '../../../../common/metrics/histogram.js';

/** LEB128 of a ZigZag-encoded whole number (HdrHistogram's counts encoding; |n| < 2^52 here). */
function zigzag(n: number): number[] {
  let v = n >= 0 ? 2 * n : -2 * n - 1;
  const out: number[] = [];
  do {
    const b = v % 128;
    v = Math.floor(v / 128);
    out.push(v > 0 ? b | 0x80 : b);
  } while (v > 0);
  return out;
}

/** A real encoding of our config whose counts payload is replaced by `counts` (or by `payload` bytes as is). */
function crafted(counts: number[], payload?: Buffer): string {
  const h = newHistogram();
  h.recordValue(1_000);
  const outer = Buffer.from(encodeHistogram(h), 'base64');
  h.destroy();
  const inner = inflateSync(outer.subarray(8, 8 + outer.readInt32BE(4)));
  const body = payload ?? Buffer.from(counts.flatMap(zigzag));
  const header = Buffer.from(inner.subarray(0, 40));
  header.writeInt32BE(body.length, 4);
  const z = deflateSync(Buffer.concat([header, body]));
  const head = Buffer.alloc(8);
  head.writeInt32BE(outer.readInt32BE(0), 0);
  head.writeInt32BE(z.length, 4);
  return Buffer.concat([head, z]).toString('base64');
}

test('decodeSparse: crafted encodings beyond the decode bounds throw; the bounds themselves decode', () => {
  const rows: { why: string; enc: string; error?: RegExp; total?: number }[] = [
    { why: 'a plain count decodes', enc: crafted([0, 0, 5]), total: 5 },
    { why: 'a count at the last index allowed', enc: crafted([-MAX_COUNTS_INDEX, 1]), total: 1 },
    // 2^40 empty slots then a count: a value far past 2^53 us; resizing to it would take gigabytes.
    { why: 'a count at a wild index', enc: crafted([-(2 ** 40), 1]), error: /counts index 1099511627776 is beyond/ },
    { why: 'one past the last index', enc: crafted([-(MAX_COUNTS_INDEX + 1), 1]), error: /is beyond/ },
    // A slot holds a Uint32: 2^33 would wrap silently when added.
    { why: 'a count over a slot', enc: crafted([2 ** 33]), error: /count 8589934592 at index 0 is over 4294967295/ },
    // 64 MB of zeros deflates to ~64 KB: inflating is bounded.
    { why: 'a payload that inflates without bound', enc: crafted([], Buffer.alloc(64 * 1024 * 1024)), error: /does not inflate within/ },
  ];
  for (const r of rows) {
    if (r.error !== undefined) {
      assert.throws(() => decodeSparse(r.enc), r.error, r.why);
      continue;
    }
    assert.equal(decodeSparse(r.enc).totalCount, r.total, r.why);
  }
});
