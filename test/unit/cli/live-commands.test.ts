// Commands typed during a run (cli/run-session.ts readLiveCommands), with `@name` naming a
// scenario of several.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveCommandsHint, readLiveCommands } from '../../../cli/run-session.js';
import type { Scenario } from '../../../common/scenario/scenario.js';
import type { RunControl } from '../../../cli/run-session.js';
import { captureIo } from '../../helpers/io.js';

test('typed commands: rate and concurrency, with an optional ramp and @scenario anywhere after the command', async () => {
  const io = captureIo('/tmp');
  const calls: string[] = [];
  const control: RunControl = {
    change: async (c) => {
      calls.push(c.kind === 'rate' ? `rate ${c.rateRps} ${c.rampMs} ${c.scenario ?? '-'}` : `concurrency ${c.loops} ${c.scenario ?? '-'}`);
      return 'ok';
    },
    stop: async () => undefined,
  };
  const stopReading = readLiveCommands(io, control);
  const rows: [string, string][] = [
    ['rate 500', 'rate 500 0 -'], // one load model: no scenario
    ['rate 500 10s @shoppers', 'rate 500 10000 shoppers'], // ramp, then the scenario
    ['rate @shoppers 20', 'rate 20 0 shoppers'], // the scenario may come first
    ['concurrency 3 @monitors', 'concurrency 3 monitors'],
  ];
  for (const [line] of rows) io.type(line);
  await new Promise((resolve) => setTimeout(resolve, 50));
  stopReading();
  assert.deepEqual(calls, rows.map(([, want]) => want));
});

test('the hint printed when the run starts names the commands its load models take, with @name for several scenarios', () => {
  const open = { model: 'open', rateRps: 10, durationMs: 1000, maxInFlight: 10 } as unknown as Scenario['load'];
  const closed = { model: 'closed', concurrency: 2, durationMs: 1000 } as unknown as Scenario['load'];
  const rows: [string, Pick<Scenario, 'load' | 'parts'>, string][] = [
    // one open load: rate, no @
    ['open', { load: open }, 'type `rate N` (`rate N 10s` ramps) or `stop` + Enter to change the test'],
    // one closed load: `rate N` would be refused, so it is not offered
    ['closed', { load: closed }, 'type `concurrency N` or `stop` + Enter to change the test'],
    // several scenarios: the coordinator refuses a change without @name, so the hint shows one of each model
    ['mixed', { load: open, parts: [{ name: 'shoppers', load: open, flows: ['b'] }, { name: 'monitors', load: closed, flows: ['p'] }] },
      'type `rate N @shoppers` (`rate N 10s @shoppers` ramps), `concurrency N @monitors` or `stop` + Enter to change the test'],
  ];
  for (const [why, s, want] of rows) assert.equal(liveCommandsHint(s), want, why);
});
