// The one HTTP target of the tests: a real server on 127.0.0.1 (or `host`), port 0, that counts what it
// received (in all, per path, per "METHOD /path", per method, connections) and how many requests were
// in flight when. How it answers is an option: at once or after `delayMs`, a status per path, a stall
// (every request, or only the nth), never, a destroyed socket, a stall of everything for a while
// (stallFor), or the login API of target-api.ts. Delays and stalls run on `clock` (the system clock by
// default), so an engine test on a ManualClock drives the target with the same clock.
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../common/runtime/clock.js';
import { assertNever } from '../../common/runtime/errors.js';
import type { Clock, TimerHandle } from '../../common/runtime/clock.js';
import { InflightLog } from './inflight-log.js';
import type { InflightChange } from './inflight-log.js';
import { answerApi, answerSession, newSessionCounts } from './target-api.js';
import type { ApiCounts, SessionCounts } from './target-api.js';

export type TargetMode =
  /** Answer after the target's delayMs (0: at once). */
  | { kind: 'ok' }
  /** Hold every request (or only the nth received, 1-based; the others as 'ok') for stallMs before answering. */
  | { kind: 'stall'; stallMs: number; onlyNth?: number }
  /** Read the request, never answer. */
  | { kind: 'never' }
  /** Destroy the socket as the request arrives. */
  | { kind: 'destroy' };

export interface TargetOptions {
  mode?: TargetMode;
  /** Service time of every answer in mode 'ok', ms of `clock`. Default 0. */
  delayMs?: number;
  /** Status of every answer (paths not in statusByPath). Default 200. */
  status?: number;
  /** Status by path (without the query). */
  statusByPath?: Readonly<Record<string, number>>;
  /** Body of every answer outside the login API. Default "ok". */
  body?: string;
  /** Serve the login API of target-api.ts (other paths: 404). */
  api?: boolean;
  /** Delays, stalls and the in-flight log's times. Default: the system clock. */
  clock?: Clock;
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Listen address. Default 127.0.0.1. */
  host?: string;
}

export interface Target {
  /** `http(s)://host:port/` */
  readonly url: string;
  /** `http(s)://host:port`, for `${origin}/path`. */
  readonly origin: string;
  readonly port: number;
  /** Requests received (counted as each arrives). */
  total(): number;
  /** Requests by path (without the query). */
  paths(): Record<string, number>;
  /** Requests by "METHOD /path" (without the query). */
  routes(): Record<string, number>;
  /** Requests by method. */
  methods(): Record<string, number>;
  /** TCP connections accepted so far. */
  connections(): number;
  /** Login count by user name (login API). */
  logins(): Record<string, number>;
  /** Authorized calls by token (login API). */
  tokens(): Record<string, number>;
  /** The cookie sessions of target-api.ts (/session/*). */
  sessions(): SessionCounts;
  /** Each request's arrival time, in order (clock ms: performance.now() on the system clock). */
  arrivals(): readonly number[];
  /** Requests in flight now. */
  inFlight(): number;
  /** Every arrival and departure since the first request, with the in-flight count after it. */
  changes(): readonly InflightChange[];
  /** Highest in-flight count within [fromMs, toMs) since the first request (of `path` only, when given). */
  peakBetween(fromMs: number, toMs: number, path?: string): number;
  /** Time-weighted mean in-flight count over [fromMs, toMs) (of `path` only, when given). */
  meanBetween(fromMs: number, toMs: number, path?: string): number;
  setMode(mode: TargetMode): void;
  /** Holds every answer (new and due) until `ms` from now on the clock: a stalled target. */
  stallFor(ms: number): void;
  /** Idempotent: cancels pending answers, closes every connection. */
  close(): Promise<void>;
}

const bump = (m: Record<string, number>, k: string): void => { m[k] = (m[k] ?? 0) + 1; };

export async function startTarget(opts: TargetOptions = {}): Promise<Target> {
  const clock = opts.clock ?? systemClock;
  let mode: TargetMode = opts.mode ?? { kind: 'ok' };
  const paths: Record<string, number> = {};
  const routes: Record<string, number> = {};
  const methods: Record<string, number> = {};
  const api: ApiCounts = { logins: {}, tokens: {} };
  const sessions = newSessionCounts();
  const log = new InflightLog();
  const arrivals: number[] = [];
  let total = 0;
  let connections = 0;
  let stalledUntilMs = -Infinity;
  const held: (() => void)[] = [];
  const timers = new Set<TimerHandle>();
  const later = (ms: number, fn: () => void): void => {
    const h = clock.after(ms, () => { timers.delete(h); fn(); });
    timers.add(h);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const nth = ++total;
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? '?';
    bump(paths, path);
    bump(routes, `${method} ${path}`);
    bump(methods, method);
    arrivals.push(clock.nowMs());
    log.mark(path, 1, clock.nowMs());
    let departed = false;
    const depart = (): void => {
      if (departed) return;
      departed = true;
      log.mark(path, -1, clock.nowMs());
    };
    res.once('close', depart);
    const m = mode;
    if (m.kind === 'destroy') {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const end = (status: number, type: string, text: string, headers: Record<string, string[]> = {}): void => {
        const send = (): void => {
          depart();
          const bytes = Buffer.from(text);
          res.writeHead(status, { ...headers, 'content-type': type, 'content-length': bytes.length });
          res.end(bytes);
        };
        if (clock.nowMs() < stalledUntilMs) held.push(send);
        else send();
      };
      const answer = (): void => {
        if (opts.api === true && answerSession(req, path, sessions, end)) return;
        if (opts.api === true) return answerApi(req, path, Buffer.concat(chunks), api, later, end);
        end(opts.statusByPath?.[path] ?? opts.status ?? 200, 'text/plain', opts.body ?? 'ok');
      };
      const after = (ms: number): void => {
        if (ms > 0) later(ms, answer);
        else answer();
      };
      switch (m.kind) {
        case 'ok':
          return after(opts.delayMs ?? 0);
        case 'stall':
          return after(m.onlyNth === undefined || nth === m.onlyNth ? m.stallMs : opts.delayMs ?? 0);
        case 'never':
          return;
        default:
          assertNever(m);
      }
    });
  };

  const server: Server = opts.tls !== undefined ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, handle) : createHttpServer(handle);
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 60_000;
  server.maxRequestsPerSocket = 0;
  server.on('connection', () => { connections++; });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const origin = `${opts.tls !== undefined ? 'https' : 'http'}://${host}:${addr.port}`;
  let releaseTimer: TimerHandle | undefined;
  let closed: Promise<void> | undefined;
  return {
    url: `${origin}/`,
    origin,
    port: addr.port,
    total: () => total,
    paths: () => ({ ...paths }),
    routes: () => ({ ...routes }),
    methods: () => ({ ...methods }),
    connections: () => connections,
    logins: () => ({ ...api.logins }),
    tokens: () => ({ ...api.tokens }),
    sessions: () => structuredClone(sessions),
    arrivals: () => arrivals,
    inFlight: () => log.inFlight(),
    changes: () => log.changes(),
    peakBetween: (fromMs, toMs, path) => log.peakBetween(fromMs, toMs, path),
    meanBetween: (fromMs, toMs, path) => log.meanBetween(fromMs, toMs, path),
    setMode: (next) => { mode = next; },
    stallFor(ms) {
      stalledUntilMs = clock.nowMs() + ms;
      releaseTimer?.cancel();
      releaseTimer = clock.after(ms, () => {
        releaseTimer = undefined;
        for (const send of held.splice(0)) send();
      });
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        releaseTimer?.cancel();
        for (const t of timers) t.cancel();
        timers.clear();
        held.length = 0;
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/** A port that nothing listens on: listen on port 0, note the port, close. */
export async function closedPort(): Promise<number> {
  const server = createHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
