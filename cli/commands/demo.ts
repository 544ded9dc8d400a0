// `loadfleet demo`: a built-in target on 127.0.0.1, a coordinator and 2 local agent processes over
// real gRPC; an open-model test whose rate changes at half time; the target's own count is checked
// against the report at the end.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { LoadfleetError } from '../../common/runtime/errors.js';
import type { Io } from '../../common/runtime/io.js';
import { parseDurationMs } from '../../common/scenario/duration.js';
import { validateScenario } from '../../common/scenario/scenario.js';
import { COUNT_PATH } from '../../coordinator/demo/target.js';
import type { LocalRuntime } from './run.js';
import { runLocal } from './run.js';
import { rateChange } from '../../common/protocol/live-change.js';

export interface DemoArgs {
  agents: number;
  rate: number;
  duration: string;
  out: string;
  verbose: boolean;
}

export interface DemoRuntime extends LocalRuntime {
  /** Path of the target's entry script (dist/coordinator/demo/target-main.js). */
  targetEntry: string;
}

export async function demoCommand(io: Io, args: DemoArgs, rt: DemoRuntime): Promise<number> {
  const durationMs = parseDurationMs(args.duration);
  if (durationMs === undefined || durationMs < 2_000) throw new LoadfleetError('USAGE', `--duration "${args.duration}" must be a duration of at least 2s`);
  if (!(args.rate > 0)) throw new LoadfleetError('USAGE', `--rate must be > 0, got ${args.rate}`);
  const target = await startTargetProcess(rt.nodePath, rt.targetEntry);
  try {
    io.stdout.write(`built-in target listening on ${target.url}\n`);
    const v = validateScenario({
      name: 'demo',
      request: { url: target.url, method: 'GET' },
      load: { model: 'open', rate: args.rate, duration: `${durationMs}ms`, maxInFlight: 2_000 },
    });
    if (!v.ok) throw new LoadfleetError('INTERNAL', `demo scenario invalid: ${JSON.stringify(v.problems)}`);
    const secondRate = args.rate * 2;
    let timer: NodeJS.Timeout | undefined;
    const code = await runLocal(io, {
      scenario: v.scenario, agents: args.agents, out: args.out, verbose: args.verbose,
      onStarted: (control) => {
        timer = setTimeout(() => {
          void control.change(rateChange(secondRate, 0), 'demo: half time').then((m) => io.stderr.write(`${m}\n`));
        }, durationMs / 2);
      },
    }, rt);
    if (timer !== undefined) clearTimeout(timer);
    const counted = await fetchCount(target.url);
    io.stdout.write(`the target itself counted ${counted} request(s)\n`);
    return code;
  } finally {
    await target.stop();
  }
}

async function fetchCount(url: string): Promise<number> {
  const res = await fetch(new URL(COUNT_PATH, url));
  const body = (await res.json()) as { requests: number };
  return body.requests;
}

function startTargetProcess(nodePath: string, entry: string): Promise<{ url: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(nodePath, [entry], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => {
      void stop();
      reject(new LoadfleetError('INTERNAL', 'the built-in target did not start within 10 s'));
    }, 10_000);
    rl.once('line', (line) => {
      clearTimeout(timer);
      const m = /^listening (\S+)$/.exec(line);
      if (m === null) return reject(new LoadfleetError('INTERNAL', `unexpected output from the built-in target: ${line}`));
      resolve({ url: m[1] as string, stop });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new LoadfleetError('INTERNAL', `the built-in target exited with code ${code}`));
    });
  });
}
