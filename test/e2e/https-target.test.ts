// HTTPS targets with a self-signed certificate (made with openssl, as tls.test.ts does): without a tls
// option every request fails with error kind `certificate` and the target sees no request; with
// tls.insecureSkipVerify, or with tls.ca naming the certificate, the run's totals equal what the
// counting target received (single-request path and the language's flow path); a remote agent
// refuses a plan that skips the checks unless it was started with --allow-insecure-tls.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../coordinator/report/report.js';
import { startCli } from '../helpers/cli.js';
import { startTarget } from '../helpers/target.js';
import type { Target } from '../helpers/target.js';
import { assertCompleted, reportAt } from '../helpers/verdict.js';

let dir: string;
let target: Target;
let url: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loadfleet-https-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem',
    '-days', '1', '-subj', '/CN=loadfleet test target', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ], { cwd: dir, stdio: 'ignore' });
  target = await startTarget({ tls: { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) } });
  url = target.url;
});

after(() => target.close());

/** `loadfleet run` with local agents; the report and the requests the target received meanwhile. */
async function run(name: string, scenario: object, agents = 2): Promise<{ code: number; out: string; report: Report; received: number }> {
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({ name, ...scenario }));
  const before = target.total();
  const p = startCli(['run', `${name}.json`, '--agents', String(agents), '--out', `${name}-report.json`], { env: { LOADFLEET_PLAIN: '1' }, cwd: dir });
  const code = await p.exited;
  const report = JSON.parse(readFileSync(join(dir, `${name}-report.json`), 'utf8')) as Report;
  return { code, out: p.stdout() + p.stderr(), report, received: target.total() - before };
}

const load = { model: 'open', rate: 60, duration: '2s' };

test('a self-signed HTTPS target without a tls option: every request fails as `certificate`, the target sees none, the verdict says why', async () => {
  const r = await run('verify', { request: { url }, load });
  assert.equal(r.code, 3, r.out);
  const s = r.report.summary;
  assert.ok(s.requests >= 100, `requests ${s.requests}`);
  assert.equal(s.errorsByKind.certificate, s.requests, JSON.stringify(s.errorsByKind));
  assert.equal(r.received, 0, 'no request reached the target');
  assert.match(r.report.verdictReasons.join('\n'), /all \d+ failed \(certificate \d+\); the target's certificate was not trusted: give the scenario tls\.ca/);
  assert.match(r.out, /certificate \d+/, 'the summary names the error kind');
});

test('tls.insecureSkipVerify: the run succeeds; report totals equal the target\'s count', async () => {
  const r = await run('skip', { request: { url }, load, tls: { insecureSkipVerify: true } });
  assertCompleted(r.code, r.out, () => r.report); // light, but first-second TLS handshakes can push an agent's lag p99 past 10 ms (tls.test.ts saw exit 4)
  const s = r.report.summary;
  assert.equal(s.errors, 0, JSON.stringify(s.errorsByKind));
  assert.equal(s.requests + (r.report.warmup?.requests ?? 0), r.received);
  assert.equal(s.statusCodes['200'], s.requests);
});

test('tls.ca (the file travels with the plan): the flow path verifies the certificate and succeeds; per-request totals equal the target\'s count', async () => {
  const r = await run('ca', {
    requests: { hello: { url, checks: [{ status: 200 }, { bodyContains: 'ok' }] } },
    load, tls: { ca: 'cert.pem' },
  });
  assertCompleted(r.code, r.out, () => r.report); // light, but first-second TLS handshakes can push an agent's lag p99 past 10 ms (tls.test.ts saw exit 4)
  assert.equal(r.report.summary.errors, 0, JSON.stringify(r.report.summary.errorsByKind));
  assert.equal(r.report.requests?.hello?.requests, r.received);
  assert.equal(r.report.requests?.hello?.checks.failed, 0);
  // The same scenario without the CA: the flow path reports the certificate kind per request name.
  const bare = await run('ca-missing', { requests: { hello: { url } }, load }, 1);
  assert.equal(bare.code, 3, bare.out);
  assert.equal(bare.report.requests?.hello?.errorsByKind.certificate, bare.report.requests?.hello?.requests);
  assert.equal(bare.received, 0);
});

test('a bad tls.ca is a located validation problem (exit 2), before any load', async () => {
  writeFileSync(join(dir, 'not-a-cert.pem'), 'hello\n');
  writeFileSync(join(dir, 'bad-ca.yaml'), `request:\n  url: ${url}\nload: { model: open, rate: 10, duration: 1s }\ntls:\n  ca: not-a-cert.pem\n`);
  const before = target.total();
  const p = startCli(['run', 'bad-ca.yaml', '--agents', '1'], { env: { LOADFLEET_PLAIN: '1' }, cwd: dir });
  assert.equal(await p.exited, 2, p.stderr());
  assert.match(p.stderr(), /bad-ca\.yaml:5:\d+: tls\.ca: not-a-cert\.pem is not a PEM certificate/);
  const v = startCli(['validate', 'bad-ca.yaml'], { cwd: dir });
  assert.equal(await v.exited, 2);
  writeFileSync(join(dir, 'both.yaml'), `request:\n  url: ${url}\nload: { model: open, rate: 10, duration: 1s }\ntls:\n  insecureSkipVerify: true\n  ca: cert.pem\n`);
  const both = startCli(['validate', 'both.yaml'], { cwd: dir });
  assert.equal(await both.exited, 2);
  assert.match(both.stdout() + both.stderr(), /both\.yaml:6:\d+: .*tls\.ca.*not used when insecureSkipVerify is true/);
  assert.equal(target.total(), before);
});

test('a remote agent refuses a plan that skips certificate checks unless started with --allow-insecure-tls', async () => {
  const ENV = { LOADFLEET_TOKEN: 'https-e2e' };
  const coord = startCli(['coordinator', '--listen', '127.0.0.1:0'], { env: ENV });
  const procs = [coord];
  try {
    const addr = (await coord.waitFor(/coordinator listening on (\S+)/))[1] as string;
    writeFileSync(join(dir, 'remote.json'), JSON.stringify({ request: { url }, load: { model: 'open', rate: 20, duration: '1s' }, tls: { insecureSkipVerify: true } }));
    const strict = startCli(['agent', '--join', addr, '--id', 'strict'], { env: ENV });
    procs.push(strict);
    await strict.waitFor(/joined coordinator/);
    const before = target.total();
    const refused = startCli(['run', 'remote.json', '--coordinator', addr, '--agents', '1', '--out', 'remote-1.json'], { env: ENV, cwd: dir });
    assert.equal(await refused.exited, 3, refused.stdout() + refused.stderr());
    assert.match(refused.stdout() + refused.stderr(), /agent strict refused: the plan skips the targets' certificate checks .*--allow-insecure-tls/);
    assert.equal(target.total(), before, 'nothing was sent');
    strict.kill('SIGTERM');
    await strict.exited;

    const lenient = startCli(['agent', '--join', addr, '--id', 'lenient', '--allow-insecure-tls'], { env: ENV });
    procs.push(lenient);
    await lenient.waitFor(/joined coordinator/);
    assert.match(lenient.stderr(), /insecure TLS \(no certificate checks\) allowed/);
    const ok = startCli(['run', 'remote.json', '--coordinator', addr, '--agents', '1', '--out', 'remote-2.json'], { env: ENV, cwd: dir });
    const code = await ok.exited;
    assertCompleted(code, ok.stdout() + ok.stderr(), reportAt(join(dir, 'remote-2.json'))); // light, but first-second TLS handshakes can push an agent's lag p99 past 10 ms (tls.test.ts saw exit 4)
    const report = JSON.parse(readFileSync(join(dir, 'remote-2.json'), 'utf8')) as Report;
    assert.equal(report.summary.errors, 0);
    assert.equal(report.summary.requests, target.total() - before);
  } finally {
    for (const p of procs) p.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
  }
});
