// The compact live view of a run on a TTY (redrawn in place by coordinator/cli/live-view.ts): a
// progress bar over the whole run (warm-up included) with the current stage, then rate, percentiles,
// errors and agents of the newest interval. Pure string formatting; non-TTY output stays one plain
// line per interval (console.ts formatLiveLine).
import type { Scenario } from '../../common/scenario.js';
import { mainDurationMs } from '../../common/scenario.js';
import type { LiveLine } from '../test-run.js';
import { DEFAULT_GENERATOR_LIMITS } from '../report.js';
import { formatClock, formatMs, formatRate, intervalWarning } from './console.js';

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
  const errPct = f.errorTotal > 0 && f.requests > 0 ? ` (${((100 * f.errorTotal) / f.requests).toFixed(2)}%)` : '';
  const warning = intervalWarning(f, DEFAULT_GENERATOR_LIMITS).trim();
  return [
    `${progressBar(totalMs > 0 ? elapsedMs / totalMs : 0)} ${String(pct).padStart(3)}%  ${formatClock(elapsedMs)} / ${formatClock(totalMs)}  ${stage}`,
    `rate     ${target}  achieved ${formatRate(f.rps)}/s`,
    `latency  p50 ${formatMs(f.latencyMs.p50)}  p90 ${formatMs(f.latencyMs.p90)}  p99 ${formatMs(f.latencyMs.p99)}  max ${formatMs(f.latencyMs.max)}`,
    `errors   ${f.errorTotal}${errPct}  dropped ${f.dropped}  in flight ${f.inFlightPeak}`,
    `agents   ${line.agents}  loop p99 ${formatMs(f.eventLoopDelayP99MsMax)}  lag p99 ${formatMs(f.scheduleLagP99MsMax)}${warning === '' ? '' : `  ${warning}`}`,
  ].join('\n');
}
