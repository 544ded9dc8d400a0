// What the commands that drive a remote coordinator (rate, concurrency, status, stop) share: their
// arguments and one Control connection per command, closed when it is done.
import type { Io } from '../common/runtime/io.js';
import { readToken } from '../common/runtime/token.js';
import { readTls } from '../common/runtime/tls.js';
import type { TlsArgs } from '../common/runtime/tls.js';
import { RemoteControl } from './control-client.js';

export interface ControlArgs extends TlsArgs {
  coordinator: string;
  tokenFile?: string | undefined;
}

/** Runs `fn` over a Control connection to `args.coordinator`, closed afterwards whatever happens. */
export async function withRemote<T>(io: Io, args: ControlArgs, fn: (r: RemoteControl) => Promise<T>): Promise<T> {
  const remote = new RemoteControl(args.coordinator, readToken(io.env, args.tokenFile, 'control'), readTls(args));
  try {
    return await fn(remote);
  } finally {
    remote.close();
  }
}

/** How a sent change was acknowledged, in words: by all within N ms, or by only some within 2 s. */
export function appliedWords(r: { agents: number; applied: number; appliedMs: number }): string {
  if (r.applied >= r.agents) return `applied by all within ${r.appliedMs.toFixed(1)} ms`;
  return `only ${r.applied} of ${r.agents} agent(s) acknowledged within 2 s`;
}

/** A number as the user typed it, for a USAGE message (yargs gives NaN for a word). */
export function typed(n: number): string {
  return Number.isNaN(n) ? 'something that is not a number' : String(n);
}
