// Fuzzing the wire decoders: every message type, valid encodings mutated byte by byte, truncated,
// extended, and random bytes. Whatever arrives, the protobuf layer rejects it or the typed decoder
// returns a well-formed message or throws LoadfleetError PROTOCOL_VIOLATION; a decoded snapshot then
// merges or is refused by the aggregator the same way. Nothing else may escape (no crash, no hang).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadfleetError } from '../../../../common/runtime/errors.js';
import { encodeHistogram, newHistogram } from '../../../../common/metrics/histogram.js';
import { agentMsgFromWire, agentMsgToWire, coordMsgFromWire, coordMsgToWire, fleetPackage, runEventFromWire, runEventToWire, uploadPieceFromWire } from '../../../../common/protocol/messages.js';
import type { AgentMessage__Output, AgentMsg, CoordMsg, CoordinatorMessage__Output, RunEventMsg, RunEvent__Output, UploadChunk__Output } from '../../../../common/protocol/messages.js';
import { emptyStats } from '../../../../common/metrics/stats.js';
import { Aggregator } from '../../../../coordinator/merge/aggregator.js';
import { prng } from '../../../helpers/prng.js';
import { rangeCount, rangesProblem } from '../../../../common/data/row-ranges.js';


function mutate(buf: Buffer, r: () => number): Buffer {
  const b = Buffer.from(buf);
  const op = Math.floor(r() * 5);
  if (op === 0 && b.length > 0) {
    for (let k = 0; k < 1 + Math.floor(r() * 4); k++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
    return b;
  }
  if (op === 1) return b.subarray(0, Math.floor(r() * b.length));
  if (op === 2) {
    const at = Math.floor(r() * (b.length + 1));
    const extra = Buffer.from(Array.from({ length: 1 + Math.floor(r() * 16) }, () => Math.floor(r() * 256)));
    return Buffer.concat([b.subarray(0, at), extra, b.subarray(at)]);
  }
  if (op === 3) return Buffer.from(Array.from({ length: Math.floor(r() * 200) }, () => Math.floor(r() * 256)));
  // a length-delimited field's length byte pushed out of range
  if (b.length > 2) b[1] = 0xff;
  return b;
}

const h = newHistogram();
for (let i = 1; i <= 200; i++) h.recordValue(i * 37);
const hist = encodeHistogram(h);
h.destroy();
const stats = { ...emptyStats(), requests: 200, sent: 200, statusCodes: { '200': 200 }, latencyHist: hist, serviceHist: hist };

const AGENT: AgentMsg[] = [
  { kind: 'hello', agentId: 'a', protocolVersion: 2, version: '1', host: 'h', cores: 2 },
  { kind: 'ready', runId: 'r', assignment: 1 },
  { kind: 'snapshot', runId: 'r', assignment: 1, seq: 1, phase: 'main', intervalIndex: 0, intervalMs: 1000, stats, rateRps: 10, concurrency: 0 },
  { kind: 'heartbeat', sentAtMs: 1 },
  { kind: 'done', runId: 'r', assignment: 1, lastSeq: 1, main: stats, warmup: emptyStats(), durationMs: 1000 },
  { kind: 'failure', runId: 'r', assignment: 1, code: 'BUSY', message: 'm' },
  { kind: 'limit-capped', runId: 'r', assignment: 1, changeId: 3, message: 'capped' },
  { kind: 'applied', runId: 'r', assignment: 1, changeId: 1, appliedAtMs: 5 },
  { kind: 'leaving', runId: 'r', assignment: 1, reason: 'x' },
  { kind: 'rows-wanted', runId: 'r', assignment: 1, feeder: 'users', rows: 40 },
  { kind: 'rows-account', runId: 'r', assignment: 1, feeder: 'users', used: 7, unused: [{ start: 3, end: 9 }, { start: 20, end: 22 }] },
];
const COORD: CoordMsg[] = [
  { kind: 'welcome', protocolVersion: 2, coordinatorVersion: 'x', heartbeatIntervalMs: 500, heartbeatMissLimit: 4, snapshotIntervalMs: 1000 },
  { kind: 'assign', runId: 'r', assignment: 1, planJson: '{"runId":"r"}' },
  { kind: 'share-change', runId: 'r', assignment: 1, changeId: 2, share: { kind: 'rate', tail: [{ durationMs: 100, from: 1, to: 2 }] } },
  { kind: 'share-change', runId: 'r', assignment: 1, changeId: 3, scenario: 'loops', share: { kind: 'loops', tail: [{ durationMs: 100, from: 4, to: 4 }] } },
  { kind: 'stop', runId: 'r', reason: 'x' },
  { kind: 'heartbeat', sentAtMs: 2 },
  { kind: 'ack', runId: 'r', assignment: 1, seq: 1, done: false, unknownRun: false },
  { kind: 'data-chunk', runId: 'r', assignment: 1, feeder: 'big', index: 1, count: 3, data: Buffer.from('[{"a":"1"},{"a":"2"}]') },
  { kind: 'row-block', runId: 'r', assignment: 1, feeder: 'users', ranges: [{ start: 0, end: 2 }, { start: 5, end: 6 }], rows: [{ u: 'a' }, { u: 'b' }, { u: 'c' }], exhausted: false },
];
const EVENTS: RunEventMsg[] = [
  { kind: 'started', runId: 'r', agentIds: ['a'] },
  { kind: 'tick', json: '{}' },
  { kind: 'finished', runId: 'r', reportBytes: 2, reportJson: '{}' },
  { kind: 'notice', level: 'warn', message: 'm' },
];

/** Runs `decode` on a mutated encoding; returns what happened, failing on anything but the allowed outcomes. */
function fuzz<W, M>(name: string, valid: Buffer[], deserialize: (b: Buffer) => W, decode: (w: W) => M, check: (m: M) => void, rounds: number): { decoded: number; refused: number } {
  const r = prng(0x10adf1ee ^ name.length);
  let decoded = 0;
  let refused = 0;
  for (let i = 0; i < rounds; i++) {
    const buf = mutate(valid[i % valid.length] as Buffer, r);
    let w: W;
    try {
      w = deserialize(buf);
    } catch {
      refused++; // the protobuf layer: grpc-js fails that call with a status
      continue;
    }
    try {
      const m = decode(w);
      check(m);
      decoded++;
    } catch (e) {
      if (!(e instanceof LoadfleetError && e.code === 'PROTOCOL_VIOLATION')) {
        assert.fail(`${name} round ${i}: ${buf.toString('hex')} escaped as ${String(e)}`);
      }
      refused++;
    }
  }
  return { decoded, refused };
}

test('fuzz: agent messages decode to well-formed messages or PROTOCOL_VIOLATION; snapshots then merge or are refused', () => {
  const svc = fleetPackage().Fleet.service.Connect;
  const valid = AGENT.map((m) => svc.requestSerialize(agentMsgToWire(m)));
  const agg = new Aggregator({ intervalMs: 1000 });
  let seq = 0;
  const r = fuzz('agent', valid, (b) => svc.requestDeserialize(b) as AgentMessage__Output, agentMsgFromWire, (m) => {
    if (m.kind === 'snapshot') {
      // What the coordinator does next with it: merge (fresh seq) or refuse, never anything else.
      agg.addSnapshot({ agentId: 'fuzz', seq: ++seq, phase: m.phase, intervalIndex: m.intervalIndex, intervalMs: m.intervalMs, stats: m.stats, rateRps: m.rateRps, concurrency: m.concurrency });
    }
    if (m.kind === 'hello') assert.ok(m.agentId !== '');
    if (m.kind === 'rows-wanted') assert.ok(m.feeder !== '' && Number.isInteger(m.rows) && m.rows >= 1);
    if (m.kind === 'rows-account') {
      assert.equal(rangesProblem(m.unused), undefined);
      assert.ok(Number.isSafeInteger(m.used) && m.used >= 0);
    }
  }, 8_000);
  agg.destroy();
  assert.ok(r.decoded > 100 && r.refused > 100, JSON.stringify(r));
});

test('fuzz: coordinator messages, upload pieces and run events decode or are refused with PROTOCOL_VIOLATION', () => {
  const svc = fleetPackage().Fleet.service.Connect;
  const c = fuzz('coord', COORD.map((m) => svc.responseSerialize(coordMsgToWire(m))), (b) => svc.responseDeserialize(b) as CoordinatorMessage__Output, coordMsgFromWire, (m) => {
    if (m.kind === 'share-change') assert.ok(m.share.tail.length >= 1 && m.share.tail.every((s) => s.durationMs > 0 && s.from >= 0 && s.to >= 0 && Number.isFinite(s.durationMs + s.from + s.to)));
    if (m.kind === 'data-chunk') assert.ok(m.index < m.count && m.count >= 1 && m.runId !== '' && m.feeder !== '');
    if (m.kind === 'row-block') {
      // What the agent relies on: well-formed ranges and exactly one object row per index.
      assert.equal(rangesProblem(m.ranges), undefined);
      assert.equal(m.rows.length, rangeCount(m.ranges));
      assert.ok(m.rows.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r)));
    }
  }, 6_000);
  assert.ok(c.decoded > 100 && c.refused > 50, JSON.stringify(c));
  const upload = fleetPackage().Control.service.Upload;
  const piece = { sha256: 'ab'.repeat(32), bytes: 9000, index: 1, count: 3, data: Buffer.from('[{"user":"a"},{"user":"b"}]') };
  const u = fuzz('upload', [upload.requestSerialize(piece)], (b) => upload.requestDeserialize(b) as UploadChunk__Output, uploadPieceFromWire, (m) => {
    assert.ok(/^[0-9a-f]{64}$/.test(m.sha256) && m.index < m.count && m.count >= 1 && m.data.length <= 4 * 1024 * 1024);
  }, 2_000);
  assert.ok(u.decoded > 50 && u.refused > 50, JSON.stringify(u));
  const start = fleetPackage().Control.service.Start;
  const e = fuzz('events', EVENTS.map((m) => start.responseSerialize(runEventToWire(m))), (b) => start.responseDeserialize(b) as RunEvent__Output, runEventFromWire, () => {}, 2_000);
  assert.ok(e.decoded > 100, JSON.stringify(e));
});
