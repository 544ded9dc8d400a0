import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateThresholds, parseThresholdExpr, ThresholdSyntaxError } from '../../../../common/metrics/thresholds.js';
import type { Threshold, ThresholdExpr, ThresholdFigures, ThresholdSummary } from '../../../../common/metrics/thresholds.js';

test('parse: metrics, operators, units', () => {
  const rows: { src: string; want: ThresholdExpr; why: string }[] = [
    { why: 'percentile in ms', src: 'p99 < 250ms', want: { metric: 'percentile', percentile: 99, op: '<', value: 250 } },
    { why: 'bare latency number is ms', src: 'p95<100', want: { metric: 'percentile', percentile: 95, op: '<', value: 100 } },
    { why: 'seconds', src: 'p90 <= 1.5s', want: { metric: 'percentile', percentile: 90, op: '<=', value: 1500 } },
    { why: 'k6 spelling p(99.9)', src: 'p(99.9) < 2s', want: { metric: 'percentile', percentile: 99.9, op: '<', value: 2000 } },
    { why: 'p99.9 spelling', src: 'p99.9 < 300 ms', want: { metric: 'percentile', percentile: 99.9, op: '<', value: 300 } },
    { why: 'avg is mean', src: 'avg < 50ms', want: { metric: 'mean', op: '<', value: 50 } },
    { why: 'max', src: 'max <= 1m', want: { metric: 'max', op: '<=', value: 60_000 } },
    { why: 'error rate in percent', src: 'error_rate < 1%', want: { metric: 'error_rate', op: '<', value: 0.01 } },
    { why: 'error rate as a fraction', src: 'error_rate <= 0.05', want: { metric: 'error_rate', op: '<=', value: 0.05 } },
    { why: 'checks', src: '  checks > 99%  ', want: { metric: 'checks', op: '>', value: 0.99 } },
    { why: 'rps', src: 'rps > 900', want: { metric: 'rps', op: '>', value: 900 } },
    { why: 'rps with /s', src: 'rps >= 900/s', want: { metric: 'rps', op: '>=', value: 900 } },
    { why: 'equality operators', src: 'error_rate == 0', want: { metric: 'error_rate', op: '==', value: 0 } },
    { why: 'k6 alias http_req_failed is error_rate', src: 'http_req_failed < 1%', want: { metric: 'error_rate', op: '<', value: 0.01 } },
  ];
  for (const row of rows) assert.deepEqual(parseThresholdExpr(row.src), row.want, row.why);
});

test('parse errors name the expression and the position (1-based)', () => {
  const rows: { why: string; src: string; position: number; re: RegExp }[] = [
    { why: 'unknown metric', src: 'p99x < 1', position: 1, re: /unknown metric "p99x"/ },
    { why: 'unknown word', src: 'latency < 5ms', position: 1, re: /unknown metric "latency"/ },
    { why: 'missing operator', src: 'p99 250ms', position: 5, re: /expected an operator/ },
    { why: 'missing value', src: 'p99 <', position: 6, re: /found the end/ },
    { why: 'wrong unit for latency', src: 'p99 < 5%', position: 7, re: /ms or s/ },
    { why: 'rate above 1 without %', src: 'error_rate < 5', position: 14, re: /percentage/ },
    { why: 'percent above 100', src: 'checks > 101%', position: 10, re: /between 0% and 100%/ },
    { why: 'trailing junk', src: 'rps > 900 ok', position: 11, re: /unexpected "ok"/ },
    { why: 'percentile 100', src: 'p100 < 5', position: 1, re: /exclusive/ },
    { why: 'empty', src: '', position: 1, re: /found the end/ },
  ];
  for (const row of rows) {
    assert.throws(() => parseThresholdExpr(row.src), (e: unknown) => {
      assert.ok(e instanceof ThresholdSyntaxError, row.why);
      assert.equal(e.position, row.position, `${row.why}: ${e.message}`);
      assert.ok(e.message.includes(`"${row.src}"`), row.why);
      assert.match(e.message, row.re, row.why);
      return true;
    });
  }
});

function figures(f: Partial<ThresholdFigures> & { pct?: Record<number, number> }): ThresholdFigures {
  return {
    requests: f.requests ?? 1000,
    latencyMs: (p) => f.pct?.[p],
    meanMs: f.meanMs,
    errorRate: f.errorRate,
    checksRate: f.checksRate,
    rps: f.rps,
  };
}

function threshold(src: string, extra: Partial<Threshold> = {}): Threshold {
  return { ...parseThresholdExpr(src), source: src, request: undefined, abortOnFail: false, delayAbortEvalMs: 0, ...extra };
}

const SUMMARY: ThresholdSummary = {
  ...figures({ pct: { 0: 1, 95: 80, 99: 240, 100: 900 }, meanMs: 30, errorRate: 0.004, checksRate: 0.995, rps: 950 }),
  byRequestName: {
    login: figures({ requests: 100, pct: { 95: 120 }, errorRate: 0 }),
    idle: figures({ requests: 0 }),
  },
  byScenario: {
    shoppers: figures({ pct: { 95: 60, 99: 310 }, errorRate: 0.02, rps: 400 }),
  },
};

test('evaluate: each threshold with its status and observed value', () => {
  const rows: { why: string; t: Threshold; status: 'pass' | 'fail' | 'no-data'; observedText: string }[] = [
    { why: 'p99 under the bar', t: threshold('p99 < 250ms'), status: 'pass', observedText: '240ms' },
    { why: 'p99 over a tighter bar', t: threshold('p99 < 200ms'), status: 'fail', observedText: '240ms' },
    { why: 'min and max read p0 and p100', t: threshold('max < 1s'), status: 'pass', observedText: '900ms' },
    { why: 'mean', t: threshold('mean < 20'), status: 'fail', observedText: '30ms' },
    { why: 'error rate', t: threshold('error_rate < 1%'), status: 'pass', observedText: '0.4%' },
    { why: 'http_req_failed reads the same figure', t: threshold('http_req_failed < 0.3%'), status: 'fail', observedText: '0.4%' },
    { why: 'checks rate', t: threshold('checks > 99%'), status: 'pass', observedText: '99.5%' },
    { why: 'rps', t: threshold('rps > 900'), status: 'pass', observedText: '950.0/s' },
    { why: 'one request name', t: threshold('p95 < 100ms', { request: 'login' }), status: 'fail', observedText: '120ms' },
    { why: 'a request that never ran has no data', t: threshold('p95 < 100ms', { request: 'idle' }), status: 'no-data', observedText: 'no data' },
    { why: 'an unknown request name has no data', t: threshold('p95 < 100ms', { request: 'nope' }), status: 'no-data', observedText: 'no data' },
    { why: 'no checks ran: no data', t: threshold('checks > 99%', { request: 'login' }), status: 'no-data', observedText: 'no data' },
    { why: 'one scenario: its own p99, not the run\'s', t: threshold('p99 < 250ms', { scenario: 'shoppers' }), status: 'fail', observedText: '310ms' },
    { why: 'one scenario: its own error rate', t: threshold('error_rate < 1%', { scenario: 'shoppers' }), status: 'fail', observedText: '2%' },
    { why: 'one scenario: its own rps', t: threshold('rps > 300', { scenario: 'shoppers' }), status: 'pass', observedText: '400.0/s' },
    { why: 'an unknown scenario has no data', t: threshold('rps > 300', { scenario: 'nope' }), status: 'no-data', observedText: 'no data' },
  ];
  for (const row of rows) {
    const [r] = evaluateThresholds([row.t], SUMMARY).results;
    assert.equal(r?.status, row.status, row.why);
    assert.equal(r?.observedText, row.observedText, row.why);
  }
});

test('verdict: passed only when all pass; abortBy after the grace period only, never on no data', () => {
  const ok = threshold('p99 < 250ms');
  const bad = threshold('rps > 1000', { abortOnFail: true, delayAbortEvalMs: 10_000 });
  const badNoAbort = threshold('p99 < 10ms');
  const noData = threshold('p95 < 1ms', { request: 'idle', abortOnFail: true });
  const rows: { why: string; ts: Threshold[]; elapsedMs?: number; passed: boolean; abortBy?: string }[] = [
    { why: 'all pass', ts: [ok], passed: true },
    { why: 'a failure at the end: no abort without elapsedMs', ts: [ok, bad], passed: false },
    { why: 'live, inside the grace period', ts: [bad], elapsedMs: 9_999, passed: false },
    { why: 'live, grace period over', ts: [badNoAbort, bad], elapsedMs: 10_000, passed: false, abortBy: 'rps > 1000' },
    { why: 'no-data fails the verdict but never aborts', ts: [noData], elapsedMs: 60_000, passed: false },
  ];
  for (const row of rows) {
    const v = evaluateThresholds(row.ts, SUMMARY, row.elapsedMs);
    assert.equal(v.passed, row.passed, row.why);
    assert.equal(v.abortBy?.threshold.source, row.abortBy, row.why);
  }
});
