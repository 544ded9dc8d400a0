// The agent's side of setup and teardown: agent/setup-run.ts against a real login API on 127.0.0.1
// port 0 (what each failure looks like), and the session's handling of SetupJob and SetupValues
// (in-memory link, manual clock).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSetupPart } from '../../../agent/setup-run.js';
import type { AgentPlan } from '../../../common/plan/agent-plan.js';
import type { ProgramStep } from '../../../common/flow/program.js';
import { systemClock } from '../../../common/runtime/clock.js';
import { closedPort, startTarget } from '../../helpers/target.js';
import { FakeEngine, PLAN, WELCOME, setup } from '../../helpers/agent-session.js';

/** A plan whose program's setup (or teardown) is `steps`, with requests login, bad, items, logout on `origin`. */
function planFor(origin: string, steps: ProgramStep[], setupValues?: Record<string, unknown>): AgentPlan {
  const req = (path: string, o: Partial<{ method: string; body: string; headers: Record<string, string>; checks: unknown[] }> = {}) => ({
    url: `{{ base }}${path}`, method: o.method ?? 'GET', headers: o.headers ?? {}, timeoutMs: 2_000, checks: (o.checks ?? []) as never[], ...(o.body !== undefined ? { body: o.body } : {}),
  });
  return {
    ...PLAN,
    program: {
      requests: {
        login: req('/login', { method: 'POST', body: '{"user": "{{ user }}", "password": "x"}' }),
        bad: req('/login', { method: 'POST', body: '{"user": "u", "password": "bad"}' }),
        badExpected: { ...req('/login', { method: 'POST', body: '{"user": "u", "password": "bad"}' }), expect: [[401, 401]] },
        me: req('/api/items', { headers: { authorization: 'Bearer {{ token }}' } }),
        logout: req('/logout', { method: 'POST', headers: { authorization: 'Bearer {{ token }}' } }),
      },
      flows: [{ name: 'f', weight: 1, steps: [{ request: 'me', extract: {}, checks: [], thinkMs: 0 }] }],
      variables: { base: origin, user: 'admin' },
      data: {},
      origins: [origin],
      setup: { steps },
      teardown: { steps },
    },
    ...(setupValues !== undefined ? { setupValues } : {}),
  };
}

const step = (request: string, o: Partial<ProgramStep> = {}): ProgramStep => ({ request, extract: {}, checks: [], thinkMs: 0, ...o });
const TOKEN = { token: { json: '$.token' } };

test('runSetupPart: the values, or the failed step and why, with the figures of the requests sent', async () => {
  const target = await startTarget({ api: true });
  const dead = `http://127.0.0.1:${await closedPort()}`;
  try {
    const rows: { why: string; steps: ProgramStep[]; origin?: string; want: { ok: boolean; values?: Record<string, unknown>; message?: RegExp; requests: number } }[] = [
      // login, then a call with the token: the token is the value
      { why: 'ok', steps: [step('login', { extract: TOKEN }), step('me', { checks: [{ status: 200 }] })], want: { ok: true, values: { token: 'tok-admin' }, requests: 2 } },
      // 401 and the step checks no status: failed, and no later step runs
      { why: 'status >= 400 unchecked', steps: [step('bad', { extract: TOKEN }), step('me')], want: { ok: false, message: /^setup step 1 \(bad\): POST .*\/login answered status 401, which the request does not expect$/, requests: 1 } },
      // the same 401, which the request expects: not a failure
      { why: 'status the request expects', steps: [step('badExpected')], want: { ok: true, values: {}, requests: 1 } },
      // a failed check names the check
      { why: 'failed check', steps: [step('login', { checks: [{ bodyContains: 'nope' }] })], want: { ok: false, message: /^setup step 1 \(login\): check ".*" failed: .*\(status 200\)$/, requests: 1 } },
      // a check that allows the 401 decides instead; then the extraction fails
      { why: 'failed extraction', steps: [step('bad', { checks: [{ status: 401 }], extract: TOKEN })], want: { ok: false, message: /^setup step 1 \(bad\): could not extract "token": .*\(status 401\)$/, requests: 1 } },
      // a value used before it exists: the request cannot be filled in, nothing sent
      { why: 'missing value', steps: [step('me')], want: { ok: false, message: /^setup step 1 \(me\): cannot fill in the request: /, requests: 0 } },
      // nobody listening
      { why: 'transport error', steps: [step('login', { extract: TOKEN })], origin: dead, want: { ok: false, message: /^setup step 1 \(login\): POST .* failed: refused/, requests: 1 } },
    ];
    for (const r of rows) {
      const o = await runSetupPart(planFor(r.origin ?? target.origin, r.steps), 'setup', { clock: systemClock });
      assert.equal(o.ok, r.want.ok, `${r.why}: ${o.message}`);
      if (r.want.values !== undefined) assert.deepEqual(o.values, r.want.values, r.why);
      if (r.want.message !== undefined) assert.match(o.message, r.want.message, r.why);
      assert.equal(o.figures.requests, r.want.requests, r.why);
      assert.equal(o.figures.steps.length, r.want.requests, r.why);
    }
    // Teardown sees setup's values and returns none.
    const t = await runSetupPart(planFor(target.origin, [step('logout', { checks: [{ status: 200 }] })], { token: 'tok-admin' }), 'teardown', { clock: systemClock });
    assert.deepEqual([t.ok, t.values, t.figures.steps.map((s) => s.status)], [true, {}, [200]], t.message);
    assert.equal(target.paths()['/logout'], 1);
  } finally {
    await target.close();
  }
});

test('session: a SetupJob is vetted like a plan and answered once; SetupValues reach the running engine', async () => {
  const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
  const ran: string[] = [];
  const { dialer, engines, session } = setup({
    vetPlan: async (p) => (p.program?.origins.includes('http://evil.test') === true ? 'target http://evil.test is not in the allow-list' : undefined),
    runSetup: async (_plan, part) => {
      ran.push(part);
      return { ok: true, values: { token: 't9' }, message: '', figures: { requests: 1, durationMs: 2, steps: [{ request: 'login', status: 200, latencyMs: 2 }] } };
    },
  });
  session.start();
  const link = dialer.last;
  link.deliver(WELCOME);
  link.deliver({ kind: 'assign', runId: 'r1', assignment: 1, planJson: JSON.stringify(PLAN) });
  const good = planFor('http://127.0.0.1:9', [step('login')]);
  // A refresh arrives while the assignment runs: it runs beside it.
  link.deliver({ kind: 'setup-job', runId: 'r1', job: 4, part: 'setup', planJson: JSON.stringify({ ...good, runId: 'r1' }) });
  link.deliver({ kind: 'setup-job', runId: 'r1', job: 5, part: 'setup', planJson: JSON.stringify({ ...good, runId: 'r1', program: { ...good.program, origins: ['http://evil.test'] } }) });
  link.deliver({ kind: 'setup-job', runId: 'r1', job: 6, part: 'teardown', planJson: '{"not": "a plan"}' });
  await tick();
  await tick();
  const results = link.sent.filter((m) => m.kind === 'setup-result');
  assert.deepEqual(ran, ['setup'], 'only the vetted, valid job ran');
  const byJob = new Map(results.map((m) => [m.kind === 'setup-result' ? m.job : 0, m]));
  assert.equal(results.length, 3, 'one answer per job');
  const ok = byJob.get(4);
  assert.ok(ok?.kind === 'setup-result' && ok.ok && ok.values.token === 't9');
  const refused = byJob.get(5);
  assert.ok(refused?.kind === 'setup-result' && !refused.ok && /refused the setup: target http:\/\/evil.test is not in the allow-list/.test(refused.message), JSON.stringify(refused));
  const invalid = byJob.get(6);
  assert.ok(invalid?.kind === 'setup-result' && !invalid.ok && /rejected the teardown plan/.test(invalid.message), JSON.stringify(invalid));

  const engine = engines[0] as FakeEngine & { values?: unknown; setSetupValues?: (v: Readonly<Record<string, unknown>>) => void };
  engine.setSetupValues = (v) => { engine.values = v; };
  link.deliver({ kind: 'setup-values', runId: 'r1', assignment: 2, values: { token: 'other' }, generation: 2 });
  link.deliver({ kind: 'setup-values', runId: 'r1', assignment: 1, values: { token: 't10' }, generation: 2 });
  assert.deepEqual(engine.values, { token: 't10' }, 'only its own assignment\'s values apply');
});
