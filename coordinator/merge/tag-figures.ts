// Per-tag figures (report.json's `tags[key][value]`, Prometheus' loadfleet_tag_*): for each tag key and
// value, the merged figures of the request names that carry it. Tags are static per request name
// (common/scenario/tags.ts), so this reads the per-name totals the aggregator already merged; no agent
// sends anything per tag. Counters add; every histogram (`<x>Hist`, encoded) is merged exactly from the
// names' merged histograms and its figures (`<x>Ms`) are read from the merged one, never averaged.
// A name folded into OTHER_REQUEST_NAME by the wire bounds (more than MAX_REQUEST_NAMES names on one
// agent) carries no tags, so its requests count in no tag: the report says so (tagsUnattributed).
// Pure; the histograms made here are destroyed before it returns.
import { addHistogram, decodeSparse, encodeHistogram, latencyMs, newHistogram } from '../../common/metrics/histogram.js';
import type { Histogram } from '../../common/metrics/histogram.js';
import type { TagsByName } from '../../common/scenario/tags.js';
import type { RequestTotals } from './requests.js';

/** Per tag key, per value: the figures of the names carrying it (the same shape as one name's). */
export type TagTotals = Record<string, Record<string, RequestTotals>>;

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** into += from for every number, recursively through objects (maps of counts, `checks`); other fields are left. */
function addNumbers(into: Plain, from: Plain): void {
  for (const [k, v] of Object.entries(from)) {
    if (typeof v === 'number') into[k] = (typeof into[k] === 'number' ? into[k] : 0) + v;
    else if (isPlain(v)) {
      const sub = isPlain(into[k]) ? into[k] : {};
      into[k] = sub;
      addNumbers(sub, v);
    }
  }
}

/** `names`' figures summed: counters added, each `<x>Hist` merged and its `<x>Ms` read from it. */
export function sumRequestTotals(names: readonly RequestTotals[]): RequestTotals {
  const histKeys = new Set<string>();
  for (const r of names) for (const [k, v] of Object.entries(r)) if (k.endsWith('Hist') && typeof v === 'string') histKeys.add(k);
  const out: Plain = {};
  for (const r of names) {
    const counters: Plain = {};
    for (const [k, v] of Object.entries(r)) {
      const stem = k.endsWith('Ms') ? k.slice(0, -2) : undefined;
      if (histKeys.has(k) || (stem !== undefined && histKeys.has(`${stem}Hist`))) continue;
      counters[k] = v;
    }
    addNumbers(out, counters);
  }
  for (const key of histKeys) {
    const h: Histogram = newHistogram();
    try {
      for (const r of names) {
        const enc = (r as unknown as Plain)[key];
        if (typeof enc !== 'string' || enc === '') continue;
        const part = decodeSparse(enc);
        try { addHistogram(h, part); } finally { part.destroy(); }
      }
      out[key] = encodeHistogram(h);
      out[`${key.slice(0, -4)}Ms`] = latencyMs(h);
    } finally {
      h.destroy();
    }
  }
  return out as unknown as RequestTotals;
}

/** Per tag key and value, the merged figures of the names in `byName` that carry it (keys and values sorted). */
export function tagTotals(byName: Readonly<Record<string, RequestTotals>>, tags: TagsByName): TagTotals {
  const groups = new Map<string, Map<string, RequestTotals[]>>();
  for (const [name, t] of Object.entries(tags)) {
    for (const [k, v] of Object.entries(t)) {
      const byValue = groups.get(k) ?? new Map<string, RequestTotals[]>();
      groups.set(k, byValue);
      const list = byValue.get(v) ?? [];
      byValue.set(v, list);
      const figures = byName[name];
      if (figures !== undefined) list.push(figures);
    }
  }
  const out: TagTotals = {};
  for (const k of [...groups.keys()].sort()) {
    const byValue = groups.get(k) as Map<string, RequestTotals[]>;
    const values: Record<string, RequestTotals> = {};
    for (const v of [...byValue.keys()].sort()) {
      const list = byValue.get(v) as RequestTotals[];
      if (list.length > 0) values[v] = sumRequestTotals(list);
    }
    out[k] = values;
  }
  return out;
}
