// The live dashboard without a browser: its state (points, missing rate, agent flags, cursors) driven by
// hand, and its HTTP routes on a real server on port 0 against a fake coordinator: the page, the event
// stream, and the control POSTs with their token, content-type, origin and Host checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IntervalFigures } from '../../../../../coordinator/merge/aggregator.js';
import type { LatencyMs } from '../../../../../common/metrics/histogram.js';
import type { FleetStatus, RunObserver } from '../../../../../coordinator/coordinator.js';
import type { MemberStatus, RunStatus } from '../../../../../coordinator/run/test-run.js';
import type { Report } from '../../../../../coordinator/report/report.js';
import { HttpServer } from '../../../../../coordinator/server/http-server.js';
import { Dashboard, bearerMatches } from '../../../../../coordinator/outputs/dashboard/routes.js';
import type { DashboardSource } from '../../../../../coordinator/outputs/dashboard/routes.js';
import { DashboardState } from '../../../../../coordinator/outputs/dashboard/state.js';
import type { Cursor } from '../../../../../coordinator/outputs/dashboard/state.js';
import type { DashUpdate } from '../../../../../coordinator/outputs/dashboard/update.js';
import { inlineScript, pageScript } from '../../../../../coordinator/outputs/page-script.js';
import { ManualClock } from '../../../../helpers/manual-clock.js';
import { scenario } from '../../../../helpers/local-run.js';

const lat = (p50: number, p99: number): LatencyMs => ({ count: 100, min: 0.1, mean: p50, p50, p90: p50 * 2, p95: p99 / 2, p99, p999: p99 * 2, max: p99 * 3 });

function fig(extra: Partial<IntervalFigures> = {}): IntervalFigures {
  return {
    index: 0, agents: 2, requests: 100, sent: 100, dropped: 0, errorsByKind: { refused: 0, reset: 0, timeout: 0, certificate: 0, dns: 0, other: 0 }, errors: 0,
    statusCodes: { '200': 90, '302': 1, '404': 4, '503': 5 }, failed: 9, failedByStatus: { '404': 4, '503': 5 }, bytesReceived: 0, rps: 100, coveredMs: 1000, targetRps: 100, concurrency: 0,
    latencyMs: lat(1, 4), serviceMs: lat(1, 3), inFlightPeak: 3, eventLoopDelayP99MsMax: 1, scheduleLagP99MsMax: 0.5, ...extra,
  };
}

function member(extra: Partial<MemberStatus>): MemberStatus {
  return {
    id: 'a', agentId: 'a', host: 'h', state: 'running', rateRps: 50, concurrency: 0, weight: 1, achievedRps: 50,
    eventLoopP99Ms: 1, scheduleLagP99Ms: 0.5, lastSnapshotAgeMs: 100, ...extra,
  };
}

function runStatus(agents: MemberStatus[]): RunStatus {
  return { runId: 'r1', state: 'running', elapsedMs: 3_000, totalMs: 12_000, targetRps: 200, concurrency: 0, onAgentLoss: 'rebalance', live: null, agents };
}

const S = scenario({ name: '<img src=x onerror=alert(1)>', request: { url: 'http://127.0.0.1:1/' }, load: { model: 'open', rate: 100, duration: '10s' }, warmup: '2s' });

/** A run with flows: its open rate is flow runs per second. */
const FLOWS = scenario({
  name: 'flows', request: { url: 'http://127.0.0.1:1/' }, load: { model: 'open', rate: 10, duration: '10s' },
  program: { requests: { a: { url: 'http://127.0.0.1:1/a', method: 'GET', headers: {}, timeoutMs: 1000, checks: [] } }, flows: [{ name: 'a', weight: 1, steps: [{ request: 'a', extract: {}, checks: [], thinkMs: 0 }] }], variables: {}, data: {}, origins: ['http://127.0.0.1:1'] },
});

test('DashboardState: points by status class, missing rate from the schedule with live changes, cursors', () => {
  const st = new DashboardState(1_000);
  const cursor: Cursor = { generation: -1, points: 0, events: 0 };
  const status = (agents: MemberStatus[] = []): FleetStatus => ({ agents: [], run: runStatus(agents) });
  st.runStarted('r1', S, 0);
  st.tick('r1', { phase: 'warmup', elapsedMs: 1_000, totalMs: 12_000, agents: 2, figures: fig({ index: 0 }) });
  // At 2.5 s from the start (0.5 s into the main phase) the rate goes to 200/s: interval 0 is planned at 150/s.
  st.rateChanged('r1', { rateRps: 200, rampMs: 0, source: 'dashboard' }, 2_500);
  st.notice('r1', 'info', 'rate -> 200/s (dashboard), 2 agent(s)', 2_500);
  const rows: Array<[number, number, number]> = [
    // [interval, agents' scheduled rate, missing req/s]
    [0, 150, 0], //   the agents carried the whole change
    [1, 200, 0], //   steady at the new rate
    [2, 100, 100], // half the fleet's schedule was carried by nobody (a lost agent)
  ];
  for (const [index, targetRps] of rows) st.tick('r1', { phase: 'main', elapsedMs: 3_000 + index * 1_000, totalMs: 12_000, agents: 2, figures: fig({ index, targetRps }) });
  st.tick('other-run', { phase: 'main', elapsedMs: 0, totalMs: 0, agents: 1, figures: fig() }); // ignored
  const u = st.update(cursor, status(), 5_000);
  assert.equal(u.reset, true);
  assert.deepEqual(u.points.map((p) => [p.phase, p.t]), [['warmup', -2], ['main', 0], ['main', 1], ['main', 2]]);
  assert.deepEqual(u.points.slice(1).map((p) => p.missingRps), rows.map((r) => r[2]));
  assert.deepEqual([u.points[0]?.s2xx, u.points[0]?.s3xx, u.points[0]?.s4xx, u.points[0]?.s5xx], [90, 1, 4, 5]);
  assert.deepEqual(u.events, [{ atMs: 500, level: 'info', message: 'rate -> 200/s (dashboard), 2 agent(s)' }]);
  assert.equal(u.run?.phase, 'main');
  // The next update carries only what is new; a new run resets.
  const again = st.update(cursor, status(), 6_000);
  assert.deepEqual([again.reset, again.points.length, again.events.length], [false, 0, 0]);
  st.runStarted('r2', S, 10_000);
  assert.equal(st.update(cursor, status(), 10_000).reset, true);
});

test('DashboardState: a run nobody watched is shown finished, from its report', () => {
  const st = new DashboardState(1_000);
  st.runStarted('r1', S, 0);
  st.runEnded({ runId: 'r1', verdict: 'pass', summary: { requests: 1_000, targetRps: 100, concurrency: null } } as unknown as Report, 12_000);
  const u = st.update({ generation: -1, points: 0, events: 0 }, { agents: [], run: null }, 12_000);
  assert.deepEqual([u.run?.state, u.run?.verdict, u.run?.totalMs, u.run?.targetRps], ['finished', 'pass', 12_000, 100]);
  assert.deepEqual(u.events.map((e) => [e.atMs, e.message]), [[10_000, 'finished: verdict pass, 1000 requests']]);
});

test('DashboardState: agents flagged saturated or missing, with why', () => {
  const st = new DashboardState(1_000);
  st.runStarted('r1', S, 0);
  const agents = [
    member({ id: 'ok' }), //                                          keeps up
    member({ id: 'lag', scheduleLagP99Ms: 25 }), //                   schedule lag above 10 ms
    member({ id: 'loop', eventLoopP99Ms: 80 }), //                    event-loop delay above 50 ms
    member({ id: 'behind', achievedRps: 30 }), //                     under 90 % of its share
    member({ id: 'silent', lastSnapshotAgeMs: 3_500 }), //            no snapshot for 3.5 intervals
    member({ id: 'lost', state: 'lost', rateRps: 0 }), //             gone
  ];
  const u = st.update({ generation: -1, points: 0, events: 0 }, { agents: [], run: runStatus(agents) }, 3_000);
  assert.deepEqual(u.agents.map((a) => [a.id, a.flag]), [['ok', 'ok'], ['lag', 'saturated'], ['loop', 'saturated'], ['behind', 'saturated'], ['silent', 'missing'], ['lost', 'missing']]);
  assert.match(u.agents[1]?.why ?? '', /lag p99 25\.0 ms/);
  assert.match(u.agents[3]?.why ?? '', /achieved 30\/s of 50\/s/);
  assert.equal(u.agents[0]?.sharePct, 20, 'five live agents of 50/s each');
  assert.equal(u.agents[5]?.sharePct, 0);
});

test('bearerMatches: constant-time comparison of the Bearer token', () => {
  const rows: Array<[string | undefined, string | undefined, boolean]> = [
    [undefined, undefined, true], //          no token configured: open
    ['Bearer s3cret', undefined, true], //    likewise, whatever is sent
    ['Bearer s3cret', 's3cret', true], //     the right one
    ['Bearer s3cre', 's3cret', false], //     a prefix
    ['Bearer s3cret!', 's3cret', false], //   longer
    ['s3cret', 's3cret', false], //           no scheme
    [undefined, 's3cret', false], //          missing
    ['Bearer ', 's3cret', false], //          empty
  ];
  for (const [header, expected, want] of rows) assert.equal(bearerMatches(header, expected), want, `${header} vs ${expected}`);
});

interface Fake extends DashboardSource {
  observer: RunObserver | undefined;
  calls: string[];
}

function fakeSource(): Fake {
  const f: Fake = {
    observer: undefined,
    calls: [],
    status: () => ({ agents: [], run: runStatus([member({ id: '<b>agent</b>' })]) }),
    observe: (o) => {
      f.observer = o;
      return () => { f.observer = undefined; };
    },
    change: (c, source) => {
      f.calls.push(c.kind === 'rate' ? `rate ${c.rateRps} ${c.rampMs} ${source}` : `concurrency ${c.loops} ${source}`);
      return { changeId: c.kind === 'rate' ? 7 : 8, agents: 1 };
    },
    whenApplied: async () => ({ applied: 1, expected: 1, appliedMs: 2.5 }),
    stop: (reason) => {
      f.calls.push(`stop ${reason}`);
      return true;
    },
  };
  return f;
}

async function withDashboard(token: string | undefined, fn: (base: string, f: Fake, logs: string[], clock: ManualClock) => Promise<void>, readToken?: string): Promise<void> {
  const f = fakeSource();
  const logs: string[] = [];
  const clock = new ManualClock();
  const log = (level: string, m: string): void => { logs.push(`${level} ${m}`); };
  const dashboard = new Dashboard({ source: f, clock, log, assets: { js: '/* uPlot */', css: '' }, controlToken: token, readToken, loopbackOnly: true });
  const server = new HttpServer({ listen: '127.0.0.1:0', routes: dashboard.routes(), log, flag: '--dashboard' });
  const base = `http://${await server.listen()}`;
  try {
    await fn(base, f, logs, clock);
  } finally {
    await dashboard.close();
    await dashboard.close(); // idempotent
    await server.close();
  }
  assert.equal(f.observer, undefined, 'close() stops observing');
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

test('Dashboard HTTP: the page carries no data and a strict CSP; the event stream sends updates every interval', async () => {
  await withDashboard(undefined, async (base, f, _logs, clock) => {
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'.*connect-src 'self'.*frame-ancestors 'none'/);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    const html = await page.text();
    assert.match(html, /<div class="chart" id="chart-rate">/);
    assert.doesNotMatch(html, /onerror=alert|<b>agent/, 'no data is rendered into the page on the server');
    const script = pageScript(new URL('../../../../../coordinator/outputs/dashboard/browser/dashboard.js', import.meta.url));
    assert.ok(html.includes(`<script type="module">${inlineScript(script)}</script>`), 'the compiled page script is inlined as a module');

    f.observer?.onRunStart?.('r1', S);
    f.observer?.onTick?.('r1', { phase: 'main', elapsedMs: 3_000, totalMs: 12_000, agents: 1, figures: fig() });
    const res = await fetch(`${base}/api/events`);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    const nextUpdate = async (): Promise<DashUpdate> => {
      for (;;) {
        const m = /event: update\ndata: (.*)\n\n/.exec(buffered);
        if (m !== null) {
          buffered = buffered.slice(m.index + m[0].length);
          return JSON.parse(m[1] as string) as DashUpdate;
        }
        const { value, done } = await reader.read();
        assert.ok(!done, 'the stream stays open');
        buffered += decoder.decode(value, { stream: true });
      }
    };
    const first = await nextUpdate();
    assert.equal(first.reset, true);
    assert.equal(first.run?.name, S.name, 'data travels as JSON, rendered by the page with textContent');
    assert.equal(first.points.length, 1);
    assert.equal(first.agents[0]?.id, '<b>agent</b>');
    f.observer?.onTick?.('r1', { phase: 'main', elapsedMs: 4_000, totalMs: 12_000, agents: 1, figures: fig({ index: 1 }) });
    clock.advance(1_000);
    const second = await nextUpdate();
    assert.deepEqual([second.reset, second.points.map((p) => p.t)], [false, [1]]);
    await reader.cancel();
  });
});

test('Dashboard HTTP: control needs the token (401, logged), JSON, same origin and a loopback Host', async () => {
  await withDashboard('s3cret', async (base, f, logs) => {
    const missing = await post(`${base}/api/rate`, { rateRps: 300 });
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
    assert.equal((await post(`${base}/api/rate`, { rateRps: 300 }, { authorization: 'Bearer nope' })).status, 401);
    assert.equal((await post(`${base}/api/stop`, {}, { authorization: 'Bearer nope' })).status, 401);
    assert.equal(logs.filter((l) => /^warn dashboard: refused POST \/api\/(rate|stop) from .*missing or wrong control token/.test(l)).length, 3);
    assert.deepEqual(f.calls, [], 'nothing reached the coordinator');

    const auth = { authorization: 'Bearer s3cret' };
    const ok = await post(`${base}/api/rate`, { rateRps: 300, rampMs: 2_000 }, auth);
    assert.equal(ok.status, 200);
    // The confirmation names the unit the change sets: requests per second for a single request ...
    assert.match(((await ok.json()) as { message: string }).message, /^rate 300 req\/s over 2000 ms: applied by 1 of 1 agent\(s\)/);
    const loops = await post(`${base}/api/rate`, { concurrency: 12 }, auth);
    assert.match(((await loops.json()) as { message: string }).message, /^loops 12: applied by 1 of 1 agent\(s\)/, '... loops for a closed model ...');
    f.observer?.onRunStart?.('r2', FLOWS);
    const flows = await post(`${base}/api/rate`, { rateRps: 40, scenario: 'arrivals' }, auth);
    assert.match(((await flows.json()) as { message: string }).message, /^arrivals: rate 40 flow runs\/s: applied by 1 of 1/, '... and flow runs per second with flows');
    assert.equal((await post(`${base}/api/stop`, {}, auth)).status, 200);
    assert.deepEqual(f.calls, ['rate 300 2000 dashboard', 'concurrency 12 dashboard', 'rate 40 0 dashboard', 'stop stopped from the dashboard']);

    const rows: Array<[string, RequestInit, number]> = [
      // [what, request, status]
      ['a form post (not JSON)', { method: 'POST', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'rateRps=1' }, 415],
      ['another origin', { method: 'POST', headers: { ...auth, 'content-type': 'application/json', origin: 'http://evil.example' }, body: '{"rateRps":1}' }, 403],
      // an opaque origin: a sandboxed frame, a file: page, some redirects
      ['Origin: null', { method: 'POST', headers: { ...auth, 'content-type': 'application/json', origin: 'null' }, body: '{"rateRps":1}' }, 403],
      ['a negative rate', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"rateRps":-1}' }, 400],
      ['a rate that is a string', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"rateRps":"5"}' }, 400],
      ['not JSON', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{' }, 400],
      // loop counts as the CLI and the terminal take them: whole, at least 1
      ['0 loops', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"concurrency":0}' }, 400],
      ['a fractional loop count', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"concurrency":2.5}' }, 400],
      ['a GET', { method: 'GET' }, 405],
    ];
    const reached = f.calls.length;
    for (const [what, init, status] of rows) assert.equal((await fetch(`${base}/api/rate`, init)).status, status, what);
    assert.equal(f.calls.length, reached, 'none of them reached the coordinator');
    const zero = await post(`${base}/api/rate`, { concurrency: 0 }, auth);
    assert.match(((await zero.json()) as { error: string }).error, /^concurrency must be a whole number >= 1$/);
  });
});

test('Dashboard HTTP: a loopback listener answers only loopback Host headers (DNS rebinding)', async () => {
  await withDashboard(undefined, async (base, _f, logs) => {
    const { request } = await import('node:http');
    const url = new URL(base);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: '/', headers: { host: `rebound.example:${url.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 421);
    assert.match(logs.join('\n'), /refused GET \/ with Host "rebound\.example/);
  });
});

test('Dashboard HTTP: with a token set, the event stream needs the control or the read token (401, logged); the read token cannot control', async () => {
  await withDashboard('s3cret', async (base, f, logs) => {
    const rows: Array<[string, Record<string, string>, number]> = [
      // [what, headers, status]
      ['no token', {}, 401],
      ['a wrong token', { authorization: 'Bearer nope' }, 401],
      ['the control token', { authorization: 'Bearer s3cret' }, 200],
      ['the read token', { authorization: 'Bearer r3ad' }, 200],
    ];
    for (const [what, headers, status] of rows) {
      const res = await fetch(`${base}/api/events`, { headers });
      assert.equal(res.status, status, what);
      await res.body?.cancel();
    }
    assert.equal(logs.filter((l) => /^warn dashboard: refused GET \/api\/events from .*: missing or wrong token/.test(l)).length, 2);
    assert.equal((await fetch(`${base}/`)).status, 200, 'the page (which holds no data) stays open');
    assert.equal((await post(`${base}/api/stop`, {}, { authorization: 'Bearer r3ad' })).status, 401, 'the read token cannot stop a run');
    assert.deepEqual(f.calls, []);
  }, 'r3ad');
});
