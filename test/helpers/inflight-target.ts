// A target that answers every request after `delayMs` and records its own in-flight count over time
// (at every arrival and departure), so a test can see how many loops a closed-model fleet ran when.
// Real socket on 127.0.0.1 port 0; counts requests by path too.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface InflightTarget {
  readonly url: string;
  /** Requests by path (without the query). */
  paths(): Record<string, number>;
  total(): number;
  /** Ms since the first request (performance clock) of every change, with the in-flight count after it. */
  changes(): readonly { atMs: number; inFlight: number }[];
  /** Highest in-flight count within [fromMs, toMs) since the first request (of `path` only, when given). */
  peakBetween(fromMs: number, toMs: number, path?: string): number;
  /** Time-weighted mean in-flight count over [fromMs, toMs) (of `path` only, when given). */
  meanBetween(fromMs: number, toMs: number, path?: string): number;
  close(): Promise<void>;
}

export async function startInflightTarget(delayMs: number): Promise<InflightTarget> {
  const paths: Record<string, number> = {};
  const log: { atMs: number; inFlight: number }[] = [];
  const byPath = new Map<string, { n: number; log: { atMs: number; inFlight: number }[] }>();
  let firstMs: number | undefined;
  let inFlight = 0;
  let total = 0;
  const mark = (path: string, delta: number): void => {
    const now = performance.now();
    firstMs ??= now;
    inFlight += delta;
    log.push({ atMs: now - firstMs, inFlight });
    const p = byPath.get(path) ?? { n: 0, log: [] };
    p.n += delta;
    p.log.push({ atMs: now - firstMs, inFlight: p.n });
    byPath.set(path, p);
  };
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const server = createServer((req, res) => {
    total++;
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    mark(path, +1);
    paths[path] = (paths[path] ?? 0) + 1;
    req.resume();
    const t = setTimeout(() => {
      timers.delete(t);
      mark(path, -1);
      res.end('ok');
    }, delayMs);
    timers.add(t);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const logOf = (path: string | undefined): { atMs: number; inFlight: number }[] => (path === undefined ? log : byPath.get(path)?.log ?? []);
  const valueAt = (ms: number, entries: readonly { atMs: number; inFlight: number }[]): number => {
    let v = 0;
    for (const c of entries) {
      if (c.atMs > ms) break;
      v = c.inFlight;
    }
    return v;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    paths: () => ({ ...paths }),
    total: () => total,
    changes: () => log,
    peakBetween: (fromMs, toMs, path) => {
      const entries = logOf(path);
      return Math.max(valueAt(fromMs, entries), ...entries.filter((c) => c.atMs >= fromMs && c.atMs < toMs).map((c) => c.inFlight));
    },
    meanBetween: (fromMs, toMs, path) => {
      const entries = logOf(path);
      let area = 0;
      let t = fromMs;
      let v = valueAt(fromMs, entries);
      for (const c of entries) {
        if (c.atMs <= fromMs) continue;
        if (c.atMs >= toMs) break;
        area += v * (c.atMs - t);
        t = c.atMs;
        v = c.inFlight;
      }
      area += v * (toMs - t);
      return toMs > fromMs ? area / (toMs - fromMs) : 0;
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
