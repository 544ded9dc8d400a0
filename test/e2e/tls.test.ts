// TLS and mutual TLS on the fleet's gRPC channel, with certificates from `loadfleet certs`: a run over
// mTLS reconciles with the target's count; a plaintext client, a client without a certificate and an
// agent whose certificate another CA signed are refused, and the run alongside is unaffected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTarget } from '../../coordinator/demo/target.js';
import type { Report } from '../../coordinator/report.js';
import { CLI_ENTRY } from '../helpers/paths.js';
import { startProcess } from '../helpers/processes.js';
import { execFileSync } from 'node:child_process';

/** A client certificate signed by the fleet's CA but expired in 2020 (openssl ca with explicit dates). */
function mintExpired(pki: string): { cert: string; key: string } {
  writeFileSync(join(pki, 'ca.cnf'), '[ca]\ndefault_ca=lf\n[lf]\ndatabase=./index.txt\nnew_certs_dir=.\nserial=./serial\ndefault_md=sha256\npolicy=any\n[any]\ncommonName=supplied\n');
  writeFileSync(join(pki, 'index.txt'), '');
  writeFileSync(join(pki, 'serial'), '1000\n');
  const run = (args: string[]): void => { execFileSync('openssl', args, { cwd: pki, stdio: 'ignore' }); };
  run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'old.key']);
  run(['req', '-new', '-key', 'old.key', '-subj', '/CN=expired agent', '-out', 'old.csr']);
  run(['ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.crt', '-keyfile', 'ca.key', '-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-in', 'old.csr', '-out', 'old.crt', '-notext']);
  return { cert: join(pki, 'old.crt'), key: join(pki, 'old.key') };
}

const ENV = { LOADFLEET_TOKEN: 'tls-e2e' };

test('mutual TLS: certs, a run that reconciles, and refusals for plaintext, missing and untrusted certificates', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loadfleet-tls-'));
  for (const out of ['pki', 'rogue']) {
    const c = startProcess([CLI_ENTRY, 'certs', '--out', join(dir, out)]);
    assert.equal(await c.exited, 0, c.stderr());
  }
  const p = (f: string): string => join(dir, 'pki', f);
  const client = ['--tls-ca', p('ca.crt'), '--tls-cert', p('cli.crt'), '--tls-key', p('cli.key')];
  const target = await startTarget();
  const coord = startProcess([CLI_ENTRY, 'coordinator', '--listen', '127.0.0.1:0', '--tls-cert', p('coordinator.crt'), '--tls-key', p('coordinator.key'), '--tls-ca', p('ca.crt'), '--require-tls'], ENV);
  const procs = [coord];
  try {
    const line = await coord.waitFor(/coordinator listening on (\S+) \((.*)\)/);
    const addr = line[1] as string;
    assert.equal(line[2], 'mutual TLS, token required');
    const agent = startProcess([CLI_ENTRY, 'agent', '--join', addr, '--id', 'good', '--tls-ca', p('ca.crt'), '--tls-cert', p('agent.crt'), '--tls-key', p('agent.key')], ENV);
    procs.push(agent);
    await agent.waitFor(/joined coordinator/);
    assert.match(agent.stderr(), /\(mutual TLS\)/);

    writeFileSync(join(dir, 's.json'), JSON.stringify({ request: { url: target.url }, load: { model: 'open', rate: 100, duration: '3s' } }));
    const run = startProcess([CLI_ENTRY, 'run', 's.json', '--coordinator', addr, '--agents', '1', '--out', 'r.json', ...client], ENV, dir);
    procs.push(run);
    await run.waitFor(/\[\s*1s\//);

    // While it runs: a rogue agent (certificate from another CA) and plaintext / certificate-less callers.
    const r = (f: string): string => join(dir, 'rogue', f);
    const rogue = startProcess([CLI_ENTRY, 'agent', '--join', addr, '--id', 'rogue', '--tls-ca', p('ca.crt'), '--tls-cert', r('agent.crt'), '--tls-key', r('agent.key')], ENV);
    procs.push(rogue);
    await rogue.waitFor(/reconnecting in \d+ ms/, 10_000);
    assert.doesNotMatch(rogue.stderr(), /joined coordinator/);
    const old = mintExpired(join(dir, 'pki'));
    const expired = startProcess([CLI_ENTRY, 'agent', '--join', addr, '--id', 'expired', '--tls-ca', p('ca.crt'), '--tls-cert', old.cert, '--tls-key', old.key], ENV);
    procs.push(expired);
    await expired.waitFor(/reconnecting in \d+ ms/, 10_000);
    assert.doesNotMatch(expired.stderr(), /joined coordinator/, 'an expired client certificate is refused');
    const plaintext = startProcess([CLI_ENTRY, 'status', '--coordinator', addr], ENV);
    assert.equal(await plaintext.exited, 3, plaintext.stderr());
    assert.match(plaintext.stderr(), /coordinator|connect|unavailable/i);
    const noCert = startProcess([CLI_ENTRY, 'status', '--coordinator', addr, '--tls-ca', p('ca.crt')], ENV);
    assert.equal(await noCert.exited, 3, noCert.stderr());
    const untrusting = startProcess([CLI_ENTRY, 'status', '--coordinator', addr, '--tls-ca', r('ca.crt'), '--tls-cert', p('cli.crt'), '--tls-key', p('cli.key')], ENV);
    assert.equal(await untrusting.exited, 3, 'a CLI that does not trust the coordinator\'s CA does not talk to it');
    const status = startProcess([CLI_ENTRY, 'status', '--coordinator', addr, '--json', ...client], ENV);
    assert.equal(await status.exited, 0, status.stderr());
    assert.deepEqual((JSON.parse(status.stdout()) as { agents: { id: string }[] }).agents.map((a) => a.id), ['good'], 'neither the rogue nor the expired agent joined');

    // 0 = pass; 4 = generator-bound: the CLI processes this test starts meanwhile compete for 2 cores,
    // which the agent honestly reports; not what this test is about.
    const code = await run.exited;
    assert.ok(code === 0 || code === 4, `run exited ${code}:\n${run.stdout()}${run.stderr()}`);
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report;
    assert.equal(report.summary.requests, target.counts().requests, 'the run alongside was unaffected');
  } finally {
    for (const x of procs) x.kill('SIGKILL');
    await Promise.all(procs.map((x) => x.exited));
    await target.close();
  }
});

test('--require-tls without certificates is an error; a non-loopback listener without TLS and token warns loudly', async () => {
  const strict = startProcess([CLI_ENTRY, 'coordinator', '--listen', '127.0.0.1:0', '--require-tls']);
  assert.equal(await strict.exited, 2);
  assert.match(strict.stderr(), /--require-tls: refusing to listen on 127\.0\.0\.1:0 without --tls-cert and --tls-key/);
  // Bound on every interface for a moment only; nothing is sent anywhere.
  const open = startProcess([CLI_ENTRY, 'coordinator', '--listen', '0.0.0.0:0']);
  try {
    await open.waitFor(/coordinator listening/);
    assert.match(open.stderr(), /!!! listening on 0\.0\.0\.0:0 WITHOUT TLS .* and WITHOUT a token/);
  } finally {
    open.kill('SIGKILL');
    await open.exited;
  }
  const badFile = startProcess([CLI_ENTRY, 'agent', '--join', '127.0.0.1:1', '--tls-ca', '/nonexistent/ca.crt']);
  assert.equal(await badFile.exited, 2);
  assert.match(badFile.stderr(), /--tls-ca \/nonexistent\/ca\.crt: ENOENT/);
});
