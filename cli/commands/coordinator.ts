// `loadfleet coordinator --listen HOST:PORT`: a long-lived coordinator that agents join and the CLI
// drives (`run --coordinator`, `rate`, `status`, `stop`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Io } from '../../common/runtime/io.js';
import { stderrLogger } from '../../common/runtime/io.js';
import { systemClock } from '../../common/runtime/clock.js';
import { readReadToken, readToken } from '../../common/runtime/token.js';
import { LoadfleetError } from '../../common/runtime/errors.js';
import { readTls } from '../../common/runtime/tls.js';
import type { TlsArgs } from '../../common/runtime/tls.js';
import { Coordinator } from '../../coordinator/coordinator.js';
import { GrpcServer } from '../../coordinator/server/grpc-server.js';
import { isLoopbackHost, startHttpEndpoints } from '../http-endpoint.js';
import type { HttpEndpoints } from '../http-endpoint.js';
import { parseHostPort } from '../../coordinator/server/http-server.js';

export interface CoordinatorArgs extends TlsArgs {
  listen: string;
  tokenFile?: string | undefined;
  joinTokenFile?: string | undefined;
  controlTokenFile?: string | undefined;
  readTokenFile?: string | undefined;
  requireTls?: boolean | undefined;
  maxAgents?: number | undefined;
  /** Finished runs whose reports are kept for `report --coordinator` (default 20). */
  keepReports?: number | undefined;
  /** Also write every finished run's report to DIR/RUN_ID.json (they outlive the coordinator there). */
  reportDir?: string | undefined;
  /** HOST:PORT for GET /metrics (Prometheus), /healthz and /readyz; off when undefined. */
  metrics?: string | undefined;
  /** HOST:PORT for the live dashboard (may equal metrics); off when undefined. */
  dashboard?: string | undefined;
}

export async function coordinatorCommand(io: Io, args: CoordinatorArgs, version: string): Promise<number> {
  const log = stderrLogger(io, 'coordinator');
  const joinToken = readToken(io.env, args.joinTokenFile ?? args.tokenFile, 'join');
  const controlToken = readToken(io.env, args.controlTokenFile ?? args.tokenFile, 'control');
  const readOnlyToken = readReadToken(io.env, args.readTokenFile);
  const token = joinToken !== undefined && controlToken !== undefined ? joinToken : undefined;
  if ((joinToken === undefined) !== (controlToken === undefined)) {
    log('warn', `!!! only the ${joinToken === undefined ? 'control' : 'join'} token is set: ${joinToken === undefined ? 'any agent can join' : 'anyone can drive the fleet'}`);
  }
  const host = args.listen.slice(0, args.listen.lastIndexOf(':'));
  const loopback = host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host.startsWith('127.');
  // One token for both roles (LOADFLEET_TOKEN) stays allowed, for a laptop; beyond loopback it is said loudly.
  if (!loopback && token !== undefined && joinToken === controlToken) {
    log('warn', `!!! one token serves both roles on ${args.listen}: every agent host holds what starts, changes and stops tests. Give agents LOADFLEET_JOIN_TOKEN and operators a different LOADFLEET_CONTROL_TOKEN (or --join-token-file / --control-token-file).`);
  }
  const tls = readTls(args);
  if (tls !== undefined && (tls.cert === undefined || tls.key === undefined)) {
    throw new LoadfleetError('USAGE', 'a TLS coordinator needs --tls-cert and --tls-key (its own certificate); --tls-ca alone only applies to agents and the CLI');
  }
  if (args.requireTls === true && tls === undefined) {
    throw new LoadfleetError('USAGE', `--require-tls: refusing to listen on ${args.listen} without --tls-cert and --tls-key`, { hint: 'create them with `loadfleet certs --out DIR`' });
  }
  if (!loopback && (token === undefined || tls === undefined)) {
    const missing = [tls === undefined ? 'TLS (the control channel and tokens travel in plaintext)' : '', token === undefined ? 'a token (anyone who can reach it can join agents and drive load)' : ''].filter(Boolean);
    log('warn', `!!! listening on ${args.listen} WITHOUT ${missing.join(' and WITHOUT ')}. Use --tls-cert/--tls-key/--tls-ca and LOADFLEET_JOIN_TOKEN plus LOADFLEET_CONTROL_TOKEN, or --require-tls to make this an error.`);
  }
  if (args.keepReports !== undefined && (!Number.isInteger(args.keepReports) || args.keepReports < 1)) {
    throw new LoadfleetError('USAGE', `--keep-reports must be a whole number >= 1, got ${Number.isNaN(args.keepReports) ? 'something that is not a number' : args.keepReports}`);
  }
  const coordinator = new Coordinator({
    clock: systemClock, version, log,
    ...(args.maxAgents !== undefined ? { maxAgents: args.maxAgents } : {}),
    ...(args.keepReports !== undefined ? { keepReports: args.keepReports } : {}),
  });
  if (args.reportDir !== undefined) {
    const dir = resolve(io.cwd, args.reportDir);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new LoadfleetError('USAGE', `--report-dir ${dir}: cannot create it: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
    }
    coordinator.observe({
      onRunEnd: (report) => {
        const path = join(dir, `${report.runId}.json`);
        try {
          writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
          log('info', `report of run ${report.runId} written to ${path}`);
        } catch (e) {
          log('error', `cannot write the report of run ${report.runId} to ${path}: ${(e as Error).message}`);
        }
      },
    });
  }
  const server = new GrpcServer({ coordinator, listen: args.listen, joinToken, controlToken, log, tls });
  const address = await server.listen();
  let ready = true; // GET /readyz: the gRPC server listens; false again from the shutdown signal on
  const mode = tls === undefined ? 'plaintext' : tls.ca === undefined ? 'TLS' : 'mutual TLS';
  io.stdout.write(`coordinator listening on ${address} (${mode}${token === undefined ? '' : ', token required'})\n`);
  let http: HttpEndpoints | undefined;
  if (args.metrics !== undefined || args.dashboard !== undefined) {
    try {
      if (args.dashboard !== undefined && controlToken === undefined && !isLoopbackHost(parseHostPort(args.dashboard, '--dashboard').host)) {
        log('warn', `!!! the dashboard on ${args.dashboard} has no control token: anyone who can reach it can change the rate or stop tests. Set LOADFLEET_CONTROL_TOKEN.`);
      }
      http = await startHttpEndpoints(coordinator, { metrics: args.metrics, dashboard: args.dashboard, controlToken, readToken: readOnlyToken, clock: systemClock, ready: () => ready }, log);
    } catch (e) {
      coordinator.close();
      await server.close();
      throw e;
    }
    if (http.metricsAddress !== undefined) io.stdout.write(`metrics on http://${http.metricsAddress}/metrics\n`);
    if (http.dashboardAddress !== undefined) io.stdout.write(`dashboard on http://${http.dashboardAddress}/${token === undefined ? '' : ' (its controls need the token)'}\n`);
  }
  await new Promise<void>((resolve) => {
    const remove = io.onSignal((signal) => {
      log('info', `${signal}: shutting down`);
      ready = false;
      remove();
      resolve();
    });
  });
  await http?.close();
  coordinator.close();
  await server.close();
  return 0;
}
