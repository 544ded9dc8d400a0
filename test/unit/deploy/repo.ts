// Shared by the deploy tests: the checkout's root, and the LOADFLEET_* variables each role accepts (from
// the real CLI's `--help`).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envName } from '../../../cli/env-flags.js';

/** dist/test/unit/deploy/ -> the checkout. */
export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

/** LOADFLEET_<FLAG> for every flag `loadfleet <role> --help` lists. */
export function flagsOf(role: 'agent' | 'coordinator'): Set<string> {
  const r = spawnSync(process.execPath, [join(REPO, 'bin', 'loadfleet.js'), role, '--help'], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
  if (r.status !== 0) throw new Error(`loadfleet ${role} --help exited ${r.status}: ${r.stderr}`);
  const flags = new Set<string>();
  for (const m of r.stdout.matchAll(/^\s+--([a-z][a-z-]+)/gm)) if (m[1] !== 'help' && m[1] !== 'version') flags.add(envName(m[1] as string));
  return flags;
}
