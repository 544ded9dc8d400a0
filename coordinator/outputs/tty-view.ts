// The compact live view of a run on a TTY (redrawn in place by cli/live-output.ts): a
// progress bar over the whole run (warm-up included) with the current stage, then rate, percentiles,
// errors and agents of the newest interval. Pure string formatting; non-TTY output stays one plain
// line per interval (console.ts formatLiveLine).
import type { Scenario } from '../../common/scenario/scenario.js';
import { mainDurationMs } from '../../common/scenario/scenario.js';
import type { LiveLine } from '../run/test-run.js';
import type { RequestLive } from '../merge/requests.js';
import { DEFAULT_GENERATOR_LIMITS } from '../report/report.js';
import { intervalWarning } from './console.js';
import { formatClock, formatLatency, formatMs, formatRate } from './number-format.js';

/** "stage 2/3" for stages (either model) at `mainElapsedMs`, '' without stages. */
export function stageLabel(s: Scenario, mainElapsedMs: number): string {
  const stages = s.parts === undefined ? s.load.stages : undefined; // several scenarios: no one stage list
  if (stages === undefined || stages.length === 0) return '';
  let end = 0;
  for (let i = 0; i < stages.length; i++) {
    end += (stages[i] as { duration: number }).duration;
    if (mainElapsedMs < end) return `stage ${i + 1}/${stages.length}`;
  }
  return `stage ${stages.length}/${stages.length}`;
}

/** A bar of `width` cells, `fraction` (clamped to 0..1) of them full. */
export function progressBar(fraction: number, width = 30): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(f * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
}

/** The block for one tick (several lines, no trailing newline). */
export function formatLiveView(line: LiveLine, s: Scenario): string {
  const f = line.figures;
  const warm = line.phase === 'warmup';
  // A tick carries its own phase's length; the other phase's comes from the scenario.
  const totalMs = warm ? line.totalMs + mainDurationMs(s) : s.warmup + line.totalMs;
  const elapsedMs = warm ? line.elapsedMs : s.warmup + line.elapsedMs;
  const stage = warm ? 'warm-up' : ['main', stageLabel(s, line.elapsedMs)].filter((x) => x !== '').join(' · ');
  const pct = totalMs > 0 ? Math.min(100, Math.round((100 * elapsedMs) / totalMs)) : 0;
  const closed = f.targetRps === 0 && f.concurrency > 0;
  const target = closed ? `loops ${f.concurrency}` : `target ${formatRate(f.targetRps)}/s${f.concurrency > 0 ? ` + ${f.concurrency} loops` : ''}`;
  const errPct = f.errors > 0 && f.requests > 0 ? ` (${((100 * f.errors) / f.requests).toFixed(2)}%)` : '';
  const failPct = f.failed > 0 && f.requests > 0 ? ` (${((100 * f.failed) / f.requests).toFixed(2)}%)` : '';
  const warning = intervalWarning(f, DEFAULT_GENERATOR_LIMITS).trim();
  return [
    `${progressBar(totalMs > 0 ? elapsedMs / totalMs : 0)} ${String(pct).padStart(3)}%  ${formatClock(elapsedMs)} / ${formatClock(totalMs)}  ${stage}`,
    f.flowRps === undefined ? `rate     ${target}  achieved ${formatRate(f.rps)}/s`
      : `rate     flows ${target}, ${formatRate(f.flowRps)}/s started · requests ${formatRate(f.rps)}/s`,
    f.latencyMs.count === 0 && f.requests > 0
      ? 'latency  - (no response to time: every request failed)'
      : `latency  p50 ${formatMs(f.latencyMs.p50)}  p90 ${formatMs(f.latencyMs.p90)}  p99 ${formatMs(f.latencyMs.p99)}  max ${formatMs(f.latencyMs.max)}`,
    `errors   ${f.errors}${errPct}  failed ${f.failed}${failPct}  dropped ${f.dropped}  in flight ${f.inFlightPeak}`,
    `agents   ${line.agents}  loop p99 ${formatMs(f.eventLoopDelayP99MsMax)}  lag p99 ${formatMs(f.scheduleLagP99MsMax)}${warning === '' ? '' : `  ${warning}`}`,
    ...(line.requests === undefined ? [] : requestRows(line.requests, TTY_REQUEST_ROWS)),
  ].join('\n');
}

/** Request names shown in the TTY block (the busiest so far; the rest are counted in a last line). */
export const TTY_REQUEST_ROWS = 8;

const pct = (ok: number, failed: number): string => (ok + failed === 0 ? '-' : `${((100 * ok) / (ok + failed)).toFixed(1)}%`);

/**
 * The per-request table of a tick: the `limit` names with most requests so far, each with this
 * interval's rate, percentiles, errors and failed checks, then its totals so far; "+ N more" below.
 */
export function requestRows(r: NonNullable<LiveLine['requests']>, limit: number): string[] {
  const now = new Map((r.interval?.rows ?? []).map((x) => [x.name, x]));
  const shown = r.soFar.rows.slice(0, limit);
  const rows = [
    ['request', 'req/s', 'p50', 'p95', 'p99', 'err', 'fail', 'chk fail', '| total', 'p99', 'checks ok'],
    ...shown.map((t) => {
      const i = now.get(t.name);
      // Only responses are timed: a window whose requests all failed has no latency ("-").
      const lat = (r: RequestLive, v: number): string => formatLatency(v, r.requests - r.errors);
      return [
        t.name.length > 24 ? `${t.name.slice(0, 23)}…` : t.name,
        i === undefined ? '-' : formatRate(i.rps), i === undefined ? '-' : lat(i, i.p50Ms), i === undefined ? '-' : lat(i, i.p95Ms),
        i === undefined ? '-' : lat(i, i.p99Ms), i === undefined ? '-' : String(i.errors), i === undefined ? '-' : String(i.failed),
        i === undefined ? '-' : String(i.checksFailed),
        `| ${t.requests.toLocaleString('en-US')}`, lat(t, t.p99Ms), pct(t.checksPassed, t.checksFailed),
      ];
    }),
  ];
  const widths = (rows[0] as string[]).map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  const out = rows.map((row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ').trimEnd());
  const more = r.soFar.names - shown.length;
  if (more > 0) out.push(`+ ${more} more request name(s) (the busiest ${shown.length} are shown; report.json has all)`);
  return out;
}
