// HTTP for the scenario language: one undici Pool per origin of the program (only those origins: the
// agent vetted them), requests with their own method, path, headers and body, and bodies read (up to
// MAX_BODY_BYTES, the rest counted and dropped) when a check or an extractor needs them, otherwise
// consumed and counted. Timeouts are undici's headers/body timeouts set to the request's timeout.
// Slower per request than http-client.ts (which the single-request scenario keeps using).
import type { LookupFunction } from 'node:net';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import { MAX_BODY_BYTES } from '../../common/flow/program.js';
import { redactUrl } from '../../common/runtime/redact.js';
import type { RawHeaders } from '../../common/flow/response-view.js';
import type { ErrorKind } from '../../common/metrics/counters.js';
import type { TargetTls } from '../../common/plan/agent-plan.js';
import { classifyError, connectOptions, DRAIN_ABORTED_CODE, optional } from './http-client.js';
import { withUserAgent } from './user-agent.js';

export interface FlowRequest {
  url: string;
  method: string;
  /** As rendered; a user-agent header is added when none is given (user-agent.ts). */
  headers: Record<string, string>;
  body: string | undefined;
  timeoutMs: number;
  /** Read the body (for checks or extractors). */
  readBody: boolean;
}

export type FlowResponse =
  | { ok: true; status: number; headers: RawHeaders; body: string; bytes: number; truncated: boolean }
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

  constructor(opts: FlowHttpOptions) {
    const connect = connectOptions(opts.lookup, opts.tls);
    for (const origin of opts.origins) {
      this.pools.set(origin, new Pool(origin, {
        connections: opts.connections, pipelining: 1, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 30_000, connectTimeout: opts.connectTimeoutMs,
        ...optional('connect', connect),
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
    let bytes = 0;
    try {
      const res = await pool.request({
        path: url.pathname + url.search,
        method: r.method as Dispatcher.HttpMethod,
        headers: withUserAgent(r.headers),
        body: r.body === undefined || r.body === '' ? null : r.body,
        headersTimeout: r.timeoutMs,
        bodyTimeout: r.timeoutMs,
      });
      const chunks: Buffer[] = [];
      let kept = 0;
      let truncated = false;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        if (!r.readBody) continue;
        if (kept + chunk.length <= MAX_BODY_BYTES) {
          chunks.push(chunk);
          kept += chunk.length;
        } else {
          if (kept < MAX_BODY_BYTES) {
            chunks.push(chunk.subarray(0, MAX_BODY_BYTES - kept));
            kept = MAX_BODY_BYTES;
          }
          truncated = true;
        }
      }
      return { ok: true, status: res.statusCode, headers: res.headers, body: r.readBody ? Buffer.concat(chunks).toString('utf8') : '', bytes, truncated };
    } catch (e) {
      return { ok: false, kind: classifyError(e), bytes, detail: (e as Error).message };
    }
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
