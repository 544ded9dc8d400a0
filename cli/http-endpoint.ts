// The coordinator's HTTP endpoints as the CLI starts them: `--metrics HOST:PORT` (GET /metrics,
// /healthz and /readyz) and `--dashboard HOST:PORT` (the live dashboard, coordinator/outputs/dashboard/routes.ts), on the route table
// of coordinator/server/http-server.ts. The same HOST:PORT for both serves them from one server.
import type { Clock } from '../common/runtime/clock.js';
import type { Logger } from '../common/runtime/io.js';
import { HttpServer, parseHostPort, text } from '../coordinator/server/http-server.js';
import type { Route } from '../coordinator/server/http-server.js';
import { Dashboard, readAllowed } from '../coordinator/outputs/dashboard/routes.js';
import type { DashboardSource } from '../coordinator/outputs/dashboard/routes.js';
import { loadChartAssets } from '../coordinator/outputs/html-report/page.js';
import { FleetMetrics } from '../coordinator/outputs/prometheus.js';
import type { MetricsSource } from '../coordinator/outputs/prometheus.js';

/**
 * GET /readyz: 200 while `ready` returns true (the coordinator's gRPC server listens), else 503 (not yet,
 * or shutting down).
 */
function readyzRoute(ready: () => boolean): Route {
  return {
    method: 'GET',
    path: '/readyz',
    handle: (_req, res) => (ready() ? text(res, 200, 'ready\n') : text(res, 503, 'not ready: the gRPC server is not listening\n')),
  };
}

export interface EndpointOptions {
  /** HOST:PORT for /metrics; off when undefined. */
  metrics?: string | undefined;
  /** HOST:PORT for the dashboard; off when undefined. */
  dashboard?: string | undefined;
  /** The dashboard's controls need it when set; so do /metrics and the event stream (or the read token). */
  controlToken?: string | undefined;
  /** When set, /metrics and the dashboard's event stream also take it (it cannot control). */
  readToken?: string | undefined;
  clock: Clock;
  /** The coordinator's snapshot interval (default 1,000 ms). */
  intervalMs?: number;
  /** GET /readyz answers 200 while this returns true (default: always). */
  ready?: () => boolean;
}

export interface HttpEndpoints {
  metricsAddress?: string;
  dashboardAddress?: string;
  /** Idempotent. */
  close(): Promise<void>;
}

/**
 * `route` answering only requests with the control or the read token when either is set (a 401 and a
 * warning otherwise); /healthz and /readyz stay open for probes.
 */
function withReadToken(route: Route, o: Pick<EndpointOptions, 'controlToken' | 'readToken'>, log: Logger): Route {
  return {
    ...route,
    handle: (req, res) => {
      if (readAllowed(req.headers.authorization, o.controlToken, o.readToken)) return route.handle(req, res);
      log('warn', `refused GET ${route.path} from ${req.socket.remoteAddress ?? '?'}: missing or wrong token`);
      res.setHeader('www-authenticate', 'Bearer');
      return text(res, 401, 'missing or wrong token: send Authorization: Bearer with the read or control token\n');
    },
  };
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Starts what `o` asks for; on failure nothing is left listening. */
export async function startHttpEndpoints(coordinator: MetricsSource & DashboardSource, o: EndpointOptions, log: Logger): Promise<HttpEndpoints> {
  const closers: (() => void | Promise<void>)[] = [];
  // In start order: the dashboard flushes its event streams before its server ends the connections.
  const close = async (): Promise<void> => {
    for (const c of closers.splice(0)) await c();
  };
  const serve = async (listen: string, flag: string, routes: Route[]): Promise<string> => {
    const server = new HttpServer({ listen, routes, log, flag });
    const address = await server.listen();
    closers.push(() => server.close());
    return address;
  };
  try {
    const out: HttpEndpoints = { close };
    let metricsRoutes: Route[] = [];
    if (o.metrics !== undefined) {
      const metrics = new FleetMetrics(coordinator);
      closers.push(() => metrics.close());
      metricsRoutes = [withReadToken(metrics.route(), o, log), readyzRoute(o.ready ?? (() => true))];
    }
    const shared = o.dashboard !== undefined && o.dashboard === o.metrics && !o.dashboard.endsWith(':0');
    if (o.dashboard !== undefined) {
      const { host } = parseHostPort(o.dashboard, '--dashboard');
      const dashboard = new Dashboard({
        source: coordinator, clock: o.clock, log, assets: loadChartAssets(), controlToken: o.controlToken, readToken: o.readToken,
        loopbackOnly: isLoopbackHost(host), intervalMs: o.intervalMs,
      });
      closers.push(() => dashboard.close());
      out.dashboardAddress = await serve(o.dashboard, '--dashboard', shared ? [...dashboard.routes(), ...metricsRoutes] : dashboard.routes());
      if (shared) out.metricsAddress = out.dashboardAddress;
    }
    if (o.metrics !== undefined && !shared) out.metricsAddress = await serve(o.metrics, '--metrics', metricsRoutes);
    return out;
  } catch (e) {
    await close();
    throw e;
  }
}
