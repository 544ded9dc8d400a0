// The live web dashboard: routes for coordinator/server/http-server.ts.
//   GET  /             the page (outputs/dashboard/page.ts: uPlot inlined, no network beyond this server)
//   GET  /api/events   server-sent events: one `update` (outputs/dashboard/state.ts DashUpdate) per second
//   POST /api/rate     {"rateRps": N, "rampMs": M} or {"concurrency": N}, plus "scenario" for a test with
//                      several: a live change, source "dashboard"
//   POST /api/stop     ends the running test (agents drain; the report is complete)
// Control needs `Authorization: Bearer TOKEN` when a control token is set (compared in constant time);
// the event stream needs the control token or the read token when either is set (the page itself holds
// no data and is open); a refusal is a 401 and a warning in the log. POSTs must be JSON and same-origin (a cross-site form
// cannot send them), and on a loopback listener every route wants a loopback Host (DNS rebinding).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock, TimerHandle } from '../../../common/runtime/clock.js';
import { LoadfleetError } from '../../../common/runtime/errors.js';
import type { Logger } from '../../../common/runtime/io.js';
import type { Coordinator } from '../../coordinator.js';
import { loopsChange, rateChange } from '../../../common/protocol/live-change.js';
import type { Route } from '../../server/http-server.js';
import { text } from '../../server/http-server.js';
import { DashboardState } from './state.js';
import type { Cursor } from './state.js';
import { DASHBOARD_CSP_HEADER, renderDashboardPage } from './page.js';
import type { ChartAssets } from '../html-report/page.js';

/** What the dashboard reads from and asks of a coordinator. */
export type DashboardSource = Pick<Coordinator, 'status' | 'observe' | 'change' | 'whenApplied' | 'stop'>;

export interface DashboardOptions {
  source: DashboardSource;
  clock: Clock;
  log: Logger;
  assets: ChartAssets;
  /** When set, POSTs need it as a Bearer token, and so does the event stream (or the read token). */
  controlToken?: string | undefined;
  /** When set, the event stream also takes this token (which cannot control). */
  readToken?: string | undefined;
  /** The listener is on loopback: only loopback Host headers are answered. */
  loopbackOnly: boolean;
  /** The coordinator's snapshot interval (default 1,000 ms); updates are pushed at this period too. */
  intervalMs?: number;
}

interface Client {
  res: ServerResponse;
  cursor: Cursor;
}

const MAX_BODY_BYTES = 4_096;
/** Longest ramp the page may ask for: one hour. */
const MAX_RAMP_MS = 3_600_000;
const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/i;

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * Whether a request may read (event stream, /metrics): open when neither token is set, else it needs
 * the control or the read token.
 */
export function readAllowed(header: string | undefined, controlToken: string | undefined, readToken: string | undefined): boolean {
  if (controlToken === undefined && readToken === undefined) return true;
  return (controlToken !== undefined && bearerMatches(header, controlToken)) || (readToken !== undefined && bearerMatches(header, readToken));
}

/** Constant-time comparison of a request's Bearer token with the expected one (no length leak: both hashed). */
export function bearerMatches(header: string | undefined, expected: string | undefined): boolean {
  if (expected === undefined) return true;
  const given = header !== undefined && header.startsWith('Bearer ') ? header.slice(7) : '';
  return timingSafeEqual(digest(given), digest(expected)) && given !== '';
}

function json(res: ServerResponse, status: number, body: unknown): void {
  text(res, status, `${JSON.stringify(body)}\n`, 'application/json; charset=utf-8');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new LoadfleetError('USAGE', `request body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export class Dashboard {
  private readonly opts: DashboardOptions;
  private readonly intervalMs: number;
  private readonly state: DashboardState;
  private readonly clients = new Set<Client>();
  private readonly removeObserver: () => void;
  private timer: TimerHandle | undefined;
  /** The page, rendered once at construction (its script is read from dist/ then: a missing build fails here). */
  private readonly page: string;
  private closing: Promise<void> | undefined;

  constructor(opts: DashboardOptions) {
    this.opts = opts;
    this.intervalMs = opts.intervalMs ?? 1_000;
    const needsToken = opts.controlToken !== undefined || opts.readToken !== undefined;
    this.page = renderDashboardPage(opts.assets, { needsToken, intervalMs: this.intervalMs });
    this.state = new DashboardState(this.intervalMs);
    const now = (): number => opts.clock.nowMs();
    this.removeObserver = opts.source.observe({
      onRunStart: (runId, scenario) => this.state.runStarted(runId, scenario, now()),
      onTick: (runId, line) => this.state.tick(runId, line),
      onNotice: (runId, level, message) => this.state.notice(runId, level, message, now()),
      onRateChange: (runId, change) => this.state.rateChanged(runId, change, now()),
      onRunEnd: (report) => {
        this.state.runEnded(report, now());
        this.pushAll();
      },
    });
  }

  routes(): Route[] {
    return [
      { method: 'GET', path: '/', handle: (req, res) => this.guard(req, res, () => this.servePage(res)) },
      { method: 'GET', path: '/api/events', handle: (req, res) => this.guard(req, res, () => this.openStream(req, res)) },
      { method: 'POST', path: '/api/rate', handle: (req, res) => this.guard(req, res, () => this.control(req, res, (body) => this.changeRate(body))) },
      { method: 'POST', path: '/api/stop', handle: (req, res) => this.guard(req, res, () => this.control(req, res, () => this.stopRun())) },
    ];
  }

  /**
   * Stops observing and ends every event stream, resolving once their last update (the run's end) is
   * flushed, or after a second. Call before the server closes its connections. Idempotent.
   */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.removeObserver();
    this.timer?.cancel();
    this.timer = undefined;
    const ended = [...this.clients].map((c) => new Promise<void>((resolve) => {
      if (c.res.writableFinished || c.res.destroyed) return resolve();
      c.res.once('finish', resolve);
      c.res.once('close', resolve);
      c.res.end();
    }));
    this.clients.clear();
    this.closing = new Promise((resolve) => {
      const timer = this.opts.clock.after(1_000, resolve);
      void Promise.all(ended).then(() => {
        timer.cancel();
        resolve();
      });
    });
    return this.closing;
  }

  private guard(req: IncomingMessage, res: ServerResponse, next: () => void | Promise<void>): void | Promise<void> {
    const host = req.headers.host ?? '';
    if (this.opts.loopbackOnly && !LOOPBACK_HOST.test(host)) {
      this.opts.log('warn', `dashboard: refused ${req.method} ${req.url} with Host "${host}" on a loopback listener`);
      return text(res, 421, 'this dashboard answers only to localhost, 127.0.0.1 or [::1]\n');
    }
    return next();
  }

  private servePage(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'content-security-policy': DASHBOARD_CSP_HEADER,
      'referrer-policy': 'no-referrer',
    });
    res.end(this.page);
  }

  private openStream(req: IncomingMessage, res: ServerResponse): void {
    if (this.closing !== undefined) return text(res, 503, 'dashboard closed\n');
    if (!readAllowed(req.headers.authorization, this.opts.controlToken, this.opts.readToken)) {
      this.opts.log('warn', `dashboard: refused GET /api/events from ${req.socket.remoteAddress ?? '?'}: missing or wrong token`);
      res.setHeader('www-authenticate', 'Bearer');
      return json(res, 401, { error: 'missing or wrong token' });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.write(`retry: 2000\n\n`);
    const client: Client = { res, cursor: { generation: -1, points: 0, events: 0 } };
    this.clients.add(client);
    this.push(client);
    this.timer ??= this.opts.clock.every(this.intervalMs, () => this.pushAll());
    req.on('close', () => {
      this.clients.delete(client);
      if (this.clients.size === 0) {
        this.timer?.cancel();
        this.timer = undefined;
      }
    });
  }

  private pushAll(): void {
    for (const c of this.clients) this.push(c);
  }

  private push(c: Client): void {
    const update = this.state.update(c.cursor, this.opts.source.status(), this.opts.clock.nowMs());
    c.res.write(`event: update\ndata: ${JSON.stringify(update)}\n\n`);
  }

  /** A POST: same-origin JSON with the control token; `act` returns the JSON answer. */
  private async control(req: IncomingMessage, res: ServerResponse, act: (body: Record<string, unknown>) => Promise<unknown>): Promise<void> {
    const who = `${req.socket.remoteAddress ?? '?'}`;
    const origin = req.headers.origin;
    // An opaque origin ("null": sandboxed frames, file: pages, some redirects) is never this page's own.
    if (origin !== undefined && hostOf(origin) !== req.headers.host) {
      this.opts.log('warn', `dashboard: refused POST ${req.url} from ${who}: cross-origin request from ${origin}`);
      return json(res, 403, { error: 'cross-origin requests are refused' });
    }
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return json(res, 415, { error: 'send application/json' });
    }
    if (!bearerMatches(req.headers.authorization, this.opts.controlToken)) {
      this.opts.log('warn', `dashboard: refused POST ${req.url} from ${who}: missing or wrong control token`);
      res.setHeader('www-authenticate', 'Bearer');
      return json(res, 401, { error: 'missing or wrong control token' });
    }
    let body: Record<string, unknown>;
    try {
      const raw = await readBody(req);
      const parsed: unknown = raw.trim() === '' ? {} : JSON.parse(raw);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new LoadfleetError('USAGE', 'the body must be a JSON object');
      body = parsed as Record<string, unknown>;
    } catch (e) {
      return json(res, 400, { error: e instanceof LoadfleetError ? e.message : 'the body is not JSON' });
    }
    try {
      json(res, 200, await act(body));
    } catch (e) {
      if (!(e instanceof LoadfleetError)) throw e;
      const status = e.code === 'NOT_RUNNING' || e.code === 'BUSY' ? 409 : e.code === 'USAGE' ? 400 : 500;
      json(res, status, { error: e.message });
    }
  }

  private async changeRate(body: Record<string, unknown>): Promise<unknown> {
    const { source } = this.opts;
    const rampMs = body.rampMs === undefined ? 0 : body.rampMs;
    if (typeof rampMs !== 'number' || !Number.isFinite(rampMs) || rampMs < 0 || rampMs > MAX_RAMP_MS) {
      throw new LoadfleetError('USAGE', `rampMs must be a number of milliseconds from 0 to ${MAX_RAMP_MS}`);
    }
    let change: { changeId: number; agents: number };
    // `what` names the unit the change sets (the page's label does too): loops, flow runs/s or req/s.
    let what: string;
    const sc = body.scenario;
    if (sc !== undefined && typeof sc !== 'string') throw new LoadfleetError('USAGE', 'scenario must be a scenario name');
    if (body.concurrency !== undefined) {
      const n = body.concurrency;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new LoadfleetError('USAGE', 'concurrency must be a whole number >= 1');
      change = source.change(loopsChange(n, sc), 'dashboard');
      what = `loops ${n}`;
    } else {
      const r = body.rateRps;
      if (typeof r !== 'number' || !Number.isFinite(r) || r < 0) throw new LoadfleetError('USAGE', 'rateRps must be a number >= 0');
      change = source.change(rateChange(r, Math.round(rampMs), sc), 'dashboard');
      what = `rate ${r} ${this.state.rateUnit()}${rampMs > 0 ? ` over ${rampMs} ms` : ''}`;
    }
    if (sc !== undefined) what = `${sc}: ${what}`;
    const applied = await source.whenApplied(change.changeId);
    this.opts.log('info', `dashboard: ${what} applied by ${applied.applied} of ${applied.expected} agent(s)`);
    this.pushAll();
    return { ok: true, message: `${what}: applied by ${applied.applied} of ${applied.expected} agent(s) in ${applied.appliedMs.toFixed(1)} ms`, ...change, ...applied };
  }

  private async stopRun(): Promise<unknown> {
    if (!this.opts.source.stop('stopped from the dashboard')) throw new LoadfleetError('NOT_RUNNING', 'no test is running');
    this.opts.log('info', 'dashboard: stop requested');
    this.pushAll();
    return { ok: true, message: 'stopping: agents drain and report' };
  }
}

/** "host:port" of an Origin URL ('' when it is not one). */
function hostOf(origin: string): string {
  try {
    return new URL(origin).host;
  } catch {
    return '';
  }
}
