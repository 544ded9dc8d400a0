// The scenario language end to end: `loadfleet run` as users run it (real agent processes, real gRPC),
// against a target that records which account logged in and which token each call carried.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Report } from '../../coordinator/report/report.js';
import { startCli } from '../helpers/cli.js';
import { assertCompleted, reportAt } from '../helpers/verdict.js';
import { startTarget } from '../helpers/target.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));

function workdir(): string {
  return mkdtempSync(join(tmpdir(), 'loadfleet-lang-'));
}

test('a login flow with a unique CSV feeder on 2 agents: each account logs in exactly once fleet-wide, its token is used, checks count per name, a threshold on one name exits 7', async () => {
  const target = await startTarget({ api: true });
  const dir = workdir();
  try {
    const rows = 30;
    writeFileSync(join(dir, 'users.csv'), ['email,password', ...Array.from({ length: rows }, (_, i) => `user${i}@test,pw${i}`)].join('\n') + '\n');
    writeFileSync(join(dir, 's.yaml'), `
name: login-flow
variables: { base: "${target.origin}" }
data:
  users: { path: users.csv, mode: unique }
flows:
  shop:
    steps:
      - request:
          name: login
          url: "{{ base }}/login"
          method: POST
          headers: { content-type: application/json }
          body: '{"user": {{ $json(users.email) }}, "password": {{ $json(users.password) }}}'
        extract: { token: { json: $.token } }
        checks: [{ status: 200 }]
        think: 20ms
      - request:
          name: items
          url: "{{ base }}/api/items"
          headers: { authorization: "Bearer {{ token }}" }
        checks: [{ json: $.ok, equals: true }, { name: wants-201, status: 201 }]
load: { model: open, rate: 20, duration: 3s }
warmup: 1s
thresholds:
  - { threshold: p99 < 0.001ms, request: items }
  - { threshold: error_rate < 1%, request: login }
`);
    const p = startCli(['run', 's.yaml', '--agents', '2', '--out', 'r.json'], { cwd: dir });
    const code = await p.exited;
    assert.equal(code, 7, `exit 7 (thresholds failed); stdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`);
    const logins = target.logins();
    assert.equal(Object.keys(logins).length, rows, 'every row was used');
    for (const [user, n] of Object.entries(logins)) assert.equal(n, 1, `${user} logged in once`);
    const tokens = target.tokens();
    assert.deepEqual(Object.keys(tokens).sort(), Object.keys(logins).map((u) => `tok-${u}`).sort(), 'each extracted token was sent by the next step');
    for (const [tok, n] of Object.entries(tokens)) assert.equal(n, 1, `${tok} used once`);

    const r = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report;
    const login = r.requests?.login;
    const items = r.requests?.items;
    assert.ok(login !== undefined && items !== undefined, `report.requests: ${JSON.stringify(r.requests)}`);
    // Warm-up used some rows: main-phase logins plus warm-up logins are the rows.
    assert.equal(login.requests + (r.warmup?.requests ?? 0) / 2, rows);
    assert.equal(login.checks.passed, login.requests);
    assert.equal(login.checks.failed, 0);
    assert.equal(items.checks.passed, items.requests, 'the json check passes on every items response');
    assert.equal(items.checks.failed, items.requests, 'the status 201 check fails on every one, and never stops the load');
    assert.deepEqual(items.checks.failures, { 'wants-201': items.requests });
    assert.ok(items.latencyMs.p99 > 0);
    assert.equal(r.summary.requests, login.requests + items.requests, 'global figures are the sum of the names');
    assert.ok((r.flows?.noData ?? 0) > 0, 'runs after the rows ran out are counted');
    assert.equal(r.summary.sent + (r.warmup?.sent ?? 0), target.total(), 'the target saw every request sent and nothing else');
    const byThreshold = Object.fromEntries(r.thresholds.results.map((t) => [`${t.threshold} ${t.request}`, t.status]));
    assert.deepEqual(byThreshold, { 'p99 < 0.001ms items': 'fail', 'error_rate < 1% login': 'pass' });
    assert.match(p.stdout(), /requests by name/);
  } finally {
    await target.close();
  }
});

test('every example in examples/ runs against a local target', async () => {
  // The scenario-language examples log in to the login API; the single-request ones load a plain target
  // (which answers 200 on every path, as the servers they are written for would: 4xx counts as failed).
  const api = await startTarget({ api: true });
  const plain = await startTarget();
  const dir = workdir();
  try {
    mkdirSync(join(dir, 'data'));
    for (const f of readdirSync(join(EXAMPLES, 'data'))) copyFileSync(join(EXAMPLES, 'data', f), join(dir, 'data', f));
    const files = readdirSync(EXAMPLES).filter((f) => /\.(ya?ml|json)$/.test(f));
    for (const f of files) {
      const source = readFileSync(join(EXAMPLES, f), 'utf8');
      const target = /^\s*"?(flows|requests|scenarios)"?:/m.test(source) ? api : plain;
      let text = source.replaceAll('http://127.0.0.1:8080', target.origin);
      // Short: the examples are sized for real targets; the flags keep each to a couple of seconds. A file
      // with several scenarios takes no load flags (each has its own load): its durations become 1 s each.
      const several = /^scenarios:/m.test(text);
      if (several) text = text.replace(/duration: \d+[sm]\b/g, 'duration: 1s');
      writeFileSync(join(dir, f), text);
      const short = several ? [] : /model:\s*closed|"model": "closed"/.test(text) ? ['--duration', '2s'] : ['--rate', '20', '--duration', '2s'];
      // A file reading `{{ $env.BASE }}` gets the target's origin, as its comment's `--env BASE=...` does.
      const env = /\$env\.BASE\b/.test(text) ? ['--env', `BASE=${target.origin}`] : [];
      const before = target.total();
      const p = startCli(['run', f, '--agents', '1', '--out', `${f}.json`, ...short, ...env], { cwd: dir });
      const code = await p.exited;
      // The examples are sized for real targets (a multi-scenario file keeps its rates): generator-bound is accepted.
      assertCompleted(code, `${f}\n${p.stdout()}\n${p.stderr()}`, reportAt(join(dir, `${f}.json`)));
      const r = JSON.parse(readFileSync(join(dir, `${f}.json`), 'utf8')) as Report;
      assert.ok(r.summary.requests > 0, `${f} sent requests`);
      // Setup's, refreshes' and teardown's requests are reported apart (report.setup).
      const setupSent = [r.setup?.setup, ...(r.setup?.refreshes ?? []), r.setup?.teardown].reduce((n, x) => n + (x?.requests ?? 0), 0);
      assert.equal(target.total() - before, r.summary.sent + (r.warmup?.sent ?? 0) + setupSent, `${f}: the target count equals the report`);
      assert.ok(r.thresholds.results.every((t) => t.status === 'pass'), `${f}: thresholds ${JSON.stringify(r.thresholds.results)}`);
    }
  } finally {
    await api.close();
    await plain.close();
  }
});
