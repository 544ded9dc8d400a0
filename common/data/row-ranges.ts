// Sets of row indices as sorted, disjoint, half-open ranges [start, end): how `unique` rows are handed
// out (coordinator/data/row-pool.ts), held (agent/unique-feed.ts) and returned, and how the wire carries them.
// Pure. A "normal" list is sorted by start, every range non-empty, no two overlapping or touching.

export interface RowRange {
  start: number;
  end: number;
}

/** Rows in the ranges. */
export function rangeCount(ranges: readonly RowRange[]): number {
  let n = 0;
  for (const r of ranges) n += r.end - r.start;
  return n;
}

/**
 * Why `ranges` is not a well-formed list of row indices below `limit` (whole numbers, start < end,
 * ascending, not overlapping), or undefined when it is. Touching ranges are allowed here (the wire may
 * carry [0,5) [5,9)).
 */
export function rangesProblem(ranges: readonly RowRange[], limit = Number.MAX_SAFE_INTEGER): string | undefined {
  let prevEnd = -1;
  for (const [k, r] of ranges.entries()) {
    if (!Number.isSafeInteger(r.start) || !Number.isSafeInteger(r.end) || r.start < 0) return `range ${k} is not whole numbers >= 0`;
    if (r.start >= r.end) return `range ${k} [${r.start}, ${r.end}) is empty or reversed`;
    if (r.end > limit) return `range ${k} ends at ${r.end}, beyond ${limit} rows`;
    if (r.start < prevEnd) return `range ${k} [${r.start}, ${r.end}) overlaps or precedes the one before`;
    prevEnd = r.end;
  }
  return undefined;
}

/** The normal form of any list of ranges (sorted, empty ones dropped, overlapping or touching ones merged). */
export function normalize(ranges: readonly RowRange[]): RowRange[] {
  const sorted = ranges.filter((r) => r.end > r.start).map((r) => ({ start: r.start, end: r.end })).sort((a, b) => a.start - b.start);
  const out: RowRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push(r);
  }
  return out;
}

/** a minus b, normal form. */
export function subtract(a: readonly RowRange[], b: readonly RowRange[]): RowRange[] {
  const bs = normalize(b);
  const out: RowRange[] = [];
  for (const r of normalize(a)) {
    let start = r.start;
    for (const x of bs) {
      if (x.end <= start || x.start >= r.end) continue;
      if (x.start > start) out.push({ start, end: x.start });
      start = Math.max(start, x.end);
      if (start >= r.end) break;
    }
    if (start < r.end) out.push({ start, end: r.end });
  }
  return out;
}

/** True when every index of `inner` is in `outer`. */
export function containsAll(outer: readonly RowRange[], inner: readonly RowRange[]): boolean {
  return subtract(inner, outer).length === 0;
}

/** The first `n` rows of a normal list (fewer if it holds fewer), and the rest. */
export function takeFirst(ranges: readonly RowRange[], n: number): { taken: RowRange[]; rest: RowRange[] } {
  const taken: RowRange[] = [];
  const rest: RowRange[] = [];
  let left = n;
  for (const r of ranges) {
    if (left <= 0) rest.push({ ...r });
    else if (r.end - r.start <= left) {
      taken.push({ ...r });
      left -= r.end - r.start;
    } else {
      taken.push({ start: r.start, end: r.start + left });
      rest.push({ start: r.start + left, end: r.end });
      left = 0;
    }
  }
  return { taken, rest };
}

/** The ranges after skipping the first `n` rows (in list order). */
export function skipFirst(ranges: readonly RowRange[], n: number): RowRange[] {
  return takeFirst(ranges, n).rest;
}
