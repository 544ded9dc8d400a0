// A long-lived coordinator with agents joined as real processes, a target, and a work dir: what the
// fleet e2e tests (elastic, data delivery, several scenarios) start from. `run` drives it as a user does, with
// `loadfleet run FILE --coordinator ADDR` (a string scenario is written as YAML, an object as JSON).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../coordinator/report/report.js';
import { CLI_ENTRY } from './paths.js';
import { startProcess } from './processes.js';
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
  const coord = startProcess([CLI_ENTRY, 'coordinator', '--listen', '127.0.0.1:0'], env);
  const addr = (await coord.waitFor(/coordinator listening on (\S+)/))[1] as string;
  const agents = new Map<string, Proc>();
  const addAgent = async (id: string): Promise<Proc> => {
    const p = startProcess([CLI_ENTRY, 'agent', '--join', addr, '--id', id], env);
    agents.set(id, p);
    await p.waitFor(/joined coordinator/);
    return p;
  };
  for (const id of ids) await addAgent(id);
  const run = (scenario: string | object, extra: string[] = []): Proc => {
    const file = typeof scenario === 'string' ? 's.yaml' : 's.json';
    writeFileSync(join(dir, file), typeof scenario === 'string' ? scenario : JSON.stringify(scenario));
    return startProcess([CLI_ENTRY, 'run', file, '--coordinator', addr, '--agents', String(ids.length), '--out', 'r.json', ...extra], env, dir);
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

