// The closed-loop comparison: loadfleet (64 loops, 64 connections, 3 s warm-up), autocannon -c 64 and
// wrk -t1 -c64, each for the same duration against the same target, each pinned to the generator core.
// A peer that is not installed is skipped with a reason, never an error.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONNECTIONS, GENERATOR_CORE, closedLoad, runLoadfleet } from './loadfleet-cli.js';
import { BenchError, findExecutable, runCaptured, tail, versionOf } from './proc.js';
import type { BenchContext, Pinning } from './proc.js';
import type { RunGuard } from './foreign-cpu.js';

export type PeerName = 'loadfleet' | 'autocannon' | 'wrk';

export interface ClosedResult {
  peer: PeerName;
  round: number;
  rps: number;
  requests: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  errors: number;
  /** loadfleet: its verdict and per-second req/s; others: what they print. */
  note: string;
  perSecondRps?: number[];
  /** CPU used outside the bench's processes during the run, % of one core (see foreign-cpu.ts). */
  foreignCpuPct?: number | null;
}

export interface Peer {
  name: PeerName;
  /** How it is run, for the README and the results file. */
  command: string;
  version: string;
  run(ctx: BenchContext, round: number): Promise<ClosedResult>;
}

const pinned = (pin: Pinning, cmd: string): string => (pin.enabled ? `taskset -c ${GENERATOR_CORE} ${cmd}` : cmd);

function loadfleetPeer(ctx: BenchContext): Peer {
  return {
    name: 'loadfleet',
    command: pinned(ctx.pin, `node bin/loadfleet.js run closed.json --agents 1 --warmup ${ctx.warmupS}s  (closed, concurrency ${CONNECTIONS}, connections ${CONNECTIONS}, ${ctx.durationS}s)`),
    version: 'this checkout',
    async run(c, round) {
      const { report } = await runLoadfleet({ ...c, name: `closed-${round}`, load: closedLoad(c.durationS) });
      const s = report.summary;
      return {
        peer: 'loadfleet', round, rps: Math.round(s.rps), requests: s.requests, latencyP50Ms: s.serviceMs.p50, latencyP99Ms: s.serviceMs.p99,
        errors: s.errors, note: `verdict ${report.verdict}`,
        perSecondRps: report.series.filter((p) => p.index < c.durationS).map((p) => Math.round(p.rps)),
      };
    },
  };
}

function packageVersion(path: string): string {
  try {
    return `autocannon ${(JSON.parse(readFileSync(path, 'utf8')) as { version?: string }).version ?? '?'}`;
  } catch {
    return '';
  }
}

interface AutocannonJson {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

function autocannonPeer(ctx: BenchContext): Peer | string {
  const bin = join(ctx.root, 'node_modules', '.bin', 'autocannon');
  if (!existsSync(bin)) return 'autocannon: node_modules/.bin/autocannon is missing (run `npm ci`)';
  return {
    name: 'autocannon',
    command: pinned(ctx.pin, `node_modules/.bin/autocannon -c ${CONNECTIONS} -d ${ctx.durationS} --json URL  (pipelining 1)`),
    version: packageVersion(join(ctx.root, 'node_modules', 'autocannon', 'package.json')),
    async run(c, round) {
      const [cmd, args] = c.pin.wrap(GENERATOR_CORE, bin, ['-c', String(CONNECTIONS), '-d', String(c.durationS), '--json', c.url]);
      const r = await runCaptured(cmd, args, { cwd: c.root, timeoutMs: (c.durationS + 30) * 1000, what: 'autocannon' });
      const line = r.stdout.split('\n').reverse().find((l) => l.trim().startsWith('{'));
      if (r.code !== 0 || line === undefined) throw new BenchError(`autocannon exited with code ${r.code ?? r.signal} without a JSON result`, tail(r.stdout + r.stderr));
      const j = JSON.parse(line) as AutocannonJson;
      return {
        peer: 'autocannon', round, rps: Math.round(j.requests.average), requests: j.requests.total, latencyP50Ms: j.latency.p50, latencyP99Ms: j.latency.p99,
        errors: j.errors + j.timeouts, note: `requests.average; ${j.non2xx} non-2xx`,
      };
    },
  };
}

/** Parses wrk's text output: Requests/sec, the total, the --latency percentiles, socket errors. */
export function parseWrk(text: string): Omit<ClosedResult, 'peer' | 'round' | 'note'> | undefined {
  const rps = /Requests\/sec:\s*([\d.]+)/.exec(text);
  if (rps?.[1] === undefined) return undefined;
  const total = /(\d+) requests in/.exec(text);
  const pct = (p: string): number => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s)\\b`, 'm').exec(text);
    if (m?.[1] === undefined) return 0;
    const v = Number(m[1]);
    return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
  };
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const errors = sock === null ? 0 : sock.slice(1).reduce((a, b) => a + Number(b), 0);
  return { rps: Math.round(Number(rps[1])), requests: Number(total?.[1] ?? 0), latencyP50Ms: pct('50'), latencyP99Ms: pct('99'), errors };
}

function wrkPeer(ctx: BenchContext): Peer | string {
  const bin = findExecutable('wrk');
  if (bin === undefined) return 'wrk: not installed (apt-get install wrk)';
  return {
    name: 'wrk',
    command: pinned(ctx.pin, `wrk -t1 -c${CONNECTIONS} -d${ctx.durationS}s --latency URL`),
    version: versionOf(bin, ['-v']).split(' [')[0] ?? '',
    async run(c, round) {
      const [cmd, args] = c.pin.wrap(GENERATOR_CORE, bin, ['-t1', `-c${CONNECTIONS}`, `-d${c.durationS}s`, '--latency', c.url]);
      const r = await runCaptured(cmd, args, { timeoutMs: (c.durationS + 30) * 1000, what: 'wrk' });
      const parsed = parseWrk(r.stdout);
      if (parsed === undefined) throw new BenchError(`wrk exited with code ${r.code ?? r.signal} without a Requests/sec line`, tail(r.stdout + r.stderr));
      const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(r.stdout)?.[1] ?? '0';
      return { peer: 'wrk', round, ...parsed, note: `${non2xx} non-2xx` };
    },
  };
}

/** The peers that can run here, and a reason for each one skipped. */
export function closedPeers(ctx: BenchContext): { peers: Peer[]; skipped: string[] } {
  const peers: Peer[] = [loadfleetPeer(ctx)];
  const skipped: string[] = [];
  for (const p of [autocannonPeer(ctx), wrkPeer(ctx)]) {
    if (typeof p === 'string') skipped.push(p);
    else peers.push(p);
  }
  return { peers, skipped };
}

/** Runs `rounds` rounds; each round runs every peer once, the starting peer rotating between rounds. */
export async function runClosedRounds(ctx: BenchContext, peers: readonly Peer[], rounds: number, progress: (r: ClosedResult) => void, guard: RunGuard): Promise<ClosedResult[]> {
  const results: ClosedResult[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (let k = 0; k < peers.length; k++) {
      const peer = peers[(k + round - 1) % peers.length] as Peer;
      const r = await guard.run(`round ${round} ${peer.name}`, () => peer.run(ctx, round));
      results.push(r);
      progress(r);
    }
  }
  return results;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
