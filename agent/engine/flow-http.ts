// HTTP for the scenario language: one undici Pool per origin of the program (only those origins: the
// agent vetted them), requests with their own method, path, headers and body, and bodies read (up to
// MAX_BODY_BYTES, the rest counted and dropped) when a check or an extractor needs them, otherwise
// consumed and counted. Timeouts are undici's headers/body timeouts set to the request's timeout.
// Slower per request than http-client.ts (which the single-request scenario keeps using).
// The timing breakdown: each response's time to first byte (from undici's onConnect, just before the
// request is written, to its headers) comes back in the response; each new connection's setup times go
// to the `connections` sink of the latest request (timed-connect.ts).
import type { LookupFunction } from 'node:net';
import { Pool, util as undiciUtil } from 'undici';
import type { Dispatcher } from 'undici';
import { MAX_BODY_BYTES } from '../../common/flow/program.js';
import { redactUrl } from '../../common/runtime/redact.js';
import type { RawHeaders } from '../../common/flow/response-view.js';
import type { ErrorKind } from '../../common/metrics/counters.js';
import type { TargetTls } from '../../common/plan/agent-plan.js';
import { classifyError, connectOptions, DRAIN_ABORTED_CODE } from './http-client.js';
import { timedConnector } from './timed-connect.js';
import { withUserAgent } from './user-agent.js';
import type { ConnectionTimingSink } from './timed-connect.js';

export interface FlowRequest {
  url: string;
  method: string;
  /** As rendered; a user-agent header is added when none is given (user-agent.ts). */
  headers: Record<string, string>;
  body: string | undefined;
  timeoutMs: number;
  /** Read the body (for checks or extractors). */
  readBody: boolean;
  /** Hears about the connections made from now on (the recorder of this request's phase). */
  connections?: ConnectionTimingSink;
}

export type FlowResponse =
  /** waitingMs: time to first byte, from the request written to its response headers. */
  | { ok: true; status: number; headers: RawHeaders; body: string; bytes: number; truncated: boolean; waitingMs: number }
  | { ok: false; kind: ErrorKind; bytes: number; detail: string };

export interface FlowHttpOptions {
  origins: readonly string[];
  /** Keep-alive connections per origin. */
  connections: number;
  connectTimeoutMs: number;
  /** The DNS lookup connections use (the agent's allow-list at connect time). */
  lookup?: LookupFunction;
  /** HTTPS certificate policy (the plan's `tls`); default: verify against the system's CAs. */
  tls?: TargetTls | undefined;
}

export class FlowHttp {
  private readonly pools = new Map<string, Pool>();
  private closing: Promise<void> | undefined;
  private connections: ConnectionTimingSink | undefined;

  constructor(opts: FlowHttpOptions) {
    // One connector for every pool: one TLS context and session cache (see connectOptions).
    const connect = timedConnector(connectOptions(opts.lookup, opts.tls), opts.connectTimeoutMs, () => performance.now(),
      (connectMs, tlsMs) => this.connections?.onConnection(connectMs, tlsMs));
    for (const origin of opts.origins) {
      this.pools.set(origin, new Pool(origin, {
        connections: opts.connections, pipelining: 1, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 30_000, connect,
      }));
    }
  }

  /** Never rejects: a transport problem is a response with ok false. */
  async send(r: FlowRequest): Promise<FlowResponse> {
    let url: URL;
    try {
      url = new URL(r.url);
    } catch {
      return { ok: false, kind: 'other', bytes: 0, detail: `not a URL: ${redactUrl(r.url)}` };
    }
    const pool = this.pools.get(url.origin);
    if (pool === undefined || this.closing !== undefined) {
      return { ok: false, kind: 'other', bytes: 0, detail: pool === undefined ? `${url.origin} is not one of the scenario's origins` : 'closing' };
    }
    if (r.connections !== undefined) this.connections = r.connections;
    return new Promise<FlowResponse>((resolve) => {
      const x = new FlowExchange(r.readBody, resolve);
      try {
        pool.dispatch({
          path: url.pathname + url.search,
          method: r.method as Dispatcher.HttpMethod,
          headers: withUserAgent(r.headers),
          body: r.body === undefined || r.body === '' ? null : r.body,
          headersTimeout: r.timeoutMs,
          bodyTimeout: r.timeoutMs,
        }, x);
      } catch (e) {
        x.onError(e as Error);
      }
    });
  }

  /** Lets in-flight requests finish for up to drainTimeoutMs, then aborts them (kind 'other'). Idempotent. */
  close(drainTimeoutMs: number): Promise<void> {
    this.closing ??= this.doClose(drainTimeoutMs);
    return this.closing;
  }

  private async doClose(drainTimeoutMs: number): Promise<void> {
    const pools = [...this.pools.values()];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<'deadline'>((resolve) => { timer = setTimeout(() => resolve('deadline'), drainTimeoutMs); });
    const closed = Promise.all(pools.map((p) => p.close())).then(() => 'closed' as const, () => 'closed' as const);
    const first = await Promise.race([closed, deadline]);
    clearTimeout(timer);
    if (first === 'deadline') {
      const err = Object.assign(new Error('request aborted: the drain deadline passed'), { code: DRAIN_ABORTED_CODE });
      await Promise.all(pools.map((p) => p.destroy(err))).catch(() => undefined);
    }
  }
}

/**
 * One request as undici's legacy dispatch handler: the body read (up to MAX_BODY_BYTES, the rest counted)
 * or only counted, and the time to first byte. Resolves exactly once.
 */
class FlowExchange implements Dispatcher.DispatchHandler {
  private readonly readBody: boolean;
  private resolve: ((r: FlowResponse) => void) | null;
  private writtenMs = 0;
  private waitingMs = 0;
  private status = 0;
  private headers: RawHeaders = {};
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  private kept = 0;
  private truncated = false;

  constructor(readBody: boolean, resolve: (r: FlowResponse) => void) {
    this.readBody = readBody;
    this.resolve = resolve;
  }

  onConnect(): void {
    this.writtenMs = performance.now();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    // 1xx informational responses come before the final headers; undici does not pass them here.
    this.waitingMs = performance.now() - this.writtenMs;
    this.status = statusCode;
    this.headers = undiciUtil.parseHeaders(rawHeaders) as RawHeaders;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    if (!this.readBody) return true;
    if (this.kept + chunk.length <= MAX_BODY_BYTES) {
      this.chunks.push(chunk);
      this.kept += chunk.length;
    } else {
      if (this.kept < MAX_BODY_BYTES) {
        this.chunks.push(chunk.subarray(0, MAX_BODY_BYTES - this.kept));
        this.kept = MAX_BODY_BYTES;
      }
      this.truncated = true;
    }
    return true;
  }

  onComplete(): void {
    const body = this.readBody ? Buffer.concat(this.chunks).toString('utf8') : '';
    this.end({ ok: true, status: this.status, headers: this.headers, body, bytes: this.bytes, truncated: this.truncated, waitingMs: this.waitingMs });
  }

  onError(err: Error): void {
    this.end({ ok: false, kind: classifyError(err), bytes: this.bytes, detail: err.message });
  }

  private end(r: FlowResponse): void {
    const resolve = this.resolve;
    this.resolve = null;
    resolve?.(r);
  }
}
