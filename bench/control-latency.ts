// Live-control latency: from a `rate` command to the last agent applying it, on loopback, with the real
// CLI processes (a long-lived coordinator and 2 agents over gRPC) and a real test running. The bar:
// p99 under 100 ms. Run alone with `node dist/bench/control-latency.js` or as part of `npm run bench`.
//
// Two figures per change: `applied` is measured by the coordinator (SetRate sent -> last Applied ack,
// returned in SetRateReply.applied_ms); `round trip` is measured here (command sent -> reply received),
// which includes the CLI's gRPC call on top.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startTarget } from '../coordinator/demo/target.js';
import { RemoteControl } from '../cli/control-client.js';
import { rateChange } from '../common/protocol/live-change.js';
import { validateScenario } from '../common/scenario/scenario.js';

const CLI = fileURLToPath(new URL('../../bin/loadfleet.js', import.meta.url));
const TOKEN = 'bench-control';

export interface ControlLatency {
  changes: number;
  agents: number;
  appliedMs: { p50: number; p99: number; max: number };
  roundTripMs: { p50: number; p99: number; max: number };
  allAcknowledged: boolean;
}

function spawnCli(args: string[]): { child: ChildProcess; line: (re: RegExp) => Promise<RegExpExecArray> } {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, LOADFLEET_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
  const waiters: { re: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  const onLine = (l: string): void => {
    for (const w of [...waiters]) {
      const m = w.re.exec(l);
      if (m !== null) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  return {
    child,
    line: (re) => new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${re}`)), 15_000);
      waiters.push({ re, resolve: (m) => { clearTimeout(t); resolve(m); } });
    }),
  };
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
};
const stats = (xs: number[]): { p50: number; p99: number; max: number } => ({ p50: pct(xs, 50), p99: pct(xs, 99), max: Math.max(...xs) });

export async function measureControlLatency(changes = 200, agents = 2): Promise<ControlLatency> {
  const target = await startTarget();
  const procs: ChildProcess[] = [];
  const control: RemoteControl[] = [];
  try {
    const coord = spawnCli(['coordinator', '--listen', '127.0.0.1:0']);
    procs.push(coord.child);
    const addr = (await coord.line(/coordinator listening on (\S+)/))[1] as string;
    for (let i = 0; i < agents; i++) {
      const a = spawnCli(['agent', '--join', addr, '--id', `ctl-${i}`]);
      procs.push(a.child);
      await a.line(/joined coordinator/);
    }
    const v = validateScenario({ request: { url: target.url }, load: { model: 'open', rate: 200, duration: `${Math.ceil(changes * 0.05) + 10}s` } });
    if (!v.ok) throw new Error('bench scenario invalid');
    const runner = new RemoteControl(addr, TOKEN);
    control.push(runner);
    let started!: () => void;
    const isStarted = new Promise<void>((r) => { started = r; });
    const finished = runner.start(v.scenario, { minAgents: agents, waitAgentsMs: 10_000, onAgentLoss: 'rebalance' }, (e) => {
      if (e.kind === 'started') started();
    });
    await isStarted;
    await new Promise((r) => setTimeout(r, 1_000));
    const rc = new RemoteControl(addr, TOKEN);
    control.push(rc);
    const applied: number[] = [];
    const roundTrip: number[] = [];
    let allAcknowledged = true;
    for (let i = 0; i < changes; i++) {
      const t0 = performance.now();
      const r = await rc.change(rateChange(i % 2 === 0 ? 250 : 200, 0));
      roundTrip.push(performance.now() - t0);
      applied.push(r.appliedMs);
      if (r.applied < r.agents) allAcknowledged = false;
      await new Promise((res) => setTimeout(res, 25));
    }
    await rc.stop('bench done');
    await finished;
    return { changes, agents, appliedMs: stats(applied), roundTripMs: stats(roundTrip), allAcknowledged };
  } finally {
    for (const c of control) c.close();
    for (const p of procs) p.kill('SIGKILL');
    await target.close();
  }
}

export function controlLine(r: ControlLatency): string {
  const f = (x: { p50: number; p99: number; max: number }): string => `p50 ${x.p50.toFixed(1)} ms, p99 ${x.p99.toFixed(1)} ms, max ${x.max.toFixed(1)} ms`;
  const bar = r.appliedMs.p99 < 100 && r.allAcknowledged ? 'met' : 'MISSED';
  return [
    `live control, ${r.changes} rate changes to ${r.agents} agents during a running test (loopback):`,
    `  command -> last agent applied (coordinator clock): ${f(r.appliedMs)}  [bar p99 < 100 ms: ${bar}]`,
    `  command -> reply at the caller:                    ${f(r.roundTripMs)}`,
    r.allAcknowledged ? '  every change was acknowledged by every agent' : '  SOME CHANGES WERE NOT ACKNOWLEDGED BY EVERY AGENT WITHIN 2 s',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  measureControlLatency().then(
    (r) => {
      process.stdout.write(`${controlLine(r)}\n`);
      process.exit(0);
    },
    (e: unknown) => {
      process.stderr.write(`control-latency bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
