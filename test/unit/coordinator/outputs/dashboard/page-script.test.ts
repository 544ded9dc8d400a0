// The dashboard's page script (browser/dashboard.ts, compiled) on a fake page: one `update` event from
// the event stream fills the tiles, the agents' and requests' tables, the timeline and the charts; the
// rate form and the stop button POST what the coordinator's API takes; an ended stream is retried. The real browser run is in
// test/e2e/browser.test.ts; this one needs no browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pageScript } from '../../../../../coordinator/outputs/page-script.js';
import type { DashConfig, DashRun, DashUpdate } from '../../../../../coordinator/outputs/dashboard/update.js';
import { runPageScript } from '../run-page-script.js';

type Listener = (e: { preventDefault(): void }) => void;

/** The little of an element the script touches. */
class FakeEl {
  textContent: string | null = '';
  value = '';
  className = '';
  title = '';
  clientWidth = 640;
  style = { width: '' };
  children: FakeEl[] = [];
  readonly tag: string;
  private readonly attrs = new Map<string, string>();
  private readonly listeners = new Map<string, Listener[]>();
  constructor(tag: string) {
    this.tag = tag;
  }
  appendChild(c: FakeEl): FakeEl {
    this.children.push(c);
    return c;
  }
  replaceChildren(...c: FakeEl[]): void {
    this.children = c;
  }
  setAttribute(k: string, v: string): void {
    this.attrs.set(k, v);
  }
  getAttribute(k: string): string | null {
    return this.attrs.get(k) ?? null;
  }
  addEventListener(type: string, fn: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  fire(type: string): void {
    for (const fn of this.listeners.get(type) ?? []) fn({ preventDefault: () => {} });
  }
  /** The texts of the children's children (a table body's cells, row by row). */
  cells(): string[][] {
    return this.children.map((r) => r.children.map((c) => c.textContent ?? ''));
  }
}

/** Every id the page has (coordinator/outputs/dashboard/page.ts). */
const IDS = [
  'dash-config', 'run-title', 'run-id', 'conn', 'progress-bar', 'stat-state', 'stat-elapsed', 'stat-target', 'stat-achieved', 'stat-p99',
  'stat-errors', 'stat-failed', 'stat-dropped', 'stat-missing', 'fleet', 'rate-form', 'scenario-row', 'rate-scenario', 'rate-label', 'rate-input', 'ramp-input',
  'token-row', 'token-input', 'stop-btn', 'control-result', 'charts', 'chart-rate', 'chart-latency', 'chart-codes', 'chart-dropped',
  'latency-request', 'requests', 'requests-body', 'requests-more', 'agents-body', 'agents-count', 'timeline-list',
];

const UPDATE: DashUpdate = {
  reset: true,
  run: {
    runId: 'r1', name: 'checkout', model: 'open', target: 'http://127.0.0.1:1/', state: 'running', phase: 'main', elapsedMs: 65_000, totalMs: 120_000,
    warmupMs: 0, targetRps: 200, concurrency: 0, verdict: null, scenarios: [],
  },
  points: [0, 1].map((t) => ({
    t, phase: 'main' as const, targetRps: 200, rps: 198 + t, flowRps: 0, missingRps: 0, concurrency: 0, p50: 1.5, p90: 3, p99: 12.5, max: 40,
    s2xx: 198, s3xx: 0, s4xx: 1, s5xx: 0, errors: t, failed: 2 * t, dropped: 0, byRequest: { login: { rps: 10, p50: 2, p95: 4, p99: 8 } },
  })),
  events: [{ atMs: 1_500, level: 'warn', message: 'agent a2 is saturated' }],
  agents: [{
    id: 'a1', host: 'h1', state: 'running', shareRps: 100, sharePct: 50, concurrency: 0, achievedRps: 99, eventLoopP99Ms: 2, scheduleLagP99Ms: 0.5,
    lastSnapshotAgeMs: 800, flag: 'ok', why: '',
  }, {
    id: 'a2', host: 'h2', state: 'running', shareRps: 100, sharePct: 50, concurrency: 0, achievedRps: null, eventLoopP99Ms: null, scheduleLagP99Ms: null,
    lastSnapshotAgeMs: null, flag: 'saturated', why: 'lag p99 30 ms',
  }],
  fleet: { idle: 1, busy: 2 },
  requests: {
    interval: { rows: [{ name: 'login', requests: 10, rps: 10, errors: 0, failed: 3, checksPassed: 10, checksFailed: 0, p50Ms: 2, p95Ms: 4, p99Ms: 8 }], names: 1 },
    soFar: { rows: [{ name: 'login', requests: 600, rps: 9.5, errors: 1, failed: 30, checksPassed: 599, checksFailed: 1, p50Ms: 2, p95Ms: 4, p99Ms: 9 }], names: 3 },
  },
};

interface Posted { path: string; headers: Record<string, string>; body: unknown }

test('the dashboard\'s page script renders an update from the event stream and POSTs the controls', async () => {
  const els = new Map(IDS.map((id) => [id, new FakeEl(id)]));
  const el = (id: string): FakeEl => els.get(id) as FakeEl;
  const config: DashConfig = { needsToken: false, intervalMs: 1000 };
  el('dash-config').textContent = JSON.stringify(config);
  const plots: { data: (number | null)[][] }[] = [];
  class FakePlot {
    data: (number | null)[][];
    constructor(_opts: object, data: (number | null)[][]) {
      this.data = data;
      plots.push(this);
    }
    setData(d: (number | null)[][]): void {
      this.data = d;
    }
    setSize(): void {}
  }
  const posted: Posted[] = [];
  /** The delays the script asked window.setTimeout for (none run). */
  const timersMs: number[] = [];
  const stream = new TransformStream<Uint8Array, Uint8Array>();
  const writer = stream.writable.getWriter();
  const fetch = async (path: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<object> => {
    if (path === 'api/events') return { status: 200, body: stream.readable };
    posted.push({ path, headers: init.headers, body: JSON.parse(init.body ?? 'null') as unknown });
    return { status: 200, json: async () => ({ message: `done ${path}` }) };
  };
  const restore = await runPageScript(pageScript(new URL('../../../../../coordinator/outputs/dashboard/browser/dashboard.js', import.meta.url)), {
    document: { getElementById: (id: string) => els.get(id) ?? null, createElement: (tag: string) => new FakeEl(tag) },
    window: { fetch, setTimeout: (_fn: () => void, ms: number) => timersMs.push(ms), addEventListener: () => {}, innerWidth: 1200 },
    uPlot: FakePlot,
  });
  try {
    assert.equal(plots.length, 4, 'four charts before any data');
    assert.equal(el('token-row').className, 'hidden', 'no token asked for when none is needed');
    // One `update` event, split over two reads as a stream may deliver it.
    const event = new TextEncoder().encode(`event: update\ndata: ${JSON.stringify(UPDATE)}\n\n`);
    await writer.write(event.subarray(0, 40));
    await writer.write(event.subarray(40));
    for (let i = 0; i < 1_000 && el('charts').getAttribute('data-updates') !== '1'; i++) await new Promise((r) => setImmediate(r));
    assert.equal(el('charts').getAttribute('data-updates'), '1');
    assert.equal(el('charts').getAttribute('data-points'), '2');
    assert.equal(el('conn').textContent, 'live');

    assert.equal(el('run-title').textContent, 'checkout · http://127.0.0.1:1/');
    assert.equal(el('stat-state').textContent, 'running (main phase)');
    assert.equal(el('stat-elapsed').textContent, '1:05 / 2:00');
    assert.equal(el('progress-bar').style.width, '54.2%');
    assert.equal(el('stat-target').textContent, '200/s');
    assert.equal(el('stat-achieved').textContent, '199/s', 'the newest point');
    assert.equal(el('stat-p99').textContent, '12.5 ms');
    assert.equal(el('stat-failed').textContent, '2', 'failed requests of the newest point');
    const codes = plots.find((p) => p.data.length === 7);
    assert.deepEqual(codes?.data[6], [0, 2], 'the status chart: failed requests beside transport errors');
    assert.equal(el('fleet').textContent, '2 busy, 1 idle');
    assert.deepEqual(el('agents-body').cells(), [
      ['a1', 'running', '100/s (50 %)', '99/s', '2.00 ms', '0.50 ms', '0.8 s'],
      ['a2', 'running: lag p99 30 ms', '100/s (50 %)', '-', '-', '-', '-'],
    ]);
    assert.equal(el('agents-body').children[1]?.className, 'flag-saturated');
    assert.deepEqual(el('requests-body').cells(), [['login', '10/s', '2.00 ms', '4.00 ms', '8.00 ms', '0', '3', '0', '600', '9.5/s', '9.00 ms', '1', '30', '99.8 %']]);
    assert.equal(el('requests-more').textContent, '+ 2 more request name(s): report.json has all');
    assert.deepEqual(el('latency-request').children.map((o) => o.textContent), ['all requests', 'login']);
    assert.deepEqual(el('timeline-list').cells(), [['1.5 s', 'agent a2 is saturated']]);
    const rate = plots.find((p) => p.data.length === 4);
    assert.deepEqual(rate?.data, [[0, 1], [200, 200], [198, 199], [0, 0]], 'the rate chart: t, target, achieved, missing');

    // The latency chart follows one request name when one is chosen.
    el('latency-request').value = 'login';
    el('latency-request').fire('change');
    assert.ok(plots.some((p) => JSON.stringify(p.data) === JSON.stringify([[0, 1], [2, 2], [4, 4], [8, 8]])), 'login\'s p50, p95, p99');

    el('rate-input').value = '250';
    el('ramp-input').value = '2.5';
    el('rate-form').fire('submit');
    el('rate-input').value = '-1';
    el('rate-form').fire('submit');
    assert.equal(el('control-result').textContent, 'enter a number >= 0');
    el('stop-btn').fire('click');
    for (let i = 0; i < 1_000 && el('control-result').textContent !== 'done api/stop'; i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(posted.map((p) => [p.path, p.body]), [['api/rate', { rateRps: 250, rampMs: 2500 }], ['api/stop', {}]]);
    assert.equal(posted[0]?.headers['content-type'], 'application/json');
    assert.equal(el('control-result').textContent, 'done api/stop');

    // The rate form's label names the unit a change sets: req/s for a single request, flow runs/s with
    // flows, loops for a closed model.
    assert.equal(el('rate-label').textContent, 'rate (req/s)');
    const run = UPDATE.run as DashRun;
    const rows: Array<[DashRun, string]> = [
      [{ ...run, flows: true }, 'rate (flow runs/s)'], //          an open model with flows
      [{ ...run, flows: true, model: 'closed' }, 'loops'], //      a closed model with flows
      [{ ...run, flows: false }, 'rate (req/s)'], //               back to a single request
    ];
    for (const [i, [r, label]] of rows.entries()) {
      const u: DashUpdate = { ...UPDATE, reset: false, run: r, points: [], events: [] };
      await writer.write(new TextEncoder().encode(`event: update\ndata: ${JSON.stringify(u)}\n\n`));
      const n = String(i + 2);
      for (let k = 0; k < 1_000 && el('charts').getAttribute('data-updates') !== n; k++) await new Promise((res) => setImmediate(res));
      assert.equal(el('rate-label').textContent, label, `flows ${String(r.flows)}, ${r.model} model`);
    }

    // The stream ends: shown, and a new connection is scheduled.
    await writer.close();
    for (let i = 0; i < 1_000 && el('conn').textContent !== 'reconnecting…'; i++) await new Promise((r) => setImmediate(r));
    assert.equal(el('conn').textContent, 'reconnecting…');
    assert.deepEqual(timersMs, [2_000]);
  } finally {
    restore();
  }
});
