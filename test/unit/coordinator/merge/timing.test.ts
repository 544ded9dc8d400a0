// The timing breakdown merged on the coordinator: exactly once per seq, from the agents' own recorders;
// at Done, when snapshots were lost, "cumulative minus merged" is added once (a late seq then only
// fills its interval), so the totals equal what the agents counted; percentiles from merged histograms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Aggregator } from '../../../../coordinator/merge/aggregator.js';
import { Recorder } from '../../../../agent/engine/recorder.js';
import { RequestRecorder } from '../../../../agent/engine/request-recorder.js';
import type { Stats } from '../../../../common/metrics/stats.js';
import { emptyStats } from '../../../../common/metrics/stats.js';
import { ManualClock } from '../../../helpers/manual-clock.js';

const INTERVALS = 4;

/** One agent: per interval `n` responses with TTFB `waitingMs` on request name `name`, and one new connection. */
function agentRun(n: number, waitingMs: number, connectMs: number, tls: boolean): { deltas: Stats[]; cumulative: Stats } {
  const clock = new ManualClock();
  const rec = new Recorder(clock, new RequestRecorder());
  const deltas: Stats[] = [];
  for (let i = 0; i < INTERVALS; i++) {
    rec.onConnection(connectMs, tls ? connectMs * 2 : undefined);
    for (let k = 0; k < n; k++) {
      rec.onSent();
      rec.onWaiting(waitingMs);
      rec.onEndAt(200, 10, 0, 0, waitingMs + 1);
      rec.requestNames?.onEnd('page', { outcome: 200, failed: false, latencyMs: waitingMs + 1, checksPassed: 0, failedChecks: [], extractFailed: 0, bodyTruncated: false, waitingMs });
    }
    deltas.push(rec.takeDelta());
  }
  const cumulative = rec.cumulative();
  rec.destroy();
  return { deltas, cumulative };
}

function snapshot(agg: Aggregator, agentId: string, seq: number, stats: Stats): void {
  agg.addSnapshot({ agentId, seq, phase: 'main', intervalIndex: seq - 1, intervalMs: 1000, stats, rateRps: 0, concurrency: 0 });
}

test('timing: merged once per seq; a lost snapshot repaired at Done; a late one not counted twice', () => {
  const a = agentRun(10, 2, 0.5, false);
  const b = agentRun(30, 40, 3, true);
  const agg = new Aggregator({ intervalMs: 1000 });
  a.deltas.forEach((s, i) => snapshot(agg, 'a', i + 1, s));
  snapshot(agg, 'a', 1, a.deltas[0] as Stats); // a resend: ignored
  // b's seq 3 is lost on the way, and arrives after Done.
  b.deltas.forEach((s, i) => { if (i !== 2) snapshot(agg, 'b', i + 1, s); });
  const before = agg.totals('main').timing;
  assert.equal(before?.waitingMs.count, 10 * INTERVALS + 30 * (INTERVALS - 1));
  assert.equal(before?.connectMs.count, INTERVALS + INTERVALS - 1);

  assert.equal(agg.addDone({ agentId: 'a', lastSeq: INTERVALS, main: a.cumulative, warmup: emptyStats(), durationMs: 4000 }).reconciled, true);
  const done = agg.addDone({ agentId: 'b', lastSeq: INTERVALS, main: b.cumulative, warmup: emptyStats(), durationMs: 4000 });
  assert.equal(done.reconciled, false, 'repaired');
  snapshot(agg, 'b', 3, b.deltas[2] as Stats); // late: its interval only

  const t = agg.totals('main').timing;
  assert.ok(t !== undefined);
  assert.equal(t.waitingMs.count, 10 * INTERVALS + 30 * INTERVALS, 'every response once');
  assert.equal(t.connectMs.count, 2 * INTERVALS, 'every connection once');
  assert.equal(t.tlsMs.count, INTERVALS, 'TLS only where the agent saw HTTPS');
  // Merged, not averaged: 40 of 160 values at 2 ms, 120 at 40 ms.
  assert.ok(Math.abs(t.waitingMs.p50 - 40) < 0.1, `p50 ${t.waitingMs.p50}`);
  assert.ok(Math.abs(t.waitingMs.min - 2) < 0.01, `min ${t.waitingMs.min}`);
  assert.equal(t.byRequestName.page?.waitingMs.count, 160, 'per request name too');
  assert.notEqual(t.waitingHist, '');
  agg.destroy();
});

test('timing: more times to first byte than responses is a protocol violation naming the field', () => {
  const a = agentRun(5, 2, 1, false);
  const agg = new Aggregator({ intervalMs: 1000 });
  const bad: Stats = { ...emptyStats(), requests: 2, sent: 2, statusCodes: { 200: 2 }, waitingHist: (a.deltas[0] as Stats).waitingHist as string };
  assert.throws(() => snapshot(agg, 'a', 1, bad), /snapshot\.stats\.waitingHist holds 5 values for 2 request/);
  assert.throws(() => snapshot(agg, 'a', 1, { ...(a.deltas[0] as Stats), connectHist: 'not-a-histogram' }), /snapshot\.stats\.connectHist is not a decodable histogram/);
  agg.destroy();
});
