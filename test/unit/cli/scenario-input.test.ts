// `run`'s load flags over a scenario file (cli/scenario-input.ts applyOverrides).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyOverrides } from '../../../cli/scenario-input.js';
import type { Overrides } from '../../../cli/scenario-input.js';
import { validateScenario } from '../../../common/scenario/scenario.js';
import type { Scenario, ScenarioInput } from '../../../common/scenario/scenario.js';

function scenario(input: Partial<ScenarioInput>): Scenario {
  const v = validateScenario({ request: { url: 'http://127.0.0.1:1/a' }, ...input });
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return v.scenario;
}

const PROGRAM = {
  requests: { a: { url: 'http://127.0.0.1:1/a', method: 'GET', headers: {}, timeoutMs: 1000, checks: [] } },
  flows: [{ name: 'a', weight: 1, steps: [{ request: 'a', extract: {}, checks: [], thinkMs: 0 }] }],
  variables: {}, data: {}, origins: ['http://127.0.0.1:1'],
};
const STAGED = { model: 'closed' as const, startConcurrency: 1, stages: [{ duration: '2s', target: 8 }, { duration: '3s', target: 8 }] };
const MULTI = scenario({ load: STAGED, program: PROGRAM, parts: [{ name: 'web', load: { model: 'open', rate: 5, duration: '1s' }, flows: ['a'] }, { name: 'loops', load: STAGED, flows: ['a'] }] } as Partial<ScenarioInput>);

test('applyOverrides table', () => {
  const rows: { why: string; s: Scenario; o: Overrides; load?: unknown; error?: RegExp }[] = [
    // --concurrency over closed stages: that many loops for the stages' whole length
    { why: 'closed stages -> constant', s: scenario({ load: STAGED }), o: { concurrency: 3 }, load: { model: 'closed', concurrency: 3, duration: 5_000 } },
    // --duration needs a constant model, as for the open model's stages
    { why: 'duration over stages', s: scenario({ load: STAGED }), o: { duration: '9s' }, error: /--duration cannot be combined with stages/ },
    // several scenarios: the load flags cannot say which; the message names them
    { why: 'several scenarios refuse load flags', s: MULTI, o: { rate: 5, connections: 2 }, error: /--rate, --connections cannot apply: this file runs several scenarios, each with its own load \(web, loops\)/ },
    // a number flag out of range names the flag, not the scenario field it lands in (yargs gives NaN for `--rate abc`)
    { why: 'rate not a number', s: scenario({ load: { model: 'open', rate: 5, duration: '1s' } }), o: { rate: Number.NaN }, error: /^--rate must be a number > 0, got something that is not a number$/ },
    { why: 'rate 0', s: scenario({ load: { model: 'open', rate: 5, duration: '1s' } }), o: { rate: 0 }, error: /^--rate must be a number > 0, got 0$/ },
    { why: 'fractional connections', s: scenario({ load: STAGED }), o: { connections: 1.5 }, error: /^--connections must be a whole number >= 1, got 1\.5$/ },
    { why: 'negative in-flight cap', s: scenario({ load: { model: 'open', rate: 5, duration: '1s' } }), o: { maxInFlight: -1 }, error: /^--max-in-flight must be a whole number >= 1, got -1$/ },
    { why: 'fractional concurrency', s: scenario({ load: STAGED }), o: { concurrency: 2.5 }, error: /^--concurrency must be a whole number >= 1, got 2\.5$/ },
    // ... but --warmup is global
    { why: 'several scenarios take --warmup', s: MULTI, o: { warmup: '2s' } },
  ];
  for (const row of rows) {
    if (row.error !== undefined) {
      assert.throws(() => applyOverrides(row.s, row.o), (e: unknown) => (e as { code?: string }).code === 'USAGE' && row.error!.test((e as Error).message), row.why);
      continue;
    }
    const got = applyOverrides(row.s, row.o);
    if (row.load !== undefined) assert.deepEqual(got.load, row.load, row.why);
    if (row.o.warmup !== undefined) {
      assert.equal(got.warmup, 2_000, row.why);
      assert.deepEqual(got.parts, row.s.parts, `${row.why}: the parts stay`);
    }
  }
});
