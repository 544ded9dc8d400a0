// Text output of the bench: one progress line per run, and the compact tables at the end.
import { median } from './closed-peers.js';
import type { ClosedResult, PeerName } from './closed-peers.js';
import { BARS, highestPassing } from './open-ladder.js';
import type { OpenResult } from './open-ladder.js';

const n0 = (v: number): string => Math.round(v).toLocaleString('en-US');
const ms = (v: number): string => String(Number(v.toFixed(2)));
const pad = (s: string, w: number): string => s.padEnd(w);
const pct = (r: number): string => `${(r * 100).toFixed(2)}%`;
/** The foreign CPU of a run, e.g. "  others' cpu 12%" (nothing when not measured). */
const foreign = (v: number | null | undefined): string => (v === undefined || v === null ? '' : `  others' cpu ${Math.round(v)}%`);

export function closedLine(r: ClosedResult): string {
  const perSecond = r.perSecondRps === undefined ? '' : `  per second ${r.perSecondRps.map((v) => Math.round(v / 1000)).join(',')}k`;
  return `  round ${r.round} ${pad(r.peer, 10)} ${n0(r.rps).padStart(9)} req/s  p50/p99 ${ms(r.latencyP50Ms)}/${ms(r.latencyP99Ms)} ms  errors ${r.errors}  ${r.note}${perSecond}${foreign(r.foreignCpuPct)}`;
}

export function openLine(r: OpenResult): string {
  const verdict = r.meetsBars ? 'meets the bars' : `misses: ${r.misses.join('; ')}`;
  return `  ${pad(`${n0(r.rateRps)}/s`, 9)} achieved ${n0(r.achievedRps)}/s, worst second ${pct(r.worstSecond.ratio)} (s${r.worstSecond.index}), ` +
    `lag p99 ${ms(r.scheduleLagP99Ms.worstSecond)} ms worst s / ${ms(r.scheduleLagP99Ms.medianSecond)} ms median s, ` +
    `latency p50/p99 ${ms(r.latencyMs.p50)}/${ms(r.latencyMs.p99)} ms intended, ${ms(r.serviceMs.p50)}/${ms(r.serviceMs.p99)} ms actual, ` +
    `dropped ${r.dropped}; loadfleet verdict ${r.verdict}; ${verdict}${foreign(r.foreignCpuPct)}`;
}

export interface ClosedSummary {
  rounds: number;
  medians: Partial<Record<PeerName, number>>;
  /** loadfleet's median / the peer's median. */
  ratios: Partial<Record<PeerName, number>>;
  /** loadfleet >= 1.0x autocannon (null when autocannon was skipped). */
  meetsAutocannonBar: boolean | null;
}

export function summarizeClosed(results: readonly ClosedResult[], rounds: number): ClosedSummary {
  const medians: Partial<Record<PeerName, number>> = {};
  for (const peer of ['loadfleet', 'autocannon', 'wrk'] as const) {
    const xs = results.filter((r) => r.peer === peer).map((r) => r.rps);
    if (xs.length > 0) medians[peer] = Math.round(median(xs));
  }
  const ratios: Partial<Record<PeerName, number>> = {};
  const lf = medians.loadfleet;
  for (const peer of ['autocannon', 'wrk'] as const) {
    const m = medians[peer];
    if (lf !== undefined && m !== undefined && m > 0) ratios[peer] = Math.round((lf / m) * 1000) / 1000;
  }
  return { rounds, medians, ratios, meetsAutocannonBar: ratios.autocannon === undefined ? null : ratios.autocannon >= 1 };
}

export function closedTable(results: readonly ClosedResult[], s: ClosedSummary, durationS: number): string[] {
  const lines = [`closed loop, 64 connections, ${durationS} s each${s.rounds > 1 ? `, median of ${s.rounds} rounds` : ''}`];
  lines.push(`  ${pad('peer', 11)}${'req/s'.padStart(9)}   p50/p99 ms (median)   loadfleet / peer`);
  for (const peer of ['loadfleet', 'autocannon', 'wrk'] as const) {
    const m = s.medians[peer];
    if (m === undefined) continue;
    const own = results.filter((r) => r.peer === peer);
    const lat = `${ms(median(own.map((r) => r.latencyP50Ms)))}/${ms(median(own.map((r) => r.latencyP99Ms)))}`;
    const ratio = s.ratios[peer as 'autocannon' | 'wrk'];
    let verdict = '';
    if (peer === 'autocannon' && ratio !== undefined) verdict = ratio >= 1 ? '  (bar >= 1.0x: met)' : '  (bar >= 1.0x: MISSED)';
    lines.push(`  ${pad(peer, 11)}${n0(m).padStart(9)}   ${pad(lat, 22)}${ratio === undefined ? '-' : `${ratio.toFixed(2)}x`}${verdict}`);
  }
  return lines;
}

export function openTable(results: readonly OpenResult[], durationS: number, warmupS: number): string[] {
  const lines = [
    `open model, 1 agent, ${durationS} s after ${warmupS} s warm-up; bars in every second: achieved >= ${BARS.minSecondRatio * 100}%, schedule lag p99 < ${BARS.maxLagP99Ms} ms`,
    `  ${pad('rate/s', 8)}${pad('achieved', 10)}${pad('worst s', 9)}${pad('lag p99 worst/med s', 21)}${pad('intended p50/p99', 20)}${pad('actual p50/p99', 20)}${pad('dropped', 9)}${pad('others', 8)}verdict`,
  ];
  for (const r of results) {
    lines.push(
      `  ${pad(n0(r.rateRps), 8)}${pad(n0(r.achievedRps), 10)}${pad(pct(r.worstSecond.ratio), 9)}` +
        `${pad(`${ms(r.scheduleLagP99Ms.worstSecond)}/${ms(r.scheduleLagP99Ms.medianSecond)} ms`, 21)}` +
        `${pad(`${ms(r.latencyMs.p50)}/${ms(r.latencyMs.p99)} ms`, 20)}${pad(`${ms(r.serviceMs.p50)}/${ms(r.serviceMs.p99)} ms`, 20)}` +
        `${pad(String(r.dropped), 9)}${pad(r.foreignCpuPct === undefined || r.foreignCpuPct === null ? '-' : `${Math.round(r.foreignCpuPct)}%`, 8)}${r.meetsBars ? 'meets' : 'misses'} (${r.verdict})`,
    );
  }
  const best = highestPassing(results);
  lines.push(`  highest rate meeting the bars: ${best === null ? 'none of the rates tried' : `${n0(best)} req/s`}`);
  return lines;
}
