// The script of the HTML report, written in TypeScript so it is type-checked, and inlined into the page
// as `clientMain.toString()`. It must stay self-contained: no imports or module-level names are used
// inside clientMain (they would not exist in the page). It only draws charts (uPlot, inlined too) from
// the JSON the page carries; every text of the report is rendered, escaped, on the server side.

/** The JSON the page carries for its charts (numbers only, apart from series labels chosen here). */
export interface ChartData {
  /** 'mixed': several scenarios at once, some open and some closed (the rate chart shows both). */
  model: 'open' | 'closed' | 'mixed';
  /** Seconds since the main phase's start, one per interval. */
  t: number[];
  targetRps: number[];
  rps: number[];
  missingRps: number[];
  concurrency: number[];
  p50: number[];
  p90: number[];
  p99: number[];
  max: number[];
  errors: number[];
  dropped: number[];
  eventLoopP99: number[];
  scheduleLagP99: number[];
  /** Percentile spectrum: x = 1/(1-p), y = milliseconds (latency and service time share x). */
  spectrum: { inverse: number[]; latencyMs: number[]; serviceMs: number[] };
}

/** The little of the DOM the script uses (the project compiles without the DOM lib). */
export interface MiniElement {
  textContent: string | null;
  clientWidth: number;
}
export interface MiniDocument {
  getElementById(id: string): MiniElement | null;
}
export interface MiniWindow {
  addEventListener(type: 'resize', fn: () => void): void;
}
/** uPlot's constructor, loosely typed (options and data are plain objects). */
export type UPlotCtor = new (opts: object, data: (number | null)[][], target: MiniElement) => { setSize(s: { width: number; height: number }): void };

export function clientMain(doc: MiniDocument, win: MiniWindow, UPlot: UPlotCtor | undefined): void {
  const dataEl = doc.getElementById('report-data');
  if (dataEl === null || UPlot === undefined) return;
  const Plot = UPlot;
  const d = JSON.parse(dataEl.textContent ?? '{}') as ChartData;
  const palette = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];
  const charts: { el: MiniElement; plot: { setSize(s: { width: number; height: number }): void } }[] = [];
  const height = 260;
  const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

  function chart(id: string, xLabel: string, yLabel: string, names: string[], ys: number[][], xs: number[], extra: { logX?: boolean; logY?: boolean } = {}): void {
    const el = doc.getElementById(id);
    if (el === null || xs.length === 0) return;
    const series: object[] = [{ label: xLabel }];
    names.forEach((name, i) => series.push({ label: name, stroke: palette[i % palette.length], width: 1.5, points: { show: xs.length < 60 } }));
    const opts = {
      width: Math.max(300, el.clientWidth),
      height,
      series,
      legend: { live: true },
      scales: {
        x: extra.logX === true ? { time: false, distr: 3, log: 10 } : { time: false },
        y: extra.logY === true ? { distr: 3, log: 10 } : { auto: true },
      },
      axes: [
        extra.logX === true
          // uPlot hands the log axis' unlabelled (minor) ticks as null: they stay unlabelled.
          ? { label: xLabel, values: (_u: unknown, vals: (number | null)[]) => vals.map((v) => (v === null ? null : `${Number((100 * (1 - 1 / v)).toPrecision(6))}%`)) }
          : { label: xLabel },
        { label: yLabel, size: 60, values: (_u: unknown, vals: number[]) => vals.map((v) => fmt(v)) },
      ],
    };
    charts.push({ el, plot: new Plot(opts, [xs, ...ys], el) });
  }

  const rateNames = d.model === 'open' ? ['target req/s', 'achieved req/s', 'missing req/s']
    : d.model === 'closed' ? ['loops', 'achieved req/s'] : ['target req/s (open)', 'achieved req/s', 'missing req/s', 'loops (closed)'];
  const rateYs = d.model === 'open' ? [d.targetRps, d.rps, d.missingRps] : d.model === 'closed' ? [d.concurrency, d.rps] : [d.targetRps, d.rps, d.missingRps, d.concurrency];
  chart('chart-rate', 's', 'req/s', rateNames, rateYs, d.t);
  chart('chart-latency', 's', 'ms', ['p50', 'p90', 'p99', 'max'], [d.p50, d.p90, d.p99, d.max], d.t);
  chart('chart-errors', 's', 'per interval', ['errors', 'dropped'], [d.errors, d.dropped], d.t);
  chart('chart-health', 's', 'ms', ['event-loop delay p99 (worst agent)', 'schedule lag p99 (worst agent)'], [d.eventLoopP99, d.scheduleLagP99], d.t);
  chart('chart-spectrum', 'percentile', 'ms', ['latency (from intended send)', 'service time (from actual send)'],
    [d.spectrum.latencyMs, d.spectrum.serviceMs], d.spectrum.inverse, { logX: true });

  win.addEventListener('resize', () => {
    for (const c of charts) c.plot.setSize({ width: Math.max(300, c.el.clientWidth), height });
  });
}
