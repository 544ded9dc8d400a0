// Expected statuses in one engine: the nearest wins, request > scenario > program (the file) > 200-399.
// A response whose status is not expected is a failed request, in the phase's figures, per request name
// and per scenario. Engine and target run on one ManualClock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine } from '../../../../agent/engine/engine.js';
import type { EngineSnapshot } from '../../../../agent/engine/engine.js';
import type { Program } from '../../../../common/flow/program.js';
import { checkAccounting, plan } from './check.js';
import { startTarget } from '../../../helpers/target.js';
import { ManualClock } from '../../../helpers/manual-clock.js';
import { runUntilDone, targetState } from '../../../helpers/clock-drive.js';

test('the nearest expect wins: a request\'s own, else its scenario\'s, else the program\'s', async (t) => {
  const clock = new ManualClock();
  // Every path answers with a status no default would expect.
  const target = await startTarget({ clock, delayMs: 5, statusByPath: { '/own': 500, '/scen': 404, '/file': 404 } });
  t.after(() => target.close());
  const origin = target.origin;
  const req = (path: string) => ({ url: `${origin}${path}`, method: 'GET', headers: {}, timeoutMs: 2000, checks: [] });
  const flow = (name: string) => ({ name, weight: 1, steps: [{ request: name, extract: {}, checks: [], thinkMs: 0 }] });
  const program: Program = {
    // own: expects its 500 itself; scen: its scenario expects 404; file: only the program's 200 applies.
    requests: { own: { ...req('/own'), expect: [[500, 500]] }, scen: req('/scen'), file: req('/file') },
    flows: [flow('own'), flow('scen'), flow('file')], variables: {}, data: {}, origins: [origin], expect: [[200, 200]],
  };
  const snaps: EngineSnapshot[] = [];
  const engine = createEngine(plan({
    url: `${origin}/own`, model: 'open', segments: [{ durationMs: 1000, from: 30, to: 30 }], warmupMs: 0, maxInFlight: 20, connections: 8, snapshotIntervalMs: 250,
    program,
    scenarios: [
      { name: 'api', model: 'open', segments: [{ durationMs: 1000, from: 30, to: 30 }], maxInFlight: 10, flows: ['own', 'scen'], expect: [[404, 404]] },
      { name: 'site', model: 'open', segments: [{ durationMs: 1000, from: 20, to: 20 }], maxInFlight: 10, flows: ['file'] },
    ],
  }), { onSnapshot: (s) => snaps.push(s), clock });
  engine.start();
  const r = await runUntilDone(clock, engine.done, 5, { state: targetState(target) });
  checkAccounting(snaps, r);
  const names = r.main.requestNames;
  assert.ok(names !== undefined);
  const own = names.byRequestName.own;
  const scen = names.byRequestName.scen;
  const file = names.byRequestName.file;
  assert.ok(own !== undefined && scen !== undefined && file !== undefined, JSON.stringify(Object.keys(names.byRequestName)));
  assert.ok(own.requests > 0 && scen.requests > 0 && file.requests > 0);
  assert.deepEqual(own.failedByStatus, {}, 'its own expect beats the scenario\'s and the program\'s');
  assert.deepEqual(scen.failedByStatus, {}, 'its scenario\'s expect beats the program\'s');
  assert.deepEqual(file.failedByStatus, { 404: file.requests }, 'the program\'s 200 only: every 404 failed');
  assert.deepEqual(r.main.failedByStatus, { 404: file.requests }, 'the phase counts the same');
  assert.deepEqual(names.byScenario?.site?.failedByStatus, { 404: file.requests });
  assert.deepEqual(names.byScenario?.api?.failedByStatus, {});
  // The deltas add up to the cumulative figures.
  const sum: Record<string, number> = {};
  for (const s of snaps) if (s.phase === 'main') for (const [c, n] of Object.entries(s.stats.failedByStatus)) sum[c] = (sum[c] ?? 0) + n;
  assert.deepEqual(sum, r.main.failedByStatus);
});
