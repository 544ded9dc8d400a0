import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadfleetError } from '../../../../common/runtime/errors.js';
import {
  PROTOCOL_VERSION, agentMsgFromWire, agentMsgToWire, coordMsgFromWire, coordMsgToWire, fleetPackage, liveChangeFromWire, liveChangeToWire, runEventFromWire, runEventToWire,
} from '../../../../common/protocol/messages.js';
import type { LiveChange } from '../../../../common/protocol/live-change.js';
import type { AgentMessage__Output, AgentMsg, CoordMsg, CoordinatorMessage__Output, RunEventMsg, SetRateRequest__Output } from '../../../../common/protocol/messages.js';
import { emptyRequestFigures, emptyStats } from '../../../../common/metrics/stats.js';

/** Real protobuf encode + decode with the loaded message types, as on the wire. */
function throughWire<T>(typeName: 'AgentMessage' | 'CoordinatorMessage' | 'RunEvent' | 'SetRateRequest', value: unknown): T {
  const type = fleetPackage()[typeName];
  const bytes = type.serialize(value as never);
  return type.deserialize(bytes) as T;
}

const stats = { ...emptyStats(), requests: 5, sent: 6, dropped: 1, errorsByKind: { refused: 1, reset: 0, timeout: 2, certificate: 0, dns: 0, other: 0 }, statusCodes: { '200': 4, '503': 1 }, failedByStatus: { '503': 1 }, latencyHist: 'HISTFAKE', inFlightPeak: 3, eventLoopDelayP99Ms: 1.25, scheduleLagP99Ms: 0.5, bytesReceived: 99 };

test('protocol 6: failed requests by status (Stats 13), the timing histograms (Stats 14-16), SetupJob, SetupValues and SetupResult are new, so an agent of 5 is refused at Hello', () => {
  assert.equal(PROTOCOL_VERSION, 6);
});

test('every agent message survives the wire unchanged', () => {
  const rows: AgentMsg[] = [
    { kind: 'hello', agentId: 'a', protocolVersion: 1, version: '0.1.0', host: 'h', cores: 2 },
    { kind: 'ready', runId: 'r', assignment: 1 },
    { kind: 'snapshot', runId: 'r', assignment: 2, seq: 3, phase: 'main', intervalIndex: 2, intervalMs: 1000.5, stats, rateRps: 12.5, concurrency: 0 },
    { kind: 'heartbeat', sentAtMs: 123 },
    { kind: 'done', runId: 'r', assignment: 1, lastSeq: 9, main: stats, warmup: emptyStats(), durationMs: 5000 },
    // The timing breakdown (Stats 14-16), and a per-name time to first byte in lang_json.
    { kind: 'snapshot', runId: 'r', assignment: 1, seq: 4, phase: 'main', intervalIndex: 3, intervalMs: 1000, rateRps: 1, concurrency: 0, stats: {
      ...stats, connectHist: 'CONNECT', tlsHist: 'TLS', waitingHist: 'WAITING',
      requestNames: { byRequestName: { a: { ...emptyRequestFigures(), requests: 1, statusCodes: { 200: 1 }, latencyHist: 'L', waitingHist: 'W' } }, iterations: 1, noData: 0 },
    } },
    { kind: 'failure', runId: 'r', assignment: 1, code: 'PLAN_INVALID', message: 'no' },
    { kind: 'limit-capped', runId: 'r', assignment: 1, changeId: 9, message: 'capped at 20 req/s' },
    { kind: 'applied', runId: 'r', assignment: 3, changeId: 7, appliedAtMs: 1234.5 },
    { kind: 'leaving', runId: 'r', assignment: 1, reason: 'SIGTERM' },
    { kind: 'rows-wanted', runId: 'r', assignment: 2, feeder: 'users', rows: 64 },
    { kind: 'rows-account', runId: 'r', assignment: 2, feeder: 'users', used: 12, unused: [{ start: 4, end: 8 }, { start: 30, end: 31 }] },
    { kind: 'rows-account', runId: 'r', assignment: 1, feeder: 'users', used: 0, unused: [] },
    // setup and teardown (protocol 6): values and the figures of its requests, or the failed step
    {
      kind: 'setup-result', runId: 'r', job: 2, ok: true, values: { token: 'tok-1', n: 3 }, message: '',
      figures: { requests: 2, durationMs: 12.5, steps: [{ request: 'login', status: 200, latencyMs: 7 }, { request: 'me', status: 0, error: 'refused', latencyMs: 1 }] },
    },
    { kind: 'setup-result', runId: 'r', job: 1, ok: false, values: {}, message: 'setup step 1 (login): check failed', figures: { requests: 0, durationMs: 0, steps: [] } },
  ];
  for (const m of rows) assert.deepEqual(agentMsgFromWire(throughWire<AgentMessage__Output>('AgentMessage', agentMsgToWire(m))), m, m.kind);
});

test('every coordinator message survives the wire unchanged', () => {
  const rows: CoordMsg[] = [
    { kind: 'welcome', protocolVersion: 1, coordinatorVersion: 'x', heartbeatIntervalMs: 1000, heartbeatMissLimit: 3, snapshotIntervalMs: 1000 },
    { kind: 'assign', runId: 'r', assignment: 2, planJson: '{}' },
    { kind: 'share-change', runId: 'r', assignment: 1, changeId: 4, share: { kind: 'rate', tail: [{ durationMs: 100, from: 2.5, to: 2.5 }] } },
    { kind: 'share-change', runId: 'r', assignment: 2, changeId: 5, share: { kind: 'rate', tail: [{ durationMs: 500, from: 2.5, to: 7 }, { durationMs: 0.5, from: 0, to: 0 }] } },
    { kind: 'share-change', runId: 'r', assignment: 2, changeId: 6, scenario: 'loops', share: { kind: 'loops', tail: [{ durationMs: 300, from: 3, to: 3 }] } },
    { kind: 'ack', runId: 'r', assignment: 1, seq: 12, done: false, unknownRun: false },
    { kind: 'ack', runId: 'r', assignment: 1, seq: 0, done: true, unknownRun: true },
    { kind: 'stop', runId: 'r', reason: 'why' },
    { kind: 'heartbeat', sentAtMs: 5 },
    { kind: 'data-chunk', runId: 'r', assignment: 1, feeder: 'big', index: 2, count: 3, data: Buffer.from([0, 1, 2, 255]) },
    { kind: 'row-block', runId: 'r', assignment: 1, feeder: 'users', ranges: [{ start: 0, end: 2 }], rows: [{ email: 'a' }, { email: 'b', n: 2 }], exhausted: false },
    { kind: 'row-block', runId: 'r', assignment: 1, feeder: 'users', ranges: [], rows: [], exhausted: true },
    { kind: 'setup-job', runId: 'r', job: 3, part: 'teardown', planJson: '{}' },
    { kind: 'setup-values', runId: 'r', assignment: 2, values: { token: 'tok-2' }, generation: 2 },
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
    ['setup result whose values are not an object', { setupResult: { runId: 'r', job: 1, ok: true, valuesJson: '[1]', message: '', figuresJson: '' } }],
    ['setup result with an unknown error kind', { setupResult: { runId: 'r', job: 1, ok: false, valuesJson: '{}', message: '', figuresJson: '{"requests":1,"durationMs":1,"steps":[{"request":"a","status":0,"error":"boom","latencyMs":1}]}' } }],
    // a failure's code is one of FAILURE_CODES; a cap is a notice of its own (limitCapped), never a failure
    ['failure with an unknown code', { failure: { runId: 'r', assignment: 1, code: 'LIMIT_CAPPED', message: 'm' } }],
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

test('a share change that is not a list of valid segments is refused, naming the field', () => {
  const seg = { durationMs: 10, from: 1, to: 1 };
  const rows: [string, Record<string, unknown>, RegExp][] = [
    ['neither rates nor loops', {}, /shareChange carries neither rates nor loops/],
    ['no segments', { rates: { segments: [] } }, /shareChange\.rates\.segments holds 0 segments, not 1 to 10000/],
    ['too many segments', { loops: { segments: Array.from({ length: 10_001 }, () => seg) } }, /shareChange\.loops\.segments holds 10001 segments/],
    ['negative rate', { rates: { segments: [seg, { durationMs: 10, from: -1, to: 1 }] } }, /shareChange\.rates\.segments\[1\]\.from must be a finite number >= 0, got -1/],
    ['zero duration', { loops: { segments: [{ durationMs: 0, from: 1, to: 1 }] } }, /shareChange\.loops\.segments\[0\]\.durationMs must be a finite number > 0, got 0/],
    ['infinite rate', { rates: { segments: [{ durationMs: 10, from: 1, to: Infinity }] } }, /shareChange\.rates\.segments\[0\]\.to must be a finite number >= 0, got Infinity/],
  ];
  for (const [why, share, re] of rows) {
    const w = throughWire<CoordinatorMessage__Output>('CoordinatorMessage', { shareChange: { runId: 'r', assignment: 1, changeId: 1, ...share } });
    assert.throws(() => coordMsgFromWire(w), (e: unknown) => e instanceof LoadfleetError && e.code === 'PROTOCOL_VIOLATION' && re.test(e.message), why);
  }
});

test('a Control SetRate request is the change it asks for, held to the user\'s bounds (USAGE, the messages every path gives)', () => {
  const ok: [string, LiveChange][] = [
    ['a rate with a ramp', { kind: 'rate', rateRps: 250.5, rampMs: 3_000 }],
    ['a rate for one scenario', { kind: 'rate', rateRps: 0, rampMs: 0, scenario: 'web' }],
    ['a loop count', { kind: 'loops', loops: 7 }],
  ];
  for (const [why, c] of ok) assert.deepEqual(liveChangeFromWire(throughWire<SetRateRequest__Output>('SetRateRequest', liveChangeToWire(c))), c, why);
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['neither', { scenario: 'web' }, /carries neither a rate nor a loop count/],
    ['above the bound', { rate: { rateRps: 2e7 } }, /^rate 20000000 must be at most 10000000 req\/s/],
    ['no loops', { loops: { loops: 0 } }, /^concurrency must be a whole number >= 1$/],
  ];
  for (const [why, w, re] of bad) {
    assert.throws(() => liveChangeFromWire(throughWire<SetRateRequest__Output>('SetRateRequest', w)), (e: unknown) => e instanceof LoadfleetError && e.code === 'USAGE' && re.test(e.message), why);
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
