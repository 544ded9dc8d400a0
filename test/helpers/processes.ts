// Child processes for e2e tests, the only place a test starts one: output collected, lines waited
// for, and always killed: at the end of the test that passed its context (`t`), at the latest at the end
// of the test file, and if this process exits first. cli.ts starts the loadfleet commands on top of it.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after } from 'node:test';

export interface Proc {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or 128 + signal number style code for a signal). */
  exited: Promise<number>;
  /** Resolves with the first stdout/stderr line matching `re`, or rejects after timeoutMs. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** As waitFor, with the first line whose match `accept` also takes (e.g. a progress line past a time). */
  waitForMatch(re: RegExp, accept: (m: RegExpExecArray) => boolean, timeoutMs?: number): Promise<RegExpExecArray>;
  /**
   * Sends `signal` (default SIGTERM) if the process still runs; idempotent. With `detached`, to its
   * whole process group (as a terminal's Ctrl-C reaches a foreground command and its children).
   */
  kill(signal?: NodeJS.Signals): void;
}

/** Running children, with the way to end each (its group's SIGKILL for a detached one). */
const live = new Map<ChildProcess, { kill: () => void; exited: Promise<number> }>();
process.on('exit', () => { for (const l of live.values()) l.kill(); });

/** SIGKILLs every process still running and waits for them; idempotent. Runs at the end of every test file. */
export async function stopAll(): Promise<void> {
  const all = [...live.values()];
  for (const l of all) l.kill();
  await Promise.all(all.map((l) => l.exited));
}
after(stopAll);

/** What the end of a test calls: node:test's TestContext.after. */
export interface TestEnd {
  after(fn: () => unknown): void;
}

export interface StartOptions {
  /**
   * A command that runs node for us, e.g. `['ip', 'netns', 'exec', ns]`: the child is then
   * `prefix... <node> args...`. The prefix must exec node in place (same pid), so signals reach it.
   */
  prefix?: readonly string[];
  /** Its own process group, as a shell gives a foreground command (kill then signals the group). */
  detached?: boolean;
  /** The test whose end kills it (SIGKILL, awaited). */
  t?: TestEnd;
}

/** Starts `node args...` (optionally behind `opts.prefix`); it is SIGKILLed if this process exits first. */
export function startProcess(args: string[], env: Record<string, string> = {}, cwd?: string, opts: StartOptions = {}): Proc {
  const [cmd, ...prefixArgs] = opts.prefix ?? [];
  const argv = cmd === undefined ? args : [...prefixArgs, process.execPath, ...args];
  const detached = opts.detached === true;
  const child = spawn(cmd ?? process.execPath, argv, { env: { ...process.env, ...env }, cwd, detached, stdio: ['pipe', 'pipe', 'pipe'] });
  const signal = (sig: NodeJS.Signals): void => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (!detached || child.pid === undefined) {
      child.kill(sig);
      return;
    }
    try { process.kill(-child.pid, sig); } catch { /* the group is gone */ }
  };
  let out = '';
  let err = '';
  const waiters: { re: RegExp; accept: (m: RegExpExecArray) => boolean; resolve: (m: RegExpExecArray) => void }[] = [];
  const onLine = (line: string): void => {
    for (const w of [...waiters]) {
      const m = w.re.exec(line);
      if (m !== null && w.accept(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  createInterface({ input: child.stdout! }).on('line', (l) => { out += `${l}\n`; onLine(l); });
  createInterface({ input: child.stderr! }).on('line', (l) => { err += `${l}\n`; onLine(l); });
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code, sig) => {
      live.delete(child);
      // A detached command's own children (local agents) go with its group.
      if (detached && child.pid !== undefined) try { process.kill(-child.pid, 'SIGKILL'); } catch { /* the group is gone */ }
      resolve(code ?? (sig === 'SIGKILL' ? 137 : 143));
    });
  });
  live.set(child, { kill: () => signal('SIGKILL'), exited });
  opts.t?.after(async () => {
    signal('SIGKILL');
    await exited;
  });
  function waitForMatch(re: RegExp, accept: (m: RegExpExecArray) => boolean, timeoutMs = 15_000): Promise<RegExpExecArray> {
    for (const l of `${out}${err}`.split('\n')) {
      const m = re.exec(l);
      if (m !== null && accept(m)) return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${re} in output:\n${out}\n${err}`)), timeoutMs);
      waiters.push({ re, accept, resolve: (m) => { clearTimeout(t); resolve(m); } });
    });
  }
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(re, timeoutMs = 15_000) {
      return waitForMatch(re, () => true, timeoutMs);
    },
    waitForMatch,
    kill(sig = 'SIGTERM') {
      signal(sig);
    },
  };
}
