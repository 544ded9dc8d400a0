// A real HTTP target on 127.0.0.1, port 0, that counts what it received. Behaviour per test:
// answer at once, stall for a while, never answer, or destroy the socket.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type TargetMode =
  | { kind: 'ok'; status?: number; body?: string }
  /** Stall every request (or only the nth, 1-based) for stallMs before answering. */
  | { kind: 'stall'; stallMs: number; onlyNth?: number }
  | { kind: 'never' }
  | { kind: 'destroy' };

export interface Target {
  url: string;
  /** Requests received (counted when the request arrives). */
  received(): number;
  /** TCP connections accepted so far. */
  connections(): number;
  setMode(mode: TargetMode): void;
  close(): Promise<void>;
}

export async function startTarget(initial: TargetMode = { kind: 'ok' }): Promise<Target> {
  let mode = initial;
  let count = 0;
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    count++;
    req.resume();
    const m = mode;
    switch (m.kind) {
      case 'ok': {
        res.statusCode = m.status ?? 200;
        res.end(m.body ?? 'ok');
        return;
      }
      case 'stall': {
        if (m.onlyNth !== undefined && count !== m.onlyNth) {
          res.end('ok');
          return;
        }
        const t = setTimeout(() => {
          timers.delete(t);
          res.end('late');
        }, m.stallMs);
        timers.add(t);
        return;
      }
      case 'never':
        return;
      case 'destroy':
        req.socket.destroy();
        return;
    }
  });
  server.keepAliveTimeout = 60_000;
  let connections = 0;
  server.on('connection', (s: Socket) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hello?x=1`,
    received: () => count,
    connections: () => connections,
    setMode: (m) => {
      mode = m;
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port that nothing listens on: listen on port 0, note the port, close. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
