// The coordinator around a run's setup (coordinator.ts), with a fake agent on an in-memory connection
// and a manual clock: `status` while setup runs, `stop` during it, a failed setup's report kept like any
// run's. No sockets, no sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROTOCOL_VERSION } from '../../../common/protocol/messages.js';
import type { CoordMsg } from '../../../common/protocol/messages.js';
import type { AgentConn } from '../../../coordinator/fleet/agent-conn.js';
import { Coordinator } from '../../../coordinator/coordinator.js';
import { validateScenarioFile } from '../../../common/scenario/validate.js';
import { scenarioFromFile } from '../../../common/scenario/compile.js';
import type { Scenario } from '../../../common/scenario/scenario.js';
import { ManualClock } from '../../helpers/manual-clock.js';

class FakeConn implements AgentConn {
  readonly peer = 'fake';
  sent: CoordMsg[] = [];
  send(m: CoordMsg): boolean {
    this.sent.push(m);
    return true;
  }
  close(): void {}
}

function scenario(): Scenario {
  const v = validateScenarioFile({
    variables: { base: 'http://127.0.0.1:9' },
    setup: { steps: [{ request: { name: 'login', url: '{{ base }}/login', method: 'POST', timeout: '2s' }, extract: { token: { json: '$.token' } } }] },
    teardown: { steps: [{ request: { name: 'logout', url: '{{ base }}/logout', headers: { authorization: 'Bearer {{ token }}' } } }] },
    request: { url: '{{ base }}/items', headers: { authorization: 'Bearer {{ token }}' } },
    load: { model: 'open', rate: 10, duration: '3s' },
  });
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  const r = scenarioFromFile(v.file, () => '');
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.scenario;
}

function withAgent() {
  const clock = new ManualClock();
  const c = new Coordinator({ clock, version: 't', log: () => {} });
  const conn = new FakeConn();
  const h = c.fleet.accept(conn);
  h.onMessage({ kind: 'hello', agentId: 'a1', protocolVersion: PROTOCOL_VERSION, version: 't', host: 'h', cores: 2 });
  const notices: string[] = [];
  const listener = { onTick: () => {}, onNotice: (level: string, m: string) => { notices.push(`${level}: ${m}`); } };
  /** The setup jobs the agent was sent so far. */
  const jobs = () => conn.sent.filter((m): m is Extract<CoordMsg, { kind: 'setup-job' }> => m.kind === 'setup-job');
  /** Lets the coordinator's start() reach its next setup job (it awaits the agents and the data first): event-loop turns, no clock. */
  const settle = async (): Promise<void> => {
    const before = jobs().length;
    for (let i = 0; i < 200 && jobs().length === before; i++) await new Promise((r) => setImmediate(r));
  };
  return { clock, c, conn, h, notices, listener, jobs, settle };
}

test('status during setup names the run and the agent running it; stop abandons it: no load, no teardown, a report saying so', async () => {
  const { clock, c, conn, h, notices, listener, jobs, settle } = withAgent();
  try {
    assert.equal(c.stop('nothing yet'), false, 'no test: nothing to stop');
    const started = c.start(scenario(), listener);
    await settle();
    assert.equal(jobs().length, 1, 'the setup went to the agent');
    // Less than the heartbeat loss window (4 x 500 ms): the fake agent sends no heartbeats.
    clock.advance(1_000);
    const s = c.status();
    assert.equal(s.run, null);
    assert.deepEqual(s.setup, { runId: jobs()[0]?.runId, agentId: 'a1', onAgentMs: 1_000, elapsedMs: 1_000 });
    assert.throws(() => c.keptReport(), /is running its setup \(1 s\)/);

    assert.equal(c.stop('loadfleet stop'), true, 'a test in its setup is a test to stop');
    assert.equal(c.stop('again'), true, 'idempotent');
    const handle = await started;
    const r = await handle.report;
    assert.equal(r.verdict, 'failed');
    assert.deepEqual(r.verdictReasons, ['stopped during setup (loadfleet stop): no load was sent']);
    assert.deepEqual(r.setup?.noLoad, { cause: 'stopped', message: 'loadfleet stop' });
    assert.equal(r.summary.requests, 0);
    assert.ok(notices.some((n) => /stopped during the setup \(loadfleet stop\): no load was sent, no teardown runs/.test(n)), notices.join('\n'));
    assert.deepEqual(conn.sent.filter((m) => m.kind === 'assign' || m.kind === 'setup-job').map((m) => m.kind), ['setup-job'], 'no assignment, no teardown job');
    assert.equal(c.keptReport(handle.runId).runId, handle.runId, 'kept like any run\'s');
    assert.equal(c.status().setup, undefined);

    // The agent's late answer is ignored; the coordinator takes the next test.
    h.onMessage({ kind: 'setup-result', runId: handle.runId, job: 1, ok: true, values: { token: 't' }, message: '', figures: { requests: 1, durationMs: 1, steps: [] } });
    const next = c.start(scenario(), listener);
    await settle();
    assert.equal(jobs().length, 2, 'not BUSY: the next setup went out');
    c.stop('done');
    await (await next).report;
  } finally {
    c.close();
  }
});

test('a failed setup ends the run with a report (verdict setup-failed), kept by the coordinator; the error notice names the step', async () => {
  const { c, h, notices, listener, jobs, settle } = withAgent();
  try {
    const started = c.start(scenario(), listener);
    await settle();
    const job = jobs()[0];
    assert.ok(job !== undefined);
    h.onMessage({
      kind: 'setup-result', runId: job.runId, job: job.job, ok: false, values: {}, message: 'setup step 1 (login): POST http://127.0.0.1:9/login answered status 401',
      figures: { requests: 1, durationMs: 4, steps: [{ request: 'login', status: 401, latencyMs: 4 }] },
    });
    const handle = await started;
    const r = await handle.report;
    assert.equal(r.verdict, 'setup-failed');
    assert.deepEqual(r.verdictReasons, ['setup failed on agent a1: setup step 1 (login): POST http://127.0.0.1:9/login answered status 401 (no load was sent)']);
    assert.deepEqual([r.setup?.setup?.requests, r.setup?.setup?.steps.length, r.summary.requests], [1, 1, 0]);
    assert.ok(notices.includes('error: setup failed on agent a1: setup step 1 (login): POST http://127.0.0.1:9/login answered status 401; no load was sent: fix the setup steps (or the target) and run again'), notices.join('\n'));
    assert.equal(c.keptReport().runId, handle.runId);
  } finally {
    c.close();
  }
});
