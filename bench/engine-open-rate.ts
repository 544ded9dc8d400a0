// Measures the engine (not a test). Target: a minimal Node http server pinned to core 0; generator:
// the engine pinned to core 1, each measurement in its own process.
//
//   node_modules/.bin/tsc -p . && node dist/bench/engine-open-rate.js
//   RATES=20000,50000 DURATION_MS=8000 WARMUP_MS=3000 SKIP_CLOSED=1 node dist/bench/engine-open-rate.js
//   SKIP_OPEN=1 CLOSED_ROUNDS=3 node dist/bench/engine-open-rate.js   (engine and autocannon interleaved)
//
// Prints, per open-model rate: achieved req/s per second, schedule lag p99, latency p50/p99 from the
// intended time and from the actual send (service time), event-loop delay p99, CPU and peak RSS of the
// generator. Then closed-loop maximum throughput with 64 connections against autocannon -c 64.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../agent/engine/engine.js';
import type { EngineSnapshot } from '../agent/engine/engine.js';
import type { AgentPlan } from '../common/plan/agent-plan.js';
import { decodeHistogram, latencyMs } from '../common/metrics/histogram.js';
import { errorTotal } from '../common/metrics/counters.js';

const SELF = fileURLToPath(import.meta.url);
const env = process.env;
const DURATION_MS = Number(env['DURATION_MS'] ?? 8000);
const WARMUP_MS = Number(env['WARMUP_MS'] ?? 3000);
const RATES = (env['RATES'] ?? '100,1000,20000,30000,40000,50000').split(',').map(Number);
const CONNECTIONS = 64;

interface WorkerResult {
  model: 'open' | 'closed';
  rateRps: number;
  perSecond: number[];
  achievedRps: number;
  sent: number;
  dropped: number;
  errors: number;
  lagP99Ms: number;
  eldP99Ms: number;
  intended: { p50: number; p99: number; max: number };
  service: { p50: number; p99: number; max: number };
  cpuPct: number;
  maxRssMb: number;
}

async function runTarget(): Promise<void> {
  const server = createServer((req, res) => {
    req.resume();
    res.end('ok');
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
  });
}

async function runWorker(model: 'open' | 'closed', url: string, value: number): Promise<void> {
  const plan: AgentPlan = {
    runId: 'bench',
    request: { url, method: 'GET', headers: {}, timeoutMs: 10_000 },
    model,
    segments: [{ durationMs: DURATION_MS, from: value, to: value }],
    warmupMs: WARMUP_MS,
    maxInFlight: model === 'open' ? 10_000 : value,
    connections: CONNECTIONS,
    snapshotIntervalMs: 1000,
  };
  const snaps: EngineSnapshot[] = [];
  const engine = createEngine(plan, { onSnapshot: (s) => snaps.push(s) });
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  engine.start();
  // Measure CPU over the main phase only.
  setTimeout(() => {
    cpu0 = process.cpuUsage();
    t0 = performance.now();
  }, WARMUP_MS + 50);
  const r = await engine.done;
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  const lat = decodeHistogram(r.main.latencyHist);
  const svc = decodeHistogram(r.main.serviceHist);
  const l = latencyMs(lat);
  const s = latencyMs(svc);
  const result: WorkerResult = {
    model,
    rateRps: value,
    perSecond: snaps.filter((x) => x.phase === 'main' && x.intervalMs > 900).map((x) => Math.round((x.stats.requests * 1000) / x.intervalMs)),
    achievedRps: Math.round((r.main.requests * 1000) / r.mainDurationMs),
    sent: r.main.sent,
    dropped: r.main.dropped,
    errors: errorTotal(r.main.errorsByKind),
    lagP99Ms: r.main.scheduleLagP99Ms,
    eldP99Ms: r.main.eventLoopDelayP99Ms,
    intended: { p50: l.p50, p99: l.p99, max: l.max },
    service: { p50: s.p50, p99: s.p99, max: s.max },
    cpuPct: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 100),
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  lat.destroy();
  svc.destroy();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`))));
  });
}

async function orchestrate(): Promise<void> {
  const target = spawn('taskset', ['-c', '0', process.execPath, SELF, 'target'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => target.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  const url = `http://127.0.0.1:${port}/`;
  console.log(`target ${url} on core 0; generator on core 1; ${WARMUP_MS} ms warm-up + ${DURATION_MS} ms main; ${CONNECTIONS} connections`);
  try {
    if (env['SKIP_OPEN'] === '1') RATES.length = 0;
    else console.log('\nopen model (latencies ms)');
    if (RATES.length > 0) console.log('rate     achieved  per-second                                   lag p99  intended p50/p99   service p50/p99  eld p99  dropped  cpu%  rssMB');
    for (const rate of RATES) {
      const r = JSON.parse(await run('taskset', ['-c', '1', process.execPath, SELF, 'worker', 'open', url, String(rate)])) as WorkerResult;
      console.log(
        [
          String(rate).padEnd(8),
          String(r.achievedRps).padEnd(9),
          r.perSecond.join(',').padEnd(44),
          String(r.lagP99Ms).padEnd(8),
          `${r.intended.p50}/${r.intended.p99}`.padEnd(18),
          `${r.service.p50}/${r.service.p99}`.padEnd(16),
          String(r.eldP99Ms).padEnd(8),
          String(r.dropped).padEnd(8),
          String(r.cpuPct).padEnd(5),
          String(r.maxRssMb),
        ].join(' '),
      );
    }
    for (let round = 0; round < Number(env['CLOSED_ROUNDS'] ?? 1) && env['SKIP_CLOSED'] !== '1'; round++) {
      console.log(`\nclosed model, ${CONNECTIONS} loops on ${CONNECTIONS} connections, max throughput`);
      const c = JSON.parse(await run('taskset', ['-c', '1', process.execPath, SELF, 'worker', 'closed', url, String(CONNECTIONS)])) as WorkerResult;
      console.log(`loadfleet engine: ${c.achievedRps} req/s (per second ${c.perSecond.join(',')}), latency p50/p99 ${c.service.p50}/${c.service.p99} ms, cpu ${c.cpuPct}%`);
      const ac = JSON.parse(
        await run('taskset', ['-c', '1', 'node_modules/.bin/autocannon', '-c', String(CONNECTIONS), '-d', String(Math.round(DURATION_MS / 1000)), '--json', url]),
      ) as { requests: { average: number; total: number }; latency: { p50: number; p99: number } };
      console.log(`autocannon -c ${CONNECTIONS} -d ${Math.round(DURATION_MS / 1000)}: ${Math.round(ac.requests.average)} req/s average (${ac.requests.total} total), latency p50/p99 ${ac.latency.p50}/${ac.latency.p99} ms`);
    }
  } finally {
    target.kill();
  }
}

const [mode, a1, a2, a3] = process.argv.slice(2);
if (mode === 'target') await runTarget();
else if (mode === 'worker') await runWorker(a1 === 'closed' ? 'closed' : 'open', a2 ?? '', Number(a3));
else await orchestrate();
