import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROTOCOL_VERSION } from '../../../../common/protocol/messages.js';
import { LoadfleetError } from '../../../../common/runtime/errors.js';
import { emptyStats } from '../../../../common/metrics/stats.js';
import type { CoordMsg } from '../../../../common/protocol/messages.js';
import type { AgentConn, Refusal } from '../../../../coordinator/fleet/agent-conn.js';
import { Fleet } from '../../../../coordinator/fleet/fleet.js';
import { ManualClock } from '../../../helpers/manual-clock.js';

class FakeConn implements AgentConn {
  readonly peer = 'fake';
  sent: CoordMsg[] = [];
  closedWith: { reason: Refusal; message: string } | 'clean' | undefined;
  send(m: CoordMsg): boolean {
    if (this.closedWith !== undefined) return false;
    this.sent.push(m);
    return true;
  }
  /** Like the gRPC transport: closing the stream makes it report its own end, synchronously. */
  onClosed: (() => void) | undefined;
  close(refusal?: { reason: Refusal; message: string }): void {
    if (this.closedWith !== undefined) return;
    this.closedWith = refusal ?? 'clean';
    this.onClosed?.();
  }
}

function setup() {
  const clock = new ManualClock();
  const log: string[] = [];
  const fleet = new Fleet({ clock, version: 't', heartbeatIntervalMs: 1_000, heartbeatMissLimit: 3, snapshotIntervalMs: 1_000, log: (_l, m) => log.push(m) });
  const events: string[] = [];
  fleet.addListener({
    onJoin: (a) => events.push(`join ${a.id}`),
    onLeave: (a, why) => events.push(`leave ${a.id}: ${why}`),
    onAgentMessage: (a, m) => events.push(`${m.kind} ${a.id}`),
  });
  const join = (id: string, version = PROTOCOL_VERSION) => {
    const conn = new FakeConn();
    const h = fleet.accept(conn);
    h.onMessage({ kind: 'hello', agentId: id, protocolVersion: version, version: 't', host: 'h', cores: 2 });
    return { conn, h };
  };
  return { clock, fleet, events, join, log };
}

test('hello is answered with welcome and the agent joins', () => {
  const { fleet, events, join } = setup();
  const { conn } = join('a');
  assert.equal(conn.sent[0]?.kind, 'welcome');
  assert.deepEqual(events, ['join a']);
  assert.deepEqual(fleet.agents().map((a) => [a.id, a.state]), [['a', 'idle']]);
});

test('a wrong protocol version is refused with both versions named', () => {
  const { fleet, join } = setup();
  const { conn } = join('old', PROTOCOL_VERSION + 1);
  assert.equal(conn.sent.length, 0);
  assert.ok(conn.closedWith !== 'clean' && conn.closedWith?.reason === 'protocol-mismatch');
  assert.match((conn.closedWith as { message: string }).message, new RegExp(`version ${PROTOCOL_VERSION + 1}.*speaks ${PROTOCOL_VERSION}`));
  assert.equal(fleet.agents().length, 0);
});

test('the first message must be hello', () => {
  const { fleet } = setup();
  const conn = new FakeConn();
  fleet.accept(conn).onMessage({ kind: 'ready', runId: 'r', assignment: 1 });
  assert.ok(conn.closedWith !== 'clean' && conn.closedWith?.reason === 'protocol-violation');
});

test('heartbeats: an agent silent for more than missLimit intervals is dropped; a talking one stays', () => {
  const { clock, fleet, events, join } = setup();
  const quiet = join('quiet');
  quiet.conn.onClosed = () => quiet.h.onClose('stream error: cancelled');
  const chatty = join('chatty');
  for (let t = 0; t < 5; t++) {
    clock.advance(1_000);
    chatty.h.onMessage({ kind: 'heartbeat', sentAtMs: 0 });
  }
  // 'quiet' has been silent 5 s > 3 x 1 s: gone; 'chatty' stays and got heartbeats.
  assert.deepEqual(events.filter((e) => e.startsWith('leave quiet')).map((e) => e.replace(/ \(.*/, '')), ['leave quiet: missed 3 heartbeats'], 'one leave, with the real reason');
  assert.ok(quiet.conn.closedWith !== undefined);
  assert.deepEqual(fleet.agents().map((a) => a.id), ['chatty']);
  assert.ok(chatty.conn.sent.filter((m) => m.kind === 'heartbeat').length >= 4);
});

test('a silent agent is still present at exactly the limit and gone one interval later', () => {
  const { clock, fleet, join } = setup();
  join('a');
  clock.advance(3_000);
  assert.equal(fleet.agents().length, 1, '3 s of silence = the limit, not past it');
  clock.advance(1_000);
  assert.equal(fleet.agents().length, 0);
});

test('the same agent id reconnecting replaces its old stream', () => {
  const { fleet, events, join } = setup();
  const first = join('a');
  join('a');
  assert.ok(first.conn.closedWith !== 'clean' && first.conn.closedWith?.reason === 'replaced');
  assert.equal(fleet.agents().length, 1);
  assert.deepEqual(events, ['join a', 'leave a: reconnected on a new stream', 'join a']);
});

test('run messages are routed to listeners; stream end is a leave', () => {
  const { events, join } = setup();
  const { h } = join('a');
  h.onMessage({ kind: 'ready', runId: 'r', assignment: 1 });
  h.onClose('closed its stream');
  h.onClose('closed its stream');
  assert.deepEqual(events, ['join a', 'ready a', 'leave a: closed its stream']);
});

test('close() ends every stream and is idempotent', () => {
  const { fleet, join } = setup();
  const { conn } = join('a');
  fleet.close();
  fleet.close();
  assert.ok(conn.closedWith !== 'clean' && conn.closedWith?.reason === 'shutdown');
  assert.equal(fleet.agents().length, 0);
});

test('a message a listener refuses (PROTOCOL_VIOLATION) cuts that stream, naming the field; the agent leaves; others go on', () => {
  const clock = new ManualClock();
  const log: string[] = [];
  const fleet = new Fleet({ clock, version: 't', heartbeatIntervalMs: 1_000, heartbeatMissLimit: 3, snapshotIntervalMs: 1_000, log: (_l, m) => log.push(m) });
  const events: string[] = [];
  fleet.addListener({
    onJoin: (a) => events.push(`join ${a.id}`),
    onLeave: (a, why) => events.push(`leave ${a.id}: ${why}`),
    onAgentMessage: (a, m) => {
      if (m.kind === 'done') throw new LoadfleetError('PROTOCOL_VIOLATION', 'Done of agent x: done.lastSeq 9007199254740991 is beyond what this run allows');
      events.push(`${m.kind} ${a.id}`);
    },
  });
  const conns = ['x', 'y'].map((id) => {
    const conn = new FakeConn();
    const h = fleet.accept(conn);
    h.onMessage({ kind: 'hello', agentId: id, protocolVersion: PROTOCOL_VERSION, version: 't', host: 'h', cores: 2 });
    return { conn, h };
  });
  const [x, y] = conns as [typeof conns[0], typeof conns[0]];
  x.h.onMessage({ kind: 'done', runId: 'r', assignment: 1, lastSeq: Number.MAX_SAFE_INTEGER, main: emptyStats(), warmup: emptyStats(), durationMs: 1 });
  assert.deepEqual(x.conn.closedWith, { reason: 'protocol-violation', message: 'PROTOCOL_VIOLATION: Done of agent x: done.lastSeq 9007199254740991 is beyond what this run allows' });
  assert.ok(events.includes('leave x: refused: PROTOCOL_VIOLATION: Done of agent x: done.lastSeq 9007199254740991 is beyond what this run allows'), events.join('\n'));
  assert.deepEqual(fleet.agents().map((a) => a.id), ['y']);
  // The stream's own close that follows is not a second leave; the other agent is untouched.
  x.h.onClose('stream error');
  assert.equal(events.filter((e) => e.startsWith('leave x')).length, 1);
  y.h.onMessage({ kind: 'ready', runId: 'r', assignment: 1 });
  assert.equal(y.conn.closedWith, undefined);
  assert.ok(events.includes('ready y'));
});
