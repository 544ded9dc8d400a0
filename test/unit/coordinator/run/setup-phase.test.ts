// A run during its setup (run/setup-phase.ts): what `status` shows of it (a real SetupJobs on a manual
// clock, fake agents), and the report of a run that sent no load, from the one report builder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateScenarioFile } from '../../../../common/scenario/validate.js';
import { scenarioFromFile } from '../../../../common/scenario/compile.js';
import type { Scenario } from '../../../../common/scenario/scenario.js';
import { SetupJobs } from '../../../../coordinator/run/setup-jobs.js';
import { noLoadReport, setupStatus } from '../../../../coordinator/run/setup-phase.js';
import type { SetupPhase } from '../../../../coordinator/run/setup-phase.js';
import type { NoLoad, SetupRecord } from '../../../../coordinator/report/setup-figures.js';
import { formatSummary } from '../../../../coordinator/outputs/console.js';
import { ManualClock } from '../../../helpers/manual-clock.js';

function scenario(): Scenario {
  const v = validateScenarioFile({
    variables: { base: 'http://127.0.0.1:9' },
    setup: { steps: [{ request: { name: 'login', url: '{{ base }}/login', method: 'POST', timeout: '2s' }, extract: { token: { json: '$.token' } } }] },
    request: { url: '{{ base }}/items', headers: { authorization: 'Bearer {{ token }}' } },
    load: { model: 'open', rate: 10, duration: '3s' },
    thresholds: ['p99 < 100ms', 'error_rate < 1%'],
  });
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  const r = scenarioFromFile(v.file, () => '');
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.scenario;
}

const rec = (over: Partial<SetupRecord>): SetupRecord => ({
  part: 'setup', purpose: 'setup', atMs: 0, ran: true, agentId: 'a1', ok: false, message: '', values: [], requests: 1, durationMs: 12, steps: [], movedFrom: [], ...over,
});

test('status during setup: the agent running it and for how long; none before an agent took it', async () => {
  const clock = new ManualClock();
  let agents: string[] = [];
  const jobs = new SetupJobs({ runId: 'r1', scenario: scenario(), snapshotIntervalMs: 1_000, clock, send: () => true, candidates: () => agents, notice: () => {} });
  const phase: SetupPhase = { runId: 'r1', startedMs: clock.nowMs(), jobs, stopReason: undefined };
  assert.deepEqual(setupStatus(phase, clock.nowMs()), { runId: 'r1', agentId: null, onAgentMs: 0, elapsedMs: 0 }, 'no job yet');
  clock.advance(1_000);
  agents = ['a1', 'a2'];
  const done = jobs.run('setup', 'setup', undefined, 0);
  clock.advance(2_500);
  assert.deepEqual(setupStatus(phase, clock.nowMs()), { runId: 'r1', agentId: 'a1', onAgentMs: 2_500, elapsedMs: 3_500 }, 'a1 since it was sent the job');
  agents = ['a2'];
  jobs.onAgentLeft('a1', 'stream ended');
  clock.advance(500);
  assert.deepEqual(setupStatus(phase, clock.nowMs()), { runId: 'r1', agentId: 'a2', onAgentMs: 500, elapsedMs: 4_000 }, 'moved to a2: its own time');
  // A stop abandons it: the job ends not ok, and a later answer from a2 is ignored.
  jobs.cancel('stopped during the setup: loadfleet stop');
  const r = await done;
  assert.equal(r.record.ok, false);
  assert.equal(r.record.message, 'stopped during the setup: loadfleet stop');
  jobs.onResult('a2', { kind: 'setup-result', runId: 'r1', job: 1, ok: true, values: { token: 'x' }, message: '', figures: { requests: 1, durationMs: 1, steps: [] } });
  assert.deepEqual(jobs.running(), [], 'nothing under way');
});

test('a run that sent no load: the report has every field, zero main figures, and the verdict its cause earns', () => {
  const rows: { why: string; setup: SetupRecord; noLoad: NoLoad; verdict: string; reasons: RegExp; summary: RegExp }[] = [
    {
      why: 'setup failed: setup-failed (exit 9), the failure named; thresholds do not add "no data"',
      setup: rec({ message: 'setup step 1 (login): POST /login answered status 401' }),
      noLoad: { cause: 'setup-failed', message: 'setup failed on agent a1: setup step 1 (login): POST /login answered status 401' },
      verdict: 'setup-failed',
      reasons: /^setup failed on agent a1: setup step 1 \(login\): POST \/login answered status 401 \(no load was sent\)$/,
      summary: /^loadfleet .*\n.*\nNO LOAD SENT: the setup failed, so the test never started[\s\S]*^latency +- \(no request sent\)[\s\S]*SETUP FAILED: no load was sent/m,
    },
    {
      why: 'stopped during setup: failed (exit 3, as a stopped run that sent nothing), the stop named, not "target down"',
      setup: rec({ requests: 0, message: 'stopped during the setup: loadfleet stop' }),
      noLoad: { cause: 'stopped', message: 'loadfleet stop' },
      verdict: 'failed',
      reasons: /^stopped during setup \(loadfleet stop\): no load was sent$/,
      summary: /^loadfleet .*\n.*\nNO LOAD SENT: the test was stopped during its setup \(loadfleet stop\)[\s\S]*setup +abandoned on a1/m,
    },
  ];
  for (const row of rows) {
    const r = noLoadReport({ runId: 'r1', scenario: scenario(), startedAtEpochMs: 0, durationMs: 2_000, intervalMs: 1_000, onAgentLoss: 'rebalance', setup: row.setup, noLoad: row.noLoad });
    assert.equal(r.verdict, row.verdict, row.why);
    assert.equal(r.verdictReasons.length, 1, `${row.why}: ${JSON.stringify(r.verdictReasons)}`);
    assert.match(r.verdictReasons[0] ?? '', row.reasons, row.why);
    assert.deepEqual([r.summary.requests, r.summary.sent, r.summary.errors, r.summary.failed, r.summary.durationMs, r.summary.rps], [0, 0, 0, 0, 0, 0], row.why);
    assert.deepEqual([r.series, r.agents, r.failures, r.incomplete], [[], [], [], []], row.why);
    assert.equal(typeof r.histograms.latency, 'string', `${row.why}: the histograms are there, empty`);
    assert.deepEqual(r.setup, { setup: row.setup, refreshes: [], teardown: null, noLoad: row.noLoad }, row.why);
    assert.match(formatSummary(r), row.summary, row.why);
  }
});
