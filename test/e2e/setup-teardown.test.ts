// Setup and teardown once per test for the whole fleet, with real agent processes against the login
// API (test/helpers/target-api.ts), which counts logins per user, tokens per authorized call and
// logouts (paths()). Setup logs in once, its token reaches every agent and a joiner; teardown runs once
// after a stop; a failed setup exits 9 before any load, with a report; a failed teardown is not a pass; a refresh
// logs in again and the agents use the new token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTarget } from '../helpers/target.js';
import { startCli } from '../helpers/cli.js';
import { elapsedS, waitForElapsed } from '../helpers/progress.js';
import { startFleet } from '../helpers/fleet.js';
import { assertCompleted } from '../helpers/verdict.js';

const TOKEN = 'setup-e2e';
const fleet = async (ids: string[]) => startFleet({ target: await startTarget({ api: true }), ids, token: TOKEN, dirPrefix: 'loadfleet-setup-' });

/** A scenario: setup logs in at `login` as `password`, flows call /api/items with the token, teardown logs out (with the token when `logoutToken`). */
const scenario = (base: string, o: { login?: string; password?: string; refresh?: string; duration: string; rate: number; logoutToken?: boolean }): string => `
name: setup-e2e
variables: { base: "${base}" }
setup:
${o.refresh !== undefined ? `  refresh: ${o.refresh}\n` : ''}  steps:
    - request:
        name: login
        url: "{{ base }}${o.login ?? '/login'}"
        method: POST
        headers: { content-type: application/json }
        body: '{"user": "admin", "password": "${o.password ?? 'x'}"}'
      extract: { token: { json: "$.token" } }
teardown:
  steps:
    - request:
        name: logout
        url: "{{ base }}/logout"
        method: POST
${o.logoutToken === false ? '' : '        headers: { authorization: "Bearer {{ token }}" }\n'}flows:
  browse:
    steps:
      - request: { name: items, url: "{{ base }}/api/items", headers: { authorization: "Bearer {{ token }}" } }
        checks: [{ status: 200 }]
load: { model: open, rate: ${o.rate}, duration: ${o.duration} }
`;

test('setup logs in once for 3 agents and a joiner, every call carries its token, teardown runs once after `loadfleet stop`', async () => {
  const f = await fleet(['s1', 's2', 's3']);
  try {
    const run = f.run(scenario(f.target.origin, { rate: 30, duration: '30m' }));
    await run.waitFor(/setup done on agent/);
    await run.waitFor(/\[\s*1s\//);
    await f.addAgent('s4');
    await run.waitFor(/agent s4 joined mid-test/);
    const status = startCli(['status', '--coordinator', f.addr, '--json'], { env: f.env });
    assert.equal(await status.exited, 0, status.stderr());
    const members = (JSON.parse(status.stdout()) as { run: { agents: { agentId: string }[] } }).run.agents.map((a) => a.agentId).sort();
    assert.deepEqual(members, ['s1', 's2', 's3', 's4'], 'status shows the joiner in the run');
    await waitForElapsed(run, elapsedS(run) + 3);
    const stop = startCli(['stop', '--coordinator', f.addr], { env: f.env });
    assert.equal(await stop.exited, 0, stop.stderr());
    // 4 processes started beside the run on 2 cores: generator-bound is accepted (helpers/verdict.ts).
    assertCompleted(await run.exited, run.stdout() + run.stderr(), f.report);
    await run.waitFor(/teardown done on agent/, 1);

    assert.deepEqual(f.target.logins(), { admin: 1 }, 'one login for the whole fleet');
    assert.equal(f.target.paths()['/logout'], 1, 'one logout, after the stop');
    const tokens = f.target.tokens();
    assert.deepEqual(Object.keys(tokens), ['tok-admin'], `every authorized call carried setup's token: ${JSON.stringify(tokens)}`);
    assert.equal(f.target.paths()['/api/items'], tokens['tok-admin'], 'no /api/items call went without the token');
    const r = f.report();
    for (const id of ['s1', 's2', 's3', 's4']) {
      const a = r.agents.find((x) => x.agentId === id);
      assert.ok(a !== undefined && a.requests > 0, `${id} sent authorized calls: ${JSON.stringify(a)}`);
    }
    // Setup's and teardown's requests are apart: the main figures are the /api/items calls alone.
    assert.equal(r.summary.requests, tokens['tok-admin']);
    assert.equal(r.summary.requests + 2, f.target.total());
    assert.equal(r.setup?.setup?.ok, true);
    assert.deepEqual(r.setup?.setup?.values, ['token']);
    assert.equal(r.setup?.setup?.requests, 1);
    assert.equal(r.setup?.teardown?.ok, true, JSON.stringify(r.setup?.teardown));
    assert.doesNotMatch(JSON.stringify(r), /tok-admin/, 'the token itself is never in the report');
    assert.match(run.stdout(), /setup +ok, 1 request\(s\)/);
    assert.match(run.stdout(), /teardown +ok, 1 request\(s\)/);
  } finally {
    await f.close();
  }
});

test('a setup with a wrong password exits 9 before any load, naming the step; a failed teardown makes the verdict setup-failed', async () => {
  const f = await fleet(['w1', 'w2', 'w3']);
  try {
    const bad = f.run(scenario(f.target.origin, { password: 'bad', rate: 30, duration: '5s' }), ['--html', 'r.html']);
    assert.equal(await bad.exited, 9, bad.stdout() + bad.stderr());
    assert.match(bad.stderr(), /setup failed on agent w\d: setup step 1 \(login\): POST .*\/login answered status 401, which the request does not expect/);
    assert.equal(f.target.paths()['/api/items'], undefined, 'no load was sent');
    assert.equal(f.target.paths()['/logout'], undefined, 'no teardown after a setup that failed');
    assert.equal(f.target.total(), 1, 'the target saw the setup\'s login alone');
    // The report is written all the same, with the setup's record and zero main figures.
    const failed = f.report();
    assert.equal(failed.verdict, 'setup-failed');
    assert.match(failed.verdictReasons.join('\n'), /setup failed on agent w\d: setup step 1 \(login\): .*status 401.* \(no load was sent\)/);
    assert.equal(failed.setup?.noLoad?.cause, 'setup-failed');
    assert.deepEqual([failed.setup?.setup?.ok, failed.setup?.setup?.requests, failed.setup?.setup?.steps.map((x) => x.status)], [false, 1, [401]], JSON.stringify(failed.setup));
    assert.deepEqual([failed.summary.requests, failed.summary.sent, failed.series.length], [0, 0, 0]);
    assert.match(bad.stdout(), /SETUP FAILED: no load was sent/);
    assert.match(bad.stdout(), /NO LOAD SENT: the setup failed/);
    assert.match(readFileSync(join(f.dir, 'r.html'), 'utf8'), /No load was sent: the setup failed/);
    // The coordinator keeps it, like any run's.
    const kept = startCli(['report', '--coordinator', f.addr, failed.runId, '--out', 'kept.json'], { env: f.env, cwd: f.dir });
    assert.equal(await kept.exited, 9, kept.stdout() + kept.stderr());
    assert.equal((JSON.parse(readFileSync(join(f.dir, 'kept.json'), 'utf8')) as { runId: string }).runId, failed.runId);

    const run = f.run(scenario(f.target.origin, { rate: 20, duration: '2s', logoutToken: false }));
    assert.equal(await run.exited, 9, run.stdout() + run.stderr());
    const r = f.report();
    assert.equal(r.verdict, 'setup-failed');
    assert.match(r.verdictReasons.join('\n'), /teardown failed on agent w\d: teardown step 1 \(logout\): POST .*\/logout answered status 401/);
    assert.match(run.stdout(), /SETUP FAILED/);
  } finally {
    await f.close();
  }
});

test('refresh: 2s logs in again during the test and every agent uses the new token', async () => {
  const f = await fleet(['f1', 'f2', 'f3']);
  try {
    const run = f.run(scenario(f.target.origin, { login: '/login-seq', refresh: '2s', rate: 30, duration: '30m' }));
    await run.waitFor(/setup done on agent/);
    await run.waitFor(/setup refreshed on agent \S+: new values \(token\) sent to 3 agent\(s\)/);
    for (const id of ['f1', 'f2', 'f3']) await f.agents.get(id)!.waitFor(/setup values refreshed \(generation 2\)/);
    // Past the refresh, long enough for every agent to send with the new token.
    await waitForElapsed(run, elapsedS(run) + 1);
    const stop = startCli(['stop', '--coordinator', f.addr], { env: f.env });
    assert.equal(await stop.exited, 0, stop.stderr());
    // A failed refresh would be exit 9 (setup-failed comes before generator-bound).
    assertCompleted(await run.exited, run.stdout() + run.stderr(), f.report);
    const tokens = f.target.tokens();
    assert.ok((tokens['tok-admin-1'] ?? 0) > 0 && (tokens['tok-admin-2'] ?? 0) > 0, `the first and the refreshed token were used: ${JSON.stringify(tokens)}`);
    const r = f.report();
    assert.ok((r.setup?.refreshes.length ?? 0) >= 1 && r.setup!.refreshes.every((x) => x.ok), JSON.stringify(r.setup?.refreshes));
    assert.equal(f.target.logins().admin, 1 + r.setup!.refreshes.length, 'one login for setup and one per refresh');
  } finally {
    await f.close();
  }
});

test('the agent running setup is killed: setup moves to another agent, the run goes on with the others', async () => {
  const f = await fleet(['k1', 'k2', 'k3']);
  try {
    // The login, then 3 s of think time in setup: long enough to kill its agent mid-setup.
    const text = scenario(f.target.origin, { rate: 20, duration: '2s' }).replace('      extract: { token: { json: "$.token" } }\n', '      extract: { token: { json: "$.token" } }\n      think: 3s\n');
    const run = f.run(text);
    const chosen = await Promise.race([...f.agents].map(async ([id, p]) => { await p.waitFor(/running its setup/, 30_000); return id; }));
    // Killed once its login reached the target (during its think time).
    for (let i = 0; i < 500 && f.target.logins().admin !== 1; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(f.target.logins().admin, 1, 'the chosen agent logged in');
    f.agents.get(chosen)!.kill('SIGKILL');
    await run.waitFor(new RegExp(`agent ${chosen} was lost while running the setup .*; trying another agent`));
    assertCompleted(await run.exited, run.stdout() + run.stderr(), f.report);
    const r = f.report();
    assert.deepEqual(r.setup?.setup?.movedFrom, [chosen]);
    assert.ok(r.setup?.setup?.ok === true && r.setup.setup.agentId !== chosen, JSON.stringify(r.setup?.setup));
    assert.deepEqual(r.agents.map((a) => a.agentId).sort(), ['k1', 'k2', 'k3'].filter((id) => id !== chosen), 'the killed agent got no share');
    assert.equal(f.target.logins().admin, 2, 'the lost agent\'s login reached the target, and the next agent logged in again');
    assert.deepEqual(Object.keys(f.target.tokens()), ['tok-admin']);
  } finally {
    await f.close();
  }
});
