// deploy/grafana/loadfleet.json against coordinator/outputs/prometheus.ts: every metric a panel or a
// variable queries is one FleetMetrics registers, and the panels failed requests and tags need are there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FleetMetrics } from '../../../../coordinator/outputs/prometheus.js';
import type { MetricsSource } from '../../../../coordinator/outputs/prometheus.js';

interface Panel { id: number; title: string; gridPos: { x: number; y: number; w: number; h: number }; targets: { expr: string }[] }

// From dist/test/unit/coordinator/outputs/ up to the repository.
const dashboard = JSON.parse(readFileSync(new URL('../../../../../deploy/grafana/loadfleet.json', import.meta.url), 'utf8')) as {
  panels: Panel[];
  templating: { list: { query?: unknown }[] };
};

const queried = (exprs: string[]): Set<string> => new Set(exprs.flatMap((e) => e.match(/\bloadfleet_[a-z0-9_]+/g) ?? []));

test('Grafana: every metric the dashboard queries is registered by FleetMetrics', async () => {
  const source: MetricsSource = { status: () => ({ agents: [], run: null }), liveTotals: () => null, observe: () => () => {} };
  const metrics = new FleetMetrics(source);
  try {
    const registered = new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
    const names = queried([...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)), ...dashboard.templating.list.map((v) => JSON.stringify(v.query ?? ''))]);
    assert.ok(names.size >= 20, `the dashboard queries ${names.size} metrics`);
    for (const name of names) assert.ok(registered.has(name), `${name} (queried by the dashboard) is registered`);
  } finally {
    metrics.close();
  }
});

test('Grafana: failed requests beside the transport errors, the error rate counts them, per-tag panels; no two panels overlap', () => {
  const byTitle = new Map(dashboard.panels.map((p) => [p.title, p]));
  const exprsOf = (title: string): string => (byTitle.get(title)?.targets ?? []).map((t) => t.expr).join('\n');
  assert.match(exprsOf('Failed requests by status'), /sum by \(status\) \(rate\(loadfleet_failed_total\{/);
  const errors = byTitle.get('Errors by kind');
  const failed = byTitle.get('Failed requests by status');
  assert.ok(errors !== undefined && failed !== undefined && failed.gridPos.y === errors.gridPos.y && failed.gridPos.x === errors.gridPos.x + errors.gridPos.w, 'beside the transport errors');
  assert.match(exprsOf('Error rate (main)'), /loadfleet_errors_total.*\+.*loadfleet_failed_total/, 'what error_rate reads: errors + failed');
  const tagged = queried(dashboard.panels.filter((p) => p.title.startsWith('Per tag')).flatMap((p) => p.targets.map((t) => t.expr)));
  assert.deepEqual([...tagged].sort(), ['loadfleet_tag_failed', 'loadfleet_tag_latency_seconds', 'loadfleet_tag_requests']);
  assert.equal(new Set(dashboard.panels.map((p) => p.id)).size, dashboard.panels.length, 'ids are unique');
  for (const a of dashboard.panels) {
    assert.ok(a.gridPos.x + a.gridPos.w <= 24, `${a.title} fits the 24 columns`);
    for (const b of dashboard.panels) {
      if (a.id >= b.id) continue;
      const apart = a.gridPos.x + a.gridPos.w <= b.gridPos.x || b.gridPos.x + b.gridPos.w <= a.gridPos.x || a.gridPos.y + a.gridPos.h <= b.gridPos.y || b.gridPos.y + b.gridPos.h <= a.gridPos.y;
      assert.ok(apart, `${a.title} and ${b.title} overlap`);
    }
  }
});
