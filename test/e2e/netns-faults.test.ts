// The elastic fleet on separate hosts (network namespaces, test/helpers/netns.ts): a cut link healed
// mid-test, kill -9 of an agent, the coordinator killed and restarted, a join, a graceful leave and a
// ramped rate change. Each asserts the report against the target's own count and the timeline against
// the policy. Skipped where namespaces are unavailable; fails under CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report, TimelineEvent } from '../../coordinator/report/report.js';
import { createLab, netnsOrSkip, startCountingTarget } from '../helpers/netns.js';
import type { Lab, LabTarget } from '../helpers/netns.js';
import { CLI_ENTRY } from '../helpers/paths.js';
import type { Proc } from '../helpers/processes.js';
import { assertCompleted } from '../helpers/verdict.js';

const ENV = { LOADFLEET_TOKEN: 'netns-faults' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Fleet {
  lab: Lab;
  target: LabTarget;
  coord: Proc;
  addr: string;
  agents: Map<string, Proc>;
  dir: string;
  addAgent(id: string): Promise<Proc>;
  run(rateRps: number, duration: string, extra?: string[]): Proc;
  report(): Report;
}

async function fleet(t: Parameters<typeof createLab>[0]['t'], agentIds: string[], spare: string[] = []): Promise<Fleet | undefined> {
  if (t === undefined || !(await netnsOrSkip(t))) return undefined;
  const lab = await createLab({ hosts: ['coord', 'target', ...agentIds, ...spare], t });
  const target = await startCountingTarget(lab, 'target');
  const coord = lab.start('coord', [CLI_ENTRY, 'coordinator', '--listen', `${lab.host('coord').address}:0`], ENV);
  const addr = (await coord.waitFor(/coordinator listening on (\S+)/))[1] as string;
  const agents = new Map<string, Proc>();
  const addAgent = async (id: string): Promise<Proc> => {
    const p = lab.start(id, [CLI_ENTRY, 'agent', '--join', addr, '--id', id, '--allow-target', lab.subnet], ENV);
    agents.set(id, p);
    await p.waitFor(/joined coordinator/);
    return p;
  };
  for (const id of agentIds) await addAgent(id);
  const dir = mkdtempSync(join(tmpdir(), 'loadfleet-netns-faults-'));
  return {
    lab, target, coord, addr, agents, dir, addAgent,
    run(rateRps, duration, extra = []) {
      writeFileSync(join(dir, 's.json'), JSON.stringify({ request: { url: target.url }, load: { model: 'open', rate: rateRps, duration } }));
      return lab.start('coord', [CLI_ENTRY, 'run', 's.json', '--coordinator', addr, '--agents', String(agentIds.length), '--out', 'r.json', ...extra], ENV, dir);
    },
    report: () => JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report,
  };
}

const kinds = (r: Report): string[] => r.timeline.map((e) => `${e.kind} ${e.agentId ?? ''}`.trim());
const find = (r: Report, kind: TimelineEvent['kind'], agentId?: string): TimelineEvent | undefined =>
  r.timeline.find((e) => e.kind === kind && (agentId === undefined || e.agentId === agentId));
/** Wall-clock ms of a timeline event (same machine clock as the test's). */
const wallOf = (r: Report, e: TimelineEvent): number => Date.parse(r.startedAt) + r.warmupMs + e.atMs;

test('netns: a cut link mid-test is detected within 3 s, the share moves, and after the heal every figure comes back: report == target count', { timeout: 90_000 }, async (t) => {
  const f = await fleet(t, ['a1', 'a2']);
  if (f === undefined) return;
  const run = f.run(100, '14s');
  await run.waitFor(/\[\s*2s\//);
  await f.lab.cut('a1');
  const cutAt = Date.now();
  await f.agents.get('a1')!.waitFor(/lost the coordinator during run|abandoning its load/, 10_000);
  const agentStoppedMs = Date.now() - cutAt;
  await sleep(Math.max(0, cutAt + 3_500 - Date.now()));
  await f.lab.heal('a1');
  const code = await run.exited;
  assertCompleted(code, `${run.stdout()}${run.stderr()}`, f.report);
  const r = f.report();
  t.diagnostic(`agent noticed the cut after ${agentStoppedMs} ms; timeline: ${kinds(r).join(', ')}`);
  assert.ok(agentStoppedMs <= 5_000, `the agent stopped its load ${agentStoppedMs} ms after losing its coordinator (bar: 5 s)`);
  const lost = find(r, 'lost', 'a1');
  assert.ok(lost !== undefined, kinds(r).join(', '));
  const detectedMs = wallOf(r, lost) - cutAt;
  assert.ok(detectedMs <= 3_000, `coordinator detected the cut after ${detectedMs} ms (bar: 3 s)`);
  const reshare = r.timeline.find((e) => e.kind === 'reshare' && e.atMs >= lost.atMs);
  assert.ok(reshare !== undefined && reshare.atMs - lost.atMs <= 1_000, `reshare ${JSON.stringify(reshare)} within 1 s of detection`);
  assert.deepEqual(reshare.acks?.map((a) => a.agentId), ['a2']);
  assert.ok(find(r, 'recovered', 'a1') !== undefined, `a1's figures of its first assignment came back: ${kinds(r).join(', ')}`);
  assert.ok(find(r, 'join', 'a1#2') !== undefined, `a1 took a new share after the heal: ${kinds(r).join(', ')}`);
  assert.deepEqual(r.incomplete, []);
  assert.equal(r.summary.requests, await f.target.requests(), 'across the reconnect, nothing lost and nothing counted twice');
  const missing = r.series.filter((p) => p.missingRps > 0).map((p) => p.index);
  assert.ok(missing.length >= 1 && missing.length <= 4, `seconds with missing rate while the fleet recovered: ${missing.join(', ')}`);
});

test('netns: kill -9 of an agent: its share moves within 1 s; the report counts no more than the target got', { timeout: 90_000 }, async (t) => {
  const f = await fleet(t, ['a1', 'a2', 'a3']);
  if (f === undefined) return;
  const run = f.run(300, '6s');
  await run.waitFor(/\[\s*2s\//);
  f.agents.get('a3')!.kill('SIGKILL');
  const code = await run.exited;
  assert.equal(code, 8, `a3's last figures never arrived: incomplete; run exited ${code}:\n${run.stdout()}${run.stderr()}`);
  const r = f.report();
  const lost = find(r, 'lost', 'a3');
  const reshare = r.timeline.find((e) => e.kind === 'reshare');
  assert.ok(lost !== undefined && reshare !== undefined && reshare.atMs - lost.atMs <= 1_000, kinds(r).join(', '));
  assert.deepEqual(reshare.acks?.map((a) => a.agentId).sort(), ['a1', 'a2']);
  const got = await f.target.requests();
  assert.ok(r.summary.requests <= got && got - r.summary.requests <= 150, `report ${r.summary.requests}, target ${got}`);
  assert.match(r.incomplete.join('\n'), /a3 was lost/);
});

test('netns: --on-agent-loss fail aborts with exit code 5 when an agent is cut off', { timeout: 90_000 }, async (t) => {
  const f = await fleet(t, ['a1', 'a2']);
  if (f === undefined) return;
  const run = f.run(100, '10s', ['--on-agent-loss', 'fail']);
  await run.waitFor(/\[\s*1s\//);
  await f.lab.cut('a2');
  assert.equal(await run.exited, 5, run.stdout() + run.stderr());
  assert.match(run.stdout(), /ABORTED: an agent was lost/);
  await f.lab.heal('a2');
  const r = f.report();
  assert.equal(r.verdict, 'agent-lost');
  assert.equal(r.onAgentLoss, 'fail');
});

test('netns: the coordinator killed mid-test: agents stop within 5 s and rejoin its restart', { timeout: 90_000 }, async (t) => {
  const f = await fleet(t, ['a1', 'a2']);
  if (f === undefined) return;
  const run = f.run(200, '20s');
  await run.waitFor(/\[\s*1s\//);
  f.coord.kill('SIGKILL');
  await f.coord.exited;
  const killedAt = Date.now();
  assert.equal(await run.exited, 3);
  await sleep(Math.max(0, killedAt + 5_000 - Date.now()));
  const at5s = await f.target.requests();
  await sleep(1_000);
  assert.equal(await f.target.requests(), at5s, 'no load reached the target 5-6 s after the coordinator died');
  const coord = f.lab.start('coord', [CLI_ENTRY, 'coordinator', '--listen', f.addr], ENV);
  await coord.waitFor(/coordinator listening/);
  for (const id of ['a1', 'a2']) await coord.waitFor(new RegExp(`agent ${id} joined`), 20_000);
});

test('netns: a third host joins mid-test, a second leaves with SIGTERM: the rate holds and report == target count', { timeout: 90_000 }, async (t) => {
  const f = await fleet(t, ['a1', 'a2'], ['a3']);
  if (f === undefined) return;
  const run = f.run(200, '8s');
  await run.waitFor(/\[\s*1s\//);
  await f.addAgent('a3');
  await run.waitFor(/agent a3 joined mid-test/);
  await run.waitFor(/\[\s*4s\//);
  const a2 = f.agents.get('a2')!;
  a2.kill('SIGTERM');
  assert.equal(await a2.exited, 0, a2.stderr());
  const code = await run.exited;
  assertCompleted(code, `${run.stdout()}${run.stderr()}`, f.report, { requests: await f.target.requests() });
  const r = f.report();
  assert.equal(r.summary.requests, await f.target.requests());
  const k = kinds(r);
  assert.ok(k.includes('join a3') && k.includes('leave a2'), k.join(', '));
  assert.deepEqual(r.incomplete, []);
  for (const p of r.series.slice(0, 7)) assert.ok(Math.abs(p.rps - 200) <= 24, `second ${p.index}: ${p.rps}/s (200 +- 12 %)`);
  assert.ok((r.agents.find((a) => a.agentId === 'a3')?.requests ?? 0) > 200, 'a3 carried load');
});

test('netns: `loadfleet rate 300 --ramp 2s` from another host: acknowledged by both agents, followed by the fleet', { timeout: 90_000 }, async (t) => {
  const f = await fleet(t, ['a1', 'a2']);
  if (f === undefined) return;
  const run = f.run(100, '7s');
  await run.waitFor(/\[\s*1s\//);
  const rate = f.lab.start('target', [CLI_ENTRY, 'rate', '300', '--ramp', '2s', '--coordinator', f.addr], ENV);
  assert.equal(await rate.exited, 0, rate.stderr());
  assert.match(rate.stdout(), /rate 300\/s sent to 2 agent\(s\) .*applied by all within [\d.]+ ms/);
  const code = await run.exited;
  assertCompleted(code, `${run.stdout()}${run.stderr()}`, f.report, { requests: await f.target.requests() });
  const r = f.report();
  assert.equal(r.summary.requests, await f.target.requests());
  const change = find(r, 'rate');
  assert.ok(change !== undefined && change.rampMs === 2_000 && change.acks?.length === 2, JSON.stringify(change));
  const after = r.series.find((p) => p.index === Math.ceil((change.atMs + 2_000) / 1000));
  assert.ok(after !== undefined && Math.abs(after.rps - 300) <= 30, `after the ramp: ${JSON.stringify(after)}`);
});
