// `loadfleet agent --join HOST:PORT`: a long-lived agent that stays connected between tests,
// reconnects with backoff, and leaves gracefully on SIGTERM/SIGINT (drains, reports, disconnects).
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism, hostname } from 'node:os';
import type { Argv } from 'yargs';
import { lookup } from 'node:dns/promises';
import { EXIT, LoadfleetError, exitCodeFor } from '../../common/runtime/errors.js';
import { LOOPBACK_RULES, allowListLookup, parseAllowRule, planRefusal, targetRefusal } from '../../agent/limits.js';
import { lookup as dnsLookup } from 'node:dns';
import type { AgentLimits, AllowRule } from '../../agent/limits.js';
import type { Io } from '../../common/runtime/io.js';
import { stderrLogger } from '../../common/runtime/io.js';
import { systemClock } from '../../common/runtime/clock.js';
import { readToken } from '../../common/runtime/token.js';
import { readTls } from '../../common/runtime/tls.js';
import type { TlsArgs } from '../../common/runtime/tls.js';
import type { Phase } from '../../common/metrics/stats.js';
import { createEngine } from '../../agent/engine/engine.js';
import { runSetupPart } from '../../agent/setup-run.js';
import type { EngineDeps } from '../../agent/engine/engine.js';
import { createGrpcDialer } from '../../agent/grpc-link.js';
import { AgentSession } from '../../agent/session.js';
import { startHealthEndpoint } from '../../agent/health.js';
import type { HealthEndpoint } from '../../agent/health.js';

export interface AgentArgs extends TlsArgs {
  join: string;
  id?: string | undefined;
  tokenFile?: string | undefined;
  allowTarget?: string[] | undefined;
  maxRate?: number | undefined;
  maxInFlight?: number | undefined;
  /** Run plans whose scenario skips the targets' certificate checks (agent/limits.ts allowInsecureTls). */
  allowInsecureTls?: boolean | undefined;
  /** HOST:PORT for GET /healthz and /readyz (agent/health.ts); off when undefined. */
  health?: string | undefined;
  /** Leave when standard input closes: local agents end with the `loadfleet run` that spawned them. */
  exitWithStdin?: boolean | undefined;
}

/**
 * Debugging aid: with this variable set to a directory, the agent appends every response's latency
 * from its intended send time (whole microseconds, as recorded) to <dir>/<agent id>.<phase>.samples.
 * The e2e tests use it to check merged percentiles against one histogram fed every raw sample.
 */
export const SAMPLE_LOG_ENV = 'LOADFLEET_SAMPLE_LOG_DIR';

function sampleLog(dir: string | undefined, agentId: string): Pick<EngineDeps, 'onLatencySample'> {
  if (dir === undefined || dir === '') return {};
  const streams = new Map<Phase, WriteStream>();
  return {
    onLatencySample: (phase, latencyMs) => {
      let s = streams.get(phase);
      if (s === undefined) {
        s = createWriteStream(join(dir, `${agentId}.${phase}.samples`), { flags: 'a' });
        streams.set(phase, s);
      }
      const us = Math.round(latencyMs * 1000);
      s.write(`${us < 1 ? 1 : us}\n`);
    },
  };
}

export function agentOptions<T>(y: Argv<T>): Argv<T & AgentArgs> {
  return y
    .option('join', { type: 'string', demandOption: true, describe: 'coordinator address HOST:PORT to join' })
    .option('id', { type: 'string', describe: 'agent id (default: <hostname>-<random>); reused across reconnects' })
    .option('token-file', { type: 'string', describe: 'file holding the join token (default: $LOADFLEET_JOIN_TOKEN, else $LOADFLEET_TOKEN)' })
    .option('allow-target', {
      type: 'string', array: true,
      describe: 'targets this agent may load (repeatable): host names (api.test, *.test), addresses or CIDRs (10.0.0.0/8, ::1), each optionally :PORT; default loopback only (127.0.0.0/8, ::1)',
    })
    .option('max-rate', { type: 'number', describe: 'highest arrival rate (req/s) this agent accepts; plans above are refused, live changes above are capped' })
    .option('max-in-flight', { type: 'number', describe: 'highest in-flight cap (and closed-model loop count) this agent accepts' })
    .option('allow-insecure-tls', {
      type: 'boolean', default: false,
      describe: 'run scenarios with tls.insecureSkipVerify (no certificate check of HTTPS targets: test environments only); refused by default',
    })
    .option('health', { type: 'string', describe: 'serve GET /healthz (alive) and /readyz (joined to a coordinator) on HOST:PORT, for probes' })
    .option('exit-with-stdin', { type: 'boolean', default: false, hidden: true, describe: 'leave when standard input closes (local agents)' }) as unknown as Argv<T & AgentArgs>;
}

/** The agent's own limits from its flags; a bad value is a USAGE error naming it. */
export function limitsFromArgs(args: Pick<AgentArgs, 'allowTarget' | 'maxRate' | 'maxInFlight' | 'allowInsecureTls'>): AgentLimits {
  let allow: AllowRule[];
  try {
    allow = (args.allowTarget === undefined || args.allowTarget.length === 0 ? LOOPBACK_RULES : args.allowTarget).map(parseAllowRule);
  } catch (e) {
    throw new LoadfleetError('USAGE', (e as Error).message);
  }
  for (const [flag, v] of [['--max-rate', args.maxRate], ['--max-in-flight', args.maxInFlight]] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw new LoadfleetError('USAGE', `${flag} must be a number > 0, got ${String(v)}`);
  }
  return { allow, maxRateRps: args.maxRate, maxInFlight: args.maxInFlight, allowInsecureTls: args.allowInsecureTls === true };
}

export async function agentCommand(io: Io, args: AgentArgs, version: string): Promise<number> {
  const agentId = args.id ?? `${hostname()}-${randomUUID().slice(0, 8)}`;
  const log = stderrLogger(io, `agent ${agentId}`);
  const limits = limitsFromArgs(args);
  // The allow-list again at every connect: a name that later resolves elsewhere is not followed.
  const connectLookup = allowListLookup(limits.allow, dnsLookup as unknown as Parameters<typeof allowListLookup>[1]);
  const resolve = async (host: string): Promise<string[]> => (await lookup(host, { all: true })).map((a) => a.address);
  const tls = readTls(args);
  const dialer = createGrpcDialer({ address: args.join, token: readToken(io.env, args.tokenFile, 'join'), tls });
  const session = new AgentSession({
    dialer,
    createEngine: (plan, onSnapshot, data) => createEngine(plan, { onSnapshot, lookup: connectLookup, ...(data !== undefined ? { pickers: data.pickers, mayIssue: data.mayIssue } : {}), ...sampleLog(io.env[SAMPLE_LOG_ENV], agentId) }),
    clock: systemClock,
    agentId,
    host: hostname(),
    cores: availableParallelism(),
    version,
    log,
    vetPlan: async (plan) => {
      const refusal = planRefusal(plan, limits);
      if (refusal !== undefined) return refusal;
      // Every origin the plan's flows may reach (its requests render only to these), or its one request.
      for (const url of plan.program?.origins ?? [plan.request.url]) {
        const r = await targetRefusal(url, limits.allow, resolve);
        if (r !== undefined) return r;
      }
      return undefined;
    },
    runSetup: (plan, part) => runSetupPart(plan, part, { clock: systemClock, lookup: connectLookup }),
    ...(limits.maxRateRps !== undefined ? { maxRateRps: limits.maxRateRps } : {}),
    ...(limits.maxInFlight !== undefined ? { maxInFlight: limits.maxInFlight } : {}),
  });
  let health: HealthEndpoint | undefined;
  if (args.health !== undefined) {
    try {
      health = await startHealthEndpoint(args.health, () => session.currentState);
    } catch (e) {
      dialer.close();
      throw e;
    }
    log('info', `health on http://${health.address}/healthz and /readyz`);
  }
  log('info', `joining ${args.join}${tls === undefined ? ' (plaintext)' : tls.cert === undefined ? ' (TLS)' : ' (mutual TLS)'}; allowed targets: ${limits.allow.map((r) => r.source).join(', ')}${limits.allowInsecureTls ? '; insecure TLS (no certificate checks) allowed' : ''}`);
  session.start();
  let signalled = 0;
  const remove = io.onSignal((signal) => {
    signalled++;
    if (signalled === 1) {
      log('info', `${signal}: leaving (draining any running test first)`);
      void session.stop();
    }
  });
  const onStdinEnd = (): void => {
    log('info', 'standard input closed (the parent command ended): leaving');
    void session.stop();
  };
  if (args.exitWithStdin === true && io.stdin !== undefined) {
    io.stdin.on('end', onStdinEnd);
    io.stdin.on('error', onStdinEnd);
    io.stdin.resume();
  }
  const error = await session.finished;
  await health?.close();
  remove();
  io.stdin?.off('end', onStdinEnd);
  io.stdin?.off('error', onStdinEnd);
  io.stdin?.pause();
  if (error !== undefined) {
    log('error', error.hint === undefined ? error.message : `${error.message} (${error.hint})`);
    return exitCodeFor(error.code);
  }
  return EXIT.OK;
}
