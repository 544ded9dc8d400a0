// The run's progress line (`[  7s/20s] target ...`, `[1m05s/10m00s] ...`): how far a run is, read from
// its output, so a test can act once a run has gone on for some time after an event it caused.
import type { Proc } from './processes.js';

/** Matches a progress line; group 1 is the elapsed reading (7s, 1m05s). */
export const PROGRESS_LINE = /\[\s*((?:\d+m)?\d+s)\/\S+\]/;

/** Seconds of a clock reading as the console prints it (7s, 1m05s). */
export function clockSeconds(reading: string): number {
  const m = /^(?:(\d+)m)?(\d+)s$/.exec(reading);
  if (m === null) throw new Error(`not a clock reading: ${reading}`);
  return Number(m[1] ?? 0) * 60 + Number(m[2]);
}

/** The elapsed seconds of the last progress line `run` printed so far (0 before the first). */
export function elapsedS(run: Proc): number {
  let last = 0;
  for (const line of run.stdout().split('\n')) {
    const m = PROGRESS_LINE.exec(line);
    if (m !== null) last = clockSeconds(m[1] as string);
  }
  return last;
}

/** Resolves once `run` prints a progress line at `seconds` or later (timeout: generous, from seconds). */
export async function waitForElapsed(run: Proc, seconds: number): Promise<void> {
  await run.waitForMatch(PROGRESS_LINE, (m) => clockSeconds(m[1] as string) >= seconds, 30_000 + seconds * 3_000);
}
