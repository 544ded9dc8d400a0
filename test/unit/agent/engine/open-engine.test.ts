// The open model end to end against a real HTTP server on 127.0.0.1 that counts what it received.
// Tests that assert when things happen run the engine (and the target's delays) on a ManualClock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine } from '../../../../agent/engine/engine.js';
import { ELD_RESOLUTION_MS } from '../../../../agent/engine/recorder.js';
import type { EngineSnapshot } from '../../../../agent/engine/engine.js';
import { checkAccounting, helloUrl, p, plan } from './check.js';
import { startTarget } from '../../../helpers/target.js';
import { ManualClock } from '../../../helpers/manual-clock.js';
import { advanceSettled, runUntilDone, targetState } from '../../../helpers/clock-drive.js';

test('open: 200 req/s for 2 s sends 400, the server counts the same, deltas sum to the cumulative', async (t) => {
  const clock = new ManualClock();
  const target = await startTarget({ clock });
  t.after(() => target.close());
  const snaps: EngineSnapshot[] = [];
  const engine = createEngine(plan({ url: helloUrl(target), segments: [{ durationMs: 2000, from: 200, to: 200 }], snapshotIntervalMs: 500 }), {
    onSnapshot: (s) => snaps.push(s), clock,
  });
  engine.start();
  const r = await runUntilDone(clock, engine.done, 5, { state: targetState(target) });
  assert.ok(Math.abs(r.main.sent - 400) <= 1, `sent ${r.main.sent}`);
  assert.equal(target.total(), r.main.sent, 'server count = sent');
  assert.equal(r.main.statusCodes['200'], r.main.sent);
  assert.equal(r.main.dropped, 0);
  assert.equal(r.main.bytesReceived, 2 * r.main.sent, '"ok" per response');
  assert.equal(r.stoppedEarly, false);
  assert.ok(r.mainDurationMs >= 2000 && r.mainDurationMs < 2100, `duration ${r.mainDurationMs}`);
  assert.equal(r.warmup.sent, 0);
  checkAccounting(snaps, r);
  const regular = snaps.filter((s) => s.intervalMs > 400);
  assert.ok(regular.length >= 3, 'about one delta per 500 ms');
  assert.deepEqual(regular.slice(0, 3).map((s) => s.intervalIndex), [0, 1, 2]);
  // rateRps is the mean scheduled rate over each interval: 200/s while the schedule runs.
  const near = (a: number, b: number): boolean => Math.abs(a - b) < 1e-6;
  assert.ok(regular.every((s) => near(s.rateRps, 200) || s.intervalMs < 1000) && near(regular[0]?.rateRps ?? 0, 200), JSON.stringify(regular.map((s) => [s.rateRps, s.intervalMs])));
  assert.ok(regular.every((s) => s.concurrency === 0));
});

test('open: warm-up runs first at the first rate; a warm-up request ending during main counts in warm-up', async (t) => {
  // Every response takes 300 ms, so warm-up requests sent in the last 300 ms end during the main phase.
  const clock = new ManualClock();
  const target = await startTarget({ clock, mode: { kind: 'stall', stallMs: 300 } });
  t.after(() => target.close());
  const snaps: EngineSnapshot[] = [];
  const engine = createEngine(
    plan({ url: helloUrl(target), warmupMs: 500, segments: [{ durationMs: 600, from: 0, to: 40 }], snapshotIntervalMs: 100, connections: 50 }),
    { onSnapshot: (s) => snaps.push(s), clock },
  );
  engine.start();
  const r = await runUntilDone(clock, engine.done, 5, { state: targetState(target) });
  // warm-up at segments[0].to (from is 0): 40 req/s for 500 ms = 20; main ramp 0 -> 40 over 600 ms = 12.
  assert.equal(r.warmup.sent, 20);
  assert.equal(r.main.sent, 12);
  assert.equal(target.total(), 32);
  checkAccounting(snaps, r);
  const firstMain = snaps.findIndex((s) => s.phase === 'main');
  const lateWarmup = snaps.findIndex((s, i) => i > firstMain && s.phase === 'warmup');
  assert.ok(firstMain > 0 && lateWarmup > firstMain, 'a warm-up delta arrives after the main phase started');
  assert.ok(p(r.warmup.latencyHist, 50) >= 300);
});

test('open: the in-flight cap drops arrivals (never sent) and the drain deadline aborts the rest', async (t) => {
  const target = await startTarget({ mode: { kind: 'never' } });
  t.after(() => target.close());
  const snaps: EngineSnapshot[] = [];
  const engine = createEngine(
    plan({ url: helloUrl(target), maxInFlight: 5, connections: 5, timeoutMs: 10_000, segments: [{ durationMs: 1000, from: 100, to: 100 }] }),
    { onSnapshot: (s) => snaps.push(s), drainTimeoutMs: 200 },
  );
  engine.start();
  const r = await engine.done;
  assert.equal(r.main.sent, 5);
  assert.equal(r.main.dropped, 95, 'every other arrival of the schedule was dropped');
  assert.equal(target.total(), 5);
  assert.equal(r.main.errorsByKind.other, 5, 'aborted at the drain deadline');
  assert.equal(r.main.inFlightPeak, 5);
  checkAccounting(snaps, r);
});

test('open: a slow response shows in latency from intended; a stalled generator shows in it but not in service time', async (t) => {
  // Part 1: one connection, the 10th response takes 1 s: the arrivals queued behind it wait too, so the
  // open model (latency from intended time) reports it for many requests.
  const target = await startTarget({ mode: { kind: 'stall', stallMs: 1000, onlyNth: 10 } });
  t.after(() => target.close());
  const snaps: EngineSnapshot[] = [];
  const e1 = createEngine(plan({ url: helloUrl(target), connections: 1, segments: [{ durationMs: 1500, from: 40, to: 40 }] }), {
    onSnapshot: (s) => snaps.push(s),
  });
  e1.start();
  const r1 = await e1.done;
  assert.equal(r1.main.sent, 60);
  assert.ok(p(r1.main.latencyHist, 75) >= 400, `p75 from intended ${p(r1.main.latencyHist, 75)}`);
  assert.ok(p(r1.main.latencyHist, 99) >= 950, `p99 from intended ${p(r1.main.latencyHist, 99)}`);
  checkAccounting(snaps, r1);

  // Part 2: the generator's own event loop blocks for 300 ms: arrivals are sent late (schedule lag),
  // latency from intended includes the delay, service time (from the actual send) does not. On a
  // manual clock: at 300 ms the clock jumps 300 ms with no timer firing (freeze) while the event loop
  // really blocks for 300 ms (what the event-loop delay figure measures).
  target.setMode({ kind: 'ok' });
  const clock = new ManualClock();
  const state = { state: targetState(target) };
  const snaps2: EngineSnapshot[] = [];
  const e2 = createEngine(plan({ url: helloUrl(target), segments: [{ durationMs: 1000, from: 100, to: 100 }] }), {
    onSnapshot: (s) => snaps2.push(s), clock,
  });
  e2.start();
  await advanceSettled(clock, 300, 5, state);
  clock.freeze(300);
  // The event-loop delay monitor samples on its own real timer, one sample per firing, and an interval's
  // figure is the p99 of every sample taken in real time since the last snapshot (on a busy machine, a
  // manual-clock interval can last seconds of real time: hundreds of samples). So the 300 ms block is 5
  // blocks of 60 ms, each followed by one real timer turn in which the monitor records it: 5 samples of
  // >= 50 ms stay above the p99 of any interval of fewer than 500 samples (5 s of real time).
  for (let i = 0; i < 5; i++) {
    const until = performance.now() + 60;
    while (performance.now() < until);
    await new Promise((resolve) => setTimeout(resolve, 2 * ELD_RESOLUTION_MS));
  }
  const r2 = await runUntilDone(clock, e2.done, 5, state);
  assert.equal(r2.main.sent, 100, 'the late arrivals were sent, not skipped');
  assert.ok(p(r2.main.latencyHist, 99) >= 250, `p99 from intended ${p(r2.main.latencyHist, 99)}`);
  assert.ok(p(r2.main.serviceHist, 99) < 100, `p99 service ${p(r2.main.serviceHist, 99)}`);
  assert.ok(r2.main.scheduleLagP99Ms >= 250, `schedule lag p99 ${r2.main.scheduleLagP99Ms}`);
  const worstLoopDelayMs = Math.max(...snaps2.map((s) => s.stats.eventLoopDelayP99Ms));
  assert.ok(worstLoopDelayMs >= 50, `event-loop delay p99 of the worst interval ${worstLoopDelayMs}`);
  checkAccounting(snaps2, r2);
});

test('open: a live rate mid-run changes the rate from then on, without skipping or doubling', async (t) => {
  const clock = new ManualClock();
  const target = await startTarget({ clock });
  t.after(() => target.close());
  const state = { state: targetState(target) };
  const snaps: EngineSnapshot[] = [];
  const engine = createEngine(plan({ url: helloUrl(target), segments: [{ durationMs: 2000, from: 100, to: 100 }], snapshotIntervalMs: 500 }), {
    onSnapshot: (s) => snaps.push(s), clock,
  });
  engine.start();
  await advanceSettled(clock, 1000, 5, state);
  engine.change({ kind: 'rate', tail: [{ durationMs: 1, from: 300, to: 300 }] });
  const r = await runUntilDone(clock, engine.done, 5, state);
  // ~100 in the first second, ~300 in the second; the switch happens within a few ms of 1 s.
  assert.ok(Math.abs(r.main.sent - 400) <= 5, `sent ${r.main.sent}`);
  assert.equal(target.total(), r.main.sent);
  // The interval wholly after the change schedules 300/s; the one across it, a mean between 100 and 300.
  // (The change lands a few ms after the 1 s tick, so "wholly after" is within 1 %.)
  assert.ok(snaps.some((s) => Math.abs(s.rateRps - 300) < 3), JSON.stringify(snaps.map((s) => s.rateRps)));
  assert.ok(snaps.every((s) => s.rateRps <= 300 + 1e-6));
  checkAccounting(snaps, r);
});

test('open: stop() ends early, drains, emits the final main delta; a second stop is harmless', async (t) => {
  const clock = new ManualClock();
  const target = await startTarget({ clock });
  t.after(() => target.close());
  const state = { state: targetState(target) };
  const snaps: EngineSnapshot[] = [];
  const engine = createEngine(plan({ url: helloUrl(target), segments: [{ durationMs: 10_000, from: 100, to: 100 }] }), {
    onSnapshot: (s) => snaps.push(s), clock,
  });
  engine.start();
  await advanceSettled(clock, 500, 5, state);
  engine.stop('test');
  engine.stop('again');
  engine.change({ kind: 'rate', tail: [{ durationMs: 1, from: 5, to: 5 }] });
  const r = await runUntilDone(clock, engine.done, 5, state);
  assert.equal(r.stoppedEarly, true);
  assert.ok(r.mainDurationMs >= 490 && r.mainDurationMs < 700, `duration ${r.mainDurationMs}`);
  assert.ok(Math.abs(r.main.sent - 50) <= 3, `sent ${r.main.sent}`);
  assert.equal(target.total(), r.main.sent);
  checkAccounting(snaps, r);
});

test('open: stop() during warm-up skips the main phase but still emits one (empty) final main delta', async (t) => {
  const clock = new ManualClock();
  const target = await startTarget({ clock });
  t.after(() => target.close());
  const state = { state: targetState(target) };
  const snaps: EngineSnapshot[] = [];
  const engine = createEngine(plan({ url: helloUrl(target), warmupMs: 5000 }), { onSnapshot: (s) => snaps.push(s), clock });
  engine.start();
  await advanceSettled(clock, 300, 5, state);
  engine.stop('test');
  const r = await runUntilDone(clock, engine.done, 5, state);
  assert.equal(r.stoppedEarly, true);
  assert.equal(r.main.sent, 0);
  assert.equal(r.mainDurationMs, 0);
  assert.ok(r.warmup.sent >= 25 && r.warmup.sent <= 35, `warm-up sent ${r.warmup.sent}`);
  assert.equal(target.total(), r.warmup.sent);
  const last = snaps.at(-1);
  assert.equal(last?.phase, 'main');
  assert.equal(last?.stats.sent, 0);
  checkAccounting(snaps, r);
});

test('engine: stop() before start() resolves with one empty main delta', async (t) => {
  const snaps: EngineSnapshot[] = [];
  const engine = createEngine(plan({ url: 'http://127.0.0.1:9/' }), { onSnapshot: (s) => snaps.push(s) });
  engine.stop('never started');
  engine.start();
  const r = await engine.done;
  assert.equal(r.stoppedEarly, true);
  assert.equal(snaps.length, 1);
  checkAccounting(snaps, r);
});

test('open: once the permit says no (a frozen agent whose link went stale), the backlog is dropped, never sent as a burst', async (t) => {
  const clock = new ManualClock();
  const target = await startTarget({ clock });
  t.after(() => target.close());
  const state = { state: targetState(target) };
  const snaps: EngineSnapshot[] = [];
  let permitted = true;
  let asked = 0;
  const engine = createEngine(plan({ url: helloUrl(target), segments: [{ durationMs: 3000, from: 100, to: 100 }], snapshotIntervalMs: 250 }), {
    onSnapshot: (s) => snaps.push(s), clock,
    mayIssue: () => {
      asked++;
      return permitted;
    },
  });
  engine.start();
  // At 500 ms the process "freezes" for 1 s (no timer fires) and its link goes stale meanwhile.
  await advanceSettled(clock, 500, 5, state);
  permitted = false;
  clock.freeze(1000);
  const r = await runUntilDone(clock, engine.done, 5, state);
  // 100/s: ~50 sent before the freeze (timer lateness on a loaded machine: up to 20 more); the ~100
  // arrivals due during the freeze are dropped, the rest of the schedule is not this engine's any more.
  assert.ok(r.main.sent >= 45 && r.main.sent <= 75, `sent ${r.main.sent}`);
  assert.equal(target.total(), r.main.sent, 'nothing after the freeze reached the target');
  assert.ok(Math.abs(r.main.sent + r.main.dropped - 150) <= 25, `sent ${r.main.sent} + dropped ${r.main.dropped} ~ the 150 due by the end of the freeze`);
  assert.equal(r.stoppedEarly, true);
  assert.ok(r.mainDurationMs < 2500, `stopped at ${r.mainDurationMs} ms, not at the schedule's end`);
  assert.ok(asked >= r.main.sent, 'asked before every send');
  checkAccounting(snaps, r);
});

test('open: the end of the schedule is a deadline: a rate far beyond the machine ends on time, the arrivals it owed counted as dropped', async (t) => {
  // Every response takes 100 ms and at most 5 are in flight: ~50 req/s really go out. The schedule asks
  // for 10 million per second for 2 s; nowhere near that many arrivals can even be counted one by one
  // in time (a few million per second here), so without the deadline the phase overruns by seconds.
  const target = await startTarget({ mode: { kind: 'stall', stallMs: 100 } });
  t.after(() => target.close());
  const snaps: EngineSnapshot[] = [];
  const engine = createEngine(plan({ url: helloUrl(target), segments: [{ durationMs: 2000, from: 1e7, to: 1e7 }], maxInFlight: 5, connections: 5 }), {
    onSnapshot: (s) => snaps.push(s),
  });
  const startedMs = performance.now();
  engine.start();
  const r = await engine.done;
  const tookMs = performance.now() - startedMs;
  // 2 s of schedule + END_GRACE_MS (500) + 200 ms for a loaded machine; then the last responses (100 ms).
  assert.ok(r.mainDurationMs < 2_700, `main phase ${r.mainDurationMs} ms`);
  assert.ok(tookMs < 3_500, `ended after ${tookMs.toFixed(0)} ms`);
  assert.equal(r.main.sent + r.main.dropped, 2e7, 'every arrival of the schedule is either sent or dropped');
  assert.equal(target.total(), r.main.sent);
  checkAccounting(snaps, r);
});

test('open: after a freeze shorter than the loss window, late sends are counted in the second they were sent, and later seconds keep their place', async (t) => {
  // A manual clock: 10 req/s, 1 s intervals. Two seconds run, then the process freezes for 3.5 s (no
  // timer fires) and continues at 5.5 s: its backlog of 35 arrivals goes out at once ("send now").
  const target = await startTarget();
  t.after(() => target.close());
  const clock = new ManualClock();
  const snaps: EngineSnapshot[] = [];
  const engine = createEngine(plan({ url: helloUrl(target), segments: [{ durationMs: 8000, from: 10, to: 10 }], snapshotIntervalMs: 1000 }), {
    onSnapshot: (s) => snaps.push(s), clock, drainTimeoutMs: 1000,
  });
  engine.start();
  clock.advance(2000);
  clock.freeze(3500);
  clock.advance(0);
  clock.advance(1000);
  const sentIn = (index: number): number => snaps.filter((s) => s.phase === 'main' && s.intervalIndex === index).reduce((n, s) => n + s.stats.sent, 0);
  // The tick at 5.5 s reports what second 2 held before the freeze; the 35 late sends and the 10 of
  // [5.5 s, 6.5 s) are second 5's (the tick keeps its phase from the late wake-up).
  assert.deepEqual(snaps.map((s) => s.intervalIndex), [0, 1, 2, 5], JSON.stringify(snaps.map((s) => [s.intervalIndex, s.stats.sent])));
  assert.equal(sentIn(2), 1, 'second 2: only its arrival at exactly 2.0 s, sent before the freeze');
  assert.ok(sentIn(5) >= 35, `second 5 sent ${sentIn(5)}`);
  engine.stop('test');
  let done = false;
  void engine.done.then(() => { done = true; });
  while (!done) {
    clock.advance(100);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const r = await engine.done;
  assert.ok((snaps.at(-1)?.intervalIndex ?? 0) >= 6, 'the final delta comes after second 5, in the interval it was taken in');
  checkAccounting(snaps, r);
});
