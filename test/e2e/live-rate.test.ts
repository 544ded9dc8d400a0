// A live rate change reaches every agent and the achieved rate follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTarget } from '../helpers/target.js';
import { assertReportCompleted } from '../helpers/verdict.js';
import { runOnLocalFleet, scenario } from '../helpers/local-run.js';
import { rateChange } from '../../common/protocol/live-change.js';

/** The run's length, and how far an agent's intervals may sit from the coordinator's clock. */
const DURATION_MS = 9_000;
const CLOCK_OFFSET_MS = 250;

test('a rate change mid-test moves the achieved rate within 5 % of the new target within 2 s', async () => {
  const target = await startTarget();
  try {
    const changeAtMs = 3_000;
    const newRate = 800;
    const { report } = await runOnLocalFleet(2, scenario({
      request: { url: target.url },
      load: { model: 'open', rate: 200, duration: `${DURATION_MS}ms` },
    }), {
      during: (c) => { setTimeout(() => c.change(rateChange(newRate, 0), 'test'), changeAtMs); },
    });
    // Not light (up to 400 req/s per agent): generator-bound is accepted, through the one helper that says why.
    assertReportCompleted(report, '', { requests: target.total() });
    assert.equal(report.rateChanges.length, 1);
    const change = report.rateChanges[0]!;
    assert.equal(change.rateRps, newRate);
    // Whole intervals starting at least 2 s after the change and ending by the schedule's last second: the
    // intervals are the agents' own, and an agent's final one also spans its drain, so its scheduled mean
    // is below the rate by the drain's share.
    const firstIdx = Math.ceil((change.atMs + 2_000) / 1_000);
    const lastIdx = Math.floor(DURATION_MS / 1_000) - 2;
    const checked = report.series.filter((s) => s.index >= firstIdx && s.index <= lastIdx);
    assert.ok(checked.length >= 2, `at least 2 intervals checked (got ${checked.length})`);
    for (const s of checked) {
      assert.ok(Math.abs(s.rps - newRate) <= newRate * 0.05, `interval ${s.index}: ${s.rps}/s within 5 % of ${newRate}/s`);
      // The scheduled rate is the mean over the agents' own intervals, whose lengths vary by a few ms.
      assert.ok(Math.abs(s.targetRps - newRate) <= newRate * 0.01, `interval ${s.index}: scheduled ${s.targetRps}/s`);
    }
    // Before the change, the old rate held: intervals ending CLOCK_OFFSET_MS before the change by the
    // coordinator's clock, since an agent's main phase starts a few tens of ms off the coordinator's, so
    // its interval ending at the change's second may already hold a few ms of the new rate.
    const before = report.series.filter((s) => s.index >= 1 && (s.index + 1) * 1_000 <= change.atMs - CLOCK_OFFSET_MS);
    assert.ok(before.length >= 1, `at least 1 interval before the change checked (change at ${change.atMs} ms)`);
    for (const s of before) assert.ok(Math.abs(s.rps - 200) <= 10, `interval ${s.index} before the change: ${s.rps}/s ~ 200/s`);
    assert.equal(report.summary.requests, target.total());
  } finally {
    await target.close();
  }
});
