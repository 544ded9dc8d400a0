// Every output on ONE real run (local agent processes over real gRPC, a counting target):
// /metrics scraped during and after it and checked against its report, the Grafana dashboard's metric
// names, the HTML report, the HdrHistogram log read back, the CSV and the `report` command.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Script } from 'node:vm';
import * as hdr from 'hdr-histogram-js';
import { startTarget } from '../helpers/target.js';
import type { Target } from '../helpers/target.js';
import type { Report } from '../../coordinator/report/report.js';
import { startHttpEndpoints } from '../../cli/http-endpoint.js';
import { systemClock } from '../../common/runtime/clock.js';
import { reportCommand } from '../../cli/commands/report.js';
import { verdictExitCode } from '../../cli/run-session.js';
import { decodeHistogram, latencyMs, newHistogram } from '../../common/metrics/histogram.js';
import { captureIo } from '../helpers/io.js';
import { startCli } from '../helpers/cli.js';
import { scenario, startLocalFleet } from '../helpers/local-run.js';
import { assertCompleted } from '../helpers/verdict.js';

/** Parses Prometheus text: `name{labels}` -> value (labels in the order printed). */
function parseMetrics(body: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$/.exec(line);
    assert.ok(m !== null, `a sample line: ${line}`);
    out.set(m[1] as string, Number(m[2]));
  }
  return out;
}

const value = (metrics: Map<string, number>, key: string): number => {
  const v = metrics.get(key);
  assert.ok(v !== undefined, `${key} is exposed`);
  return v;
};

const sumOf = (metrics: Map<string, number>, prefix: string): number =>
  [...metrics].filter(([k]) => k.startsWith(prefix)).reduce((s, [, v]) => s + v, 0);

const NASTY_NAME = '<script>alert("name")</script> & \'co\'';
const NASTY_QUERY = '?q="><img src=x onerror=alert(1)>';

let target: Target;
let report: Report;
let during: Map<string, number>;
let afterRun: Map<string, number>;
let metricsBody: string;
let health: { status: number; body: string };
let missing: number;
let dir: string;

before(async () => {
  target = await startTarget();
  dir = mkdtempSync(join(tmpdir(), 'loadfleet-outputs-'));
  const { fleet } = await startLocalFleet(2);
  try {
    const http = await startHttpEndpoints(fleet.coordinator, { metrics: '127.0.0.1:0', clock: systemClock }, () => {});
    try {
      const base = `http://${http.metricsAddress ?? '?'}`;
      const s = scenario({
        name: NASTY_NAME,
        request: { url: `${target.url}${NASTY_QUERY}` },
        load: { model: 'open', rate: 300, duration: '4s' },
        warmup: '1s',
        thresholds: ['p99 < 5s'],
      });
      // Scrape once the second main-phase interval was shown (an observer sees every tick).
      let scraped: Promise<string> | undefined;
      const remove = fleet.coordinator.observe({
        onTick: (_id, line) => {
          if (line.phase === 'main' && line.figures.index === 1 && scraped === undefined) scraped = fetch(`${base}/metrics`).then((r) => r.text());
        },
      });
      const handle = await fleet.coordinator.start(s, { onTick: () => {}, onNotice: () => {} }, { minAgents: 2, waitAgentsMs: 10_000 });
      report = await handle.report;
      remove();
      assert.ok(scraped !== undefined, 'scraped during the run');
      during = parseMetrics(await scraped);
      metricsBody = await (await fetch(`${base}/metrics`)).text();
      afterRun = parseMetrics(metricsBody);
      const h = await fetch(`${base}/healthz`);
      health = { status: h.status, body: await h.text() };
      missing = (await fetch(`${base}/nope`)).status;
    } finally {
      await http.close();
      await http.close(); // idempotent
    }
  } finally {
    await fleet.close();
  }
});

after(async () => {
  await target.close();
});

test('/metrics after the run equals its report: request counts, statuses, errors, p99 from the merged histogram', () => {
  // 300/s on 2 agents for 5 s is not a light load: generator-bound is accepted (the helper says why).
  assertCompleted(verdictExitCode(report), report.verdictReasons.join('; '), () => report);
  const s = report.summary;
  assert.ok(s.requests > 800, `enough requests: ${s.requests}`);
  assert.equal(value(afterRun, 'loadfleet_requests_total{phase="main"}'), s.requests);
  assert.equal(value(afterRun, 'loadfleet_requests_total{phase="warmup"}'), report.warmup?.requests);
  assert.equal(value(afterRun, 'loadfleet_requests_total{phase="main"}') + value(afterRun, 'loadfleet_requests_total{phase="warmup"}'), target.total());
  assert.equal(value(afterRun, 'loadfleet_sent_total{phase="main"}'), s.sent);
  assert.equal(value(afterRun, 'loadfleet_responses_total{phase="main",status="200"}'), s.statusCodes['200']);
  assert.equal(sumOf(afterRun, 'loadfleet_errors_total{phase="main"'), s.errors);
  assert.equal(value(afterRun, 'loadfleet_dropped_total{phase="main"}'), s.dropped);
  // Gauges are seconds; the report is milliseconds with microsecond precision.
  const us = (sec: number): number => Math.round(sec * 1e6);
  const q = (quantile: string): number => value(afterRun, `loadfleet_latency_seconds{window="test",quantile="${quantile}"}`);
  assert.equal(us(q('0.99')), Math.round(s.latencyMs.p99 * 1000));
  assert.equal(us(q('0.5')), Math.round(s.latencyMs.p50 * 1000));
  assert.equal(us(q('0.999')), Math.round(s.latencyMs.p999 * 1000));
  assert.equal(us(q('1')), Math.round(s.latencyMs.max * 1000));
  assert.equal(us(value(afterRun, 'loadfleet_service_time_seconds{window="test",quantile="0.99"}')), Math.round(s.serviceMs.p99 * 1000));
  assert.equal(value(afterRun, 'loadfleet_runs_total{verdict="pass"}'), 1);
  assert.equal(value(afterRun, 'loadfleet_run_running'), 0);
  assert.equal(value(afterRun, 'loadfleet_agents{state="idle"}'), 2);
  // After the run, per-interval gauges are gone rather than stale.
  assert.equal(afterRun.has('loadfleet_latency_seconds{window="interval",quantile="0.99"}'), false);
});

test('/metrics during the run: running, target and achieved rate, interval percentiles, counters below the final ones', () => {
  assert.equal(value(during, 'loadfleet_run_running'), 1);
  assert.equal(value(during, 'loadfleet_target_rps'), 300);
  assert.ok(value(during, 'loadfleet_achieved_rps') > 0);
  assert.ok(value(during, 'loadfleet_latency_seconds{window="interval",quantile="0.99"}') > 0);
  assert.ok(value(during, 'loadfleet_latency_seconds{window="test",quantile="0.5"}') > 0);
  assert.equal(value(during, 'loadfleet_run_phase{phase="main"}'), 1);
  assert.equal(value(during, 'loadfleet_run_agents{state="running"}'), 2);
  assert.equal(value(during, 'loadfleet_agents{state="busy"}'), 2);
  const main = value(during, 'loadfleet_requests_total{phase="main"}');
  assert.ok(main > 0 && main < report.summary.requests, `${main} during, ${report.summary.requests} at the end`);
  assert.equal(value(during, 'loadfleet_requests_total{phase="warmup"}'), report.warmup?.requests, 'warm-up complete by then');
  for (const agent of ['local-1', 'local-2']) {
    assert.ok(value(during, `loadfleet_agent_share_rps{agent="${agent}"}`) > 0);
    assert.ok(during.has(`loadfleet_agent_schedule_lag_p99_seconds{agent="${agent}"}`));
  }
  assert.ok(during.has('loadfleet_event_loop_delay_p99_seconds'));
});

test('/healthz answers 200; unknown paths 404', () => {
  assert.deepEqual(health, { status: 200, body: 'ok\n' });
  assert.equal(missing, 404);
});

test('every metric the Grafana dashboard queries is in /metrics', () => {
  const dashboard = JSON.parse(readFileSync(new URL('../../../deploy/grafana/loadfleet.json', import.meta.url), 'utf8')) as {
    panels: { targets: { expr: string }[] }[];
    templating: { list: { query?: unknown }[] };
  };
  const exprs = [...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)), ...dashboard.templating.list.map((v) => JSON.stringify(v.query ?? ''))];
  const names = new Set(exprs.flatMap((e) => e.match(/\bloadfleet_[a-z0-9_]+/g) ?? []));
  assert.ok(names.size >= 20, `the dashboard queries ${names.size} metrics`);
  const exposed = new Set([...metricsBody.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
  for (const name of names) assert.ok(exposed.has(name), `${name} (queried by the dashboard) is exposed`);
});

test('--export-hdr: the HdrHistogram log reads back; its intervals merge into the report\'s histogram', async () => {
  const io = captureIo(dir);
  writeFileSync(join(dir, 'report.json'), JSON.stringify(report));
  // The report command exits with its verdict's code: 0 for a pass, 4 if the (loaded) machine made it generator-bound.
  assert.equal(await reportCommand(io, { report: 'report.json', exportHdr: 'r.hlog', csv: 'r.csv', html: 'r.html' }), report.verdict === 'pass' ? 0 : 4, io.err());
  assert.match(io.out(), report.verdict === 'pass' ? /verdict: PASS/ : /GENERATOR-BOUND/);
  const log = readFileSync(join(dir, 'r.hlog'), 'utf8');
  assert.match(log, /^#\[Histogram log format version 1\.3\]$/m);
  assert.match(log, /^#\[StartTime: \d+\.\d{3} \(seconds since epoch\), /m);
  assert.match(log, /^"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"$/m);
  const lines = log.split('\n').filter((l) => /^\d/.test(l));
  assert.equal(lines.length, report.series.length, 'one line per interval');
  // Each line decoded on its own with hdr-histogram-js, then merged.
  const merged = newHistogram();
  lines.forEach((line, i) => {
    const [start, length, max, encoded] = line.split(',');
    assert.equal(Number(start), report.series[i]?.atMs as number / 1000);
    assert.equal(Number(length), report.intervalMs / 1000);
    const h = hdr.decodeFromCompressedBase64(encoded as string, 32, false);
    assert.equal(h.totalCount, report.series[i]?.requests, `interval ${i} count`);
    assert.equal(Number(max), Number((h.maxValue / 1000).toFixed(3)), 'Interval_Max in ms');
    merged.add(h);
    h.destroy();
  });
  const whole = decodeHistogram(report.histograms.latency);
  assert.equal(merged.totalCount, report.summary.requests);
  assert.deepEqual(latencyMs(merged), report.summary.latencyMs);
  assert.deepEqual(latencyMs(merged), latencyMs(whole));
  merged.destroy();
  whole.destroy();
  // And with the library's own log reader.
  const reader = new hdr.HistogramLogReader(log);
  let n = 0;
  let total = 0;
  for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram()) {
    n++;
    total += h.totalCount;
  }
  assert.equal(n, report.series.length);
  assert.equal(total, report.summary.requests);
});

test('--csv: a header and one row per series point, equal to the series', () => {
  const rows = readFileSync(join(dir, 'r.csv'), 'utf8').trimEnd().split('\n');
  assert.equal(rows.length, report.series.length + 1);
  const head = (rows[0] as string).split(',');
  assert.deepEqual(head.slice(0, 5), ['index', 'atMs', 'agents', 'requests', 'rps']);
  rows.slice(1).forEach((row, i) => {
    const cells = row.split(',');
    assert.equal(cells.length, head.length);
    const point = report.series[i] as unknown as Record<string, number>;
    head.forEach((col, c) => assert.equal(Number(cells[c]), point[col], `row ${i} ${col}`));
  });
});

test('--html: one self-contained page with every section, no external resource, every report string escaped', () => {
  const html = readFileSync(join(dir, 'r.html'), 'utf8');
  for (const id of ['summary', 'thresholds', 'charts', 'chart-rate', 'chart-latency', 'chart-errors', 'chart-health', 'spectrum', 'chart-spectrum', 'agents', 'timeline', 'health', 'report-data']) {
    assert.match(html, new RegExp(`id="${id}"`), `section ${id}`);
  }
  // No network: a CSP that allows nothing external, and no tag that would load anything.
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
  assert.doesNotMatch(html, /<(script|img|iframe|link)[^>]*\s(src|href)=/i);
  assert.doesNotMatch(html, /@import|url\(\s*['"]?https?:/i);
  // The nasty name and URL appear only escaped.
  assert.equal(html.includes(NASTY_NAME), false);
  assert.equal(html.includes('<script>alert'), false);
  assert.equal(html.includes('<img src=x'), false);
  assert.ok(html.includes('&#60;script&#62;alert(&#34;name&#34;)&#60;/script&#62; &#38; &#39;co&#39;'), 'the name, escaped');
  // The URL is shown without its query string (it may hold credentials): none of it reaches the page.
  assert.ok(html.includes(`<code>${report.target.url}</code>`) && report.target.url.endsWith('/?***'), `the URL, redacted: ${report.target.url}`);
  assert.equal(html.includes('onerror=alert(1)') || html.includes('%3Cimg'), false, 'no part of the query');
  // Agents and thresholds are there.
  for (const a of report.agents) assert.ok(html.includes(`<td>${a.agentId}</td>`));
  assert.ok(html.includes('p99 &#60; 5s'));
  // Exactly three scripts: the chart data (JSON), uPlot, the page's (a module); the two programs compile.
  const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 3);
  const data = JSON.parse(scripts[0]?.[2] as string) as { t: number[]; rps: number[]; spectrum: { inverse: number[]; latencyMs: number[] } };
  assert.equal(data.t.length, report.series.length);
  assert.deepEqual(data.rps, report.series.map((p) => p.rps));
  assert.ok(data.spectrum.inverse.length > 10, 'a percentile spectrum');
  assert.equal(data.spectrum.latencyMs.at(-1), report.summary.latencyMs.max, 'the spectrum ends at the max');
  new Script(scripts[1]?.[2] as string);
  assert.match(scripts[2]?.[1] ?? '', /^ type="module"$/);
  const pageScript = join(dir, 'page-script.mjs');
  writeFileSync(pageScript, scripts[2]?.[2] as string);
  execFileSync(process.execPath, ['--check', pageScript]); // throws on a syntax error
});

test('CLI: the flags and the report command are documented; --metrics with --coordinator is refused; `coordinator --metrics` serves /metrics', async () => {
  const run = startCli(['run', '--help']);
  assert.equal(await run.exited, 0);
  for (const flag of ['--metrics', '--html', '--csv', '--export-hdr']) assert.ok(run.stdout().includes(flag), `run --help has ${flag}`);
  const help = startCli(['--help']);
  assert.equal(await help.exited, 0);
  assert.match(help.stdout(), /report \[report\]/);
  writeFileSync(join(dir, 's.yaml'), 'request:\n  url: http://127.0.0.1:1/\nload:\n  model: open\n  rate: 1\n  duration: 1s\n');
  const wrong = startCli(['run', 's.yaml', '--coordinator', '127.0.0.1:1', '--metrics', '127.0.0.1:0'], { cwd: dir });
  assert.equal(await wrong.exited, 2);
  assert.match(wrong.stderr(), /--metrics serves the in-process coordinator/);
  const notReport = startCli(['report', 'r.csv', '--html', 'x.html'], { cwd: dir });
  assert.equal(await notReport.exited, 2);
  assert.match(notReport.stderr(), /not JSON/);

  const coord = startCli(['coordinator', '--listen', '127.0.0.1:0', '--metrics', '127.0.0.1:0']);
  try {
    const m = await coord.waitFor(/metrics on (http:\/\/\S+)\/metrics/);
    const base = m[1] as string;
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const body = await (await fetch(`${base}/metrics`)).text();
    assert.match(body, /^loadfleet_agents\{state="idle"\} 0$/m);
    assert.match(body, /^loadfleet_run_running 0$/m);
    coord.kill('SIGTERM');
    assert.equal(await coord.exited, 0);
  } finally {
    coord.kill('SIGKILL');
  }
});
