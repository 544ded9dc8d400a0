// A Clock that moves only when a test calls advance(). Timers fire in time order, each at its own time.
import type { Clock, TimerHandle } from '../../common/runtime/clock.js';

interface Pending {
  atMs: number;
  periodMs: number | undefined;
  fn: () => void;
  cancelled: boolean;
  order: number;
}

export class ManualClock implements Clock {
  private now = 0;
  private counter = 0;
  private pending: Pending[] = [];

  nowMs(): number {
    return this.now;
  }

  /**
   * A positive delay always lands after now, as a real timer's does: one too small to change `now` in
   * floating point (a pacer's 3e-14 ms at 673 ms) is due at the next representable time instead, so code
   * that re-arms until its clock has moved makes progress.
   */
  after(delayMs: number, fn: () => void): TimerHandle {
    const atMs = this.now + Math.max(0, delayMs);
    return this.add(delayMs > 0 && atMs <= this.now ? nextUp(this.now) : atMs, undefined, fn);
  }

  every(periodMs: number, fn: () => void): TimerHandle {
    return this.add(this.now + periodMs, periodMs, fn);
  }

  /** Moves time forward by ms, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const next = this.pending
        .filter((p) => !p.cancelled && p.atMs <= end)
        .sort((a, b) => a.atMs - b.atMs || a.order - b.order)[0];
      if (next === undefined) break;
      this.now = next.atMs;
      if (next.periodMs === undefined) next.cancelled = true;
      else next.atMs += next.periodMs;
      next.fn();
    }
    this.now = end;
    this.pending = this.pending.filter((p) => !p.cancelled);
  }

  /**
   * A frozen process (SIGSTOP): time moves forward by ms and no timer fires meanwhile; every timer that
   * fell due fires once, late, at the next advance() (a periodic one then keeps its period from there).
   */
  freeze(ms: number): void {
    this.now += ms;
    for (const p of this.pending) if (!p.cancelled && p.atMs < this.now) p.atMs = this.now;
  }

  private add(atMs: number, periodMs: number | undefined, fn: () => void): TimerHandle {
    const p: Pending = { atMs, periodMs, fn, cancelled: false, order: this.counter++ };
    this.pending.push(p);
    return { cancel: () => { p.cancelled = true; } };
  }
}

/** The smallest double above x (x >= 0). */
function nextUp(x: number): number {
  const f = new Float64Array([x]);
  const bits = new BigInt64Array(f.buffer);
  bits[0] = (bits[0] ?? 0n) + 1n;
  return f[0] ?? x;
}
