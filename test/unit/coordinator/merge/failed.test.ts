// Failed requests (responses whose status was not expected): merged exactly like status codes, per
// phase, interval, agent, request name and scenario, repaired at Done, and read by error_rate thresholds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Aggregator } from '../../../../coordinator/merge/aggregator.js';
import { checkThresholds } from '../../../../coordinator/report/threshold-check.js';
import { encodeHistogram, newHistogram, recordMs } from '../../../../common/metrics/histogram.js';
import { emptyRequestFigures, emptyStats } from '../../../../common/metrics/stats.js';
import type { RequestFigures, Stats } from '../../../../common/metrics/stats.js';
import { parseThresholdExpr } from '../../../../common/metrics/thresholds.js';
import type { Threshold } from '../../../../common/metrics/thresholds.js';

function hist(n: number): string {
  const h = newHistogram();
  for (let i = 0; i < n; i++) recordMs(h, 5);
  const e = encodeHistogram(h);
  h.destroy();
  return e;
}

/** `ok` 200s and `bad` 500s (failed), under request name `api` and scenario `web`. */
function stats(ok: number, bad: number): Stats {
  const n = ok + bad;
  const statusCodes: Record<string, number> = {};
  if (ok > 0) statusCodes[200] = ok;
  const failedByStatus: Record<string, number> = {};
  if (bad > 0) statusCodes[500] = failedByStatus[500] = bad;
  const name: RequestFigures = { ...emptyRequestFigures(), requests: n, statusCodes, failedByStatus, latencyHist: hist(n) };
  return {
    ...emptyStats(), requests: n, sent: n, statusCodes, failedByStatus, latencyHist: hist(n), serviceHist: hist(n),
    requestNames: { byRequestName: { api: name }, byScenario: { web: { ...name, iterations: n, noData: 0 } }, iterations: n, noData: 0 },
  };
}

const threshold = (src: string): Threshold => ({ ...parseThresholdExpr(src), source: src, request: undefined, abortOnFail: false, delayAbortEvalMs: 0 });

test('failed requests merge once per seq into every view, and error_rate / http_req_failed count them with transport errors', () => {
  const agg = new Aggregator({ intervalMs: 1000 });
  const snap = (agentId: string, seq: number, s: Stats) => agg.addSnapshot({ agentId, seq, phase: 'main', intervalIndex: 0, intervalMs: 1000, stats: s, rateRps: 0, concurrency: 0 });
  assert.equal(snap('a', 1, stats(9, 1)), 'merged');
  assert.equal(snap('a', 1, stats(9, 1)), 'duplicate');
  assert.equal(snap('b', 1, stats(18, 2)), 'merged');
  const t = agg.totals('main');
  assert.deepEqual(t.failedByStatus, { 500: 3 });
  assert.equal(t.failed, 3);
  assert.equal(t.errors, 0);
  assert.deepEqual(t.statusCodes, { 200: 27, 500: 3 });
  assert.equal(t.byRequestName.api?.failed, 3);
  assert.deepEqual(t.byRequestName.api?.failedByStatus, { 500: 3 });
  assert.equal(t.byScenario.web?.failed, 3);
  assert.equal(agg.intervals('main')[0]?.failed, 3);
  // Flow runs per interval, beside the requests: 10 + 20 started in interval 0 of 1 s.
  assert.deepEqual([agg.intervals('main')[0]?.flowRuns, agg.intervals('main')[0]?.flowRps], [30, 30]);
  assert.deepEqual(agg.perAgent().map((a) => [a.agentId, a.failed]), [['a', 1], ['b', 2]]);
  // 3 failed of 30: 10 %
  const v = checkThresholds([threshold('error_rate < 1%'), threshold('http_req_failed < 11%'), threshold('http_req_failed < 10%')], t, 1000, false);
  assert.deepEqual(v.results.map((r) => [r.status, r.observedText]), [['fail', '10%'], ['pass', '10%'], ['fail', '10%']]);
  agg.destroy();
});

test('a lost delta\'s failed requests are repaired from Done like status codes', () => {
  const agg = new Aggregator({ intervalMs: 1000 });
  agg.addSnapshot({ agentId: 'a', seq: 1, phase: 'main', intervalIndex: 0, intervalMs: 1000, stats: stats(9, 1), rateRps: 0, concurrency: 0 });
  // seq 2 (10 more requests, 4 of them failed) never arrives; Done holds the whole phase.
  const r = agg.addDone({ agentId: 'a', lastSeq: 2, durationMs: 2000, main: stats(14, 5), warmup: emptyStats() });
  assert.equal(r.reconciled, false);
  assert.match(r.detail ?? '', /1 of 2 snapshot\(s\) missing/);
  assert.equal(agg.perAgent()[0]?.reconciliation, 'repaired');
  const t = agg.totals('main');
  assert.deepEqual(t.failedByStatus, { 500: 5 });
  assert.equal(t.byRequestName.api?.failed, 5);
  agg.destroy();
});

test('a failed count beyond its status\'s responses is refused, naming the field', () => {
  const agg = new Aggregator({ intervalMs: 1000 });
  const s = { ...stats(10, 0), failedByStatus: { 500: 1 } };
  assert.throws(
    () => agg.addSnapshot({ agentId: 'a', seq: 1, phase: 'main', intervalIndex: 0, intervalMs: 1000, stats: s, rateRps: 0, concurrency: 0 }),
    /1 failed request\(s\) with status 500 but 0 response\(s\) with it/,
  );
  agg.destroy();
});
