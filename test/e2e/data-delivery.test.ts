// Data delivery end to end, on loopback with real agent processes and a long-lived coordinator driven by
// `loadfleet run --coordinator` (the remote path): `unique` rows handed out in blocks while a third agent
// joins mid-test, and a data file larger than one gRPC message uploaded in pieces and sent to the
// agents in chunks. The target records which row logged in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFleet } from '../helpers/fleet.js';
import { assertCompleted } from '../helpers/verdict.js';
import { startTarget } from '../helpers/target.js';
import { loginFlow } from '../helpers/target-api.js';
import { startCli } from '../helpers/cli.js';
import { elapsedS, waitForElapsed } from '../helpers/progress.js';

const fleet = async (ids: string[]) => startFleet({ target: await startTarget({ api: true }), ids, token: 'data-e2e', dirPrefix: 'loadfleet-data-' });


test('unique rows on 2 agents while a third joins mid-test: the joiner gets rows from what is left, no row is used twice, every handed-out row is accounted for', async () => {
  const f = await fleet(['u1', 'u2']);
  try {
    // Rows for 50 s at 40/s. The run lasts until `stop`, sent once it ran 6 s and u3 took part for 3 s:
    // however slowly u3's process starts, it joins a running test (and rows are left for everyone).
    const rows = 2000;
    writeFileSync(join(f.dir, 'users.csv'), ['user', ...Array.from({ length: rows }, (_, i) => `user-${i}`)].join('\n') + '\n');
    const run = f.run(loginFlow('data-delivery', f.target.origin, 'users', 'unique', 40, '30m'));
    await run.waitFor(/\[\s*1s\//);
    await f.addAgent('u3');
    await run.waitFor(/agent u3 joined mid-test/);
    await waitForElapsed(run, Math.max(6, elapsedS(run) + 3));
    const stop = startCli(['stop', '--coordinator', f.addr], { env: f.env });
    assert.equal(await stop.exited, 0, stop.stderr());
    // A joiner mid-test (a process start and a new share) on 2 busy cores: generator-bound is accepted.
    assertCompleted(await run.exited, run.stdout() + run.stderr(), f.report);
    const r = f.report();
    const logins = f.target.logins();
    for (const [user, n] of Object.entries(logins)) assert.equal(n, 1, `${user} logged in ${n} times: a unique row was used twice`);
    const d = r.data?.users;
    assert.ok(d !== undefined, 'the report accounts for the unique feeder');
    assert.equal(d.rows, rows);
    assert.equal(d.lost, 0, 'no agent died');
    assert.equal(d.outstanding, 0);
    assert.equal(d.handedOut, d.used + d.returned + d.lost, `every handed-out row accounted for: ${JSON.stringify(d)}`);
    assert.equal(d.used, Object.keys(logins).length, 'each row taken reached the target exactly once');
    assert.ok(d.used > 200, `the fleet used rows throughout (${d.used})`);
    const joiner = r.agents.find((a) => a.agentId === 'u3');
    assert.ok(joiner !== undefined && joiner.requests > 20, `the joiner got rows and sent with them: ${JSON.stringify(joiner)}`);
    assert.equal(r.flows?.noData ?? 0, 0, 'there were rows to spare: no flow run went without');
    assert.match(run.stdout(), new RegExp(`data users \\(unique\\): ${rows.toLocaleString('en-US')} rows, \\d+ handed out, \\d+ used, \\d+ returned, 0 lost`));
  } finally {
    await f.close();
  }
});

test('unique rows held by an agent killed mid-test are counted lost and never handed out again; the books still balance', async () => {
  const f = await fleet(['k1', 'k2', 'k3']);
  try {
    const rows = 600;
    writeFileSync(join(f.dir, 'users.csv'), ['user', ...Array.from({ length: rows }, (_, i) => `user-${i}`)].join('\n') + '\n');
    const run = f.run(loginFlow('data-delivery', f.target.origin, 'users', 'unique', 60, '5s'));
    await run.waitFor(/\[\s*2s\//);
    f.agents.get('k3')!.kill('SIGKILL');
    const code = await run.exited;
    assert.equal(code, 8, `k3's last figures never arrived: incomplete\n${run.stdout()}${run.stderr()}`);
    const r = f.report();
    const logins = f.target.logins();
    for (const [user, n] of Object.entries(logins)) assert.equal(n, 1, `${user} logged in ${n} times`);
    const d = r.data?.users;
    assert.ok(d !== undefined);
    assert.ok(d.lost > 0, `k3's rows are lost: ${JSON.stringify(d)}`);
    assert.equal(d.outstanding, 0);
    assert.equal(d.handedOut, d.used + d.returned + d.lost, JSON.stringify(d));
    const seen = Object.keys(logins).length;
    assert.ok(seen >= d.used && seen <= d.used + d.lost, `the target saw ${seen}: the survivors' ${d.used} plus some of k3's ${d.lost} lost rows`);
    assert.match(run.stdout() + run.stderr(), /unique row\(s\) held by agent k3 are lost/);
  } finally {
    await f.close();
  }
});

test('a data file larger than one gRPC message (~24 MiB) is uploaded in pieces, reaches the agents in chunks, and its last rows are used', async () => {
  const f = await fleet(['b1', 'b2']);
  try {
    // 24 rows of ~1 MiB each: sequential on 2 agents at 20/s for 2 s, each agent walks past the last row.
    const rows = 24;
    const pad = 'p'.repeat(1024 * 1024);
    writeFileSync(join(f.dir, 'big.csv'), ['user,pad', ...Array.from({ length: rows }, (_, i) => `row-${i},${pad}`)].join('\n') + '\n');
    const run = f.run(loginFlow('data-delivery', f.target.origin, 'big', 'sequential', 40, '2s'));
    const code = await run.exited;
    // Agents parse a 24 MiB file while the clock runs: generator-bound is accepted.
    assertCompleted(code, run.stdout() + run.stderr(), f.report);
    const logins = f.target.logins();
    for (const i of [0, rows - 2, rows - 1]) assert.ok((logins[`row-${i}`] ?? 0) >= 1, `row-${i} reached the target: ${JSON.stringify(logins)}`);
    assert.equal(Object.keys(logins).length, rows, 'every row was used, and nothing else');
    const r = f.report();
    assert.equal(r.summary.errors, 0);
  } finally {
    await f.close();
  }
});
