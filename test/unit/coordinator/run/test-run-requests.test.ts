// Per-request figures through the run lifecycle (fake agents, manual clock): every live line carries
// the interval's and the run's per-request rows, and a snapshot lost on the way is repaired from the
// agent's Done, so report.requests equals what the agents' recorders counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestRecorder } from '../../../../agent/engine/request-recorder.js';
import { encodeHistogram, newHistogram, recordMs } from '../../../../common/metrics/histogram.js';
import type { RequestNameFigures } from '../../../../common/metrics/stats.js';
import { emptyStats } from '../../../../common/metrics/stats.js';
import type { Stats } from '../../../../common/metrics/stats.js';
import { TestRun } from '../../../../coordinator/run/test-run.js';
import type { LiveLine } from '../../../../coordinator/run/test-run.js';
import { ManualClock } from '../../../helpers/manual-clock.js';
import { scenario } from '../../../helpers/local-run.js';

function stats(requestNames: RequestNameFigures): Stats {
  const requests = Object.values(requestNames.byRequestName).reduce((s, r) => s + r.requests, 0);
  const h = newHistogram();
  for (let i = 0; i < requests; i++) recordMs(h, 2);
  const enc = encodeHistogram(h);
  h.destroy();
  return { ...emptyStats(), requests, sent: requests, statusCodes: requests > 0 ? { 200: requests } : {}, latencyHist: enc, serviceHist: enc, requestNames };
}

test('live lines carry per-request rows; a lost snapshot is repaired at Done so report.requests equals the agents\' counts', async () => {
  const clock = new ManualClock();
  const ticks: LiveLine[] = [];
  const run = new TestRun({
    runId: 'r1', scenario: scenario({ request: { url: 'http://127.0.0.1:1/' }, load: { model: 'open', rate: 100, duration: '3s' } }),
    agents: [{ id: 'a', host: 'ha' }, { id: 'b', host: 'hb' }], clock, startedAtEpochMs: 0, snapshotIntervalMs: 1_000, send: () => true,
    listener: { onTick: (l) => ticks.push(l), onNotice: () => {} }, finishGraceMs: 5_000,
  });
  run.start();
  const recorders = { a: new RequestRecorder(), b: new RequestRecorder() };
  for (let i = 0; i < 3; i++) {
    for (const [id, rec] of Object.entries(recorders)) {
      for (let k = 0; k < 10 + i; k++) rec.onEnd(k % 3 === 0 ? 'login' : 'list', { outcome: 200, failed: false, latencyMs: 1 + k, checksPassed: 1, failedChecks: k === 1 ? ['ok'] : [], extractFailed: 0, bodyTruncated: false });
      const d = rec.takeDelta();
      // Agent b's second snapshot never arrives (a stream that broke after the agent sent it).
      if (id === 'b' && i === 1) continue;
      run.onAgentMessage(id, { kind: 'snapshot', runId: 'r1', assignment: 1, seq: i + 1, phase: 'main', intervalIndex: i, intervalMs: 1_000, stats: stats(d), rateRps: 50, concurrency: 0 });
    }
    clock.advance(1_000);
  }
  const first = ticks[0];
  assert.ok(first?.requests !== undefined, 'the first live line has per-request rows');
  assert.deepEqual(first.requests.interval?.rows.map((r) => [r.name, r.requests]), [['list', 12], ['login', 8]]);
  assert.equal(first.requests.interval?.rows[0]?.checksFailed, 2);
  assert.equal(first.requests.soFar.names, 2);

  const truth: Record<string, number> = {};
  for (const [id, rec] of Object.entries(recorders)) {
    const cum = rec.cumulative();
    for (const [name, r] of Object.entries(cum.byRequestName)) truth[name] = (truth[name] ?? 0) + r.requests;
    run.onAgentMessage(id, { kind: 'done', runId: 'r1', assignment: 1, lastSeq: 3, main: stats(cum), warmup: emptyStats(), durationMs: 3_000 });
    rec.destroy();
  }
  const report = await run.report;
  assert.deepEqual(Object.fromEntries(Object.entries(report.requests ?? {}).map(([n, r]) => [n, r.requests])), truth);
  assert.deepEqual(Object.fromEntries(Object.entries(report.requests ?? {}).map(([n, r]) => [n, r.checks.failed])), { list: 6, login: 0 });
  const note = report.reconciliation.find((n) => n.agentId === 'b');
  assert.equal(note?.status, 'repaired');
  assert.match(note?.detail ?? '', /main: per request: added 11 request\(s\) of 2 name\(s\)/);
});
