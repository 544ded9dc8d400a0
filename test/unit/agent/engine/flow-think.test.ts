// A flow step's random think time, through the FlowDriver against a real target on 127.0.0.1 port 0: the
// pause between two steps is the draw from the injected random source (the first draw of the run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowDriver } from '../../../../agent/engine/flow-driver.js';
import { Recorder } from '../../../../agent/engine/recorder.js';
import { RequestRecorder } from '../../../../agent/engine/request-recorder.js';
import type { Program } from '../../../../common/flow/program.js';
import { systemClock } from '../../../../common/runtime/clock.js';
import { startTarget } from '../../../helpers/target.js';
import { prng } from '../../../helpers/prng.js';

test('think: { uniform: [200ms, 400ms] } pauses 200 + 200 x the run\'s first random draw between the steps', async (t) => {
  const target = await startTarget();
  t.after(() => target.close());
  const req = (path: string) => ({ url: `${target.origin}${path}`, method: 'GET', headers: {}, timeoutMs: 2000, checks: [] });
  const program: Program = {
    requests: { a: req('/a'), b: req('/b') },
    flows: [{ name: 'f', weight: 1, steps: [
      { request: 'a', extract: {}, checks: [], thinkMs: 0, thinkRandom: { uniform: { minMs: 200, maxMs: 400 } } },
      { request: 'b', extract: {}, checks: [], thinkMs: 0 },
    ] }],
    variables: {}, data: {}, origins: [target.origin],
  };
  const driver = new FlowDriver(program, { clock: systemClock, connections: 1, random: prng(99) });
  t.after(() => driver.close(100));
  const recorder = new Recorder(systemClock, new RequestRecorder());
  await new Promise<void>((resolve) => driver.run(recorder, systemClock.nowMs(), () => resolve()));
  const wantMs = 200 + 200 * prng(99)();
  const [atA, atB] = target.arrivals() as [number, number];
  const gapMs = atB - atA;
  // At least the pause (timers never fire early by more than a millisecond); at most the pause plus a slow machine's slack.
  assert.ok(gapMs >= wantMs - 1 && gapMs < wantMs + 150, `gap ${gapMs.toFixed(1)} ms, want ${wantMs.toFixed(1)} ms`);
});
