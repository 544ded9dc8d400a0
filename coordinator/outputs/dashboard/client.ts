// The live dashboard's page script, written in TypeScript so it is type-checked, and inlined into the
// page as `dashboardMain.toString()` (like outputs/html-report/client.ts). It must stay self-contained: no
// imports or module-level names are used inside dashboardMain. It renders data only through
// textContent, attributes it chooses and uPlot (never innerHTML), so every string is escaped.
import type { DashAgent, DashEvent, DashPoint, DashRun, DashUpdate } from './state.js';

/** The page's configuration (JSON in #dash-config). */
export interface DashConfig {
  needsToken: boolean;
  intervalMs: number;
}

/** The little of the DOM the script uses (the project compiles without the DOM lib). */
export interface DashEl {
  textContent: string | null;
  value: string;
  clientWidth: number;
  className: string;
  disabled: boolean;
  title: string;
  style: { width: string };
  appendChild(child: DashEl): DashEl;
  replaceChildren(...children: DashEl[]): void;
  setAttribute(name: string, value: string): void;
  getAttribute(name: string): string | null;
  addEventListener(type: string, fn: (e: { preventDefault(): void }) => void): void;
}
export interface DashDoc {
  getElementById(id: string): DashEl | null;
  createElement(tag: string): DashEl;
}
/** A fetch response: the event stream is read from `body` (EventSource cannot send the token). */
export interface DashResponse {
  status: number;
  json(): Promise<unknown>;
  body: { getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }> } } | null;
}
export interface DashWin {
  addEventListener(type: 'resize', fn: () => void): void;
  fetch(url: string, init: { method: string; headers: Record<string, string>; body?: string; cache?: string }): Promise<DashResponse>;
  setTimeout(fn: () => void, ms: number): unknown;
  TextDecoder: new () => { decode(b?: Uint8Array, o?: { stream: boolean }): string };
  innerWidth: number;
}
type Plot = { setData(d: (number | null)[][]): void; setSize(s: { width: number; height: number }): void };
export type DashUPlot = new (opts: object, data: (number | null)[][], target: DashEl) => Plot;

export function dashboardMain(doc: DashDoc, win: DashWin, UPlot: DashUPlot | undefined): void {
  const $ = (id: string): DashEl => {
    const el = doc.getElementById(id);
    if (el === null) throw new Error(`missing #${id}`);
    return el;
  };
  const cfg = JSON.parse($('dash-config').textContent ?? '{}') as DashConfig;
  const palette = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];
  const num = (v: number): string => v.toLocaleString('en-US', { maximumFractionDigits: 1 });
  const ms = (v: number | null): string => (v === null ? '-' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : v >= 10 ? `${v.toFixed(1)} ms` : `${v.toFixed(2)} ms`);
  const clock = (msv: number): string => {
    const s = Math.max(0, Math.floor(msv / 1000));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  };
  const chartHeight = (): number => (win.innerWidth < 600 ? 200 : 240);

  // ---- charts: one array per column, appended to on every update ----
  type Key = keyof Omit<DashPoint, 'phase' | 'byRequest'>;
  const cols: Record<Key, number[]> = {
    t: [], targetRps: [], rps: [], missingRps: [], concurrency: [], p50: [], p90: [], p99: [], max: [],
    s2xx: [], s3xx: [], s4xx: [], s5xx: [], errors: [], dropped: [],
  };
  /** Per chart point (same order as cols.t), its busiest request names' figures. */
  const named: (DashPoint['byRequest'] | undefined)[] = [];
  /** The latency chart shows every request ('') or one request name. */
  let latencyOf = '';
  let model: 'open' | 'closed' = 'open';
  /** Several scenarios at once: their models by name (the rate form changes the one selected). */
  let scenarioModels = new Map<string, 'open' | 'closed'>();
  const controlModel = (): 'open' | 'closed' => scenarioModels.get($('rate-scenario').value) ?? model;
  const charts: { el: DashEl; plot: Plot; keys: Key[] }[] = [];
  function chart(id: string, yLabel: string, names: string[], keys: Key[]): void {
    const el = $(id);
    if (UPlot === undefined) {
      el.textContent = 'charts unavailable (uPlot did not load)';
      return;
    }
    const series: object[] = [{ label: 's' }];
    names.forEach((name, i) => series.push({ label: name, stroke: palette[i % palette.length], width: 1.5 }));
    const opts = {
      width: Math.max(260, el.clientWidth), height: chartHeight(), series, legend: { live: true },
      scales: { x: { time: false }, y: { auto: true } },
      axes: [{ label: 's' }, { label: yLabel, size: 56 }],
    };
    charts.push({ el, keys, plot: new UPlot(opts, dataOf(keys), el) });
  }
  /** A chart's columns; the latency chart's come from one request name's points when one is chosen. */
  function dataOf(keys: Key[]): (number | null)[][] {
    if (latencyOf === '' || !keys.includes('p50')) return [cols.t, ...keys.map((k) => cols[k])];
    const pick = (q: 'p50' | 'p95' | 'p99'): (number | null)[] => named.map((n) => n?.[latencyOf]?.[q] ?? null);
    return [cols.t, pick('p50'), pick('p95'), pick('p99')];
  }
  function makeCharts(): void {
    for (const c of charts) c.el.replaceChildren();
    charts.length = 0;
    const mixed = new Set(scenarioModels.values()).size > 1;
    if (mixed) chart('chart-rate', 'req/s', ['target req/s (open)', 'achieved req/s', 'missing req/s', 'loops (closed)'], ['targetRps', 'rps', 'missingRps', 'concurrency']);
    else {
      chart('chart-rate', 'req/s', model === 'open' ? ['target req/s', 'achieved req/s', 'missing req/s'] : ['loops', 'achieved req/s'],
        model === 'open' ? ['targetRps', 'rps', 'missingRps'] : ['concurrency', 'rps']);
    }
    if (latencyOf === '') chart('chart-latency', 'ms', ['p50', 'p90', 'p99', 'max'], ['p50', 'p90', 'p99', 'max']);
    else chart('chart-latency', 'ms', [`${latencyOf} p50`, `${latencyOf} p95`, `${latencyOf} p99`], ['p50', 'p90', 'p99']);
    chart('chart-codes', 'per interval', ['2xx', '3xx', '4xx', '5xx', 'transport errors'], ['s2xx', 's3xx', 's4xx', 's5xx', 'errors']);
    chart('chart-dropped', 'per interval', ['dropped arrivals'], ['dropped']);
  }
  makeCharts();

  // ---- rendering (textContent only) ----
  function cell(row: DashEl, value: string, cls = ''): void {
    const td = doc.createElement('td');
    td.textContent = value;
    if (cls !== '') td.className = cls;
    row.appendChild(td);
  }
  function renderRun(run: DashRun | null, last: DashPoint | undefined): void {
    if (run === null) {
      $('run-title').textContent = 'no test yet';
      $('stat-state').textContent = 'idle';
      return;
    }
    model = run.model;
    $('run-title').textContent = `${run.name} · ${run.target}`;
    $('run-id').textContent = run.runId;
    $('stat-state').textContent = run.verdict !== null ? `finished: ${run.verdict}` : `${run.state} (${run.phase === 'warmup' ? 'warm-up' : 'main phase'})`;
    $('stat-state').className = `v ${run.verdict === null ? '' : run.verdict === 'pass' ? 'ok' : 'bad'}`;
    $('stat-elapsed').textContent = `${clock(run.elapsedMs)} / ${clock(run.totalMs)}`;
    $('progress-bar').style.width = `${Math.min(100, (100 * run.elapsedMs) / Math.max(1, run.totalMs)).toFixed(1)}%`;
    $('stat-target').textContent = run.model === 'open' ? `${num(run.targetRps)}/s` : `${num(run.concurrency)} loops`;
    const names = (run.scenarios ?? []).map((p) => p.name).join('\n');
    if (names !== [...scenarioModels.keys()].join('\n')) {
      scenarioModels = new Map((run.scenarios ?? []).map((p) => [p.name, p.model]));
      $('rate-scenario').replaceChildren(...[...scenarioModels].map(([name, m]) => {
        const o = doc.createElement('option');
        o.setAttribute('value', name);
        o.textContent = `${name} (${m === 'open' ? 'arrivals' : 'loops'})`;
        return o;
      }));
      $('scenario-row').className = scenarioModels.size > 0 ? '' : 'hidden';
    }
    $('rate-label').textContent = controlModel() === 'open' ? 'rate (req/s)' : 'loops';
    if (last !== undefined) {
      $('stat-achieved').textContent = `${num(last.rps)}/s`;
      $('stat-p99').textContent = ms(last.p99);
      $('stat-errors').textContent = num(last.errors);
      $('stat-dropped').textContent = num(last.dropped);
      $('stat-missing').textContent = `${num(last.missingRps)}/s`;
    }
  }
  function renderAgents(agents: DashAgent[]): void {
    const rows = agents.map((a) => {
      const tr = doc.createElement('tr');
      tr.className = `flag-${a.flag}`;
      if (a.why !== '') tr.title = a.why;
      cell(tr, a.id);
      cell(tr, a.flag === 'ok' ? a.state : `${a.state}: ${a.why}`);
      cell(tr, model === 'open' ? `${num(a.shareRps)}/s (${num(a.sharePct)} %)` : `${num(a.concurrency)} (${num(a.sharePct)} %)`, 'n');
      cell(tr, a.achievedRps === null ? '-' : `${num(a.achievedRps)}/s`, 'n');
      cell(tr, ms(a.eventLoopP99Ms), 'n');
      cell(tr, ms(a.scheduleLagP99Ms), 'n');
      cell(tr, a.lastSnapshotAgeMs === null ? '-' : `${(a.lastSnapshotAgeMs / 1000).toFixed(1)} s`, 'n');
      return tr;
    });
    $('agents-body').replaceChildren(...rows);
    $('agents-count').textContent = String(agents.length);
  }
  function renderRequests(r: DashUpdate['requests']): void {
    $('requests').className = r === null ? 'hidden' : '';
    if (r === null) return;
    const now: Record<string, NonNullable<DashUpdate['requests']>['soFar']['rows'][number]> = {};
    for (const x of r.interval?.rows ?? []) now[x.name] = x;
    const okPct = (ok: number, failed: number): string => (ok + failed === 0 ? '-' : `${((100 * ok) / (ok + failed)).toFixed(1)} %`);
    const rows = r.soFar.rows.map((t) => {
      const i = now[t.name];
      const tr = doc.createElement('tr');
      tr.setAttribute('data-request', t.name);
      cell(tr, t.name);
      cell(tr, i === undefined ? '-' : `${num(i.rps)}/s`, 'n');
      cell(tr, i === undefined ? '-' : ms(i.p50Ms), 'n');
      cell(tr, i === undefined ? '-' : ms(i.p95Ms), 'n');
      cell(tr, i === undefined ? '-' : ms(i.p99Ms), 'n');
      cell(tr, i === undefined ? '-' : num(i.errors), 'n');
      cell(tr, i === undefined ? '-' : num(i.checksFailed), 'n');
      cell(tr, num(t.requests), 'n');
      cell(tr, `${num(t.rps)}/s`, 'n');
      cell(tr, ms(t.p99Ms), 'n');
      cell(tr, num(t.errors), 'n');
      cell(tr, okPct(t.checksPassed, t.checksFailed), 'n');
      return tr;
    });
    $('requests-body').replaceChildren(...rows);
    const more = r.soFar.names - r.soFar.rows.length;
    $('requests-more').textContent = more > 0 ? `+ ${more} more request name(s): report.json has all` : '';
    // The selector offers every name seen in a chart point (the busiest of each interval).
    const select = $('latency-request');
    const seen = new Set<string>();
    for (const n of named) for (const k of Object.keys(n ?? {})) seen.add(k);
    const names = [...seen].sort();
    if (select.getAttribute('data-names') !== names.join('\n')) {
      select.setAttribute('data-names', names.join('\n'));
      const all = doc.createElement('option');
      all.value = '';
      all.textContent = 'all requests';
      const opts = names.map((n) => {
        const o = doc.createElement('option');
        o.value = n;
        o.textContent = n;
        return o;
      });
      select.replaceChildren(all, ...opts);
      select.value = latencyOf;
    }
  }
  function addEvents(events: DashEvent[]): void {
    const list = $('timeline-list');
    for (const e of events) {
      const li = doc.createElement('li');
      li.className = e.level;
      const at = doc.createElement('span');
      at.className = 'at';
      at.textContent = `${(e.atMs / 1000).toFixed(1)} s`;
      const msg = doc.createElement('span');
      msg.textContent = e.message;
      li.appendChild(at);
      li.appendChild(msg);
      list.appendChild(li);
    }
  }

  // ---- the event stream ----
  // Read with fetch so that the token travels in a header. With a token required, it waits for one to
  // be entered; a refused token waits for another; a dropped stream reconnects after 2 s.
  let updates = 0;
  const conn = $('conn');
  const status = (text: string, ok: boolean): void => {
    conn.textContent = text;
    conn.className = ok ? 'conn ok' : 'conn bad';
  };
  const onUpdate = (data: string): void => {
    const u = JSON.parse(data) as DashUpdate;
    const before = model;
    const beforeScenarios = scenarioModels;
    if (u.reset) {
      for (const k of Object.keys(cols) as Key[]) cols[k].length = 0;
      named.length = 0;
      $('timeline-list').replaceChildren();
    }
    // Kept sorted by time: a warm-up interval can be shown after the first main-phase one.
    for (const p of u.points) {
      let i = cols.t.length;
      while (i > 0 && (cols.t[i - 1] ?? 0) > p.t) i--;
      for (const k of Object.keys(cols) as Key[]) cols[k].splice(i, 0, p[k]);
      named.splice(i, 0, p.byRequest);
    }
    renderRun(u.run, u.points[u.points.length - 1]);
    if (u.reset || before !== model || beforeScenarios !== scenarioModels) makeCharts();
    else for (const c of charts) c.plot.setData(dataOf(c.keys));
    renderAgents(u.agents);
    renderRequests(u.requests);
    addEvents(u.events);
    $('fleet').textContent = `${u.fleet.busy} busy, ${u.fleet.idle} idle`;
    updates++;
    const charts$ = $('charts');
    charts$.setAttribute('data-points', String(cols.t.length));
    charts$.setAttribute('data-updates', String(updates));
  };
  let streaming = false;
  let refusedToken: string | undefined;
  async function stream(): Promise<void> {
    const token = $('token-input').value.trim();
    if (streaming || (cfg.needsToken && (token === '' || token === refusedToken))) return;
    streaming = true;
    let retry = true;
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (token !== '') headers.authorization = `Bearer ${token}`;
      const res = await win.fetch('api/events', { method: 'GET', headers, cache: 'no-store' });
      if (res.status === 401) {
        refusedToken = token;
        retry = false;
        status('token refused', false);
        return;
      }
      if (res.status !== 200 || res.body === null) throw new Error(`HTTP ${res.status}`);
      status('live', true);
      const reader = res.body.getReader();
      const decoder = new win.TextDecoder();
      let buffered = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        let end = buffered.indexOf('\n\n');
        while (end >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const lines = block.split('\n');
          if (lines.includes('event: update')) onUpdate(lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n'));
          end = buffered.indexOf('\n\n');
        }
      }
    } catch {
      // a dropped connection: shown below, and retried
    } finally {
      streaming = false;
    }
    if (retry) {
      status('reconnecting…', false);
      win.setTimeout(() => { void stream(); }, 2_000);
    }
  }
  if (cfg.needsToken) status('enter the token to see the run', false);
  // Tried once typing pauses (not per keystroke: each refusal is a line in the coordinator's log).
  let typed = 0;
  $('token-input').addEventListener('input', () => {
    const mine = ++typed;
    win.setTimeout(() => { if (mine === typed) void stream(); }, 600);
  });
  $('token-input').addEventListener('change', () => { void stream(); });
  void stream();

  // ---- control ----
  const result = $('control-result');
  const say = (msg: string, ok: boolean): void => {
    result.textContent = msg;
    result.className = ok ? 'ok' : 'bad';
  };
  async function post(path: string, body: object): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const token = $('token-input').value.trim();
    if (token !== '') headers.authorization = `Bearer ${token}`;
    say('sending…', true);
    try {
      const res = await win.fetch(path, { method: 'POST', headers, body: JSON.stringify(body) });
      const answer = (await res.json()) as { message?: string; error?: string };
      if (res.status === 401) say(`refused (401): ${answer.error ?? 'missing or wrong control token'}`, false);
      else if (res.status !== 200) say(`refused (${res.status}): ${answer.error ?? ''}`, false);
      else say(answer.message ?? 'done', true);
    } catch (e) {
      say(`failed: ${e instanceof Error ? e.message : String(e)}`, false);
    }
  }
  $('rate-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const value = Number($('rate-input').value);
    const rampS = Number($('ramp-input').value === '' ? '0' : $('ramp-input').value);
    if (!Number.isFinite(value) || value < 0 || !Number.isFinite(rampS) || rampS < 0) {
      say('enter a number >= 0', false);
      return;
    }
    const scenario = scenarioModels.size > 0 ? { scenario: $('rate-scenario').value } : {};
    void post('api/rate', controlModel() === 'open' ? { rateRps: value, rampMs: Math.round(rampS * 1000), ...scenario } : { concurrency: Math.round(value), ...scenario });
  });
  $('stop-btn').addEventListener('click', (e) => {
    e.preventDefault();
    void post('api/stop', {});
  });
  if (!cfg.needsToken) $('token-row').className = 'hidden';

  $('rate-scenario').addEventListener('change', () => {
    $('rate-label').textContent = controlModel() === 'open' ? 'rate (req/s)' : 'loops';
  });
  $('latency-request').addEventListener('change', () => {
    latencyOf = $('latency-request').value;
    makeCharts();
  });
  win.addEventListener('resize', () => {
    for (const c of charts) c.plot.setSize({ width: Math.max(260, c.el.clientWidth), height: chartHeight() });
  });
}
