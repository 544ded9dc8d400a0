// Several scenarios in one test, at the same time, each with its own load model: `loadfleet run` as
// users run it (2 agent processes, real gRPC) against a target that counts requests by path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../coordinator/report/report.js';
import { startCli } from '../helpers/cli.js';
import { startTarget } from '../helpers/target.js';
import { startFleet } from '../helpers/fleet.js';
import { assertCompleted, reportAt } from '../helpers/verdict.js';
import { elapsedS, waitForElapsed } from '../helpers/progress.js';

test('an open scenario on request a and a closed one on request b, on 2 agents: per-scenario totals equal what the target counted per path; the open part keeps its rate; the closed part ends on its own schedule', async () => {
  const target = await startTarget({ delayMs: 20 });
  const dir = mkdtempSync(join(tmpdir(), 'loadfleet-multi-'));
  try {
    writeFileSync(join(dir, 's.yaml'), `
name: mixed
variables: { base: "${target.origin}" }
requests:
  a: { url: "{{ base }}/a", checks: [{ status: 200 }] }
  b: { url: "{{ base }}/b" }
scenarios:
  arrivals:
    exec: a
    load: { model: open, rate: 40, duration: 3s }
  loops:
    exec: [b]
    load: { model: closed, concurrency: 3, duration: 2s }
thresholds:
  - { threshold: "rps < 60", scenario: arrivals }
  - { threshold: "checks > 99%", scenario: arrivals }
`);
    const p = startCli(['run', 's.yaml', '--agents', '2', '--out', 'r.json'], { cwd: dir });
    const code = await p.exited;
    // Not light: the loops run as fast as the target answers (~170 req/s in all), and exited 4 here.
    assertCompleted(code, `stdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`, reportAt(join(dir, 'r.json')));
    const r = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report;
    const paths = target.paths();
    const arrivals = r.scenarios?.arrivals;
    const loops = r.scenarios?.loops;
    assert.ok(arrivals !== undefined && loops !== undefined, `report.scenarios: ${JSON.stringify(r.scenarios)}`);
    // Exactly what the target saw, per scenario (each scenario runs one path here).
    assert.equal(arrivals.requests, paths['/a'], 'arrivals = requests to /a');
    assert.equal(loops.requests, paths['/b'], 'loops = requests to /b');
    assert.equal(arrivals.requests + loops.requests, r.summary.requests, 'the scenarios add up to the run');
    assert.equal(r.requests?.a?.requests, paths['/a']);
    assert.equal(r.requests?.b?.requests, paths['/b']);
    // The open part: 40/s for 3 s is 120 arrivals; within 5 % (an arrival due at the very end may miss it).
    assert.ok(Math.abs(arrivals.requests - 120) <= 6, `open part sent ${arrivals.requests} of 120`);
    assert.equal(arrivals.iterations, arrivals.requests, 'one flow run per arrival');
    assert.equal(arrivals.checks.passed, arrivals.requests, 'its checks ran');
    assert.equal(arrivals.model, 'open');
    assert.equal(arrivals.targetRps, 40);
    // The closed part: 3 loops against a 20 ms target for 2 s: about 3 x 2000 / 20 = 300 (slower on a busy machine).
    assert.ok(loops.requests > 60 && loops.requests <= 320, `closed part sent ${loops.requests}`);
    assert.equal(loops.model, 'closed');
    assert.ok(Math.abs(loops.rps - loops.requests / 2) <= 1, `its rate over its own 2 s: ${loops.rps}`);
    // Per-part schedules, each its own length: 3 loops over its 2 s; for the run, 3 loops for 2 s of 3 s = 2.
    assert.equal(loops.concurrency, 3);
    assert.ok(r.summary.concurrency !== null && Math.abs(r.summary.concurrency - 2) < 0.15, `the run's loop mean ${r.summary.concurrency}`);
    assert.equal(r.summary.targetRps, 40, 'the open parts\' rates add up');
    const lastB = Math.max(...target.changes().map((c) => c.atMs));
    assert.ok(lastB > 2_500, 'the run went on after the closed part ended');
    assert.ok(loops.latencyMs.p50 >= 15 && arrivals.latencyMs.p50 >= 15, 'per-scenario latency from their own histograms');
    assert.equal(r.summary.sent, target.total(), 'the target saw every request sent and nothing else');
    // Thresholds by scenario read that scenario's figures: its rate (about 40/s), not the run's (~150/s).
    const [rps, checks] = r.thresholds.results;
    assert.deepEqual([rps?.scenario, rps?.status, checks?.scenario, checks?.status], ['arrivals', 'pass', 'arrivals', 'pass'], JSON.stringify(r.thresholds));
    assert.ok(rps?.observed !== null && rps !== undefined && Math.abs(rps.observed - 40) <= 4, `the scenario's rate: ${rps?.observed}`);
    assert.match(p.stdout(), /2 scenarios at once/);
    // the start line tells what to type: each model's command with a scenario of that model
    assert.match(p.stdout(), /type `rate N @arrivals` \(`rate N 10s @arrivals` ramps\), `concurrency N @loops` or `stop` \+ Enter to change the test/);
    assert.match(p.stdout(), /scenarios\n.*scenario.*model.*scheduled/);
    assert.match(p.stdout(), new RegExp(`arrivals +open +40/s +${arrivals.requests} `));
  } finally {
    await target.close();
  }
});

test('live control of a multi-scenario run on a long-lived coordinator: without --scenario the command exits 2 naming the scenarios; with it, only that scenario changes', async () => {
  const f = await startFleet({ target: await startTarget({ delayMs: 10 }), ids: ['m1'], token: 'multi-token', dirPrefix: 'loadfleet-multi-' });
  const { target, addr, env } = f;
  try {
    const run = f.run(`
variables: { base: "${target.origin}" }
requests:
  a: { url: "{{ base }}/a" }
  b: { url: "{{ base }}/b" }
scenarios:
  arrivals: { exec: a, load: { model: open, rate: 20, duration: 30m } }
  loops: { exec: b, load: { model: closed, startConcurrency: 1, stages: [{ duration: 30m, target: 3 }] } }
`);
    // The run lasts until \`stop\` below: however slowly the four CLI processes start, each change lands
    // in it, and the run goes on after the last as long again before it ends.
    await run.waitFor(/\[\s*1s\//);
    const bare = startCli(['rate', '60', '--coordinator', addr], { env });
    assert.equal(await bare.exited, 2, bare.stderr());
    assert.match(bare.stderr(), /several scenarios \(arrivals, loops\): name the one to change with --scenario NAME/);
    const wrongModel = startCli(['concurrency', '2', '--scenario', 'arrivals', '--coordinator', addr], { env });
    assert.equal(await wrongModel.exited, 2);
    assert.match(wrongModel.stderr(), /scenario "arrivals" uses the open model: change its rate/);
    const rate = startCli(['rate', '60', '--scenario', 'arrivals', '--coordinator', addr], { env });
    assert.equal(await rate.exited, 0, rate.stderr());
    assert.match(rate.stdout(), /arrivals: rate 60\/s sent to 1 agent\(s\)/);
    // Above the planned peak of 3: the agent takes it (its loops share the connections planned).
    const loops = startCli(['concurrency', '5', '--scenario', 'loops', '--coordinator', addr], { env });
    assert.equal(await loops.exited, 0, loops.stderr());
    const changedS = elapsedS(run);
    await waitForElapsed(run, Math.max(2 * changedS, changedS + 3));
    const stop = startCli(['stop', '--coordinator', addr], { env });
    assert.equal(await stop.exited, 0, stop.stderr());
    const code = await run.exited;
    // Not light: up to 5 loops as fast as the target answers (~200 req/s on one agent), and exited 4 here.
    assertCompleted(code, `${run.stderr()}${run.stdout()}`, f.report);
    const r = f.report();
    assert.deepEqual(r.rateChanges.map((c) => [c.scenario, c.rateRps ?? c.concurrency]), [['arrivals', 60], ['loops', 5]]);
    assert.equal(r.scenarios?.arrivals?.requests, target.paths()['/a']);
    assert.equal(r.scenarios?.loops?.requests, target.paths()['/b']);
    // 20/s until the change, then 60/s for at least as long again: the scheduled mean lies between, and
    // the open part sent what it scheduled over the run's main phase (within 5 %).
    const a = r.scenarios?.arrivals?.requests ?? 0;
    const sched = r.scenarios?.arrivals?.targetRps ?? 0;
    const mainS = r.summary.durationMs / 1000;
    assert.ok(sched > 22 && sched < 60, `arrivals' scheduled mean follows the change: ${sched}`);
    assert.equal(target.peakBetween(0, Infinity, '/b'), 5, 'the closed part reached the 5 loops asked, above its planned 3');
    assert.ok(Math.abs(a - sched * mainS) <= sched * mainS * 0.05, `arrivals sent ${a}, scheduled ${sched * mainS} over ${mainS} s`);
  } finally {
    await f.close();
  }
});

test('an agent leaving a multi-scenario run (SIGTERM): every scenario\'s share moves to the other agent; per-scenario totals still equal the target\'s', async () => {
  const f = await startFleet({ target: await startTarget({ delayMs: 20 }), ids: ['l1', 'l2'], token: 'multi-leave', dirPrefix: 'loadfleet-multi-' });
  const { target } = f;
  try {
    const run = f.run(`
variables: { base: "${target.origin}" }
requests:
  a: { url: "{{ base }}/a" }
  b: { url: "{{ base }}/b" }
scenarios:
  arrivals: { exec: a, load: { model: open, rate: 60, duration: 5s } }
  loops: { exec: b, load: { model: closed, concurrency: 4, duration: 5s } }
`);
    await run.waitFor(/\[\s*1s\//);
    const leaver = f.agents.get('l2')!;
    leaver.kill('SIGTERM');
    assert.equal(await leaver.exited, 0, leaver.stderr());
    const code = await run.exited;
    // Not light: 4 loops as fast as the target answers (~230 req/s on one agent after the leave), and exited 4 here.
    assertCompleted(code, `${run.stderr()}${run.stdout()}`, f.report);
    const r = f.report();
    assert.equal(r.scenarios?.arrivals?.requests, target.paths()['/a'], 'nothing lost, nothing counted twice (a)');
    assert.equal(r.scenarios?.loops?.requests, target.paths()['/b'], 'nothing lost, nothing counted twice (b)');
    const kinds = r.timeline.map((e) => `${e.kind} ${e.agentId ?? ''}`.trim());
    assert.deepEqual(kinds.slice(0, 2), ['leave l2', 'reshare'], kinds.join(', '));
    // The open part kept its rate on one agent: 60/s for 5 s = 300 arrivals, within 5 %.
    const a = r.scenarios?.arrivals?.requests ?? 0;
    assert.ok(Math.abs(a - 300) <= 15, `arrivals sent ${a} of 300`);
    // The closed part kept its 4 loops on the one agent left (2 if its share had not moved).
    const loops = target.meanBetween(3_000, 4_500, '/b');
    assert.ok(loops > 3.2 && target.peakBetween(3_000, 4_500, '/b') === 4, `loops on /b after the leave: mean ${loops}`);
  } finally {
    await f.close();
  }
});
