// The coordinator's small HTTP server: a route table (GET /metrics, /healthz; the live dashboard adds its
// page, event stream and token-checked POSTs: outputs/dashboard/routes.ts) on HOST:PORT.
// Never touches `process`; close() is idempotent and ends open (streaming) responses too.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LoadfleetError } from '../../common/runtime/errors.js';
import type { Logger } from '../../common/runtime/io.js';

export type HttpMethod = 'GET' | 'POST';

/** One route: exact method and path (query strings are ignored for matching). */
export interface Route {
  method: HttpMethod;
  path: string;
  /** Writes the whole response (or keeps it open: close() ends it). A throw becomes a 500. */
  handle(req: IncomingMessage, res: ServerResponse): void | Promise<void>;
}

export interface HttpServerOptions {
  /** HOST:PORT; port 0 picks a free one (listen() returns the real address). */
  listen: string;
  routes: readonly Route[];
  log: Logger;
  /** The flag that named `listen`, for error messages (default --metrics). */
  flag?: string;
}

/** Splits HOST:PORT ("[::1]:9464" for IPv6); throws USAGE naming the flag's value when it is not one. */
export function parseHostPort(value: string, flag: string): { host: string; port: number } {
  const i = value.lastIndexOf(':');
  const host = i > 0 ? value.slice(0, i).replace(/^\[(.*)\]$/, '$1') : '';
  const port = Number(value.slice(i + 1));
  if (host === '' || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new LoadfleetError('USAGE', `${flag} "${value}" is not HOST:PORT (e.g. 127.0.0.1:9464, or port 0 for any free port)`);
  }
  return { host, port };
}

export class HttpServer {
  private readonly opts: HttpServerOptions;
  private readonly routes = new Map<string, Route>();
  private readonly server: Server;
  private closing: Promise<void> | undefined;

  constructor(opts: HttpServerOptions) {
    this.opts = opts;
    for (const r of opts.routes) this.add(r);
    this.add({ method: 'GET', path: '/healthz', handle: (_req, res) => text(res, 200, 'ok\n') });
    this.server = createServer((req, res) => this.dispatch(req, res));
  }

  /** Adds (or replaces) a route; the dashboard registers its own this way. */
  add(route: Route): void {
    this.routes.set(`${route.method} ${route.path}`, route);
  }

  /** Starts listening; resolves to "host:port" with the real port. */
  listen(): Promise<string> {
    const { host, port } = parseHostPort(this.opts.listen, this.opts.flag ?? '--metrics');
    return new Promise((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException): void => {
        reject(new LoadfleetError('USAGE', `cannot listen on ${this.opts.listen} for HTTP: ${e.code ?? e.message}`, { cause: e }));
      };
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        const a = this.server.address() as AddressInfo;
        resolve(`${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`);
      });
    });
  }

  /** Stops listening and ends every open connection. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private dispatch(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const route = this.routes.get(`${method} ${path}`);
    if (route === undefined) {
      const allowed = [...this.routes.values()].filter((r) => r.path === path).map((r) => r.method);
      if (allowed.length > 0) {
        res.setHeader('allow', allowed.join(', '));
        return text(res, 405, `method ${req.method} not allowed on ${path}\n`);
      }
      return text(res, 404, `not found: ${path} (try /metrics or /healthz)\n`);
    }
    Promise.resolve()
      .then(() => route.handle(req, res))
      .catch((e: unknown) => {
        this.opts.log('error', `HTTP ${method} ${path}: ${e instanceof Error ? e.message : String(e)}`);
        if (!res.headersSent) text(res, 500, 'internal error\n');
        else res.destroy();
      });
  }
}

/** Writes a whole plain-text response. */
export function text(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}
