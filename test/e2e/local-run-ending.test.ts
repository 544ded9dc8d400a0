// How a local `loadfleet run` (coordinator in the CLI, agents as its child processes) ends as users end
// it: a light smoke test running to its end passes outright; a terminal's Ctrl-C (SIGINT to the whole
// foreground process group) and a typed `stop` stop the run through the coordinator, with no agent
// "left" or "lost" and no target rate reported missing. Real processes, a counting target on port 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTarget } from '../helpers/target.js';
import { assertPassed, reportAt } from '../helpers/verdict.js';
import type { Report } from '../../coordinator/report/report.js';
import { startCli } from '../helpers/cli.js';

const scenarioFile = (url: string, duration: string): string => {
  const dir = mkdtempSync(join(tmpdir(), 'loadfleet-ending-'));
  writeFileSync(join(dir, 's.yaml'), `name: ending\nrequest:\n  url: ${url}\nload:\n  model: open\n  rate: 20\n  duration: ${duration}\n`);
  return dir;
};

/** What a user must not see after stopping a healthy run. */
function assertCleanStop(out: string, report: Report): void {
  assert.doesNotMatch(out, /agent \S+ left/, 'no agent left: the agents did not see the Ctrl-C');
  assert.doesNotMatch(out, /no agent left to carry the load/);
  assert.doesNotMatch(out, /agent \S+ (lost|failed)/);
  assert.doesNotMatch(out, /target rate missing/, 'a stop is not load missing');
  assert.deepEqual(report.series.filter((p) => p.missingRps > 0).map((p) => [p.index, p.missingRps]), [], 'no second has a missing rate');
  assert.ok(report.timeline.some((e) => e.kind === 'stop'), 'the stop is on the timeline');
  assert.equal(report.failures.length, 0, report.failures.join('; '));
  assert.ok(report.summary.requests > 0);
}

test('a light smoke test (3 s at 20 req/s on 2 local agents) passes outright with exit 0', async () => {
  const target = await startTarget();
  try {
    const dir = scenarioFile(target.url, '3s');
    const p = startCli(['run', 's.yaml', '--agents', '2', '--out', 'r.json', '--no-dashboard'], { cwd: dir });
    const code = await p.exited;
    assertPassed(code, p.stdout(), reportAt(join(dir, 'r.json')));
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report;
    assert.equal(report.summary.requests, target.total());
  } finally {
    await target.close();
  }
});

test('Ctrl-C in a terminal (SIGINT to the process group of `run`) stops the run through the coordinator: no agent left, no rate missing', async (t) => {
  const target = await startTarget();
  try {
    const dir = scenarioFile(target.url, '30s');
    // Its own process group, as a shell gives a foreground command: the Ctrl-C goes to the whole group.
    const p = startCli(['run', 's.yaml', '--agents', '2', '--out', 'r.json', '--no-dashboard'], { cwd: dir, detached: true, t });
    const seen = p.waitFor(/\[\s*2s\//, 60_000).then(() => true, () => false);
    const interrupted = await Promise.race([seen, p.exited.then(() => false)]);
    assert.ok(interrupted, `the run showed its second live line before ending:\n${p.stdout()}${p.stderr()}`);
    p.kill('SIGINT');
    await p.exited;
    const out = p.stdout() + p.stderr();
    assert.match(out, /SIGINT: stopping the test/);
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report;
    assertCleanStop(out, report);
    assert.equal(report.summary.requests, target.total());
  } finally {
    await target.close();
  }
});

test('a typed `stop` ends the run with no target rate missing in its last second', async () => {
  const target = await startTarget();
  try {
    const dir = scenarioFile(target.url, '30s');
    const p = startCli(['run', 's.yaml', '--agents', '2', '--out', 'r.json', '--no-dashboard'], { cwd: dir });
    await p.waitFor(/\[\s*2s\//, 30_000);
    p.child.stdin!.write('stop\n');
    await p.exited;
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report;
    assertCleanStop(p.stdout() + p.stderr(), report);
  } finally {
    await target.close();
  }
});
