// Commands typed during a run (coordinator/cli/run-session.ts readLiveCommands), with `@name` naming a
// scenario of several.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readLiveCommands } from '../../../coordinator/cli/run-session.js';
import type { RunControl } from '../../../coordinator/cli/run-session.js';
import { captureIo } from '../../helpers/io.js';

test('typed commands: rate and concurrency, with an optional ramp and @scenario anywhere after the command', async () => {
  const io = captureIo('/tmp');
  const calls: string[] = [];
  const control: RunControl = {
    setRate: async (r, rampMs, _source, scenario) => { calls.push(`rate ${r} ${rampMs} ${scenario ?? '-'}`); return 'ok'; },
    setConcurrency: async (n, scenario) => { calls.push(`concurrency ${n} ${scenario ?? '-'}`); return 'ok'; },
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
