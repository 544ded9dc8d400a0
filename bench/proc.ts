// Child processes for the bench: every child is registered so that it is killed at the end, on an
// error and on SIGINT; output is captured; failures become a BenchError with a message a user can act
// on (main() prints the message, never a stack trace).
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { delimiter, join } from 'node:path';

/** A failure the bench reports as one line (plus `detail`, e.g. the tail of a child's output). */
export class BenchError extends Error {
  readonly detail: string;

  constructor(message: string, detail = '', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BenchError';
    this.detail = detail;
  }
}

const live = new Set<ChildProcess>();

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Pids of a process's direct children (Linux /proc), e.g. nginx's workers; [] when unknown. */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** SIGTERM, then SIGKILL (the child and its direct children) after graceMs. Resolves once it exited. */
export function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (!isRunning(child) || child.pid === undefined) {
    live.delete(child);
    return Promise.resolve();
  }
  const pid = child.pid;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      for (const p of childPids(pid)) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      child.kill('SIGKILL');
    }, graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      live.delete(child);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Stops every child still running (idempotent). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...live].map((c) => stopChild(c)));
}

/** Last resort in a synchronous 'exit' handler: SIGKILL whatever is left. */
export function killAllChildrenNow(): void {
  for (const c of live) {
    if (!isRunning(c) || c.pid === undefined) continue;
    for (const p of childPids(c.pid)) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    c.kill('SIGKILL');
  }
  live.clear();
}

/** Starts a registered child; a missing executable is a BenchError, not an 'error' event later. */
export function startChild(cmd: string, args: readonly string[], opts: { cwd?: string; stdin?: 'ignore' | 'pipe' } = {}): ChildProcess {
  const child = spawn(cmd, args, { cwd: opts.cwd, stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

export interface Captured {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  wallMs: number;
}

/** Runs a command to its end (killed after timeoutMs), capturing its output. */
export function runCaptured(cmd: string, args: readonly string[], opts: { cwd?: string; timeoutMs: number; what: string }): Promise<Captured> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = startChild(cmd, args, opts.cwd === undefined ? {} : { cwd: opts.cwd });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      void stopChild(child, 2000);
    }, opts.timeoutMs);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      live.delete(child);
      reject(new BenchError(`${opts.what}: cannot start \`${cmd}\` (${err.code ?? err.message})`, '', { cause: err }));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(new BenchError(`${opts.what}: still running after ${Math.round(opts.timeoutMs / 1000)} s; stopped it`, tail(stdout + stderr)));
        return;
      }
      resolve({ code, signal, stdout, stderr, wallMs: performance.now() - t0 });
    });
  });
}

/** The last `lines` non-empty lines of a child's output, indented, for error messages. */
export function tail(text: string, lines = 8): string {
  return text.split('\n').filter((l) => l.trim() !== '').slice(-lines).map((l) => `    ${l}`).join('\n');
}

/** Absolute path of an executable on PATH (plus the sbin directories non-root PATHs lack), or undefined. */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin', '/usr/local/nginx/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** First line a command prints for its version (stdout or stderr), or '' when it fails. */
export function versionOf(cmd: string, args: readonly string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5000 });
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  return text.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
}

/** CPU pinning: wraps a command in `taskset -c core` when taskset works here with two cores. */
export interface Pinning {
  enabled: boolean;
  /** Why pinning is off ('' when on). */
  reason: string;
  wrap(core: number, cmd: string, args: readonly string[]): [string, string[]];
}

/** Where one measured run happens: the checkout, a scratch folder, the pinned cores, the target. */
export interface BenchContext {
  root: string;
  tmpDir: string;
  pin: Pinning;
  url: string;
  durationS: number;
  warmupS: number;
}

export function detectPinning(): Pinning {
  const taskset = findExecutable('taskset');
  let reason = '';
  if (taskset === undefined) reason = 'taskset is not installed (util-linux)';
  else if (availableParallelism() < 2) reason = `only ${availableParallelism()} core(s) available`;
  else if (spawnSync(taskset, ['-c', '1', 'true']).status !== 0) reason = '`taskset -c 1` is refused here (cpuset?)';
  const enabled = reason === '' && taskset !== undefined;
  return {
    enabled,
    reason,
    wrap: (core, cmd, args) => (enabled ? [taskset as string, ['-c', String(core), cmd, ...args]] : [cmd, [...args]]),
  };
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the caller handles the race by retrying). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** True once something accepts connections on 127.0.0.1:port. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
