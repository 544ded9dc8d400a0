// `--env NAME=VALUE` for scenario templates (parseEnvValues, at the end).
// Flags from the environment for the long-lived roles (`agent`, `coordinator`): every option --some-flag
// of the command can also be given as LOADFLEET_SOME_FLAG, for containers, Kubernetes and systemd units.
// A flag on the command line wins over its variable. Only the command's own options are looked up, so
// the variables that are not flags keep their meaning and never collide: LOADFLEET_TOKEN (the token
// itself; a flag never carries it), LOADFLEET_DEBUG, LOADFLEET_PLAIN, LOADFLEET_SAMPLE_LOG_DIR.
// (yargs' own `.env()` is not used: under `.strict()` it rejects those variables as unknown arguments.)
import type { Argv } from 'yargs';
import { LoadfleetError } from '../common/runtime/errors.js';
import { ENV_NAME } from '../common/flow/template.js';

export const ENV_PREFIX = 'LOADFLEET_';

/** LOADFLEET_TLS_CERT for `tls-cert`. */
export function envName(option: string): string {
  return `${ENV_PREFIX}${option.toUpperCase().replace(/-/g, '_')}`;
}

/** What yargs' (untyped) getOptions() returns, as far as used here. */
interface DeclaredOptions {
  key: Record<string, unknown>;
  array: string[];
  number: string[];
  boolean: string[];
  hiddenOptions: string[];
  choices?: Record<string, readonly unknown[]>;
}

/** Options never taken from the environment: yargs' own, and hidden (internal) ones. */
const SKIPPED = new Set(['help', 'version']);

/**
 * Gives each of the command's options the value of its variable as a default (so a flag still wins and
 * --help shows it). Values are converted by the option's type: numbers, booleans (true/false, 1/0,
 * yes/no), arrays (comma- or space-separated). Every bad value is reported at once, naming the variable.
 */
export function withEnvFlags<T>(y: Argv<T>, env: Readonly<Record<string, string | undefined>>): Argv<T> {
  const o = (y as unknown as { getOptions(): DeclaredOptions }).getOptions();
  const hidden = new Set(o.hiddenOptions);
  const problems: string[] = [];
  const defaults: Record<string, unknown> = {};
  for (const key of Object.keys(o.key)) {
    if (SKIPPED.has(key) || hidden.has(key)) continue;
    const name = envName(key);
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const value = raw.trim();
    if (o.array.includes(key)) {
      const items = value.split(/[\s,]+/).filter((s) => s !== '');
      defaults[key] = o.number.includes(key) ? items.map(Number) : items;
    } else if (o.number.includes(key)) {
      const n = Number(value);
      if (!Number.isFinite(n)) problems.push(`${name}=${raw}: expected a number (for --${key})`);
      else defaults[key] = n;
    } else if (o.boolean.includes(key)) {
      const v = value.toLowerCase();
      if (['true', '1', 'yes'].includes(v)) defaults[key] = true;
      else if (['false', '0', 'no'].includes(v)) defaults[key] = false;
      else problems.push(`${name}=${raw}: expected true or false (for --${key})`);
    } else {
      const choices = o.choices?.[key];
      if (choices !== undefined && !choices.includes(value)) problems.push(`${name}=${raw}: expected one of ${choices.join(', ')} (for --${key})`);
      else defaults[key] = value;
    }
  }
  if (problems.length > 0) throw new LoadfleetError('USAGE', `invalid environment:\n  ${problems.join('\n  ')}`);
  for (const [key, value] of Object.entries(defaults)) y.default(key, value);
  return y;
}

/**
 * `--env NAME=VALUE` (repeatable) for `{{ $env.NAME }}`: the values by name. `--env NAME` alone takes
 * NAME's value from `cliEnv` (the CLI's own environment, like `docker run -e NAME`) and gives nothing
 * when it is unset there, so the file's use of it is reported as "not set". A later flag for the same
 * name wins. A malformed flag is USAGE naming the flag, never its value.
 */
export function parseEnvValues(flags: string | readonly string[] | undefined, cliEnv: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const list = flags === undefined ? [] : typeof flags === 'string' ? [flags] : flags;
  const out: Record<string, string> = {};
  const problems: string[] = [];
  for (const flag of list) {
    const eq = flag.indexOf('=');
    const name = eq === -1 ? flag : flag.slice(0, eq);
    if (!ENV_NAME.test(name)) {
      problems.push(`--env ${name === '' ? '(empty name)' : `"${name}"`}: expected NAME=VALUE or NAME, the name of letters, digits and _ (not starting with a digit)`);
      continue;
    }
    const value = eq === -1 ? cliEnv[name] : flag.slice(eq + 1);
    if (value !== undefined) out[name] = value;
  }
  if (problems.length > 0) throw new LoadfleetError('USAGE', problems.join('\n  '));
  return out;
}
