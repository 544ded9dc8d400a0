// Decoding what an agent's Snapshot or Done carries (its histograms, its figures per request name) before
// anything is merged: helpers of coordinator/merge/aggregator.ts (the only caller). Each throws
// LoadfleetError PROTOCOL_VIOLATION naming the wire field, with nothing left to free.
import type { Histogram, SparseCounts } from '../../common/metrics/histogram.js';
import { decodeHistogram, decodeSparse } from '../../common/metrics/histogram.js';
import type { Phase, Stats } from '../../common/metrics/stats.js';
import { LoadfleetError } from '../../common/runtime/errors.js';
import { decodeRequestNames, emptyDecoded, freeDecoded } from './requests.js';
import type { Decoded } from './requests.js';

const PHASES: readonly Phase[] = ['warmup', 'main'];

export function violation(message: string, cause?: unknown): LoadfleetError {
  return new LoadfleetError('PROTOCOL_VIOLATION', message, cause === undefined ? {} : { cause });
}

/**
 * Decodes both histograms of `stats` (the wire's `field`) or throws PROTOCOL_VIOLATION naming it (nothing
 * left to destroy on failure). Each holds one value per response, so at most stats.requests values.
 */
export function decodePair(stats: Stats, where: string, field: string): HistogramPair {
  return decodeBoth(stats, where, field, decodeHistogram);
}

/** A snapshot's two delta histograms, as decodeDeltaPair gives them. */
export type DeltaPair = { latency: Histogram | SparseCounts; service: Histogram | SparseCounts };

/** A snapshot's two delta histograms, decoded sparse (no ~90 KB histogram each): they are only added. */
function decodeDeltaPair(stats: Stats, where: string, field: string): DeltaPair {
  return decodeBoth(stats, where, field, decodeSparse);
}

function decodeBoth<H extends Histogram | SparseCounts>(stats: Stats, where: string, field: string, decode: (encoded: string) => H): { latency: H; service: H } {
  const out: H[] = [];
  try {
    for (const key of ['latencyHist', 'serviceHist'] as const) {
      let h: H;
      try {
        h = decode(stats[key]);
      } catch (e) {
        throw violation(`${where}: ${field}.${key} is not a decodable histogram`, e);
      }
      out.push(h);
      if (h.totalCount > stats.requests) throw violation(`${where}: ${field}.${key} holds ${h.totalCount} values for ${stats.requests} request(s)`);
    }
  } catch (e) {
    for (const h of out) h.destroy();
    throw e;
  }
  return { latency: out[0] as H, service: out[1] as H };
}

export interface HistogramPair {
  latency: Histogram;
  service: Histogram;
}

/** A Done's cumulative figures of one phase, decoded. */
export interface DecodedPhase {
  figures: HistogramPair;
  requestNames: Decoded;
}

/**
 * Decodes every histogram of a Done (both phases' figures, then their request names), or throws
 * PROTOCOL_VIOLATION naming the field, with nothing left to free.
 */
export function decodeDone(d: Readonly<Record<Phase, Stats>>, where: string): Record<Phase, DecodedPhase> {
  const figures: Partial<Record<Phase, HistogramPair>> = {};
  const requestNames: Partial<Record<Phase, Decoded>> = {};
  const free = (): void => {
    for (const h of Object.values(figures)) {
      h.latency.destroy();
      h.service.destroy();
    }
    for (const m of Object.values(requestNames)) freeDecoded(m);
  };
  try {
    for (const p of PHASES) figures[p] = decodePair(d[p], where, `done.${p}`);
  } catch (e) {
    free();
    throw e;
  }
  let decoding: Phase = 'warmup';
  try {
    for (const p of PHASES) {
      decoding = p;
      const names = d[p].requestNames;
      requestNames[p] = names === undefined ? emptyDecoded() : decodeRequestNames(names);
    }
  } catch (e) {
    free();
    throw violation(`${where}: done.${decoding}.langJson.${(e as Error).message}`, e);
  }
  const phase = (p: Phase): DecodedPhase => ({ figures: figures[p] as HistogramPair, requestNames: requestNames[p] as Decoded });
  return { warmup: phase('warmup'), main: phase('main') };
}

/** A Snapshot's delta, decoded: its two histograms (sparse) and its figures per request name (if any). */
export interface DecodedDelta {
  figures: DeltaPair;
  requestNames: Decoded | undefined;
}

/** Decodes a Snapshot's delta, or throws PROTOCOL_VIOLATION naming the field, with nothing left to free. */
export function decodeSnapshot(stats: Stats, where: string): DecodedDelta {
  const figures = decodeDeltaPair(stats, where, 'snapshot.stats');
  try {
    return { figures, requestNames: stats.requestNames === undefined ? undefined : decodeRequestNames(stats.requestNames) };
  } catch (e) {
    figures.latency.destroy();
    figures.service.destroy();
    throw violation(`${where}: snapshot.stats.langJson.${(e as Error).message}`, e);
  }
}
