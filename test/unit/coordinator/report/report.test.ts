import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport } from '../../../../coordinator/report/report.js';
import type { ReportInput } from '../../../../coordinator/report/report.js';
import { Aggregator } from '../../../../coordinator/merge/aggregator.js';
import { decodeHistogram, encodeHistogram, latencyMs, newHistogram } from '../../../../common/metrics/histogram.js';
import { emptyStats } from '../../../../common/metrics/stats.js';
import type { Phase, Stats } from '../../../../common/metrics/stats.js';
import { validateScenario } from '../../../../common/scenario/scenario.js';
import type { Scenario, ScenarioInput } from '../../../../common/scenario/scenario.js';

// ---------- buildReport ----------

function scenario(extra: Partial<ScenarioInput> = {}): Scenario {
  const r = validateScenario({
    name: 'checkout',
    request: { url: 'http://target.test/buy', method: 'POST', headers: { authorization: 'Bearer secret' } },
    load: { model: 'open', rate: 100, duration: '3s' },
    ...extra,
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.scenario;
}

function stats(latenciesUs: number[], extra: Partial<Stats> = {}): Stats {
  const h = newHistogram();
  for (const v of latenciesUs) h.recordValue(v);
  const s: Stats = { ...emptyStats(), latencyHist: encodeHistogram(h), serviceHist: encodeHistogram(h), requests: latenciesUs.length, sent: latenciesUs.length, statusCodes: { '200': latenciesUs.length }, ...extra };
  h.destroy();
  return s;
}

/** Two agents, 3 main intervals, optional warm-up interval; every snapshot also sent as cumulative Done. */
function fedAggregator(opts: { dropped?: number; lagMs?: number; warmup?: boolean; done?: boolean } = {}): Aggregator {
  const agg = new Aggregator({ intervalMs: 1000 });
  for (const agentId of ['a1', 'a2']) {
    const all: number[] = [];
    let seq = 0;
    const feed = (phase: Phase, index: number, values: number[], extra: Partial<Stats> = {}): void => {
      agg.addSnapshot({ agentId, seq: ++seq, phase, intervalIndex: index, intervalMs: 1000, stats: stats(values, extra), rateRps: 50, concurrency: 0 });
    };
    if (opts.warmup === true) feed('warmup', 0, [90_000]);
    for (let i = 0; i < 3; i++) {
      const values = Array.from({ length: 50 }, (_, k) => 1000 + k * 100 + i);
      all.push(...values);
      feed('main', i, values, { dropped: i === 1 ? (opts.dropped ?? 0) : 0, scheduleLagP99Ms: opts.lagMs ?? 0.2, eventLoopDelayP99Ms: 2 });
    }
    if (opts.done !== false) {
      agg.addDone({
        agentId, lastSeq: seq, durationMs: 3000,
        main: stats(all, { dropped: opts.dropped ?? 0, scheduleLagP99Ms: opts.lagMs ?? 0.2, eventLoopDelayP99Ms: 2 }),
        warmup: opts.warmup === true ? stats([90_000]) : emptyStats(),
      });
    }
  }
  return agg;
}

function input(agg: Aggregator, extra: Partial<ReportInput> = {}): ReportInput {
  return {
    runId: 'run-7',
    scenario: scenario(),
    startedAtMs: Date.UTC(2025, 0, 2, 3, 4, 5),
    durationMs: 3100,
    aggregator: agg,
    rateChanges: [{ atMs: 1500, rateRps: 200, rampMs: 0, source: 'terminal' }],
    agents: [{ id: 'a1', host: 'h1' }, { id: 'a2', host: 'h2' }],
    failures: [],
    ...extra,
  };
}

test('buildReport: the required fields, from merged figures, JSON round-trippable', () => {
  const agg = fedAggregator();
  const report = buildReport(input(agg));
  const totals = agg.totals('main');
  agg.destroy();

  assert.equal(report.version, 1);
  assert.equal(report.runId, 'run-7');
  assert.equal(report.name, 'checkout');
  assert.equal(report.startedAt, '2025-01-02T03:04:05.000Z');
  assert.equal(report.durationMs, 3100);
  assert.equal(report.model, 'open');
  assert.deepEqual(report.target, { method: 'POST', url: 'http://target.test/buy' });
  assert.equal(JSON.stringify(report).includes('secret'), false, 'request headers never reach the report');

  assert.equal(report.summary.requests, 300);
  assert.equal(report.summary.sent, 300);
  assert.equal(report.summary.errors, 0);
  assert.equal(report.summary.dropped, 0);
  assert.equal(report.summary.durationMs, 3000);
  assert.equal(report.summary.rps, 100);
  // scheduled: 100/s for 1.5 s, then 200/s (the rate change) for 1.5 s
  assert.equal(report.summary.targetRps, 150);
  assert.equal(report.summary.concurrency, null);
  assert.deepEqual(report.summary.statusCodes, { '200': 300 });
  assert.deepEqual(report.summary.errorsByKind, { refused: 0, reset: 0, timeout: 0, certificate: 0, dns: 0, other: 0 });
  for (const k of ['min', 'mean', 'p50', 'p90', 'p95', 'p99', 'p999', 'max'] as const) {
    assert.equal(typeof report.summary.latencyMs[k], 'number', k);
  }
  assert.deepEqual(report.summary.latencyMs, totals.latencyMs);
  // The embedded histogram is the merged one: decoding it gives the summary's percentiles.
  const h = decodeHistogram(report.histograms.latency);
  assert.deepEqual(latencyMs(h), report.summary.latencyMs);
  h.destroy();
  assert.equal(report.histograms.encoding, 'HdrHistogram compressed base64, microseconds');

  assert.equal(report.warmup, null);
  assert.deepEqual(report.series.map((s) => [s.index, s.atMs, s.agents, s.requests, s.rps, s.targetRps]), [
    [0, 0, 2, 100, 100, 100],
    [1, 1000, 2, 100, 100, 100],
    [2, 2000, 2, 100, 100, 100],
  ]);
  assert.deepEqual(report.rateChanges, [{ atMs: 1500, rateRps: 200, rampMs: 0, source: 'terminal' }]);
  assert.deepEqual(report.agents.map((a) => [a.agentId, a.host, a.requests, a.reconciliation]), [['a1', 'h1', 150, 'exact'], ['a2', 'h2', 150, 'exact']]);
  assert.deepEqual(report.reconciliation.map((n) => n.status), ['exact', 'exact']);
  assert.equal(report.health.generatorBound, false);
  assert.equal(report.verdict, 'pass');
  assert.deepEqual(report.verdictReasons, []);
  assert.deepEqual(JSON.parse(JSON.stringify(report)), report);
});

test('buildReport: warm-up is reported apart', () => {
  const agg = fedAggregator({ warmup: true });
  const report = buildReport(input(agg, { scenario: scenario({ warmup: '1s' }) }));
  agg.destroy();
  assert.equal(report.warmup?.requests, 2);
  assert.equal(report.warmup?.durationMs, 1000);
  assert.ok(Math.abs((report.warmup?.latencyMs.p50 ?? 0) - 90) < 0.1);
  assert.equal(report.summary.requests, 300, 'warm-up requests are not in the summary');
  assert.ok(report.summary.latencyMs.max < 90);
});

test('buildReport verdicts: never a clean pass when bound, failed, or unreconciled', () => {
  // dropped arrivals -> generator-bound, with the reason spelled out
  const dropped = fedAggregator({ dropped: 7 });
  const r1 = buildReport(input(dropped));
  dropped.destroy();
  assert.equal(r1.verdict, 'generator-bound');
  assert.equal(r1.summary.dropped, 14);
  assert.match(r1.verdictReasons.join('\n'), /14 arrival\(s\) dropped/);
  assert.equal(r1.health.generatorBound, true);

  // sustained schedule lag -> generator-bound
  const lag = fedAggregator({ lagMs: 20 });
  const r2 = buildReport(input(lag));
  lag.destroy();
  assert.equal(r2.verdict, 'generator-bound');

  // a lost agent -> failed, even if the numbers look fine; health reasons still listed
  const lost = fedAggregator({ lagMs: 20 });
  const r3 = buildReport(input(lost, { failures: ['agent a3 lost: heartbeat missed'] }));
  lost.destroy();
  assert.equal(r3.verdict, 'failed');
  assert.equal(r3.verdictReasons[0], 'agent a3 lost: heartbeat missed');
  assert.ok(r3.verdictReasons.length > 1);

  // nothing measured -> failed
  const empty = new Aggregator({ intervalMs: 1000 });
  const r4 = buildReport(input(empty));
  empty.destroy();
  assert.equal(r4.verdict, 'failed');
  assert.match(r4.verdictReasons.join('\n'), /no request completed/);
  // agents that never reported still get a row
  assert.deepEqual(r4.agents.map((a) => [a.agentId, a.requests, a.reconciliation]), [['a1', 0, 'no-done'], ['a2', 0, 'no-done']]);
  // ... and without Done figures, the main phase length falls back to the run length minus warm-up
  assert.equal(r4.summary.durationMs, 3100);

  // merged deltas that exceed an agent's cumulative figures -> failed
  const over = new Aggregator({ intervalMs: 1000 });
  over.addSnapshot({ agentId: 'a1', seq: 1, phase: 'main', intervalIndex: 0, intervalMs: 1000, stats: stats([1000, 1000]), rateRps: 1, concurrency: 0 });
  over.addDone({ agentId: 'a1', lastSeq: 1, main: stats([1000]), warmup: emptyStats(), durationMs: 1000 });
  const r5 = buildReport(input(over));
  over.destroy();
  assert.equal(r5.verdict, 'failed');
  assert.match(r5.verdictReasons.join('\n'), /agent a1: figures do not reconcile/);
});

test('buildReport: a run where no request got a response is failed, naming the error kinds', () => {
  const agg = new Aggregator({ intervalMs: 1000 });
  const refused = { ...emptyStats(), requests: 40, sent: 40, errorsByKind: { refused: 30, reset: 0, timeout: 10, certificate: 0, dns: 0, other: 0 } };
  agg.addSnapshot({ agentId: 'a1', seq: 1, phase: 'main', intervalIndex: 0, intervalMs: 1000, stats: refused, rateRps: 40, concurrency: 0 });
  agg.addDone({ agentId: 'a1', lastSeq: 1, main: refused, warmup: emptyStats(), durationMs: 1000 });
  const r = buildReport(input(agg, { agents: [{ id: 'a1', host: 'h1' }] }));
  agg.destroy();
  assert.equal(r.verdict, 'failed');
  assert.match(r.verdictReasons.join('\n'), /no request got a response: all 40 failed \(refused 30, timeout 10\)/);
  // One response among the errors is a measurement (the error rate is the finding), not a failed run.
  const some = new Aggregator({ intervalMs: 1000 });
  const mixed = { ...stats([1000]), requests: 41, sent: 41, errorsByKind: refused.errorsByKind };
  some.addSnapshot({ agentId: 'a1', seq: 1, phase: 'main', intervalIndex: 0, intervalMs: 1000, stats: mixed, rateRps: 41, concurrency: 0 });
  some.addDone({ agentId: 'a1', lastSeq: 1, main: mixed, warmup: emptyStats(), durationMs: 1000 });
  const r2 = buildReport(input(some, { agents: [{ id: 'a1', host: 'h1' }] }));
  some.destroy();
  assert.notEqual(r2.verdict, 'failed');
});

test('buildReport: closed model reports mean concurrency, no target rate', () => {
  const agg = new Aggregator({ intervalMs: 1000 });
  agg.addSnapshot({ agentId: 'a1', seq: 1, phase: 'main', intervalIndex: 0, intervalMs: 1000, stats: stats([500]), rateRps: 0, concurrency: 4 });
  agg.addSnapshot({ agentId: 'a1', seq: 2, phase: 'main', intervalIndex: 1, intervalMs: 1000, stats: stats([500]), rateRps: 0, concurrency: 6 });
  const r = buildReport(input(agg, { scenario: scenario({ load: { model: 'closed', concurrency: 5, duration: '2s' } }) }));
  agg.destroy();
  assert.equal(r.model, 'closed');
  assert.equal(r.summary.targetRps, null);
  assert.equal(r.summary.concurrency, 5);
});

// ---------- thresholds ----------

test('thresholds are evaluated on the merged figures at any percentile; a failure is its own verdict, after untrustworthy figures', () => {
  // Latencies 1.0-5.9 ms (x 3 intervals x 2 agents): p50 ~3.5 ms, p99 ~5.9 ms; no errors; 300 requests in 3 s.
  const rows: { why: string; thresholds: ScenarioInput['thresholds']; lagMs?: number; verdict: string; statuses: string[] }[] = [
    { why: 'all pass', thresholds: ['p99 < 10ms', 'p(99.9) <= 6ms', 'error_rate < 1%', 'rps >= 99'], verdict: 'pass', statuses: ['pass', 'pass', 'pass', 'pass'] },
    { why: 'a percentile fails', thresholds: ['p50 < 2ms', 'max < 1s'], verdict: 'thresholds-failed', statuses: ['fail', 'pass'] },
    { why: 'checks without checks: no data fails', thresholds: ['checks > 99%'], verdict: 'thresholds-failed', statuses: ['no-data'] },
    { why: 'for the default request name', thresholds: [{ threshold: 'p90 < 1ms', request: 'default' }], verdict: 'thresholds-failed', statuses: ['fail'] },
    { why: 'generator-bound wins: the latencies are suspect', thresholds: ['p50 < 2ms'], lagMs: 80, verdict: 'generator-bound', statuses: ['fail'] },
  ];
  for (const row of rows) {
    const agg = fedAggregator({ lagMs: row.lagMs });
    const r = buildReport(input(agg, { scenario: scenario({ thresholds: row.thresholds }) }));
    agg.destroy();
    assert.equal(r.verdict, row.verdict, row.why);
    assert.deepEqual(r.thresholds.results.map((x) => x.status), row.statuses, row.why);
    if (row.verdict === 'thresholds-failed') assert.match(r.verdictReasons.join('\n'), /threshold "/, row.why);
  }
  const agg = fedAggregator();
  const r = buildReport(input(agg, { scenario: scenario({ thresholds: ['p50 < 2ms'] }), abortedByThreshold: 'threshold "p50 < 2ms" failed after 2 s' }));
  agg.destroy();
  assert.equal(r.thresholds.abortedBy, 'threshold "p50 < 2ms" failed after 2 s');
  assert.match(r.verdictReasons[0] ?? '', /^aborted early: threshold/);
  assert.equal(r.thresholds.results[0]?.observedText, `${r.summary.latencyMs.p50}ms`, 'observed p50 is the summary p50');
});

test('buildReport: failed requests beside errors; without thresholds they fail the run only when no request succeeded, as transport errors do', () => {
  const run = (status: string, failed: boolean): ReturnType<typeof buildReport> => {
    const agg = new Aggregator({ intervalMs: 1000 });
    const values = Array.from({ length: 20 }, (_, k) => 1000 + k);
    const extra = (n: number): Partial<Stats> => ({ statusCodes: { [status]: n }, failedByStatus: failed ? { [status]: n } : {} });
    agg.addSnapshot({ agentId: 'a1', seq: 1, phase: 'main', intervalIndex: 0, intervalMs: 1000, stats: stats(values, extra(20)), rateRps: 20, concurrency: 0 });
    agg.addDone({ agentId: 'a1', lastSeq: 1, durationMs: 1000, main: stats(values, extra(20)), warmup: emptyStats() });
    const report = buildReport(input(agg, { agents: [{ id: 'a1', host: 'h1' }], rateChanges: [] }));
    agg.destroy();
    return report;
  };
  const allFailed = run('500', true);
  assert.equal(allFailed.summary.failed, 20);
  assert.deepEqual(allFailed.summary.failedByStatus, { '500': 20 });
  assert.equal(allFailed.series[0]?.failed, 20);
  assert.equal(allFailed.agents[0]?.failed, 20);
  assert.equal(allFailed.verdict, 'failed');
  assert.match(allFailed.verdictReasons.join('\n'), /no request succeeded: all 20 failed \(500 ×20\); .*expect: \{ status/);
  // The same statuses expected: nothing failed, the run passes.
  const expected = run('500', false);
  assert.equal(expected.summary.failed, 0);
  assert.equal(expected.verdict, 'pass', expected.verdictReasons.join('; '));
});
