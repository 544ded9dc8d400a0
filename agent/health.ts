// The agent's optional health endpoint (`loadfleet agent --health HOST:PORT`), for Kubernetes probes and
// load balancers. Plain node:http, read-only, no token:
//   GET /healthz  200 while the process serves requests (liveness)
//   GET /readyz   200 while the session is joined to a coordinator (state idle or running), else 503
//                 with the state (connecting: not joined yet or reconnecting; stopped: leaving)
// Never touches `process`; close() is idempotent.
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LoadfleetError } from '../common/runtime/errors.js';
import type { SessionState } from './session.js';

export interface HealthEndpoint {
  /** "host:port" it listens on (the real port when 0 was asked). */
  address: string;
  /** Idempotent. */
  close(): Promise<void>;
}

/** Joined to a coordinator: the states in which the agent can take a share of a test. */
export function isReady(state: SessionState): boolean {
  return state === 'idle' || state === 'running';
}

function reply(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}

/** Splits HOST:PORT ("[::1]:8080" for IPv6); a bad value is a USAGE error naming --health. */
export function parseHealthAddress(value: string): { host: string; port: number } {
  const i = value.lastIndexOf(':');
  const host = i > 0 ? value.slice(0, i).replace(/^\[(.*)\]$/, '$1') : '';
  const port = Number(value.slice(i + 1));
  if (host === '' || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new LoadfleetError('USAGE', `--health "${value}" is not HOST:PORT (e.g. 0.0.0.0:8080, or port 0 for any free port)`);
  }
  return { host, port };
}

/** Starts listening; `state` is read on every /readyz request (AgentSession.currentState). */
export function startHealthEndpoint(listen: string, state: () => SessionState): Promise<HealthEndpoint> {
  const { host, port } = parseHealthAddress(listen);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, `method ${req.method} not allowed\n`);
    if (path === '/healthz') return reply(res, 200, 'ok\n');
    if (path === '/readyz') {
      const s = state();
      return isReady(s) ? reply(res, 200, `ready (${s})\n`) : reply(res, 503, `not ready (${s})\n`);
    }
    return reply(res, 404, `not found: ${path} (try /healthz or /readyz)\n`);
  });
  let closing: Promise<void> | undefined;
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      reject(new LoadfleetError('USAGE', `cannot listen on ${listen} for --health: ${e.code ?? e.message}`, { cause: e }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const a = server.address() as AddressInfo;
      resolve({
        address: `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`,
        close: () => {
          closing ??= new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections();
          });
          return closing;
        },
      });
    });
  });
}
