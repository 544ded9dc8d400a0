// The live dashboard's page script: a browser module, compiled with the DOM library by
// tsconfig.browser.json and inlined into the page by dashboard/page.ts as `<script type="module">` (no network: it
// may import types only). It renders data only through textContent, attributes it chooses and uPlot
// (never innerHTML), so every string is escaped.
import type { DashAgent, DashConfig, DashEvent, DashPoint, DashRun, DashUpdate } from '../update.js';

type Plot = { setData(d: (number | null)[][]): void; setSize(s: { width: number; height: number }): void };
/** uPlot's constructor, loosely typed (options and data are plain objects); the global `uPlot`. */
type UPlotCtor = new (opts: object, data: (number | null)[][], target: HTMLElement) => Plot;
type Model = 'open' | 'closed';
/** The charted columns of a point. */
type Key = keyof Omit<DashPoint, 'phase' | 'byRequest'>;

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];
/** A dropped event stream is opened again after this long. */
const RECONNECT_MS = 2_000;
/** A typed token is tried once typing pauses this long (each refusal is a line in the coordinator's log). */
const TYPING_PAUSE_MS = 600;

/** What the page holds between updates. */
interface View {
  cfg: DashConfig;
  uplot: UPlotCtor | undefined;
  /** One array per chart column, kept sorted by time. */
  cols: Record<Key, number[]>;
  /** Per chart point (same order as cols.t), its busiest request names' figures. */
  named: (DashPoint['byRequest'] | undefined)[];
  /** The latency chart shows every request ('') or one request name. */
  latencyOf: string;
  model: Model;
  /** The run has flows: its target is flow runs per second, charted apart from requests per second. */
  flows: boolean;
  /** Several scenarios at once: their models by name (the rate form changes the one selected). */
  scenarioModels: Map<string, Model>;
  charts: { el: HTMLElement; plot: Plot; keys: Key[] }[];
  updates: number;
}

// ---- the page's elements and formats ----

function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`missing #${id}`);
  return el;
}
const $input = (id: string): HTMLInputElement => $(id) as HTMLInputElement;
const $select = (id: string): HTMLSelectElement => $(id) as HTMLSelectElement;

const num = (v: number): string => v.toLocaleString('en-US', { maximumFractionDigits: 1 });
const ms = (v: number | null): string => (v === null ? '-' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : v >= 10 ? `${v.toFixed(1)} ms` : `${v.toFixed(2)} ms`);
function clock(msv: number): string {
  const s = Math.max(0, Math.floor(msv / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
const chartHeight = (): number => (window.innerWidth < 600 ? 200 : 240);

/** The model the rate form changes: the selected scenario's, or the run's. */
const controlModel = (view: View): Model => view.scenarioModels.get($select('rate-scenario').value) ?? view.model;

/**
 * The rate form's label names the unit a change sets: loops for a closed model; for an open one flow runs
 * per second with flows (every scenario of a test with several has flows), else requests per second.
 */
function showRateLabel(view: View): void {
  $('rate-label').textContent = controlModel(view) === 'closed' ? 'loops' : view.flows ? 'rate (flow runs/s)' : 'rate (req/s)';
}

// ---- charts ----

/** A chart's columns; the latency chart's come from one request name's points when one is chosen. */
function dataOf(view: View, keys: Key[]): (number | null)[][] {
  const { cols, named, latencyOf } = view;
  if (latencyOf === '' || !keys.includes('p50')) return [cols.t, ...keys.map((k) => cols[k])];
  const pick = (q: 'p50' | 'p95' | 'p99'): (number | null)[] => named.map((n) => n?.[latencyOf]?.[q] ?? null);
  return [cols.t, pick('p50'), pick('p95'), pick('p99')];
}

function addChart(view: View, id: string, yLabel: string, names: string[], keys: Key[]): void {
  const el = $(id);
  if (view.uplot === undefined) {
    el.textContent = 'charts unavailable (uPlot did not load)';
    return;
  }
  const series: object[] = [{ label: 's' }];
  names.forEach((name, i) => series.push({ label: name, stroke: PALETTE[i % PALETTE.length], width: 1.5 }));
  const opts = {
    width: Math.max(260, el.clientWidth), height: chartHeight(), series, legend: { live: true },
    scales: { x: { time: false }, y: { auto: true } },
    axes: [{ label: 's' }, { label: yLabel, size: 56 }],
  };
  view.charts.push({ el, keys, plot: new view.uplot(opts, dataOf(view, keys), el) });
}

/** Draws every chart again: the run's model, its scenarios or the latency chart's request changed. */
function makeCharts(view: View): void {
  for (const c of view.charts) c.el.replaceChildren();
  view.charts.length = 0;
  const mixed = new Set(view.scenarioModels.values()).size > 1;
  if (view.flows) {
    // Each rate in its own unit: flow runs per second (target, started) and requests per second.
    const open: [string[], Key[]] = [['target flows/s', 'started flows/s', 'requests/s', 'missing flows/s'], ['targetRps', 'flowRps', 'rps', 'missingRps']];
    const closed: [string[], Key[]] = [['loops', 'started flows/s', 'requests/s'], ['concurrency', 'flowRps', 'rps']];
    const [names, keys] = mixed ? [['target flows/s (open)', ...open[0].slice(1), 'loops (closed)'], [...open[1], 'concurrency' as Key]] : view.model === 'open' ? open : closed;
    addChart(view, 'chart-rate', 'per second', names, keys);
  } else if (mixed) addChart(view, 'chart-rate', 'req/s', ['target req/s (open)', 'achieved req/s', 'missing req/s', 'loops (closed)'], ['targetRps', 'rps', 'missingRps', 'concurrency']);
  else if (view.model === 'open') addChart(view, 'chart-rate', 'req/s', ['target req/s', 'achieved req/s', 'missing req/s'], ['targetRps', 'rps', 'missingRps']);
  else addChart(view, 'chart-rate', 'req/s', ['loops', 'achieved req/s'], ['concurrency', 'rps']);
  const of = view.latencyOf;
  if (of === '') addChart(view, 'chart-latency', 'ms', ['p50', 'p90', 'p99', 'max'], ['p50', 'p90', 'p99', 'max']);
  else addChart(view, 'chart-latency', 'ms', [`${of} p50`, `${of} p95`, `${of} p99`], ['p50', 'p90', 'p99']);
  addChart(view, 'chart-codes', 'per interval', ['2xx', '3xx', '4xx', '5xx', 'transport errors', 'failed (status not expected)'], ['s2xx', 's3xx', 's4xx', 's5xx', 'errors', 'failed']);
  addChart(view, 'chart-dropped', 'per interval', ['dropped arrivals'], ['dropped']);
}

function resizeCharts(view: View): void {
  for (const c of view.charts) c.plot.setSize({ width: Math.max(260, c.el.clientWidth), height: chartHeight() });
}

/** Adds points to the columns, kept sorted by time (a warm-up interval can come after the first main-phase one). */
function addPoints(view: View, points: DashPoint[]): void {
  const { cols, named } = view;
  for (const p of points) {
    let i = cols.t.length;
    while (i > 0 && (cols.t[i - 1] ?? 0) > p.t) i--;
    for (const k of Object.keys(cols) as Key[]) cols[k].splice(i, 0, p[k]);
    named.splice(i, 0, p.byRequest);
  }
}

// ---- tiles and tables (textContent only) ----

function cell(row: HTMLElement, value: string, cls = ''): void {
  const td = document.createElement('td');
  td.textContent = value;
  if (cls !== '') td.className = cls;
  row.appendChild(td);
}

/** The scenario selector of the rate form, rebuilt when the run's scenarios change. */
function renderScenarios(view: View, run: DashRun): void {
  const scenarios = run.scenarios ?? [];
  if (scenarios.map((p) => p.name).join('\n') === [...view.scenarioModels.keys()].join('\n')) return;
  view.scenarioModels = new Map(scenarios.map((p) => [p.name, p.model]));
  $('rate-scenario').replaceChildren(...[...view.scenarioModels].map(([name, m]) => {
    const o = document.createElement('option');
    o.setAttribute('value', name);
    o.textContent = `${name} (${m === 'open' ? 'arrivals' : 'loops'})`;
    return o;
  }));
  $('scenario-row').className = view.scenarioModels.size > 0 ? '' : 'hidden';
}

/** The newest interval's tiles. */
function renderLastPoint(view: View, last: DashPoint): void {
  $('stat-achieved').textContent = view.flows ? `${num(last.flowRps)} flows/s · ${num(last.rps)} req/s` : `${num(last.rps)}/s`;
  $('stat-p99').textContent = ms(last.p99);
  $('stat-errors').textContent = num(last.errors);
  $('stat-failed').textContent = num(last.failed);
  $('stat-dropped').textContent = num(last.dropped);
  $('stat-missing').textContent = `${num(last.missingRps)}/s`;
}

function renderRun(view: View, run: DashRun | null, last: DashPoint | undefined): void {
  if (run === null) {
    $('run-title').textContent = 'no test yet';
    $('stat-state').textContent = 'idle';
    return;
  }
  view.model = run.model;
  view.flows = run.flows === true;
  $('run-title').textContent = `${run.name} · ${run.target}`;
  $('run-id').textContent = run.runId;
  $('stat-state').textContent = run.verdict !== null ? `finished: ${run.verdict}` : `${run.state} (${run.phase === 'warmup' ? 'warm-up' : 'main phase'})`;
  $('stat-state').className = `v ${run.verdict === null ? '' : run.verdict === 'pass' ? 'ok' : 'bad'}`;
  $('stat-elapsed').textContent = `${clock(run.elapsedMs)} / ${clock(run.totalMs)}`;
  $('progress-bar').style.width = `${Math.min(100, (100 * run.elapsedMs) / Math.max(1, run.totalMs)).toFixed(1)}%`;
  $('stat-target').textContent = run.model === 'open' ? `${num(run.targetRps)}${view.flows ? ' flows' : ''}/s` : `${num(run.concurrency)} loops`;
  renderScenarios(view, run);
  showRateLabel(view);
  if (last !== undefined) renderLastPoint(view, last);
}

function renderAgents(view: View, agents: DashAgent[]): void {
  const rows = agents.map((a) => {
    const tr = document.createElement('tr');
    tr.className = `flag-${a.flag}`;
    if (a.why !== '') tr.title = a.why;
    cell(tr, a.id);
    cell(tr, a.flag === 'ok' ? a.state : `${a.state}: ${a.why}`);
    cell(tr, view.model === 'open' ? `${num(a.shareRps)}/s (${num(a.sharePct)} %)` : `${num(a.concurrency)} (${num(a.sharePct)} %)`, 'n');
    cell(tr, a.achievedRps === null ? '-' : `${num(a.achievedRps)}/s`, 'n');
    cell(tr, ms(a.eventLoopP99Ms), 'n');
    cell(tr, ms(a.scheduleLagP99Ms), 'n');
    cell(tr, a.lastSnapshotAgeMs === null ? '-' : `${(a.lastSnapshotAgeMs / 1000).toFixed(1)} s`, 'n');
    return tr;
  });
  $('agents-body').replaceChildren(...rows);
  $('agents-count').textContent = String(agents.length);
}

type Requests = NonNullable<DashUpdate['requests']>;

function renderRequests(view: View, r: DashUpdate['requests']): void {
  $('requests').className = r === null ? 'hidden' : '';
  if (r === null) return;
  const now: Record<string, Requests['soFar']['rows'][number]> = {};
  for (const x of r.interval?.rows ?? []) now[x.name] = x;
  const okPct = (ok: number, failed: number): string => (ok + failed === 0 ? '-' : `${((100 * ok) / (ok + failed)).toFixed(1)} %`);
  const rows = r.soFar.rows.map((t) => {
    const i = now[t.name];
    const tr = document.createElement('tr');
    tr.setAttribute('data-request', t.name);
    cell(tr, t.name);
    cell(tr, i === undefined ? '-' : `${num(i.rps)}/s`, 'n');
    cell(tr, i === undefined ? '-' : ms(i.p50Ms), 'n');
    cell(tr, i === undefined ? '-' : ms(i.p95Ms), 'n');
    cell(tr, i === undefined ? '-' : ms(i.p99Ms), 'n');
    cell(tr, i === undefined ? '-' : num(i.errors), 'n');
    cell(tr, i === undefined ? '-' : num(i.failed), 'n');
    cell(tr, i === undefined ? '-' : num(i.checksFailed), 'n');
    cell(tr, num(t.requests), 'n');
    cell(tr, `${num(t.rps)}/s`, 'n');
    cell(tr, ms(t.p99Ms), 'n');
    cell(tr, num(t.errors), 'n');
    cell(tr, num(t.failed), 'n');
    cell(tr, okPct(t.checksPassed, t.checksFailed), 'n');
    return tr;
  });
  $('requests-body').replaceChildren(...rows);
  const more = r.soFar.names - r.soFar.rows.length;
  $('requests-more').textContent = more > 0 ? `+ ${more} more request name(s): report.json has all` : '';
  renderLatencySelector(view);
}

/** The latency chart's selector offers every name seen in a chart point (the busiest of each interval). */
function renderLatencySelector(view: View): void {
  const select = $select('latency-request');
  const seen = new Set<string>();
  for (const n of view.named) for (const k of Object.keys(n ?? {})) seen.add(k);
  const names = [...seen].sort();
  if (select.getAttribute('data-names') === names.join('\n')) return;
  select.setAttribute('data-names', names.join('\n'));
  const all = document.createElement('option');
  all.value = '';
  all.textContent = 'all requests';
  const opts = names.map((n) => {
    const o = document.createElement('option');
    o.value = n;
    o.textContent = n;
    return o;
  });
  select.replaceChildren(all, ...opts);
  select.value = view.latencyOf;
}

function addEvents(events: DashEvent[]): void {
  const list = $('timeline-list');
  for (const e of events) {
    const li = document.createElement('li');
    li.className = e.level;
    const at = document.createElement('span');
    at.className = 'at';
    at.textContent = `${(e.atMs / 1000).toFixed(1)} s`;
    const msg = document.createElement('span');
    msg.textContent = e.message;
    li.appendChild(at);
    li.appendChild(msg);
    list.appendChild(li);
  }
}

/** Applies one `update` event: a reset empties what a previous run left. */
function applyUpdate(view: View, u: DashUpdate): void {
  const model = view.model;
  const flows = view.flows;
  const scenarioModels = view.scenarioModels;
  if (u.reset) {
    for (const k of Object.keys(view.cols) as Key[]) view.cols[k].length = 0;
    view.named.length = 0;
    $('timeline-list').replaceChildren();
  }
  addPoints(view, u.points);
  renderRun(view, u.run, u.points[u.points.length - 1]);
  if (u.reset || model !== view.model || flows !== view.flows || scenarioModels !== view.scenarioModels) makeCharts(view);
  else for (const c of view.charts) c.plot.setData(dataOf(view, c.keys));
  renderAgents(view, u.agents);
  renderRequests(view, u.requests);
  addEvents(u.events);
  $('fleet').textContent = `${u.fleet.busy} busy, ${u.fleet.idle} idle`;
  view.updates++;
  const charts = $('charts');
  charts.setAttribute('data-points', String(view.cols.t.length));
  charts.setAttribute('data-updates', String(view.updates));
}

// ---- the event stream ----

function showConnection(text: string, ok: boolean): void {
  const conn = $('conn');
  conn.textContent = text;
  conn.className = ok ? 'conn ok' : 'conn bad';
}

/** Calls onEvent with each `update` event's data, as the body arrives, until it ends. */
async function readUpdates(body: ReadableStream<Uint8Array>, onEvent: (data: string) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    let end = buffered.indexOf('\n\n');
    while (end >= 0) {
      const lines = buffered.slice(0, end).split('\n');
      buffered = buffered.slice(end + 2);
      if (lines.includes('event: update')) onEvent(lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n'));
      end = buffered.indexOf('\n\n');
    }
  }
}

/**
 * Follows /api/events, read with fetch so that the token travels in a header (EventSource cannot send
 * it). With a token required, it waits for one to be entered; a refused token waits for another; a
 * dropped stream reconnects after RECONNECT_MS. Returns the function that (re)tries to connect.
 */
function followEvents(view: View): () => void {
  let streaming = false;
  let refusedToken: string | undefined;
  async function stream(): Promise<void> {
    const token = $input('token-input').value.trim();
    if (streaming || (view.cfg.needsToken && (token === '' || token === refusedToken))) return;
    streaming = true;
    let retry = true;
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (token !== '') headers.authorization = `Bearer ${token}`;
      const res = await window.fetch('api/events', { method: 'GET', headers, cache: 'no-store' });
      if (res.status === 401) {
        refusedToken = token;
        retry = false;
        showConnection('token refused', false);
        return;
      }
      if (res.status !== 200 || res.body === null) throw new Error(`HTTP ${res.status}`);
      showConnection('live', true);
      await readUpdates(res.body, (data) => applyUpdate(view, JSON.parse(data) as DashUpdate));
    } catch {
      // a dropped connection: shown below, and retried
    } finally {
      streaming = false;
    }
    if (retry) {
      showConnection('reconnecting…', false);
      window.setTimeout(() => { void stream(); }, RECONNECT_MS);
    }
  }
  return () => { void stream(); };
}

/** The token field: tried once typing pauses (not per keystroke), and on change. */
function bindToken(view: View, connect: () => void): void {
  if (view.cfg.needsToken) showConnection('enter the token to see the run', false);
  let typed = 0;
  $('token-input').addEventListener('input', () => {
    const mine = ++typed;
    window.setTimeout(() => { if (mine === typed) connect(); }, TYPING_PAUSE_MS);
  });
  $('token-input').addEventListener('change', connect);
}

// ---- control: the rate form and the stop button ----

function say(msg: string, ok: boolean): void {
  const result = $('control-result');
  result.textContent = msg;
  result.className = ok ? 'ok' : 'bad';
}

/** POSTs a control call with the entered token, and shows the coordinator's answer. */
async function post(path: string, body: object): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = $input('token-input').value.trim();
  if (token !== '') headers.authorization = `Bearer ${token}`;
  say('sending…', true);
  try {
    const res = await window.fetch(path, { method: 'POST', headers, body: JSON.stringify(body) });
    const answer = (await res.json()) as { message?: string; error?: string };
    if (res.status === 401) say(`refused (401): ${answer.error ?? 'missing or wrong control token'}`, false);
    else if (res.status !== 200) say(`refused (${res.status}): ${answer.error ?? ''}`, false);
    else say(answer.message ?? 'done', true);
  } catch (e) {
    say(`failed: ${e instanceof Error ? e.message : String(e)}`, false);
  }
}

/** The rate form: a rate and ramp for an open model, a loop count for a closed one. */
function bindRateForm(view: View): void {
  $('rate-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const value = Number($input('rate-input').value);
    const ramp = $input('ramp-input').value;
    const rampS = Number(ramp === '' ? '0' : ramp);
    if (!Number.isFinite(value) || value < 0 || !Number.isFinite(rampS) || rampS < 0) {
      say('enter a number >= 0', false);
      return;
    }
    const scenario = view.scenarioModels.size > 0 ? { scenario: $select('rate-scenario').value } : {};
    void post('api/rate', controlModel(view) === 'open' ? { rateRps: value, rampMs: Math.round(rampS * 1000), ...scenario } : { concurrency: Math.round(value), ...scenario });
  });
  $('rate-scenario').addEventListener('change', () => showRateLabel(view));
}

function bindStopButton(): void {
  $('stop-btn').addEventListener('click', (e) => {
    e.preventDefault();
    void post('api/stop', {});
  });
}

function bindCharts(view: View): void {
  $('latency-request').addEventListener('change', () => {
    view.latencyOf = $select('latency-request').value;
    makeCharts(view);
  });
  window.addEventListener('resize', () => resizeCharts(view));
}

function main(): void {
  const view: View = {
    cfg: JSON.parse($('dash-config').textContent ?? '{}') as DashConfig,
    uplot: (globalThis as { uPlot?: UPlotCtor }).uPlot,
    cols: {
      t: [], targetRps: [], rps: [], flowRps: [], missingRps: [], concurrency: [], p50: [], p90: [], p99: [], max: [],
      s2xx: [], s3xx: [], s4xx: [], s5xx: [], errors: [], failed: [], dropped: [],
    },
    named: [],
    latencyOf: '',
    model: 'open',
    flows: false,
    scenarioModels: new Map(),
    charts: [],
    updates: 0,
  };
  makeCharts(view);
  const connect = followEvents(view);
  bindToken(view, connect);
  connect();
  bindRateForm(view);
  bindStopButton();
  if (!view.cfg.needsToken) $('token-row').className = 'hidden';
  bindCharts(view);
}

main();
