// A report outlives the CLI that started its run: the long-lived coordinator keeps the last finished
// runs' reports, and `loadfleet report --coordinator HOST:PORT [RUN_ID]` fetches one. Real processes
// (coordinator, agent, CLIs), real gRPC, a counting target.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTarget } from '../helpers/target.js';
import type { Report } from '../../coordinator/report/report.js';
import type { Proc } from '../helpers/processes.js';
import { startCli } from '../helpers/cli.js';
import { startFleet } from '../helpers/fleet.js';
import { assertCompleted, assertPassed } from '../helpers/verdict.js';

test('a killed `run --coordinator` loses nothing: the coordinator keeps the report and `report --coordinator RUN_ID` fetches it whole', async () => {
  const fleet = await startFleet({ target: await startTarget(), ids: ['keep1'], token: 'keep-token', dirPrefix: 'loadfleet-keep-' });
  const cli = (args: string[]) => startCli([...args, '--coordinator', fleet.addr], { env: fleet.env, cwd: fleet.dir });
  try {
    // Nothing finished yet, nothing running: both say so with exit 3.
    const none = cli(['report']);
    assert.equal(await none.exited, 3, none.stderr());
    assert.match(none.stderr(), /no report on this coordinator: it keeps none/);
    const idleStop = cli(['stop']);
    assert.equal(await idleStop.exited, 3, 'stop with no test running exits 3, as rate does');
    assert.match(idleStop.stderr(), /no test is running/);

    // Long enough that it is still running while this test looks at it; `stop` ends it below.
    const run = fleet.run({ request: { url: fleet.target.url }, load: { model: 'open', rate: 40, duration: '120s' } });
    const runId = (await run.waitFor(/^run id: (\S+)/))[1] as string;
    assert.match(run.stdout(), new RegExp(`loadfleet report --coordinator ${fleet.addr.replace(/\./g, '\\.')} ${runId}`), 'it prints how to fetch the report later');
    await run.waitFor(/\[\s*1s\//);
    run.kill('SIGKILL');
    assert.equal(await run.exited, 137);

    const early = cli(['report', runId]);
    assert.equal(await early.exited, 3, early.stderr());
    assert.match(early.stderr(), new RegExp(`run ${runId} is still running`));

    const stop = cli(['stop']);
    assert.equal(await stop.exited, 0, stop.stderr());
    await fleet.coord.waitFor(new RegExp(`run ${runId} finished`), 30_000);

    const fetched = cli(['report', runId, '--out', 'fetched.json']);
    const code = await fetched.exited;
    const fetchedReport = (): Report => JSON.parse(readFileSync(join(fleet.dir, 'fetched.json'), 'utf8')) as Report;
    // The verdict's code, as run's. Not held to a pass although 40/s is light: this run is cut short by
    // `stop` a second or two in, and exited 4 on the 2-core machine this was written on.
    assertCompleted(code, fetched.stderr(), fetchedReport, { requests: fleet.target.total() });
    const report = fetchedReport();
    assert.equal(report.runId, runId);
    assert.ok(report.summary.requests > 0);
    assert.equal(report.summary.requests, fleet.target.total(), 'the kept report counts every request the target received');
    assert.match(fetched.stdout(), new RegExp(`run ${runId}`), 'the summary is printed');

    const latest = cli(['report']);
    assert.equal(await latest.exited, code, `the latest run's report exits with the same verdict's code: ${latest.stderr()}`);
    assert.match(latest.stdout(), new RegExp(`run ${runId}`), 'no RUN_ID: the latest finished run');

    const unknown = cli(['report', 'run-nope']);
    assert.equal(await unknown.exited, 3);
    assert.match(unknown.stderr(), new RegExp(`no report of run run-nope on this coordinator; it keeps the last 20 finished run\\(s\\): ${runId}`));
  } finally {
    await fleet.close();
  }
});

test('a second Ctrl-C on `run --coordinator` gives up at once (exit 130) and names the command that fetches the report, which the coordinator keeps', async () => {
  // Each request takes 3 s, so the drain after the first Ctrl-C is still going when the second comes.
  const fleet = await startFleet({ target: await startTarget({ delayMs: 3_000 }), ids: ['keep2'], token: 'keep-token', dirPrefix: 'loadfleet-keep-' });
  try {
    const run = fleet.run({ request: { url: fleet.target.origin }, load: { model: 'open', rate: 20, duration: '120s' } });
    const runId = (await run.waitFor(/^run id: (\S+)/))[1] as string;
    await run.waitFor(/\[\s*1s\//);
    run.kill('SIGINT');
    await run.waitFor(/again to abort/);
    run.kill('SIGINT');
    assert.equal(await run.exited, 130, run.stderr());
    assert.match(run.stderr(), new RegExp(`aborted; run ${runId} ends on the coordinator, which keeps its report: loadfleet report --coordinator \\S+ ${runId}`));
    await fleet.coord.waitFor(new RegExp(`run ${runId} finished`), 30_000);
    const fetched = startCli(['report', runId, '--coordinator', fleet.addr, '--out', 'fetched.json'], { env: fleet.env, cwd: fleet.dir });
    const code = await fetched.exited;
    const fetchedReport = (): Report => JSON.parse(readFileSync(join(fleet.dir, 'fetched.json'), 'utf8')) as Report;
    assertPassed(code, fetched.stderr(), fetchedReport); // 20/s on one agent: light
    const report = fetchedReport();
    assert.equal(report.summary.requests, fleet.target.total(), 'every request the target received, drained after the CLI went');
  } finally {
    await fleet.close();
  }
});

test('coordinator --report-dir also writes each finished report to DIR/RUN_ID.json, where it outlives the coordinator', async () => {
  const target = await startTarget();
  const dir = mkdtempSync(join(tmpdir(), 'loadfleet-keep-dir-'));
  const env = { LOADFLEET_TOKEN: 'keep-token' };
  const coord = startCli(['coordinator', '--listen', '127.0.0.1:0', '--report-dir', 'kept', '--keep-reports', '1'], { env, cwd: dir });
  let agent: Proc | undefined;
  try {
    const addr = (await coord.waitFor(/coordinator listening on (\S+)/))[1] as string;
    agent = startCli(['agent', '--join', addr, '--id', 'keep3'], { env });
    await agent.waitFor(/joined coordinator/);
    writeFileSync(join(dir, 's.json'), JSON.stringify({ request: { url: target.url }, load: { model: 'open', rate: 20, duration: '2s' } }));
    const run = startCli(['run', 's.json', '--coordinator', addr, '--out', 'r.json'], { env, cwd: dir });
    const runId = (await run.waitFor(/^run id: (\S+)/))[1] as string;
    assertPassed(await run.exited, run.stderr(), () => JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report); // 20/s for 2 s: light
    await coord.waitFor(new RegExp(`report of run ${runId} written to `));
    coord.kill('SIGKILL');
    await coord.exited;
    const kept = JSON.parse(readFileSync(join(dir, 'kept', `${runId}.json`), 'utf8')) as Report;
    assert.deepEqual(kept, JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')), 'the same report the run wrote');
    assert.equal(kept.summary.requests, target.total());
  } finally {
    agent?.kill('SIGKILL');
    coord.kill('SIGKILL');
    await Promise.all([agent?.exited, coord.exited]);
    await target.close();
  }
});
