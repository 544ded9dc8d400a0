// `loadfleet certs --out DIR`: a small CA plus a coordinator (server) certificate and agent and CLI
// (client) certificates, for TLS and mutual TLS on the fleet's gRPC channel. Each client certificate
// carries its role (common/runtime/tls.ts CertRole: agent.crt may only join, cli.crt may only control). Uses the `openssl` command
// (OpenSSL 1.1.1 or 3.x; Debian: apt-get install openssl): P-256 keys, SHA-256 signatures.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isIP } from 'node:net';
import { LoadfleetError } from '../../common/runtime/errors.js';
import type { Io } from '../../common/runtime/io.js';
import { ROLE_URI_PREFIX } from '../../common/runtime/tls.js';
import type { CertRole } from '../../common/runtime/tls.js';

export interface CertsArgs {
  out: string;
  /** Names and addresses the coordinator is reached by (its certificate's subjectAltName). */
  hosts: string[];
  days: number;
  force: boolean;
}

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.error !== undefined) {
    throw new LoadfleetError('USAGE', `cannot run openssl: ${r.error.message}`, { hint: 'install OpenSSL (Debian: apt-get install openssl)' });
  }
  if (r.status !== 0) throw new LoadfleetError('INTERNAL', `openssl ${args[0]} failed: ${r.stderr.trim()}`);
}

export function certsCommand(io: Io, args: CertsArgs): number {
  if (!Number.isInteger(args.days) || args.days < 1) throw new LoadfleetError('USAGE', `--days must be a whole number >= 1, got ${args.days}`);
  const dir = resolve(io.cwd, args.out);
  const files = ['ca.crt', 'ca.key', 'coordinator.crt', 'coordinator.key', 'agent.crt', 'agent.key', 'cli.crt', 'cli.key'];
  const existing = files.filter((f) => existsSync(join(dir, f)));
  if (existing.length > 0 && !args.force) {
    throw new LoadfleetError('USAGE', `${dir} already holds ${existing.join(', ')}`, { hint: 'pick another --out, or --force to replace them' });
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const hosts = [...new Set(['localhost', '127.0.0.1', '::1', ...args.hosts.flatMap((h) => h.split(',')).map((h) => h.trim()).filter(Boolean)])];
  const san = hosts.map((h) => (isIP(h) !== 0 ? `IP:${h}` : `DNS:${h}`)).join(',');
  const days = String(args.days);
  const key = (name: string): void => {
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`], dir);
    chmodSync(join(dir, `${name}.key`), 0o600);
  };
  key('ca');
  openssl(['req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', days, '-subj', '/CN=loadfleet fleet CA', '-out', 'ca.crt',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  const leaf = (name: string, cn: string, ext: string): void => {
    key(name);
    openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`], dir);
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-sha256', '-days', days,
      '-extfile', `${name}.ext`, '-out', `${name}.crt`], dir);
    rmSync(join(dir, `${name}.csr`));
    rmSync(join(dir, `${name}.ext`));
  };
  const common = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n';
  leaf('coordinator', 'loadfleet coordinator', `${common}extendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`);
  const role = (r: CertRole): string => `${common}extendedKeyUsage=clientAuth\nsubjectAltName=URI:${ROLE_URI_PREFIX}${r}\n`;
  leaf('agent', 'loadfleet agent', role('agent'));
  leaf('cli', 'loadfleet cli', role('control'));
  rmSync(join(dir, 'ca.srl'), { force: true });
  io.stdout.write(
    [
      `wrote a CA and certificates to ${dir} (valid ${args.days} days; coordinator names: ${hosts.join(', ')})`,
      `  coordinator: loadfleet coordinator --listen HOST:PORT --tls-cert ${dir}/coordinator.crt --tls-key ${dir}/coordinator.key --tls-ca ${dir}/ca.crt`,
      `  agents:      loadfleet agent --join HOST:PORT --tls-ca ${dir}/ca.crt --tls-cert ${dir}/agent.crt --tls-key ${dir}/agent.key`,
      `  CLI:         loadfleet status --coordinator HOST:PORT --tls-ca ${dir}/ca.crt --tls-cert ${dir}/cli.crt --tls-key ${dir}/cli.key`,
      `roles: agent.crt may only join the fleet, cli.crt may only drive tests (the coordinator checks them under mutual TLS)`,
      `keep ca.key offline: whoever holds it can mint agents and controllers for this fleet`,
      '',
    ].join('\n'),
  );
  return 0;
}
