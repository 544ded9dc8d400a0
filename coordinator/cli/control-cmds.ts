// `loadfleet rate|concurrency|status|stop --coordinator HOST:PORT`: thin commands over RemoteControl.
import { LoadfleetError } from '../../common/errors.js';
import type { Io } from '../../common/io.js';
import { parseDurationMs } from '../../common/duration.js';
import { readToken } from '../../common/token.js';
import { RemoteControl } from '../control-client.js';

export interface ControlArgs {
  coordinator: string;
  tokenFile?: string | undefined;
}

async function withRemote<T>(io: Io, args: ControlArgs, fn: (r: RemoteControl) => Promise<T>): Promise<T> {
  const remote = new RemoteControl(args.coordinator, readToken(io.env, args.tokenFile));
  try {
    return await fn(remote);
  } finally {
    remote.close();
  }
}

export async function rateCommand(io: Io, args: ControlArgs & { rate: number; ramp: string }): Promise<number> {
  if (!Number.isFinite(args.rate) || args.rate < 0) throw new LoadfleetError('USAGE', `rate must be a number >= 0, got ${args.rate}`);
  const rampMs = parseDurationMs(args.ramp);
  if (rampMs === undefined) throw new LoadfleetError('USAGE', `--ramp "${args.ramp}" is not a duration (e.g. 30s)`);
  const r = await withRemote(io, args, (c) => c.setRate({ rateRps: args.rate, concurrency: 0, rampMs }));
  io.stdout.write(`rate ${args.rate}/s sent to ${r.agents} agent(s) (change ${r.changeId})\n`);
  return 0;
}

export async function concurrencyCommand(io: Io, args: ControlArgs & { concurrency: number }): Promise<number> {
  if (!Number.isInteger(args.concurrency) || args.concurrency < 1) throw new LoadfleetError('USAGE', `concurrency must be a whole number >= 1`);
  const r = await withRemote(io, args, (c) => c.setRate({ rateRps: 0, concurrency: args.concurrency, rampMs: 0 }));
  io.stdout.write(`concurrency ${args.concurrency} sent to ${r.agents} agent(s) (change ${r.changeId})\n`);
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
    io.stdout.write(`test ${s.run.runId}: ${s.run.state}, ${Math.round(s.run.elapsedMs / 1000)} s elapsed, target ${s.run.targetRps}/s\n`);
    for (const a of s.run.agents) io.stdout.write(`  ${a.id.padEnd(20)} ${a.state.padEnd(9)} share ${a.rateRps.toFixed(1)}/s\n`);
  }
  return 0;
}

export async function stopCommand(io: Io, args: ControlArgs): Promise<number> {
  const was = await withRemote(io, args, (c) => c.stop('loadfleet stop'));
  io.stdout.write(was ? 'stopping the running test\n' : 'no test was running\n');
  return 0;
}
