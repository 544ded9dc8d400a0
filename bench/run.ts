// `npm run bench`: loadfleet's product benchmark. The real CLI (coordinator + one agent process over
// gRPC) is pinned to core 1, the target to core 0 (nginx with one worker if installed, else the Node
// target). Closed loop against autocannon and wrk, then the open-model ladder; prints the figures and
// writes them to bench/results/latest.json. The only file of the bench that touches `process`.
//
// Environment:
//   BENCH_ROUNDS=3          closed-loop rounds (peers alternate; medians reported; default 1)
//   BENCH_RATES=20000,30000 open-model ladder, req/s (default 20000,30000,40000,50000)
//   BENCH_TARGET=node       force the target: auto (default), nginx, node
//   BENCH_ONLY=closed|open|control  run one part only (control: live rate-change latency)
//   BENCH_ONLY=scale        the coordinator scale bench instead (only when asked: no target needed):
//                           100, 500 and 1000 simulated agents (BENCH_SCALE_AGENTS=100,500,1000)
//   BENCH_DURATION=10       seconds per measured run (default 10)
//   BENCH_QUIET_WAIT=60     seconds to wait before each run for the machine to be >= 90 % idle (default
//                           60; 0: do not wait). Every run also reports the CPU other processes used.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closedPeers, runClosedRounds } from './closed-peers.js';
import { controlLine, measureControlLatency } from './control-latency.js';
import type { ControlLatency } from './control-latency.js';
import { measureScale } from './coordinator-scale.js';
import type { ScaleResult } from './coordinator-scale.js';
import type { ClosedResult } from './closed-peers.js';
import { highestPassing, runLadder } from './open-ladder.js';
import type { OpenResult } from './open-ladder.js';
import { closedLine, closedTable, openLine, openTable, summarizeClosed } from './print.js';
import type { ClosedSummary } from './print.js';
import { BenchError, detectPinning, killAllChildrenNow, stopAllChildren } from './proc.js';
import { startTarget } from './target.js';
import { runGuard } from './foreign-cpu.js';
import type { Target, TargetChoice } from './target.js';

interface Settings {
  rounds: number;
  rates: number[];
  target: TargetChoice;
  closed: boolean;
  open: boolean;
  control: boolean;
  scale: number[] | null;
  durationS: number;
  quietWaitS: number;
}

/** Reads the BENCH_* variables; every problem is reported at once. */
function readSettings(env: NodeJS.ProcessEnv): Settings {
  const problems: string[] = [];
  const int = (name: string, dflt: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return dflt;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min || v > max) problems.push(`${name}=${raw}: expected a whole number from ${min} to ${max}`);
    return v;
  };
  const rounds = int('BENCH_ROUNDS', 1, 1, 20);
  const durationS = int('BENCH_DURATION', 10, 1, 600);
  const quietWaitS = int('BENCH_QUIET_WAIT', 60, 0, 3600);
  const rates = (env['BENCH_RATES'] ?? '20000,30000,40000,50000').split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (rates.length === 0 || rates.some((r) => !Number.isInteger(r) || r < 1 || r > 1_000_000)) problems.push(`BENCH_RATES=${env['BENCH_RATES']}: expected whole req/s, comma-separated, e.g. 20000,30000`);
  const target = env['BENCH_TARGET'] ?? 'auto';
  if (target !== 'auto' && target !== 'nginx' && target !== 'node') problems.push(`BENCH_TARGET=${target}: expected auto, nginx or node`);
  const only = env['BENCH_ONLY'] ?? '';
  if (only !== '' && only !== 'closed' && only !== 'open' && only !== 'control' && only !== 'scale') problems.push(`BENCH_ONLY=${only}: expected closed, open, control or scale`);
  const scale = (env['BENCH_SCALE_AGENTS'] ?? '100,500,1000').split(',').map((x) => Number(x.trim()));
  if (scale.some((n) => !Number.isInteger(n) || n < 1 || n > 5_000)) problems.push(`BENCH_SCALE_AGENTS=${env['BENCH_SCALE_AGENTS']}: expected agent counts from 1 to 5000, comma-separated`);
  if (problems.length > 0) throw new BenchError(`invalid settings:\n  ${problems.join('\n  ')}`);
  return {
    rounds, rates, target: target as TargetChoice, closed: only === '' || only === 'closed', open: only === '' || only === 'open',
    control: only === '' || only === 'control', scale: only === 'scale' ? scale : null, durationS, quietWaitS,
  };
}

/** The checkout's root: the nearest parent with loadfleet's package.json (works from dist/bench and bench/). */
function findRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    try {
      if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'loadfleet') return dir;
    } catch {
      // keep climbing
    }
  }
  throw new BenchError(`cannot find loadfleet's package.json above ${from}`);
}

interface Results {
  startedAt: string;
  machine: { cores: number; cpu: string; node: string; pinning: string };
  settings: Settings;
  target: { kind: string; description: string; url: string } | null;
  peers: { name: string; command: string; version: string }[];
  skipped: string[];
  closed: { runs: ClosedResult[]; summary: ClosedSummary | null };
  open: { runs: OpenResult[]; highestPassingRps: number | null };
  control: ControlLatency | null;
  scale: ScaleResult[] | null;
  error: string | null;
}

async function main(): Promise<number> {
  const settings = readSettings(process.env);
  const root = findRoot(dirname(fileURLToPath(import.meta.url)));
  const pin = detectPinning();
  const results: Results = {
    startedAt: new Date().toISOString(),
    machine: { cores: availableParallelism(), cpu: cpus()[0]?.model ?? '?', node: process.version, pinning: pin.enabled ? 'target core 0, generators core 1' : `off: ${pin.reason}` },
    settings, target: null, peers: [], skipped: [], closed: { runs: [], summary: null }, open: { runs: [], highestPassingRps: null }, control: null, scale: null, error: null,
  };
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  out(`loadfleet bench: node ${process.version}, ${results.machine.cores} cores (${results.machine.cpu}), pinning ${results.machine.pinning}`);
  if (!pin.enabled) out(`warning: not pinned (${pin.reason}): target and generators share the cores, figures are not comparable with pinned runs`);
  if (settings.scale !== null) {
    const durationS = Math.max(settings.durationS, 20);
    out(`\ncoordinator scale: ${settings.scale.join(', ')} simulated agents (one process, one gRPC connection each), one snapshot per second each, ${durationS} s test`);
    try {
      results.scale = await measureScale(settings.scale, durationS, (l) => { if (!l.startsWith('  sim: ')) out(l); });
      return 0;
    } catch (e) {
      results.error = e instanceof Error ? e.message : String(e);
      throw e;
    } finally {
      const file = join(root, 'bench', 'results', 'scale.json');
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
      out(`raw results: ${file}`);
    }
  }
  const tmpDir = mkdtempSync(join(tmpdir(), 'loadfleet-bench-'));
  tmpDirToRemove = tmpDir;
  let target: Target | undefined;
  try {
    target = await startTarget(settings.target, tmpDir, join(root, 'dist'), pin, (l) => out(`note: ${l}`));
    results.target = { kind: target.kind, description: target.description, url: target.url };
    out(`target: ${target.description} at ${target.url}${pin.enabled ? ' (core 0)' : ''}`);
    const ctx = { root, tmpDir, pin, url: target.url, durationS: settings.durationS };
    const guard = runGuard(settings.quietWaitS * 1000, (l) => out(`note: ${l}`));
    if (settings.closed) {
      const { peers, skipped } = closedPeers({ ...ctx, warmupS: 3 });
      results.peers = peers.map((p) => ({ name: p.name, command: p.command, version: p.version }));
      results.skipped = skipped;
      for (const s of skipped) out(`skipped peer ${s}`);
      out(`\nclosed loop: ${peers.map((p) => p.name).join(', ')}; ${settings.rounds} round(s)`);
      for (const p of peers) out(`  ${p.name}: ${p.command}`);
      results.closed.runs = await runClosedRounds({ ...ctx, warmupS: 3 }, peers, settings.rounds, (r) => out(closedLine(r)), guard);
      results.closed.summary = summarizeClosed(results.closed.runs, settings.rounds);
    }
    if (settings.open) {
      out(`\nopen model ladder: ${settings.rates.join(', ')} req/s, 1 agent, maxInFlight 20000, 64 connections, ${settings.durationS} s after 5 s warm-up`);
      results.open.runs = await runLadder({ ...ctx, warmupS: 5 }, settings.rates, (r) => out(openLine(r)), guard);
      results.open.highestPassingRps = highestPassing(results.open.runs);
    }
    out('');
    if (results.closed.summary !== null) for (const l of closedTable(results.closed.runs, results.closed.summary, settings.durationS)) out(l);
    if (results.closed.summary !== null && settings.open) out('');
    if (settings.open) for (const l of openTable(results.open.runs, settings.durationS, 5)) out(l);
    if (results.skipped.length > 0) out(`skipped: ${results.skipped.join('; ')}`);
    if (settings.control) {
      out('');
      results.control = await measureControlLatency();
      out(controlLine(results.control));
    }
    return 0;
  } catch (e) {
    results.error = e instanceof Error ? e.message : String(e);
    throw e;
  } finally {
    await target?.stop();
    await stopAllChildren();
    const file = join(root, 'bench', 'results', 'latest.json');
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
      out(`raw results: ${file}${results.error === null ? '' : ' (partial: the bench failed)'}`);
    } catch (e) {
      process.stderr.write(`bench: could not write ${file}: ${(e as Error).message}\n`);
    }
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

// Children are killed on every way out: normal end (finally), errors, SIGINT/SIGTERM, and as a last
// resort synchronously on exit.
let tmpDirToRemove: string | undefined;
process.on('exit', () => {
  killAllChildrenNow();
  if (tmpDirToRemove !== undefined) rmSync(tmpDirToRemove, { recursive: true, force: true });
});
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\nbench: ${sig}, stopping the target and every generator\n`);
    void stopAllChildren().finally(() => process.exit(130));
  });
}

try {
  process.exitCode = await main();
} catch (e) {
  if (e instanceof BenchError) {
    process.stderr.write(`bench: ${e.message}\n${e.detail === '' ? '' : `${e.detail}\n`}`);
    process.exitCode = e.message.startsWith('invalid settings') ? 2 : 1;
  } else {
    process.stderr.write(`bench: unexpected error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
