// TLS material for the gRPC channel, from PEM files named on the command line. Both sides use it: the
// coordinator (server certificate; with a CA, client certificates are required: mutual TLS) and agents
// and the CLI (the CA that signed the coordinator's certificate; with a certificate and key, their own
// client identity). Files are read once at start; a missing or unreadable file is a USAGE error.
import { readFileSync } from 'node:fs';
import { LoadfleetError } from './errors.js';

export interface TlsArgs {
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
  tlsCa?: string | undefined;
}

export interface TlsMaterial {
  cert: Buffer | undefined;
  key: Buffer | undefined;
  ca: Buffer | undefined;
}

function read(flag: string, path: string): Buffer {
  try {
    const b = readFileSync(path);
    if (!b.toString('utf8').includes('-----BEGIN ')) throw new Error('not a PEM file');
    return b;
  } catch (e) {
    throw new LoadfleetError('USAGE', `${flag} ${path}: ${(e as Error).message}`, { hint: 'create a CA and certificates with `loadfleet certs --out DIR`' });
  }
}

/** undefined when no TLS flag is given (plaintext); every given file must be readable PEM. */
export function readTls(args: TlsArgs): TlsMaterial | undefined {
  if (args.tlsCert === undefined && args.tlsKey === undefined && args.tlsCa === undefined) return undefined;
  if ((args.tlsCert === undefined) !== (args.tlsKey === undefined)) {
    throw new LoadfleetError('USAGE', '--tls-cert and --tls-key go together');
  }
  return {
    cert: args.tlsCert === undefined ? undefined : read('--tls-cert', args.tlsCert),
    key: args.tlsKey === undefined ? undefined : read('--tls-key', args.tlsKey),
    ca: args.tlsCa === undefined ? undefined : read('--tls-ca', args.tlsCa),
  };
}

export const TLS_OPTION_TEXT = {
  cert: 'PEM certificate (coordinator: its server certificate; agent/CLI: its client certificate for mutual TLS)',
  key: 'PEM private key of --tls-cert',
  ca: 'PEM CA (coordinator: require client certificates signed by it; agent/CLI: trust the coordinator signed by it)',
} as const;

/**
 * What a client certificate may do, carried as a subjectAltName URI `urn:loadfleet:role:<role>` that
 * `loadfleet certs` writes: an `agent` certificate may only join (Fleet), a `control` one may only drive
 * tests (Control). Under mutual TLS the coordinator refuses a certificate without the right role.
 */
export type CertRole = 'agent' | 'control';
export const CERT_ROLES: readonly CertRole[] = ['agent', 'control'];
export const ROLE_URI_PREFIX = 'urn:loadfleet:role:';

/**
 * The loadfleet roles in a peer certificate's subjectAltName as Node reports it
 * ("DNS:a, URI:urn:loadfleet:role:agent"); unknown role names are ignored.
 */
export function certRoles(subjectAltName: string | undefined): CertRole[] {
  if (subjectAltName === undefined) return [];
  const roles: CertRole[] = [];
  for (const entry of subjectAltName.split(', ')) {
    if (!entry.startsWith(`URI:${ROLE_URI_PREFIX}`)) continue;
    const role = entry.slice(4 + ROLE_URI_PREFIX.length);
    if ((CERT_ROLES as readonly string[]).includes(role) && !roles.includes(role as CertRole)) roles.push(role as CertRole);
  }
  return roles;
}
