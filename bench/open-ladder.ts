// The open-model ladder: loadfleet with one agent at each rate, judged against the bars below, from
// the report alone (pure analysis; runLadder does the runs).
//
// Bars, checked in EVERY second of the main phase:
//   - achieved >= 99.9 % of the asked rate (requests that ended in that second / asked rate);
//   - schedule lag p99 < 2 ms (how late sends left against their intended time).
import type { Report } from '../coordinator/report/report.js';
import { median } from './closed-peers.js';
import { openLoad, runLoadfleet } from './loadfleet-cli.js';
import type { BenchContext } from './proc.js';
import type { RunGuard } from './foreign-cpu.js';

export const BARS = Object.freeze({ minSecondRatio: 0.999, maxLagP99Ms: 2 });

export interface SecondFigures {
  index: number;
  requests: number;
  /** requests / asked rate (the last second includes the drain, see analyzeOpen). */
  ratio: number;
  scheduleLagP99Ms: number;
  eventLoopP99Ms: number;
  latencyP99Ms: number;
}

export interface OpenResult {
  rateRps: number;
  achievedRps: number;
  seconds: SecondFigures[];
  worstSecond: { index: number; ratio: number };
  /**
   * Schedule lag p99 of the worst and of the median second. The report has no whole-run lag p99: its
   * health.scheduleLagP99MsMax is the maximum over intervals (and the agent's cumulative p99, which
   * cannot exceed it), kept here as reportMax.
   */
  scheduleLagP99Ms: { worstSecond: number; medianSecond: number; reportMax: number };
  /** From each request's intended send time (coordinated omission corrected). */
  latencyMs: { p50: number; p99: number; max: number };
  /** From the actual send. */
  serviceMs: { p50: number; p99: number };
  eventLoopP99MsMax: number;
  dropped: number;
  errors: number;
  /** loadfleet's own verdict: pass, generator-bound, failed. */
  verdict: string;
  verdictReasons: string[];
  meetsBars: boolean;
  /** Why the bars were missed ([] when met). */
  misses: string[];
  command: string;
  /** CPU used outside the bench's processes during the run, % of one core (see foreign-cpu.ts). */
  foreignCpuPct?: number | null;
}

const pct = (r: number): string => `${(r * 100).toFixed(2)} %`;

/**
 * Judges one rung. Seconds are the main phase's intervals 0..durationS-1; requests that ended after the
 * schedule (the drain interval) were sent in the last second and are counted there, so the last second is
 * not short by what was in flight at the end. A second missing from the series counts as 0.
 */
export function analyzeOpen(report: Report, rateRps: number, durationS: number, command: string): OpenResult {
  const seconds: SecondFigures[] = [];
  for (let i = 0; i < durationS; i++) {
    const p = report.series.find((s) => s.index === i);
    let requests = p?.requests ?? 0;
    const last = i === durationS - 1;
    if (last) for (const late of report.series) if (late.index >= durationS) requests += late.requests;
    // A full second is judged over its real length (the snapshot timer's jitter moves ~0.1-0.3 % of a
    // second's requests into its neighbour); the last one keeps 1 s, as it also holds the drain.
    const seconds_ = !last && p !== undefined && p.coveredMs > 0 ? p.coveredMs / 1000 : 1;
    seconds.push({
      index: i,
      requests,
      ratio: rateRps > 0 ? requests / (rateRps * seconds_) : 0,
      scheduleLagP99Ms: p?.scheduleLagP99 ?? 0,
      eventLoopP99Ms: p?.eventLoopP99 ?? 0,
      latencyP99Ms: p?.p99 ?? 0,
    });
  }
  let worst = seconds[0] ?? { index: 0, ratio: 0 };
  for (const s of seconds) if (s.ratio < worst.ratio) worst = s;
  const lagWorst = Math.max(0, ...seconds.map((s) => s.scheduleLagP99Ms));
  const misses: string[] = [];
  const short = seconds.filter((s) => s.ratio < BARS.minSecondRatio);
  if (short.length > 0) misses.push(`achieved < ${pct(BARS.minSecondRatio)} in ${short.length} s (worst ${pct(worst.ratio)} in s${worst.index})`);
  const late = seconds.filter((s) => s.scheduleLagP99Ms >= BARS.maxLagP99Ms);
  if (late.length > 0) misses.push(`lag p99 >= ${BARS.maxLagP99Ms} ms in ${late.length} s (worst ${lagWorst} ms)`);
  const s = report.summary;
  if (s.dropped > 0) misses.push(`${s.dropped} dropped`);
  if (s.errors > 0) misses.push(`${s.errors} errors`);
  return {
    rateRps,
    achievedRps: Math.round(s.rps),
    seconds,
    worstSecond: { index: worst.index, ratio: worst.ratio },
    scheduleLagP99Ms: { worstSecond: lagWorst, medianSecond: median(seconds.map((x) => x.scheduleLagP99Ms)), reportMax: report.health.scheduleLagP99MsMax },
    latencyMs: { p50: s.latencyMs.p50, p99: s.latencyMs.p99, max: s.latencyMs.max },
    serviceMs: { p50: s.serviceMs.p50, p99: s.serviceMs.p99 },
    eventLoopP99MsMax: report.health.eventLoopDelayP99MsMax,
    dropped: s.dropped,
    errors: s.errors,
    verdict: report.verdict,
    verdictReasons: report.verdictReasons,
    meetsBars: misses.length === 0,
    misses,
    command,
  };
}

/** The highest rate that met every bar, or null. */
export function highestPassing(results: readonly OpenResult[]): number | null {
  const ok = results.filter((r) => r.meetsBars).map((r) => r.rateRps);
  return ok.length > 0 ? Math.max(...ok) : null;
}

export async function runLadder(ctx: BenchContext, rates: readonly number[], progress: (r: OpenResult) => void, guard: RunGuard): Promise<OpenResult[]> {
  const results: OpenResult[] = [];
  for (const rate of rates) {
    const r = await guard.run(`open ${rate}/s`, async () => {
      const run = await runLoadfleet({ ...ctx, name: `open-${rate}`, load: openLoad(rate, ctx.durationS) });
      return analyzeOpen(run.report, rate, ctx.durationS, run.command);
    });
    results.push(r);
    progress(r);
  }
  return results;
}
