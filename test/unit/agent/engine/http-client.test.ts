// The HTTP client's own request timeout (one periodic sweep, undici's per-request timers off), against
// a real server on 127.0.0.1 port 0 that never answers. Tests that time the sweep run the client on a
// ManualClock: a timeout ends where the clock says, however slow the machine.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { HttpClient, SPARE_CONNECTIONS, SWEEP_PERIOD_MS } from '../../../../agent/engine/http-client.js';
import type { ResponseSink } from '../../../../agent/engine/http-client.js';
import { systemClock } from '../../../../common/runtime/clock.js';
import type { ErrorKind } from '../../../../common/metrics/counters.js';
import { startTarget } from '../../../helpers/target.js';
import { ManualClock } from '../../../helpers/manual-clock.js';
import { helloUrl } from './check.js';
import { advanceSettled, runUntilDone, settle, targetState } from '../../../helpers/clock-drive.js';
import type { Clock } from '../../../../common/runtime/clock.js';

const TIMEOUT_MS = 300;
/** How late after timeoutMs a request may end: one sweep period (on the manual clock, no timer is late). */
const TOLERANCE_MS = SWEEP_PERIOD_MS;

interface Ending {
  outcome: number | ErrorKind;
  atMs: number;
  sentMs: number;
}

/** A sink that records every call (a second call for one request would show up as an extra entry), at `clock`'s time. */
function recordingSink(clock: Clock = systemClock): ResponseSink & { endings: Ending[] } {
  const endings: Ending[] = [];
  return {
    endings,
    onEnd(outcome, _bytes, _intendedMs, sentMs) {
      endings.push({ outcome, atMs: clock.nowMs(), sentMs });
    },
  };
}

/** A client with one connection to a target that never answers, on a manual clock, and its sink. */
async function stuckClient(t: TestContext) {
  const target = await startTarget({ mode: { kind: 'never' } });
  t.after(() => target.close());
  const clock = new ManualClock();
  const state = { state: targetState(target) };
  const client = new HttpClient({ url: helloUrl(target), method: 'GET', headers: {}, timeoutMs: TIMEOUT_MS, connections: 1, clock });
  t.after(() => client.close(0));
  return { target, clock, state, client, sink: recordingSink(clock), sentMs: clock.nowMs() };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('http client: a request the server never answers ends once, as timeout, within timeoutMs + one sweep', async (t) => {
  const { target, clock, state, client, sink, sentMs } = await stuckClient(t);
  client.send(sink, sentMs, sentMs);
  assert.equal(client.inFlight, 1);
  await settle({ ...state, until: () => target.total() === 1 });
  await advanceSettled(clock, TIMEOUT_MS + TOLERANCE_MS, 10, state);
  assert.equal(sink.endings.length, 1, JSON.stringify(sink.endings));
  const [end] = sink.endings as [Ending];
  assert.equal(end.outcome, 'timeout');
  const tookMs = end.atMs - sentMs;
  assert.ok(tookMs >= TIMEOUT_MS && tookMs <= TIMEOUT_MS + TOLERANCE_MS, `ended after ${tookMs.toFixed(1)} ms`);
  assert.equal(client.inFlight, 0);
  // Nothing late: undici's own end of the aborted request is ignored, and closing adds no second end.
  await advanceSettled(clock, 2 * SWEEP_PERIOD_MS, 10, state);
  await runUntilDone(clock, client.close(1000), 10, state);
  assert.equal(sink.endings.length, 1);
  assert.equal(target.total(), 1);
});

test('http client: requests queued behind a stuck one time out too, and are never written', async (t) => {
  // One connection: the first request takes it, the other four wait in undici's queue.
  const { target, clock, state, client, sink, sentMs } = await stuckClient(t);
  for (let i = 0; i < 5; i++) client.send(sink, sentMs, sentMs);
  await settle({ ...state, until: () => target.total() === 1 });
  await advanceSettled(clock, TIMEOUT_MS + TOLERANCE_MS, 10, state);
  assert.deepEqual(sink.endings.map((e) => e.outcome), ['timeout', 'timeout', 'timeout', 'timeout', 'timeout']);
  for (const e of sink.endings) assert.ok(e.atMs - sentMs <= TIMEOUT_MS + TOLERANCE_MS, `ended after ${(e.atMs - sentMs).toFixed(1)} ms`);
  assert.equal(client.inFlight, 0);
  // The target answers from now on: the client still works (the queued requests released their slots).
  target.setMode({ kind: 'ok' });
  const later = recordingSink(clock);
  const laterMs = clock.nowMs();
  client.send(later, laterMs, laterMs);
  await runUntilDone(clock, client.close(2000), 10, state);
  assert.deepEqual(later.endings.map((e) => e.outcome), [200]);
  assert.equal(sink.endings.length, 5, 'no second end for any timed-out request');
  assert.equal(target.total(), 2, 'the stuck request and the later one; the queued ones were never written');
});

test('http client: a slow answer within timeoutMs is a response, not a timeout', async (t) => {
  const target = await startTarget({ mode: { kind: 'stall', stallMs: TIMEOUT_MS / 3 } });
  t.after(() => target.close());
  const client = new HttpClient({ url: helloUrl(target), method: 'GET', headers: {}, timeoutMs: TIMEOUT_MS, connections: 2, clock: systemClock });
  const sink = recordingSink();
  const sentMs = systemClock.nowMs();
  client.send(sink, sentMs, sentMs);
  client.send(sink, sentMs, sentMs);
  await client.close(2000);
  assert.deepEqual(sink.endings.map((e) => e.outcome), [200, 200]);
  assert.equal(client.inFlight, 0);
});

test('http client: a stalled target gets no reconnect storm: connections stay within connections + SPARE_CONNECTIONS, and every request is a timeout', async (t) => {
  // Accepts connections, never answers. 2 connections, 50 req/s for 2 s, 200 ms timeout: a client that
  // destroyed every timed-out request's socket and sent a queued one on a new connection would open ~10
  // per second.
  const target = await startTarget({ mode: { kind: 'never' } });
  t.after(() => target.close());
  const clock = new ManualClock();
  const state = { state: targetState(target) };
  const client = new HttpClient({ url: helloUrl(target), method: 'GET', headers: {}, timeoutMs: 200, connections: 2, clock });
  t.after(() => client.close(0));
  const sink = recordingSink(clock);
  for (let i = 0; i < 100; i++) {
    const nowMs = clock.nowMs();
    client.send(sink, nowMs, nowMs);
    await advanceSettled(clock, 20, 10, state);
  }
  await advanceSettled(clock, 200 + TOLERANCE_MS, 10, state);
  assert.equal(sink.endings.length, 100);
  assert.ok(sink.endings.every((e) => e.outcome === 'timeout'), JSON.stringify(sink.endings.filter((e) => e.outcome !== 'timeout')));
  assert.ok(target.connections() <= 2 + SPARE_CONNECTIONS, `${target.connections()} connections opened (bound ${2 + SPARE_CONNECTIONS})`);
  assert.ok(target.total() <= 2 + SPARE_CONNECTIONS, `${target.total()} requests written (one per connection at most)`);
  // Closing does not wait for the stuck sockets: every request was already reported.
  const closingMs = clock.nowMs();
  await runUntilDone(clock, client.close(5_000), 10, state);
  assert.ok(clock.nowMs() - closingMs < 1_000, 'closed without waiting for the drain deadline');
  assert.equal(sink.endings.length, 100, 'no second end for any request');
});

test('http client: a request whose time ran out while queued is never written, even before the sweep sees it', async (t) => {
  // A manual clock: the sweep never runs unless the test advances it. One connection, held by a request
  // the server answers after 100 ms (real time); meanwhile the client's clock jumps 300 ms (freeze:
  // no timer fires), so the queued request's 200 ms are up when the connection frees.
  const target = await startTarget({ mode: { kind: 'stall', stallMs: 100 } });
  t.after(() => target.close());
  const clock = new ManualClock();
  const client = new HttpClient({ url: helloUrl(target), method: 'GET', headers: {}, timeoutMs: 200, connections: 1, clock });
  const sink = recordingSink();
  client.send(sink, 0, 0);
  client.send(sink, 0, 0);
  while (target.total() < 1) await sleep(5);
  clock.freeze(300);
  while (sink.endings.length < 2) await sleep(10);
  assert.deepEqual(sink.endings.map((e) => e.outcome), [200, 'timeout'], 'the first was answered; the second timed out unwritten');
  assert.equal(target.total(), 1, 'the expired request was not written');
  const closed = client.close(0);
  clock.advance(1_000);
  await closed;
});
