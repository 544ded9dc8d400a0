// Cookie jars per virtual user, end to end: `loadfleet run` on real agent processes against a target that
// hands out a new session cookie per login and records which session each later call carried.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../coordinator/report/report.js';
import { loadfleetVersion } from '../../common/runtime/version.js';
import { startCli } from '../helpers/cli.js';
import { assertCompleted, reportAt } from '../helpers/verdict.js';
import { startTarget } from '../helpers/target.js';

const sum = (m: Readonly<Record<string, number>> | undefined): number => Object.values(m ?? {}).reduce((a, b) => a + b, 0);

test('cookies on 2 agents: login-then-me succeeds on every open-model flow run, each session is used by exactly one run (no leak); cookies: false sends none; per-loop keeps a loop\'s session across iterations', async () => {
  const target = await startTarget({ api: true });
  const dir = mkdtempSync(join(tmpdir(), 'loadfleet-cookies-'));
  try {
    writeFileSync(join(dir, 's.yaml'), `
name: cookies
variables: { base: "${target.origin}" }
flows:
  withJar:
    steps:
      - request: { name: login-jar, url: "{{ base }}/session/login/jar", method: POST }
        think: { uniform: [5ms, 20ms] }
      - request: { name: me-jar, url: "{{ base }}/session/me/jar" }
  noJar:
    steps:
      - request: { name: login-nojar, url: "{{ base }}/session/login/nojar", method: POST }
      - request: { name: me-nojar, url: "{{ base }}/session/me/nojar" }
  loop:
    steps:
      - request: { name: me-loop, url: "{{ base }}/session/me/loop" }
      - request: { name: login-loop, url: "{{ base }}/session/login/loop", method: POST }
        think: 20ms
scenarios:
  jar: { exec: withJar, load: { model: open, rate: 20, duration: 2s } }
  nojar: { exec: noJar, cookies: false, load: { model: open, rate: 5, duration: 2s } }
  loops: { exec: loop, cookies: per-loop, load: { model: closed, concurrency: 2, duration: 2s } }
`);
    const p = startCli(['run', 's.yaml', '--agents', '2', '--out', 'r.json'], { cwd: dir });
    const code = await p.exited;
    assertCompleted(code, `${p.stdout()}\n${p.stderr()}`, reportAt(join(dir, 'r.json')));
    const r = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report;
    const s = target.sessions();
    const figures = (name: string): number => r.requests?.[name]?.requests ?? -1;

    const jar = s.me['/session/me/jar'] ?? {};
    assert.ok(figures('me-jar') > 0, `me-jar ran: ${JSON.stringify(r.requests)}`);
    assert.equal(jar[''], undefined, `every /session/me/jar carried a valid session: ${JSON.stringify(jar)}`);
    assert.equal(sum(jar), figures('me-jar'), 'the target saw as many as the report counts');
    for (const [sid, n] of Object.entries(jar)) assert.equal(n, 1, `session ${sid} was used by one flow run only`);
    assert.equal(s.loginsWithCookie['/session/login/jar'], undefined, 'no login carried a cookie from an earlier flow run');
    assert.equal(s.wrongPath, 0, 'the Path=/elsewhere cookie never came back to /session/');

    const noJar = s.me['/session/me/nojar'] ?? {};
    assert.ok(figures('me-nojar') > 0);
    assert.deepEqual(noJar, { '': figures('me-nojar') }, 'with cookies: false every call came without a session (401)');

    // per-loop: each loop's first me has no session yet; every later one carries the loop's last login.
    const loop = s.me['/session/me/loop'] ?? {};
    assert.equal(loop[''], 2, `one session-less call per loop (2 loops in the fleet): ${JSON.stringify(loop)}`);
    assert.equal(sum(loop), figures('me-loop'));
    assert.ok(figures('me-loop') > 2, 'the loops went round more than once');
    for (const [sid, n] of Object.entries(loop)) if (sid !== '') assert.equal(n, 1, `session ${sid} used by the next iteration of its loop only`);

    assert.deepEqual(Object.keys(s.userAgents), [`loadfleet/${loadfleetVersion()}`], 'every call sent the default User-Agent');
  } finally {
    await target.close();
  }
});
