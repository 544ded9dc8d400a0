// The HTML report's page script: a browser module, compiled with the DOM library by
// tsconfig.browser.json and inlined into the page by html-report/page.ts as `<script type="module">` (the page is
// one file opened without network: it may import types only). It only draws charts (uPlot, inlined too)
// from the JSON the page carries; every text of the report is rendered, escaped, on the server side.
import type { ChartData } from '../chart-data.js';

type Plot = { setSize(s: { width: number; height: number }): void };
/** uPlot's constructor, loosely typed (options and data are plain objects); the global `uPlot`. */
type UPlotCtor = new (opts: object, data: (number | null)[][], target: HTMLElement) => Plot;
interface AxisOptions { logX?: boolean; logY?: boolean }

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];
const HEIGHT_PX = 260;
const MIN_WIDTH_PX = 300;

const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

/** The x axis: a percentile axis on a 1/(1-p) log scale labels its ticks as percentiles. */
function xAxis(xLabel: string, logX: boolean): object {
  if (!logX) return { label: xLabel };
  // uPlot hands the log axis' unlabelled (minor) ticks as null: they stay unlabelled.
  return { label: xLabel, values: (_u: unknown, vals: (number | null)[]) => vals.map((v) => (v === null ? null : `${Number((100 * (1 - 1 / v)).toPrecision(6))}%`)) };
}

function chartOptions(el: HTMLElement, xLabel: string, yLabel: string, names: string[], points: number, extra: AxisOptions): object {
  const series: object[] = [{ label: xLabel }];
  names.forEach((name, i) => series.push({ label: name, stroke: PALETTE[i % PALETTE.length], width: 1.5, points: { show: points < 60 } }));
  return {
    width: Math.max(MIN_WIDTH_PX, el.clientWidth),
    height: HEIGHT_PX,
    series,
    legend: { live: true },
    scales: {
      x: extra.logX === true ? { time: false, distr: 3, log: 10 } : { time: false },
      y: extra.logY === true ? { distr: 3, log: 10 } : { auto: true },
    },
    axes: [xAxis(xLabel, extra.logX === true), { label: yLabel, size: 60, values: (_u: unknown, vals: number[]) => vals.map((v) => fmt(v)) }],
  };
}

/** Draws the charts into their elements (a chart without points or element is left out); resizes them with the window. */
function drawCharts(d: ChartData, UPlot: UPlotCtor): void {
  const charts: { el: HTMLElement; plot: Plot }[] = [];
  const chart = (id: string, xLabel: string, yLabel: string, names: string[], ys: number[][], xs: number[], extra: AxisOptions = {}): void => {
    const el = document.getElementById(id);
    if (el === null || xs.length === 0) return;
    charts.push({ el, plot: new UPlot(chartOptions(el, xLabel, yLabel, names, xs.length, extra), [xs, ...ys], el) });
  };
  let rateNames = d.model === 'open' ? ['target req/s', 'achieved req/s', 'missing req/s']
    : d.model === 'closed' ? ['loops', 'achieved req/s'] : ['target req/s (open)', 'achieved req/s', 'missing req/s', 'loops (closed)'];
  let rateYs = d.model === 'open' ? [d.targetRps, d.rps, d.missingRps] : d.model === 'closed' ? [d.concurrency, d.rps] : [d.targetRps, d.rps, d.missingRps, d.concurrency];
  if (d.flowRps !== undefined) {
    // With flows each rate keeps its unit: the target is flow runs per second, beside those started; requests per second apart.
    const flows = d.flowRps;
    rateNames = d.model === 'open' ? ['target flows/s', 'started flows/s', 'requests/s', 'missing flows/s']
      : d.model === 'closed' ? ['loops', 'started flows/s', 'requests/s'] : ['target flows/s (open)', 'started flows/s', 'requests/s', 'missing flows/s', 'loops (closed)'];
    rateYs = d.model === 'open' ? [d.targetRps, flows, d.rps, d.missingRps] : d.model === 'closed' ? [d.concurrency, flows, d.rps]
      : [d.targetRps, flows, d.rps, d.missingRps, d.concurrency];
  }
  chart('chart-rate', 's', d.flowRps === undefined ? 'req/s' : 'per second', rateNames, rateYs, d.t);
  chart('chart-latency', 's', 'ms', ['p50', 'p90', 'p99', 'max'], [d.p50, d.p90, d.p99, d.max], d.t);
  chart('chart-errors', 's', 'per interval', ['errors', 'failed', 'dropped'], [d.errors, d.failed ?? d.errors.map(() => 0), d.dropped], d.t);
  chart('chart-health', 's', 'ms', ['event-loop delay p99 (worst agent)', 'schedule lag p99 (worst agent)'], [d.eventLoopP99, d.scheduleLagP99], d.t);
  chart('chart-spectrum', 'percentile', 'ms', ['latency (from intended send)', 'service time (from actual send)'],
    [d.spectrum.latencyMs, d.spectrum.serviceMs], d.spectrum.inverse, { logX: true });
  window.addEventListener('resize', () => {
    for (const c of charts) c.plot.setSize({ width: Math.max(MIN_WIDTH_PX, c.el.clientWidth), height: HEIGHT_PX });
  });
}

function main(): void {
  const dataEl = document.getElementById('report-data');
  const UPlot = (globalThis as { uPlot?: UPlotCtor }).uPlot;
  if (dataEl === null || UPlot === undefined) return;
  drawCharts(JSON.parse(dataEl.textContent ?? '{}') as ChartData, UPlot);
}

main();
