// The dashboard's final state: once the report is in, the run's clock and per-name totals are the
// report's, after live changes and a stop, whatever the last status or tick said. Driven by hand with a
// manual clock (coordinator ms).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IntervalFigures, RequestLiveSet } from '../../../../../coordinator/merge/aggregator.js';
import type { LatencyMs } from '../../../../../common/metrics/histogram.js';
import type { FleetStatus } from '../../../../../coordinator/coordinator.js';
import type { Report } from '../../../../../coordinator/report/report.js';
import type { RunStatus } from '../../../../../coordinator/run/test-run.js';
import { DashboardState } from '../../../../../coordinator/outputs/dashboard/state.js';
import type { Cursor } from '../../../../../coordinator/outputs/dashboard/state.js';
import { ManualClock } from '../../../../helpers/manual-clock.js';
import { scenario } from '../../../../helpers/local-run.js';

const lat = (p50: number, p99: number): LatencyMs => ({ count: 100, min: 0.1, mean: p50, p50, p90: p50 * 2, p95: p99 / 2, p99, p999: p99 * 2, max: p99 * 3 });

function fig(index: number): IntervalFigures {
  return {
    index, agents: 2, requests: 100, sent: 100, dropped: 0, errorsByKind: { refused: 0, reset: 0, timeout: 0, certificate: 0, dns: 0, other: 0 }, errors: 0,
    statusCodes: { '200': 100 }, failed: 0, failedByStatus: {}, bytesReceived: 0, rps: 100, coveredMs: 1000, targetRps: 100, concurrency: 0,
    latencyMs: lat(1, 4), serviceMs: lat(1, 3), inFlightPeak: 3, eventLoopDelayP99MsMax: 1, scheduleLagP99MsMax: 0.5,
  };
}

const soFar = (login: number, items: number): RequestLiveSet => ({
  names: 2,
  rows: [
    { name: 'items', requests: items, rps: 50, errors: 0, failed: 0, checksPassed: items, checksFailed: 0, p50Ms: 1, p95Ms: 2, p99Ms: 3 },
    { name: 'login', requests: login, rps: 50, errors: 0, failed: 0, checksPassed: login, checksFailed: 0, p50Ms: 1, p95Ms: 2, p99Ms: 3 },
  ],
});

const named = (requests: number, rps: number): NonNullable<Report['requests']>[string] => ({
  requests, rps, errors: 0, errorsByKind: { refused: 0, reset: 0, timeout: 0, certificate: 0, dns: 0, other: 0 }, statusCodes: { '200': requests }, failed: 0, failedByStatus: {},
  checks: { passed: requests, failed: 0, rate: 1, failures: {} }, extractFailed: 0, renderFailed: 0, bodyTruncated: 0, latencyMs: lat(1.5, 6),
});

// The state reads the scenario's name, target and schedule only: the per-name figures come from ticks and the report.
const S = scenario({ name: 'final', request: { url: 'http://127.0.0.1:1/' }, load: { model: 'open', rate: 100, duration: '60s' } });

test('DashboardState: after live changes and a stop, the final elapsed and per-name totals are the report\'s', () => {
  const clock = new ManualClock();
  const st = new DashboardState(1_000);
  const cursor: Cursor = { generation: -1, points: 0, events: 0 };
  const runStatus = (state: RunStatus['state']): FleetStatus => ({
    agents: [],
    run: { runId: 'r1', state, elapsedMs: clock.nowMs(), totalMs: 60_000, targetRps: 150, concurrency: 0, onAgentLoss: 'rebalance', live: null, agents: [] },
  });
  st.runStarted('r1', S, clock.nowMs());
  clock.advance(5_000);
  st.tick('r1', { phase: 'main', elapsedMs: 5_000, totalMs: 60_000, agents: 2, figures: fig(4), requests: { interval: null, soFar: soFar(250, 250) } });
  // The last status a watching page got was at 0:05; then the rate changed twice and the run was stopped at 21.9 s.
  assert.equal(st.update(cursor, runStatus('running'), clock.nowMs()).run?.elapsedMs, 5_000);
  clock.advance(3_000);
  st.rateChanged('r1', { rateRps: 200, rampMs: 0, source: 'dashboard' }, clock.nowMs());
  clock.advance(6_000);
  st.rateChanged('r1', { rateRps: 150, rampMs: 2_000, source: 'terminal' }, clock.nowMs());
  clock.advance(7_900);
  // The last tick's totals lack the last interval and the agents' final figures (100 requests here).
  st.tick('r1', { phase: 'main', elapsedMs: 21_000, totalMs: 60_000, agents: 2, figures: fig(20), requests: { interval: null, soFar: soFar(1_550, 1_550) } });
  const report = {
    runId: 'r1', verdict: 'pass', durationMs: 21_900, summary: { requests: 3_200, targetRps: 150, concurrency: null },
    requests: { login: named(1_600, 73.1), items: named(1_600, 73.1) },
  } as unknown as Report;
  st.runEnded(report, clock.nowMs());
  // The page's next update, with the coordinator's status still naming the finished run a moment later.
  clock.advance(500);
  const u = st.update(cursor, runStatus('finished'), clock.nowMs());
  assert.deepEqual([u.run?.state, u.run?.verdict, u.run?.elapsedMs], ['finished', 'pass', 21_900], 'the final clock is the run\'s whole length');
  assert.deepEqual(u.requests?.soFar.rows.map((r) => [r.name, r.requests, r.rps]), [['items', 1_600, 73.1], ['login', 1_600, 73.1]], 'per-name totals equal the report');
  assert.equal(u.requests?.interval, null, 'no interval figures once finished');
  // A page opened later sees the same.
  const late = st.update({ generation: -1, points: 0, events: 0 }, { agents: [], run: null }, clock.nowMs() + 60_000);
  assert.deepEqual([late.run?.elapsedMs, late.requests?.soFar.rows.reduce((n, r) => n + r.requests, 0)], [21_900, 3_200]);
});

test('DashboardState: a point carries the interval\'s failed requests and flow runs per second; a flow run says its rates have their own units', () => {
  const st = new DashboardState(1_000);
  const cursor: Cursor = { generation: -1, points: 0, events: 0 };
  const flows = scenario({
    name: 'flows', request: { url: 'http://127.0.0.1:1/' }, load: { model: 'open', rate: 10, duration: '10s' },
    program: { requests: { a: { url: 'http://127.0.0.1:1/a', method: 'GET', headers: {}, timeoutMs: 1000, checks: [] } }, flows: [{ name: 'a', weight: 1, steps: [{ request: 'a', extract: {}, checks: [], thinkMs: 0 }] }], variables: {}, data: {}, origins: ['http://127.0.0.1:1'] },
  });
  st.runStarted('r1', flows, 0);
  st.tick('r1', { phase: 'main', elapsedMs: 1_000, totalMs: 10_000, agents: 1, figures: { ...fig(0), failed: 7, failedByStatus: { '500': 7 }, flowRuns: 10, flowRps: 10 } });
  const status: FleetStatus = { agents: [], run: { runId: 'r1', state: 'running', elapsedMs: 1_000, totalMs: 10_000, targetRps: 10, concurrency: 0, onAgentLoss: 'rebalance', live: null, agents: [] } };
  const u = st.update(cursor, status, 1_000);
  assert.equal(u.points[0]?.failed, 7);
  assert.equal(u.points[0]?.flowRps, 10);
  assert.equal(u.run?.flows, true);
});
