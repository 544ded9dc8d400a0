// Tokens come from the environment or a file, never from the command line (where `ps` shows them).
import { readFileSync } from 'node:fs';
import { LoadfleetError } from './errors.js';

export const TOKEN_ENV = 'LOADFLEET_TOKEN';

/** The token from --token-file if given, else from LOADFLEET_TOKEN, else undefined. */
export function readToken(env: Readonly<Record<string, string | undefined>>, tokenFile: string | undefined): string | undefined {
  if (tokenFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(tokenFile, 'utf8');
    } catch (e) {
      throw new LoadfleetError('USAGE', `cannot read --token-file ${tokenFile}: ${(e as Error).message}`, { cause: e });
    }
    const token = text.trim();
    if (token === '') throw new LoadfleetError('USAGE', `--token-file ${tokenFile} is empty`);
    return token;
  }
  const fromEnv = env[TOKEN_ENV]?.trim();
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}
