// A real distributed run: coordinator + 2 agent processes + a target that counts what it received.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeHistogram, newHistogram } from '../../common/metrics/histogram.js';
import { startTarget } from '../helpers/target.js';
import { assertReportCompleted } from '../helpers/verdict.js';
import { runOnLocalFleet, scenario } from '../helpers/local-run.js';

test('report totals equal the target\'s own count, and merged percentiles equal one histogram of every sample', async () => {
  const target = await startTarget();
  const sampleDir = mkdtempSync(join(tmpdir(), 'loadfleet-samples-'));
  try {
    const rateRps = 300;
    const { report } = await runOnLocalFleet(2, scenario({
      request: { url: target.url },
      load: { model: 'open', rate: rateRps, duration: '3s' },
      warmup: '1s',
    }), { env: { LOADFLEET_SAMPLE_LOG_DIR: sampleDir } });

    const counted = target.total();
    const warmupSent = report.warmup?.sent ?? 0;
    // Ground truth: every request the target received is in the report, once (main + warm-up apart).
    assert.equal(report.summary.requests + warmupSent, counted, 'report requests + warm-up = target count');
    assert.equal(report.summary.sent, report.summary.requests, 'nothing left in flight');
    assert.equal(report.summary.errors, 0);
    assert.equal(report.summary.dropped, 0);
    // Open model: 300/s for 3 s is 900 arrivals (one arrival of slack per agent for the split).
    assert.ok(Math.abs(report.summary.requests - rateRps * 3) <= 2, `requests ${report.summary.requests} ~ 900`);
    assert.ok(warmupSent > 200, `warm-up ran apart (${warmupSent} requests)`);
    // Not light (150 req/s per agent): generator-bound is accepted, through the one helper that says why.
    assertReportCompleted(report);

    // One histogram fed every raw sample the agents measured (main phase), independent of any merge.
    const all = newHistogram();
    const files = readdirSync(sampleDir).filter((f) => f.endsWith('.main.samples'));
    assert.equal(files.length, 2, 'one sample log per agent');
    for (const f of files) {
      for (const line of readFileSync(join(sampleDir, f), 'utf8').split('\n')) if (line !== '') all.recordValue(Number(line));
    }
    assert.equal(all.totalCount, report.summary.requests);
    const merged = decodeHistogram(report.histograms.latency);
    assert.equal(merged.totalCount, all.totalCount);
    for (const p of [50, 90, 99, 99.9]) {
      assert.equal(merged.getValueAtPercentile(p), all.getValueAtPercentile(p), `p${p} of merged == p${p} of all samples`);
    }
    assert.equal(report.summary.latencyMs.p50, Math.round(all.getValueAtPercentile(50)) / 1000);
    assert.equal(report.summary.latencyMs.p99, Math.round(all.getValueAtPercentile(99)) / 1000);
    merged.destroy();
    all.destroy();
  } finally {
    await target.close();
  }
});
