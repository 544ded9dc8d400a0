// Coordinated omission is not hidden: a target that stalls for 1 s shows up in p99, and the arrivals
// during the stall are sent on schedule and counted, not lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTarget } from '../helpers/target.js';
import { assertReportCompleted } from '../helpers/verdict.js';
import { runOnLocalFleet, scenario } from '../helpers/local-run.js';

test('a 1 s target stall shows in p99 and every arrival is counted', async () => {
  const target = await startTarget();
  try {
    const rateRps = 200;
    const { report } = await runOnLocalFleet(2, scenario({
      request: { url: target.url },
      load: { model: 'open', rate: rateRps, duration: '5s', maxInFlight: 1_000 },
    }), { during: () => { setTimeout(() => target.stallFor(1_000), 2_000); } });
    // 100 req/s per agent, but a second of stall piles up 200 requests in flight: generator-bound is accepted.
    assertReportCompleted(report, '', { requests: target.total() });
    const s = report.summary;
    // 20 % of the arrivals fall in the stall; the 99th percentile waits most of the second.
    assert.ok(s.latencyMs.p99 >= 800, `p99 ${s.latencyMs.p99} ms shows the stall`);
    assert.ok(s.latencyMs.p50 < 100, `p50 ${s.latencyMs.p50} ms is unaffected`);
    assert.ok(s.latencyMs.max >= 900 && s.latencyMs.max < 2_000, `max ${s.latencyMs.max} ms ~ the stall`);
    // Arrivals kept their schedule through the stall: none dropped, none lost.
    assert.equal(s.dropped, 0);
    assert.ok(Math.abs(s.sent - rateRps * 5) <= 2, `sent ${s.sent} ~ ${rateRps * 5}`);
    assert.equal(s.requests, s.sent);
    assert.equal(s.requests, target.total());
    assert.equal(s.errors, 0);
  } finally {
    await target.close();
  }
});
