// A fleet on separate hosts: coordinator, agents and target each in their own network namespace with
// their own address (test/helpers/netns.ts). Skipped where namespaces are unavailable; fails under CI.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../coordinator/report/report.js';
import { createLab, netnsOrSkip, startCountingTarget } from '../helpers/netns.js';
import type { Lab } from '../helpers/netns.js';
import { CLI_ENTRY } from '../helpers/paths.js';
import type { Proc } from '../helpers/processes.js';
import { assertPassed, reportAt } from '../helpers/verdict.js';

const ENV = { LOADFLEET_TOKEN: 'netns-e2e' };

/** Resolves when `re` has matched `n` lines of the process's stdout+stderr; rejects after timeoutMs. */
async function waitForCount(p: Proc, re: RegExp, n: number, timeoutMs: number): Promise<void> {
  const count = (): number => `${p.stdout()}${p.stderr()}`.split('\n').filter((l) => re.test(l)).length;
  const deadline = Date.now() + timeoutMs;
  while (count() < n) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} x ${re} in output:\n${p.stdout()}\n${p.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A long-lived coordinator on host `coord` and an agent per name on the host of that name, all joined. */
async function startFleet(lab: Lab, agentIds: readonly string[]): Promise<{ coord: Proc; addr: string; agents: Map<string, Proc> }> {
  const coord = lab.start('coord', [CLI_ENTRY, 'coordinator', '--listen', `${lab.host('coord').address}:0`], ENV);
  const addr = (await coord.waitFor(/coordinator listening on (\S+)/))[1] as string;
  const agents = new Map(agentIds.map((id) => [id, lab.start(id, [CLI_ENTRY, 'agent', '--join', addr, '--id', id, '--allow-target', lab.subnet], ENV)] as const));
  for (const a of agents.values()) await a.waitFor(/joined coordinator/);
  return { coord, addr, agents };
}

function reportTimes(t: TestContext, lab: Lab): void {
  t.after(() => { t.diagnostic(`lab ${lab.id}: setup ${lab.setupMs} ms, teardown ${lab.teardownMs ?? '?'} ms`); });
}

test('netns: 2 agents on their own hosts load a target on a third; the report equals the target\'s count', { timeout: 90_000 }, async (t) => {
  if (!(await netnsOrSkip(t))) return;
  const lab = await createLab({ hosts: ['coord', 'a1', 'a2', 'target'], t });
  reportTimes(t, lab);
  const target = await startCountingTarget(lab, 'target');
  assert.ok(target.url.startsWith(`http://${lab.host('target').address}:`), target.url);
  const { addr } = await startFleet(lab, ['a1', 'a2']);

  // The coordinator sees each agent arrive from its own host's address and hostname.
  const status = lab.start('coord', [CLI_ENTRY, 'status', '--coordinator', addr, '--json'], ENV);
  assert.equal(await status.exited, 0, status.stderr());
  const st = JSON.parse(status.stdout()) as { agents: { id: string; host: string; peer: string }[] };
  for (const id of ['a1', 'a2']) {
    const a = st.agents.find((x) => x.id === id);
    assert.equal(a?.host, id);
    assert.ok(a?.peer.includes(`${lab.host(id).address}:`), `agent ${id} peer ${a?.peer} is ${lab.host(id).address}`);
  }

  const dir = mkdtempSync(join(tmpdir(), 'loadfleet-netns-'));
  const rateRps = 200;
  writeFileSync(join(dir, 's.json'), JSON.stringify({
    name: 'netns-fleet',
    request: { url: target.url },
    load: { model: 'open', rate: rateRps, duration: '4s' },
    warmup: '1s',
  }));
  const run = lab.start('coord', [CLI_ENTRY, 'run', 's.json', '--coordinator', addr, '--agents', '2', '--out', 'r.json'], ENV, dir);
  // 100/s per agent for 4 s: a light load, which must pass.
  const code = await run.exited;
  assertPassed(code, `${run.stderr()}${run.stdout()}`, reportAt(join(dir, 'r.json')));
  const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report;

  const counted = await target.requests();
  assert.equal(report.summary.requests + (report.warmup?.sent ?? 0), counted, 'report requests + warm-up = target count');
  assert.equal(report.summary.errors, 0);
  assert.equal(report.summary.dropped, 0);
  assert.ok(Math.abs(report.summary.requests - rateRps * 4) <= 2, `requests ${report.summary.requests} ~ ${rateRps * 4}`);
  assert.deepEqual(report.agents.map((a) => [a.agentId, a.host]).sort(), [['a1', 'a1'], ['a2', 'a2']]);
  for (const a of report.agents) assert.ok(a.requests > 0, `agent ${a.agentId} sent load`);
  assert.notEqual(report.verdict, 'failed');
});

test('netns: an idle agent cut off from its coordinator notices, and rejoins after the link heals', { timeout: 90_000 }, async (t) => {
  if (!(await netnsOrSkip(t))) return;
  const lab = await createLab({ hosts: ['coord', 'a1', 'a2'], t });
  reportTimes(t, lab);
  const { coord, agents } = await startFleet(lab, ['a1', 'a2']);
  const a1 = agents.get('a1')!;
  const a2 = agents.get('a2')!;

  await lab.cut('a1');
  const cutAtMs = Date.now();
  // Silent partition: no reset arrives, so only the protocol heartbeat (1 s, 3 misses) can tell, on
  // both sides. The cut lasts until both have noticed.
  await a1.waitFor(/nothing heard from the coordinator for \d+ heartbeats; reconnecting/, 15_000);
  await coord.waitFor(/agent a1 left: missed \d+ heartbeats/, 15_000);
  const noticedMs = Date.now() - cutAtMs;
  await lab.heal('a1');
  const healAtMs = Date.now();
  await waitForCount(a1, /joined coordinator/, 2, 30_000);
  await waitForCount(coord, /agent a1 joined from a1/, 2, 30_000);
  t.diagnostic(`cut noticed after ${noticedMs} ms; a1 rejoined ${Date.now() - healAtMs} ms after the heal`);

  // The other agent never lost its coordinator.
  assert.doesNotMatch(a2.stderr(), /reconnecting|lost/);
  assert.doesNotMatch(coord.stderr(), /agent a2 left/);
});
