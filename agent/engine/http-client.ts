// The engine's HTTP/1.1 client: one undici Pool, requests sent with pool.dispatch() and the legacy
// handler callbacks (the fastest of undici's request paths measured; docs/performance.md has the engine's
// figures). Bodies are always consumed (counted, then dropped). Per request it allocates nothing of its
// own: the dispatch options object is built once, and handler objects are recycled through a free list.
//
// Request timeouts are ours, not undici's. undici's headersTimeout/bodyTimeout arm a timer per request
// (a FastTimer that lives until undici's 500 ms tick, so it is promoted to the old generation and the
// agent pays for it in mark-compact GCs of 15-25 ms every few seconds at 20k req/s and more). They are
// off (0); instead ONE periodic sweep every SWEEP_PERIOD_MS ends each request older than timeoutMs
// (measured from send()) as kind 'timeout'. So a request that never ends is reported between timeoutMs
// and timeoutMs + SWEEP_PERIOD_MS after its send (plus event-loop delay).
//
// Connections against a target that stops answering stay bounded: a request whose time ran out while
// queued for a connection is never written; a timed-out request on a socket is aborted (which destroys
// the socket, so undici opens another) only while the target has answered since the last
// SPARE_CONNECTIONS such aborts; otherwise it keeps its socket until the target answers or closes it, or
// the client closes. So a stalled target sees at most `connections` + SPARE_CONNECTIONS connections.
import type { LookupFunction } from 'node:net';
import { createSecureContext, rootCertificates } from 'node:tls';
import type { TargetTls } from '../../common/plan/agent-plan.js';
import { Client, Pool } from 'undici';
import type { Dispatcher } from 'undici';
import { systemClock } from '../../common/runtime/clock.js';
import type { Clock, TimerHandle } from '../../common/runtime/clock.js';
import type { ErrorKind } from '../../common/metrics/counters.js';
import { connectLookup, isDnsFailure } from './dns.js';
import { withUserAgent } from './user-agent.js';
import { timedConnector } from './timed-connect.js';

/** Who hears about a request's end. Called exactly once per send(), possibly synchronously inside it. */
export interface ResponseSink {
  /**
   * outcome: the HTTP status code, or the kind of transport error. bytes: response body bytes received.
   * intendedMs/sentMs: what was passed to send(), echoed back so the sink keeps no per-request state.
   */
  onEnd(outcome: number | ErrorKind, bytes: number, intendedMs: number, sentMs: number): void;
  /** The timing breakdown: a response's time to first byte, ms, heard before its onEnd (when it has headers). */
  onWaiting?(waitingMs: number): void;
  /** The timing breakdown: a new connection's setup (timed-connect.ts), heard by the sink of the latest send. */
  onConnection?(connectMs: number, tlsMs: number | undefined): void;
}

export interface HttpClientOptions {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
  /**
   * The most a request may take, ms, from send() to the end of its body (it then ends as kind 'timeout');
   * also the connect timeout of each connection.
   */
  timeoutMs: number;
  /** Keep-alive connections to open (pipelining 1: at most this many requests on the wire). */
  connections: number;
  clock: Clock;
  /** Idle keep-alive sockets are closed after this; default 30 s. */
  keepAliveTimeoutMs?: number;
  /** The DNS lookup connections use (the agent's allow-list at connect time); default: the system's. */
  lookup?: LookupFunction;
  /** HTTPS certificate policy (the plan's `tls`); default: verify against the system's CAs. */
  tls?: TargetTls | undefined;
  /**
   * Closed model: one undici Client per connection ("lane"), and send() names the lane. A loop that
   * always uses its own connection skips the Pool's search for a free one on every request.
   */
  lanes?: boolean;
}

/** The code of the error a drain deadline aborts requests with (counted as kind 'other'). */
export const DRAIN_ABORTED_CODE = 'LOADFLEET_DRAIN_ABORTED';
/** The code of the error timed-out requests are aborted with in undici (they count as kind 'timeout'). */
export const TIMEOUT_ABORTED_CODE = 'LOADFLEET_TIMEOUT';
/** How often in-flight requests are checked against timeoutMs, ms. */
export const SWEEP_PERIOD_MS = 100;
/**
 * How many timed-out requests may have their socket aborted (and so a new connection opened) in a row
 * without any response from the target in between. Beyond it a timed-out request keeps its socket.
 */
export const SPARE_CONNECTIONS = 2;

/**
 * The one error timed-out requests are aborted with (never reported: the sink already heard 'timeout').
 * Shared, so a timeout allocates nothing of ours.
 */
const TIMEOUT_ABORT: Error = Object.assign(new Error('request aborted: it exceeded the request timeout'), { code: TIMEOUT_ABORTED_CODE });

/**
 * OpenSSL's certificate verification codes as Node reports them (tls.TLSSocket authorizationError
 * codes, e.g. DEPTH_ZERO_SELF_SIGNED_CERT, UNABLE_TO_VERIFY_LEAF_SIGNATURE, CERT_HAS_EXPIRED) and
 * Node's host name check (ERR_TLS_CERT_ALTNAME_INVALID).
 */
export function isCertificateCode(code: string): boolean {
  return /CERT|SELF_SIGNED|UNABLE_TO_(GET_ISSUER|VERIFY_LEAF|DECRYPT_CERT)|INVALID_CA|HOSTNAME_MISMATCH|INVALID_PURPOSE/.test(code) && !code.startsWith('ERR_SSL_');
}

/** `{ [key]: value }`, or {} when value is undefined (for optional fields under exactOptionalPropertyTypes). */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * undici's `connect` options for the agent's connections: its allow-list lookup (always ours: dns.ts
 * connectLookup over `lookup`, default the system's, so names that never resolve fail at once), and for
 * HTTPS the plan's certificate policy (`tls`): no check at all with insecureSkipVerify, else the
 * system's CAs plus the plan's CA. Call once per client: each call builds a TLS context.
 */
export function connectOptions(lookup: LookupFunction | undefined, tls: TargetTls | undefined): Record<string, unknown> {
  // Always a lookup of ours: a name that never resolves (*.invalid) fails at once, whatever the resolver.
  const out: Record<string, unknown> = { lookup: connectLookup(lookup) };
  if (tls?.insecureSkipVerify === true) out.rejectUnauthorized = false;
  // One context for every connection: `ca` given per connection parses ~140 root certificates each
  // time (tens of ms of blocked event loop per connect, seconds for a pool opening at once).
  else if (tls?.caPem !== undefined) out.secureContext = createSecureContext({ ca: [...rootCertificates, tls.caPem] });
  return out;
}

/** Maps an undici / Node socket error to the ErrorKind reported in Stats. */
export function classifyError(err: unknown): ErrorKind {
  const e = err as { code?: unknown; syscall?: unknown; message?: unknown; errors?: unknown } | null;
  let code = e !== null && typeof e === 'object' ? e.code : undefined;
  let syscall = e !== null && typeof e === 'object' ? e.syscall : undefined;
  // Happy-eyeballs connects fail with an AggregateError whose members carry the code.
  if (code === undefined && e !== null && typeof e === 'object' && Array.isArray(e.errors)) {
    const first = e.errors[0] as { code?: unknown; syscall?: unknown } | undefined;
    code = first?.code;
    syscall = first?.syscall;
  }
  if (typeof code === 'string' && isDnsFailure(code, syscall)) return 'dns';
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return 'reset';
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return 'timeout';
    default:
      break;
  }
  if (typeof code === 'string' && isCertificateCode(code)) return 'certificate';
  const message = e !== null && typeof e === 'object' && typeof e.message === 'string' ? e.message : '';
  return message.includes('other side closed') ? 'reset' : 'other';
}

/**
 * One request; implements undici's legacy dispatch handler. Recycled once undici is done with it.
 *
 * Two separate ends: the sink hears about the request once (`sink` set back to null), and undici lets go
 * of the handler once (onComplete or onError, `held` set back to false). Usually both happen together; a
 * timeout reports to the sink first, and undici lets go later (at once when the request is on a socket,
 * when it would be written otherwise). The object is reused only when both happened.
 */
class Exchange implements Dispatcher.DispatchHandler {
  readonly client: HttpClient;
  sink: ResponseSink | null = null;
  intendedMs = 0;
  sentMs = 0;
  bytes = 0;
  statusCode = 0;
  /** undici holds this handler and will call onComplete or onError once. */
  held = false;
  /** undici's abort for the request, from onConnect (the request is on a socket); null before and after. */
  abort: ((err?: Error) => void) | null = null;
  /** Set when close() gave up on this exchange: late callbacks are ignored, the object is not reused. */
  abandoned = false;
  /** When the request went onto a connection (undici calls onConnect just before writing it), client clock ms. */
  writtenMs = 0;

  constructor(client: HttpClient) {
    this.client = client;
  }

  onConnect(abort: (err?: Error) => void): void {
    // Timed out (or given up) while queued, or its time ran out before the sweep saw it: never write it.
    // undici catches a throw here and errors the request (onError) without touching the socket, which
    // stays usable for the next request; calling abort() instead would destroy the socket.
    if (this.sink !== null && this.client.expired(this)) this.client.timedOutQueued(this);
    if (this.sink === null) throw TIMEOUT_ABORT;
    this.abort = abort;
    this.writtenMs = this.client.nowMs();
  }

  onHeaders(statusCode: number): boolean {
    this.statusCode = statusCode;
    // Time to first byte: written to response headers (1xx informational responses are not headers here).
    this.sink?.onWaiting?.(this.client.nowMs() - this.writtenMs);
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    return true;
  }

  onComplete(): void {
    this.client.answered();
    this.client.released(this, this.statusCode);
  }

  onError(err: Error): void {
    this.client.released(this, classifyError(err));
  }
}

export class HttpClient {
  private readonly pool: Pool;
  private readonly lanes: Client[];
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  /** The sweep's timer: a Node interval (unref'd) on the system clock, else the clock's. */
  private sweepInterval: ReturnType<typeof setInterval> | undefined;
  private sweepTimer: TimerHandle | undefined;
  /** The one dispatch options object, reused for every request (undici copies what it keeps). */
  private readonly dispatchOpts: Dispatcher.DispatchOptions;
  private readonly free: Exchange[] = [];
  /** Every exchange ever created, so close() can account for ones undici never ends. */
  private readonly all: Exchange[] = [];
  private inFlightCount = 0;
  /** Timed-out requests whose socket may still be aborted before the target answers again. */
  private abortsLeft = SPARE_CONNECTIONS;
  private closing: Promise<void> | undefined;
  private onIdle: (() => void) | undefined;
  /** The sink of the latest send: it hears about new connections (their setup times). */
  private connectionSink: ResponseSink | null = null;

  constructor(opts: HttpClientOptions) {
    const url = new URL(opts.url);
    this.clock = opts.clock;
    this.timeoutMs = opts.timeoutMs;
    const connectionOpts = {
      pipelining: 1,
      keepAliveTimeout: opts.keepAliveTimeoutMs ?? 30_000,
      keepAliveMaxTimeout: Math.max(opts.keepAliveTimeoutMs ?? 30_000, 30_000),
      // 0: no per-request timers in undici; the sweep enforces timeoutMs (see the top of this file).
      headersTimeout: 0,
      bodyTimeout: 0,
      // One timer per connection, not per request: undici's is fine (the timed connector's own).
      connect: timedConnector(connectOptions(opts.lookup, opts.tls), opts.timeoutMs, () => this.clock.nowMs(),
        (connectMs, tlsMs) => this.connectionSink?.onConnection?.(connectMs, tlsMs)),
    };
    this.pool = new Pool(url.origin, { ...connectionOpts, connections: opts.connections });
    this.lanes = opts.lanes === true ? Array.from({ length: opts.connections }, () => new Client(url.origin, connectionOpts)) : [];
    const headers: string[] = [];
    for (const [k, v] of Object.entries(withUserAgent(opts.headers))) headers.push(k, v);
    this.dispatchOpts = {
      path: url.pathname + url.search,
      method: opts.method.toUpperCase() as Dispatcher.HttpMethod,
      headers,
      body: opts.body === undefined || opts.body === '' ? null : Buffer.from(opts.body),
      headersTimeout: 0,
      bodyTimeout: 0,
    };
    if (this.clock === systemClock) {
      this.sweepInterval = setInterval(this.sweep, SWEEP_PERIOD_MS);
      this.sweepInterval.unref();
    } else {
      this.sweepTimer = this.clock.every(SWEEP_PERIOD_MS, this.sweep);
    }
  }

  /** Requests handed to send() whose sink has not been called yet. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /**
   * Sends one request. sink.onEnd is called exactly once (synchronously if the client is closed).
   * sentMs is the caller's reading of the client's clock at the send: the start of the service time and
   * of the request timeout.
   */
  send(sink: ResponseSink, intendedMs: number, sentMs: number, lane = -1): void {
    const x = this.free.pop() ?? this.newExchange();
    x.sink = sink;
    x.intendedMs = intendedMs;
    x.sentMs = sentMs;
    x.bytes = 0;
    x.statusCode = 0;
    x.held = true;
    this.connectionSink = sink;
    this.inFlightCount++;
    try {
      const lanes = this.lanes;
      if (lane >= 0 && lanes.length > 0) (lanes[lane % lanes.length] as Client).dispatch(this.dispatchOpts, x);
      else this.pool.dispatch(this.dispatchOpts, x);
    } catch (err) {
      // dispatch reports through onError; a throw would be an undici bug, but keep the count exact.
      if (x.held) this.released(x, classifyError(err));
    }
  }

  /** The client's clock, ms. */
  nowMs(): number {
    return this.clock.nowMs();
  }

  /** Has x's time run out (timeoutMs since its send)? */
  expired(x: Exchange): boolean {
    return this.clock.nowMs() - x.sentMs >= this.timeoutMs;
  }

  /** x reached a connection after its time ran out: it ends as a timeout, unwritten. */
  timedOutQueued(x: Exchange): void {
    this.report(x, 'timeout');
  }

  /** A response came (in time or late): the target answers, so timed-out sockets may be replaced again. */
  answered(): void {
    this.abortsLeft = SPARE_CONNECTIONS;
  }

  /** Called by an Exchange when undici is done with it (onComplete or onError). */
  released(x: Exchange, outcome: number | ErrorKind): void {
    if (!x.held) return;
    x.held = false;
    x.abort = null;
    if (x.abandoned) return;
    if (x.sink === null) {
      // Already reported (a timeout): undici's late end is ignored, the object can be reused now.
      this.free.push(x);
      return;
    }
    this.free.push(x);
    this.report(x, outcome);
  }

  /** Tells the sink how x ended; exactly once per send(). x's fields may be reused by the sink's sends. */
  private report(x: Exchange, outcome: number | ErrorKind): void {
    const sink = x.sink as ResponseSink;
    x.sink = null;
    const bytes = x.bytes;
    const intendedMs = x.intendedMs;
    const sentMs = x.sentMs;
    this.inFlightCount--;
    sink.onEnd(outcome, bytes, intendedMs, sentMs);
    if (this.inFlightCount === 0 && this.onIdle !== undefined) this.onIdle();
  }

  /**
   * Ends every request sent timeoutMs or more ago as 'timeout'. One on a socket is aborted in undici
   * (undici destroys that socket and opens another) while abortsLeft allows, else it keeps its socket
   * (see the top of this file); a queued one is dropped by onConnect when its turn comes, so it never
   * reaches the target. Runs every SWEEP_PERIOD_MS, until close() finished.
   */
  private readonly sweep = (): void => {
    if (this.inFlightCount === 0) return;
    const oldestSentMs = this.clock.nowMs() - this.timeoutMs;
    const all = this.all;
    for (let i = 0; i < all.length; i++) {
      const x = all[i] as Exchange;
      if (x.sink === null || x.abandoned || x.sentMs > oldestSentMs) continue;
      const abort = x.abort;
      this.report(x, 'timeout');
      // abort() calls onError synchronously, which finds the sink gone and frees the exchange.
      if (abort !== null && x.held && this.abortsLeft > 0) {
        this.abortsLeft--;
        abort(TIMEOUT_ABORT);
      }
    }
  };

  /**
   * Stops accepting work, lets in-flight requests finish for up to drainTimeoutMs, then aborts the rest
   * (their sinks hear kind 'other'). Resolves when every sink has been called. Idempotent.
   */
  close(drainTimeoutMs: number): Promise<void> {
    this.closing ??= this.doClose(drainTimeoutMs);
    return this.closing;
  }

  private async doClose(drainTimeoutMs: number): Promise<void> {
    let deadline: TimerHandle | undefined;
    const timedOut = new Promise<'deadline'>((resolve) => {
      deadline = this.clock.after(drainTimeoutMs, () => resolve('deadline'));
    });
    const closed = Promise.all([this.pool.close(), ...this.lanes.map((c) => c.close())]).then(
      () => 'closed' as const,
      () => 'closed' as const,
    );
    // Every sink heard (the rest are requests already reported as timeouts, kept on their sockets): there
    // is nothing left to wait for.
    const reported = new Promise<'reported'>((resolve) => {
      if (this.inFlightCount === 0) resolve('reported');
      else this.onIdle = () => resolve('reported');
    });
    let first = await Promise.race([closed, timedOut, reported]);
    this.onIdle = undefined;
    // Nothing held by undici any more: the pool is closing on its own.
    if (first === 'reported' && !this.all.some((x) => x.held)) first = await Promise.race([closed, timedOut]);
    deadline?.cancel();
    if (first !== 'closed') {
      // A request whose time is up by now is a timeout, whichever timer came first.
      this.sweep();
      const err = Object.assign(new Error('request aborted: the drain deadline passed'), { code: DRAIN_ABORTED_CODE });
      await Promise.all([this.pool.destroy(err), ...this.lanes.map((c) => c.destroy(err))]).catch(() => undefined);
    }
    // undici errors every pending request on destroy; give stragglers a moment, then account for them.
    if (this.inFlightCount > 0) {
      await new Promise<void>((resolve) => {
        const guard = this.clock.after(1000, () => resolve());
        this.onIdle = () => {
          guard.cancel();
          resolve();
        };
      });
      this.onIdle = undefined;
    }
    for (const x of this.all) {
      if (x.sink === null || x.abandoned) continue;
      // Never reused: undici may still call it late, and those calls must be ignored.
      x.abandoned = true;
      this.report(x, 'other');
    }
    if (this.sweepInterval !== undefined) clearInterval(this.sweepInterval);
    this.sweepTimer?.cancel();
    this.sweepInterval = undefined;
    this.sweepTimer = undefined;
  }

  private newExchange(): Exchange {
    const x = new Exchange(this);
    this.all.push(x);
    return x;
  }
}
