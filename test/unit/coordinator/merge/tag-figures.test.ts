// Per-tag figures from the merged per-name figures: counters add, percentiles come from the merged
// histograms of the names carrying the tag (never averaged), names without figures or tags count nowhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Aggregator } from '../../../../coordinator/merge/aggregator.js';
import { sumRequestTotals, tagTotals } from '../../../../coordinator/merge/tag-figures.js';
import { decodeHistogram } from '../../../../common/metrics/histogram.js';
import { emptyRequestFigures, emptyStats } from '../../../../common/metrics/stats.js';
import type { RequestNameFigures, Stats } from '../../../../common/metrics/stats.js';
import { hist } from '../../../helpers/histograms.js';

const named = (n: number, latencyMs: number, errors = 0): RequestNameFigures['byRequestName'][string] => ({
  ...emptyRequestFigures(), requests: n + errors, statusCodes: { 200: n }, errorsByKind: { ...emptyRequestFigures().errorsByKind, refused: errors },
  checksPassed: n, latencyHist: hist(...Array(n).fill(latencyMs)),
});

function stats(requestNames: RequestNameFigures): Stats {
  const requests = Object.values(requestNames.byRequestName).reduce((s, r) => s + r.requests, 0);
  return { ...emptyStats(), requests, sent: requests, latencyHist: hist(...Array(requests).fill(5)), serviceHist: hist(...Array(requests).fill(5)), requestNames };
}

/** The merged per-name totals of two agents' snapshots. */
function mergedNames(): ReturnType<Aggregator['totals']>['byRequestName'] {
  const agg = new Aggregator({ intervalMs: 1000 });
  const snap = (agentId: string, byRequestName: RequestNameFigures['byRequestName']) =>
    agg.addSnapshot({ agentId, seq: 1, phase: 'main', intervalIndex: 0, intervalMs: 1000, stats: stats({ byRequestName, iterations: 0, noData: 0 }), rateRps: 0, concurrency: 0 });
  // login: 90 fast (1 ms) on a; search: 10 slow (100 ms) on b, 2 refused; health: untagged.
  snap('a', { login: named(90, 1), health: named(5, 2) });
  snap('b', { search: named(10, 100, 2) });
  const t = agg.totals('main').byRequestName;
  agg.destroy();
  return t;
}

test('tagTotals: per key and value, the names carrying it, merged exactly', () => {
  const byName = mergedNames();
  const tags = { login: { endpoint: 'login', tier: 'api' }, search: { endpoint: 'search', tier: 'api' }, ghost: { endpoint: 'ghost' } };
  const t = tagTotals(byName, tags);
  assert.deepEqual(Object.keys(t), ['endpoint', 'tier']);
  assert.deepEqual(Object.keys(t.endpoint ?? {}), ['login', 'search'], 'a name that never ran gives no value');
  const api = t.tier?.api;
  assert.ok(api !== undefined);
  assert.equal(api.requests, 102);
  assert.equal(api.errors, 2);
  assert.equal(api.errorsByKind.refused, 2);
  assert.deepEqual(api.statusCodes, { 200: 100 });
  assert.equal(api.checks.passed, 100);
  // Merged, not averaged: p50 is login's 1 ms, p95 and p99 search's 100 ms (10 of 100 timed values).
  assert.ok(Math.abs(api.latencyMs.p50 - 1) < 0.01, `p50 ${api.latencyMs.p50}`);
  assert.ok(Math.abs(api.latencyMs.p95 - 100) < 0.1, `p95 ${api.latencyMs.p95}`);
  assert.equal(api.latencyMs.count, 100);
  const h = decodeHistogram(api.latencyHist);
  assert.equal(h.totalCount, 100, 'the encoded histogram is the merge');
  h.destroy();
  assert.equal(t.endpoint?.login?.requests, 90);
  assert.ok(Math.abs((t.endpoint?.search?.latencyMs.p50 ?? 0) - 100) < 0.1);
});

test('sumRequestTotals: a single name gives its own figures back', () => {
  const byName = mergedNames();
  const login = byName.login;
  assert.ok(login !== undefined);
  assert.deepEqual(sumRequestTotals([login]), login);
});
