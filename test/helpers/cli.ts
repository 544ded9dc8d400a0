// The loadfleet commands as e2e tests start them, on processes.ts: any command, a coordinator (resolves
// with its address once it listens), an agent (resolves once it joined). Every one is killed at the end
// of the test given as `t`, else at the end of the test file.
import { CLI_ENTRY } from './paths.js';
import { startProcess } from './processes.js';
import type { Proc, TestEnd } from './processes.js';

export interface CliOptions {
  /** Added to this process's environment. */
  env?: Record<string, string>;
  cwd?: string;
  /** The test whose end kills it. */
  t?: TestEnd;
  /** Its own process group (see StartOptions.detached). */
  detached?: boolean;
}

/** `loadfleet ARGS...`. */
export function startCli(args: readonly string[], opts: CliOptions = {}): Proc {
  return startProcess([CLI_ENTRY, ...args], opts.env, opts.cwd, {
    ...(opts.t !== undefined ? { t: opts.t } : {}),
    ...(opts.detached !== undefined ? { detached: opts.detached } : {}),
  });
}

/** `loadfleet coordinator --listen LISTEN ARGS...` (LISTEN: 127.0.0.1:0 unless given), once it listens. */
export async function startCoordinator(args: readonly string[] = [], opts: CliOptions & { listen?: string } = {}): Promise<{ proc: Proc; addr: string }> {
  const proc = startCli(['coordinator', '--listen', opts.listen ?? '127.0.0.1:0', ...args], opts);
  const addr = (await proc.waitFor(/coordinator listening on (\S+)/))[1] as string;
  return { proc, addr };
}

/** `loadfleet agent --join ADDR --id ID ARGS...`, once it joined. */
export async function startAgent(addr: string, id: string, args: readonly string[] = [], opts: CliOptions = {}): Promise<Proc> {
  const proc = startCli(['agent', '--join', addr, '--id', id, ...args], opts);
  await proc.waitFor(/joined coordinator/);
  return proc;
}
