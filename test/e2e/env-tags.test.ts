// `--env` / `{{ $env.NAME }}`, request tags and the timing breakdown, end to end: `loadfleet run` and
// `validate` as users run them (real agent processes, real gRPC) against the counting target.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../coordinator/report/report.js';
import { startCli } from '../helpers/cli.js';
import { startTarget } from '../helpers/target.js';

/** A value that must never be printed or written anywhere but into the requests. */
const SECRET = 'tok-sekret-4711';

const ENV_SCENARIO = `
name: env-test
requests:
  items:
    url: "{{ $env.BASE }}/api/items"
    headers: { authorization: "Bearer {{ $env.TOKEN }}" }
load: { model: open, rate: 20, duration: 1s }
`;

test('--env resolves where the CLI runs: the target sees the token on every request; the value is in no output and not in report.json', async () => {
  const target = await startTarget({ api: true });
  const dir = mkdtempSync(join(tmpdir(), 'loadfleet-env-'));
  try {
    writeFileSync(join(dir, 's.yaml'), ENV_SCENARIO);
    // TOKEN comes from the CLI's own environment (`--env TOKEN`), BASE from the flag.
    const p = startCli(['run', 's.yaml', '--agents', '2', '--out', 'r.json', '--env', `BASE=${target.origin}`, '--env', 'TOKEN'], { cwd: dir, env: { TOKEN: SECRET } });
    const code = await p.exited;
    assert.equal(code, 0, `stdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`);
    const r = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report;
    assert.ok(r.summary.requests > 0);
    assert.deepEqual(target.tokens(), { [SECRET]: target.paths()['/api/items'] }, 'every request carried the token from --env');
    assert.equal(target.paths()['/api/items'], r.summary.sent, 'the target counts what the report sent');
    assert.match(p.stdout(), /TOKEN: set/, 'the header names the variables as set');
    for (const [what, text] of [['stdout', p.stdout()], ['stderr', p.stderr()], ['report.json', readFileSync(join(dir, 'r.json'), 'utf8')]] as const) {
      assert.ok(!text.includes('sekret'), `${what} does not contain the value`);
    }
  } finally {
    await target.close();
  }
});

test('a $env name not given is a located problem naming it, exit 2 before any load; validate --env never prints values', async () => {
  const target = await startTarget({ api: true });
  const dir = mkdtempSync(join(tmpdir(), 'loadfleet-env-'));
  try {
    writeFileSync(join(dir, 's.yaml'), ENV_SCENARIO);
    const run = startCli(['run', 's.yaml', '--agents', '1', '--out', 'r.json', '--env', `BASE=${target.origin}`], { cwd: dir });
    assert.equal(await run.exited, 2, `stdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`);
    assert.match(run.stderr(), /s\.yaml:6:\d+: requests\.items\.headers\.authorization: \$env\.TOKEN is not set: pass --env TOKEN=/);
    assert.equal(target.total(), 0, 'no load was sent');

    const missing = startCli(['validate', 's.yaml', '--env', `BASE=${target.origin}`], { cwd: dir });
    assert.equal(await missing.exited, 2);
    assert.match(missing.stdout(), /env: BASE: set, TOKEN: not set/);
    assert.match(missing.stdout(), /s\.yaml:6:\d+: .*\$env\.TOKEN is not set/);

    const ok = startCli(['validate', 's.yaml', '--env', `BASE=${target.origin}`, '--env', `TOKEN=${SECRET}`, '--env', 'SECRET=xyz-unused-sekret'], { cwd: dir });
    assert.equal(await ok.exited, 0, ok.stdout() + ok.stderr());
    assert.match(ok.stdout(), /env: BASE: set, TOKEN: set, SECRET: set, not read by the file/);
    assert.ok(!`${ok.stdout()}${ok.stderr()}`.includes('sekret'), 'validate prints no value');
  } finally {
    await target.close();
  }
});

test('tags: per-tag request counts equal what the target counted on the tagged paths; the summary has them', async () => {
  const target = await startTarget();
  const dir = mkdtempSync(join(tmpdir(), 'loadfleet-tags-'));
  try {
    writeFileSync(join(dir, 's.yaml'), `
name: tags-test
variables: { base: "${target.origin}" }
requests:
  a: { url: "{{ base }}/a", tags: { endpoint: a, group: g1 } }
  b: { url: "{{ base }}/b", tags: { endpoint: b, group: g1 } }
  c: { url: "{{ base }}/c" }
flows:
  f:
    steps:
      - request: a
      - request: b
      - request: c
      - request: { name: d, url: "{{ base }}/d", tags: { endpoint: d } }
load: { model: open, rate: 15, duration: 1s }
`);
    const p = startCli(['run', 's.yaml', '--agents', '2', '--out', 'r.json'], { cwd: dir });
    assert.equal(await p.exited, 0, `stdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`);
    const r = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report;
    const paths = target.paths();
    assert.ok((paths['/a'] ?? 0) > 0);
    assert.equal(r.tags?.endpoint?.a?.requests, paths['/a']);
    assert.equal(r.tags?.endpoint?.b?.requests, paths['/b']);
    assert.equal(r.tags?.endpoint?.d?.requests, paths['/d']);
    assert.equal(r.tags?.group?.g1?.requests, (paths['/a'] ?? 0) + (paths['/b'] ?? 0), 'a value shared by names sums them');
    assert.deepEqual(Object.keys(r.tags ?? {}), ['endpoint', 'group'], 'no untagged name shows');
    assert.equal(r.tags?.group?.g1?.latencyMs.count, r.tags?.group?.g1?.requests, 'one timed value per response');
    assert.match(p.stdout(), /requests by tag[\s\S]*group=g1 +\d+/);
  } finally {
    await target.close();
  }
});

for (const path of ['single request (the engine fast path)', 'flows (the scenario language)'] as const) {
  test(`timing breakdown, ${path}: connect counts new connections only, waiting counts every response`, async () => {
    const target = await startTarget({ delayMs: 5 });
    const dir = mkdtempSync(join(tmpdir(), 'loadfleet-timing-'));
    try {
      const flows = path.startsWith('flows');
      writeFileSync(join(dir, 's.yaml'), flows ? `
name: timing-flows
variables: { base: "${target.origin}" }
flows:
  f: { steps: [{ request: { name: one, url: "{{ base }}/one" } }, { request: { name: two, url: "{{ base }}/two", tags: { kind: second } } }] }
load: { model: open, rate: 20, duration: 1s, connections: 2 }
` : `
name: timing-single
request: { url: "${target.origin}/x" }
load: { model: open, rate: 40, duration: 1s, connections: 2 }
`);
      const p = startCli(['run', 's.yaml', '--agents', '2', '--out', 'r.json'], { cwd: dir });
      assert.equal(await p.exited, 0, `stdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`);
      const r = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report;
      const t = r.timing;
      assert.ok(t !== undefined, 'report.timing');
      assert.ok(t.connectMs.count >= 1, 'some connection was opened');
      assert.ok(t.connectMs.count <= target.connections(), `connect count ${t.connectMs.count} <= ${target.connections()} connections the target accepted`);
      assert.ok(t.connectMs.count < r.summary.requests, 'keep-alive: reused connections add nothing');
      assert.equal(t.tlsMs.count, 0, 'plain HTTP: no TLS handshakes');
      assert.equal(t.waitingMs.count, r.summary.requests, 'one time to first byte per response');
      assert.ok(t.waitingMs.p50 >= 4, `waiting includes the target's 5 ms service time (p50 ${t.waitingMs.p50})`);
      assert.ok(t.waitingMs.p50 <= r.summary.latencyMs.p99 + 0.1, 'waiting is part of the latency');
      assert.match(p.stdout(), /timing +connect p50 .* new connection\(s\).*waiting \(TTFB\) p50/);
      if (flows) {
        for (const name of ['one', 'two']) assert.equal(r.requests?.[name]?.waitingMs?.count, r.requests?.[name]?.requests, `${name}: one TTFB per response`);
        assert.equal(r.tags?.kind?.second?.waitingMs?.count, r.requests?.two?.requests, 'per tag too');
      }
    } finally {
      await target.close();
    }
  });
}
