// What the live dashboard shows, kept from the coordinator's run observer: one point per merged
// interval, the run's notices as a timeline, and the agents' table built from status(). Pure: time
// comes in as arguments (coordinator clock ms); the dashboard (outputs/dashboard/routes.ts) owns I/O and timers.
//
// Contracts: each client holds a cursor; update() returns only what it has not seen (points and events
// are append-only within a run) and `reset: true` when a new run started or on the first update.
// Missing rate is computed exactly as the report's series[].missingRps (the scenario's schedule with
// every live change applied, minus what the reporting agents were scheduled to send).
import type { Scenario } from '../../../common/scenario/scenario.js';
import { mainDurationMs } from '../../../common/scenario/scenario.js';
import type { Phase } from '../../../common/metrics/stats.js';
import type { IntervalFigures } from '../../merge/aggregator.js';
import type { FleetStatus } from '../../coordinator.js';
import { modelSchedule, scenarioSchedules } from '../../schedule/replay.js';
import type { RateChange, Report } from '../../report/report.js';
import { DEFAULT_GENERATOR_LIMITS } from '../../report/report.js';
import { meanBetween } from '../../schedule/shares.js';
import type { LiveLine, MemberStatus } from '../../run/test-run.js';
import { redactUrl } from '../../../common/runtime/redact.js';
import { LIVE_REQUEST_NAMES } from '../../run/ticks.js';
import type { AgentFlag, DashAgent, DashEvent, DashPoint, DashRun, DashUpdate } from './update.js';

/** Request names kept per chart point (the busiest of the interval). */
export const DASH_POINT_NAMES = 10;

export interface Cursor {
  generation: number;
  points: number;
  events: number;
}

interface RunData {
  runId: string;
  scenario: Scenario;
  startMs: number;
  changes: RateChange[];
  points: DashPoint[];
  events: DashEvent[];
  verdict: Report['verdict'] | null;
  /** The last status while it ran (kept to show the finished run). */
  last: DashRun | null;
  /** The newest main-phase tick's per-request table (warm-up's until then), and its phase. */
  requests: NonNullable<LiveLine['requests']> | null;
  requestsPhase: Phase | null;
}

/** An agent whose last snapshot is older than this many intervals is shown as missing. */
const STALE_INTERVALS = 3;
/** Open model: an agent achieving less than this fraction of a share of at least MIN_JUDGED_RPS is behind. */
const BEHIND_FRACTION = 0.9;
const MIN_JUDGED_RPS = 20;

const round1 = (v: number): number => Math.round(v * 10) / 10;

export class DashboardState {
  private readonly intervalMs: number;
  private generation = 0;
  private run: RunData | undefined;

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  runStarted(runId: string, scenario: Scenario, nowMs: number): void {
    this.generation++;
    this.run = { runId, scenario, startMs: nowMs, changes: [], points: [], events: [], verdict: null, last: null, requests: null, requestsPhase: null };
  }

  tick(runId: string, line: LiveLine): void {
    const run = this.current(runId);
    if (run === undefined) return;
    const point = this.point(run, line.phase, line.figures);
    const rows = line.requests?.interval?.rows;
    if (rows !== undefined && rows.length > 0) {
      point.byRequest = Object.fromEntries(rows.slice(0, DASH_POINT_NAMES).map((r) => [r.name, { rps: r.rps, p50: r.p50Ms, p95: r.p95Ms, p99: r.p99Ms }]));
    }
    run.points.push(point);
    // A late warm-up tick does not replace the main phase's table.
    if (line.requests !== undefined && !(line.phase === 'warmup' && run.requestsPhase === 'main')) {
      run.requests = line.requests;
      run.requestsPhase = line.phase;
    }
  }

  notice(runId: string, level: DashEvent['level'], message: string, nowMs: number): void {
    const run = this.current(runId);
    if (run === undefined) return;
    run.events.push({ atMs: Math.round(this.mainElapsed(run, nowMs)), level, message });
  }

  /** A live change, at the same main-phase time the run records it (never before the main phase). */
  rateChanged(runId: string, change: Omit<RateChange, 'atMs'>, nowMs: number): void {
    const run = this.current(runId);
    if (run === undefined) return;
    run.changes.push({ atMs: Math.max(0, this.mainElapsed(run, nowMs)), ...change });
  }

  runEnded(report: Report, nowMs: number): void {
    const run = this.current(report.runId);
    if (run === undefined) return;
    run.verdict = report.verdict;
    const finalRequests = requestsOf(report);
    if (finalRequests !== null) {
      run.requests = finalRequests;
      run.requestsPhase = 'main';
    }
    run.events.push({ atMs: Math.round(this.mainElapsed(run, nowMs)), level: report.verdict === 'pass' ? 'info' : 'warn', message: `finished: verdict ${report.verdict}, ${report.summary.requests} requests` });
    // A run nobody watched while it ran is still shown, from its report.
    const s = run.scenario;
    const last = run.last ?? {
      runId: run.runId, name: s.name, model: s.load.model, target: `${s.request.method} ${redactUrl(s.request.url)}`, phase: 'main' as const,
      elapsedMs: Math.round(nowMs - run.startMs), totalMs: s.warmup + mainDurationMs(s), warmupMs: s.warmup,
      targetRps: report.summary.targetRps ?? 0, concurrency: report.summary.concurrency ?? 0, scenarios: scenariosOf(s), flows: s.program !== undefined,
    };
    // The report's clock is the run's whole length (a stopped run's too, whatever live changes did).
    run.last = { ...last, state: 'finished', verdict: report.verdict, elapsedMs: Math.round(report.durationMs) };
  }

  /** What a client with `cursor` has not seen yet; advances the cursor. */
  update(cursor: Cursor, status: FleetStatus, nowMs: number): DashUpdate {
    const run = this.run;
    const reset = cursor.generation !== this.generation;
    if (reset) Object.assign(cursor, { generation: this.generation, points: 0, events: 0 });
    const fleet = { idle: status.agents.filter((a) => a.state === 'idle').length, busy: status.agents.filter((a) => a.state === 'busy').length };
    if (run === undefined) return { reset, run: null, points: [], events: [], agents: [], fleet, requests: null };
    const points = run.points.slice(cursor.points);
    const events = run.events.slice(cursor.events);
    cursor.points = run.points.length;
    cursor.events = run.events.length;
    const rs = status.run !== null && status.run.runId === run.runId ? status.run : null;
    // Once the report is in, the run's figures are the report's: status no longer changes them.
    if (rs !== null && run.verdict === null) {
      const s = run.scenario;
      run.last = {
        runId: run.runId, name: s.name, model: s.load.model, target: `${s.request.method} ${redactUrl(s.request.url)}`,
        state: run.verdict !== null ? 'finished' : rs.state, phase: rs.elapsedMs < s.warmup ? 'warmup' : 'main',
        elapsedMs: Math.round(rs.elapsedMs), totalMs: rs.totalMs, warmupMs: s.warmup, targetRps: rs.targetRps, concurrency: rs.concurrency, verdict: run.verdict,
        scenarios: scenariosOf(s), flows: s.program !== undefined,
      };
    }
    const agents = rs === null ? [] : this.agents(rs.agents, run.scenario.load.model, nowMs - run.startMs);
    return { reset, run: run.last, points, events, agents, fleet, requests: run.requests };
  }

  /**
   * The unit of an open model's rate in the newest run: flow runs per second when it has flows (a test
   * with several scenarios always has), else requests per second; req/s before any run.
   */
  rateUnit(): 'flow runs/s' | 'req/s' {
    return this.run?.scenario.program !== undefined ? 'flow runs/s' : 'req/s';
  }

  private current(runId: string): RunData | undefined {
    return this.run !== undefined && this.run.runId === runId ? this.run : undefined;
  }

  private mainElapsed(run: RunData, nowMs: number): number {
    return nowMs - run.startMs - run.scenario.warmup;
  }

  private point(run: RunData, phase: Phase, f: IntervalFigures): DashPoint {
    const s = run.scenario;
    const startMs = f.index * this.intervalMs;
    let missingRps = 0;
    const open = modelSchedule(scenarioSchedules(s, run.changes), 'open');
    if (phase === 'main' && open !== null) {
      const to = Math.min(mainDurationMs(s), startMs + this.intervalMs);
      // Several scenarios at once: the open ones' rates add up.
      const planned = to > startMs ? meanBetween(open, startMs, to) : 0;
      missingRps = Math.max(0, round1(planned - f.targetRps));
    }
    const byClass = [0, 0, 0, 0];
    for (const [code, n] of Object.entries(f.statusCodes)) {
      const c = Math.floor(Number(code) / 100) - 2;
      if (c >= 0 && c < 4) byClass[c] = (byClass[c] ?? 0) + n;
    }
    return {
      t: (phase === 'main' ? startMs : startMs - s.warmup) / 1000,
      phase, targetRps: round1(f.targetRps), rps: round1(f.rps), flowRps: round1(f.flowRps ?? 0), missingRps, concurrency: f.concurrency,
      p50: f.latencyMs.p50, p90: f.latencyMs.p90, p99: f.latencyMs.p99, max: f.latencyMs.max,
      s2xx: byClass[0] ?? 0, s3xx: byClass[1] ?? 0, s4xx: byClass[2] ?? 0, s5xx: byClass[3] ?? 0,
      errors: f.errors, failed: f.failed, dropped: f.dropped,
    };
  }

  private agents(members: readonly MemberStatus[], model: 'open' | 'closed', runAgeMs: number): DashAgent[] {
    const live = members.filter((m) => m.state === 'assigned' || m.state === 'running');
    const total = live.reduce((sum, m) => sum + (model === 'open' ? m.rateRps : m.concurrency), 0);
    const limits = DEFAULT_GENERATOR_LIMITS;
    return members.map((m) => {
      const share = model === 'open' ? m.rateRps : m.concurrency;
      const isLive = m.state === 'assigned' || m.state === 'running';
      const why: string[] = [];
      let flag: AgentFlag = 'ok';
      const age = m.lastSnapshotAgeMs ?? runAgeMs;
      if (m.state === 'lost' || m.state === 'failed') {
        flag = 'missing';
        why.push(m.state);
      } else if (isLive && age > STALE_INTERVALS * this.intervalMs) {
        flag = 'missing';
        why.push(`no snapshot for ${(age / 1000).toFixed(1)} s`);
      } else if (isLive) {
        if ((m.eventLoopP99Ms ?? 0) > limits.eventLoopDelayP99Ms) why.push(`event loop p99 ${m.eventLoopP99Ms?.toFixed(1)} ms`);
        if ((m.scheduleLagP99Ms ?? 0) > limits.scheduleLagP99Ms) why.push(`lag p99 ${m.scheduleLagP99Ms?.toFixed(1)} ms`);
        if (model === 'open' && share >= MIN_JUDGED_RPS && m.achievedRps !== null && m.achievedRps < BEHIND_FRACTION * share) {
          why.push(`achieved ${m.achievedRps}/s of ${round1(share)}/s`);
        }
        if (why.length > 0) flag = 'saturated';
      }
      return {
        id: m.id, host: m.host, state: m.state, shareRps: m.rateRps, sharePct: isLive && total > 0 ? round1((100 * share) / total) : 0,
        concurrency: m.concurrency, achievedRps: m.achievedRps, eventLoopP99Ms: m.eventLoopP99Ms, scheduleLagP99Ms: m.scheduleLagP99Ms,
        lastSnapshotAgeMs: m.lastSnapshotAgeMs, flag, why: why.join(', '),
      };
    });
  }
}

/**
 * The final per-name table, from the report (its totals include the last interval and the agents' Done
 * repairs, which no tick showed): the LIVE_REQUEST_NAMES busiest names; null for a single-request run.
 */
function requestsOf(report: Report): DashUpdate['requests'] {
  const all = Object.entries(report.requests ?? {});
  if (all.length === 0) return null;
  const rows = all
    .map(([name, r]) => ({
      name, requests: r.requests, rps: r.rps, errors: r.errors, failed: r.failed, checksPassed: r.checks.passed, checksFailed: r.checks.failed,
      p50Ms: r.latencyMs.p50, p95Ms: r.latencyMs.p95, p99Ms: r.latencyMs.p99,
    }))
    .sort((a, b) => b.requests - a.requests || (a.name < b.name ? -1 : 1))
    .slice(0, LIVE_REQUEST_NAMES);
  return { interval: null, soFar: { rows, names: all.length } };
}

function scenariosOf(s: Scenario): DashRun['scenarios'] {
  return (s.parts ?? []).map((p) => ({ name: p.name, model: p.load.model }));
}
