// The coordinator's setup state machine (run/setup-jobs.ts) and a run's setup life (run/setup-life.ts
// through TestRun), driven by hand: fake agents (a send function and results fed back) and a manual
// clock. No sockets, no sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CoordMsg, SetupResultMsg } from '../../../../common/protocol/messages.js';
import { agentPlanSchema } from '../../../../common/plan/agent-plan.js';
import { validateScenarioFile } from '../../../../common/scenario/validate.js';
import { scenarioFromFile } from '../../../../common/scenario/compile.js';
import type { Scenario } from '../../../../common/scenario/scenario.js';
import { SETUP_MARGIN_MS, SetupJobs } from '../../../../coordinator/run/setup-jobs.js';
import type { SetupJobResult } from '../../../../coordinator/run/setup-jobs.js';
import { TestRun } from '../../../../coordinator/run/test-run.js';
import { emptyStats } from '../../../../common/metrics/stats.js';
import type { Stats } from '../../../../common/metrics/stats.js';
import { encodeHistogram, newHistogram } from '../../../../common/metrics/histogram.js';
import { ManualClock } from '../../../helpers/manual-clock.js';

function scenario(extra: Record<string, unknown> = {}): Scenario {
  const v = validateScenarioFile({
    variables: { base: 'http://127.0.0.1:9' },
    setup: { steps: [{ request: { name: 'login', url: '{{ base }}/login', method: 'POST', timeout: '2s' }, extract: { token: { json: '$.token' } } }] },
    teardown: { steps: [{ request: { name: 'logout', url: '{{ base }}/logout', headers: { authorization: 'Bearer {{ token }}' } } }] },
    request: { url: '{{ base }}/items', headers: { authorization: 'Bearer {{ token }}' } },
    load: { model: 'open', rate: 10, duration: '3s' },
    ...extra,
  });
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  const r = scenarioFromFile(v.file, () => '');
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.scenario;
}

/** Figures of `requests` responses of 1 ms each (a run with none is judged failed). */
function statsOf(requests: number): Stats {
  const h = newHistogram();
  for (let i = 0; i < requests; i++) h.recordValue(1_000);
  const enc = encodeHistogram(h);
  h.destroy();
  return { ...emptyStats(), requests, sent: requests, statusCodes: { '200': requests }, latencyHist: enc, serviceHist: enc };
}

const FIGURES = { requests: 1, durationMs: 5, steps: [{ request: 'login', status: 200, latencyMs: 5 }] };
const result = (job: number, ok: boolean, values: Record<string, unknown> = {}, message = ''): SetupResultMsg => ({ kind: 'setup-result', runId: 'r1', job, ok, values, message, figures: FIGURES });

function jobsWith(candidates: string[], opts: { refuse?: string[] } = {}) {
  const clock = new ManualClock();
  const sent: { to: string; m: CoordMsg }[] = [];
  const notices: string[] = [];
  const live = [...candidates];
  const jobs = new SetupJobs({
    runId: 'r1', scenario: scenario(), snapshotIntervalMs: 1_000, clock,
    send: (to, m) => { if (opts.refuse?.includes(to) === true) return false; sent.push({ to, m }); return true; },
    candidates: () => live, notice: (level, m) => notices.push(`${level}: ${m}`),
  });
  return { clock, sent, notices, jobs, live };
}

test('setup jobs: one agent runs it; what happens on an answer, a loss, silence, no agent', async () => {
  const rows: { why: string; agents: string[]; refuse?: string[]; drive: (h: ReturnType<typeof jobsWith>) => void; want: { ok: boolean; agentId: string | null; message?: RegExp; movedFrom?: string[]; values?: Record<string, unknown>; tried: string[] } }[] = [
    {
      why: 'the first agent answers ok: its values, nobody else asked',
      agents: ['a', 'b', 'c'],
      drive: (h) => h.jobs.onResult('a', result(1, true, { token: 't1' })),
      want: { ok: true, agentId: 'a', values: { token: 't1' }, tried: ['a'] },
    },
    {
      why: 'the agent reports a failed step: the job failed, no other agent tries',
      agents: ['a', 'b'],
      drive: (h) => h.jobs.onResult('a', result(1, false, {}, 'setup step 1 (login): answered status 401')),
      want: { ok: false, agentId: 'a', message: /status 401/, tried: ['a'] },
    },
    {
      why: 'the agent is lost before answering: the job moves to the next agent, which answers',
      agents: ['a', 'b'],
      drive: (h) => { h.jobs.onAgentLeft('a', 'stream closed'); h.jobs.onResult('b', result(1, true, { token: 't2' })); },
      want: { ok: true, agentId: 'b', values: { token: 't2' }, movedFrom: ['a'], tried: ['a', 'b'] },
    },
    {
      why: 'an answer from an agent that was not asked (or a late one) is ignored',
      agents: ['a', 'b'],
      drive: (h) => { h.jobs.onResult('b', result(1, true, { token: 'x' })); h.jobs.onResult('a', result(1, true, { token: 'ok' })); },
      want: { ok: true, agentId: 'a', values: { token: 'ok' }, tried: ['a'] },
    },
    {
      why: 'every agent lost: no agent left',
      agents: ['a', 'b'],
      drive: (h) => { h.jobs.onAgentLeft('a', 'gone'); h.jobs.onAgentLeft('b', 'gone'); },
      want: { ok: false, agentId: 'b', message: /no agent left to run it \(lost on a, b\)/, movedFrom: ['a', 'b'], tried: ['a', 'b'] },
    },
    {
      why: 'a stream that closed as the job was sent counts as tried; the next agent gets it',
      agents: ['a', 'b'],
      refuse: ['a'],
      drive: (h) => h.jobs.onResult('b', result(1, true, { token: 'tb' })),
      want: { ok: true, agentId: 'b', values: { token: 'tb' }, movedFrom: ['a'], tried: ['b'] },
    },
    {
      why: 'no answer within the steps\' timeouts plus the margin: failed, not moved (a slow target is no agent\'s fault)',
      agents: ['a', 'b'],
      drive: (h) => { h.clock.advance(2_000 + SETUP_MARGIN_MS - 1); h.jobs.onAgentLeft('x', 'other agent'); h.clock.advance(1); },
      want: { ok: false, agentId: 'a', message: /agent a gave no answer within 12 s/, tried: ['a'] },
    },
    {
      why: 'no agent connected at all',
      agents: [],
      drive: () => {},
      want: { ok: false, agentId: null, message: /no agent left to run it$/, tried: [] },
    },
  ];
  for (const r of rows) {
    const h = jobsWith(r.agents, r.refuse === undefined ? {} : { refuse: r.refuse });
    let got: SetupJobResult | undefined;
    void h.jobs.run('setup', 'setup', undefined, 0).then((x) => { got = x; });
    r.drive(h);
    await Promise.resolve();
    assert.ok(got !== undefined, `${r.why}: the job ended`);
    assert.equal(got.record.ok, r.want.ok, r.why);
    assert.equal(got.record.agentId, r.want.agentId, r.why);
    if (r.want.message !== undefined) assert.match(got.record.message, r.want.message, r.why);
    assert.deepEqual(got.record.movedFrom, r.want.movedFrom ?? [], r.why);
    assert.deepEqual(got.values, r.want.values ?? {}, r.why);
    assert.deepEqual(h.sent.map((s) => s.to), r.want.tried, r.why);
    if (got.record.ok) assert.deepEqual(got.record.values, Object.keys(r.want.values ?? {}), `${r.why}: the record names the values only`);
  }
});

test('a job\'s plan carries no load and no data rows; teardown\'s carries setup\'s values, setup\'s none', async () => {
  const h = jobsWith(['a']);
  void h.jobs.run('setup', 'setup', { token: 'old' }, 0);
  void h.jobs.run('teardown', 'teardown', { token: 'tok' }, 0);
  const [setupJob, teardownJob] = h.sent.map((s) => s.m);
  assert.ok(setupJob?.kind === 'setup-job' && teardownJob?.kind === 'setup-job');
  assert.deepEqual([setupJob.job, setupJob.part, teardownJob.job, teardownJob.part], [1, 'setup', 2, 'teardown']);
  const plan = agentPlanSchema.parse(JSON.parse(setupJob.planJson));
  assert.deepEqual(plan.segments, [{ durationMs: 1, from: 0, to: 0 }], 'no share of the rate: an agent\'s --max-rate does not refuse it');
  assert.equal(plan.maxInFlight, 1);
  assert.deepEqual(plan.program?.data, {});
  assert.equal(plan.setupValues, undefined, 'setup starts from the constants only');
  assert.deepEqual(agentPlanSchema.parse(JSON.parse(teardownJob.planJson)).setupValues, { token: 'tok' });
});

/** A TestRun with setup done on agent a (token t1), agents a and b. */
function runWithSetup(extra: Record<string, unknown> = {}) {
  const clock = new ManualClock();
  const sent: { to: string; m: CoordMsg }[] = [];
  const notices: string[] = [];
  const sc = scenario(extra);
  const jobs = new SetupJobs({
    runId: 'r1', scenario: sc, snapshotIntervalMs: 1_000, clock, send: (to, m) => { sent.push({ to, m }); return true; }, candidates: () => ['a', 'b'],
    notice: (level, m) => notices.push(`${level}: ${m}`),
  });
  const first: SetupJobResult = {
    values: { token: 't1' },
    record: { part: 'setup', purpose: 'setup', atMs: 0, ran: true, agentId: 'a', ok: true, message: '', values: ['token'], requests: 1, durationMs: 5, steps: FIGURES.steps, movedFrom: [] },
  };
  const run = new TestRun({
    runId: 'r1', scenario: sc, agents: [{ id: 'a', host: 'ha' }, { id: 'b', host: 'hb' }], clock, startedAtEpochMs: 0, snapshotIntervalMs: 1_000,
    send: (to, m) => { sent.push({ to, m }); return true; }, listener: { onTick: () => {}, onNotice: (level, m) => notices.push(`${level}: ${m}`) },
    finishGraceMs: 5_000, setup: { jobs, first },
  });
  const done = (agent: string): void => run.onAgentMessage(agent, { kind: 'done', runId: 'r1', assignment: 1, lastSeq: 0, main: statsOf(10), warmup: emptyStats(), durationMs: 3_000 });
  const deliver = (agent: string, m: SetupResultMsg): void => jobs.onResult(agent, m);
  return { clock, run, sent, notices, done, deliver };
}

test('a run with setup: every plan and a joiner\'s carry setup\'s values; teardown runs once after a stop, before the report', async () => {
  const h = runWithSetup();
  h.run.start();
  const plans = h.sent.filter((s) => s.m.kind === 'assign').map((s) => agentPlanSchema.parse(JSON.parse((s.m as { planJson: string }).planJson)));
  assert.deepEqual(plans.map((p) => p.setupValues), [{ token: 't1' }, { token: 't1' }]);
  h.clock.advance(1_000);
  assert.equal(h.run.join('c', 'hc'), true);
  const joiner = h.sent.filter((s) => s.m.kind === 'assign' && s.to === 'c').map((s) => agentPlanSchema.parse(JSON.parse((s.m as { planJson: string }).planJson)))[0];
  assert.deepEqual(joiner?.setupValues, { token: 't1' }, 'the joiner gets the values too');

  h.run.stop('stop typed');
  for (const id of ['a', 'b']) h.done(id);
  h.run.onAgentMessage('c', { kind: 'done', runId: 'r1', assignment: 1, lastSeq: 0, main: emptyStats(), warmup: emptyStats(), durationMs: 2_000 });
  const jobsSent = h.sent.filter((s) => s.m.kind === 'setup-job');
  assert.equal(jobsSent.length, 1, 'one teardown, on one agent');
  const tj = jobsSent[0]!;
  assert.ok(tj.m.kind === 'setup-job' && tj.m.part === 'teardown');
  assert.equal(h.run.currentState, 'stopping', 'the report waits for the teardown');
  h.deliver(tj.to, { ...result(tj.m.job, true), figures: { requests: 1, durationMs: 3, steps: [{ request: 'logout', status: 200, latencyMs: 3 }] } });
  const report = await h.run.report;
  assert.equal(report.setup?.setup?.agentId, 'a');
  assert.equal(report.setup?.teardown?.ok, true);
  assert.equal(report.summary.requests, 20, 'setup\'s and teardown\'s requests are not in the main figures');
  assert.equal(h.sent.filter((s) => s.m.kind === 'setup-job').length, 1, 'teardown ran once');
});

test('refresh: new values go to every live member and the joiners after; a failed refresh keeps them and makes the verdict setup-failed', async () => {
  const h = runWithSetup({ setup: { refresh: '1s', steps: [{ request: { name: 'login', url: '{{ base }}/login', method: 'POST' }, extract: { token: { json: '$.token' } } }] } });
  h.run.start();
  h.clock.advance(1_000);
  const refresh1 = h.sent.filter((s) => s.m.kind === 'setup-job').at(-1)!;
  assert.ok(refresh1.m.kind === 'setup-job' && refresh1.m.part === 'setup');
  h.deliver(refresh1.to, result(refresh1.m.job, true, { token: 't2' }));
  await Promise.resolve();
  await Promise.resolve();
  const pushed = h.sent.filter((s) => s.m.kind === 'setup-values');
  assert.deepEqual(pushed.map((s) => [s.to, (s.m as { values: unknown }).values, (s.m as { generation: number }).generation]), [['a', { token: 't2' }, 2], ['b', { token: 't2' }, 2]]);
  assert.equal(h.run.join('c', 'hc'), true);
  const joiner = h.sent.filter((s) => s.m.kind === 'assign' && s.to === 'c').map((s) => agentPlanSchema.parse(JSON.parse((s.m as { planJson: string }).planJson)))[0];
  assert.deepEqual(joiner?.setupValues, { token: 't2' }, 'a joiner gets the newest values');

  h.clock.advance(1_000);
  const refresh2 = h.sent.filter((s) => s.m.kind === 'setup-job').at(-1)!;
  assert.ok(refresh2.m.kind === 'setup-job' && refresh2.m.job !== refresh1.m.job);
  h.deliver(refresh2.to, result(refresh2.m.job, false, {}, 'setup step 1 (login): answered status 500'));
  await Promise.resolve();
  await Promise.resolve();
  assert.ok(h.notices.some((n) => /^error: setup refresh failed on agent \w: setup step 1 \(login\): answered status 500; the agents keep the previous values/.test(n)), h.notices.join('\n'));
  assert.equal(h.sent.filter((s) => s.m.kind === 'setup-values').length, 2, 'no values pushed after a failed refresh');

  h.clock.advance(1_500);
  for (const id of ['a', 'b']) h.done(id);
  h.run.onAgentMessage('c', { kind: 'done', runId: 'r1', assignment: 1, lastSeq: 0, main: emptyStats(), warmup: emptyStats(), durationMs: 2_000 });
  const tj = h.sent.filter((s) => s.m.kind === 'setup-job').at(-1)!;
  assert.ok(tj.m.kind === 'setup-job' && tj.m.part === 'teardown');
  assert.deepEqual(agentPlanSchema.parse(JSON.parse(tj.m.planJson)).setupValues, { token: 't2' }, 'teardown sees the newest good values');
  h.deliver(tj.to, result(tj.m.job, true));
  const report = await h.run.report;
  assert.equal(report.verdict, 'setup-failed');
  assert.match(report.verdictReasons[0] ?? '', /setup refresh at 2 s failed on agent \w: .*status 500 \(the load went on with the previous values\)/);
  assert.deepEqual(report.setup?.refreshes.map((r) => r.ok), [true, false]);
});

test('teardown with no agent connected: the report says it did not run, and the verdict is not a pass', async () => {
  const clock = new ManualClock();
  const sc = scenario();
  const jobs = new SetupJobs({ runId: 'r1', scenario: sc, snapshotIntervalMs: 1_000, clock, send: () => true, candidates: () => [], notice: () => {} });
  const run = new TestRun({
    runId: 'r1', scenario: sc, agents: [{ id: 'a', host: 'ha' }], clock, startedAtEpochMs: 0, snapshotIntervalMs: 1_000,
    send: () => true, listener: { onTick: () => {}, onNotice: () => {} }, finishGraceMs: 5_000, setup: { jobs, first: undefined },
  });
  run.start();
  run.onAgentLeft('a', 'stream closed');
  clock.advance(60_000);
  const report = await run.report;
  assert.equal(report.setup?.teardown?.ran, false);
  assert.match(report.setup?.teardown?.message ?? '', /no agent left to run it/);
  assert.notEqual(report.verdict, 'pass');
});

test('refresh counts in main-phase time: none during the warm-up, the first one refresh period into the main phase', () => {
  const h = runWithSetup({ warmup: '2s', setup: { refresh: '1s', steps: [{ request: { name: 'login', url: '{{ base }}/login', method: 'POST' }, extract: { token: { json: '$.token' } } }] } });
  h.run.start();
  const refreshes = (): number => h.sent.filter((s) => s.m.kind === 'setup-job').length;
  h.clock.advance(2_999);
  assert.equal(refreshes(), 0, 'warm-up (2 s) plus one period (1 s) not yet over');
  h.clock.advance(1);
  assert.equal(refreshes(), 1);
});
