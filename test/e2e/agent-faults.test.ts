// An agent under faults of its own, with real processes: frozen mid-test (SIGSTOP/SIGCONT), given a
// rate no fleet could hold, sent to a name that does not resolve. A counting target on 127.0.0.1 is the
// ground truth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTarget } from '../helpers/target.js';
import { startCli } from '../helpers/cli.js';
import { startFleet } from '../helpers/fleet.js';
import { assertCompleted } from '../helpers/verdict.js';
import type { Report } from '../../coordinator/report/report.js';
import { runOnLocalFleet, scenario } from '../helpers/local-run.js';

test('an agent frozen for 5 s sends no catch-up burst when continued: the target never sees more than the test\'s rate', async () => {
  const f = await startFleet({ target: await startTarget(), ids: ['f1', 'f2'], token: 'freeze-e2e', dirPrefix: 'loadfleet-freeze-' });
  try {
    const rateRps = 200;
    const run = f.run({ request: { url: f.target.url }, load: { model: 'open', rate: rateRps, duration: '12s' } });
    await run.waitFor(/\[\s*2s\//);
    const frozen = f.agents.get('f2')!;
    frozen.kill('SIGSTOP');
    const frozenMs = performance.now();
    // Declared lost after 2-2.5 s; continued well after, with ~500 arrivals of its own share overdue.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const continuedMs = performance.now();
    frozen.kill('SIGCONT');
    await frozen.waitFor(/may have declared this agent lost/, 10_000);
    // The freeze stalls f2's event loop for 5 s: its health may honestly call the run generator-bound.
    const code = await run.exited;
    assertCompleted(code, run.stdout() + run.stderr(), f.report, { requests: f.target.arrivals().length });
    const r = f.report();
    // Per 250 ms window from the freeze on: the fleet's rate is 50 per window. Allowed: 1.6x the rate
    // plus 10 (a reshare's ramp, a loaded machine's timer bunching); a catch-up burst of the frozen
    // agent's ~500 overdue arrivals is far above.
    // (The first seconds are left out: agents starting on a loaded machine catch up on ordinary lag.)
    const windows = new Map<number, number>();
    for (const t of f.target.arrivals()) {
      if (t < frozenMs) continue;
      const k = Math.floor((t - frozenMs) / 250);
      windows.set(k, (windows.get(k) ?? 0) + 1);
    }
    const limit = Math.ceil((rateRps / 4) * 1.6) + 10;
    const worst = Math.max(...windows.values());
    assert.ok(worst <= limit, `a 250 ms window saw ${worst} requests (limit ${limit}); windows: ${[...windows].map(([k, n]) => `${k}:${n}`).join(' ')}`);
    // Right after the continue, nothing beyond the fleet's rate either (the second the burst was in).
    const after = f.target.arrivals().filter((t) => t >= continuedMs && t < continuedMs + 1_000).length;
    assert.ok(after <= rateRps * 1.6 + 10, `${after} requests in the second after SIGCONT`);
    // The report's figures are the target's: the frozen agent's figures came back with it.
    assert.equal(r.summary.requests, f.target.arrivals().length, 'report = target');
    // The frozen agent's overdue arrivals (its 100/s over the 5 s) are counted as dropped, not sent.
    assert.ok(r.summary.dropped >= 250, `dropped ${r.summary.dropped}`);
    const kinds = r.timeline.map((e) => `${e.kind} ${e.agentId ?? ''}`.trim());
    assert.ok(kinds.includes('lost f2'), kinds.join(', '));
  } finally {
    await f.close();
  }
});

test('a rate no fleet could hold is refused by validate and run (exit 2, the bound named), and nothing is sent', async () => {
  const target = await startTarget();
  const dir = mkdtempSync(join(tmpdir(), 'loadfleet-rate-bound-'));
  try {
    writeFileSync(join(dir, 's.yaml'), `request: { url: "${target.origin}" }\nload: { model: open, rate: 100, duration: 2s }\n`);
    writeFileSync(join(dir, 'huge.yaml'), `request: { url: "${target.origin}" }\nload: { model: open, rate: 1e9, duration: 2s }\n`);
    const rows: [string, string[]][] = [
      ['validate of the file', ['validate', 'huge.yaml']],
      ['run of the file', ['run', 'huge.yaml', '--agents', '1', '--no-dashboard']],
      ['run --rate 1e9', ['run', 's.yaml', '--rate', '1e9', '--duration', '2s', '--agents', '1', '--no-dashboard']],
    ];
    for (const [why, args] of rows) {
      const p = startCli([...args], { cwd: dir });
      assert.equal(await p.exited, 2, `${why}: ${p.stdout()}${p.stderr()}`);
      assert.match(p.stdout() + p.stderr(), /at most 10000000 req\/s.*no fleet could hold more/, why);
    }
    assert.equal(target.total(), 0, 'nothing reached the target');
  } finally {
    await target.close();
  }
});

test('a high but allowed rate (10 million/s, 2 s) ends at its duration: the deadline holds, the report equals the target\'s count', async () => {
  // Every response takes 50 ms and at most 2 are in flight per agent: ~40 req/s really reach the target.
  const target = await startTarget({ delayMs: 50 });
  try {
    const { report } = await runOnLocalFleet(1, scenario({
      request: { url: target.origin },
      load: { model: 'open', rate: 10_000_000, duration: '2s', maxInFlight: 2 },
    }));
    // The main phase is 2 s; the agent stops issuing at most 0.5 s after it (END_GRACE_MS) and drains in
    // 50 ms. 1.5 s more for a loaded machine. Without the deadline it lasts as long as counting its
    // 20 million arrivals one by one takes.
    assert.ok(report.summary.durationMs <= 4_000, `main phase ${report.summary.durationMs} ms`);
    assert.equal(report.summary.sent + report.summary.dropped, 20_000_000, 'every arrival sent or dropped');
    assert.equal(report.summary.requests, target.total(), 'report = target');
  } finally {
    await target.close();
  }
});

test('a host name that does not resolve is error kind dns, at once, not timeout', async () => {
  // RFC 6761: *.invalid never resolves and generates no traffic. A 10 s timeout that must not be waited.
  const dir = mkdtempSync(join(tmpdir(), 'loadfleet-dns-'));
  writeFileSync(join(dir, 's.yaml'), 'request: { url: "http://no-such-host.invalid/", timeout: 10s }\nload: { model: open, rate: 20, duration: 1s }\n');
  const p = startCli(['run', 's.yaml', '--agents', '1', '--no-dashboard', '--out', 'r.json'], { cwd: dir });
  const code = await p.exited;
  const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report;
  const s = report.summary;
  assert.ok(s.sent >= 19, `sent ${s.sent} (exit ${code}): ${p.stderr()}`);
  assert.equal(s.errorsByKind.dns, s.sent, JSON.stringify(s.errorsByKind));
  assert.equal(s.errorsByKind.timeout, 0);
  assert.equal(s.errorsByKind.other, 0);
  // Each failed at once: the slowest took nowhere near the 10 s timeout (errors are not timed, so the
  // run's length says it: 1 s of schedule, and no drain waiting for requests).
  assert.ok(report.durationMs < 4_000, `the run took ${report.durationMs} ms`);
  assert.match(p.stdout(), /dns 2\d/, 'the console names the kind');
});

test('a stalled target (accepts, never answers) gets no reconnect storm: connections within the test\'s plus 2, nothing written after the end plus the drain', async () => {
  // Counts connections and when each request arrives; never answers.
  const target = await startTarget({ mode: { kind: 'never' } });
  const port = target.port;
  const dir = mkdtempSync(join(tmpdir(), 'loadfleet-stalled-'));
  try {
    // 100 req/s for 3 s, 4 connections, 500 ms timeout: a client that replaced every timed-out socket
    // would open ~8 new connections per second.
    writeFileSync(join(dir, 's.yaml'), `request: { url: "http://127.0.0.1:${port}/", timeout: 500ms }\nload: { model: open, rate: 100, duration: 3s, connections: 4 }\n`);
    const p = startCli(['run', 's.yaml', '--agents', '1', '--no-dashboard', '--out', 'r.json'], { cwd: dir });
    await p.exited;
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report;
    const s = report.summary;
    // The test ends at its end plus the drain (its 500 ms timeout), 1 s more for a loaded machine.
    assert.ok(report.durationMs <= 4_500, `the run took ${report.durationMs} ms`);
    const connections = target.connections();
    const arrivals = target.arrivals();
    assert.ok(connections <= 4 + 2, `${connections} connections opened (bound: the test's 4 + SPARE_CONNECTIONS 2)`);
    assert.equal(s.errorsByKind.timeout, s.sent, `every request is a timeout: ${JSON.stringify(s.errorsByKind)}`);
    assert.ok(s.sent >= 290, `sent ${s.sent}`);
    // Written requests: one per connection at most, all within the test (3 s) plus the drain (500 ms)
    // plus 1 s for a loaded machine, counted from the first.
    assert.ok(arrivals.length <= 6, `${arrivals.length} requests written`);
    const first = arrivals[0] ?? 0;
    assert.ok(arrivals.every((t) => t - first <= 4_500), `written at ${arrivals.map((t) => Math.round(t - first)).join(', ')} ms`);
  } finally {
    await target.close();
  }
});
