// The run's first line (cli/run-header.ts): arrivals when Poisson, cookie jars when not the default,
// env names without values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeRun } from '../../../cli/run-header.js';
import { validateScenario } from '../../../common/scenario/scenario.js';
import type { Scenario, ScenarioInput } from '../../../common/scenario/scenario.js';

function scenario(input: Partial<ScenarioInput>): Scenario {
  const v = validateScenario({ name: 'shop', request: { url: 'http://127.0.0.1:1/a' }, ...input });
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return v.scenario;
}

const step = { request: 'a', extract: {}, checks: [], thinkMs: 0 };
const PROGRAM = {
  requests: {
    a: { url: 'http://127.0.0.1:1/a', method: 'GET', headers: {}, timeoutMs: 1000, checks: [] },
    b: { url: 'http://127.0.0.1:1/b', method: 'GET', headers: {}, timeoutMs: 1000, checks: [] },
  },
  flows: [{ name: 'browse', weight: 1, steps: [step, { ...step, request: 'b' }] }],
  variables: {}, data: {}, origins: ['http://127.0.0.1:1'],
};
const OPEN = { model: 'open' as const, rate: 20, duration: '10s' };
const CLOSED = { model: 'closed' as const, concurrency: 2, duration: '10s' };

test('describeRun table', () => {
  const rows: Array<[string, Partial<ScenarioInput>, string]> = [
    // even arrivals (the default) and no flows: nothing extra
    ['even', { load: OPEN }, 'shop: open model at 20/s for 10s, 2 local agent(s), GET http://127.0.0.1:1/a'],
    // arrivals: even said out loud is still the default
    ['even given', { load: { ...OPEN, arrivals: 'even' } }, 'shop: open model at 20/s for 10s, 2 local agent(s), GET http://127.0.0.1:1/a'],
    // Poisson arrivals are named
    ['poisson', { load: { ...OPEN, arrivals: 'poisson' } }, 'shop: open model at 20/s, arrivals poisson for 10s, 2 local agent(s), GET http://127.0.0.1:1/a'],
    // flows with the default jars (a fresh one per flow run): nothing extra
    ['default cookies', { load: OPEN, program: PROGRAM }, 'shop: open model at 20/s for 10s, 2 local agent(s), flows browse (2 steps) on http://127.0.0.1:1'],
    ['per-iteration given', { load: OPEN, program: { ...PROGRAM, cookies: 'per-iteration' } }, 'shop: open model at 20/s for 10s, 2 local agent(s), flows browse (2 steps) on http://127.0.0.1:1'],
    // cookies off
    ['cookies off', { load: OPEN, program: { ...PROGRAM, cookies: 'off' } }, 'shop: open model at 20/s for 10s, 2 local agent(s), flows browse (2 steps) on http://127.0.0.1:1; cookies off'],
    // a closed loop keeping its jar, with an env variable: named, its value never shown
    ['per-loop and env', { load: CLOSED, program: { ...PROGRAM, cookies: 'per-loop', env: { BASE: 'http://secret.example' } } },
      'shop: closed model, 2 loop(s) for 10s, 2 local agent(s), flows browse (2 steps) on http://127.0.0.1:1; cookies per loop (kept across its iterations); env BASE: set'],
    // several scenarios: each names its arrivals and cookie jars (its own, else the program's)
    ['parts', {
      load: OPEN, program: { ...PROGRAM, cookies: 'off' },
      parts: [{ name: 'web', load: { ...OPEN, arrivals: 'poisson' }, flows: ['browse'] }, { name: 'users', load: CLOSED, flows: ['browse'], cookies: 'per-loop' }],
    },
    'shop: 2 scenario(s) at once (web: open model at 20/s, arrivals poisson, cookies off running browse; users: closed model, 2 loop(s), cookies per loop (kept across its iterations) running browse) for 10s, 2 local agent(s), flows browse (2 steps) on http://127.0.0.1:1'],
  ];
  for (const [why, input, want] of rows) {
    const line = describeRun(scenario(input), '2 local agent(s)');
    assert.equal(line, want, why);
    assert.doesNotMatch(line, /secret/, `${why}: no env value`);
  }
});
