// Host-name resolution as the engine's connections see it: which failures are DNS failures (error kind
// 'dns'), and names that never resolve answered at once instead of asking a resolver.
import { lookup as systemLookup } from 'node:dns';
import type { LookupFunction } from 'node:net';

/**
 * Codes of a failed resolution: ENOTFOUND (no such name), EAI_AGAIN (the resolver did not answer in
 * time), EAI_FAIL / ESERVFAIL (the resolver failed), ENODATA (the name has no address).
 */
const DNS_CODES: ReadonlySet<string> = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'ENODATA', 'ESERVFAIL']);

/** Is an error with this code and syscall (from a connection's lookup) a failed resolution? */
export function isDnsFailure(code: string, syscall: unknown): boolean {
  return DNS_CODES.has(code) || syscall === 'getaddrinfo';
}

/**
 * RFC 6761 section 6.4: `invalid` and every name under it never resolve, and resolution libraries
 * should say so at once. Some resolvers forward them anyway and answer only after their own timeouts.
 */
export function isNeverResolvable(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  return h === 'invalid' || h.endsWith('.invalid');
}

/**
 * `inner` (default: the system's lookup), except that a name that never resolves fails at once with
 * ENOTFOUND, as the system's lookup reports a name that does not exist.
 */
export function connectLookup(inner: LookupFunction | undefined): LookupFunction {
  const next = inner ?? (systemLookup as unknown as LookupFunction);
  const fn = (hostname: string, options: unknown, callback: (err: NodeJS.ErrnoException | null, address: string, family?: number) => void): void => {
    if (isNeverResolvable(hostname)) {
      const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname });
      setImmediate(() => callback(err, ''));
      return;
    }
    (next as unknown as (h: string, o: unknown, cb: typeof callback) => void)(hostname, options, callback);
  };
  return fn as unknown as LookupFunction;
}
