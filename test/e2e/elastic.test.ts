// The elastic fleet on loopback, with real agent processes: an agent killed, one leaving gracefully,
// one joining mid-test, and a ramped rate change from another terminal. The target counts what it got.
// Multi-host versions (separate network namespaces, cut links) are in netns-*.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTarget } from '../helpers/target.js';
import { startCli } from '../helpers/cli.js';
import { elapsedS, waitForElapsed } from '../helpers/progress.js';
import { startFleet } from '../helpers/fleet.js';
import { assertCompleted } from '../helpers/verdict.js';

const ENV = { LOADFLEET_TOKEN: 'elastic-e2e' };

/** A long-lived coordinator with `ids` agents joined, a counting target, and a work dir. */
const fleet = async (ids: string[]) => startFleet({ target: await startTarget(), ids, token: 'elastic-e2e', dirPrefix: 'loadfleet-elastic-' });

const open = (url: string, rate: number, duration: string) => ({ request: { url }, load: { model: 'open', rate, duration } });

test('kill -9 of one agent of three: detected at once, its share moves to the others, the loss is in the timeline', async () => {
  const f = await fleet(['k1', 'k2', 'k3']);
  try {
    const run = f.run(open(f.target.url, 300, '6s'));
    await run.waitFor(/\[\s*2s\//);
    f.agents.get('k3')!.kill('SIGKILL');
    assert.equal(await run.exited, 8, `k3's last figures never arrived: incomplete, exit 8\n${run.stdout()}${run.stderr()}`);
    const r = f.report();
    const kinds = r.timeline.map((e) => `${e.kind} ${e.agentId ?? ''}`.trim());
    assert.deepEqual(kinds.slice(0, 2), ['lost k3', 'reshare'], kinds.join(', '));
    const lost = r.timeline[0]!;
    const reshare = r.timeline[1]!;
    assert.ok(reshare.atMs - lost.atMs <= 1_000, `reshared ${reshare.atMs - lost.atMs} ms after detection (bar: 1 s)`);
    assert.equal(reshare.acks?.length, 2, 'both survivors acknowledged their new share');
    // Ground truth: everything the report counts reached the target; what is missing is the dead
    // agent's last unreported interval at most (its 100/s for <= 1 s plus in-flight).
    const got = f.target.total();
    assert.ok(r.summary.requests <= got, `${r.summary.requests} reported <= ${got} received`);
    assert.ok(got - r.summary.requests <= 150, `missing ${got - r.summary.requests} (bound: one interval of k3 at 100/s + margin)`);
    assert.equal(r.incomplete.length, 1);
    assert.match(r.incomplete[0]!, /k3 was lost/);
    // After recovery the fleet runs the whole rate again (last full second, 10 % tolerance).
    const tail = r.series.filter((p) => p.index >= 4 && p.index <= 4);
    assert.ok(tail.length === 1 && Math.abs(tail[0]!.rps - 300) <= 30, `second 4: ${JSON.stringify(tail)}`);
  } finally {
    await f.close();
  }
});

test('SIGTERM on an agent: it drains and reports, its share moves, and the totals still equal the target\'s count', async () => {
  const f = await fleet(['g1', 'g2']);
  try {
    const run = f.run(open(f.target.url, 200, '5s'));
    await run.waitFor(/\[\s*1s\//);
    const leaver = f.agents.get('g2')!;
    leaver.kill('SIGTERM');
    assert.equal(await leaver.exited, 0, leaver.stderr());
    assertCompleted(await run.exited, run.stdout() + run.stderr(), f.report, { requests: f.target.total() });
    const r = f.report();
    assert.equal(r.summary.requests, f.target.total(), 'nothing lost, nothing counted twice');
    assert.deepEqual(r.incomplete, []);
    const kinds = r.timeline.map((e) => `${e.kind} ${e.agentId ?? ''}`.trim());
    assert.deepEqual(kinds.slice(0, 2), ['leave g2', 'reshare'], kinds.join(', '));
    assert.ok(r.reconciliation.every((n) => n.status === 'exact'), JSON.stringify(r.reconciliation));
    const later = r.series.filter((p) => p.index >= 3 && p.index <= 3)[0];
    assert.ok(later !== undefined && Math.abs(later.rps - 200) <= 20, `second 3 on one agent: ${JSON.stringify(later)}`);
  } finally {
    await f.close();
  }
});

test('an agent joining mid-test takes a share at once; totals equal the target\'s count', async () => {
  const f = await fleet(['j1']);
  try {
    // The run lasts until `stop`, sent 3 s after j2 joined: however slowly its process starts, it joins
    // a running test and carries load for a while.
    const run = f.run(open(f.target.url, 200, '30m'));
    await run.waitFor(/\[\s*1s\//);
    await f.addAgent('j2');
    await run.waitFor(/agent j2 joined mid-test/);
    await waitForElapsed(run, elapsedS(run) + 3);
    const stop = startCli(['stop', '--coordinator', f.addr], { env: ENV });
    assert.equal(await stop.exited, 0, stop.stderr());
    assertCompleted(await run.exited, run.stdout() + run.stderr(), f.report, { requests: f.target.total() });
    const r = f.report();
    assert.equal(r.summary.requests, f.target.total());
    const joiner = r.agents.find((a) => a.agentId === 'j2');
    assert.ok(joiner !== undefined && joiner.requests > 100, `j2 carried load: ${JSON.stringify(joiner)}`);
    assert.deepEqual(r.timeline.map((e) => e.kind).slice(0, 2), ['join', 'reshare']);
    // The first four seconds, or up to the second after the join if it came later (not the last, cut short by stop).
    const joinedS = Math.floor((r.timeline.find((e) => e.kind === 'join')?.atMs ?? 0) / 1000);
    const across = r.series.filter((p) => p.index <= Math.max(3, joinedS + 1) && p.index < r.series.length - 1);
    for (const p of across) assert.ok(Math.abs(p.rps - 200) <= 20, `the fleet held 200/s across the join: ${JSON.stringify(p)}`);
  } finally {
    await f.close();
  }
});

test('`loadfleet rate 400 --ramp 2s` from another terminal: every agent acknowledges, the timeline records it, the rate follows the ramp', async () => {
  const f = await fleet(['r1', 'r2']);
  try {
    // The run lasts until `stop` below, sent once it has gone on well past the ramp (a progress line
    // 6 s after the one the change landed by): the \`rate\` process's start-up time does not decide.
    const run = f.run(open(f.target.url, 100, '30m'));
    await run.waitFor(/\[\s*1s\//);
    const rate = startCli(['rate', '400', '--ramp', '2s', '--coordinator', f.addr], { env: ENV });
    assert.equal(await rate.exited, 0, rate.stderr());
    await waitForElapsed(run, elapsedS(run) + 6);
    const stop = startCli(['stop', '--coordinator', f.addr], { env: ENV });
    assert.equal(await stop.exited, 0, stop.stderr());
    const m = /applied by all within ([\d.]+) ms/.exec(rate.stdout());
    assert.ok(m !== null, rate.stdout());
    assert.ok(Number(m[1]) < 100, `last agent applied ${m[1]} ms after the command (bar: 100 ms)`);
    assertCompleted(await run.exited, run.stdout() + run.stderr(), f.report, { requests: f.target.total() });
    const r = f.report();
    assert.equal(r.summary.requests, f.target.total());
    const change = r.timeline.find((e) => e.kind === 'rate');
    assert.ok(change !== undefined && change.rateRps === 400 && change.rampMs === 2_000 && change.acks?.length === 2, JSON.stringify(change));
    // Past the ramp the fleet runs 400/s (10 %); during it, in between.
    const at = (i: number) => r.series.find((p) => p.index === i)!;
    const after = at(Math.ceil((change.atMs + 2_000) / 1000));
    assert.ok(after !== undefined && after.index < r.series.length - 1 && Math.abs(after.rps - 400) <= 40, `after the ramp: ${JSON.stringify(after)} (change at ${change.atMs} ms)`);
    const mid = at(Math.floor(change.atMs / 1000) + 1);
    assert.ok(mid.rps > 110 && mid.rps < 390, `mid-ramp: ${JSON.stringify(mid)}`);
  } finally {
    await f.close();
  }
});

test('the coordinator killed mid-test: agents stop their load within 5 s, come back to its restart, and drop the orphaned figures', async () => {
  const target = await startTarget();
  const dir = mkdtempSync(join(tmpdir(), 'loadfleet-elastic-'));
  let coord = startCli(['coordinator', '--listen', '127.0.0.1:0'], { env: ENV });
  const addr = (await coord.waitFor(/coordinator listening on (\S+)/))[1] as string;
  const agents = ['c1', 'c2'].map((id) => startCli(['agent', '--join', addr, '--id', id], { env: ENV }));
  try {
    for (const a of agents) await a.waitFor(/joined coordinator/);
    writeFileSync(join(dir, 's.json'), JSON.stringify(open(target.url, 200, '20s')));
    const run = startCli(['run', 's.json', '--coordinator', addr, '--agents', '2', '--out', 'r.json'], { env: ENV, cwd: dir });
    await run.waitFor(/\[\s*1s\//);
    coord.kill('SIGKILL');
    await coord.exited;
    const killedAt = Date.now();
    assert.equal(await run.exited, 3, 'the run command fails: its coordinator is gone');
    assert.match(run.stderr(), /coordinator|unavailable|ended/i);
    for (const a of agents) await a.waitFor(/lost the coordinator during run/, 5_000);
    await new Promise((r) => setTimeout(r, Math.max(0, killedAt + 5_000 - Date.now())));
    const at5s = target.total();
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(target.total(), at5s, 'no request reached the target between 5 s and 6 s after the coordinator died');
    coord = startCli(['coordinator', '--listen', addr], { env: ENV });
    await coord.waitFor(/coordinator listening/);
    for (const a of agents) {
      await a.waitFor(/joined coordinator.*\n?/, 15_000);
      await a.waitFor(/does not know run .*discarded \d+/, 15_000);
    }
    const status = startCli(['status', '--coordinator', addr, '--json'], { env: ENV });
    assert.equal(await status.exited, 0, status.stderr());
    assert.equal((JSON.parse(status.stdout()) as { agents: unknown[] }).agents.length, 2, 'both agents are back');
  } finally {
    for (const a of agents) a.kill('SIGKILL');
    coord.kill('SIGKILL');
    await Promise.all([...agents.map((a) => a.exited), coord.exited]);
    await target.close();
  }
});
