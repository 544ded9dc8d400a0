// Fleet faults against a counting target, with a long-lived coordinator and agents as real processes:
// the coordinator paused (SIGSTOP/SIGCONT: a GC pause, VM steal, a network blip) loses every agent at
// once, and the run must wait for them and merge their resent figures exactly once; an agent killed for
// good leaves figures missing, which is never a pass (exit 8) unless --allow-incomplete is given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTarget } from '../helpers/target.js';
import { startCli } from '../helpers/cli.js';
import { startFleet } from '../helpers/fleet.js';
import { assertCompleted } from '../helpers/verdict.js';

const fleet = async (ids: string[]) => startFleet({ target: await startTarget(), ids, token: 'faults-e2e', dirPrefix: 'loadfleet-faults-' });

/** Open model on the target; a 2 s request timeout bounds the drain (and the wait for lost agents). */
const open = (url: string, rate: number, duration: string) => ({ request: { url, timeout: '2s' }, load: { model: 'open', rate, duration } });

test('the coordinator paused 3 s mid-run: every agent is lost, comes back, resends; the report equals the target\'s count', async (t) => {
  const f = await fleet(['p1', 'p2']);
  try {
    const run = f.run(open(f.target.url, 100, '8s'));
    await run.waitFor(/\[\s*2s\//);
    f.coord.kill('SIGSTOP');
    // The fault itself lasts 3 s of wall time (longer than the 2-2.5 s both sides take to call the other lost).
    await new Promise((r) => setTimeout(r, 3_000));
    f.coord.kill('SIGCONT');
    const code = await run.exited;
    const out = run.stdout() + run.stderr();
    assertCompleted(code, `the pause alone neither fails the run nor leaves it incomplete\n${out}`, f.report, { requests: f.target.total() });
    const r = f.report();
    const kinds = r.timeline.map((e) => `${e.kind} ${e.agentId ?? ''}`.trim());
    t.diagnostic(`exit ${code}, verdict ${r.verdict} (${r.verdictReasons.join('; ')}), dropped ${r.summary.dropped}; timeline: ${kinds.join(', ')}`);
    assert.ok(kinds.includes('lost p1') && kinds.includes('lost p2'), `the pause lost both agents: ${kinds.join(', ')}`);
    assert.ok(kinds.includes('recovered p1') && kinds.includes('recovered p2'), `both came back with their figures: ${kinds.join(', ')}`);
    assert.deepEqual(r.incomplete, []);
    assert.equal(r.summary.requests, f.target.total(), 'every request the target got is in the report, once');
    assert.ok(r.reconciliation.every((n) => n.status !== 'mismatch'), JSON.stringify(r.reconciliation));
  } finally {
    f.coord.kill('SIGCONT');
    await f.close();
  }
});

test('kill -9 of one agent of two: verdict incomplete, exit 8, a banner; `loadfleet report` says the same', async () => {
  const f = await fleet(['i1', 'i2']);
  try {
    const run = f.run(open(f.target.url, 100, '4s'), ['--html', 'r.html']);
    await run.waitFor(/\[\s*1s\//);
    f.agents.get('i2')!.kill('SIGKILL');
    const code = await run.exited;
    assert.equal(code, 8, run.stdout() + run.stderr());
    const r = f.report();
    assert.equal(r.verdict, 'incomplete');
    assert.match(r.incomplete.join('\n'), /i2 was lost/);
    assert.match(r.verdictReasons[0] ?? '', /one set of figures is missing/);
    assert.ok(r.summary.requests < f.target.total(), 'the report is short of the target\'s count, and says so');
    assert.match(run.stdout(), /INCOMPLETE FIGURES:[\s\S]*INCOMPLETE: some agent's figures never arrived/);
    const again = startCli(['report', 'r.json'], { env: f.env, cwd: f.dir });
    assert.equal(await again.exited, 8, `loadfleet report exits with the verdict's code too\n${again.stderr()}`);
    assert.match(again.stdout(), /INCOMPLETE: some agent's figures never arrived/);
    assert.match(readFileSync(join(f.dir, 'r.html'), 'utf8'), /id="verdict">INCOMPLETE: some agent&#39;s figures never arrived/, 'the HTML report agrees');
  } finally {
    await f.close();
  }
});

test('kill -9 of one agent of two with --allow-incomplete: the rest is judged (exit 0 or 4), the banner stays', async () => {
  const f = await fleet(['w1', 'w2']);
  try {
    const run = f.run(open(f.target.url, 100, '4s'), ['--allow-incomplete']);
    await run.waitFor(/\[\s*1s\//);
    f.agents.get('w2')!.kill('SIGKILL');
    const code = await run.exited;
    assertCompleted(code, `${run.stdout()}${run.stderr()}`, f.report);
    const r = f.report();
    assert.equal(r.incompleteAllowed, true);
    assert.match(r.incomplete.join('\n'), /w2 was lost/);
    assert.match(run.stdout(), /INCOMPLETE FIGURES:/);
    assert.match(run.stdout(), /verdict: PASS on incomplete figures \(--allow-incomplete\)|GENERATOR-BOUND/);
  } finally {
    await f.close();
  }
});
