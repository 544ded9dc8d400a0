// Other people's CPU: the bench machine may be shared (here: a 2-core VM where other work runs test
// suites), and a neighbour on either core moves every figure by far more than the differences being
// measured. Two tools, Linux only (elsewhere they do nothing and report null):
//   - waitForQuiet(): before a run, wait until both cores are mostly idle (bounded);
//   - watchForeignCpu(): during a run, the CPU used by processes outside the bench's own process tree,
//     sampled from /proc every SAMPLE_MS (a process that lives less than that can be missed).
import { readdirSync, readFileSync } from 'node:fs';

const SAMPLE_MS = 250;
/** Clock ticks per second of /proc's utime/stime (USER_HZ; 100 on every mainstream Linux). */
const USER_HZ = 100;

interface ProcStat {
  ppid: number;
  /** utime + stime, ticks. */
  ticks: number;
}

function readProcStat(pid: number): ProcStat | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces: fields start after the last ')'.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined; // exited meanwhile
  }
}

function snapshot(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const st = readProcStat(pid);
    if (st !== undefined) out.set(pid, st);
  }
  return out;
}

/** Pids of rootPid and its descendants in a snapshot. */
function tree(snap: Map<number, ProcStat>, rootPid: number): Set<number> {
  const mine = new Set<number>([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, st] of snap) {
      if (!mine.has(pid) && mine.has(st.ppid)) {
        mine.add(pid);
        grew = true;
      }
    }
  }
  return mine;
}

export interface ForeignCpuWatch {
  /** Stops sampling; the foreign CPU over the watch, in % of one core (null when /proc is unreadable). */
  stop(): number | null;
}

/** Starts sampling the CPU used outside rootPid's process tree. */
export function watchForeignCpu(rootPid: number): ForeignCpuWatch {
  const first = snapshot();
  if (first.size === 0) return { stop: () => null };
  const startMs = performance.now();
  // Per foreign pid: ticks when first seen (0 for one born during the watch) and the latest ticks.
  const base = new Map<number, number>();
  const last = new Map<number, number>();
  const mineFirst = tree(first, rootPid);
  for (const [pid, st] of first) {
    if (mineFirst.has(pid)) continue;
    base.set(pid, st.ticks);
    last.set(pid, st.ticks);
  }
  const sample = (): void => {
    const snap = snapshot();
    const mine = tree(snap, rootPid);
    for (const [pid, st] of snap) {
      if (mine.has(pid)) continue;
      if (!base.has(pid)) base.set(pid, 0);
      last.set(pid, st.ticks);
    }
  };
  const timer = setInterval(sample, SAMPLE_MS);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      sample();
      let ticks = 0;
      for (const [pid, t] of last) ticks += Math.max(0, t - (base.get(pid) ?? t));
      const wallS = (performance.now() - startMs) / 1000;
      return wallS > 0 ? Math.round(((ticks / USER_HZ) / wallS) * 1000) / 10 : 0;
    },
  };
}

/** Busy fraction of all cores over windowMs, from /proc/stat (null when unreadable). */
async function busyFraction(windowMs: number): Promise<number | null> {
  const read = (): number[] | null => {
    try {
      const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
      return line.trim().split(/\s+/).slice(1).map(Number);
    } catch {
      return null;
    }
  };
  const a = read();
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const b = read();
  if (a === null || b === null || a.length < 5) return null;
  const d = b.map((v, i) => v - (a[i] ?? 0));
  const total = d.slice(0, 8).reduce((x, y) => x + y, 0);
  const idle = (d[3] ?? 0) + (d[4] ?? 0);
  return total > 0 ? 1 - idle / total : null;
}

/**
 * Waits (up to maxWaitMs) until the machine is at least 90 % idle over a 2 s window. Returns the last
 * busy fraction seen and whether it was quiet (quiet: true also when /proc/stat is unreadable).
 */
export async function waitForQuiet(maxWaitMs: number): Promise<{ quiet: boolean; busy: number | null }> {
  const deadline = performance.now() + maxWaitMs;
  for (;;) {
    const busy = await busyFraction(2000);
    if (busy === null || busy <= 0.1) return { quiet: true, busy };
    if (performance.now() >= deadline) return { quiet: false, busy };
  }
}

/** Wraps each measured run: a quiet gate before it, the foreign CPU during it. */
export interface RunGuard {
  run<T extends { foreignCpuPct?: number | null }>(what: string, fn: () => Promise<T>): Promise<T>;
}

/**
 * quietWaitMs: how long to wait for a quiet machine before each run (0: do not wait). note: receives a
 * line when a run starts on a busy machine anyway.
 */
export function runGuard(quietWaitMs: number, note: (line: string) => void): RunGuard {
  return {
    async run(what, fn) {
      if (quietWaitMs > 0) {
        const q = await waitForQuiet(quietWaitMs);
        if (!q.quiet) note(`${what}: the machine is still ${Math.round((q.busy ?? 0) * 100)} % busy after ${Math.round(quietWaitMs / 1000)} s of waiting; running anyway`);
      }
      const watch = watchForeignCpu(process.pid);
      const r = await fn();
      r.foreignCpuPct = watch.stop();
      return r;
    },
  };
}
