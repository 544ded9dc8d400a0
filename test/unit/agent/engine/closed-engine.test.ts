// The closed model end to end against a real counting server, and the coordinated-omission contrast.
// Engine and target run on one ManualClock (the target answers after a few ms of it), so loop counts,
// live changes and latencies fall where the clock says, however slow the machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine } from '../../../../agent/engine/engine.js';
import type { EngineSnapshot } from '../../../../agent/engine/engine.js';
import { checkAccounting, helloUrl, p, plan } from './check.js';
import { startTarget } from '../../../helpers/target.js';
import { ManualClock } from '../../../helpers/manual-clock.js';
import { advanceSettled, runUntilDone, targetState } from '../../../helpers/clock-drive.js';

test('closed: N loops keep N requests in flight; counts match the server exactly, warm-up included', async (t) => {
  // Each answer takes 5 ms of the clock: 4 loops send 240 in the 300 ms warm-up, 800 in the 1 s main phase.
  const clock = new ManualClock();
  const target = await startTarget({ clock, delayMs: 5 });
  t.after(() => target.close());
  const snaps: EngineSnapshot[] = [];
  const engine = createEngine(
    plan({ url: helloUrl(target), model: 'closed', warmupMs: 300, segments: [{ durationMs: 1000, from: 4, to: 4 }], connections: 4 }),
    { onSnapshot: (s) => snaps.push(s), clock },
  );
  engine.start();
  const r = await runUntilDone(clock, engine.done, 5, { state: targetState(target) });
  assert.ok(r.main.sent > 200, `main sent ${r.main.sent}`);
  assert.ok(r.warmup.sent > 50, `warm-up sent ${r.warmup.sent}`);
  assert.equal(target.total(), r.warmup.sent + r.main.sent, 'server count = sent, over both phases');
  assert.equal(r.main.statusCodes['200'], r.main.sent);
  assert.equal(r.main.inFlightPeak, 4);
  assert.equal(r.main.dropped, 0);
  assert.equal(r.main.scheduleLagP99Ms, 0, 'no schedule in a closed model');
  // Loop count while issuing, 0 once the schedule ended (the last tick may race the end).
  const main = snaps.filter((s) => s.phase === 'main');
  assert.ok(main.every((s) => (s.concurrency === 4 || s.concurrency === 0) && s.rateRps === 0));
  assert.equal(main[0]?.concurrency, 4);
  checkAccounting(snaps, r);
});

test('closed: a live loop count adds and removes loops; a ramp of loops follows the segments', async (t) => {
  const clock = new ManualClock();
  const target = await startTarget({ clock, mode: { kind: 'stall', stallMs: 5 } });
  t.after(() => target.close());
  const snaps: EngineSnapshot[] = [];
  const engine = createEngine(
    plan({ url: helloUrl(target), model: 'closed', segments: [{ durationMs: 600, from: 1, to: 8 }, { durationMs: 900, from: 2, to: 2 }], connections: 16, snapshotIntervalMs: 100 }),
    { onSnapshot: (s) => snaps.push(s), clock },
  );
  const state = { state: targetState(target) };
  engine.start();
  await advanceSettled(clock, 900, 5, state);
  engine.change({ kind: 'loops', tail: [{ durationMs: 1, from: 12, to: 12 }] });
  await advanceSettled(clock, 300, 5, state);
  engine.change({ kind: 'loops', tail: [{ durationMs: 1, from: 3, to: 3 }] });
  const r = await runUntilDone(clock, engine.done, 5, state);
  const loops = snaps.map((s) => s.concurrency);
  assert.ok(loops.includes(1) || loops.includes(2), `ramp starts low: ${loops.join(',')}`);
  assert.ok(loops.some((n) => n >= 6 && n <= 8), `ramp reaches the top: ${loops.join(',')}`);
  assert.ok(loops.includes(12) && loops.includes(3), `live changes: ${loops.join(',')}`);
  assert.equal(r.main.inFlightPeak, 12);
  const last = snaps.filter((s) => s.phase === 'main' && s.intervalMs > 50).at(-2);
  assert.ok(last !== undefined && last.stats.inFlightPeak <= 3, 'removed loops are gone by the end');
  assert.equal(target.total(), r.main.sent);
  checkAccounting(snaps, r);
});

test('closed vs open: one 1 s stall is hidden by a closed loop (coordinated omission), not by the open model', async (t) => {
  // Closed: 1 loop, the 20th response takes 1 s; the loop simply waits, so only ONE sample is slow.
  // The other responses take 2 ms of the clock: about 500 of them in the second left.
  const clock = new ManualClock();
  const target = await startTarget({ clock, delayMs: 2, mode: { kind: 'stall', stallMs: 1000, onlyNth: 20 } });
  t.after(() => target.close());
  const snaps: EngineSnapshot[] = [];
  const engine = createEngine(
    plan({ url: helloUrl(target), model: 'closed', segments: [{ durationMs: 2000, from: 1, to: 1 }], connections: 1 }),
    { onSnapshot: (s) => snaps.push(s), clock },
  );
  engine.start();
  const r = await runUntilDone(clock, engine.done, 2, { state: targetState(target) });
  assert.ok(r.main.sent > 200, `sent ${r.main.sent}`);
  assert.ok(p(r.main.latencyHist, 99) < 100, `closed p99 ${p(r.main.latencyHist, 99)} hides the stall`);
  assert.ok(p(r.main.latencyHist, 100) >= 950, 'the one slow sample is there');
  assert.equal(target.total(), r.main.sent);
  checkAccounting(snaps, r);
});

test('closed: a live tail replaces a held loop count with a ramp of loops that the runner follows', async (t) => {
  const clock = new ManualClock();
  const target = await startTarget({ clock, mode: { kind: 'stall', stallMs: 5 } });
  t.after(() => target.close());
  const snaps: EngineSnapshot[] = [];
  const engine = createEngine(
    plan({ url: helloUrl(target), model: 'closed', segments: [{ durationMs: 1500, from: 2, to: 2 }], connections: 16, snapshotIntervalMs: 100 }),
    { onSnapshot: (s) => snaps.push(s), clock },
  );
  const state = { state: targetState(target) };
  engine.start();
  engine.change({ kind: 'loops', tail: [{ durationMs: 1, from: 3, to: 3 }] });
  await advanceSettled(clock, 300, 5, state);
  // From here: 1 -> 9 loops over 600 ms, then 9 to the end.
  engine.change({ kind: 'loops', tail: [{ durationMs: 600, from: 1, to: 9 }, { durationMs: 600, from: 9, to: 9 }] });
  const r = await runUntilDone(clock, engine.done, 5, state);
  const loops = snaps.filter((s) => s.phase === 'main' && s.concurrency > 0).map((s) => s.concurrency);
  assert.equal(loops[0], 3, `the override first: ${loops.join(',')}`);
  assert.ok(loops.some((n) => n >= 2 && n <= 7), `then the ramp: ${loops.join(',')}`);
  assert.ok(loops.slice(-3).every((n) => n === 9), `ends on the tail's last value: ${loops.join(',')}`);
  assert.equal(r.main.inFlightPeak, 9);
  assert.equal(target.total(), r.main.sent);
  checkAccounting(snaps, r);
});

test('closed: a live change may go above the plan\'s loop cap (the coordinator moved another agent\'s share here)', async (t) => {
  const clock = new ManualClock();
  const target = await startTarget({ clock, mode: { kind: 'stall', stallMs: 20 } });
  t.after(() => target.close());
  const snaps: EngineSnapshot[] = [];
  const engine = createEngine(
    plan({ url: helloUrl(target), model: 'closed', segments: [{ durationMs: 900, from: 2, to: 2 }], maxInFlight: 2, connections: 2, snapshotIntervalMs: 100 }),
    { onSnapshot: (s) => snaps.push(s), clock },
  );
  const state = { state: targetState(target) };
  engine.start();
  await advanceSettled(clock, 300, 5, state);
  engine.change({ kind: 'loops', tail: [{ durationMs: 1, from: 5, to: 5 }] });
  const r = await runUntilDone(clock, engine.done, 5, state);
  assert.equal(r.main.inFlightPeak, 5, 'five loops, on the two planned connections');
  assert.ok(snaps.some((s) => s.concurrency === 5));
  assert.equal(target.total(), r.main.sent);
  checkAccounting(snaps, r);
});
