// The built-in target: a small HTTP server that counts every request it receives. The demo runs it,
// and tests use it as ground truth (the report's totals must equal its count).
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Requests to this path are answered with the counts and are not counted themselves. */
export const COUNT_PATH = '/__loadfleet/count';

export interface TargetCounts {
  requests: number;
  byMethod: Record<string, number>;
}

export interface TargetServer {
  readonly url: string;
  readonly port: number;
  counts(): TargetCounts;
  /** Holds every response (new and in flight) until `ms` from now: a stalled target. */
  stallFor(ms: number): void;
  close(): Promise<void>;
}

export interface TargetOptions {
  host?: string;
  port?: number;
  /** Fixed service time added to every response, in ms (0 = answer at once). */
  delayMs?: number;
  body?: string;
}

export async function startTarget(opts: TargetOptions = {}): Promise<TargetServer> {
  const counts: TargetCounts = { requests: 0, byMethod: {} };
  const body = Buffer.from(opts.body ?? 'ok\n');
  const delayMs = opts.delayMs ?? 0;
  let stalledUntil = 0;
  const held: (() => void)[] = [];
  let releaseTimer: NodeJS.Timeout | undefined;

  const respond = (res: ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
    res.end(body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.url === COUNT_PATH) {
      const json = JSON.stringify(counts);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(json);
      return;
    }
    counts.requests++;
    counts.byMethod[req.method ?? '?'] = (counts.byMethod[req.method ?? '?'] ?? 0) + 1;
    req.resume();
    req.on('end', () => {
      const send = (): void => {
        if (Date.now() < stalledUntil) held.push(() => respond(res));
        else respond(res);
      };
      if (delayMs > 0) setTimeout(send, delayMs);
      else send();
    });
  };

  const server: Server = createServer({ keepAliveTimeout: 60_000 }, handle);
  server.maxRequestsPerSocket = 0;
  server.headersTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closed: Promise<void> | undefined;

  return {
    url: `http://${host}:${addr.port}/`,
    port: addr.port,
    counts: () => ({ requests: counts.requests, byMethod: { ...counts.byMethod } }),
    stallFor(ms) {
      stalledUntil = Date.now() + ms;
      if (releaseTimer !== undefined) clearTimeout(releaseTimer);
      releaseTimer = setTimeout(() => {
        releaseTimer = undefined;
        for (const r of held.splice(0)) r();
      }, ms);
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        if (releaseTimer !== undefined) clearTimeout(releaseTimer);
        for (const r of held.splice(0)) r();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
