// A target's in-flight count over time: one entry per arrival and per departure, in ms since the first
// request (on the target's clock), overall and per path. Read by tests that check how many requests (or
// closed-model loops) were outstanding when.

export interface InflightChange {
  /** Ms since the first request the target received. */
  atMs: number;
  /** Requests in flight right after this change. */
  inFlight: number;
}

export class InflightLog {
  private readonly all: InflightChange[] = [];
  private readonly byPath = new Map<string, { n: number; log: InflightChange[] }>();
  private firstMs: number | undefined;
  private current = 0;

  /** Records an arrival (+1) or a departure (-1) of a request to `path` at clock reading `nowMs`. */
  mark(path: string, delta: 1 | -1, nowMs: number): void {
    this.firstMs ??= nowMs;
    const atMs = nowMs - this.firstMs;
    this.current += delta;
    this.all.push({ atMs, inFlight: this.current });
    const p = this.byPath.get(path) ?? { n: 0, log: [] };
    p.n += delta;
    p.log.push({ atMs, inFlight: p.n });
    this.byPath.set(path, p);
  }

  /** Requests in flight now (all paths). */
  inFlight(): number {
    return this.current;
  }

  /** Every change (all paths), in order. */
  changes(): readonly InflightChange[] {
    return this.all;
  }

  /** Highest in-flight count within [fromMs, toMs) (of `path` only, when given). */
  peakBetween(fromMs: number, toMs: number, path?: string): number {
    const entries = this.logOf(path);
    return Math.max(valueAt(fromMs, entries), ...entries.filter((c) => c.atMs >= fromMs && c.atMs < toMs).map((c) => c.inFlight));
  }

  /** Time-weighted mean in-flight count over [fromMs, toMs) (of `path` only, when given). */
  meanBetween(fromMs: number, toMs: number, path?: string): number {
    const entries = this.logOf(path);
    let area = 0;
    let t = fromMs;
    let v = valueAt(fromMs, entries);
    for (const c of entries) {
      if (c.atMs <= fromMs) continue;
      if (c.atMs >= toMs) break;
      area += v * (c.atMs - t);
      t = c.atMs;
      v = c.inFlight;
    }
    area += v * (toMs - t);
    return toMs > fromMs ? area / (toMs - fromMs) : 0;
  }

  private logOf(path: string | undefined): readonly InflightChange[] {
    return path === undefined ? this.all : this.byPath.get(path)?.log ?? [];
  }
}

/** The in-flight count in effect at `ms` (0 before the first change). */
function valueAt(ms: number, entries: readonly InflightChange[]): number {
  let v = 0;
  for (const c of entries) {
    if (c.atMs > ms) break;
    v = c.inFlight;
  }
  return v;
}
