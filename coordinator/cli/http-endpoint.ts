// The coordinator's HTTP endpoint as the CLI starts it (`--metrics HOST:PORT` on `coordinator` and
// `run`): the route table of coordinator/http-server.ts with /metrics, /healthz and /readyz. The live
// dashboard will add its routes here.
import type { Logger } from '../../common/io.js';
import { HttpServer, text } from '../http-server.js';
import type { Route } from '../http-server.js';
import { FleetMetrics } from '../outputs/prometheus.js';
import type { MetricsSource } from '../outputs/prometheus.js';

export interface HttpEndpoint {
  /** "host:port" it listens on. */
  address: string;
  /** Idempotent. */
  close(): Promise<void>;
}

/**
 * `ready` answers GET /readyz: 200 while it returns true (the coordinator's gRPC server listens), else 503
 * (not yet, or shutting down). Default: always ready (the endpoint starts after the gRPC server).
 */
export async function startHttpEndpoint(coordinator: MetricsSource, listen: string, log: Logger, ready: () => boolean = () => true): Promise<HttpEndpoint> {
  const metrics = new FleetMetrics(coordinator);
  const readyz: Route = {
    method: 'GET',
    path: '/readyz',
    handle: (_req, res) => (ready() ? text(res, 200, 'ready\n') : text(res, 503, 'not ready: the gRPC server is not listening\n')),
  };
  const server = new HttpServer({ listen, routes: [metrics.route(), readyz], log });
  try {
    const address = await server.listen();
    return {
      address,
      close: async () => {
        metrics.close();
        await server.close();
      },
    };
  } catch (e) {
    metrics.close();
    throw e;
  }
}
