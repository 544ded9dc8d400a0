// The `loadfleet` command as users run it: real processes, real gRPC, a counting target.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTarget } from '../helpers/target.js';
import type { Report } from '../../coordinator/report/report.js';
import type { Proc } from '../helpers/processes.js';
import { startCli } from '../helpers/cli.js';
import { assertCompleted, assertPassed, reportAt } from '../helpers/verdict.js';
import { sampleReport } from '../helpers/report.js';

function workdir(): string {
  return mkdtempSync(join(tmpdir(), 'loadfleet-cli-'));
}

test('--help explains every command', async () => {
  const p = startCli(['--help']);
  assert.equal(await p.exited, 0);
  for (const cmd of ['demo', 'run <scenario>', 'coordinator', 'agent', 'rate <rate>', 'status', 'stop']) {
    assert.ok(p.stdout().includes(cmd), `help mentions ${cmd}`);
  }
  const run = startCli(['run', '--help']);
  assert.equal(await run.exited, 0);
  for (const flag of ['--agents', '--rate', '--duration', '--out', '--warmup', '--coordinator']) assert.ok(run.stdout().includes(flag), `run --help has ${flag}`);
});

test('an invalid scenario lists every problem with its field and exits 2, sending nothing', async () => {
  const dir = workdir();
  writeFileSync(join(dir, 'bad.yaml'), 'request:\n  url: ftp://x\n  method: FETCH\nload:\n  model: open\n  rate: -5\n  duration: soon\n');
  const p = startCli(['run', 'bad.yaml'], { cwd: dir });
  assert.equal(await p.exited, 2);
  const err = p.stderr();
  assert.match(err, /request\.url: must be an absolute http/);
  assert.match(err, /request\.method: must be one of/);
  assert.match(err, /load\.rate/);
  assert.match(err, /load\.duration: "soon" is not a duration/);
  assert.doesNotMatch(err, /at .*\.js:\d+/, 'no stack trace');
});

test('run refuses what would load nothing or something else with exit 2, a message naming the fix, no stack trace, nothing sent', async () => {
  const target = await startTarget();
  const dir = workdir();
  try {
    const load = 'load: { model: open, rate: 20, duration: 1s }';
    writeFileSync(join(dir, 'u.csv'), 'mail\na@b\n');
    writeFileSync(join(dir, 'column.yaml'), `variables: { base: "${target.url}" }\ndata: { users: { path: u.csv } }\nflows: { f: { steps: [{ request: { url: "{{ base }}x/{{ users.email }}" } }] } }\n${load}\n`);
    writeFileSync(join(dir, 'empty.yaml'), `request: { url: "${target.url}" }\nscenarios: {}\n`);
    writeFileSync(join(dir, 'ok.yaml'), `request: { url: "${target.url}" }\n${load}\n`);
    const rows: [string, string[], RegExp][] = [
      // a header typo: unchecked, every flow run would send nothing and the run would blame the target (exit 3)
      ['data column', ['column.yaml'], /column\.yaml:3:\d+: flows\.f\.steps\.0\.request\.url: data "users" has no column "email" in any row .*; its columns: mail/],
      // validate refuses what run refuses
      ['empty scenarios', ['empty.yaml'], /empty\.yaml:2:\d+: scenarios: is empty: name at least one scenario/],
      // yargs gives NaN: the flag is named, not the field it lands in
      ['--rate abc', ['ok.yaml', '--rate', 'abc'], /--rate must be a number > 0, got something that is not a number/],
    ];
    for (const [why, args, re] of rows) {
      const p = startCli(['run', ...args, '--agents', '1', '--no-dashboard'], { cwd: dir });
      assert.equal(await p.exited, 2, `${why}: ${p.stderr()}`);
      assert.match(p.stdout() + p.stderr(), re, why);
      assert.doesNotMatch(p.stderr(), /at .*\.js:\d+/, `${why}: no stack trace`);
    }
    assert.equal(target.total(), 0, 'nothing reached the target');
  } finally {
    await target.close();
  }
});

test('a missing scenario file and a bad flag get clear errors and distinct exit codes', async () => {
  const dir = workdir();
  const missing = startCli(['run', 'nope.yaml'], { cwd: dir });
  assert.equal(await missing.exited, 2);
  assert.match(missing.stderr(), /cannot read scenario file .*nope\.yaml: ENOENT/);
  const badFlag = startCli(['run', 'x.yaml', '--bogus'], { cwd: dir });
  assert.equal(await badFlag.exited, 2);
  assert.match(badFlag.stderr(), /Unknown argument: bogus/);
  const noCoord = startCli(['status', '--coordinator', '127.0.0.1:1']);
  assert.equal(await noCoord.exited, 3);
  assert.match(noCoord.stderr(), /cannot reach the coordinator at 127\.0\.0\.1:1/);
  assert.doesNotMatch(noCoord.stderr(), /Resolution note/, 'grpc-js\'s empty resolver note is not shown');
});

test('a negative duration names the flag and the rule (it was read as the short flags -5 and -s)', async () => {
  const dir = workdir();
  writeFileSync(join(dir, 'ok.yaml'), 'request: { url: "http://127.0.0.1:9/" }\nload: { model: open, rate: 10, duration: 1s }\n');
  for (const flag of ['--duration', '--warmup']) {
    const p = startCli(['run', 'ok.yaml', flag, '-5s', '--agents', '1', '--no-dashboard'], { cwd: dir });
    assert.equal(await p.exited, 2, p.stderr());
    assert.match(p.stderr(), new RegExp(`${flag} "-5s" is negative: a duration is a length >= 0, e\\.g\\. 30s`));
    assert.doesNotMatch(p.stderr(), /Unknown argument/);
  }
});

test('a reader that goes away (`| head`) ends the output quietly: no EPIPE stack trace, the exports still written, the command\'s own exit code', async () => {
  const dir = workdir();
  writeFileSync(join(dir, 'r.json'), JSON.stringify(sampleReport(30)));
  const rows: [string, string[], number, string | undefined][] = [
    // [why, args, exit code, a file the command must still write]
    ['report with --csv', ['report', 'r.json', '--csv', 'series.csv'], 0, 'series.csv'],
    ['--help', ['--help'], 0, undefined],
  ];
  for (const [why, args, code, file] of rows) {
    const p = startCli(args, { cwd: dir });
    // The reader is gone before the command writes its first byte: every write to stdout fails with EPIPE.
    p.child.stdout!.destroy();
    const exit = await p.exited;
    const err = p.stderr();
    assert.equal(exit, code, `${why}: ${err}`);
    assert.doesNotMatch(err, /EPIPE|at .*\.js:\d+/, `${why}: quiet`);
    if (file !== undefined) assert.ok(readFileSync(join(dir, file), 'utf8').length > 0, `${why}: ${file} written`);
  }
});

test('a second Ctrl-C aborts at once (exit 130), without waiting for the agents to drain', async () => {
  // Every request hangs for 60 s, so a drain would last until the agents' 5 s grace ran out.
  const target = await startTarget({ delayMs: 60_000 });
  const dir = workdir();
  try {
    writeFileSync(join(dir, 's.yaml'), `request: { url: "${target.origin}" }\nload: { model: open, rate: 20, duration: 60s }\n`);
    const p = startCli(['run', 's.yaml', '--agents', '1', '--no-dashboard'], { cwd: dir });
    await p.waitFor(/\[\s*1s\//, 30_000);
    p.kill('SIGINT');
    await p.waitFor(/again to abort/);
    const t0 = performance.now();
    p.kill('SIGINT');
    assert.equal(await p.exited, 130, p.stderr());
    const ms = performance.now() - t0;
    // Generous for a loaded 2-core machine; waiting for the drain took the agents' 5 s grace.
    assert.ok(ms < 3_500, `exited ${ms.toFixed(0)} ms after the second Ctrl-C`);
    assert.match(p.stderr(), /aborted before the agents reported; no report written/);
  } finally {
    await target.close();
  }
});

test('run with local agents: live lines, a rate typed on the terminal, report totals equal the target count', async () => {
  const target = await startTarget();
  const dir = workdir();
  try {
    writeFileSync(join(dir, 's.yaml'), `name: cli-local\nrequest:\n  url: ${target.url}\nload:\n  model: open\n  rate: 100\n  duration: 5s\n`);
    const p = startCli(['run', 's.yaml', '--agents', '2', '--out', 'r.json'], { cwd: dir });
    await p.waitFor(/\[\s*1s\//);
    p.child.stdin!.write('rate 300\n');
    await p.waitFor(/rate 300\/s sent to 2 agent\(s\)/);
    // 150/s per agent after the change: generator-bound is accepted, as for the same load below.
    assertCompleted(await p.exited, `${p.stdout()}${p.stderr()}`, reportAt(join(dir, 'r.json')), { requests: target.total() });
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report;
    assert.equal(report.summary.requests, target.total());
    assert.equal(report.rateChanges.length, 1);
    assert.equal(report.rateChanges[0]?.rateRps, 300);
    assert.equal(report.rateChanges[0]?.source, 'terminal');
    assert.ok(report.summary.requests > 100 * 5, 'the typed rate raised the total');
    assert.match(p.stdout(), /report written to .*r\.json/);
  } finally {
    await target.close();
  }
});

test('a long-lived coordinator: agents join, run --coordinator, rate and status from another terminal', async () => {
  const target = await startTarget();
  const dir = workdir();
  const env = { LOADFLEET_TOKEN: 'e2e-token' };
  const coord = startCli(['coordinator', '--listen', '127.0.0.1:0'], { env });
  const agents: Proc[] = [];
  try {
    const addr = (await coord.waitFor(/coordinator listening on (\S+)/))[1] as string;
    for (const id of ['a1', 'a2']) agents.push(startCli(['agent', '--join', addr, '--id', id], { env }));
    for (const a of agents) await a.waitFor(/joined coordinator/);

    // The run lasts until `stop` below: however slowly the CLI processes start, they act on it while it runs.
    writeFileSync(join(dir, 's.json'), JSON.stringify({ request: { url: target.url }, load: { model: 'open', rate: 100, duration: '30m' } }));
    const run = startCli(['run', 's.json', '--coordinator', addr, '--agents', '2', '--out', 'r.json'], { env, cwd: dir });
    await run.waitFor(/\[\s*1s\//);
    const rate = startCli(['rate', '250', '--coordinator', addr], { env });
    assert.equal(await rate.exited, 0, rate.stderr());
    assert.match(rate.stdout(), /rate 250\/s sent to 2 agent\(s\)/);
    const status = startCli(['status', '--coordinator', addr, '--json'], { env });
    assert.equal(await status.exited, 0, status.stderr());
    const st = JSON.parse(status.stdout()) as { agents: unknown[]; run: { targetRps: number } | null };
    assert.equal(st.agents.length, 2);
    assert.equal(st.run?.targetRps, 250);
    const noToken = startCli(['rate', '10', '--coordinator', addr], { env: { LOADFLEET_TOKEN: 'wrong' } });
    assert.equal(await noToken.exited, 6);
    assert.match(noToken.stderr(), /control token/);
    const stop = startCli(['stop', '--coordinator', addr], { env });
    assert.equal(await stop.exited, 0, stop.stderr());

    // 125/s per agent after the change, with the CLI processes above: generator-bound is accepted.
    const code = await run.exited;
    assertCompleted(code, `${run.stderr()}${run.stdout()}`, reportAt(join(dir, 'r.json')), { requests: target.total() });
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report;
    assert.equal(report.summary.requests, target.total());
    assert.deepEqual(report.rateChanges.map((c) => c.rateRps), [250]);
    // Agents stay connected between tests.
    const after = startCli(['status', '--coordinator', addr, '--json'], { env });
    assert.equal(await after.exited, 0);
    assert.equal((JSON.parse(after.stdout()) as { agents: unknown[] }).agents.length, 2);
    const idle = startCli(['rate', '10', '--coordinator', addr], { env });
    assert.equal(await idle.exited, 3);
    assert.match(idle.stderr(), /no test is running/);
  } finally {
    for (const a of agents) a.kill();
    coord.kill();
    await Promise.all([...agents.map((a) => a.exited), coord.exited]);
    await target.close();
  }
});

test('an agent reconnects with backoff when its coordinator goes away and comes back', async () => {
  const env = { LOADFLEET_TOKEN: 't' };
  let coord = startCli(['coordinator', '--listen', '127.0.0.1:0'], { env });
  const addr = (await coord.waitFor(/coordinator listening on (\S+)/))[1] as string;
  const agent = startCli(['agent', '--join', addr, '--id', 'sticky'], { env });
  try {
    await agent.waitFor(/joined coordinator/);
    coord.kill('SIGKILL');
    await coord.exited;
    await agent.waitFor(/reconnecting in \d+ ms/);
    coord = startCli(['coordinator', '--listen', addr], { env });
    await coord.waitFor(/coordinator listening/);
    await coord.waitFor(/agent sticky joined/, 20_000);
  } finally {
    agent.kill();
    coord.kill();
    await Promise.all([agent.exited, coord.exited]);
  }
});

test('a failed threshold gives exit code 7 and names the threshold; a passing one exits 0', async () => {
  const target = await startTarget();
  const dir = workdir();
  try {
    const write = (thresholds: unknown[]): void =>
      writeFileSync(join(dir, 's.json'), JSON.stringify({ request: { url: target.url }, load: { model: 'open', rate: 50, duration: '2s' }, thresholds }));
    write(['p50 < 0.001ms', 'error_rate < 1%']);
    const failing = startCli(['run', 's.json', '--agents', '1', '--out', 'r.json'], { cwd: dir });
    assert.equal(await failing.exited, 7, failing.stdout() + failing.stderr());
    assert.match(failing.stdout(), /THRESHOLDS FAILED/);
    assert.match(failing.stdout(), /FAIL p50 < 0\.001ms: [\d.]+ms/);
    assert.match(failing.stdout(), /ok {3}error_rate < 1%: 0%/);
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report;
    assert.equal(report.verdict, 'thresholds-failed');
    write(['p99 < 5s', 'rps > 10']);
    const passing = startCli(['run', 's.json', '--agents', '1', '--out', 'r.json'], { cwd: dir });
    const code = await passing.exited;
    assertPassed(code, passing.stdout(), reportAt(join(dir, 'r.json'))); // 50/s for 2 s: light
  } finally {
    await target.close();
  }
});
