// The HTML report (`--html FILE`): ONE self-contained page, no network (a Content-Security-Policy
// forbids every fetch; uPlot's script and CSS are inlined). Text and tables are rendered here with every
// string of the report escaped; the page's script (browser/report.ts) only draws charts from numbers.
// Pure but for the compiled page script, read once (outputs/page-script.ts): uPlot's assets come in as arguments
// (loadChartAssets reads them from node_modules).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ERROR_KINDS } from '../../../common/metrics/counters.js';
import type { LatencyMs } from '../../../common/metrics/histogram.js';
import type { PhaseSummary, Report } from '../../report/report.js';
import { formatClock, formatCount, formatMs, formatRate1 } from '../number-format.js';
import { failedStatusLine } from '../failures.js';
import type { ChartData } from './chart-data.js';
import { inlineScript, pageScript } from '../page-script.js';
import { percentileSpectrum } from '../spectrum.js';

export interface ChartAssets {
  /** uPlot's IIFE build (defines the global `uPlot`). */
  js: string;
  css: string;
}

/** uPlot 1.6 from node_modules (read at run time: the package ships no copy of it). */
export function loadChartAssets(): ChartAssets {
  const require = createRequire(import.meta.url);
  return {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
}

/** Escapes text for HTML element content and quoted attribute values. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside a <script> element (no `</script>`, `<!--`, or line separators). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The compiled page script (tsconfig.browser.json writes it into dist/ beside this module). */
const SCRIPT_URL = new URL('./browser/report.js', import.meta.url);

const num = formatCount;
const rate = formatRate1;

function table(head: readonly string[], rows: readonly (readonly string[])[], numeric: readonly boolean[] = []): string {
  const cell = (tag: 'th' | 'td', html: string, i: number): string => `<${tag}${numeric[i] === true ? ' class="n"' : ''}>${html}</${tag}>`;
  return `<table><thead><tr>${head.map((h, i) => cell('th', esc(h), i)).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => cell('td', c, i)).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function latencyCells(l: LatencyMs): string[] {
  return [l.min, l.p50, l.p90, l.p95, l.p99, l.p999, l.max, l.mean].map((v) => esc(formatMs(v)));
}

function phaseRows(p: PhaseSummary): string[][] {
  const errs = ERROR_KINDS.filter((k) => p.errorsByKind[k] > 0).map((k) => `${k} ${num(p.errorsByKind[k])}`).join(', ');
  const codes = Object.entries(p.statusCodes).sort(([a], [b]) => Number(a) - Number(b)).map(([c, n]) => `${c}: ${num(n)}`).join(', ');
  return [
    ['requests', esc(`${num(p.requests)} completed, ${num(p.sent)} sent, ${rate(p.rps)}/s over ${formatClock(p.durationMs)}`)],
    ['errors', esc(p.errors === 0 ? '0' : `${num(p.errors)} (${((100 * p.errors) / Math.max(1, p.requests)).toFixed(2)} %): ${errs}`)],
    ['failed', esc(failedStatusLine({ requests: p.requests, failed: p.failed ?? 0, failedByStatus: p.failedByStatus ?? {} }))],
    ['status codes', esc(codes === '' ? 'none' : codes)],
    ['dropped', esc(p.dropped === 0 ? '0 arrivals' : `${num(p.dropped)} arrivals NOT SENT (in-flight cap full, the test's end reached, or abandoned by an agent that lost its coordinator link)`)],
    ['received', esc(`${num(p.bytesReceived)} bytes`)],
  ];
}

function chartData(report: Report): ChartData {
  const s = report.series;
  const latency = percentileSpectrum(report.histograms.latency);
  const service = percentileSpectrum(report.histograms.service);
  const n = Math.min(latency.length, service.length);
  return {
    model: new Set(Object.values(report.scenarios ?? {}).map((x) => x.model)).size > 1 ? 'mixed' : report.model,
    t: s.map((p) => p.atMs / 1000),
    targetRps: s.map((p) => p.targetRps),
    rps: s.map((p) => p.rps),
    ...(report.flows === undefined || report.flows === null ? {} : { flowRps: s.map((p) => p.flowRps ?? 0) }),
    missingRps: s.map((p) => p.missingRps),
    concurrency: s.map((p) => p.concurrency),
    p50: s.map((p) => p.p50),
    p90: s.map((p) => p.p90),
    p99: s.map((p) => p.p99),
    max: s.map((p) => p.max),
    errors: s.map((p) => p.errors),
    failed: s.map((p) => p.failed ?? 0),
    dropped: s.map((p) => p.dropped),
    eventLoopP99: s.map((p) => p.eventLoopP99),
    scheduleLagP99: s.map((p) => p.scheduleLagP99),
    spectrum: {
      inverse: latency.slice(0, n).map((p) => p.inverse),
      latencyMs: latency.slice(0, n).map((p) => p.valueMs),
      serviceMs: service.slice(0, n).map((p) => p.valueMs),
    },
  };
}

const VERDICT_TEXT: Record<Report['verdict'], string> = {
  pass: 'PASS: the generator kept its schedule; figures reconcile',
  'generator-bound': 'GENERATOR-BOUND: the load generator, not only the target, limited this test',
  failed: 'RUN FAILED: these figures are incomplete or do not add up',
  'agent-lost': 'ABORTED: an agent was lost (--on-agent-loss fail)',
  'thresholds-failed': 'THRESHOLDS FAILED',
  incomplete: 'INCOMPLETE: some agent\'s figures never arrived; these totals are short',
  'setup-failed': 'SETUP FAILED: the setup, a setup refresh or the teardown failed',
  'capacity-not-found': 'CAPACITY NOT FOUND: the search ended without a capacity',
  regression: 'REGRESSION: slower or worse than the baseline beyond the limits',
  'not-comparable': 'NOT COMPARABLE: this run cannot be compared with the baseline',
};

function list(items: readonly string[]): string {
  return `<ul>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>`;
}

/** The name, the verdict and why, and what was run. */
function headerSection(report: Report): string {
  const s = report.summary;
  return `<header><h1>${esc(report.name)}</h1>
<p class="verdict ${report.verdict === 'pass' && report.incompleteAllowed !== true ? 'ok' : 'bad'}" id="verdict">${esc(VERDICT_TEXT[report.verdict])}${report.incompleteAllowed === true ? esc(' (on incomplete figures: --allow-incomplete)') : ''}</p>
${report.verdictReasons.length > 0 ? list(report.verdictReasons) : ''}
<p class="meta">${esc(report.target.method)} <code>${esc(report.target.url)}</code> &middot; ${esc(report.model)} model &middot; ${esc(formatClock(s.durationMs))} measured${report.warmupMs > 0 ? esc(` after ${formatClock(report.warmupMs)} warm-up`) : ''} &middot; ${report.agents.length} agent(s) &middot; started ${esc(report.startedAt)} &middot; run <code>${esc(report.runId)}</code></p></header>`;
}

function incompleteSection(report: Report): string | undefined {
  if (report.incomplete.length === 0) return undefined;
  return `<section class="warn" id="incomplete"><h2>Incomplete figures</h2>${list(report.incomplete)}</section>`;
}

/** The main phase's figures and latency table (the warm-up's latency apart). */
function summarySection(report: Report): string {
  const s = report.summary;
  const planned = s.targetRps !== null ? ` (scheduled ${rate(s.targetRps)}/s)` : s.concurrency !== null ? ` (${rate(s.concurrency)} loops)` : '';
  return `<section id="summary"><h2>Summary</h2>${table(['', ''], [
    ['achieved', esc(`${rate(s.rps)}/s${planned}`)],
    ...phaseRows(s),
  ])}
<h3>Latency</h3>${table(['', 'min', 'p50', 'p90', 'p95', 'p99', 'p99.9', 'max', 'mean'], [
    [esc('from intended send'), ...latencyCells(s.latencyMs)],
    [esc('service (from actual send)'), ...latencyCells(s.serviceMs)],
    ...(report.warmup === null ? [] : [[esc('warm-up (excluded)'), ...latencyCells(report.warmup.latencyMs)]]),
  ], [false, true, true, true, true, true, true, true, true])}
<p class="note">Percentiles are read from the fleet's merged HDR histograms (microseconds, 3 significant digits), never averaged.</p></section>`;
}

function thresholdsSection(report: Report): string | undefined {
  if (report.thresholds.results.length === 0) return undefined;
  return `<section id="thresholds"><h2>Thresholds</h2>${table(['status', 'threshold', 'request', 'observed', 'abortOnFail'],
    report.thresholds.results.map((r) => [
      `<span class="${r.status === 'pass' ? 'ok' : 'bad'}">${esc(r.status)}</span>`, esc(r.threshold), esc(r.request ?? (typeof r.scenario === 'string' ? `scenario ${r.scenario}` : '')), esc(r.observedText), r.abortOnFail ? 'yes' : '',
    ]))}${report.thresholds.abortedBy === null ? '' : `<p class="bad">${esc(`aborted early: ${report.thresholds.abortedBy}`)}</p>`}</section>`;
}

/** Per request name: figures, checks and their failures, flow runs. */
function requestsSection(report: Report): string | undefined {
  const named = Object.entries(report.requests ?? {});
  if (named.length === 0) return undefined;
  const f = report.flows;
  const checks = (c: NonNullable<Report['requests']>[string]['checks']): string =>
    c.rate === null ? '-' : `${num(c.passed)} ok, ${num(c.failed)} failed (${(100 * c.rate).toFixed(2)} %)`;
  const failures = named.flatMap(([name, r]) => Object.entries(r.checks.failures).map(([check, n]) => `${name}: check "${check}" failed ${num(n)} time(s)`));
  return `<section id="requests"><h2>Requests by name</h2>${table(
    ['request', 'requests', 'rate', 'errors', 'failed', 'p50', 'p95', 'p99', 'max', 'checks', 'extract / render failed', 'status codes'],
    named.map(([name, r]) => [
      esc(name), esc(num(r.requests)), esc(`${rate(r.rps)}/s`), esc(num(r.errors)), esc(num(r.failed ?? 0)), esc(formatMs(r.latencyMs.p50)), esc(formatMs(r.latencyMs.p95)),
      esc(formatMs(r.latencyMs.p99)), esc(formatMs(r.latencyMs.max)), esc(checks(r.checks)), esc(`${num(r.extractFailed)} / ${num(r.renderFailed)}`),
      esc(Object.entries(r.statusCodes).map(([c, n]) => `${c}: ${num(n)}`).join(', ')),
    ]),
    [false, true, true, true, true, true, true, true, true, false, true, false],
  )}${failures.length > 0 ? list(failures) : ''}${f === undefined || f === null ? '' : `<p class="note">${esc(`${num(f.iterations)} flow run(s)${f.noData > 0 ? `, ${num(f.noData)} sent nothing: a unique data feeder had no row left` : ''}`)}</p>`}
<p class="note">Main phase; latency from when each request was due, read from each name's merged HDR histogram.</p></section>`;
}

/** Request tags (report.tags): per key and value, the figures of the request names carrying it. */
function tagsSection(report: Report): string | undefined {
  const rows = Object.entries(report.tags ?? {}).flatMap(([k, byValue]) => Object.entries(byValue).map(([v, r]) => [
    esc(`${k}=${v}`), esc(num(r.requests)), esc(`${rate(r.rps)}/s`), esc(num(r.errors)), esc(formatMs(r.latencyMs.p50)), esc(formatMs(r.latencyMs.p95)),
    esc(formatMs(r.latencyMs.p99)), esc(r.waitingMs === undefined ? '-' : formatMs(r.waitingMs.p50)),
  ]));
  if (rows.length === 0) return undefined;
  const other = report.tagsUnattributed === undefined ? '' : `<p class="note">${esc(`${num(report.tagsUnattributed)} request(s) under "(other)" (too many request names) count in no tag.`)}</p>`;
  return `<section id="tags"><h2>Requests by tag</h2>${table(['tag', 'requests', 'rate', 'errors', 'p50', 'p95', 'p99', 'TTFB p50'], rows, [false, true, true, true, true, true, true, true])}${other}</section>`;
}

/** The timing breakdown (report.timing): new connections' setup and responses' time to first byte. */
function timingSection(report: Report): string | undefined {
  const t = report.timing;
  if (t === undefined || (t.connectMs.count === 0 && t.waitingMs.count === 0)) return undefined;
  const row = (what: string, l: LatencyMs, per: string): string[] => [esc(what), esc(`${num(l.count)} ${per}`), ...latencyCells(l)];
  return `<section id="timing"><h2>Timing breakdown</h2>${table(['phase of a request', 'count', 'min', 'p50', 'p90', 'p95', 'p99', 'p99.9', 'max', 'mean'], [
    row('connect (new connections only)', t.connectMs, 'connection(s)'),
    ...(t.tlsMs.count === 0 ? [] : [row('TLS handshake (new connections only)', t.tlsMs, 'connection(s)')]),
    row('waiting (time to first byte)', t.waitingMs, 'response(s)'),
  ], [false, true, true, true, true, true, true, true, true, true])}<p class="note">Reused keep-alive connections add nothing to connect and TLS; waiting runs from the request written to its response headers.</p></section>`;
}

function chart(id: string, title: string, note: string): string {
  return `<figure><figcaption>${esc(title)}</figcaption><div class="chart" id="${id}"></div><p class="note">${esc(note)}</p></figure>`;
}

/** The charts' places (the page script draws them from #report-data). */
function chartsSection(report: Report): string {
  return `<section id="charts"><h2>Over time</h2>
${chart('chart-rate', report.model === 'open' ? 'Target vs achieved rate' : 'Loops and achieved rate', 'req/s per interval; missing = scheduled load no reporting agent carried (a lost agent)')}
${chart('chart-latency', 'Latency p50 / p90 / p99 / max', 'ms, from the intended send time, per interval (merged histograms)')}
${chart('chart-errors', 'Errors, failed requests and dropped arrivals', 'per interval; failed: a status the scenario did not expect')}
${chart('chart-health', 'Generator health', 'ms: worst agent per interval; above the limits the generator, not the target, is measured')}
</section>`;
}

function spectrumSection(): string {
  return `<section id="spectrum"><h2>Latency percentile spectrum</h2>
${chart('chart-spectrum', 'Latency by percentile (whole main phase)', 'x: percentile on a 1/(1-p) log axis, as HdrHistogram\'s plotter; y: ms')}</section>`;
}

function agentsSection(report: Report): string {
  return `<section id="agents"><h2>Agents</h2>${table(
    ['agent', 'host', 'requests', 'rate', 'errors', 'failed', 'dropped', 'p50', 'p99', 'loop p99', 'lag p99', 'snapshots', 'reconciliation'],
    report.agents.map((a) => [
      esc(a.agentId), esc(a.host), esc(num(a.requests)), esc(`${rate(a.rps)}/s`), esc(num(a.errors)), esc(num(a.failed ?? 0)), esc(num(a.dropped)), esc(formatMs(a.latencyP50Ms)),
      esc(formatMs(a.latencyP99Ms)), esc(formatMs(a.eventLoopDelayP99MsMax)), esc(formatMs(a.scheduleLagP99MsMax)),
      esc(`${a.snapshotsMerged}${a.duplicatesIgnored > 0 ? ` (+${a.duplicatesIgnored} dup)` : ''}`), esc(a.reconciliation),
    ]),
    [false, false, true, true, true, true, true, true, true, true, true, true, false],
  )}</section>`;
}

/** Fleet events and live changes, with who acknowledged a change and how fast. */
function timelineSection(report: Report): string {
  const timeline = report.timeline.map((e) => {
    const acks = e.acks === undefined || e.acks.length === 0 ? '' : `applied by ${e.acks.length} agent(s) within ${formatMs(Math.max(...e.acks.map((a) => a.latencyMs)))}`;
    return [esc(`${(e.atMs / 1000).toFixed(1)} s`), esc(e.kind), esc(e.agentId ?? ''), esc(e.detail), esc(acks)];
  });
  return `<section id="timeline"><h2>Timeline</h2>${timeline.length === 0 ? '<p class="note">No rate changes or fleet events.</p>'
    : table(['at', 'event', 'agent', 'detail', 'acknowledged'], timeline, [true])}</section>`;
}

/** The scenario's setup, refreshes and teardown, apart from the figures (absent without them). Values are named only. */
function setupSection(report: Report): string | undefined {
  const s = report.setup;
  if (s === undefined) return undefined;
  const rows = [s.setup, ...s.refreshes, s.teardown].filter((r) => r !== null).map((r) => [
    esc(r.purpose), esc(`${(r.atMs / 1000).toFixed(1)} s`), esc(r.agentId ?? ''), r.ok ? '<span class="ok">ok</span>' : `<span class="bad">${r.ran ? 'failed' : 'did not run'}</span>`,
    esc(num(r.requests)), esc(formatMs(r.durationMs)), esc(r.ok ? r.values.join(', ') : r.message),
  ]);
  const noLoad = s.noLoad === undefined ? ''
    : `<p class="bad">No load was sent: ${s.noLoad.cause === 'setup-failed' ? 'the setup failed, so the test never started' : `the test was stopped during its setup (${esc(s.noLoad.message)})`}; the figures above are zeros.</p>`;
  return `<section id="setup"><h2>Setup and teardown (excluded)</h2>${noLoad}${table(['part', 'at', 'agent', 'result', 'requests', 'took', 'values / why'], rows, [false, true, false, false, true, true])}</section>`;
}

/** Generator health, reconciliation per agent, and the run's failures. */
function healthSection(report: Report): string {
  const h = report.health;
  return `<section id="health"><h2>Generator health</h2>${table(['', ''], [
    ['generator-bound', esc(h.generatorBound ? 'yes' : 'no')],
    ['worst schedule lag p99', esc(formatMs(h.scheduleLagP99MsMax))],
    ['worst event-loop delay p99', esc(formatMs(h.eventLoopDelayP99MsMax))],
    ['limits', esc(Object.entries(h.limits).map(([k, v]) => `${k} ${String(v)}`).join(', '))],
  ])}${h.reasons.length > 0 ? list(h.reasons) : ''}
<h3>Reconciliation</h3>${table(['agent', 'status', 'detail'], report.reconciliation.map((n) => [esc(n.agentId), esc(n.status), esc(n.detail)]))}
${report.failures.length > 0 ? `<h3>Failures</h3>${list(report.failures)}` : ''}</section>`;
}

/** The whole page. */
export function renderHtmlReport(report: Report, assets: ChartAssets): string {
  const sections = [
    headerSection(report), incompleteSection(report), summarySection(report), thresholdsSection(report), requestsSection(report),
    setupSection(report), tagsSection(report), timingSection(report),
    chartsSection(report), spectrumSection(), agentsSection(report), timelineSection(report), healthSection(report),
  ].filter((x) => x !== undefined);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`loadfleet: ${report.name} (${report.verdict})`)}</title>
<style>${assets.css.replace(/<\//g, '<\\/')}
${PAGE_CSS}</style></head>
<body><main>
${sections.join('\n')}
<footer>loadfleet report v${report.version} &middot; interval ${esc(report.intervalMs)} ms</footer>
</main>
<script type="application/json" id="report-data">${scriptJson(chartData(report))}</script>
<script>${inlineScript(assets.js)}</script>
<script type="module">${inlineScript(pageScript(SCRIPT_URL))}</script>
</body></html>
`;
}

const PAGE_CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#111;background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:12px 16px}
h1{margin:.2em 0;font-size:1.6em;word-break:break-word}h2{margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}
code{word-break:break-all}.meta{color:#444}.note{color:#666;font-size:.9em}
.verdict{font-weight:600;padding:.5em .8em;border-radius:4px}.verdict.ok{background:#dcfce7}.verdict.bad{background:#fee2e2}
.ok{color:#166534}.bad{color:#991b1b}.warn{background:#fef3c7;padding:.2em .8em}
table{border-collapse:collapse;margin:.5em 0;display:block;overflow-x:auto;max-width:100%}
th,td{padding:.25em .6em;border-bottom:1px solid #e5e5e5;text-align:left;vertical-align:top}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1em 0}figcaption{font-weight:600}.chart{width:100%;min-height:40px}
footer{margin:2em 0 1em;color:#888;font-size:.85em}
`;
