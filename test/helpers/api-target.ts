// A small REST API for scenario-language tests: it records which account logged in, which token each
// authorized call carried, and counts every request by path. Real sockets on port 0.
//   POST /login        {"user", "password"} -> 200 {"token": "tok-<user>"} (401 for password "bad")
//   GET  /api/items    needs `authorization: Bearer tok-...` -> 200 {"ok": true, "items": [{"id": 7}]}, else 401
//   POST /api/orders   needs the bearer token -> 201 "created"
//   GET  /health       -> 200 "ok"; GET /slow -> 200 after 300 ms
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ApiTarget {
  readonly url: string;
  /** Login count by user name. */
  logins(): Record<string, number>;
  /** Authorized calls by token. */
  tokens(): Record<string, number>;
  /** Requests by "METHOD /path" (without the query). */
  paths(): Record<string, number>;
  total(): number;
  close(): Promise<void>;
}

export async function startApiTarget(): Promise<ApiTarget> {
  const logins: Record<string, number> = {};
  const tokens: Record<string, number> = {};
  const paths: Record<string, number> = {};
  let total = 0;
  const bump = (m: Record<string, number>, k: string): void => { m[k] = (m[k] ?? 0) + 1; };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      total++;
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      bump(paths, `${req.method} ${path}`);
      const json = (status: number, v: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(v));
      };
      const auth = /^Bearer (tok-\S+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (req.method === 'POST' && path === '/login') {
        let body: { user?: unknown; password?: unknown } = {};
        try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body; } catch { /* 400 below */ }
        if (typeof body.user !== 'string') return json(400, { error: 'user missing' });
        if (body.password === 'bad') return json(401, { error: 'wrong password' });
        bump(logins, body.user);
        return json(200, { token: `tok-${body.user}` });
      }
      if (path === '/api/items' || path === '/api/orders') {
        if (auth === undefined) return json(401, { error: 'no token' });
        bump(tokens, auth);
        if (path === '/api/orders') {
          res.writeHead(201, { 'content-type': 'text/plain' });
          res.end('created');
          return;
        }
        return json(200, { ok: true, items: [{ id: 7 }] });
      }
      if (path === '/slow') {
        setTimeout(() => { res.writeHead(200); res.end('slow'); }, 300);
        return;
      }
      res.writeHead(path === '/health' ? 200 : 404, { 'content-type': 'text/plain' });
      res.end(path === '/health' ? 'ok' : 'not found');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    logins: () => ({ ...logins }),
    tokens: () => ({ ...tokens }),
    paths: () => ({ ...paths }),
    total: () => total,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/**
 * A scenario (YAML) whose one flow POSTs a data row's `user` to this target's /login and checks 200,
 * fed by `FEEDER.csv` (relative to the scenario) in `mode`, under an open load of `rateRps` for `duration`.
 */
export const loginFlow = (name: string, base: string, feeder: string, mode: string, rateRps: number, duration: string): string => `
name: ${name}
variables: { base: "${base}" }
data:
  ${feeder}: { path: ${feeder}.csv, mode: ${mode} }
flows:
  login:
    steps:
      - request:
          name: login
          url: "{{ base }}/login"
          method: POST
          headers: { content-type: application/json }
          body: '{"user": {{ $json(${feeder}.user) }}, "password": "x"}'
        checks: [{ status: 200 }]
load: { model: open, rate: ${rateRps}, duration: ${duration} }
`;
