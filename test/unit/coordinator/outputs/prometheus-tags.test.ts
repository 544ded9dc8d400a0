// Prometheus' per-tag gauges (loadfleet_tag_*{tag, value}): from the last report's `tags`, and while a
// test runs from its merged per-name figures and the scenario's tags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FleetMetrics } from '../../../../coordinator/outputs/prometheus.js';
import type { MetricsSource } from '../../../../coordinator/outputs/prometheus.js';
import type { RunObserver } from '../../../../coordinator/coordinator.js';
import type { Report } from '../../../../coordinator/report/report.js';
import type { Scenario } from '../../../../common/scenario/scenario.js';
import type { PhaseTotals } from '../../../../coordinator/merge/figures.js';
import { encodeHistogram, latencyMs, newHistogram, recordMs } from '../../../../common/metrics/histogram.js';
import { emptyErrorsByKind } from '../../../../common/metrics/counters.js';

const LAT = { count: 1, min: 1, mean: 1, p50: 5, p90: 6, p95: 7, p99: 8, p999: 9, max: 10 };

function totals(n: number, ms: number, failed = 0): PhaseTotals['byRequestName'][string] {
  const h = newHistogram();
  for (let i = 0; i < n; i++) recordMs(h, ms);
  const out = { requests: n, errorsByKind: emptyErrorsByKind(), errors: 0, statusCodes: { 200: n - failed, ...(failed > 0 ? { 500: failed } : {}) }, failedByStatus: (failed > 0 ? { 500: failed } : {}) as Record<string, number>, failed, checks: { passed: 0, failed: 0, failures: {} }, extractFailed: 0, renderFailed: 0, bodyTruncated: 0, latencyMs: latencyMs(h), latencyHist: encodeHistogram(h) };
  h.destroy();
  return out;
}

test('Prometheus: tag gauges from the last report, then live from the running test', async () => {
  let observer: RunObserver | undefined;
  let live: PhaseTotals | null = null;
  const source: MetricsSource = { status: () => ({ agents: [], run: null }), liveTotals: (phase) => (phase === 'main' ? live : null), observe: (o) => { observer = o; return () => {}; } };
  const metrics = new FleetMetrics(source);
  const refresh = (): Promise<string> => {
    (metrics as unknown as { refresh(): void }).refresh();
    return metrics.registry.metrics();
  };
  const summary = { requests: 1, sent: 1, dropped: 0, bytesReceived: 0, errorsByKind: emptyErrorsByKind(), statusCodes: {}, latencyMs: LAT, serviceMs: LAT };
  observer?.onRunEnd?.({ runId: 'x', name: 'n', model: 'open', verdict: 'pass', summary, warmup: null, requests: {}, tags: { endpoint: { login: { requests: 7, errors: 1, failed: 2, latencyMs: LAT } } } } as unknown as Report);
  let text = await refresh();
  assert.match(text, /^loadfleet_tag_requests\{tag="endpoint",value="login"\} 7$/m);
  assert.match(text, /^loadfleet_tag_errors\{tag="endpoint",value="login"\} 1$/m);
  assert.match(text, /^loadfleet_tag_failed\{tag="endpoint",value="login"\} 2$/m);
  assert.match(text, /^loadfleet_tag_latency_seconds\{tag="endpoint",value="login",quantile="0\.99"\} 0\.008$/m);

  const scenario = { name: 's', warmup: 0, load: { model: 'open' }, program: { requests: { a: { tags: { tier: 'api' } }, b: { tags: { tier: 'api' } }, c: {} } } } as unknown as Scenario;
  observer?.onRunStart?.('y', scenario);
  live = { ...summary, byRequestName: { a: totals(3, 2, 1), b: totals(4, 2, 2), c: totals(100, 2, 5) } } as unknown as PhaseTotals;
  text = await refresh();
  assert.match(text, /^loadfleet_tag_requests\{tag="tier",value="api"\} 7$/m, 'a and b, not the untagged c');
  assert.match(text, /^loadfleet_tag_failed\{tag="tier",value="api"\} 3$/m, 'failed requests of a and b, not c');
  assert.doesNotMatch(text, /value="login"/, 'the running test replaces the last one');
  assert.match(text, /^loadfleet_tag_latency_seconds\{tag="tier",value="api",quantile="0\.5"\} 0\.002/m);
  metrics.close();
});
