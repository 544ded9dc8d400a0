// The recorder's histograms: a response sent at its intended time is recorded once (into `shared`) and
// must still show up in both the latency and the service histogram, in every delta and the cumulative.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Recorder } from '../../../../agent/engine/recorder.js';
import { decodeHistogram } from '../../../../common/metrics/histogram.js';
import { ManualClock } from '../../../helpers/manual-clock.js';
import { expectedTable } from '../../../../common/metrics/expected-status.js';

/** [count, min, p50, max] of an encoded histogram, values in whole ms. */
function valuesMs(encoded: string): number[] {
  const h = decodeHistogram(encoded);
  const out: number[] = [];
  // Whole ms: HDR reports the highest value equivalent to a recorded one (4 ms comes back as 4.001).
  for (const p of [0, 50, 100]) out.push(Math.round(h.getValueAtPercentile(p) / 1000));
  const n = h.totalCount;
  h.destroy();
  return [n, ...out];
}

test('recorder: on-time (closed) and late (open) responses land in both latency and service histograms', () => {
  const clock = new ManualClock();
  const rec = new Recorder(clock);
  try {
    // Interval 1: two closed-model requests (intended === sent), ending 2 ms and 4 ms after their send.
    const t0 = clock.nowMs();
    rec.onSent();
    rec.onSent();
    clock.advance(2);
    rec.onEnd(200, 2, t0, t0);
    clock.advance(2);
    rec.onEnd(200, 2, t0, t0);
    const d1 = rec.takeDelta();
    assert.deepEqual(valuesMs(d1.latencyHist), [2, 2, 2, 4]);
    assert.deepEqual(valuesMs(d1.serviceHist), [2, 2, 2, 4]);
    // Interval 2: an open-model request sent 1 ms late, answered 3 ms after its send: latency 4, service 3.
    const t1 = clock.nowMs();
    rec.onSent();
    clock.advance(3);
    rec.onEnd(200, 2, t1 - 1, t1);
    // ...and an error, which is timed in neither.
    rec.onSent();
    rec.onEnd('timeout', 0, t1, t1);
    const d2 = rec.takeDelta();
    assert.deepEqual(valuesMs(d2.latencyHist), [1, 4, 4, 4]);
    assert.deepEqual(valuesMs(d2.serviceHist), [1, 3, 3, 3]);
    assert.equal(d2.errorsByKind.timeout, 1);
    const all = rec.cumulative();
    assert.deepEqual(valuesMs(all.latencyHist), [3, 2, 4, 4]);
    assert.deepEqual(valuesMs(all.serviceHist), [3, 2, 3, 4]);
    assert.equal(all.requests, 4);
    assert.equal(all.sent, 4);
  } finally {
    rec.destroy();
  }
});

test('recorder: responses whose status is not expected count as failed by status, in deltas and the cumulative', () => {
  const clock = new ManualClock();
  // The plan expects 200-299 and 404.
  const rec = new Recorder(clock, undefined, expectedTable([[200, 299], [404, 404]]));
  try {
    const t0 = clock.nowMs();
    for (const status of [200, 204, 404, 500, 500, 302]) {
      rec.onSent();
      rec.onEnd(status, 0, t0, t0);
    }
    // A transport error is an error, never a failed status.
    rec.onSent();
    rec.onEnd('refused', 0, t0, t0);
    const d1 = rec.takeDelta();
    assert.deepEqual(d1.failedByStatus, { 302: 1, 500: 2 });
    assert.deepEqual(d1.statusCodes, { 200: 1, 204: 1, 302: 1, 404: 1, 500: 2 });
    // A flow request passes its own table: 500 expected there, 200 not.
    rec.onSent();
    rec.onEndAt(500, 0, t0, t0, clock.nowMs(), expectedTable([[500, 500]]));
    rec.onSent();
    rec.onEndAt(200, 0, t0, t0, clock.nowMs(), expectedTable([[500, 500]]));
    const d2 = rec.takeDelta();
    assert.deepEqual(d2.failedByStatus, { 200: 1 });
    assert.deepEqual(rec.cumulative().failedByStatus, { 200: 1, 302: 1, 500: 2 });
    // Without a table: the default, 200-399.
    const plain = new Recorder(clock);
    for (const status of [200, 399, 400, 503]) {
      plain.onSent();
      plain.onEnd(status, 0, t0, t0);
    }
    assert.deepEqual(plain.takeDelta().failedByStatus, { 400: 1, 503: 1 });
    plain.destroy();
  } finally {
    rec.destroy();
  }
});
