// Invariant checks shared by the engine tests: what every run must satisfy, whatever the scenario.
import assert from 'node:assert/strict';
import type { AgentPlan } from '../../../../common/plan/agent-plan.js';
import { addHistogram, decodeHistogram, decodeSparse, newHistogram } from '../../../../common/metrics/histogram.js';
import type { Stats, Phase } from '../../../../common/metrics/stats.js';
import { ERROR_KINDS, errorTotal } from '../../../../common/metrics/counters.js';
import type { EngineResult, EngineSnapshot } from '../../../../agent/engine/engine.js';

export function plan(overrides: Partial<AgentPlan> & { url: string; timeoutMs?: number; method?: string }): AgentPlan {
  const { url, timeoutMs, method, ...rest } = overrides;
  return {
    runId: 'test-run',
    request: { url, method: method ?? 'GET', headers: { 'x-test': 'engine' }, timeoutMs: timeoutMs ?? 2000 },
    model: 'open',
    segments: [{ durationMs: 1000, from: 100, to: 100 }],
    warmupMs: 0,
    maxInFlight: 100,
    connections: 4,
    snapshotIntervalMs: 250,
    ...rest,
  };
}

export function sumStatus(s: Stats): number {
  return Object.values(s.statusCodes).reduce((a, b) => a + b, 0);
}

/**
 * Checks the accounting contract: seq 1..lastSeq with no gaps; per phase, delta counters sum to the
 * cumulative and merged delta histograms equal the cumulative ones; every sent request ended; the last
 * snapshot is the main phase's.
 */
export function checkAccounting(snaps: EngineSnapshot[], result: EngineResult): void {
  assert.deepEqual(snaps.map((s) => s.seq), snaps.map((_, i) => i + 1), 'seq 1, 2, 3... without gaps');
  assert.equal(result.lastSeq, snaps.length, 'lastSeq');
  assert.equal(snaps.at(-1)?.phase, 'main', 'the final snapshot is the main phase');
  for (const phase of ['warmup', 'main'] as Phase[]) {
    const cumulative = result[phase];
    const deltas = snaps.filter((s) => s.phase === phase).map((s) => s.stats);
    const sum = (f: (s: Stats) => number): number => deltas.reduce((a, s) => a + f(s), 0);
    assert.equal(sum((s) => s.sent), cumulative.sent, `${phase}: sent`);
    assert.equal(sum((s) => s.requests), cumulative.requests, `${phase}: requests`);
    assert.equal(sum((s) => s.dropped), cumulative.dropped, `${phase}: dropped`);
    assert.equal(sum((s) => s.bytesReceived), cumulative.bytesReceived, `${phase}: bytes`);
    for (const k of ERROR_KINDS) assert.equal(sum((s) => s.errorsByKind[k]), cumulative.errorsByKind[k], `${phase}: errors.${k}`);
    const codes: Record<string, number> = {};
    for (const d of deltas) for (const [c, n] of Object.entries(d.statusCodes)) codes[c] = (codes[c] ?? 0) + n;
    assert.deepEqual(codes, cumulative.statusCodes, `${phase}: status codes`);
    assert.equal(Math.max(0, ...deltas.map((d) => d.inFlightPeak)), cumulative.inFlightPeak, `${phase}: in-flight peak`);
    assert.equal(cumulative.sent, cumulative.requests, `${phase}: every sent request ended`);
    assert.equal(cumulative.requests, sumStatus(cumulative) + errorTotal(cumulative.errorsByKind), `${phase}: ended = responses + errors`);
    for (const field of ['latencyHist', 'serviceHist'] as const) {
      const merged = newHistogram();
      for (const d of deltas) addHistogram(merged, decodeSparse(d[field]));
      const whole = decodeHistogram(cumulative[field]);
      assert.equal(merged.totalCount, sumStatus(cumulative), `${phase}: ${field} holds one value per response`);
      assert.equal(merged.totalCount, whole.totalCount, `${phase}: ${field} count`);
      for (const p of [0, 50, 90, 99, 99.9, 100]) {
        assert.equal(merged.getValueAtPercentile(p), whole.getValueAtPercentile(p), `${phase}: ${field} p${p}`);
      }
      merged.destroy();
      whole.destroy();
    }
  }
}

export function p(encoded: string, percentile: number): number {
  const h = decodeHistogram(encoded);
  const v = h.getValueAtPercentile(percentile) / 1000;
  h.destroy();
  return v;
}

/** The URL the engine tests load: a path and a query on `target` (test/helpers/target.ts). */
export const helloUrl = (target: { origin: string }): string => `${target.origin}/hello?x=1`;
