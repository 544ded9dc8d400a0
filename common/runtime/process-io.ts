// Builds an Io from the real process. Only entry points (cli/main.ts, agent/main.ts,
// coordinator/demo/target-main.ts) may call it; everything else receives an Io.
import type { Io } from './io.js';

let quietPipes = false;

/**
 * A reader that goes away (`loadfleet report r.json | head`) only ends the output: writes to a closed
 * stdout/stderr are dropped (the command goes on, its files are still written, and it exits with its
 * own code) instead of an unhandled EPIPE with a stack trace.
 */
function dropWritesToClosedPipes(): void {
  if (quietPipes) return;
  quietPipes = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
    });
  }
}

export function processIo(): Io {
  dropWritesToClosedPipes();
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    onSignal(handler) {
      const onInt = (): void => handler('SIGINT');
      const onTerm = (): void => handler('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      return () => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
      };
    },
  };
}
