// The ONE HDR histogram configuration of loadfleet, and the only place that encodes, decodes and
// merges histograms. Values are microseconds; 3 significant digits; JS backend (no WebAssembly, so no
// leaks if a histogram is dropped, but callers still destroy() what they create, for symmetry).
// Wire form: HdrHistogram's standard compressed base64 encoding (readable by every HdrHistogram port).
import { inflateSync } from 'node:zlib';
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

/**
 * The fields and methods of hdr-histogram-js's JS histograms that addHistogram and decodeHistogram use
 * (public in its JavaScript, not in its types). `_counts` is the counts array of our config (Uint32Array).
 */
interface JsInternals {
  _counts: Uint32Array | undefined;
  autoResize: boolean;
  countsArrayLength: number;
  bucketCount: number;
  subBucketCount: number;
  unitMagnitude: number;
  lowestDiscernibleValue: number;
  highestTrackableValue: number;
  numberOfSignificantValueDigits: number;
  maxValue: number;
  minNonZeroValue: number;
  totalCount: number;
  countsArrayIndex(value: number): number;
  getCountAtIndex(index: number): number;
  valueFromIndex(index: number): number;
  highestEquivalentValue(value: number): number;
  setTotalCount(n: number): void;
  resize(highestTrackableValue: number): void;
  updatedMaxValue(value: number): void;
  updateMinNonZeroValue(value: number): void;
}

const internals = (h: Histogram): JsInternals => h as unknown as JsInternals;

/** The layout of newHistogram(), read once. */
let layout: Pick<JsInternals, 'bucketCount' | 'subBucketCount' | 'unitMagnitude' | 'lowestDiscernibleValue' | 'highestTrackableValue' | 'numberOfSignificantValueDigits'> | undefined;

/** True when `h` is a JS histogram with exactly newHistogram()'s layout (so its counts index the same values). */
function hasOurLayout(h: Histogram | undefined): boolean {
  if (layout === undefined) {
    const ref = newHistogram();
    const r = internals(ref);
    layout = {
      bucketCount: r.bucketCount, subBucketCount: r.subBucketCount, unitMagnitude: r.unitMagnitude, lowestDiscernibleValue: r.lowestDiscernibleValue,
      highestTrackableValue: r.highestTrackableValue, numberOfSignificantValueDigits: r.numberOfSignificantValueDigits,
    };
    ref.destroy();
  }
  if (h === undefined) return false;
  const x = internals(h);
  return x._counts instanceof Uint32Array && x.bucketCount === layout.bucketCount && x.subBucketCount === layout.subBucketCount
    && x.unitMagnitude === layout.unitMagnitude && x.lowestDiscernibleValue === layout.lowestDiscernibleValue
    && x.highestTrackableValue === layout.highestTrackableValue && x.numberOfSignificantValueDigits === layout.numberOfSignificantValueDigits;
}

/**
 * A delta histogram decoded without building a histogram: only its non-zero counts, by counts-array index
 * of our layout (what decodeSparse returns for an encoding of our config). Read-only; destroy() is a no-op
 * kept for symmetry with Histogram, so callers free whatever they decoded the same way.
 */
export interface SparseCounts {
  readonly sparse: true;
  readonly indices: Uint32Array;
  readonly counts: Float64Array;
  readonly totalCount: number;
  destroy(): void;
}

/**
 * Decode bounds (an encoding is untrusted input): the highest counts index a value of our layout can
 * have (values up to 2^53 us: 43 buckets of 1,024 sub-buckets past the first 2,048), the largest count
 * of one bucket (a Uint32 slot), and how far a payload may inflate (every index at 9 bytes).
 */
export const MAX_COUNTS_INDEX = 2_048 + 43 * 1_024;
const MAX_BUCKET_COUNT = 0xffff_ffff;
const MAX_INFLATED_BYTES = 40 + (MAX_COUNTS_INDEX + 1) * 9;

const V2_COMPRESSED_COOKIE_BASE = 0x1c849304;
const V2_COOKIE_BASE = 0x1c849303;

/**
 * Decodes an encoding of our config into its non-zero counts, without allocating a ~90 KB histogram:
 * HdrHistogram's V2 compressed format (cookie, length, zlib; then cookie, payload length, normalizing
 * offset, significant digits, lowest and highest trackable value, conversion ratio, and the counts as
 * ZigZag LEB128 with runs of zeros as negative numbers). Anything else (another config, a resized
 * histogram) decodes to a Histogram as decodeHistogram does. Throws on malformed input.
 */
export function decodeSparse(encoded: string): SparseCounts | Histogram {
  if (encoded === '') return { sparse: true, indices: new Uint32Array(0), counts: new Float64Array(0), totalCount: 0, destroy: () => {} };
  const outer = Buffer.from(encoded.trim(), 'base64');
  if (outer.length < 8 || (outer.readInt32BE(0) & ~0xf0) !== V2_COMPRESSED_COOKIE_BASE) return decodeHistogram(encoded);
  let data: Buffer;
  try {
    data = inflateSync(outer.subarray(8, 8 + outer.readInt32BE(4)), { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (e) {
    throw new Error(`histogram payload does not inflate within ${MAX_INFLATED_BYTES} bytes`, { cause: e });
  }
  if (data.length < 40 || (data.readInt32BE(0) & ~0xf0) !== V2_COOKIE_BASE) return decodeHistogram(encoded);
  const payloadBytes = data.readInt32BE(4);
  const digits = data.readInt32BE(12);
  const lowest = Number(data.readBigInt64BE(16));
  const highest = Number(data.readBigInt64BE(24));
  hasOurLayout(undefined);
  const l = layout as NonNullable<typeof layout>;
  if (digits !== l.numberOfSignificantValueDigits || lowest !== l.lowestDiscernibleValue || highest !== l.highestTrackableValue) return decodeHistogram(encoded);
  const end = 40 + payloadBytes;
  if (end > data.length) throw new Error('histogram payload is truncated');
  const indices: number[] = [];
  const counts: number[] = [];
  let total = 0;
  let index = 0;
  let pos = 40;
  while (pos < end) {
    // LEB128, up to 9 bytes, then ZigZag (as hdr-histogram-js's ZigZagEncoding.decode).
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 9; i++) {
      if (pos >= data.length) throw new Error('histogram payload is truncated');
      const b = data[pos++] as number;
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) break;
      scale *= 128;
    }
    const n = value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    if (n < 0) index += -n;
    else {
      if (n > MAX_BUCKET_COUNT) throw new Error(`histogram count ${n} at index ${index} is over ${MAX_BUCKET_COUNT}`);
      if (n > 0) {
        if (index > MAX_COUNTS_INDEX) throw new Error(`histogram counts index ${index} is beyond ${MAX_COUNTS_INDEX} (values over 2^53 us)`);
        indices.push(index);
        counts.push(n);
        total += n;
      }
      index++;
    }
  }
  return { sparse: true, indices: Uint32Array.from(indices), counts: Float64Array.from(counts), totalCount: total, destroy: () => {} };
}

/**
 * The non-zero counts of `h` by counts-array index of our layout (a SparseCounts as is). A histogram
 * of our sub-bucket layout (resized or not) is read straight from its counts; another layout is
 * re-homed value by value first. For holders of many small tallies (per request name and agent).
 */
export function toSparse(h: Histogram | SparseCounts): SparseCounts {
  if (isSparse(h)) return h;
  hasOurLayout(undefined);
  const l = layout as NonNullable<typeof layout>;
  const x = internals(h);
  if (!(x._counts instanceof Uint32Array) || x.subBucketCount !== l.subBucketCount || x.unitMagnitude !== l.unitMagnitude) {
    const own = newHistogram();
    own.add(h);
    const s = toSparse(own);
    own.destroy();
    return s;
  }
  const c = x._counts;
  const indices: number[] = [];
  const counts: number[] = [];
  let total = 0;
  if (h.totalCount > 0) {
    const last = Math.min(x.countsArrayIndex(x.maxValue), c.length - 1);
    for (let i = 0; i <= last; i++) {
      const n = c[i] as number;
      if (n === 0) continue;
      indices.push(i);
      counts.push(n);
      total += n;
    }
  }
  return { sparse: true, indices: Uint32Array.from(indices), counts: Float64Array.from(counts), totalCount: total, destroy: () => {} };
}

/** A histogram of our config holding `s`'s counts (the caller destroys it). */
export function fromSparse(s: SparseCounts): Histogram {
  const h = newHistogram();
  addSparse(h, s);
  return h;
}

function isSparse(h: Histogram | SparseCounts): h is SparseCounts {
  return (h as SparseCounts).sparse === true;
}

/**
 * target += source, value by value: the same result as `target.add(source)`. When both share a sub-bucket
 * layout and source's values fit in target's counts, only source's counts up to its max value are read,
 * straight from the typed array: about 10x cheaper than hdr-histogram-js's add, which walks all ~22k
 * counts of our config (one hour of range) through method calls: the coordinator's hot spot at hundreds
 * of agents (two decodes and six adds per snapshot). Otherwise (resize needed, other layout) it is add().
 */
export function addHistogram(target: Histogram, source: Histogram | SparseCounts): void {
  if (isSparse(source)) {
    addSparse(target, source);
    return;
  }
  const t = internals(target);
  const s = internals(source);
  const tc = t._counts;
  const sc = s._counts;
  if (source.totalCount === 0) return;
  if (tc === undefined || sc === undefined || t.subBucketCount !== s.subBucketCount || t.unitMagnitude !== s.unitMagnitude) {
    target.add(source);
    return;
  }
  const maxIndex = Math.min(s.countsArrayIndex(s.maxValue), s.countsArrayLength - 1);
  if (maxIndex >= t.countsArrayLength) {
    target.add(source);
    return;
  }
  let total = 0;
  for (let i = 0; i <= maxIndex; i++) {
    const c = sc[i] as number;
    if (c !== 0) {
      tc[i] = (tc[i] as number) + c;
      total += c;
    }
  }
  t.setTotalCount(t.totalCount + total);
  t.updatedMaxValue(Math.max(t.maxValue, s.maxValue));
  t.updateMinNonZeroValue(Math.min(t.minNonZeroValue, s.minNonZeroValue));
}

/** target += a sparse delta of our layout (resizing target first when it is too small). */
function addSparse(target: Histogram, source: SparseCounts): void {
  const n = source.indices.length;
  if (n === 0) return;
  const t = internals(target);
  const minIndex = source.indices[0] as number;
  const maxIndex = source.indices[n - 1] as number;
  if (!hasOurLayout(target)) {
    // Another layout: go through values (rare: targets are newHistogram()s).
    const ref = newHistogram();
    const r = internals(ref);
    for (let i = 0; i < n; i++) target.recordValueWithCount(r.valueFromIndex(source.indices[i] as number), source.counts[i] as number);
    ref.destroy();
    return;
  }
  if (maxIndex >= t.countsArrayLength) {
    const value = t.highestEquivalentValue(t.valueFromIndex(maxIndex));
    if (!t.autoResize) throw new Error(`value ${value} does not fit in the target histogram`);
    t.resize(value);
  }
  const tc = t._counts as Uint32Array;
  for (let i = 0; i < n; i++) {
    const at = source.indices[i] as number;
    tc[at] = (tc[at] as number) + (source.counts[i] as number);
  }
  t.setTotalCount(t.totalCount + source.totalCount);
  t.updatedMaxValue(Math.max(t.maxValue, t.highestEquivalentValue(t.valueFromIndex(maxIndex))));
  const minNonZero = minIndex === 0 ? (n > 1 ? (source.indices[1] as number) : -1) : minIndex;
  if (minNonZero > 0) t.updateMinNonZeroValue(Math.min(t.minNonZeroValue, t.valueFromIndex(minNonZero)));
}

/** Decodes what encodeHistogram produced ("" is an empty histogram). Throws on malformed input. */
export function decodeHistogram(encoded: string): Histogram {
  if (encoded === '') return newHistogram();
  const decoded = hdr.decodeFromCompressedBase64(encoded, 32, false);
  if (hasOurLayout(decoded)) {
    // Encoded from our config (every agent's): already our layout; only autoResize is not carried.
    internals(decoded).autoResize = true;
    return decoded;
  }
  // Re-home into our own config so that every merged histogram has the same layout.
  const h = newHistogram();
  h.add(decoded);
  decoded.destroy();
  return h;
}

/**
 * How many of `part`'s values `whole` lacks, value by value (0 when part is contained in whole, as merged
 * deltas are in their cumulative).
 */
export function excessOver(part: Histogram, whole: Histogram): number {
  const p = internals(part);
  const w = internals(whole);
  const pc = p._counts;
  const wc = w._counts;
  if (pc instanceof Uint32Array && wc instanceof Uint32Array && p.subBucketCount === w.subBucketCount && p.unitMagnitude === w.unitMagnitude) {
    // Same layout (every histogram of our config): compare the counts arrays directly, up to part's max
    // value. At Done time of a large fleet this runs 4x per agent; the generic loop below is ~10x slower.
    let excess = 0;
    const last = Math.min(p.countsArrayIndex(p.maxValue), pc.length - 1);
    for (let i = 0; i <= last; i++) {
      const c = pc[i] as number;
      if (c === 0) continue;
      const have = i < wc.length ? (wc[i] as number) : 0;
      if (have < c) excess += c - have;
    }
    return excess;
  }
  let excess = 0;
  for (let i = 0; i < p.countsArrayLength; i++) {
    const c = p.getCountAtIndex(i);
    if (c === 0) continue;
    const wi = w.countsArrayIndex(p.valueFromIndex(i));
    const have = wi < w.countsArrayLength ? w.getCountAtIndex(wi) : 0;
    if (have < c) excess += c - have;
  }
  return excess;
}

/** One interval of an HdrHistogram interval log: its span, seconds from the log's base time, and its encoded histogram. */
export interface LogInterval {
  fromSec: number;
  toSec: number;
  /** What encodeHistogram produced ("" is an empty interval). */
  encoded: string;
}

/**
 * The interval lines of an HdrHistogram interval log (`.hlog`, v1.3), one per interval:
 * StartTimestamp,Interval_Length,Interval_Max,Interval_Compressed_Histogram, Interval_Max divided by
 * `maxValueUnitRatio`. Headers are the caller's. Throws on an undecodable histogram.
 */
export function logIntervalLines(intervals: readonly LogInterval[], maxValueUnitRatio: number): string {
  const out: string[] = [];
  const writer = new hdr.HistogramLogWriter((s) => out.push(s));
  for (const interval of intervals) {
    const h = decodeHistogram(interval.encoded);
    try {
      writer.outputIntervalHistogram(h, interval.fromSec, interval.toSec, maxValueUnitRatio);
    } finally {
      h.destroy();
    }
  }
  return out.join('');
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

/**
 * The same value as hdr-histogram-js's `mean` (each count at its bucket's median equivalent value, summed
 * in index order), read from the counts array of our layout: the library's iterator costs ~0.7 ms per
 * histogram, which a report for a thousand agents pays thousands of times at once.
 */
function meanOf(h: Histogram): number {
  const x = internals(h);
  const c = x._counts;
  if (c === undefined || !hasOurLayout(h)) return h.mean;
  const lib = h as unknown as { medianEquivalentValue(v: number): number };
  const last = Math.min(x.countsArrayIndex(x.maxValue), c.length - 1);
  let total = 0;
  for (let i = 0; i <= last; i++) {
    const n = c[i] as number;
    if (n !== 0) total += lib.medianEquivalentValue(x.valueFromIndex(i)) * n;
  }
  return total / h.totalCount;
}

export function latencyMs(h: Histogram): LatencyMs {
  if (h.totalCount === 0) {
    return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
  }
  const ms = (us: number): number => Math.round(us) / 1000;
  return {
    count: h.totalCount,
    min: ms(h.minNonZeroValue),
    mean: Math.round(meanOf(h)) / 1000,
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
  };
}

let reference: Histogram | undefined;

/**
 * Percentiles (ms) of a histogram or sparse counts of our layout in one pass over the non-zero counts,
 * with getValueAtPercentile's rounding (so the same values as latencyMs), for the many small tallies of
 * the live per-request view: hdr-histogram-js walks all ~22k counts per percentile through method calls.
 */
export function percentilesMs(h: Histogram | SparseCounts, percentiles: readonly number[]): number[] {
  const s = toSparse(h);
  if (s.totalCount === 0) return percentiles.map(() => 0);
  reference ??= newHistogram();
  const ref = internals(reference);
  const wanted = percentiles.map((p) => {
    const fp = (Math.min(p, 100) / 100) * s.totalCount;
    return Math.max(fp > 0 ? Math.ceil(fp - 2 ** (Math.floor(Math.log2(fp)) - 52)) : 0, 1);
  });
  const out = percentiles.map(() => 0);
  let done = 0;
  let seen = 0;
  for (let i = 0; i < s.indices.length && done < wanted.length; i++) {
    seen += s.counts[i] as number;
    for (let k = 0; k < wanted.length; k++) {
      if (out[k] !== 0 || seen < (wanted[k] as number)) continue;
      const us = ref.highestEquivalentValue(ref.valueFromIndex(s.indices[i] as number));
      out[k] = Math.round(us) / 1000;
      done++;
    }
  }
  return out;
}

/** Records a duration given in milliseconds (fractional) as whole microseconds, at least 1. */
export function recordMs(h: Histogram, durationMs: number): void {
  const us = Math.round(durationMs * 1000);
  h.recordValue(us < 1 ? 1 : us);
}
