// The agent's session driven through an in-memory link and a manual clock, with a fake engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadfleetError } from '../../../common/errors.js';
import { PROTOCOL_VERSION } from '../../../common/protocol.js';
import type { AgentMsg, CoordMsg } from '../../../common/protocol.js';
import { emptyStats } from '../../../common/stats.js';
import type { AgentPlan } from '../../../common/plan.js';
import type { Engine, EngineResult, EngineSnapshot } from '../../../agent/engine/engine.js';
import type { AgentLink, Dialer, LinkHandlers } from '../../../agent/link.js';
import { AgentSession } from '../../../agent/session.js';
import { ManualClock } from '../../helpers/manual-clock.js';

class MemoryLink implements AgentLink {
  sent: AgentMsg[] = [];
  closed = false;
  readonly handlers: LinkHandlers;
  constructor(handlers: LinkHandlers) {
    this.handlers = handlers;
  }
  send(m: AgentMsg): boolean {
    if (this.closed) return false;
    this.sent.push(m);
    return true;
  }
  close(): void {
    this.drop(undefined);
  }
  /** The coordinator side ends the stream. */
  drop(error: LoadfleetError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers.onClose(error);
  }
  deliver(m: CoordMsg): void {
    this.handlers.onMessage(m);
  }
}

class MemoryDialer implements Dialer {
  links: MemoryLink[] = [];
  closed = false;
  dial(handlers: LinkHandlers): AgentLink {
    const l = new MemoryLink(handlers);
    this.links.push(l);
    return l;
  }
  close(): void {
    this.closed = true;
  }
  get last(): MemoryLink {
    return this.links[this.links.length - 1] as MemoryLink;
  }
}

class FakeEngine implements Engine {
  started = false;
  stopped: string | undefined;
  rates: [number, number][] = [];
  readonly done: Promise<EngineResult>;
  finish!: () => void;
  readonly onSnapshot: (s: EngineSnapshot) => void;
  constructor(onSnapshot: (s: EngineSnapshot) => void) {
    this.onSnapshot = onSnapshot;
    this.done = new Promise((resolve) => {
      this.finish = () => resolve({ main: { ...emptyStats(), requests: 7, sent: 7 }, warmup: emptyStats(), mainDurationMs: 1_000, lastSeq: 1, stoppedEarly: false });
    });
  }
  start(): void { this.started = true; }
  setRate(r: number, ramp: number): void { this.rates.push([r, ramp]); }
  setConcurrency(): void {}
  stop(reason: string): void {
    this.stopped ??= reason;
    this.finish();
  }
}

const PLAN: AgentPlan = {
  runId: 'r1', request: { url: 'http://127.0.0.1:1/', method: 'GET', headers: {}, timeoutMs: 1_000 }, model: 'open',
  segments: [{ durationMs: 1_000, from: 10, to: 10 }], warmupMs: 0, maxInFlight: 10, connections: 1, snapshotIntervalMs: 1_000,
};

const WELCOME: CoordMsg = { kind: 'welcome', protocolVersion: PROTOCOL_VERSION, coordinatorVersion: 't', heartbeatIntervalMs: 1_000, heartbeatMissLimit: 3, snapshotIntervalMs: 1_000 };

function setup() {
  const clock = new ManualClock();
  const dialer = new MemoryDialer();
  const engines: FakeEngine[] = [];
  const log: string[] = [];
  const session = new AgentSession({
    dialer, clock, agentId: 'a1', host: 'h', cores: 2, version: 't', log: (level, m) => log.push(`${level} ${m}`),
    createEngine: (_plan, onSnapshot) => {
      const e = new FakeEngine(onSnapshot);
      engines.push(e);
      return e;
    },
    backoffInitialMs: 100, backoffMaxMs: 1_000,
  });
  return { clock, dialer, engines, log, session };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('hello first, then an assignment runs: ready, snapshots, done', async () => {
  const { dialer, engines, session } = setup();
  session.start();
  const link = dialer.last;
  assert.deepEqual(link.sent[0], { kind: 'hello', agentId: 'a1', protocolVersion: PROTOCOL_VERSION, version: 't', host: 'h', cores: 2 });
  link.deliver(WELCOME);
  assert.equal(session.currentState, 'idle');
  link.deliver({ kind: 'assign', runId: 'r1', planJson: JSON.stringify(PLAN) });
  assert.equal(session.currentState, 'running');
  const engine = engines[0]!;
  assert.ok(engine.started);
  engine.onSnapshot({ seq: 1, phase: 'main', intervalIndex: 0, intervalMs: 1_000, stats: emptyStats(), rateRps: 10, concurrency: 0 });
  link.deliver({ kind: 'set-rate', runId: 'r1', rateRps: 20, concurrency: 0, rampMs: 500, changeId: 1 });
  link.deliver({ kind: 'set-rate', runId: 'other', rateRps: 99, concurrency: 0, rampMs: 0, changeId: 2 });
  assert.deepEqual(engine.rates, [[20, 500]]);
  engine.finish();
  await tick();
  assert.deepEqual(link.sent.map((m) => m.kind), ['hello', 'ready', 'snapshot', 'done']);
  assert.equal(session.currentState, 'idle');
});

test('an invalid plan is refused with a coded failure, naming the field', () => {
  const { dialer, engines, session } = setup();
  session.start();
  dialer.last.deliver(WELCOME);
  dialer.last.deliver({ kind: 'assign', runId: 'r1', planJson: JSON.stringify({ ...PLAN, maxInFlight: -1 }) });
  const f = dialer.last.sent.find((m) => m.kind === 'failure');
  assert.ok(f !== undefined && f.kind === 'failure');
  assert.equal(f.code, 'PLAN_INVALID');
  assert.match(f.message, /maxInFlight/);
  assert.equal(engines.length, 0);
  dialer.last.deliver({ kind: 'assign', runId: 'r2', planJson: '{not json' });
  assert.equal(dialer.last.sent.filter((m) => m.kind === 'failure').length, 2);
});

test('losing the coordinator mid-run stops the load at once and reconnects with growing backoff', () => {
  const { clock, dialer, engines, session } = setup();
  session.start();
  dialer.last.deliver(WELCOME);
  dialer.last.deliver({ kind: 'assign', runId: 'r1', planJson: JSON.stringify(PLAN) });
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

test('stop() drains a running test, sends done, then disconnects; a second stop is harmless', async () => {
  const { dialer, engines, session } = setup();
  session.start();
  const link = dialer.last;
  link.deliver(WELCOME);
  link.deliver({ kind: 'assign', runId: 'r1', planJson: JSON.stringify(PLAN) });
  await session.stop();
  await session.stop();
  assert.equal(engines[0]?.stopped, 'agent shutting down');
  assert.deepEqual(link.sent.map((m) => m.kind), ['hello', 'ready', 'done']);
  assert.ok(link.closed);
  assert.equal(await session.finished, undefined);
  assert.equal(session.currentState, 'stopped');
});
