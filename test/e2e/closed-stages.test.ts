// Closed-model stages (ramping loops) on a real fleet: 2 agent processes, real gRPC, and a target that
// records its own in-flight count over time. The stages must show in what the target saw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runOnLocalFleet, scenario } from '../helpers/local-run.js';
import { startTarget } from '../helpers/target.js';
import { assertReportCompleted } from '../helpers/verdict.js';

test('closed stages on 2 agents: the target sees the loop plateaus, the ramp between them and the peak; the report plans the mean', async () => {
  // 100 ms per answer: a loop's turn-around in the agent (a few ms, more on a loaded machine) is a small
  // part of each round, so a plateau of N loops keeps close to N requests at the target.
  const target = await startTarget({ delayMs: 100 });
  try {
    // 2 loops for 1.5 s, ramp to 10 over 1.5 s, 10 for 1.5 s, down to 2 over 1 s.
    const s = scenario({
      request: { url: `${target.origin}/loop` },
      load: { model: 'closed', startConcurrency: 2, stages: [{ duration: '1500ms', target: 2 }, { duration: '1500ms', target: 10 }, { duration: '1500ms', target: 10 }, { duration: '1s', target: 2 }] },
    });
    const { report } = await runOnLocalFleet(2, s);
    // Not light (up to 10 loops on 2 agents, ~100 req/s): generator-bound is accepted.
    assertReportCompleted(report, '', { requests: target.total() });
    // Times are from the target's first request; the two agents start within ~100 ms of each other.
    // Tolerance: 300 ms at each stage edge, and one loop between a loop's response and its next request.
    assert.equal(target.peakBetween(300, 1_300), 2, 'first plateau: 2 loops');
    assert.ok(target.meanBetween(300, 1_300) > 1.5, `first plateau is busy: mean ${target.meanBetween(300, 1_300)}`);
    const early = target.meanBetween(1_600, 2_200);
    const late = target.meanBetween(2_300, 2_900);
    assert.ok(early >= 2.5 && early < late && late <= 10, `the ramp rises: ${early} then ${late}`);
    assert.equal(target.peakBetween(3_300, 4_300), 10, 'second plateau: 10 loops');
    assert.ok(target.meanBetween(3_300, 4_300) > 8, `second plateau is busy: mean ${target.meanBetween(3_300, 4_300)}`);
    assert.equal(target.peakBetween(0, 60_000), 10, 'never more than the peak stage');
    assert.ok(target.meanBetween(4_900, 5_400) < 6, `the ramp down: mean ${target.meanBetween(4_900, 5_400)}`);
    // The report: the scheduled mean (2x1.5 + 6x1.5 + 10x1.5 + 6x1) / 5.5 = 6 loops; everything counted.
    assert.equal(report.summary.concurrency, 6);
    assert.equal(report.summary.targetRps, null);
    assert.ok(report.summary.inFlightPeakMax >= 5 && report.summary.inFlightPeakMax <= 10, `in-flight peak ${report.summary.inFlightPeakMax}`);
    assert.equal(report.summary.sent, target.total(), 'the target saw every request sent');
    assert.equal(report.summary.errors, 0);
  } finally {
    await target.close();
  }
});
