// Several scenarios at once in one engine: one runner per scenario in each phase, all counted in the
// phase's figures, each scenario's flows picked from its own, each scenario's figures under its name.
// Engine and target run on one ManualClock, so the live change lands where the clock says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine } from '../../../../agent/engine/engine.js';
import type { EngineSnapshot } from '../../../../agent/engine/engine.js';
import type { Program } from '../../../../common/flow/program.js';
import { checkAccounting, plan } from './check.js';
import { startTarget } from '../../../helpers/target.js';
import { ManualClock } from '../../../helpers/manual-clock.js';
import { advanceSettled, runUntilDone, targetState } from '../../../helpers/clock-drive.js';

function program(base: string): Program {
  const req = (path: string) => ({ url: `${base}${path}`, method: 'GET', headers: {}, timeoutMs: 2000, checks: [{ status: 200 }] });
  const flow = (name: string) => ({ name, weight: 1, steps: [{ request: name, extract: {}, checks: [], thinkMs: 0 }] });
  return { requests: { a: req('/a'), b: req('/b') }, flows: [flow('a'), flow('b')], variables: {}, data: {}, origins: [new URL(base).origin] };
}

test('two scenarios (open 40/s on a, closed 2 loops on b, with warm-up): per-scenario flows, per-scenario figures that add up, live changes by scenario', async (t) => {
  const clock = new ManualClock();
  const target = await startTarget({ clock, delayMs: 10 });
  t.after(() => target.close());
  const origin = target.origin;
  const state = { state: targetState(target) };
  const snaps: EngineSnapshot[] = [];
  const engine = createEngine(plan({
    url: `${origin}/a`, model: 'open', segments: [{ durationMs: 1200, from: 40, to: 40 }], warmupMs: 300, maxInFlight: 12, connections: 8, snapshotIntervalMs: 200,
    program: program(origin),
    scenarios: [
      { name: 'web', model: 'open', segments: [{ durationMs: 1200, from: 40, to: 40 }], maxInFlight: 10, flows: ['a'] },
      { name: 'loops', model: 'closed', segments: [{ durationMs: 800, from: 2, to: 2 }], maxInFlight: 2, flows: ['b'] },
    ],
  }), { onSnapshot: (s) => snaps.push(s), clock });
  engine.start();
  // Wrong model or unknown scenario: ignored (the coordinator checks these before sending).
  engine.change({ kind: 'loops', tail: [{ durationMs: 1, from: 5, to: 5 }] }, 'web');
  engine.change({ kind: 'rate', tail: [{ durationMs: 1, from: 5, to: 5 }] }, 'nope');
  // 300 ms of warm-up, then 300 ms of the main phase at 2 loops.
  await advanceSettled(clock, 600, 5, state);
  engine.change({ kind: 'loops', tail: [{ durationMs: 1, from: 1, to: 1 }] }, 'loops');
  const r = await runUntilDone(clock, engine.done, 5, state);
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
  // The phase lasted as long as its longest scenario; the closed scenario's loops show while it ran, then 0.
  const main = snaps.filter((s) => s.phase === 'main' && s.intervalMs > 100);
  assert.ok(main.some((s) => s.concurrency === 2) && main.some((s) => s.concurrency === 1), `loops: ${main.map((s) => s.concurrency).join(',')}`);
  assert.equal(main.at(-1)?.concurrency, 0, 'the closed scenario ended before the phase');
  // The open scenario's scheduled rate only (the closed one adds nothing to it). The final delta may also
  // cover the drain after the schedule's end, when nothing is scheduled: its mean is 40/s or less.
  const rates = main.map((s) => s.rateRps.toFixed(1)).join(',');
  assert.ok(main.slice(0, -1).every((s) => Math.abs(s.rateRps - 40) < 1), `the open scenario's scheduled rate only: ${rates}`);
  assert.ok((main.at(-1)?.rateRps ?? 0) < 41, `the final delta's: ${rates}`);
  assert.ok(r.warmup.requestNames?.byScenario?.web !== undefined && r.warmup.requestNames.byScenario.loops !== undefined, 'both scenarios warm up');
  // The deltas' per-scenario counters sum to the cumulative.
  const sum = (name: string): number => snaps.filter((s) => s.phase === 'main').reduce((acc, s) => acc + (s.stats.requestNames?.byScenario?.[name]?.requests ?? 0), 0);
  assert.equal(sum('web'), web.requests);
  assert.equal(sum('loops'), loops.requests);
  assert.equal(target.total(), r.main.sent + r.warmup.sent);
});
