// Poisson arrivals end to end: `loadfleet run` with `arrivals: poisson` on a real agent process against the
// counting target. The count of a Poisson process over rate x duration = N has standard deviation
// sqrt(N); the bound below is 4.5 of them, so a correct implementation fails it about once in 150 000 runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../coordinator/report/report.js';
import { startCli } from '../helpers/cli.js';
import { assertCompleted, reportAt } from '../helpers/verdict.js';
import { startTarget } from '../helpers/target.js';

test('arrivals: poisson at 50/s for 4 s on one agent: the target counts 200 +- 4.5 sqrt(200), as the report does; gaps vary like exponential ones', async () => {
  const target = await startTarget();
  const dir = mkdtempSync(join(tmpdir(), 'loadfleet-poisson-'));
  try {
    writeFileSync(join(dir, 's.yaml'), `
name: poisson
request: { url: "${target.url}" }
load: { model: open, rate: 50, duration: 4s, arrivals: poisson }
`);
    const p = startCli(['run', 's.yaml', '--agents', '1', '--out', 'r.json'], { cwd: dir });
    const code = await p.exited;
    assertCompleted(code, `${p.stdout()}\n${p.stderr()}`, reportAt(join(dir, 'r.json')));
    const r = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report;
    const expected = 50 * 4;
    const tolerance = 4.5 * Math.sqrt(expected);
    assert.equal(target.total(), r.summary.sent, 'the target saw every request sent');
    assert.ok(Math.abs(target.total() - expected) <= tolerance, `${target.total()} requests, want ${expected} +- ${tolerance.toFixed(0)}`);
    // Evenly spaced arrivals have gaps of 20 ms with a few ms of jitter (CV well under 0.5); exponential
    // gaps have CV 1 (the estimate from ~200 gaps spreads by about 0.1).
    const at = target.arrivals();
    const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const cv = Math.sqrt(gaps.reduce((a, b) => a + (b - mean) ** 2, 0) / (gaps.length - 1)) / mean;
    assert.ok(cv > 0.6, `gaps' coefficient of variation ${cv.toFixed(2)}: not Poisson-like`);
  } finally {
    await target.close();
  }
});
