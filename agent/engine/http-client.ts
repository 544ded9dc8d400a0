// The engine's HTTP/1.1 client: one undici Pool, requests sent with pool.dispatch() and the legacy
// handler callbacks (the fastest path measured, see /work/shared/PERF-NOTES.md). Bodies are always
// consumed (counted, then dropped). Per request it allocates nothing of its own: the dispatch options
// object is built once, and handler objects are recycled through a free list.
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type { Clock, TimerHandle } from '../../common/clock.js';
import type { ErrorKind } from '../../common/stats.js';

/** Who hears about a request's end. Called exactly once per send(), possibly synchronously inside it. */
export interface ResponseSink {
  /**
   * outcome: the HTTP status code, or the kind of transport error. bytes: response body bytes received.
   * intendedMs/sentMs: what was passed to send(), echoed back so the sink keeps no per-request state.
   */
  onEnd(outcome: number | ErrorKind, bytes: number, intendedMs: number, sentMs: number): void;
}

export interface HttpClientOptions {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
  /** Headers timeout and body (idle) timeout of each request, and the connect timeout. */
  timeoutMs: number;
  /** Keep-alive connections to open (pipelining 1: at most this many requests on the wire). */
  connections: number;
  clock: Clock;
  /** Idle keep-alive sockets are closed after this; default 30 s. */
  keepAliveTimeoutMs?: number;
}

/** The code of the error a drain deadline aborts requests with (counted as kind 'other'). */
export const DRAIN_ABORTED_CODE = 'LOADFLEET_DRAIN_ABORTED';

/** Maps an undici / Node socket error to the ErrorKind reported in Stats. */
export function classifyError(err: unknown): ErrorKind {
  const e = err as { code?: unknown; message?: unknown; errors?: unknown } | null;
  let code = e !== null && typeof e === 'object' ? e.code : undefined;
  // Happy-eyeballs connects fail with an AggregateError whose members carry the code.
  if (code === undefined && e !== null && typeof e === 'object' && Array.isArray(e.errors)) {
    code = (e.errors[0] as { code?: unknown } | undefined)?.code;
  }
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
  const message = e !== null && typeof e === 'object' && typeof e.message === 'string' ? e.message : '';
  return message.includes('other side closed') ? 'reset' : 'other';
}

/** One request in flight; implements undici's legacy dispatch handler. Recycled after it ends. */
class Exchange implements Dispatcher.DispatchHandler {
  readonly client: HttpClient;
  sink: ResponseSink | null = null;
  intendedMs = 0;
  sentMs = 0;
  bytes = 0;
  statusCode = 0;
  /** Set when close() gave up on this exchange: late callbacks are ignored, the object is not reused. */
  abandoned = false;

  constructor(client: HttpClient) {
    this.client = client;
  }

  onConnect(): void {}

  onHeaders(statusCode: number): boolean {
    this.statusCode = statusCode;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    return true;
  }

  onComplete(): void {
    this.client.end(this, this.statusCode);
  }

  onError(err: Error): void {
    this.client.end(this, classifyError(err));
  }
}

export class HttpClient {
  private readonly pool: Pool;
  private readonly clock: Clock;
  /** The one dispatch options object, reused for every request (undici copies what it keeps). */
  private readonly dispatchOpts: Dispatcher.DispatchOptions;
  private readonly free: Exchange[] = [];
  /** Every exchange ever created, so close() can account for ones undici never ends. */
  private readonly all: Exchange[] = [];
  private inFlightCount = 0;
  private closing: Promise<void> | undefined;
  private onIdle: (() => void) | undefined;

  constructor(opts: HttpClientOptions) {
    const url = new URL(opts.url);
    this.clock = opts.clock;
    this.pool = new Pool(url.origin, {
      connections: opts.connections,
      pipelining: 1,
      keepAliveTimeout: opts.keepAliveTimeoutMs ?? 30_000,
      keepAliveMaxTimeout: Math.max(opts.keepAliveTimeoutMs ?? 30_000, 30_000),
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      connectTimeout: opts.timeoutMs,
    });
    const headers: string[] = [];
    for (const [k, v] of Object.entries(opts.headers)) headers.push(k, v);
    this.dispatchOpts = {
      path: url.pathname + url.search,
      method: opts.method.toUpperCase() as Dispatcher.HttpMethod,
      headers,
      body: opts.body === undefined || opts.body === '' ? null : Buffer.from(opts.body),
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    };
  }

  /** Requests handed to send() whose sink has not been called yet. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /**
   * Sends one request. sink.onEnd is called exactly once (synchronously if the client is closed).
   * sentMs is the caller's clock reading at the send, the start of the service time.
   */
  send(sink: ResponseSink, intendedMs: number, sentMs: number): void {
    const x = this.free.pop() ?? this.newExchange();
    x.sink = sink;
    x.intendedMs = intendedMs;
    x.sentMs = sentMs;
    x.bytes = 0;
    x.statusCode = 0;
    this.inFlightCount++;
    try {
      this.pool.dispatch(this.dispatchOpts, x);
    } catch (err) {
      // dispatch reports through onError; a throw would be an undici bug, but keep the count exact.
      if (x.sink !== null) this.end(x, classifyError(err));
    }
  }

  /** Called by an Exchange when undici is done with it. */
  end(x: Exchange, outcome: number | ErrorKind): void {
    const sink = x.sink;
    if (sink === null || x.abandoned) return;
    x.sink = null;
    const bytes = x.bytes;
    const intendedMs = x.intendedMs;
    const sentMs = x.sentMs;
    this.free.push(x);
    this.inFlightCount--;
    sink.onEnd(outcome, bytes, intendedMs, sentMs);
    if (this.inFlightCount === 0 && this.onIdle !== undefined) this.onIdle();
  }

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
    const closed = this.pool.close().then(
      () => 'closed' as const,
      () => 'closed' as const,
    );
    const first = await Promise.race([closed, timedOut]);
    deadline?.cancel();
    if (first === 'deadline') {
      const err = Object.assign(new Error('request aborted: the drain deadline passed'), { code: DRAIN_ABORTED_CODE });
      await this.pool.destroy(err).catch(() => undefined);
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
      const sink = x.sink;
      if (sink === null || x.abandoned) continue;
      // Never reused: undici may still call it late, and those calls must be ignored.
      x.abandoned = true;
      x.sink = null;
      this.inFlightCount--;
      sink.onEnd('other', x.bytes, x.intendedMs, x.sentMs);
    }
  }

  private newExchange(): Exchange {
    const x = new Exchange(this);
    this.all.push(x);
    return x;
  }
}
