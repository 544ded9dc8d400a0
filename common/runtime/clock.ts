// Time as a dependency. Production code takes a Clock; tests pass a ManualClock (test/helpers) and
// advance it by hand. nowMs() is monotonic milliseconds (fractional), unrelated to wall time.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  nowMs(): number;
  /** Calls fn once after delayMs (>= 0). */
  after(delayMs: number, fn: () => void): TimerHandle;
  /** Calls fn every periodMs until cancelled. */
  every(periodMs: number, fn: () => void): TimerHandle;
}

export const systemClock: Clock = {
  nowMs: () => performance.now(),
  after(delayMs, fn) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(t) };
  },
  every(periodMs, fn) {
    const t = setInterval(fn, periodMs);
    return { cancel: () => clearInterval(t) };
  },
};
