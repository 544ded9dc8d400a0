// Driving code on a ManualClock that also does real I/O (an engine against a real target on port 0):
// the clock moves in steps, and after each step the test waits for the I/O that step started to settle
// (a state, never a wall-clock window). Time seen by the code is the clock's alone, so counts and
// durations are exact whatever the machine's load.
import type { ManualClock } from './manual-clock.js';

/** One round of the event loop (timers, I/O callbacks, immediates); no clock moves. */
export const ioTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface SettleOptions {
  /** A reading of the observable state (e.g. a target's counts); settled once it stops changing. */
  state: () => string;
  /** Settled at once when this holds (e.g. every loop's request is at the target). */
  until?: () => boolean;
  /** Rounds the state must stay the same to count as settled. Default 20. */
  quietTurns?: number;
}

/** Waits until `until()` holds or `state()` stayed the same for `quietTurns` event-loop rounds. */
export async function settle(opts: SettleOptions): Promise<void> {
  const quietTurns = opts.quietTurns ?? 20;
  let last = opts.state();
  let same = 0;
  while (same < quietTurns) {
    if (opts.until?.() === true) return;
    await ioTurn();
    const now = opts.state();
    same = now === last ? same + 1 : 0;
    last = now;
  }
}

/** Moves `clock` forward by `ms` in steps of `stepMs` (the last one shorter), settling after each. */
export async function advanceSettled(clock: ManualClock, ms: number, stepMs: number, opts: SettleOptions): Promise<void> {
  for (let leftMs = ms; leftMs > 0; leftMs -= stepMs) {
    clock.advance(Math.min(stepMs, leftMs));
    await settle(opts);
  }
  if (ms === 0) {
    clock.advance(0);
    await settle(opts);
  }
}

/**
 * Moves `clock` in steps of `stepMs`, settling after each, until `done` resolves; returns its value.
 * Throws once the clock moved `maxMs` without it (the code under test never ended).
 */
export async function runUntilDone<T>(clock: ManualClock, done: Promise<T>, stepMs: number, opts: SettleOptions, maxMs = 120_000): Promise<T> {
  let result: { value: T } | undefined;
  void done.then((value) => { result = { value }; });
  const fromMs = clock.nowMs();
  await settle(opts);
  while (result === undefined) {
    if (clock.nowMs() - fromMs > maxMs) throw new Error(`not done after ${maxMs} ms of the manual clock`);
    clock.advance(stepMs);
    await settle({ ...opts, until: () => result !== undefined || opts.until?.() === true });
  }
  return result.value;
}

/** The observable state of a counting target, for SettleOptions.state. */
export const targetState = (target: { total(): number; inFlight(): number }) => (): string => `${target.total()}/${target.inFlight()}`;
