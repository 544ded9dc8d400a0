// Coordinator scale: a real `loadfleet coordinator` process (pinned to core 1 when taskset works) and N
// simulated agents in this process (moved to core 0) (bench/agent-sim.ts: N gRPC connections, one snapshot per second
// each with two encoded HDR histograms of ~1k values). For N in 100, 500, 1000 it measures, during a
// running open-model test:
//   - the coordinator's CPU (% of one core, from /proc/<pid>/stat over the steady part of the test) and
//     its CPU with the fleet idle (heartbeats only);
//   - its RSS (largest VmRSS sampled each second);
//   - the live view's lag: per main-phase interval, from the moment the last agent sent its snapshot of
//     that interval to the moment this process received the coordinator's live tick for it (the tick
//     travels on the Start stream, like `loadfleet run --coordinator` sees it); and intervals never shown.
// Bar: 500 agents under 25 % of one core, and the live view within one interval (1 s).
// Run alone with `node dist/bench/coordinator-scale.js [N,N,...]` or `BENCH_ONLY=scale npm run bench`.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { RemoteControl } from '../cli/control-client.js';
import { validateScenario } from '../common/scenario/scenario.js';
import type { Report } from '../coordinator/report/report.js';
import { simulateAgents } from './agent-sim.js';
import { detectPinning } from './proc.js';

const CLI = fileURLToPath(new URL('../../bin/loadfleet.js', import.meta.url));
const TOKEN = 'bench-scale';
/** Requests each simulated agent reports per second (its histograms hold this many values). */
const PER_AGENT_RPS = 1_000;
const CLK_TCK = 100;

export interface ScaleResult {
  agents: number;
  durationS: number;
  /** % of one core while the test ran (steady part), and with the fleet idle (heartbeats only). */
  cpuPct: number;
  /** The kernel's part of cpuPct (sockets, epoll): the rest is user time (JS, zlib, GC). */
  sysCpuPct: number;
  idleCpuPct: number;
  rssMb: number;
  /** Over every main interval but the last; `lastLagMs` is the last one's. */
  lagMs: { p50: number; p99: number; max: number };
  lastLagMs: number;
  intervals: number;
  notShown: number;
  snapshots: number;
  requests: number;
  reportRequests: number;
  reconciledExact: number;
  simCpuPct: number;
  barMet: boolean | null;
}

/** utime and stime (fields 14 and 15 of /proc/<pid>/stat), clock ticks, every thread of the process. */
function cpuSplit(pid: number): { user: number; sys: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(f[11]), sys: Number(f[12]) };
}

function cpuTicks(pid: number): number {
  const c = cpuSplit(pid);
  return c.user + c.sys;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? 0 : Number(m[1]) / 1024;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0;
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function startCoordinator(): { child: ChildProcess; address: Promise<string> } {
  const pin = detectPinning();
  // BENCH_SCALE_PROF=DIR: the coordinator writes a CPU profile there (node --cpu-prof) when it exits.
  const prof = process.env['BENCH_SCALE_PROF'];
  const nodeArgs = prof === undefined || prof === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${prof}`];
  const [cmd, args] = pin.wrap(1, process.execPath, [...nodeArgs, CLI, 'coordinator', '--listen', '127.0.0.1:0']);
  const child = spawn(cmd, args, { env: { ...process.env, LOADFLEET_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr?.resume();
  const address = new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('the coordinator did not start within 15 s')), 15_000);
    createInterface({ input: child.stdout! }).on('line', (l) => {
      const m = /coordinator listening on (\S+)/.exec(l);
      if (m !== null) {
        clearTimeout(t);
        resolve(m[1] as string);
      }
    });
    child.once('exit', (code) => reject(new Error(`the coordinator exited with ${code}`)));
  });
  return { child, address };
}

/** SIGTERM (the coordinator shuts down cleanly, writing a profile if asked), SIGKILL after 5 s. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** With pinning, this process (the simulator, every thread) moves to core 0, off the coordinator's core. */
function pinSelf(): void {
  const pin = detectPinning();
  if (!pin.enabled) return;
  const [taskset] = pin.wrap(0, 'true', []);
  spawnSync(taskset, ['-a', '-c', '-p', '0', String(process.pid)], { stdio: 'ignore' });
}

/** One size: a fresh coordinator, N simulated agents, one test of durationS seconds. */
export async function measureScaleOnce(agents: number, durationS: number, log: (l: string) => void = () => {}): Promise<ScaleResult> {
  pinSelf();
  const coord = startCoordinator();
  const control: RemoteControl[] = [];
  let sim: ReturnType<typeof simulateAgents> | undefined;
  try {
    const address = await coord.address;
    const pid = coord.child.pid as number;
    sim = simulateAgents({ address, token: TOKEN, count: agents, log });
    await sim.joined(60_000);
    await sleep(1_000);
    const idle0 = cpuTicks(pid);
    await sleep(3_000);
    const idleCpuPct = ((cpuTicks(pid) - idle0) / CLK_TCK / 3) * 100;

    const v = validateScenario({
      request: { url: 'http://127.0.0.1:9/simulated' },
      load: { model: 'open', rate: agents * PER_AGENT_RPS, duration: `${durationS}s`, maxInFlight: agents * 100 },
    });
    if (!v.ok) throw new Error(`bench scenario invalid: ${v.problems.map((p) => p.message).join('; ')}`);
    const runner = new RemoteControl(address, TOKEN);
    control.push(runner);
    const ticks = new Map<number, number>();
    const samples: { atMs: number; ticks: number; sys: number; rss: number }[] = [];
    let report: Report | undefined;
    let mainStartMs = 0;
    const sampler = setInterval(() => samples.push({ atMs: performance.now(), ticks: cpuTicks(pid), sys: cpuSplit(pid).sys, rss: rssMb(pid) }), 1_000);
    const selfCpu0 = process.cpuUsage();
    const wall0 = performance.now();
    try {
      await runner.start(v.scenario, { minAgents: agents, waitAgentsMs: 30_000, onAgentLoss: 'rebalance' }, (e) => {
        const now = performance.now();
        if (e.kind === 'started') mainStartMs = now;
        if (e.kind === 'tick') {
          const line = JSON.parse(e.json) as { phase: string; figures: { index: number } };
          if (line.phase === 'main') ticks.set(line.figures.index, now);
        }
        if (e.kind === 'finished') report = JSON.parse(e.reportJson) as Report;
      });
    } finally {
      clearInterval(sampler);
    }
    const self = process.cpuUsage(selfCpu0);
    const simCpuPct = ((self.user + self.system) / 1000 / (performance.now() - wall0)) * 100;
    if (report === undefined) throw new Error('the coordinator sent no report');
    // Steady part: from 3 s after the start to the last sample before the end.
    const steady = samples.filter((s) => s.atMs >= mainStartMs + 3_000);
    const first = steady[0];
    const last = steady[steady.length - 1];
    const cpuPct = first !== undefined && last !== undefined && last.atMs > first.atMs
      ? ((last.ticks - first.ticks) / CLK_TCK / ((last.atMs - first.atMs) / 1000)) * 100 : NaN;
    const sysCpuPct = first !== undefined && last !== undefined && last.atMs > first.atMs
      ? ((last.sys - first.sys) / CLK_TCK / ((last.atMs - first.atMs) / 1000)) * 100 : NaN;
    // The last interval is judged apart: it comes with every agent's Done (cumulative histograms to
    // reconcile), which the coordinator processes in the same burst.
    const lags: number[] = [];
    let lastLagMs = NaN;
    let notShown = 0;
    let intervals = 0;
    for (const [key, sentAt] of sim.lastSentAtMs) {
      if (!key.startsWith('main:')) continue;
      const index = Number(key.slice(5));
      if (index >= durationS) continue; // the run's last partial snapshots (drain) are not a live interval
      const shown = ticks.get(index);
      if (index === durationS - 1) {
        // Shown live only if the timer fires before every Done is in (else it is in the report only).
        if (shown !== undefined) lastLagMs = shown - sentAt;
        continue;
      }
      intervals++;
      if (shown === undefined) notShown++;
      else lags.push(shown - sentAt);
    }
    const reconciledExact = report.reconciliation.filter((r) => r.status === 'exact').length;
    const odd = report.reconciliation.find((r) => r.status !== 'exact');
    if (odd !== undefined) log(`not exact: ${JSON.stringify(odd)}; failures: ${report.failures.slice(0, 2).join(' | ')}; incomplete: ${report.incomplete.slice(0, 2).join(' | ')}`);
    log(`not shown: ${[...sim.lastSentAtMs.keys()].filter((k) => k.startsWith('main:') && !ticks.has(Number(k.slice(5)))).join(', ')}; worst lag at ${[...ticks].map(([i, at]) => [i, at - (sim?.lastSentAtMs.get(`main:${i}`) ?? 0)]).sort((a, b) => (b[1] as number) - (a[1] as number))[0]?.join(': ')} ms`);
    const lagMs = { p50: pct(lags, 50), p99: pct(lags, 99), max: lags.length === 0 ? NaN : Math.max(...lags) };
    const r: ScaleResult = {
      agents, durationS, cpuPct, sysCpuPct, idleCpuPct, rssMb: Math.max(0, ...samples.map((s) => s.rss)), lagMs, lastLagMs, intervals, notShown,
      snapshots: sim.sent.snapshots, requests: sim.sent.requests, reportRequests: report.summary.requests, reconciledExact, simCpuPct,
      barMet: agents === 500 ? cpuPct < 25 && lagMs.max < 1_000 && notShown === 0 : null,
    };
    return r;
  } finally {
    for (const c of control) c.close();
    await sim?.close();
    await stop(coord.child);
  }
}

export async function measureScale(sizes: readonly number[], durationS: number, out: (l: string) => void): Promise<ScaleResult[]> {
  const results: ScaleResult[] = [];
  for (const n of sizes) {
    const r = await measureScaleOnce(n, durationS, (l) => out(`  sim: ${l}`));
    out(scaleLine(r));
    results.push(r);
  }
  return results;
}

export function scaleLine(r: ScaleResult): string {
  const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '?');
  const f0 = (x: number): string => (Number.isFinite(x) ? x.toFixed(0) : '?');
  const bar = r.barMet === null ? '' : `  [bar: < 25 % of a core and live view within 1 s: ${r.barMet ? 'met' : 'MISSED'}]`;
  return `${String(r.agents).padStart(5)} agents: coordinator cpu ${f1(r.cpuPct)} % of a core (kernel ${f1(r.sysCpuPct)} %; idle fleet ${f1(r.idleCpuPct)} %), rss ${f0(r.rssMb)} MB, `
    + `live lag p50 ${f0(r.lagMs.p50)} / p99 ${f0(r.lagMs.p99)} / max ${f0(r.lagMs.max)} ms (last interval, with the Dones: ${Number.isFinite(r.lastLagMs) ? `${f0(r.lastLagMs)} ms` : 'not shown live, in the report'}), ${r.notShown} of ${r.intervals} earlier intervals not shown; `
    + `requests ${r.reportRequests === r.requests ? 'equal' : `DIFFER (${r.reportRequests} vs ${r.requests} sent)`}, ${r.reconciledExact}/${r.agents} exact; `
    + `simulator cpu ${f0(r.simCpuPct)} %${bar}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = (process.argv[2] ?? '100,500,1000').split(',').map(Number);
  const durationS = Number(process.env['BENCH_DURATION'] ?? 20);
  measureScale(sizes, durationS, (l) => process.stdout.write(`${l}\n`)).then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`coordinator-scale bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
