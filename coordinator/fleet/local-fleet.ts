// A coordinator plus N agent processes on loopback: what `loadfleet run` and `loadfleet demo` use when
// no --coordinator is given. Same code path as a fleet: real gRPC, real processes, a join token.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { LoadfleetError } from '../../common/runtime/errors.js';
import type { Clock } from '../../common/runtime/clock.js';
import type { Logger } from '../../common/runtime/io.js';
import { JOIN_TOKEN_ENV, TOKEN_ENV } from '../../common/runtime/token.js';
import { Coordinator } from '../coordinator.js';
import { GrpcServer } from '../server/grpc-server.js';

export interface LocalFleetOptions {
  agents: number;
  /** Path of the agent's entry script (dist/agent/main.js). */
  agentEntry: string;
  clock: Clock;
  version: string;
  log: Logger;
  /** The node executable and the environment the agent processes start with. */
  nodePath: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Agent stderr lines go here (prefixed with the agent's number). */
  agentLog: (line: string) => void;
  joinTimeoutMs?: number;
  /** Targets the local agents may load (their --allow-target); default: loopback only. */
  allowTargets?: readonly string[];
  /** The local agents run plans that skip certificate checks (their --allow-insecure-tls). */
  allowInsecureTls?: boolean;
}

export class LocalFleet {
  readonly coordinator: Coordinator;
  readonly address: string;
  private readonly server: GrpcServer;
  private readonly children: ChildProcess[];
  private closed = false;

  private constructor(coordinator: Coordinator, server: GrpcServer, address: string, children: ChildProcess[]) {
    this.coordinator = coordinator;
    this.server = server;
    this.address = address;
    this.children = children;
  }

  static async start(opts: LocalFleetOptions): Promise<LocalFleet> {
    // Two secrets, as in a fleet: the agents hold the join one only; nothing outside this process controls.
    const token = randomBytes(24).toString('base64url');
    const controlToken = randomBytes(24).toString('base64url');
    const coordinator = new Coordinator({ clock: opts.clock, version: opts.version, log: opts.log });
    const server = new GrpcServer({ coordinator, listen: '127.0.0.1:0', joinToken: token, controlToken, log: opts.log });
    const address = await server.listen();
    const children: ChildProcess[] = [];
    const fleet = new LocalFleet(coordinator, server, address, children);
    for (let i = 0; i < opts.agents; i++) {
      const allow = (opts.allowTargets ?? []).flatMap((t) => ['--allow-target', t]);
      const child = spawn(opts.nodePath, [opts.agentEntry, '--join', address, '--id', `local-${i + 1}`, '--exit-with-stdin', ...allow, ...(opts.allowInsecureTls === true ? ['--allow-insecure-tls'] : [])], {
        env: { ...opts.env, [TOKEN_ENV]: token, [JOIN_TOKEN_ENV]: token },
        // stdin is a pipe the agent watches: when this process dies (however: a signal, SIGKILL), the
        // agent leaves instead of reconnecting forever to a coordinator that is gone.
        stdio: ['pipe', 'ignore', 'pipe'],
        // Its own process group: a terminal's Ctrl-C (SIGINT to the foreground group) reaches only this
        // process, which stops the run through the coordinator; the agents then end their assignment
        // with their final reports like any agent, and leave when close() or the stdin pipe says so.
        detached: true,
      });
      let buffered = '';
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => {
        buffered += chunk;
        let nl = buffered.indexOf('\n');
        while (nl >= 0) {
          opts.agentLog(`agent ${i + 1}: ${buffered.slice(0, nl)}`);
          buffered = buffered.slice(nl + 1);
          nl = buffered.indexOf('\n');
        }
      });
      children.push(child);
    }
    try {
      await coordinator.waitForAgents(opts.agents, opts.joinTimeoutMs ?? 20_000);
    } catch (e) {
      await fleet.close();
      throw new LoadfleetError('NO_AGENTS', `local agents did not start: ${(e as Error).message}`, { cause: e });
    }
    return fleet;
  }

  /**
   * Stops the agents (SIGTERM, then SIGKILL after `graceMs`; 0 kills them at once, for an abort) and
   * the coordinator. Idempotent.
   */
  async close(graceMs = 5_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.children.map((c) => stopChild(c, graceMs)));
    this.coordinator.close();
    await this.server.close();
  }
}

function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    if (graceMs <= 0) {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
