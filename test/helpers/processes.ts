// Child processes for e2e tests: started with a bounded life, always killed at the end of a test.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

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
  kill(signal?: NodeJS.Signals): void;
}

const live = new Set<ChildProcess>();
process.on('exit', () => { for (const c of live) c.kill('SIGKILL'); });

export interface StartOptions {
  /**
   * A command that runs node for us, e.g. `['ip', 'netns', 'exec', ns]`: the child is then
   * `prefix... <node> args...`. The prefix must exec node in place (same pid), so signals reach it.
   */
  prefix?: readonly string[];
}

/** Starts `node args...` (optionally behind `opts.prefix`); it is SIGKILLed if this process exits first. */
export function startProcess(args: string[], env: Record<string, string> = {}, cwd?: string, opts: StartOptions = {}): Proc {
  const [cmd, ...prefixArgs] = opts.prefix ?? [];
  const argv = cmd === undefined ? args : [...prefixArgs, process.execPath, ...args];
  const child = spawn(cmd ?? process.execPath, argv, { env: { ...process.env, ...env }, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
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
    child.on('exit', (code, signal) => {
      live.delete(child);
      resolve(code ?? (signal === 'SIGKILL' ? 137 : 143));
    });
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
    kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}
