// The coordinator's kept reports: bounded, newest last, fetchable by id or as the latest; and status
// replies bounded whatever the agents said about themselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REPORT_PIECE_BYTES, ReportStore, reportPieces } from '../../../../coordinator/report/store.js';
import type { Report } from '../../../../coordinator/report/report.js';
import { NOTICE_CHARS, STATUS_TEXT_CHARS, boundStatus, boundText } from '../../../../coordinator/server/status-bounds.js';
import type { FleetStatus } from '../../../../coordinator/coordinator.js';

const report = (runId: string): Report => ({ runId, version: 1 }) as unknown as Report;

test('ReportStore keeps the last N finished reports, by id or the latest', () => {
  const s = new ReportStore(2);
  assert.equal(s.get(), undefined, 'nothing finished yet');
  s.keep(report('r1'));
  s.keep(report('r2'));
  s.keep(report('r3'));
  assert.deepEqual(s.ids(), ['r3', 'r2'], 'newest first; r1 forgotten beyond the bound');
  assert.equal(s.get('r1'), undefined);
  assert.equal(s.get()?.runId, 'r3', 'no id: the latest');
  assert.deepEqual(JSON.parse(s.get('r2')!.json.toString('utf8')), { runId: 'r2', version: 1 });
  s.keep(report('r2'));
  assert.deepEqual(s.ids(), ['r2', 'r3'], 'a run kept again is kept once, as the newest');
  assert.throws(() => new ReportStore(0), /keepCount must be a whole number >= 1/);
});

test('reportPieces cuts a report into ordered pieces of at most 1 MiB that join to the whole', () => {
  const rows: [string, number, number][] = [
    // [why, bytes, pieces]
    ['empty: one empty piece', 0, 1],
    ['small', 10, 1],
    ['exactly one piece', REPORT_PIECE_BYTES, 1],
    ['one byte over', REPORT_PIECE_BYTES + 1, 2],
    ['several', 3 * REPORT_PIECE_BYTES + 5, 4],
  ];
  for (const [why, bytes, count] of rows) {
    const whole = Buffer.alloc(bytes, 7);
    const pieces = reportPieces(whole);
    assert.equal(pieces.length, count, why);
    assert.ok(pieces.every((p) => p.length <= REPORT_PIECE_BYTES), why);
    assert.ok(Buffer.concat(pieces).equals(whole), why);
  }
});

test('status: agent ids, hosts, versions and peers beyond the bound are cut, the rest left alone', () => {
  const long = 'x'.repeat(100_000);
  const s: FleetStatus = {
    agents: [
      { id: long, host: long, cores: 2, version: long, peer: long, joinedAtMs: 1, state: 'busy', runId: 'r' },
      { id: 'a2', host: 'h2', cores: 2, version: '0.1.0', peer: '127.0.0.1:5', joinedAtMs: 1, state: 'idle', runId: undefined },
    ],
    run: {
      runId: 'r', state: 'running', elapsedMs: 1, totalMs: 2, targetRps: 3, concurrency: 0, onAgentLoss: 'rebalance', live: null,
      agents: [{ id: `${long}#1`, agentId: long, host: long, state: 'running', rateRps: 3, concurrency: 0, weight: 1, achievedRps: null, eventLoopP99Ms: null, scheduleLagP99Ms: null, lastSnapshotAgeMs: null }],
    },
  };
  const b = boundStatus(s);
  assert.ok(JSON.stringify(b).length < 2_000, 'bounded');
  const a = b.agents[0]!;
  for (const t of [a.id, a.host, a.version, a.peer, b.run!.agents[0]!.id, b.run!.agents[0]!.agentId, b.run!.agents[0]!.host]) {
    assert.equal(t.length, STATUS_TEXT_CHARS);
    assert.ok(t.endsWith('…'));
  }
  assert.deepEqual(b.agents[1], s.agents[1], 'short fields unchanged');
  assert.equal(boundText('abc'), 'abc');
  assert.equal(boundText(long, NOTICE_CHARS).length, NOTICE_CHARS, 'a notice quoting a huge id is cut too');
});
