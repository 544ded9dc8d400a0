// The coordinator's HTTP endpoint as the CLI starts it (`--metrics HOST:PORT` on `coordinator` and
// `run`): the route table of coordinator/http-server.ts with /metrics and /healthz. The live dashboard
// will add its routes here.
import type { Logger } from '../../common/io.js';
import { HttpServer } from '../http-server.js';
import { FleetMetrics } from '../outputs/prometheus.js';
import type { MetricsSource } from '../outputs/prometheus.js';

export interface HttpEndpoint {
  /** "host:port" it listens on. */
  address: string;
  /** Idempotent. */
  close(): Promise<void>;
}

export async function startHttpEndpoint(coordinator: MetricsSource, listen: string, log: Logger): Promise<HttpEndpoint> {
  const metrics = new FleetMetrics(coordinator);
  const server = new HttpServer({ listen, routes: [metrics.route()], log });
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
