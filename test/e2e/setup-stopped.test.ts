// A run stopped while its setup runs, and a failed setup's report with local agents: real agent
// processes against the login API (test/helpers/target-api.ts). The setup logs in, then thinks for a
// minute: long enough to ask `status` and to stop it. A stop (`loadfleet stop`, Ctrl-C of a local `run`)
// then ends the run before any load: no /api call, no teardown, a report saying it was stopped (exit 3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../coordinator/report/report.js';
import type { FleetStatus } from '../../coordinator/coordinator.js';
import { startTarget } from '../helpers/target.js';
import { startCli } from '../helpers/cli.js';
import { startFleet } from '../helpers/fleet.js';

const TOKEN = 'setup-stop-e2e';

/** Setup logs in (as `password`) then thinks `think`; flows call /api/items; teardown logs out. */
const scenario = (base: string, o: { password?: string; think?: string } = {}): string => `
name: setup-stopped
variables: { base: "${base}" }
setup:
  steps:
    - request:
        name: login
        url: "{{ base }}/login"
        method: POST
        headers: { content-type: application/json }
        body: '{"user": "admin", "password": "${o.password ?? 'x'}"}'
      extract: { token: { json: "$.token" } }
${o.think === undefined ? '' : `      think: ${o.think}\n`}teardown:
  steps:
    - request: { name: logout, url: "{{ base }}/logout", method: POST, headers: { authorization: "Bearer {{ token }}" } }
flows:
  browse:
    steps:
      - request: { name: items, url: "{{ base }}/api/items", headers: { authorization: "Bearer {{ token }}" } }
load: { model: open, rate: 20, duration: 30s }
`;

/** Resolves once `cond` holds (checked every 20 ms, at most `tries` times). */
async function until(cond: () => boolean, what: string, tries = 1_500): Promise<void> {
  for (let i = 0; i < tries && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(cond(), what);
}

test('`loadfleet stop` during a slow setup: status says setup is running on which agent, the run ends with no load and a report', async () => {
  const f = await startFleet({ target: await startTarget({ api: true }), ids: ['p1', 'p2'], token: TOKEN, dirPrefix: 'loadfleet-setup-stop-' });
  try {
    const run = f.run(scenario(f.target.origin, { think: '60s' }));
    await run.waitFor(/running the setup on one agent before the load/, 30_000);
    await until(() => f.target.logins().admin === 1, 'the setup logged in');
    // The state, asked for until it shows (it does from the setup's start): never a fixed wait.
    let status: FleetStatus | undefined;
    for (let i = 0; i < 50 && (status?.setup?.agentId ?? null) === null; i++) {
      const s = startCli(['status', '--coordinator', f.addr, '--json'], { env: f.env });
      assert.equal(await s.exited, 0, s.stderr());
      status = JSON.parse(s.stdout()) as FleetStatus;
    }
    assert.ok(status?.setup !== undefined && status.run === null, JSON.stringify(status));
    assert.match(status.setup.agentId ?? '', /^p[12]$/);
    assert.match(status.setup.runId, /^run-/);
    assert.ok(status.setup.onAgentMs >= 0 && status.setup.elapsedMs >= status.setup.onAgentMs, JSON.stringify(status.setup));
    const text = startCli(['status', '--coordinator', f.addr], { env: f.env });
    assert.equal(await text.exited, 0, text.stderr());
    assert.match(text.stdout(), new RegExp(`test ${status.setup.runId}: setup running on agent p[12] since \\d+ s \\(no load yet`));

    const stop = startCli(['stop', '--coordinator', f.addr], { env: f.env });
    assert.equal(await stop.exited, 0, stop.stderr());
    assert.equal(await run.exited, 3, run.stdout() + run.stderr());
    assert.equal(f.target.paths()['/api/items'], undefined, 'no load was sent');
    assert.equal(f.target.paths()['/logout'], undefined, 'no teardown: setup\'s values were never taken');
    assert.equal(f.target.total(), 1, 'the login alone');
    const r = f.report();
    assert.equal(r.runId, status.setup.runId);
    assert.equal(r.verdict, 'failed');
    assert.deepEqual(r.verdictReasons, ['stopped during setup (loadfleet stop): no load was sent']);
    assert.deepEqual(r.setup?.noLoad, { cause: 'stopped', message: 'loadfleet stop' });
    assert.equal(r.setup?.setup?.ok, false);
    assert.equal(r.setup?.teardown, null);
    assert.deepEqual([r.summary.requests, r.series.length], [0, 0]);
    assert.match(run.stdout(), /NO LOAD SENT: the test was stopped during its setup \(loadfleet stop\)/);

    // The coordinator is free again; the next run gets no BUSY.
    const after = startCli(['status', '--coordinator', f.addr, '--json'], { env: f.env });
    assert.equal(await after.exited, 0, after.stderr());
    const free = JSON.parse(after.stdout()) as FleetStatus;
    assert.deepEqual([free.run, free.setup], [null, undefined]);
  } finally {
    await f.close();
  }
});

test('local `run`: a failed setup writes its report (exit 9); Ctrl-C during the setup ends the run with no load (exit 3)', async (t) => {
  const target = await startTarget({ api: true });
  try {
    const dir = mkdtempSync(join(tmpdir(), 'loadfleet-setup-local-'));
    const read = (file: string): Report => JSON.parse(readFileSync(join(dir, file), 'utf8')) as Report;

    writeFileSync(join(dir, 'bad.yaml'), scenario(target.origin, { password: 'bad' }));
    const bad = startCli(['run', 'bad.yaml', '--agents', '1', '--out', 'bad.json', '--html', 'bad.html', '--no-dashboard'], { cwd: dir, t });
    assert.equal(await bad.exited, 9, bad.stdout() + bad.stderr());
    assert.match(bad.stderr(), /setup failed on agent \S+: setup step 1 \(login\): POST .*\/login answered status 401/);
    const failed = read('bad.json');
    assert.equal(failed.verdict, 'setup-failed');
    assert.deepEqual([failed.setup?.noLoad?.cause, failed.setup?.setup?.requests, failed.summary.requests], ['setup-failed', 1, 0]);
    assert.match(readFileSync(join(dir, 'bad.html'), 'utf8'), /No load was sent/);
    assert.equal(target.total(), 1, 'the failed login alone');

    writeFileSync(join(dir, 'slow.yaml'), scenario(target.origin, { think: '60s' }));
    const p = startCli(['run', 'slow.yaml', '--agents', '1', '--out', 'slow.json', '--no-dashboard'], { cwd: dir, t });
    await p.waitFor(/running the setup on one agent before the load/, 30_000);
    await until(() => target.logins().admin === 1, 'the setup logged in (the wrong password counted no login)');
    p.kill('SIGINT');
    assert.equal(await p.exited, 3, p.stdout() + p.stderr());
    const r = read('slow.json');
    assert.deepEqual(r.setup?.noLoad, { cause: 'stopped', message: 'SIGINT on the CLI' });
    assert.equal(r.verdict, 'failed');
    assert.equal(target.paths()['/api/items'], undefined, 'no load was sent');
    assert.equal(target.paths()['/logout'], undefined, 'no teardown');
    assert.equal(target.total(), 2, 'the two setups\' logins alone');
  } finally {
    await target.close();
  }
});
