// Per-request figures while a run is live: the aggregator's interval and so-far rows (percentiles from
// merged histograms, equal to one histogram fed every value), the TTY block (busiest names plus "N more"),
// the dashboard's table and chart points, and the bounded Prometheus labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Aggregator } from '../../../../coordinator/merge/aggregator.js';
import type { IntervalFigures, RequestLiveSet } from '../../../../coordinator/merge/aggregator.js';
import { KEPT_INTERVALS } from '../../../../coordinator/merge/requests.js';
import { RequestRecorder } from '../../../../agent/engine/request-recorder.js';
import { latencyMs, newHistogram, recordMs } from '../../../../common/metrics/histogram.js';
import type { RequestNameFigures } from '../../../../common/metrics/stats.js';
import { emptyStats } from '../../../../common/metrics/stats.js';
import { formatLiveView, requestRows, TTY_REQUEST_ROWS } from '../../../../coordinator/outputs/tty-view.js';
import { DashboardState } from '../../../../coordinator/outputs/dashboard/state.js';
import type { Cursor } from '../../../../coordinator/outputs/dashboard/state.js';
import { FleetMetrics, OTHER_REQUEST, PROM_REQUEST_NAMES, boundRequests } from '../../../../coordinator/outputs/prometheus.js';
import type { MetricsSource } from '../../../../coordinator/outputs/prometheus.js';
import type { RunObserver } from '../../../../coordinator/coordinator.js';
import type { Report } from '../../../../coordinator/report/report.js';
import { scenario } from '../../../helpers/local-run.js';
import { prng } from '../../../helpers/prng.js';

/** A delta of `values` (ms) per name; every 10th request of `failing` fails its check. */
function delta(values: Record<string, number[]>, failing = ''): RequestNameFigures {
  const rec = new RequestRecorder();
  for (const [name, vs] of Object.entries(values)) {
    vs.forEach((v, i) => rec.onEnd(name, { outcome: 200, failed: false, latencyMs: v, checksPassed: name === failing && i % 10 === 0 ? 0 : 1, failedChecks: name === failing && i % 10 === 0 ? ['ok'] : [], extractFailed: 0, bodyTruncated: false }));
  }
  const d = rec.takeDelta();
  rec.destroy();
  return d;
}

function snap(agg: Aggregator, agentId: string, seq: number, index: number, requestNames: RequestNameFigures): void {
  agg.addSnapshot({ agentId, seq, phase: 'main', intervalIndex: index, intervalMs: 1000, stats: { ...emptyStats(), requestNames }, rateRps: 0, concurrency: 0 });
}

const pick = (s: RequestLiveSet | undefined, name: string) => s?.rows.find((r) => r.name === name);

test('live per-request rows: interval and so-far percentiles equal one histogram of every value; rates, checks, busiest first', () => {
  const agg = new Aggregator({ intervalMs: 1000 });
  const r = prng(3);
  const vals = (n: number, scale: number): number[] => Array.from({ length: n }, () => 1 + r() * r() * scale);
  const a0 = { login: vals(30, 50), list: vals(200, 10) };
  const b0 = { login: vals(10, 400), list: vals(100, 10) };
  const a1 = { list: vals(50, 10) };
  snap(agg, 'a', 1, 0, delta(a0, 'list'));
  snap(agg, 'b', 1, 0, delta(b0));
  snap(agg, 'a', 2, 1, delta(a1));

  const truth = (...sets: number[][]) => {
    const h = newHistogram();
    for (const v of sets.flat()) recordMs(h, v);
    const l = latencyMs(h);
    h.destroy();
    return { p50Ms: l.p50, p95Ms: l.p95, p99Ms: l.p99 };
  };
  const live0 = agg.liveRequests('main', 0, 10);
  assert.deepEqual(live0.interval?.rows.map((x) => x.name), ['list', 'login'], 'busiest first');
  const login0 = pick(live0.interval, 'login');
  assert.deepEqual({ p50Ms: login0?.p50Ms, p95Ms: login0?.p95Ms, p99Ms: login0?.p99Ms }, truth(a0.login, b0.login));
  assert.equal(login0?.requests, 40);
  assert.equal(login0?.rps, 40);
  const list0 = pick(live0.interval, 'list');
  assert.deepEqual([list0?.checksPassed, list0?.checksFailed], [280, 20]);

  const live1 = agg.liveRequests('main', 1, 10);
  assert.deepEqual(live1.interval?.rows.map((x) => [x.name, x.requests]), [['list', 50]], 'interval 1 has only what was sent in it');
  const listSoFar = pick(live1.soFar, 'list');
  assert.equal(listSoFar?.requests, 350);
  assert.equal(listSoFar?.rps, 175, '350 requests over intervals 0..1');
  const soFarLat = { p50Ms: listSoFar?.p50Ms, p95Ms: listSoFar?.p95Ms, p99Ms: listSoFar?.p99Ms };
  assert.deepEqual(soFarLat, truth(a0.list, b0.list, a1.list));

  const top1 = agg.liveRequests('main', 0, 1);
  assert.deepEqual([top1.soFar.rows.length, top1.soFar.names], [1, 2], 'limited rows, all names counted');
  assert.equal(agg.liveRequests('main', 7, 10).interval, undefined, 'nothing reported in interval 7');

  // Old intervals are not kept; their figures stay in the totals.
  snap(agg, 'a', 3, KEPT_INTERVALS + 5, delta({ list: [1] }));
  assert.equal(agg.liveRequests('main', 0, 10).interval, undefined);
  snap(agg, 'b', 2, 1, delta({ list: [1, 2] })); // late, for an interval no longer kept
  assert.equal(agg.totals('main').byRequestName.list?.requests, 353);
  agg.destroy();
});

const set = (rows: [string, number][]): RequestLiveSet => ({
  rows: rows.map(([name, requests]) => ({ name, requests, rps: requests, errors: 0, failed: 0, checksPassed: requests, checksFailed: 0, p50Ms: 1, p95Ms: 2, p99Ms: 3 })), names: rows.length,
});

test('TTY block: the busiest names so far with this interval\'s figures, and a count of the rest', () => {
  const soFar = set(Array.from({ length: 12 }, (_, i) => [`req-${i}`, 1000 - i] as [string, number]));
  const lines = requestRows({ interval: set([['req-0', 10]]), soFar }, 3);
  assert.equal(lines.length, 1 + 3 + 1);
  assert.match(lines[0] ?? '', /^request\s+req\/s\s+p50\s+p95\s+p99\s+err\s+fail\s+chk fail\s+\| total\s+p99\s+checks ok$/);
  assert.match(lines[1] ?? '', /^req-0\s+10\s+1\.00ms\s+2\.00ms\s+3\.00ms\s+0\s+0\s+0\s+\| 1,000\s+3\.00ms\s+100\.0%$/);
  assert.match(lines[2] ?? '', /^req-1\s+-\s+-/, 'a name with nothing this interval');
  assert.equal(lines[4], '+ 9 more request name(s) (the busiest 3 are shown; report.json has all)');
  assert.equal(requestRows({ interval: null, soFar: set([['a', 1]]) }, 8).length, 2, 'no "more" line when all fit');
  // In the TTY block, under the run's lines; a single-request tick has none.
  const S = scenario({ request: { url: 'http://127.0.0.1:1/' }, load: { model: 'open', rate: 10, duration: '10s' } });
  const block = formatLiveView({ phase: 'main', elapsedMs: 1000, totalMs: 10_000, agents: 1, figures: fig(0), requests: { interval: null, soFar } }, S).split('\n');
  assert.equal(block.length, 5 + 1 + TTY_REQUEST_ROWS + 1);
  assert.match(block[5] ?? '', /^request\s+req\/s/);
  assert.equal(formatLiveView({ phase: 'main', elapsedMs: 1000, totalMs: 10_000, agents: 1, figures: fig(0) }, S).split('\n').length, 5);
});

function fig(index: number): IntervalFigures {
  const l = { count: 1, min: 1, mean: 1, p50: 1, p90: 1, p95: 1, p99: 1, p999: 1, max: 1 };
  return {
    index, agents: 1, requests: 1, sent: 1, dropped: 0, errorsByKind: { refused: 0, reset: 0, timeout: 0, certificate: 0, dns: 0, other: 0 }, errors: 0, statusCodes: {}, failed: 0, failedByStatus: {}, bytesReceived: 0,
    rps: 1, coveredMs: 1000, targetRps: 1, concurrency: 0, latencyMs: l, serviceMs: l, inFlightPeak: 1, eventLoopDelayP99MsMax: 0, scheduleLagP99MsMax: 0,
  };
}

test('DashboardState: the newest tick\'s per-request table, and the interval\'s busiest names on each chart point', () => {
  const st = new DashboardState(1000);
  const cursor: Cursor = { generation: -1, points: 0, events: 0 };
  const S = scenario({ request: { url: 'http://127.0.0.1:1/' }, load: { model: 'open', rate: 10, duration: '10s' } });
  st.runStarted('r', S, 0);
  st.tick('r', { phase: 'main', elapsedMs: 1000, totalMs: 10_000, agents: 1, figures: fig(0) });
  const many = set(Array.from({ length: 14 }, (_, i) => [`n${i}`, 100 - i] as [string, number]));
  const requests = { interval: many, soFar: set([['n0', 500]]) };
  st.tick('r', { phase: 'main', elapsedMs: 2000, totalMs: 10_000, agents: 1, figures: fig(1), requests });
  const u = st.update(cursor, { agents: [], run: null }, 2000);
  assert.deepEqual(u.requests, requests);
  assert.equal(u.points[0]?.byRequest, undefined, 'a single-request tick has none');
  assert.equal(Object.keys(u.points[1]?.byRequest ?? {}).length, 10, 'capped per point');
  assert.deepEqual(u.points[1]?.byRequest?.n0, { rps: 100, p50: 1, p95: 2, p99: 3 });
});

test('Prometheus: per-request gauges with a bounded request label (the rest as (other)), from the last report', async () => {
  const rows = Array.from({ length: PROM_REQUEST_NAMES + 3 }, (_, i) => ({ name: `r${String(i).padStart(3, '0')}`, requests: 1000 - i, errors: 1, failedRequests: 4, passed: 2, failed: 1, latency: { count: 1, min: 1, mean: 1, p50: 5, p90: 6, p95: 7, p99: 8, p999: 9, max: 10 } }));
  const bounded = boundRequests(rows, PROM_REQUEST_NAMES);
  assert.equal(bounded.rows.length, PROM_REQUEST_NAMES);
  assert.deepEqual(bounded.other && [bounded.other.name, bounded.other.requests, bounded.other.errors], [OTHER_REQUEST, (1000 - 50) + (1000 - 51) + (1000 - 52), 3]);

  let observer: RunObserver | undefined;
  const source: MetricsSource = { status: () => ({ agents: [], run: null }), liveTotals: () => null, observe: (o) => { observer = o; return () => {}; } };
  const metrics = new FleetMetrics(source);
  const requests = Object.fromEntries(rows.map((r) => [r.name, { requests: r.requests, errors: r.errors, failed: r.failedRequests, checks: { passed: r.passed, failed: r.failed, rate: 2 / 3, failures: {} }, latencyMs: r.latency }]));
  const summary = { requests: 1, sent: 1, dropped: 0, bytesReceived: 0, errorsByKind: { refused: 0, reset: 0, timeout: 0, certificate: 0, dns: 0, other: 0 }, statusCodes: { 200: 1, 503: 2 }, failedByStatus: { 503: 2 }, latencyMs: rows[0]?.latency, serviceMs: rows[0]?.latency };
  observer?.onRunEnd?.({ runId: 'x', name: 'n', model: 'open', verdict: 'pass', summary, warmup: null, requests } as unknown as Report);
  (metrics as unknown as { refresh(): void }).refresh();
  const text = await metrics.registry.metrics();
  assert.match(text, /^loadfleet_request_requests\{request="r000"\} 1000$/m);
  assert.match(text, /^loadfleet_request_checks\{request="r000",result="failed"\} 1$/m);
  assert.match(text, /^loadfleet_request_failed\{request="r000"\} 4$/m);
  assert.match(text, /^# TYPE loadfleet_failed_total counter$/m);
  assert.match(text, /^loadfleet_failed_total\{phase="main",status="503"\} 2$/m);
  assert.match(text, /^loadfleet_request_latency_seconds\{request="r000",quantile="0\.99"\} 0\.008$/m);
  assert.match(text, new RegExp(`^loadfleet_request_requests\\{request="${OTHER_REQUEST.replace(/[()]/g, '\\$&')}"\\} ${950 + 949 + 948}$`, 'm'));
  assert.equal([...text.matchAll(/^loadfleet_request_requests\{/gm)].length, PROM_REQUEST_NAMES + 1, 'bounded label values');
  assert.doesNotMatch(text, /loadfleet_request_latency_seconds\{request="\(other\)"/);
  metrics.close();
});
