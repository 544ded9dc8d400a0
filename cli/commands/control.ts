// `loadfleet rate|concurrency|status|stop --coordinator HOST:PORT`: thin commands over RemoteControl.
import { LoadfleetError } from '../../common/runtime/errors.js';
import type { Io } from '../../common/runtime/io.js';
import { parseDurationMs } from '../../common/scenario/duration.js';
import { readToken } from '../../common/runtime/token.js';
import { readTls } from '../../common/runtime/tls.js';
import type { TlsArgs } from '../../common/runtime/tls.js';
import { RemoteControl } from '../control-client.js';

export interface ControlArgs extends TlsArgs {
  coordinator: string;
  tokenFile?: string | undefined;
}

async function withRemote<T>(io: Io, args: ControlArgs, fn: (r: RemoteControl) => Promise<T>): Promise<T> {
  const remote = new RemoteControl(args.coordinator, readToken(io.env, args.tokenFile, 'control'), readTls(args));
  try {
    return await fn(remote);
  } finally {
    remote.close();
  }
}

export async function rateCommand(io: Io, args: ControlArgs & { rate: number; ramp: string; scenario?: string | undefined }): Promise<number> {
  if (!Number.isFinite(args.rate) || args.rate < 0) throw new LoadfleetError('USAGE', `rate must be a number >= 0, got ${Number.isNaN(args.rate) ? 'something that is not a number' : args.rate}`);
  const rampMs = parseDurationMs(args.ramp);
  if (rampMs === undefined) throw new LoadfleetError('USAGE', `--ramp "${args.ramp}" is not a duration (e.g. 30s)`);
  const r = await withRemote(io, args, (c) => c.setRate({ rateRps: args.rate, concurrency: 0, rampMs, scenario: args.scenario ?? '' }));
  io.stdout.write(`${args.scenario !== undefined ? `${args.scenario}: ` : ''}rate ${args.rate}/s sent to ${r.agents} agent(s) (change ${r.changeId}); ${applied(r)}\n`);
  return 0;
}

function applied(r: { agents: number; applied: number; appliedMs: number }): string {
  if (r.applied >= r.agents) return `applied by all within ${r.appliedMs.toFixed(1)} ms`;
  return `only ${r.applied} of ${r.agents} agent(s) acknowledged within 2 s`;
}

export async function concurrencyCommand(io: Io, args: ControlArgs & { concurrency: number; scenario?: string | undefined }): Promise<number> {
  if (!Number.isInteger(args.concurrency) || args.concurrency < 1) throw new LoadfleetError('USAGE', `concurrency must be a whole number >= 1, got ${Number.isNaN(args.concurrency) ? 'something that is not a number' : args.concurrency}`);
  const r = await withRemote(io, args, (c) => c.setRate({ rateRps: 0, concurrency: args.concurrency, rampMs: 0, scenario: args.scenario ?? '' }));
  io.stdout.write(`${args.scenario !== undefined ? `${args.scenario}: ` : ''}concurrency ${args.concurrency} sent to ${r.agents} agent(s) (change ${r.changeId}); ${applied(r)}\n`);
  return 0;
}

export async function statusCommand(io: Io, args: ControlArgs & { json: boolean }): Promise<number> {
  const s = await withRemote(io, args, (c) => c.status());
  if (args.json) {
    io.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(`agents: ${s.agents.length}\n`);
  for (const a of s.agents) io.stdout.write(`  ${a.id.padEnd(20)} ${a.state.padEnd(5)} ${a.host} (${a.cores} cores) ${a.runId ?? ''}\n`);
  if (s.run === null) io.stdout.write('no test running\n');
  else {
    const r = s.run;
    // Several scenarios at once may run both models: then both.
    const target = r.concurrency > 0 && r.targetRps > 0 ? `target ${r.targetRps.toFixed(1)}/s + concurrency ${r.concurrency}`
      : r.concurrency > 0 ? `concurrency ${r.concurrency}` : `target ${r.targetRps.toFixed(1)}/s`;
    const live = r.live === null ? 'no interval reported yet' : `achieved ${r.live.achievedRps.toFixed(1)}/s, p50 ${r.live.p50Ms} ms, p99 ${r.live.p99Ms} ms, errors ${r.live.errors}`;
    io.stdout.write(`test ${r.runId}: ${r.state}, ${Math.round(r.elapsedMs / 1000)}/${Math.round(r.totalMs / 1000)} s, ${target}, ${live}; on agent loss: ${r.onAgentLoss}\n`);
    io.stdout.write(`  ${'agent'.padEnd(16)} ${'state'.padEnd(9)} ${'share'.padStart(10)} ${'achieved'.padStart(10)} ${'loop p99'.padStart(9)} ${'lag p99'.padStart(8)} ${'last snap'.padStart(9)}\n`);
    for (const a of r.agents) {
      const share = r.concurrency > 0 && r.targetRps > 0 ? `${a.rateRps.toFixed(1)}/s+${a.concurrency}` : r.concurrency > 0 ? `${a.concurrency}` : `${a.rateRps.toFixed(1)}/s`;
      const ms = (v: number | null): string => (v === null ? '-' : `${v.toFixed(1)}ms`);
      io.stdout.write(
        `  ${a.id.padEnd(16)} ${a.state.padEnd(9)} ${share.padStart(10)} ${(a.achievedRps === null ? '-' : `${a.achievedRps.toFixed(1)}/s`).padStart(10)} ` +
          `${ms(a.eventLoopP99Ms).padStart(9)} ${ms(a.scheduleLagP99Ms).padStart(8)} ${(a.lastSnapshotAgeMs === null ? '-' : `${(a.lastSnapshotAgeMs / 1000).toFixed(1)}s`).padStart(9)}\n`,
      );
    }
  }
  return 0;
}

export async function stopCommand(io: Io, args: ControlArgs): Promise<number> {
  const was = await withRemote(io, args, (c) => c.stop('loadfleet stop'));
  if (!was) throw new LoadfleetError('NOT_RUNNING', 'no test is running: nothing to stop', { hint: 'start one with `loadfleet run`' });
  io.stdout.write('stopping the running test\n');
  return 0;
}
