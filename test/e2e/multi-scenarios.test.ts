// Several scenarios in one test, at the same time, each with its own load model: `loadfleet run` as
// users run it (2 agent processes, real gRPC) against a target that counts requests by path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../coordinator/report.js';
import { CLI_ENTRY } from '../helpers/paths.js';
import { startProcess } from '../helpers/processes.js';
import { startInflightTarget } from '../helpers/inflight-target.js';

test('an open scenario on request a and a closed one on request b, on 2 agents: per-scenario totals equal what the target counted per path; the open part keeps its rate; the closed part ends on its own schedule', async () => {
  const target = await startInflightTarget(20);
  const dir = mkdtempSync(join(tmpdir(), 'loadfleet-multi-'));
  try {
    writeFileSync(join(dir, 's.yaml'), `
name: mixed
variables: { base: "${target.url}" }
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
`);
    const p = startProcess([CLI_ENTRY, 'run', 's.yaml', '--agents', '2', '--out', 'r.json'], {}, dir);
    const code = await p.exited;
    assert.ok(code === 0 || code === 4, `exit ${code}; stdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`);
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
    // Per-part schedules, each its own length: 3 loops over its 2 s; for the run, 3 loops for 2 s of 3 s = 2.
    assert.equal(loops.concurrency, 3);
    assert.ok(r.summary.concurrency !== null && Math.abs(r.summary.concurrency - 2) < 0.15, `the run's loop mean ${r.summary.concurrency}`);
    assert.equal(r.summary.targetRps, 40, 'the open parts\' rates add up');
    const lastB = Math.max(...target.changes().map((c) => c.atMs));
    assert.ok(lastB > 2_500, 'the run went on after the closed part ended');
    assert.ok(loops.latencyMs.p50 >= 15 && arrivals.latencyMs.p50 >= 15, 'per-scenario latency from their own histograms');
    assert.equal(r.summary.sent, target.total(), 'the target saw every request sent and nothing else');
    assert.match(p.stdout(), /2 scenarios at once/);
    assert.match(p.stdout(), /scenarios\n.*scenario.*model.*scheduled/);
    assert.match(p.stdout(), new RegExp(`arrivals +open +40/s +${arrivals.requests} `));
  } finally {
    await target.close();
  }
});
