// Several scenarios at once in one engine: one runner per plan part in each phase, all counted in the
// phase's figures, each part's flows picked from its own, each part's figures under its name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine } from '../../../../agent/engine/engine.js';
import type { EngineSnapshot } from '../../../../agent/engine/engine.js';
import type { Program } from '../../../../common/flow/program.js';
import { checkAccounting, plan } from './check.js';
import { startTarget } from './target.js';

function program(base: string): Program {
  const req = (path: string) => ({ url: `${base}${path}`, method: 'GET', headers: {}, timeoutMs: 2000, checks: [{ status: 200 }] });
  const flow = (name: string) => ({ name, weight: 1, steps: [{ request: name, extract: {}, checks: [], thinkMs: 0 }] });
  return { requests: { a: req('/a'), b: req('/b') }, flows: [flow('a'), flow('b')], variables: {}, data: {}, origins: [new URL(base).origin] };
}

test('two scenarios (open 40/s on a, closed 2 loops on b, with warm-up): per-scenario flows, per-scenario figures that add up, live changes by scenario', async (t) => {
  const target = await startTarget({ kind: 'stall', stallMs: 10 });
  t.after(() => target.close());
  const origin = new URL(target.url).origin;
  const snaps: EngineSnapshot[] = [];
  const engine = createEngine(plan({
    url: `${origin}/a`, model: 'open', segments: [{ durationMs: 1200, from: 40, to: 40 }], warmupMs: 300, maxInFlight: 12, connections: 8, snapshotIntervalMs: 200,
    program: program(origin),
    scenarios: [
      { name: 'web', model: 'open', segments: [{ durationMs: 1200, from: 40, to: 40 }], maxInFlight: 10, flows: ['a'] },
      { name: 'loops', model: 'closed', segments: [{ durationMs: 800, from: 2, to: 2 }], maxInFlight: 2, flows: ['b'] },
    ],
  }), { onSnapshot: (s) => snaps.push(s) });
  engine.start();
  // Wrong model or unknown scenario: ignored (the coordinator checks these before sending).
  engine.change({ kind: 'loops', tail: [{ durationMs: 1, from: 5, to: 5 }] }, 'web');
  engine.change({ kind: 'rate', tail: [{ durationMs: 1, from: 5, to: 5 }] }, 'nope');
  await new Promise((resolve) => setTimeout(resolve, 600));
  engine.change({ kind: 'loops', tail: [{ durationMs: 1, from: 1, to: 1 }] }, 'loops');
  const r = await engine.done;
  checkAccounting(snaps, r);
  const names = r.main.requestNames;
  assert.ok(names !== undefined);
  const web = names.byScenario?.web;
  const loops = names.byScenario?.loops;
  assert.ok(web !== undefined && loops !== undefined, JSON.stringify(names.byScenario));
  assert.equal(web.requests, names.byRequestName.a?.requests, 'web ran only a');
  assert.equal(loops.requests, names.byRequestName.b?.requests, 'loops ran only b');
  assert.equal(web.requests + loops.requests, r.main.requests, 'the scenarios add up to the phase');
  assert.equal(web.iterations + loops.iterations, names.iterations);
  assert.ok(Math.abs(web.requests - 48) <= 2, `web: 40/s for 1.2 s = 48, got ${web.requests}`);
  assert.equal(web.checksPassed, web.requests);
  assert.ok(loops.requests > 10, `loops ran: ${loops.requests}`);
  // The phase lasted as long as its longest part; the closed part's loops show while it ran, then 0.
  const main = snaps.filter((s) => s.phase === 'main' && s.intervalMs > 100);
  assert.ok(main.some((s) => s.concurrency === 2) && main.some((s) => s.concurrency === 1), `loops: ${main.map((s) => s.concurrency).join(',')}`);
  assert.equal(main.at(-1)?.concurrency, 0, 'the closed part ended before the phase');
  // The open part's scheduled rate only (the closed part adds nothing to it). The final delta may also
  // cover the drain after the schedule's end, when nothing is scheduled: its mean is 40/s or less.
  const rates = main.map((s) => s.rateRps.toFixed(1)).join(',');
  assert.ok(main.slice(0, -1).every((s) => Math.abs(s.rateRps - 40) < 1), `the open part's scheduled rate only: ${rates}`);
  assert.ok((main.at(-1)?.rateRps ?? 0) < 41, `the final delta's: ${rates}`);
  assert.ok(r.warmup.requestNames?.byScenario?.web !== undefined && r.warmup.requestNames.byScenario.loops !== undefined, 'both scenarios warm up');
  // The deltas' per-scenario counters sum to the cumulative.
  const sum = (name: string): number => snaps.filter((s) => s.phase === 'main').reduce((acc, s) => acc + (s.stats.requestNames?.byScenario?.[name]?.requests ?? 0), 0);
  assert.equal(sum('web'), web.requests);
  assert.equal(sum('loops'), loops.requests);
  assert.equal(target.received(), r.main.sent + r.warmup.sent);
});
