// What a CLI command may use of the outside world. Only a main.ts builds one from `process`; tests
// build their own, so every command runs in-process.
import type { Readable, Writable } from 'node:stream';

export interface Io {
  stdout: Writable;
  stderr: Writable;
  /** Undefined when there is no standard input (CI). */
  stdin: Readable | undefined;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Registers a handler for SIGINT/SIGTERM; returns the function that removes it. */
  onSignal(handler: (signal: 'SIGINT' | 'SIGTERM') => void): () => void;
}

export type Logger = (level: 'info' | 'warn' | 'error', message: string) => void;

export function stderrLogger(io: Io, prefix: string): Logger {
  return (level, message) => {
    io.stderr.write(`${new Date().toISOString()} ${prefix} ${level.padEnd(5)} ${message}\n`);
  };
}
