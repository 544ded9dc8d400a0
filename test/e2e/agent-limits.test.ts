// Agents that refuse targets and rates they were not allowed, whatever their coordinator asks. All
// traffic stays on loopback: the "forbidden" target is on 127.0.0.1 while the agent allows 127.0.0.2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTarget } from '../helpers/target.js';
import { startCli } from '../helpers/cli.js';

const ENV = { LOADFLEET_TOKEN: 'limits-e2e' };

test('a target outside the agent\'s allow-list and a rate above its ceiling are refused with a coded failure; nothing is sent', async () => {
  const target = await startTarget();
  const dir = mkdtempSync(join(tmpdir(), 'loadfleet-limits-'));
  const coord = startCli(['coordinator', '--listen', '127.0.0.1:0'], { env: ENV });
  const addr = (await coord.waitFor(/coordinator listening on (\S+)/))[1] as string;
  const narrow = startCli(['agent', '--join', addr, '--id', 'narrow', '--allow-target', '127.0.0.2', '--max-rate', '50'], { env: ENV });
  try {
    await narrow.waitFor(/joined coordinator/);
    assert.match(narrow.stderr(), /allowed targets: 127\.0\.0\.2/);
    const runWith = async (rate: number, url: string): Promise<{ code: number; out: string }> => {
      writeFileSync(join(dir, 's.json'), JSON.stringify({ request: { url }, load: { model: 'open', rate, duration: '2s' } }));
      const run = startCli(['run', 's.json', '--coordinator', addr, '--agents', '1', '--out', 'r.json'], { env: ENV, cwd: dir });
      const code = await run.exited;
      return { code, out: run.stdout() + run.stderr() };
    };
    const outside = await runWith(10, target.url);
    assert.equal(outside.code, 3, outside.out);
    assert.match(outside.out, /REFUSED_LIMIT: agent narrow refused: target 127\.0\.0\.1:\d+ is not in this agent's allow-list \(127\.0\.0\.2\)/);
    const tooFast = await runWith(200, target.url.replace('127.0.0.1', '127.0.0.2'));
    assert.equal(tooFast.code, 3, tooFast.out);
    assert.match(tooFast.out, /asks for 200 req\/s, above this agent's --max-rate 50/);
    assert.equal(target.total(), 0, 'the target never saw a request');
    const bad = startCli(['agent', '--join', addr, '--allow-target', '10.0.0.0/40'], { env: ENV });
    assert.equal(await bad.exited, 2);
    assert.match(bad.stderr(), /--allow-target "10\.0\.0\.0\/40": prefix \/40 is not 0-32/);
  } finally {
    narrow.kill('SIGKILL');
    coord.kill('SIGKILL');
    await Promise.all([narrow.exited, coord.exited]);
    await target.close();
  }
});
