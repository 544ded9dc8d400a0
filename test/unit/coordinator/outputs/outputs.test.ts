// The outputs' pieces on their own: the HTTP route table, the live view (TTY and plain),
// the percentile spectrum, CSV, the HdrHistogram log's refusal of old reports, escaping, and the HTML
// report's chart script run against a fake page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { IntervalFigures } from '../../../../coordinator/merge/aggregator.js';
import type { LatencyMs } from '../../../../common/metrics/histogram.js';
import { encodeHistogram, newHistogram } from '../../../../common/metrics/histogram.js';
import { LoadfleetError } from '../../../../common/runtime/errors.js';
import { HttpServer, parseHostPort, text } from '../../../../coordinator/server/http-server.js';
import { createLiveView, plainLine, ttyView } from '../../../../cli/live-output.js';
import { formatLiveView, progressBar, stageLabel } from '../../../../coordinator/outputs/tty-view.js';
import { percentileSpectrum } from '../../../../coordinator/outputs/spectrum.js';
import { CSV_COLUMNS, seriesCsv } from '../../../../coordinator/outputs/csv.js';
import { hdrLog } from '../../../../coordinator/outputs/hdr-log.js';
import { esc, scriptJson } from '../../../../coordinator/outputs/html-report/page.js';
import type { ChartData } from '../../../../coordinator/outputs/html-report/chart-data.js';
import { pageScript } from '../../../../coordinator/outputs/page-script.js';
import { runPageScript } from './run-page-script.js';
import type { SeriesPoint } from '../../../../coordinator/report/report.js';
import type { LiveLine } from '../../../../coordinator/run/test-run.js';
import { captureIo } from '../../../helpers/io.js';
import { scenario } from '../../../helpers/local-run.js';

const lat = (p50: number, p99: number): LatencyMs => ({ count: 1000, min: 0.2, mean: p50, p50, p90: p99 / 2, p95: p99 * 0.8, p99, p999: p99 * 2, max: p99 * 3 });

function fig(extra: Partial<IntervalFigures> = {}): IntervalFigures {
  return {
    index: 11, agents: 2, requests: 998, sent: 998, dropped: 0, errorsByKind: { refused: 0, reset: 0, timeout: 0, certificate: 0, dns: 0, other: 0 }, errors: 0,
    statusCodes: { '200': 998 }, failed: 0, failedByStatus: {}, bytesReceived: 99_800, rps: 998, coveredMs: 1000, targetRps: 1000, concurrency: 0, latencyMs: lat(1.2, 4.8), serviceMs: lat(1, 4),
    inFlightPeak: 12, eventLoopDelayP99MsMax: 1.5, scheduleLagP99MsMax: 0.3, ...extra,
  };
}

const line = (extra: Partial<LiveLine> = {}): LiveLine => ({ phase: 'main', elapsedMs: 12_000, totalMs: 20_000, agents: 2, figures: fig(), ...extra });

test('parseHostPort', () => {
  const rows: Array<[string, { host: string; port: number } | 'error']> = [
    ['127.0.0.1:9464', { host: '127.0.0.1', port: 9464 }], // the usual
    ['0.0.0.0:0', { host: '0.0.0.0', port: 0 }], //             any free port
    ['[::1]:80', { host: '::1', port: 80 }], //                IPv6 in brackets
    ['localhost', 'error'], //                                 no port
    [':9464', 'error'], //                                     no host
    ['h:99999', 'error'], //                                   port out of range
    ['h:12x', 'error'], //                                     not a number
  ];
  for (const [input, want] of rows) {
    if (want === 'error') assert.throws(() => parseHostPort(input, '--metrics'), (e: unknown) => e instanceof LoadfleetError && e.code === 'USAGE' && e.message.includes('--metrics'), input);
    else assert.deepEqual(parseHostPort(input, '--metrics'), want, input);
  }
});

test('HttpServer: routes, /healthz, 404, 405, a failing route is a 500; close() is idempotent and ends open responses', async () => {
  const logs: string[] = [];
  const server = new HttpServer({
    listen: '127.0.0.1:0',
    log: (_l, m) => logs.push(m),
    routes: [
      { method: 'GET', path: '/hello', handle: (_req, res) => text(res, 200, 'hi') },
      { method: 'GET', path: '/boom', handle: () => { throw new Error('kaput'); } },
      { method: 'GET', path: '/stream', handle: (_req, res) => { res.writeHead(200); res.write('open'); } },
    ],
  });
  server.add({ method: 'POST', path: '/later', handle: (_req, res) => text(res, 201, 'added later') });
  const base = `http://${await server.listen()}`;
  assert.equal(await (await fetch(`${base}/hello?x=1`)).text(), 'hi');
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  assert.equal((await fetch(`${base}/nope`)).status, 404);
  const wrong = await fetch(`${base}/later`);
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get('allow'), 'POST');
  assert.equal((await fetch(`${base}/later`, { method: 'POST' })).status, 201);
  assert.equal((await fetch(`${base}/boom`)).status, 500);
  assert.match(logs.join('\n'), /kaput/);
  const stream = await fetch(`${base}/stream`);
  const reading = stream.text().catch(() => 'ended');
  await server.close();
  await server.close();
  assert.ok(typeof (await reading) === 'string', 'the open response ended');
});

test('progress bar and stage label', () => {
  const bars: Array<[number, string]> = [
    [0, '░░░░░░░░░░'], //   nothing yet
    [0.5, '█████░░░░░'], // half
    [1.7, '██████████'], // clamped
    [Number.NaN, '░░░░░░░░░░'], // no total
  ];
  for (const [f, want] of bars) assert.equal(progressBar(f, 10), want);
  const staged = scenario({ request: { url: 'http://127.0.0.1:1/' }, load: { model: 'open', stages: [{ duration: '10s', target: 100 }, { duration: '20s', target: 100 }] } });
  const rows: Array<[number, string]> = [[0, 'stage 1/2'], [9_999, 'stage 1/2'], [10_000, 'stage 2/2'], [40_000, 'stage 2/2']];
  for (const [ms, want] of rows) assert.equal(stageLabel(staged, ms), want);
  const flat = scenario({ request: { url: 'http://127.0.0.1:1/' }, load: { model: 'open', rate: 10, duration: '20s' } });
  assert.equal(stageLabel(flat, 5_000), '');
});

test('formatLiveView: progress over warm-up and main, stage, rate, percentiles, errors, agents', () => {
  const s = scenario({ request: { url: 'http://127.0.0.1:1/' }, load: { model: 'open', rate: 1000, duration: '20s' }, warmup: '5s' });
  const block = formatLiveView(line(), s).split('\n');
  assert.equal(block.length, 5);
  assert.match(block[0] as string, /^█+░+ +68%  17s \/ 25s  main$/);
  assert.equal(block[1], 'rate     target 1000/s  achieved 998/s');
  assert.equal(block[2], 'latency  p50 1.20ms  p90 2.40ms  p99 4.80ms  max 14.4ms');
  assert.equal(block[3], 'errors   0  failed 0  dropped 0  in flight 12');
  assert.equal(block[4], 'agents   2  loop p99 1.50ms  lag p99 0.300ms');
  // With flows each rate keeps its unit; failed requests beside the transport errors.
  const flows = formatLiveView(line({ figures: fig({ targetRps: 200, flowRuns: 199, flowRps: 199, rps: 597, requests: 597, failed: 60 }) }), s).split('\n');
  assert.equal(flows[1], 'rate     flows target 200/s, 199/s started · requests 597/s');
  assert.equal(flows[3], 'errors   0  failed 60 (10.05%)  dropped 0  in flight 12');
  const warm = formatLiveView(line({ phase: 'warmup', elapsedMs: 2_000, totalMs: 5_000 }), s);
  assert.match(warm, /2s \/ 25s  warm-up/);
  const bound = formatLiveView(line({ figures: fig({ dropped: 7, errors: 2, requests: 200 }) }), s);
  assert.match(bound, /errors   2 \(1\.00%\)  failed 0  dropped 7/);
  assert.match(bound, /!! generator: 7 dropped/);
});

function fakeStream(tty: boolean): Writable & { data: string[] } {
  const data: string[] = [];
  const w = new Writable({ write(chunk: Buffer | string, _e, cb) { data.push(chunk.toString()); cb(); } });
  return Object.assign(w, { data, isTTY: tty, columns: 120, rows: 40 });
}

test('live view: plain lines without a TTY (unchanged format); redrawn in place with notices above it on a TTY', () => {
  const s = scenario({ request: { url: 'http://127.0.0.1:1/' }, load: { model: 'open', rate: 1000, duration: '20s' } });
  const io = captureIo('/tmp');
  const plain = createLiveView(io, s);
  plain.onTick(line());
  plain.onNotice('warn', 'careful');
  plain.say('> rate 5/s sent');
  plain.close();
  assert.equal(io.out(), `${plainLine(line())}\n`);
  assert.equal(io.out(), '[ 12s/20s] target   1000/s achieved    998/s p50  1.20ms p99  4.80ms err     0 fail     0 drop     0 agents 2\n');
  assert.equal(io.err(), 'warn: careful\n> rate 5/s sent\n');

  const out = fakeStream(true);
  const err = fakeStream(true);
  const view = ttyView(out, err, s, true);
  view.onTick(line());
  assert.match(out.data.join(''), /█+░+.*12s \/ 20s/);
  view.onTick(line({ elapsedMs: 13_000 }));
  assert.match(out.data.join(''), /\u001b\[\d*A/, 'redrawn in place (cursor up)');
  const before = out.data.length;
  view.onNotice('error', 'agent lost');
  assert.equal(err.data.join(''), 'error: agent lost\n');
  assert.match(out.data.slice(before).join(''), /\u001b\[2K/, 'the block was erased, then drawn again below the notice');
  assert.match(out.data.slice(before).join(''), /13s \/ 20s/);
  view.typed();
  view.close();
  view.close();
  view.onTick(line({ elapsedMs: 14_000 }));
  assert.doesNotMatch(out.data.join(''), /14s \/ 20s/, 'nothing drawn after close');
});

test('percentile spectrum: HdrHistogram ticks (5 per halving) up to the max, x = 1/(1-p)', () => {
  const h = newHistogram();
  for (let ms = 1; ms <= 1000; ms++) h.recordValue(ms * 1000);
  const points = percentileSpectrum(encodeHistogram(h));
  h.destroy();
  assert.equal(points[0]?.percentile, 0);
  assert.equal(points[5]?.percentile, 50, 'five ticks to 50 %');
  assert.equal(points[10]?.percentile, 75);
  assert.ok(Math.abs((points[5]?.valueMs ?? 0) - 500) < 1, `p50 ${points[5]?.valueMs}`);
  const last = points.at(-1);
  assert.deepEqual([last?.percentile, last?.inverse], [100, 1000]);
  assert.ok(Math.abs((last?.valueMs ?? 0) - 1000) < 1);
  for (let i = 1; i < points.length; i++) {
    assert.ok((points[i]?.inverse ?? 0) > (points[i - 1]?.inverse ?? 0), 'x increases');
    assert.ok((points[i]?.valueMs ?? 0) >= (points[i - 1]?.valueMs ?? 0), 'y never decreases');
  }
  assert.deepEqual(percentileSpectrum(''), []);
});

function point(index: number, extra: Partial<SeriesPoint> = {}): SeriesPoint {
  return {
    index, atMs: index * 1000, agents: 2, requests: 100, sent: 100, rps: 100, coveredMs: 1000, targetRps: 100, concurrency: 0, errors: 0, failed: 0, dropped: 0, p50: 1, p90: 2, p99: 3, max: 4,
    serviceP50: 0.5, serviceP99: 2, inFlight: 3, eventLoopP99: 1, scheduleLagP99: 0.2, missingRps: 0, ...extra,
  };
}

test('CSV: header plus one row per point, in column order; the histogram column is not in it', () => {
  const csv = seriesCsv({ series: [point(0), point(1, { rps: 99.5, failed: 7, latencyHist: 'HISTxyz' })] });
  const rows = csv.trimEnd().split('\n');
  assert.equal(rows[0], CSV_COLUMNS.join(','));
  assert.equal(rows[2], '1,1000,2,100,99.5,100,0,0,7,0,1,2,3,4,0.5,2,3,1,0.2,0');
  assert.equal(rows.length, 3);
  assert.ok(!csv.includes('HIST'));
});

test('hdrLog refuses a report without per-interval histograms, naming why', () => {
  const old = { runId: 'r', startedAt: new Date(0).toISOString(), warmupMs: 0, intervalMs: 1000, series: [point(0)] };
  assert.throws(() => hdrLog(old), (e: unknown) => e instanceof LoadfleetError && e.code === 'USAGE' && /older loadfleet/.test(e.message));
  const empty = hdrLog({ ...old, series: [point(0, { latencyHist: '' })] });
  assert.match(empty, /^0\.000,1\.000,0\.000,HISTF/m, 'an empty interval is still a line');
});

test('escaping: HTML text and JSON inside a script element', () => {
  assert.equal(esc(`<a href="x">'&'</a>`), '&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
  const json = scriptJson({ s: '</script><!-- \u2028' });
  assert.ok(!json.includes('<') && !json.includes('\u2028'));
  assert.deepEqual(JSON.parse(json), { s: '</script><!-- \u2028' });
});

test('the HTML report\'s chart script draws five charts with aligned data on a fake page', async () => {
  const data: ChartData = {
    model: 'open', t: [0, 1, 2], targetRps: [10, 10, 10], rps: [9, 10, 10], missingRps: [0, 0, 0], concurrency: [0, 0, 0], p50: [1, 1, 1], p90: [2, 2, 2],
    p99: [3, 3, 3], max: [4, 4, 4], errors: [0, 1, 0], failed: [0, 0, 5], dropped: [0, 0, 0], eventLoopP99: [1, 1, 1], scheduleLagP99: [0, 0, 0],
    spectrum: { inverse: [1, 2, 4, 10], latencyMs: [1, 2, 3, 4], serviceMs: [1, 1, 2, 3] },
  };
  const elements = new Map<string, { textContent: string; clientWidth: number }>([['report-data', { textContent: JSON.stringify(data), clientWidth: 0 }]]);
  for (const id of ['chart-rate', 'chart-latency', 'chart-errors', 'chart-health', 'chart-spectrum']) elements.set(id, { textContent: '', clientWidth: 640 });
  const plots: { opts: { series: object[]; width: number; scales: { x: { distr?: number } } }; data: (number | null)[][] }[] = [];
  let onResize: (() => void) | undefined;
  class FakePlot {
    constructor(opts: object, d: (number | null)[][]) {
      plots.push({ opts: opts as (typeof plots)[number]['opts'], data: d });
    }
    setSize(): void {}
  }
  // The script the page inlines: the compiled browser module beside the page's module.
  const js = pageScript(new URL('../../../../coordinator/outputs/html-report/browser/report.js', import.meta.url));
  const restore = await runPageScript(js, {
    document: { getElementById: (id: string) => elements.get(id) ?? null },
    window: { addEventListener: (_t: string, fn: () => void) => { onResize = fn; } },
    uPlot: FakePlot,
  });
  restore();
  assert.equal(plots.length, 5);
  for (const p of plots) {
    assert.equal(p.opts.series.length, p.data.length, 'one series per data column');
    const n = p.data[0]?.length;
    for (const col of p.data) assert.equal(col.length, n, 'columns aligned');
    assert.equal(p.opts.width, 640);
  }
  assert.equal(plots[4]?.opts.scales.x.distr, 3, 'the spectrum uses a log x axis');
  assert.deepEqual(plots[2]?.data[2], [0, 0, 5], 'the errors chart has failed requests beside transport errors');
  assert.ok(onResize !== undefined);
  onResize();
});

test('the HTML report\'s rate chart keeps each unit with flows: target and started flow runs/s, requests/s apart', async () => {
  const data: ChartData = {
    model: 'open', t: [0, 1], targetRps: [10, 10], rps: [30, 29], flowRps: [10, 9], missingRps: [0, 0], concurrency: [0, 0], p50: [1, 1], p90: [2, 2],
    p99: [3, 3], max: [4, 4], errors: [0, 0], failed: [0, 0], dropped: [0, 0], eventLoopP99: [1, 1], scheduleLagP99: [0, 0],
    spectrum: { inverse: [1, 2], latencyMs: [1, 2], serviceMs: [1, 1] },
  };
  const elements = new Map<string, { textContent: string; clientWidth: number }>([['report-data', { textContent: JSON.stringify(data), clientWidth: 0 }]]);
  elements.set('chart-rate', { textContent: '', clientWidth: 640 });
  const plots: { opts: { series: { label?: string }[] }; data: (number | null)[][] }[] = [];
  class FakePlot {
    constructor(opts: object, d: (number | null)[][]) {
      plots.push({ opts: opts as (typeof plots)[number]['opts'], data: d });
    }
    setSize(): void {}
  }
  const js = pageScript(new URL('../../../../coordinator/outputs/html-report/browser/report.js', import.meta.url));
  const restore = await runPageScript(js, {
    document: { getElementById: (id: string) => elements.get(id) ?? null },
    window: { addEventListener: () => {} },
    uPlot: FakePlot,
  });
  restore();
  assert.equal(plots.length, 1);
  assert.deepEqual(plots[0]?.opts.series.slice(1).map((s) => s.label), ['target flows/s', 'started flows/s', 'requests/s', 'missing flows/s']);
  assert.deepEqual(plots[0]?.data, [[0, 1], [10, 10], [10, 9], [30, 29], [0, 0]]);
});
