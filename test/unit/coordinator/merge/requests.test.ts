// Per-request-name figures: merged once per (agent, seq) like the global ones; thresholds read them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Aggregator } from '../../../../coordinator/merge/aggregator.js';
import { checkThresholds } from '../../../../coordinator/report/threshold-check.js';
import { emptyRequestFigures, requestNamesFromWire, requestNamesToWire } from '../../../../common/metrics/stats.js';
import type { RequestNameFigures } from '../../../../common/metrics/stats.js';
import { emptyStats } from '../../../../common/metrics/stats.js';
import type { Stats } from '../../../../common/metrics/stats.js';
import { parseThresholdExpr } from '../../../../common/metrics/thresholds.js';
import type { Threshold } from '../../../../common/metrics/thresholds.js';
import { hist } from '../../../helpers/histograms.js';

function stats(requestNames: RequestNameFigures): Stats {
  const requests = Object.values(requestNames.byRequestName).reduce((s, r) => s + r.requests, 0);
  return { ...emptyStats(), requests, sent: requests, statusCodes: { 200: requests }, latencyHist: hist(...Array(requests).fill(5)), serviceHist: hist(...Array(requests).fill(5)), requestNames };
}

const login = (n: number, latencyMs: number, failed = 0): RequestNameFigures["byRequestName"][string] => ({
  ...emptyRequestFigures(), requests: n, statusCodes: { 200: n }, checksPassed: n - failed, checksFailed: failed,
  checkFailures: failed > 0 ? { 'status == 200': failed } : {}, latencyHist: hist(...Array(n).fill(latencyMs)),
});

function threshold(src: string, request?: string): Threshold {
  return { ...parseThresholdExpr(src), source: src, request, abortOnFail: false, delayAbortEvalMs: 0 };
}

test('per-request figures merge once per seq and feed request-scoped and checks thresholds', () => {
  const agg = new Aggregator({ intervalMs: 1000 });
  const snap = (agentId: string, seq: number, requestNames: RequestNameFigures) => agg.addSnapshot({ agentId, seq, phase: 'main', intervalIndex: 0, intervalMs: 1000, stats: stats(requestNames), rateRps: 0, concurrency: 0 });
  assert.equal(snap('a', 1, { byRequestName: { login: login(4, 10, 1) }, iterations: 4, noData: 0 }), 'merged');
  assert.equal(snap('a', 1, { byRequestName: { login: login(4, 10, 1) }, iterations: 4, noData: 0 }), 'duplicate'); // a resend: ignored
  assert.equal(snap('b', 1, { byRequestName: { login: login(6, 30), items: login(2, 1) }, iterations: 7, noData: 1 }), 'merged');
  const t = agg.totals('main');
  assert.equal(t.byRequestName.login?.requests, 10);
  assert.deepEqual(t.byRequestName.login?.checks, { passed: 9, failed: 1, failures: { 'status == 200': 1 } });
  assert.equal(t.byRequestName.items?.requests, 2);
  assert.deepEqual(t.flows, { iterations: 11, noData: 1 });
  assert.ok(Math.abs((t.byRequestName.login?.latencyMs.max ?? 0) - 30) < 0.1); // HDR: 3 significant digits

  const v = checkThresholds([
    threshold('p99 < 20ms', 'login'), // 30 ms from agent b: fails
    threshold('p99 < 20ms', 'items'), // 1 ms: passes
    threshold('checks > 95%'), // 11 of 12 = 91.7 %: fails
    threshold('p50 < 1ms', 'nope'), // unknown name: no data
  ], t, 1000, false);
  assert.deepEqual(v.results.map((r) => r.status), ['fail', 'pass', 'fail', 'no-data']);
  assert.equal(v.results[2]?.observedText, '91.667%');
  agg.destroy();
});

test('per-scenario figures merge once per seq, with their own histogram and flow runs; the wire form validates them', () => {
  const agg = new Aggregator({ intervalMs: 1000 });
  const snap = (agentId: string, seq: number, requestNames: RequestNameFigures) => agg.addSnapshot({ agentId, seq, phase: 'main', intervalIndex: 0, intervalMs: 1000, stats: stats(requestNames), rateRps: 0, concurrency: 0 });
  const scen = (n: number, latencyMs: number, iterations: number, noData = 0) => ({ ...login(n, latencyMs), iterations, noData });
  assert.equal(snap('a', 1, { byRequestName: { a: login(4, 10), b: login(2, 50) }, byScenario: { web: scen(4, 10, 4), loops: scen(2, 50, 2) }, iterations: 6, noData: 0 }), 'merged');
  assert.equal(snap('a', 1, { byRequestName: { a: login(4, 10), b: login(2, 50) }, byScenario: { web: scen(4, 10, 4), loops: scen(2, 50, 2) }, iterations: 6, noData: 0 }), 'duplicate');
  assert.equal(snap('b', 1, { byRequestName: { a: login(3, 20) }, byScenario: { web: scen(3, 20, 5, 2) }, iterations: 5, noData: 2 }), 'merged');
  const t = agg.totals('main');
  assert.deepEqual(Object.keys(t.byScenario).sort(), ['loops', 'web']);
  assert.equal(t.byScenario.web?.requests, 7);
  assert.equal(t.byScenario.web?.iterations, 9);
  assert.equal(t.byScenario.web?.noData, 2);
  assert.equal(t.byScenario.loops?.requests, 2);
  assert.ok(Math.abs((t.byScenario.web?.latencyMs.max ?? 0) - 20) < 0.1, 'web: its own histogram (max 20 ms)');
  assert.ok(Math.abs((t.byScenario.loops?.latencyMs.min ?? 0) - 50) < 0.1, 'loops: its own histogram (min 50 ms)');
  agg.destroy();
  // The wire: byScenario is optional, and validated when present.
  assert.equal(requestNamesFromWire({ byRequest: {}, iterations: 0, noData: 0 }).byScenario, undefined);
  const wire = requestNamesToWire({ byRequestName: {}, byScenario: { web: { ...emptyRequestFigures(), iterations: -1, noData: 0 } }, iterations: 0, noData: 0 });
  assert.throws(() => requestNamesFromWire(JSON.parse(JSON.stringify(wire))), /byScenario\.web\.iterations/);
});
