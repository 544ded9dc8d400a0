// Tokens come from the environment or a file, never from the command line (where `ps` shows them).
import { readFileSync } from 'node:fs';
import { LoadfleetError } from './errors.js';

export const TOKEN_ENV = 'LOADFLEET_TOKEN';
/** Role-specific tokens: agents present the join token, the CLI/dashboard/control API the control token. */
export const JOIN_TOKEN_ENV = 'LOADFLEET_JOIN_TOKEN';
export const CONTROL_TOKEN_ENV = 'LOADFLEET_CONTROL_TOKEN';
/**
 * Optional token that may only read: GET /metrics and the dashboard's event stream (for a Prometheus
 * scraper or a wall screen), never control. Those reads also take the control token.
 */
export const READ_TOKEN_ENV = 'LOADFLEET_READ_TOKEN';

/** The read token from `tokenFile` if given, else LOADFLEET_READ_TOKEN (never LOADFLEET_TOKEN), else undefined. */
export function readReadToken(env: Readonly<Record<string, string | undefined>>, tokenFile?: string | undefined): string | undefined {
  if (tokenFile !== undefined) return readToken({}, tokenFile);
  const v = env[READ_TOKEN_ENV]?.trim();
  return v === undefined || v === '' ? undefined : checked(v, READ_TOKEN_ENV);
}

/**
 * Longest token accepted (bytes): it travels in an HTTP/2 header, and a coordinator's header limit
 * would otherwise cut the stream without a word to either side. `openssl rand -base64 32` is 44.
 */
export const MAX_TOKEN_BYTES = 4_096;

function checked(token: string, source: string): string {
  const bytes = Buffer.byteLength(token);
  if (bytes > MAX_TOKEN_BYTES) {
    throw new LoadfleetError('USAGE', `the token in ${source} is ${bytes} bytes; tokens are at most ${MAX_TOKEN_BYTES}`, { hint: 'make one with `openssl rand -base64 32`' });
  }
  if (/[^\x21-\x7e]/.test(token)) {
    throw new LoadfleetError('USAGE', `the token in ${source} has spaces or characters outside printable ASCII`, { hint: 'make one with `openssl rand -base64 32`' });
  }
  return token;
}

/**
 * The token from --token-file if given, else from the role's variable (LOADFLEET_JOIN_TOKEN or
 * LOADFLEET_CONTROL_TOKEN) if set, else from LOADFLEET_TOKEN (one token for both roles), else undefined.
 * A token over MAX_TOKEN_BYTES, or with characters an HTTP header cannot carry, is a USAGE error.
 */
export function readToken(env: Readonly<Record<string, string | undefined>>, tokenFile: string | undefined, role?: 'join' | 'control'): string | undefined {
  if (tokenFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(tokenFile, 'utf8');
    } catch (e) {
      throw new LoadfleetError('USAGE', `cannot read --token-file ${tokenFile}: ${(e as Error).message}`, { cause: e });
    }
    const token = text.trim();
    if (token === '') throw new LoadfleetError('USAGE', `--token-file ${tokenFile} is empty`);
    return checked(token, `--token-file ${tokenFile}`);
  }
  const roleVar = role === 'join' ? JOIN_TOKEN_ENV : role === 'control' ? CONTROL_TOKEN_ENV : undefined;
  for (const name of [roleVar, TOKEN_ENV]) {
    if (name === undefined) continue;
    const v = env[name]?.trim();
    if (v !== undefined && v !== '') return checked(v, name);
  }
  return undefined;
}
