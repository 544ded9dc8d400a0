// The agent's session driven through an in-memory link and a manual clock, with a fake engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadfleetError } from '../../../common/runtime/errors.js';
import { PROTOCOL_VERSION } from '../../../common/protocol/messages.js';
import { emptyStats } from '../../../common/metrics/stats.js';
import { MAX_RATE_RPS } from '../../../common/scenario/scenario.js';
import { FakeEngine, PLAN, WELCOME, setup } from '../../helpers/agent-session.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('hello first, then an assignment runs: ready, snapshots, done', async () => {
  const { dialer, engines, session } = setup();
  session.start();
  const link = dialer.last;
  assert.deepEqual(link.sent[0], { kind: 'hello', agentId: 'a1', protocolVersion: PROTOCOL_VERSION, version: 't', host: 'h', cores: 2 });
  link.deliver(WELCOME);
  assert.equal(session.currentState, 'idle');
  link.deliver({ kind: 'assign', runId: 'r1', assignment: 1, planJson: JSON.stringify(PLAN) });
  assert.equal(session.currentState, 'running');
  const engine = engines[0]!;
  assert.ok(engine.started);
  engine.onSnapshot({ seq: 1, phase: 'main', intervalIndex: 0, intervalMs: 1_000, stats: emptyStats(), rateRps: 10, concurrency: 0 });
  link.deliver({ kind: 'share-change', runId: 'r1', assignment: 1, changeId: 1, share: { kind: 'rate', tail: [{ durationMs: 500, from: 20, to: 20 }] } });
  link.deliver({ kind: 'share-change', runId: 'other', assignment: 1, changeId: 2, share: { kind: 'rate', tail: [{ durationMs: 500, from: 99, to: 99 }] } });
  link.deliver({ kind: 'share-change', runId: 'r1', assignment: 2, changeId: 3, share: { kind: 'rate', tail: [{ durationMs: 500, from: 99, to: 99 }] } });
  link.deliver({ kind: 'share-change', runId: 'r1', assignment: 1, changeId: 4, share: { kind: 'rate', tail: [{ durationMs: 700, from: 5, to: 9 }] } });
  assert.deepEqual(engine.changes, [
    { kind: 'rate', tail: [{ durationMs: 500, from: 20, to: 20 }] },
    { kind: 'rate', tail: [{ durationMs: 700, from: 5, to: 9 }] },
  ], 'only changes for this run and assignment apply');
  engine.finish();
  await tick();
  assert.deepEqual(link.sent.map((m) => m.kind), ['hello', 'ready', 'snapshot', 'applied', 'applied', 'done']);
  assert.deepEqual(link.sent.filter((m) => m.kind === 'applied'), [
    { kind: 'applied', runId: 'r1', assignment: 1, changeId: 1, appliedAtMs: 250 },
    { kind: 'applied', runId: 'r1', assignment: 1, changeId: 4, appliedAtMs: 250 },
  ]);
  assert.equal(session.currentState, 'idle');
});

test('an invalid plan is refused with a coded failure, naming the field', () => {
  const { dialer, engines, session } = setup();
  session.start();
  dialer.last.deliver(WELCOME);
  dialer.last.deliver({ kind: 'assign', runId: 'r1', assignment: 1, planJson: JSON.stringify({ ...PLAN, maxInFlight: -1 }) });
  const f = dialer.last.sent.find((m) => m.kind === 'failure');
  assert.ok(f !== undefined && f.kind === 'failure');
  assert.equal(f.code, 'PLAN_INVALID');
  assert.match(f.message, /maxInFlight/);
  assert.equal(engines.length, 0);
  dialer.last.deliver({ kind: 'assign', runId: 'r2', assignment: 1, planJson: '{not json' });
  assert.equal(dialer.last.sent.filter((m) => m.kind === 'failure').length, 2);
});

test('losing the coordinator mid-run stops the load at once and reconnects with growing backoff', () => {
  const { clock, dialer, engines, session } = setup();
  session.start();
  dialer.last.deliver(WELCOME);
  dialer.last.deliver({ kind: 'assign', runId: 'r1', assignment: 1, planJson: JSON.stringify(PLAN) });
  dialer.last.drop(new LoadfleetError('UNAVAILABLE', 'gone'));
  assert.equal(engines[0]?.stopped, 'coordinator connection lost');
  assert.equal(dialer.links.length, 1);
  clock.advance(150); // first backoff: 100 ms +- 20 %
  assert.equal(dialer.links.length, 2);
  dialer.last.drop(new LoadfleetError('UNAVAILABLE', 'still gone'));
  clock.advance(150);
  assert.equal(dialer.links.length, 2, 'second backoff is longer (200 ms +- 20 %)');
  clock.advance(100);
  assert.equal(dialer.links.length, 3);
  dialer.last.deliver(WELCOME);
  dialer.last.drop(undefined);
  clock.advance(150);
  assert.equal(dialer.links.length, 4, 'a welcome resets the backoff');
});

test('a coordinator that goes silent is left after the miss limit', () => {
  const { clock, dialer, session } = setup();
  session.start();
  dialer.last.deliver(WELCOME);
  clock.advance(3_000);
  assert.equal(dialer.last.closed, false, 'exactly at the limit');
  clock.advance(1_000);
  assert.equal(dialer.links[0]?.closed, true);
  assert.equal(dialer.resets, 1, 'a silent link may be dead: the next dial uses a fresh connection');
  assert.ok(dialer.links[0]!.sent.filter((m) => m.kind === 'heartbeat').length >= 3, 'the agent sent heartbeats meanwhile');
});

test('a refusal (protocol or token) ends the session without retrying', async () => {
  for (const code of ['PROTOCOL_MISMATCH', 'UNAUTHENTICATED'] as const) {
    const { clock, dialer, session } = setup();
    session.start();
    dialer.last.drop(new LoadfleetError(code, 'refused'));
    const error = await session.finished;
    assert.equal(error?.code, code);
    clock.advance(60_000);
    assert.equal(dialer.links.length, 1, `${code}: no retry`);
    assert.ok(dialer.closed);
  }
});

test('stop() says leaving, drains a running test, sends done, waits for its ack, then disconnects; a second stop is harmless', async () => {
  const { dialer, engines, session } = setup();
  session.start();
  const link = dialer.last;
  link.deliver(WELCOME);
  link.deliver({ kind: 'assign', runId: 'r1', assignment: 1, planJson: JSON.stringify(PLAN) });
  const stopping = session.stop();
  await tick();
  assert.equal(link.closed, false, 'waits for the Done to be acknowledged');
  link.deliver({ kind: 'ack', runId: 'r1', assignment: 1, seq: 0, done: true, unknownRun: false });
  await stopping;
  await session.stop();
  assert.equal(engines[0]?.stopped, 'agent shutting down');
  assert.deepEqual(link.sent.map((m) => m.kind), ['hello', 'ready', 'leaving', 'done']);
  assert.ok(link.closed);
  assert.equal(await session.finished, undefined);
  assert.equal(session.currentState, 'stopped');
});

// ---------- outbox: nothing lost across a reconnect, nothing kept once acknowledged ----------

const snap = (engine: FakeEngine, seq: number): void =>
  engine.onSnapshot({ seq, phase: 'main', intervalIndex: seq - 1, intervalMs: 1_000, stats: emptyStats(), rateRps: 10, concurrency: 0 });

test('figures not acknowledged are resent after a reconnect, in order; acknowledged ones are not', async () => {
  const { clock, dialer, engines, session } = setup();
  session.start();
  const first = dialer.last;
  first.deliver(WELCOME);
  first.deliver({ kind: 'assign', runId: 'r1', assignment: 1, planJson: JSON.stringify(PLAN) });
  const engine = engines[0]!;
  snap(engine, 1);
  snap(engine, 2);
  first.deliver({ kind: 'ack', runId: 'r1', assignment: 1, seq: 1, done: false, unknownRun: false });
  first.drop(new LoadfleetError('UNAVAILABLE', 'cut'));
  // Stopped by the lost link; its last delta and Done arrive while disconnected.
  snap(engine, 3);
  await tick();
  assert.equal(session.unacknowledged, 3, 'seq 2, seq 3 and the Done wait');
  clock.advance(150);
  const second = dialer.last;
  assert.notEqual(second, first);
  assert.deepEqual(second.sent.map((m) => m.kind), ['hello'], 'nothing before the welcome');
  second.deliver(WELCOME);
  const resent = second.sent.slice(1).map((m) => (m.kind === 'snapshot' ? `snapshot ${m.seq}` : m.kind));
  assert.deepEqual(resent, ['snapshot 2', 'snapshot 3', 'done']);
  second.deliver({ kind: 'ack', runId: 'r1', assignment: 1, seq: 2, done: false, unknownRun: false });
  second.deliver({ kind: 'ack', runId: 'r1', assignment: 1, seq: 3, done: false, unknownRun: false });
  second.deliver({ kind: 'ack', runId: 'r1', assignment: 1, seq: 0, done: true, unknownRun: false });
  assert.equal(session.unacknowledged, 0);
});

test('a coordinator that does not know the run (restarted) makes the agent discard that run, and say so', async () => {
  const { dialer, engines, session, log } = setup();
  session.start();
  dialer.last.deliver(WELCOME);
  dialer.last.deliver({ kind: 'assign', runId: 'r1', assignment: 1, planJson: JSON.stringify(PLAN) });
  snap(engines[0]!, 1);
  snap(engines[0]!, 2);
  dialer.last.deliver({ kind: 'ack', runId: 'r1', assignment: 1, seq: 1, done: false, unknownRun: true });
  assert.equal(session.unacknowledged, 0);
  assert.ok(log.some((l) => /does not know run r1 .*discarded 2/.test(l)), log.join('\n'));
});

test('a full outbox drops its oldest snapshot, never a Done, and counts every drop', async () => {
  const { clock, dialer, engines, log, session } = setup({ outboxLimit: 3 });
  session.start();
  dialer.last.deliver(WELCOME);
  dialer.last.deliver({ kind: 'assign', runId: 'r1', assignment: 1, planJson: JSON.stringify(PLAN) });
  for (let seq = 1; seq <= 5; seq++) snap(engines[0]!, seq);
  engines[0]!.finish();
  await tick();
  assert.equal(session.unacknowledged, 3);
  assert.equal(session.outboxDropped, 3);
  assert.ok(log.some((l) => /^error outbox full/.test(l)));
  dialer.last.drop(undefined);
  clock.advance(500);
  dialer.last.deliver(WELCOME);
  assert.deepEqual(dialer.last.sent.slice(1).map((m) => (m.kind === 'snapshot' ? m.seq : m.kind)), [4, 5, 'done']);
});

test('an agent refuses a plan its own limits forbid (coded failure, no engine) and caps live changes above its ceiling, loudly', async () => {
  const { dialer, engines, log, session } = setup({
    vetPlan: async (plan) => (plan.request.url.includes('forbidden') ? 'target forbidden:80 is not in this agent\'s allow-list' : undefined),
    maxRateRps: 20,
  });
  session.start();
  dialer.last.deliver(WELCOME);
  dialer.last.deliver({ kind: 'assign', runId: 'r0', assignment: 1, planJson: JSON.stringify({ ...PLAN, runId: 'r0', request: { ...PLAN.request, url: 'http://forbidden/' } }) });
  await tick();
  const refusal = dialer.last.sent.find((m) => m.kind === 'failure');
  assert.ok(refusal?.kind === 'failure' && refusal.code === 'REFUSED_LIMIT' && /agent a1 refused: target forbidden/.test(refusal.message), JSON.stringify(refusal));
  assert.equal(engines.length, 0, 'nothing was sent');
  dialer.last.deliver({ kind: 'assign', runId: 'r1', assignment: 1, planJson: JSON.stringify(PLAN) });
  await tick();
  assert.equal(engines.length, 1);
  dialer.last.deliver({ kind: 'share-change', runId: 'r1', assignment: 1, changeId: 1, share: { kind: 'rate', tail: [{ durationMs: 500, from: 50, to: 50 }] } });
  assert.deepEqual(engines[0]!.changes, [{ kind: 'rate', tail: [{ durationMs: 500, from: 20, to: 20 }] }]);
  const capped = dialer.last.sent.filter((m) => m.kind === 'limit-capped').at(-1);
  assert.ok(capped?.kind === 'limit-capped' && capped.changeId === 1, JSON.stringify(capped));
  assert.equal(dialer.last.sent.filter((m) => m.kind === 'failure').length, 1, 'a cap is a notice, not a failure: only the refused plan failed');
  assert.ok(log.some((l) => /^warn agent a1 capped change 1 at its --max-rate 20/.test(l)));
});

test('closed-model live changes are capped at the agent\'s --max-in-flight (not its --max-rate), loudly, and reach the named scenario', async () => {
  const { dialer, engines, log, session } = setup({ maxRateRps: 20, maxInFlight: 4 });
  session.start();
  dialer.last.deliver(WELCOME);
  const plan = {
    ...PLAN, model: 'open', segments: [{ durationMs: 1_000, from: 10, to: 10 }], maxInFlight: 7,
    program: { requests: { a: { url: 'http://127.0.0.1:1/a', method: 'GET', headers: {}, timeoutMs: 1000, checks: [] } }, flows: [{ name: 'a', weight: 1, steps: [{ request: 'a', extract: {}, checks: [], thinkMs: 0 }] }], variables: {}, data: {}, origins: ['http://127.0.0.1:1'] },
    scenarios: [
      { name: 'web', model: 'open', segments: [{ durationMs: 1_000, from: 10, to: 10 }], maxInFlight: 5, flows: ['a'] },
      { name: 'loops', model: 'closed', segments: [{ durationMs: 1_000, from: 2, to: 2 }], maxInFlight: 2, flows: ['a'] },
    ],
  };
  dialer.last.deliver({ kind: 'assign', runId: 'r1', assignment: 1, planJson: JSON.stringify(plan) });
  await tick();
  assert.equal(engines.length, 1);
  dialer.last.deliver({ kind: 'share-change', runId: 'r1', assignment: 1, changeId: 1, scenario: 'loops', share: { kind: 'loops', tail: [{ durationMs: 500, from: 3, to: 3 }] } });
  dialer.last.deliver({ kind: 'share-change', runId: 'r1', assignment: 1, changeId: 2, scenario: 'loops', share: { kind: 'loops', tail: [{ durationMs: 500, from: 9, to: 9 }] } });
  assert.deepEqual(engines[0]!.changes.splice(0), [
    ['loops', { kind: 'loops', tail: [{ durationMs: 500, from: 3, to: 3 }] }],
    ['loops', { kind: 'loops', tail: [{ durationMs: 500, from: 4, to: 4 }] }],
  ], 'within the ceiling as asked, above it capped (not at the 20 of --max-rate)');
  dialer.last.deliver({ kind: 'share-change', runId: 'r1', assignment: 1, changeId: 3, scenario: 'loops', share: { kind: 'loops', tail: [{ durationMs: 500, from: 3, to: 30 }] } });
  dialer.last.deliver({ kind: 'share-change', runId: 'r1', assignment: 1, changeId: 4, scenario: 'web', share: { kind: 'rate', tail: [{ durationMs: 500, from: 30, to: 30 }] } });
  assert.deepEqual(engines[0]!.changes, [
    ['loops', { kind: 'loops', tail: [{ durationMs: 500, from: 3, to: 4 }] }],
    ['web', { kind: 'rate', tail: [{ durationMs: 500, from: 20, to: 20 }] }],
  ], 'loops capped at 4, the open part at 20/s');
  assert.ok(log.some((l) => /^warn agent a1 capped change 2 at its --max-in-flight 4 loops/.test(l)), log.join('\n'));
  assert.ok(log.some((l) => /^warn agent a1 capped change 4 at its --max-rate 20 req\/s/.test(l)), log.join('\n'));
  const capped = dialer.last.sent.filter((m) => m.kind === 'limit-capped');
  assert.deepEqual(capped.map((m) => m.kind === 'limit-capped' && m.changeId), [2, 3, 4]);
  assert.equal(dialer.last.sent.filter((m) => m.kind === 'failure').length, 0, 'caps are notices, not failures');
});

// Link freshness. WELCOME: heartbeats every 1 000 ms, miss limit 3: the coordinator may declare this
// agent lost after 3 000 ms of silence, so the agent's window is 2 500 ms (half a heartbeat earlier).
const LONG_PLAN = JSON.stringify({ ...PLAN, segments: [{ durationMs: 60_000, from: 10, to: 10 }] });

test('a fresh link permits load; ordinary lag below the window does not revoke it', () => {
  const { clock, dialer, engines, session } = setup();
  session.start();
  const link = dialer.last;
  link.deliver(WELCOME);
  link.deliver({ kind: 'assign', runId: 'r1', assignment: 1, planJson: LONG_PLAN });
  const engine = engines[0]!;
  for (let i = 0; i < 5; i++) {
    clock.advance(1_000);
    link.deliver({ kind: 'heartbeat', sentAtMs: 0 });
  }
  assert.equal(engine.mayIssue?.(clock.nowMs()), true);
  // A 2 s stall (event loop blocked, a GC pause) stays inside the window: still "send now".
  clock.freeze(2_000);
  assert.equal(engine.mayIssue?.(clock.nowMs()), true);
  clock.advance(0);
  assert.equal(engine.stopped, undefined);
  assert.equal(link.closed, false);
});

// Each row: what runs first when a process frozen for 5 s (past the window) is continued.
const freezeRows: Array<[string, (ctx: ReturnType<typeof setup>) => void]> = [
  // the engine's send loop: it asks before firing its backlog
  ['the engine asks first', ({ clock, engines }) => assert.equal(engines[0]!.mayIssue?.(clock.nowMs()), false)],
  // heartbeats the coordinator sent before it declared the agent lost, read from the socket's buffer
  ['a buffered coordinator message comes first', ({ dialer }) => dialer.links[0]!.deliver({ kind: 'heartbeat', sentAtMs: 0 })],
  // the agent's own heartbeat timer
  ['the heartbeat timer comes first', ({ clock }) => clock.advance(0)],
];

for (const [name, first] of freezeRows) {
  test(`after a freeze past the loss window, no load is issued for the old link (${name}); the agent rejoins`, async () => {
    const ctx = setup();
    const { clock, dialer, engines, log, session } = ctx;
    session.start();
    const link = dialer.last;
    link.deliver(WELCOME);
    link.deliver({ kind: 'assign', runId: 'r1', assignment: 1, planJson: LONG_PLAN });
    clock.advance(1_000);
    link.deliver({ kind: 'heartbeat', sentAtMs: 0 });
    clock.freeze(5_000);
    first(ctx);
    // Whatever ran first, the permit is gone for good on this link (a fresh heartbeat does not restore it).
    link.deliver({ kind: 'heartbeat', sentAtMs: 0 });
    assert.equal(engines[0]!.mayIssue?.(clock.nowMs()), false);
    assert.equal(engines[0]!.stopped, 'coordinator link stale');
    assert.equal(engines[0]!.abandoned, true, 'the due arrivals are dropped, not sent late');
    assert.equal(link.closed, true);
    assert.equal(dialer.resets, 1, 'the next dial starts a fresh connection');
    assert.ok(log.some((l) => l.startsWith('warn') && l.includes('may have declared this agent lost')), log.join('\n'));
    await tick();
    // The Done is kept for the next link; the agent rejoins after its backoff.
    assert.ok(session.unacknowledged >= 1);
    clock.advance(150);
    assert.equal(dialer.links.length, 2);
    dialer.last.deliver(WELCOME);
    assert.ok(dialer.last.sent.some((m) => m.kind === 'done'), 'the figures are resent on the new link');
  });
}

test('a live rate above the bound of any test (MAX_RATE_RPS) is capped there, loudly, even without --max-rate', () => {
  const { dialer, engines, session } = setup();
  session.start();
  const link = dialer.last;
  link.deliver(WELCOME);
  link.deliver({ kind: 'assign', runId: 'r1', assignment: 1, planJson: JSON.stringify(PLAN) });
  link.deliver({ kind: 'share-change', runId: 'r1', assignment: 1, changeId: 7, share: { kind: 'rate', tail: [{ durationMs: 500, from: 1e9, to: 1e9 }] } });
  assert.deepEqual(engines[0]!.changes, [{ kind: 'rate', tail: [{ durationMs: 500, from: MAX_RATE_RPS, to: MAX_RATE_RPS }] }]);
  const notice = link.sent.find((m) => m.kind === 'limit-capped');
  assert.ok(notice !== undefined && notice.kind === 'limit-capped' && /10000000 req\/s, the highest rate any test may ask for/.test(notice.message), JSON.stringify(notice));
});
