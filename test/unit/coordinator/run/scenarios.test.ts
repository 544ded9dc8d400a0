// Which part a live change is for (coordinator/run/scenarios.ts scenarioFor): its refusals name what to type on
// every surface (`--scenario NAME` for the control commands, `@NAME` on the run's terminal).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scenarioFor } from '../../../../coordinator/run/scenarios.js';
import type { Scenario } from '../../../../common/scenario/scenario.js';

const open = { model: 'open', rateRps: 10, durationMs: 1000, maxInFlight: 10 } as unknown as Scenario['load'];
const closed = { model: 'closed', concurrency: 2, durationMs: 1000 } as unknown as Scenario['load'];
const several = { load: open, parts: [{ name: 'shoppers', load: open, flows: ['b'] }, { name: 'monitors', load: closed, flows: ['p'] }] } as unknown as Scenario;
const single = { load: closed } as unknown as Scenario;

test('scenarioFor: the chosen part, or USAGE saying how to name one on the command line and on the terminal', () => {
  const rows: [string, Scenario, string | undefined, RegExp | { index: number; name: string; model: string }][] = [
    // several scenarios, none named: both spellings, with a real name as the example
    ['unnamed', several, undefined, /^this test runs several scenarios \(shoppers, monitors\): name the one to change with --scenario NAME \(on the run's terminal: @NAME, e\.g\. rate 50 @shoppers; in the dashboard's POST \/api\/rate: "scenario": "NAME"\)$/],
    ['unknown', several, 'nope', /^no scenario "nope" in this test; its scenarios are shoppers, monitors$/],
    ['named', several, 'monitors', { index: 1, name: 'monitors', model: 'closed' }],
    // one load model: a name is refused, on either surface
    ['single, named', single, 'x', /there is no scenario "x" to choose \(leave out --scenario, or the @NAME typed on the run's terminal\)$/],
    ['single', single, undefined, { index: 0, name: 'default', model: 'closed' }],
  ];
  for (const [why, s, name, want] of rows) {
    if (want instanceof RegExp) assert.throws(() => scenarioFor(s, name), (e: unknown) => (e as { code?: string }).code === 'USAGE' && want.test((e as Error).message), why);
    else assert.deepEqual(scenarioFor(s, name), want, why);
  }
});
