// An Io that captures output, for running CLI commands in-process.
import { PassThrough, Writable } from 'node:stream';
import type { Io } from '../../common/runtime/io.js';

export interface CapturedIo extends Io {
  out(): string;
  err(): string;
  /** Writes a line to the command's stdin, as if typed. */
  type(line: string): void;
  /** Delivers a signal to the handlers the command registered. */
  signal(s: 'SIGINT' | 'SIGTERM'): void;
}

function sink(chunks: string[]): Writable {
  return new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
}

export function captureIo(cwd: string, env: Record<string, string | undefined> = {}): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  const stdin = new PassThrough();
  const handlers = new Set<(s: 'SIGINT' | 'SIGTERM') => void>();
  return {
    stdout: sink(out),
    stderr: sink(err),
    stdin,
    env: { PATH: process.env.PATH, ...env },
    cwd,
    onSignal(h) {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    out: () => out.join(''),
    err: () => err.join(''),
    type: (line) => stdin.write(`${line}\n`),
    signal: (s) => { for (const h of [...handlers]) h(s); },
  };
}
