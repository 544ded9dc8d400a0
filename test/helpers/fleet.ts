// A long-lived coordinator with agents joined as real processes, a target, and a work dir: what the
// fleet e2e tests (elastic, data delivery, several scenarios) start from. `run` drives it as a user does, with
// `loadfleet run FILE --coordinator ADDR` (a string scenario is written as YAML, an object as JSON).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../coordinator/report/report.js';
import { startAgent, startCli, startCoordinator } from './cli.js';
import type { Proc } from './processes.js';

export interface FleetOptions<T extends { close(): Promise<void> }> {
  target: T;
  /** Agent ids to start and wait for (joined) before returning. */
  ids: readonly string[];
  /** The token (LOADFLEET_TOKEN) every process of this fleet shares. */
  token: string;
  /** Work dir name prefix (under the OS temp dir). */
  dirPrefix: string;
}

export async function startFleet<T extends { close(): Promise<void> }>(opts: FleetOptions<T>) {
  const env = { LOADFLEET_TOKEN: opts.token };
  const { target, ids } = opts;
  const dir = mkdtempSync(join(tmpdir(), opts.dirPrefix));
  const { proc: coord, addr } = await startCoordinator([], { env });
  const agents = new Map<string, Proc>();
  const addAgent = async (id: string): Promise<Proc> => {
    const p = await startAgent(addr, id, [], { env });
    agents.set(id, p);
    return p;
  };
  for (const id of ids) await addAgent(id);
  const run = (scenario: string | object, extra: string[] = []): Proc => {
    const file = typeof scenario === 'string' ? 's.yaml' : 's.json';
    writeFileSync(join(dir, file), typeof scenario === 'string' ? scenario : JSON.stringify(scenario));
    return startCli(['run', file, '--coordinator', addr, '--agents', String(ids.length), '--out', 'r.json', ...extra], { env, cwd: dir });
  };
  const report = (): Report => JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report;
  const close = async (): Promise<void> => {
    for (const a of agents.values()) a.kill('SIGKILL');
    coord.kill('SIGKILL');
    await Promise.all([...[...agents.values()].map((a) => a.exited), coord.exited]);
    await target.close();
  };
  return { target, dir, addr, env, agents, coord, addAgent, run, report, close };
}

