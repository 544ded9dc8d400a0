// `unique` rows on a clean fleet: 2 agents (real processes, a long-lived coordinator) share a unique
// feeder and run to the end with no agent dying: every row handed out is used or returned, none lost.
// The pool is small enough to run dry before the end, so at the end one agent returns rows while the
// other is waiting for some: the rows handed to it then cross its own account on the wire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFleet } from '../helpers/fleet.js';
import { assertPassed } from '../helpers/verdict.js';
import { startTarget } from '../helpers/target.js';
import { loginFlow } from '../helpers/target-api.js';

{
  const [rate, duration, rows] = [30, '5s', 200] as const;
  test(`a clean 2-agent run at ${rate}/s for ${duration} over ${rows} unique rows (dry before the end) loses none`, async () => {
    const f = await startFleet({ target: await startTarget({ api: true }), ids: ['c1', 'c2'], token: 'unique-clean', dirPrefix: 'loadfleet-unique-' });
    try {
      writeFileSync(join(f.dir, 'users.csv'), ['user', ...Array.from({ length: rows }, (_, i) => `user-${i}`)].join('\n') + '\n');
      const run = f.run(loginFlow('unique-clean', f.target.origin, 'users', 'unique', rate, duration));
      assertPassed(await run.exited, run.stdout() + run.stderr(), f.report);
      const d = f.report().data?.users;
      assert.ok(d !== undefined);
      assert.equal(d.lost, 0, `no agent died: ${JSON.stringify(d)}\n${run.stdout()}${run.stderr()}`);
      assert.equal(d.outstanding, 0);
      assert.equal(d.handedOut, d.used + d.returned, JSON.stringify(d));
      const logins = f.target.logins();
      for (const [user, n] of Object.entries(logins)) assert.equal(n, 1, `${user} logged in ${n} times: a unique row was used twice`);
      assert.equal(d.used, Object.keys(logins).length);
      assert.match(run.stdout(), /data users \(unique\): .* 0 lost, /);
    } finally {
      await f.close();
    }
  });
}
