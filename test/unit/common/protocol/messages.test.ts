import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadfleetError } from '../../../../common/runtime/errors.js';
import {
  agentMsgFromWire, agentMsgToWire, coordMsgFromWire, coordMsgToWire, fleetPackage, runEventFromWire, runEventToWire,
} from '../../../../common/protocol/messages.js';
import type { AgentMessage__Output, AgentMsg, CoordMsg, CoordinatorMessage__Output, RunEventMsg } from '../../../../common/protocol/messages.js';
import { emptyStats } from '../../../../common/metrics/stats.js';

/** Real protobuf encode + decode with the loaded message types, as on the wire. */
function throughWire<T>(typeName: 'AgentMessage' | 'CoordinatorMessage' | 'RunEvent', value: unknown): T {
  const type = fleetPackage()[typeName];
  const bytes = type.serialize(value as never);
  return type.deserialize(bytes) as T;
}

const stats = { ...emptyStats(), requests: 5, sent: 6, dropped: 1, errorsByKind: { refused: 1, reset: 0, timeout: 2, certificate: 0, dns: 0, other: 0 }, statusCodes: { '200': 4, '503': 1 }, latencyHist: 'HISTFAKE', inFlightPeak: 3, eventLoopDelayP99Ms: 1.25, scheduleLagP99Ms: 0.5, bytesReceived: 99 };

test('every agent message survives the wire unchanged', () => {
  const rows: AgentMsg[] = [
    { kind: 'hello', agentId: 'a', protocolVersion: 1, version: '0.1.0', host: 'h', cores: 2 },
    { kind: 'ready', runId: 'r', assignment: 1 },
    { kind: 'snapshot', runId: 'r', assignment: 2, seq: 3, phase: 'main', intervalIndex: 2, intervalMs: 1000.5, stats, rateRps: 12.5, concurrency: 0 },
    { kind: 'heartbeat', sentAtMs: 123 },
    { kind: 'done', runId: 'r', assignment: 1, lastSeq: 9, main: stats, warmup: emptyStats(), durationMs: 5000 },
    { kind: 'failure', runId: 'r', assignment: 1, code: 'PLAN_INVALID', message: 'no' },
    { kind: 'applied', runId: 'r', assignment: 3, changeId: 7, appliedAtMs: 1234.5 },
    { kind: 'leaving', runId: 'r', assignment: 1, reason: 'SIGTERM' },
    { kind: 'rows-wanted', runId: 'r', assignment: 2, feeder: 'users', rows: 64 },
    { kind: 'rows-account', runId: 'r', assignment: 2, feeder: 'users', used: 12, unused: [{ start: 4, end: 8 }, { start: 30, end: 31 }] },
    { kind: 'rows-account', runId: 'r', assignment: 1, feeder: 'users', used: 0, unused: [] },
  ];
  for (const m of rows) assert.deepEqual(agentMsgFromWire(throughWire<AgentMessage__Output>('AgentMessage', agentMsgToWire(m))), m, m.kind);
});

test('every coordinator message survives the wire unchanged', () => {
  const rows: CoordMsg[] = [
    { kind: 'welcome', protocolVersion: 1, coordinatorVersion: 'x', heartbeatIntervalMs: 1000, heartbeatMissLimit: 3, snapshotIntervalMs: 1000 },
    { kind: 'assign', runId: 'r', assignment: 2, planJson: '{}' },
    { kind: 'set-rate', runId: 'r', assignment: 1, rateRps: 2.5, concurrency: 0, rampMs: 100, changeId: 4 },
    { kind: 'set-rate', runId: 'r', assignment: 2, rateRps: 2.5, concurrency: 0, rampMs: 0, changeId: 5, tail: [{ durationMs: 500, from: 2.5, to: 7 }] },
    { kind: 'set-rate', runId: 'r', assignment: 2, rateRps: 0, concurrency: 3, rampMs: 0, changeId: 6, scenario: 'loops' },
    { kind: 'ack', runId: 'r', assignment: 1, seq: 12, done: false, unknownRun: false },
    { kind: 'ack', runId: 'r', assignment: 1, seq: 0, done: true, unknownRun: true },
    { kind: 'stop', runId: 'r', reason: 'why' },
    { kind: 'heartbeat', sentAtMs: 5 },
    { kind: 'data-chunk', runId: 'r', assignment: 1, feeder: 'big', index: 2, count: 3, data: Buffer.from([0, 1, 2, 255]) },
    { kind: 'row-block', runId: 'r', assignment: 1, feeder: 'users', ranges: [{ start: 0, end: 2 }], rows: [{ email: 'a' }, { email: 'b', n: 2 }], exhausted: false },
    { kind: 'row-block', runId: 'r', assignment: 1, feeder: 'users', ranges: [], rows: [], exhausted: true },
  ];
  for (const m of rows) assert.deepEqual(coordMsgFromWire(throughWire<CoordinatorMessage__Output>('CoordinatorMessage', coordMsgToWire(m))), m, m.kind);
});

test('every run event survives the wire unchanged', () => {
  const rows: RunEventMsg[] = [
    { kind: 'started', runId: 'r', agentIds: ['a', 'b'] },
    { kind: 'tick', json: '{}' },
    { kind: 'finished', runId: 'r', reportBytes: 7, reportJson: '{"x":1}' },
    // a report too large for one message: fetched with GetReport(runId)
    { kind: 'finished', runId: 'r', reportBytes: 5_000_000, reportJson: '' },
    { kind: 'notice', level: 'warn', message: 'm' },
  ];
  for (const e of rows) assert.deepEqual(runEventFromWire(throughWire('RunEvent', runEventToWire(e))), e, e.kind);
});

test('malformed agent messages are refused with PROTOCOL_VIOLATION', () => {
  const snap = (over: Record<string, unknown>): unknown => ({ snapshot: { runId: 'r', seq: 1, phase: 'main', intervalIndex: 0, intervalMs: 1, stats: agentMsgToWire({ kind: 'done', runId: '', assignment: 1, lastSeq: 0, main: stats, warmup: stats, durationMs: 0 }).done!.main, ...over } });
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

test('malformed data messages (protocol 3) are refused with PROTOCOL_VIOLATION, naming the field', () => {
  const agentRows: [string, unknown, RegExp][] = [
    ['rows-wanted for 0 rows', { rowsWanted: { runId: 'r', assignment: 1, feeder: 'u', rows: 0 } }, /rowsWanted.rows/],
    ['rows-wanted for more than a message may name', { rowsWanted: { runId: 'r', assignment: 1, feeder: 'u', rows: 2_000_000 } }, /rowsWanted.rows/],
    ['rows-wanted without a feeder', { rowsWanted: { runId: 'r', assignment: 1, feeder: '', rows: 5 } }, /feeder/],
    ['rows-wanted without a run', { rowsWanted: { runId: '', assignment: 1, feeder: 'u', rows: 5 } }, /runId/],
    ['rows-account with an empty range', { rowsAccount: { runId: 'r', assignment: 1, feeder: 'u', used: 1, unused: [{ start: 3, end: 3 }] } }, /unused/],
    ['rows-account with overlapping ranges', { rowsAccount: { runId: 'r', assignment: 1, feeder: 'u', used: 1, unused: [{ start: 0, end: 5 }, { start: 4, end: 6 }] } }, /overlaps/],
    ['rows-account with ranges out of order', { rowsAccount: { runId: 'r', assignment: 1, feeder: 'u', used: 1, unused: [{ start: 10, end: 12 }, { start: 0, end: 2 }] } }, /unused/],
  ];
  for (const [why, value, re] of agentRows) {
    const w = throughWire<AgentMessage__Output>('AgentMessage', value);
    assert.throws(() => agentMsgFromWire(w), (e: unknown) => e instanceof LoadfleetError && e.code === 'PROTOCOL_VIOLATION' && re.test(e.message), why);
  }
  const coordRows: [string, unknown, RegExp][] = [
    ['chunk index beyond its count', { dataChunk: { runId: 'r', assignment: 1, feeder: 'b', index: 3, count: 3, data: Buffer.from('x') } }, /index/],
    ['chunk count 0', { dataChunk: { runId: 'r', assignment: 1, feeder: 'b', index: 0, count: 0, data: Buffer.from('x') } }, /count/],
    ['chunk count beyond the data limit', { dataChunk: { runId: 'r', assignment: 1, feeder: 'b', index: 0, count: 100_000, data: Buffer.from('x') } }, /count/],
    ['chunk larger than a piece may be', { dataChunk: { runId: 'r', assignment: 1, feeder: 'b', index: 0, count: 1, data: Buffer.alloc(4 * 1024 * 1024 + 1) } }, /bytes/],
    ['block whose rows are not JSON', { rowBlock: { runId: 'r', assignment: 1, feeder: 'u', ranges: [{ start: 0, end: 1 }], rowsJson: '[{' } }, /not JSON/],
    ['block whose rows are not objects', { rowBlock: { runId: 'r', assignment: 1, feeder: 'u', ranges: [{ start: 0, end: 1 }], rowsJson: '[1]' } }, /not an object/],
    ['block with fewer rows than its ranges', { rowBlock: { runId: 'r', assignment: 1, feeder: 'u', ranges: [{ start: 0, end: 2 }], rowsJson: '[{}]' } }, /1 row/],
    ['block with reversed range', { rowBlock: { runId: 'r', assignment: 1, feeder: 'u', ranges: [{ start: 5, end: 2 }], rowsJson: '[]' } }, /reversed/],
  ];
  for (const [why, value, re] of coordRows) {
    const w = throughWire<CoordinatorMessage__Output>('CoordinatorMessage', value);
    assert.throws(() => coordMsgFromWire(w), (e: unknown) => e instanceof LoadfleetError && e.code === 'PROTOCOL_VIOLATION' && re.test(e.message), why);
  }
});

test('a set-rate tail that is not a list of valid segments is refused', () => {
  const rows: [string, string][] = [
    ['not JSON', '{'],
    ['not a list', '{"durationMs":1}'],
    ['empty list', '[]'],
    ['negative rate', '[{"durationMs":10,"from":-1,"to":1}]'],
    ['zero duration', '[{"durationMs":0,"from":1,"to":1}]'],
    ['extra field', '[{"durationMs":10,"from":1,"to":1,"x":1}]'],
  ];
  for (const [why, tailJson] of rows) {
    const w = throughWire<CoordinatorMessage__Output>('CoordinatorMessage', { setRate: { runId: 'r', assignment: 1, rateRps: 1, changeId: 1, tailJson } });
    assert.throws(() => coordMsgFromWire(w), (e: unknown) => e instanceof LoadfleetError && e.code === 'PROTOCOL_VIOLATION' && /tailJson/.test(e.message), why);
  }
});

test('unknown error kinds and negative counts are refused', () => {
  const w = throughWire<AgentMessage__Output>('AgentMessage', agentMsgToWire({ kind: 'snapshot', runId: 'r', assignment: 1, seq: 1, phase: 'main', intervalIndex: 0, intervalMs: 1, stats, rateRps: 1, concurrency: 0 }));
  w.snapshot!.stats!.errors = { meteor: 1 };
  assert.throws(() => agentMsgFromWire(w), /unknown kind "meteor"/);
  w.snapshot!.stats!.errors = {};
  w.snapshot!.rateRps = -1;
  assert.throws(() => agentMsgFromWire(w), /rateRps must be a non-negative number/);
});
