// Heartbeats when the coordinator process itself stalls (a GC pause, VM steal, SIGSTOP): its timers fire
// late, once, as setInterval does; the stalled time is not counted as the agents' silence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROTOCOL_VERSION } from '../../../../common/protocol/messages.js';
import type { CoordMsg } from '../../../../common/protocol/messages.js';
import type { Clock, TimerHandle } from '../../../../common/runtime/clock.js';
import type { AgentConn } from '../../../../coordinator/fleet/agent-conn.js';
import { Fleet } from '../../../../coordinator/fleet/fleet.js';

/** A clock whose periodic timers can be held back: run(ms) fires each due timer once, like a stalled setInterval. */
class StallClock implements Clock {
  private now = 0;
  private readonly timers: { atMs: number; periodMs: number; fn: () => void; cancelled: boolean }[] = [];
  nowMs(): number {
    return this.now;
  }
  after(delayMs: number, fn: () => void): TimerHandle {
    return this.add(delayMs, 0, fn);
  }
  every(periodMs: number, fn: () => void): TimerHandle {
    return this.add(periodMs, periodMs, fn);
  }
  /** Moves time by ms, then fires every due timer once (a periodic one is next due a period from now). */
  run(ms: number): void {
    this.now += ms;
    for (const t of this.timers.filter((x) => !x.cancelled && x.atMs <= this.now)) {
      if (t.periodMs === 0) t.cancelled = true;
      else t.atMs = this.now + t.periodMs;
      t.fn();
    }
  }
  private add(delayMs: number, periodMs: number, fn: () => void): TimerHandle {
    const t = { atMs: this.now + delayMs, periodMs, fn, cancelled: false };
    this.timers.push(t);
    return { cancel: () => { t.cancelled = true; } };
  }
}

class FakeConn implements AgentConn {
  readonly peer = 'fake';
  sent: CoordMsg[] = [];
  closed = false;
  send(m: CoordMsg): boolean {
    if (this.closed) return false;
    this.sent.push(m);
    return true;
  }
  close(): void {
    this.closed = true;
  }
}

test('a coordinator stalled 4 s does not call its agents lost for it; a silent one is still dropped a limit later', () => {
  const clock = new StallClock();
  const log: string[] = [];
  const fleet = new Fleet({ clock, version: 't', heartbeatIntervalMs: 1_000, heartbeatMissLimit: 3, snapshotIntervalMs: 1_000, log: (_l, m) => log.push(m) });
  const leaves: string[] = [];
  fleet.addListener({ onJoin: () => {}, onLeave: (a) => leaves.push(a.id), onAgentMessage: () => {} });
  const join = (id: string) => {
    const conn = new FakeConn();
    const h = fleet.accept(conn);
    h.onMessage({ kind: 'hello', agentId: id, protocolVersion: PROTOCOL_VERSION, version: 't', host: 'h', cores: 2 });
    return h;
  };
  const talker = join('talker');
  join('silent');
  clock.run(1_000); // a round on time
  clock.run(4_000); // the process was stopped from 1 s to 5 s: one late round, 3 s after it was due
  assert.deepEqual(leaves, [], 'nobody is lost for the coordinator\'s own stall');
  assert.ok(log.some((l) => /did not run for 3000 ms/.test(l)), log.join('\n'));
  talker.onMessage({ kind: 'heartbeat', sentAtMs: 0 }); // what it sent meanwhile is read now
  clock.run(1_000); // 6 s: 'silent' counts 6 s less the 3 s stall: at the 3 s limit, not past it
  assert.deepEqual(leaves, []);
  clock.run(1_000); // 7 s: 4 s of its own silence
  assert.deepEqual(leaves, ['silent'], 'an agent that really stays silent is still dropped, one round later than without the stall');
  assert.deepEqual(fleet.agents().map((a) => a.id), ['talker']);
  fleet.close();
});

test('a round late by less than an interval is timer jitter: the silence counts in full', () => {
  const clock = new StallClock();
  const fleet = new Fleet({ clock, version: 't', heartbeatIntervalMs: 1_000, heartbeatMissLimit: 3, snapshotIntervalMs: 1_000, log: () => {} });
  const h = fleet.accept(new FakeConn());
  h.onMessage({ kind: 'hello', agentId: 'x', protocolVersion: PROTOCOL_VERSION, version: 't', host: 'h', cores: 2 });
  clock.run(1_000);
  clock.run(1_000);
  clock.run(1_300); // 3.3 s of silence, the round 300 ms late
  assert.deepEqual(fleet.agents(), [], 'dropped: 300 ms of lateness does not excuse 3.3 s of silence');
  fleet.close();
});
