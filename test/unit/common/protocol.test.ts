import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadfleetError } from '../../../common/errors.js';
import {
  agentMsgFromWire, agentMsgToWire, coordMsgFromWire, coordMsgToWire, fleetPackage, runEventFromWire, runEventToWire,
} from '../../../common/protocol.js';
import type { AgentMessage__Output, AgentMsg, CoordMsg, CoordinatorMessage__Output, RunEventMsg } from '../../../common/protocol.js';
import { emptyStats } from '../../../common/stats.js';

/** Real protobuf encode + decode with the loaded message types, as on the wire. */
function throughWire<T>(typeName: 'AgentMessage' | 'CoordinatorMessage' | 'RunEvent', value: unknown): T {
  const type = fleetPackage()[typeName];
  const bytes = type.serialize(value as never);
  return type.deserialize(bytes) as T;
}

const stats = { ...emptyStats(), requests: 5, sent: 6, dropped: 1, errors: { refused: 1, reset: 0, timeout: 2, other: 0 }, statusCodes: { '200': 4, '503': 1 }, latencyHist: 'HISTFAKE', inFlightPeak: 3, eventLoopDelayP99Ms: 1.25, scheduleLagP99Ms: 0.5, bytesReceived: 99 };

test('every agent message survives the wire unchanged', () => {
  const rows: AgentMsg[] = [
    { kind: 'hello', agentId: 'a', protocolVersion: 1, version: '0.1.0', host: 'h', cores: 2 },
    { kind: 'ready', runId: 'r' },
    { kind: 'snapshot', runId: 'r', seq: 3, phase: 'main', intervalIndex: 2, intervalMs: 1000.5, stats, rateRps: 12.5, concurrency: 0 },
    { kind: 'heartbeat', sentAtMs: 123 },
    { kind: 'done', runId: 'r', lastSeq: 9, main: stats, warmup: emptyStats(), durationMs: 5000 },
    { kind: 'failure', runId: 'r', code: 'PLAN_INVALID', message: 'no' },
  ];
  for (const m of rows) assert.deepEqual(agentMsgFromWire(throughWire<AgentMessage__Output>('AgentMessage', agentMsgToWire(m))), m, m.kind);
});

test('every coordinator message survives the wire unchanged', () => {
  const rows: CoordMsg[] = [
    { kind: 'welcome', protocolVersion: 1, coordinatorVersion: 'x', heartbeatIntervalMs: 1000, heartbeatMissLimit: 3, snapshotIntervalMs: 1000 },
    { kind: 'assign', runId: 'r', planJson: '{}' },
    { kind: 'set-rate', runId: 'r', rateRps: 2.5, concurrency: 0, rampMs: 100, changeId: 4 },
    { kind: 'stop', runId: 'r', reason: 'why' },
    { kind: 'heartbeat', sentAtMs: 5 },
  ];
  for (const m of rows) assert.deepEqual(coordMsgFromWire(throughWire<CoordinatorMessage__Output>('CoordinatorMessage', coordMsgToWire(m))), m, m.kind);
});

test('every run event survives the wire unchanged', () => {
  const rows: RunEventMsg[] = [
    { kind: 'started', runId: 'r', agentIds: ['a', 'b'] },
    { kind: 'tick', json: '{}' },
    { kind: 'finished', reportJson: '{"x":1}' },
    { kind: 'notice', level: 'warn', message: 'm' },
  ];
  for (const e of rows) assert.deepEqual(runEventFromWire(throughWire('RunEvent', runEventToWire(e))), e, e.kind);
});

test('malformed agent messages are refused with PROTOCOL_VIOLATION', () => {
  const snap = (over: Record<string, unknown>): unknown => ({ snapshot: { runId: 'r', seq: 1, phase: 'main', intervalIndex: 0, intervalMs: 1, stats: agentMsgToWire({ kind: 'done', runId: '', lastSeq: 0, main: stats, warmup: stats, durationMs: 0 }).done!.main, ...over } });
  const rows: [string, unknown][] = [
    ['no kind at all', {}],
    ['hello without an agent id', { hello: { agentId: '', protocolVersion: 1 } }],
    ['snapshot with seq 0', snap({ seq: 0 })],
    ['snapshot with an unknown phase', snap({ phase: 'cooldown' })],
    ['snapshot without stats', snap({ stats: null })],
    ['done without stats', { done: { runId: 'r', lastSeq: 1 } }],
  ];
  for (const [why, value] of rows) {
    const w = throughWire<AgentMessage__Output>('AgentMessage', value);
    assert.throws(() => agentMsgFromWire(w), (e: unknown) => e instanceof LoadfleetError && e.code === 'PROTOCOL_VIOLATION', why);
  }
});

test('unknown error kinds and negative counts are refused', () => {
  const w = throughWire<AgentMessage__Output>('AgentMessage', agentMsgToWire({ kind: 'snapshot', runId: 'r', seq: 1, phase: 'main', intervalIndex: 0, intervalMs: 1, stats, rateRps: 1, concurrency: 0 }));
  w.snapshot!.stats!.errors = { meteor: 1 };
  assert.throws(() => agentMsgFromWire(w), /unknown kind "meteor"/);
  w.snapshot!.stats!.errors = {};
  w.snapshot!.rateRps = -1;
  assert.throws(() => agentMsgFromWire(w), /rateRps must be a non-negative number/);
});
