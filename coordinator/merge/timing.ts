// The request timing breakdown merged across agents for one phase (report.json's `timing`, and
// `requests[name].waitingMs`): connect and TLS setup per new connection, time to first byte per
// response (Stats connectHist, tlsHist, waitingHist; waiting also per request name in lang_json).
// Used by coordinator/merge/aggregator.ts only, with its seq discipline: add() once per merged
// snapshot (unless the phase was already repaired for that agent), repair() once per agent at its Done
// when the aggregator repaired that phase (deltas were missing): "cumulative minus merged" is added, so
// the totals equal what the agents counted. Percentiles come from merged histograms only.
// Memory: sparse counts per agent, kind and name (a few KB each).
import type { Histogram, LatencyMs, SparseCounts } from '../../common/metrics/histogram.js';
import { decodeSparse, encodeHistogram, fromSparse, latencyMs } from '../../common/metrics/histogram.js';
import type { Stats } from '../../common/metrics/stats.js';
import { violation } from './decode.js';
import { SparseTally, sparseMinus } from './sparse-tally.js';

export const TIMINGS = ['connect', 'tls', 'waiting'] as const;
export type Timing = (typeof TIMINGS)[number];
const FIELD = { connect: 'connectHist', tls: 'tlsHist', waiting: 'waitingHist' } as const;

/** One Stats' timing histograms, decoded: by key (`connect`, `tls`, `waiting`, `waiting <name>`). */
export type DecodedTiming = Map<string, Histogram | SparseCounts>;

const nameKey = (name: string): string => `waiting ${name}`;

export function freeTiming(d: DecodedTiming): void {
  for (const h of d.values()) h.destroy();
  d.clear();
}

/**
 * Decodes the timing histograms of `stats` (the wire's `field`), or throws PROTOCOL_VIOLATION naming
 * the field (nothing left to free): undecodable, or more times to first byte than responses (of the
 * whole, or of a request name). Connections have no such bound (a connection may carry no response).
 */
export function decodeTiming(stats: Stats, where: string, field: string): DecodedTiming {
  const out: DecodedTiming = new Map();
  const decode = (key: string, encoded: string | undefined, wire: string, most: number | undefined): void => {
    if (encoded === undefined || encoded === '') return;
    let h: Histogram | SparseCounts;
    try {
      h = decodeSparse(encoded);
    } catch (e) {
      throw violation(`${where}: ${wire} is not a decodable histogram`, e);
    }
    out.set(key, h);
    if (most !== undefined && h.totalCount > most) throw violation(`${where}: ${wire} holds ${h.totalCount} values for ${most} request(s)`);
  };
  try {
    for (const t of TIMINGS) decode(t, stats[FIELD[t]], `${field}.${FIELD[t]}`, t === 'waiting' ? stats.requests : undefined);
    for (const [name, r] of Object.entries(stats.requestNames?.byRequestName ?? {})) {
      decode(nameKey(name), r.waitingHist, `${field}.langJson.byRequest["${name}"].waitingHist`, r.requests);
    }
  } catch (e) {
    freeTiming(out);
    throw e;
  }
  return out;
}

/** The merged timing of a phase: each kind for the run, and time to first byte per request name. */
export interface TimingTotals {
  connectMs: LatencyMs;
  tlsMs: LatencyMs;
  waitingMs: LatencyMs;
  /** Encoded like histograms.latency ("" when empty). */
  connectHist: string;
  tlsHist: string;
  waitingHist: string;
  /** Per request name that had responses with a time to first byte. */
  byRequestName: Record<string, { waitingMs: LatencyMs; waitingHist: string }>;
}

function figuresOf(t: SparseTally | undefined): { ms: LatencyMs; hist: string } {
  const h = fromSparse(t?.toSparse() ?? { sparse: true, indices: new Uint32Array(0), counts: new Float64Array(0), totalCount: 0, destroy: () => {} });
  try {
    return { ms: latencyMs(h), hist: encodeHistogram(h) };
  } finally {
    h.destroy();
  }
}

export class TimingMerge {
  private readonly merged = new Map<string, SparseTally>();
  private readonly agents = new Map<string, Map<string, SparseTally>>();

  /** Adds one merged delta of `agentId` (decodeTiming of it; freed here). */
  add(agentId: string, d: DecodedTiming): void {
    try {
      const own = this.agent(agentId);
      for (const [key, h] of d) {
        tallyOf(own, key).add(h);
        tallyOf(this.merged, key).add(h);
      }
    } finally {
      freeTiming(d);
    }
  }

  /**
   * Done of `agentId` for a phase whose deltas were missing: `cum` (decodeTiming of its cumulative
   * figures; freed here) minus what was merged is added. Returns what the merged deltas have beyond the
   * cumulative ones (nothing is added for those kinds), empty when exact.
   */
  repair(agentId: string, cum: DecodedTiming): string[] {
    const excess: string[] = [];
    try {
      const own = this.agent(agentId);
      for (const key of new Set([...cum.keys(), ...own.keys()])) {
        const whole = cum.get(key);
        const mine = own.get(key) ?? new SparseTally();
        if (whole === undefined) {
          if (mine.totalCount > 0) excess.push(`${key} histogram +${mine.totalCount}`);
          continue;
        }
        const { diff, excess: over } = sparseMinus(whole, mine);
        if (over > 0) excess.push(`${key} histogram +${over}`);
        else if (diff.totalCount > 0) {
          tallyOf(this.merged, key).add(diff);
          tallyOf(own, key).add(diff);
        }
      }
    } finally {
      freeTiming(cum);
    }
    return excess;
  }

  totals(): TimingTotals {
    const [connect, tls, waiting] = TIMINGS.map((t) => figuresOf(this.merged.get(t))) as [ReturnType<typeof figuresOf>, ReturnType<typeof figuresOf>, ReturnType<typeof figuresOf>];
    const byRequestName: TimingTotals['byRequestName'] = {};
    for (const [key, t] of [...this.merged].sort(([a], [b]) => a.localeCompare(b))) {
      if (!key.startsWith('waiting ') || t.totalCount === 0) continue;
      const f = figuresOf(t);
      byRequestName[key.slice('waiting '.length)] = { waitingMs: f.ms, waitingHist: f.hist };
    }
    return {
      connectMs: connect.ms, tlsMs: tls.ms, waitingMs: waiting.ms,
      connectHist: connect.hist, tlsHist: tls.hist, waitingHist: waiting.hist, byRequestName,
    };
  }

  private agent(id: string): Map<string, SparseTally> {
    let a = this.agents.get(id);
    if (a === undefined) {
      a = new Map();
      this.agents.set(id, a);
    }
    return a;
  }
}

function tallyOf(m: Map<string, SparseTally>, key: string): SparseTally {
  let t = m.get(key);
  if (t === undefined) {
    t = new SparseTally();
    m.set(key, t);
  }
  return t;
}
