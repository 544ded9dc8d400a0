// The live dashboard's page: static HTML (no data in it: everything arrives over the event stream and is
// rendered by the page script, browser/dashboard.ts, with textContent), uPlot and the page script inlined, a
// Content-Security-Policy that allows nothing but this server (`connect-src 'self'`) and no framing.
// Responsive: one column on a phone, two chart columns from 900 px.
import type { ChartAssets } from '../html-report/page.js';
import { scriptJson } from '../html-report/page.js';
import { inlineScript, pageScript } from '../page-script.js';
import type { DashConfig } from './update.js';

/** The compiled page script (tsconfig.browser.json writes it into dist/ beside this module). */
const SCRIPT_URL = new URL('./browser/dashboard.js', import.meta.url);

const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'";

/** The page's policy as an HTTP header: the same, plus no framing (ignored in a <meta> element). */
export const DASHBOARD_CSP_HEADER = `${CSP}; frame-ancestors 'none'`;

export function renderDashboardPage(assets: ChartAssets, config: DashConfig): string {
  const stat = (id: string, label: string): string => `<div class="stat"><span class="k">${label}</span><span class="v" id="${id}">-</span></div>`;
  const chart = (id: string, title: string): string => `<figure><figcaption>${title}</figcaption><div class="chart" id="${id}"></div></figure>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>loadfleet dashboard</title>
<style>${assets.css.replace(/<\//g, '<\\/')}
${PAGE_CSS}</style></head>
<body>
<header><h1>loadfleet</h1><span id="run-title" class="title">waiting for data…</span><span id="conn" class="conn">connecting…</span></header>
<main>
<section id="run">
<div class="progress"><div id="progress-bar"></div></div>
<div class="stats">
${stat('stat-state', 'state')}${stat('stat-elapsed', 'elapsed')}${stat('stat-target', 'target')}${stat('stat-achieved', 'achieved')}
${stat('stat-p99', 'p99 (last second)')}${stat('stat-errors', 'errors/s')}${stat('stat-failed', 'failed/s (status not expected)')}${stat('stat-dropped', 'dropped/s')}${stat('stat-missing', 'missing rate')}
</div>
<p class="note">run <code id="run-id">-</code> · fleet <span id="fleet">-</span></p>
</section>
<section id="control"><h2>Control</h2>
<form id="rate-form" autocomplete="off">
<label id="scenario-row" class="hidden"><span>scenario</span><select id="rate-scenario" aria-label="scenario to change"></select></label>
<label><span id="rate-label">rate (req/s)</span><input id="rate-input" type="number" min="0" step="any" inputmode="decimal" required></label>
<label><span>ramp (s)</span><input id="ramp-input" type="number" min="0" step="any" inputmode="decimal" placeholder="0"></label>
<label id="token-row"><span>token</span><input id="token-input" type="password" autocomplete="off" placeholder="required to see and control this run"></label>
<div class="buttons"><button id="rate-btn" type="submit">Set</button><button id="stop-btn" type="button" class="danger">Stop test</button></div>
</form>
<p id="control-result" role="status"></p>
</section>
<section id="charts" data-points="0" data-updates="0">
${chart('chart-rate', 'Target vs achieved rate')}
<figure><figcaption>Latency (ms, from the intended send) of <select id="latency-request" aria-label="request name"><option value="">all requests</option></select></figcaption><div class="chart" id="chart-latency"></div></figure>
${chart('chart-codes', 'Status codes, transport errors and failed requests')}
${chart('chart-dropped', 'Dropped arrivals (not sent: in-flight cap full, end reached, or lost link)')}
</section>
<section id="requests" class="hidden"><h2>Requests by name</h2>
<div class="scroll"><table><thead><tr><th>request</th><th class="n">rate</th><th class="n">p50</th><th class="n">p95</th><th class="n">p99</th><th class="n">errors</th><th class="n">failed</th><th class="n">checks failed</th><th class="n">total</th><th class="n">rate so far</th><th class="n">p99 so far</th><th class="n">errors so far</th><th class="n">failed so far</th><th class="n">checks ok</th></tr></thead>
<tbody id="requests-body"></tbody></table></div>
<p class="note">Last interval, then the run so far; the busiest names first. <span id="requests-more"></span></p>
</section>
<section id="agents"><h2>Agents (<span id="agents-count">0</span>)</h2>
<div class="scroll"><table><thead><tr><th>agent</th><th>state</th><th class="n">share</th><th class="n">achieved</th><th class="n">event loop p99</th><th class="n">schedule lag p99</th><th class="n">last snapshot</th></tr></thead>
<tbody id="agents-body"></tbody></table></div>
<p class="note">Highlighted: <span class="saturated">saturated</span> (event-loop delay or schedule lag above the limits, or achieving under 90 % of its share) and <span class="missing">missing</span> (lost, failed, or silent for 3 intervals).</p>
</section>
<section id="timeline"><h2>Timeline</h2><ol id="timeline-list"></ol></section>
<p class="note">Percentiles are read from the fleet's merged HDR histograms, never averaged. Updated every ${Math.round(config.intervalMs / 100) / 10} s.</p>
</main>
<script type="application/json" id="dash-config">${scriptJson(config)}</script>
<script>${inlineScript(assets.js)}</script>
<script type="module">${inlineScript(pageScript(SCRIPT_URL))}</script>
</body></html>
`;
}

const PAGE_CSS = `
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#111;background:#f6f7f9}
header{display:flex;flex-wrap:wrap;gap:.4em 1em;align-items:baseline;padding:10px 16px;background:#111827;color:#f9fafb}
header h1{margin:0;font-size:1.25em}.title{flex:1 1 12em;min-width:0;overflow-wrap:anywhere;color:#d1d5db}
.conn{font-size:.85em;padding:.1em .6em;border-radius:999px;background:#374151}.conn.ok{background:#166534;color:#fff}.conn.bad{background:#991b1b;color:#fff}
main{max-width:1400px;margin:0 auto;padding:8px 16px 24px;display:grid;grid-template-columns:minmax(0,1fr);gap:12px}
section{background:#fff;border:1px solid #e5e7eb;border-radius:6px;padding:10px 12px;min-width:0}
h2{font-size:1.05em;margin:.1em 0 .5em}
.progress{height:6px;background:#e5e7eb;border-radius:3px;overflow:hidden;margin-bottom:8px}#progress-bar{height:100%;width:0;background:#2563eb}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(9em,1fr));gap:6px}
.stat{display:flex;flex-direction:column;padding:4px 8px;background:#f9fafb;border-radius:4px}
.stat .k{font-size:.8em;color:#6b7280}.stat .v{font-size:1.25em;font-weight:600;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
form{display:flex;flex-wrap:wrap;gap:8px;align-items:flex-end}
label{display:flex;flex-direction:column;font-size:.85em;color:#374151;flex:1 1 8em}
select{font:inherit;font-weight:400;padding:1px 4px;max-width:16em}
input{font:inherit;padding:6px 8px;border:1px solid #d1d5db;border-radius:4px;width:100%;min-height:36px}
.buttons{display:flex;gap:8px;flex:1 1 12em}
button{font:inherit;padding:6px 14px;min-height:36px;border:0;border-radius:4px;background:#2563eb;color:#fff;cursor:pointer;flex:1}
button.danger{background:#b91c1c}
.hidden{display:none}
#charts{display:grid;grid-template-columns:minmax(0,1fr);gap:8px}
figure{margin:0;min-width:0}figcaption{font-weight:600;font-size:.9em;margin-bottom:2px}.chart{width:100%;min-height:200px;overflow-x:auto}.u-legend{font-size:.8em}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{padding:.3em .6em;border-bottom:1px solid #e5e7eb;text-align:left;white-space:nowrap}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tr.flag-saturated td,.saturated{background:#fef3c7}tr.flag-missing td,.missing{background:#fee2e2}
#timeline-list{margin:0;padding-left:1.4em;max-height:16em;overflow-y:auto}
#timeline-list li{padding:1px 0;overflow-wrap:anywhere}#timeline-list li.warn{color:#92400e}#timeline-list li.error{color:#991b1b}
.at{display:inline-block;min-width:4.5em;color:#6b7280;font-variant-numeric:tabular-nums}
.note{color:#6b7280;font-size:.85em;margin:.4em 0 0}
.ok{color:#166534}.bad{color:#991b1b}
code{overflow-wrap:anywhere}
@media (min-width:900px){#charts{grid-template-columns:repeat(2,minmax(0,1fr))}#charts figure{min-width:0}}
@media (max-width:600px){main{padding:6px}section{padding:8px}.stat .v{font-size:1.1em}}
`;
