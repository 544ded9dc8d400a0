// Pure: builds report.json from the aggregator's results. Outputs (console, json, ...) read a Report;
// nothing here merges data or reads the clock.
//
// Contract: every figure comes from the aggregator (merged histograms, summed counters); the verdict is
// never 'pass' when the generator was bound, when an agent's figures could not be reconciled, when the
// run did not complete, or when figures are missing ('incomplete'; precedence in report/verdict.ts).
import type { LatencyMs } from '../../common/metrics/histogram.js';
import type { CapacityReport } from './capacity-report.js';
import type { CompareResult } from '../compare/compare-result.js';
import type { Scenario } from '../../common/scenario/scenario.js';
import type { Counters } from '../../common/metrics/counters.js';
import type { AgentTotals, Aggregator, FlowTotals, IntervalFigures, PhaseTotals, ReconciliationNote } from '../merge/aggregator.js';

export type { RequestReport } from './request-figures.js';
import type { Segment } from '../../common/plan/agent-plan.js';
import type { PoolSummary } from '../data/row-pool.js';
import { modelSchedule, scenarioSchedules, scheduleMean } from '../schedule/replay.js';
import { mainDurationMs } from '../../common/scenario/scenario.js';
import { scenarioReports } from './scenarios.js';
import { tagReports } from './tags.js';
import type { TagReports } from './tags.js';
import { timingReport, withRequestTiming } from './timing.js';
import type { TimingReport } from './timing.js';
import { requestReport } from './request-figures.js';
import type { RequestReport } from './request-figures.js';
import type { ScenarioReport } from './scenarios.js';
import { meanBetween } from '../schedule/shares.js';
import { noRequestReason } from './why-empty.js';
import { checkThresholds, scenarioLengths, thresholdReport } from './threshold-check.js';
import type { ThresholdReport } from './threshold-check.js';
import { redactUrl } from '../../common/runtime/redact.js';
import { judgeGenerator } from './generator-health.js';
import type { GeneratorHealth } from './generator-health.js';
import { DEFAULT_GENERATOR_LIMITS } from './generator-limits.js';
import type { GeneratorLimits } from './generator-limits.js';
import { judge } from './verdict.js';
import { noLoadStopReason, setupVerdictReasons } from './setup-figures.js';
import type { SetupReport } from './setup-figures.js';
import type { Verdict, VerdictFacts } from './verdict.js';
import { failureCauses } from './failure-causes.js';

/** A live change of the load during the main phase, as the run lifecycle records it. */
export interface RateChange {
  /** Milliseconds since the main phase started. */
  atMs: number;
  rateRps?: number;
  concurrency?: number;
  rampMs: number;
  /** Who asked: e.g. "terminal", "control", "api". */
  source: string;
  /** Several scenarios at once: the scenario changed. */
  scenario?: string;
}

/** Something that happened to the fleet during the run, in order. */
export interface TimelineEvent {
  /** Milliseconds since the main phase started (negative during warm-up). */
  atMs: number;
  kind: 'rate' | 'concurrency' | 'join' | 'leave' | 'lost' | 'failed' | 'recovered' | 'reshare' | 'stop' | 'limit';
  /** The member concerned: agent id, or `id#n` for its n-th assignment in this run. */
  agentId?: string;
  detail: string;
  rateRps?: number;
  concurrency?: number;
  rampMs?: number;
  source?: string;
  /** Live changes and reshares: the change's id and each agent's acknowledgement, ms after sending. */
  changeId?: number;
  acks?: { agentId: string; latencyMs: number }[];
}

export type { GeneratorHealth } from './generator-health.js';
export { judgeGenerator } from './generator-health.js';
export type { GeneratorLimits } from './generator-limits.js';
export { DEFAULT_GENERATOR_LIMITS } from './generator-limits.js';

export type { Verdict };

/** One main-phase interval, compact (series of an hour-long run stays small). */
export interface SeriesPoint {
  /** Interval index; the interval covers [atMs, atMs + intervalMs) of the main phase. */
  index: number;
  atMs: number;
  agents: number;
  requests: number;
  /** Arrivals sent in the interval. */
  sent: number;
  rps: number;
  /** The interval's real length (mean over the agents that reported it), ms. */
  coveredMs: number;
  targetRps: number;
  concurrency: number;
  errors: number;
  /** Failed requests: responses whose status was not expected. */
  failed: number;
  /** The scenario language: flow runs started per second (targetRps is in flow runs per second too); absent otherwise. */
  flowRps?: number;
  dropped: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  serviceP50: number;
  serviceP99: number;
  inFlight: number;
  eventLoopP99: number;
  scheduleLagP99: number;
  /**
   * Open model: the fleet's scheduled rate over the interval (scenario plus live changes) minus what the
   * reporting agents were scheduled to send: load missing while the fleet recovered from a lost agent.
   */
  missingRps: number;
  /**
   * The interval's merged latency histogram (HdrHistogram compressed base64, microseconds; "" when
   * empty). Optional: reports from older loadfleet versions lack it; `--export-hdr` writes these as an hlog.
   */
  latencyHist?: string;
}

export interface PhaseSummary extends Counters {
  /** Main: the longest agent's main phase (Done's durationMs); warm-up: scenario warm-up. */
  durationMs: number;
  /** Transport errors: the total of errorsByKind. */
  errors: number;
  /** Failed requests (responses whose status was not expected): the total of failedByStatus. */
  failed: number;
  /** requests / durationMs. */
  rps: number;
  /** Latency from each request's intended send time (coordinated omission corrected). */
  latencyMs: LatencyMs;
  /** Service time from the actual send. */
  serviceMs: LatencyMs;
}

export interface Summary extends PhaseSummary {
  /**
   * Mean scheduled arrival rate (open model; null for closed): the scenario's schedule with the live rate
   * changes applied, averaged over the measured main phase. Compare with `rps`.
   */
  targetRps: number | null;
  /** Mean scheduled loop count, likewise (closed model; null for open). */
  concurrency: number | null;
  inFlightPeakMax: number;
}

export type AgentRow = Omit<AgentTotals, 'scheduleLagP99MsWholeRun'> & { host: string };

function requestReports(t: PhaseTotals, durationMs: number): Record<string, RequestReport> {
  return Object.fromEntries(Object.entries(t.byRequestName).map(([name, r]) => [name, requestReport(r, durationMs)]));
}

export interface Report extends TagReports {
  /** The request timing breakdown (report/timing.ts). */
  timing?: TimingReport;
  version: 1;
  runId: string;
  name: string;
  /** ISO 8601, UTC. */
  startedAt: string;
  /** Whole run, warm-up included, by the coordinator's clock. */
  durationMs: number;
  model: 'open' | 'closed';
  target: { method: string; url: string };
  /** The load model as planned (headers and body are not copied: they may hold secrets). */
  load: Scenario['load'];
  warmupMs: number;
  summary: Summary;
  /**
   * The scenario language: main-phase figures per request name ({} for a single-request run);
   * latency from when each request was due (a flow's first step: the arrival's intended time).
   */
  requests?: Record<string, RequestReport>;
  /** Several scenarios at once: main-phase figures per scenario (report/scenarios.ts); absent otherwise. */
  scenarios?: Record<string, ScenarioReport>;
  /** The scenario language's flow runs of the main phase (null for a single-request run). */
  flows?: FlowTotals | null;
  /**
   * Per `unique` data feeder, the whole run (warm-up included): rows in the file, handed out (a returned
   * row handed out again counts again), used, returned unused, lost with agents that died (never
   * re-issued), still outstanding, left in the pool. handedOut = used + returned + lost + outstanding.
   */
  data?: Record<string, PoolSummary>;
  warmup: PhaseSummary | null;
  intervalMs: number;
  series: SeriesPoint[];
  rateChanges: RateChange[];
  /** Rate changes, joins, leaves, losses and share moves, with acknowledgements. */
  timeline: TimelineEvent[];
  onAgentLoss: string;
  agents: AgentRow[];
  /** The scenario's thresholds, evaluated on the merged main-phase figures. */
  thresholds: ThresholdReport;
  health: GeneratorHealth & { limits: GeneratorLimits; scheduleLagP99MsMax: number; eventLoopDelayP99MsMax: number };
  histograms: { latency: string; service: string; encoding: 'HdrHistogram compressed base64, microseconds' };
  reconciliation: ReconciliationNote[];
  /** Agents that failed, and anything else that kept the run from completing. */
  failures: string[];
  /** Figures known to be missing (e.g. an agent lost for good before its final report). */
  incomplete: string[];
  /** A capacity search run's steps and result (report/capacity-report.ts). */
  capacity?: CapacityReport;
  /** A run with --baseline: its comparison with the baseline report (compare/compare-result.ts). */
  comparison?: CompareResult;
  verdict: Verdict;
  /** Why the verdict is not 'pass' (empty on a pass). */
  verdictReasons: string[];
  /** On an 'incomplete' verdict only: what the rest of the figures earn (what --allow-incomplete makes the verdict). */
  verdictIfIncompleteAllowed?: { verdict: Exclude<Verdict, 'incomplete'>; verdictReasons: string[] };
  /** Set by --allow-incomplete when it changed an 'incomplete' verdict: incomplete[] still names what is missing. */
  incompleteAllowed?: true;
  /** The scenario's setup, refreshes and teardown, apart from the figures above (absent: it has none). */
  setup?: SetupReport;
}

/** What buildReport reads from the aggregator (a real Aggregator, before destroy()). */
export type AggregatorView = Pick<Aggregator, 'totals' | 'intervals' | 'perAgent' | 'reconciliation' | 'intervalMs'> &
  Partial<Pick<Aggregator, 'intervalLatencyHists'>>;

export interface ReportInput {
  runId: string;
  scenario: Scenario;
  /** Wall-clock start, epoch milliseconds. */
  startedAtMs: number;
  durationMs: number;
  aggregator: AggregatorView;
  rateChanges: readonly RateChange[];
  agents: readonly { id: string; host: string }[];
  failures: readonly string[];
  incomplete?: readonly string[];
  timeline?: readonly TimelineEvent[];
  onAgentLoss?: string;
  /** Set when the run was aborted because an agent was lost under --on-agent-loss fail. */
  abortedForAgentLoss?: string;
  /** Set when an abortOnFail threshold ended the run early: why. */
  abortedByThreshold?: string;
  limits?: GeneratorLimits;
  /** Per `unique` feeder: the row pool's account (coordinator/data/delivery.ts). */
  data?: Record<string, PoolSummary>;
  /** The scenario's setup, refreshes and teardown (coordinator/run/setup-jobs.ts). */
  setup?: SetupReport;
}

function phaseSummary(t: PhaseTotals, durationMs: number): PhaseSummary {
  return {
    durationMs,
    requests: t.requests,
    sent: t.sent,
    dropped: t.dropped,
    errors: t.errors,
    errorsByKind: { ...t.errorsByKind },
    failed: t.failed,
    failedByStatus: { ...t.failedByStatus },
    statusCodes: { ...t.statusCodes },
    bytesReceived: t.bytesReceived,
    rps: durationMs > 0 ? round3(t.requests / (durationMs / 1000)) : 0,
    latencyMs: t.latencyMs,
    serviceMs: t.serviceMs,
  };
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

/**
 * `stoppedAtMs`: main-phase ms of the run's stop (undefined when it ran to its end). An interval that ends
 * after it has no missing rate: the agents' figure for it is diluted by their drain after the stop, and
 * nothing after the stop was scheduled.
 */
function seriesPoint(f: IntervalFigures, intervalMs: number, scheduled: readonly Segment[] | null, mainMs: number, stoppedAtMs?: number): SeriesPoint {
  const from = f.index * intervalMs;
  const to = Math.min(mainMs, from + intervalMs);
  const stopped = stoppedAtMs !== undefined && from + intervalMs > stoppedAtMs;
  const planned = scheduled === null || !(to > from) ? 0 : meanBetween(scheduled, from, to);
  return {
    index: f.index,
    atMs: f.index * intervalMs,
    agents: f.agents,
    requests: f.requests,
    sent: f.sent,
    rps: f.rps,
    coveredMs: Math.round(f.coveredMs * 1000) / 1000,
    targetRps: f.targetRps,
    concurrency: f.concurrency,
    errors: f.errors,
    failed: f.failed,
    ...(f.flowRps === undefined ? {} : { flowRps: round3(f.flowRps) }),
    dropped: f.dropped,
    p50: f.latencyMs.p50,
    p90: f.latencyMs.p90,
    p99: f.latencyMs.p99,
    max: f.latencyMs.max,
    serviceP50: f.serviceMs.p50,
    serviceP99: f.serviceMs.p99,
    inFlight: f.inFlightPeak,
    eventLoopP99: f.eventLoopDelayP99MsMax,
    scheduleLagP99: f.scheduleLagP99MsMax,
    missingRps: scheduled === null || stopped ? 0 : Math.max(0, Math.round((planned - f.targetRps) * 10) / 10),
  };
}

function agentRows(input: ReportInput): AgentRow[] {
  const measured = new Map(input.aggregator.perAgent().map((row) => [row.agentId, row]));
  const hosts = new Map(input.agents.map((a) => [a.id, a.host]));
  const ids = [...new Set([...input.agents.map((a) => a.id), ...measured.keys()])];
  return ids.map((agentId) => {
    const row: AgentTotals = measured.get(agentId) ?? {
      agentId, requests: 0, sent: 0, rps: 0, errors: 0, failed: 0, dropped: 0, latencyP50Ms: 0, latencyP99Ms: 0, eventLoopDelayP99MsMax: 0,
      scheduleLagP99MsMax: 0, scheduleLagP99MsWholeRun: 0, snapshotsMerged: 0, duplicatesIgnored: 0, durationMs: 0, reconciliation: 'no-done',
    };
    // The whole-run lag is judged in health; the row keeps its published fields.
    const { scheduleLagP99MsWholeRun: _judgedInHealth, ...published } = row;
    return { ...published, rps: round3(row.rps), host: hosts.get(agentId) ?? '' };
  });
}

/** The main phase lasted as long as its longest agent says; without any Done, the scheduled length. */
function mainPhaseMs(agents: readonly AgentRow[], durationMs: number, warmupMs: number): number {
  const agentMainMs = Math.max(0, ...agents.map((a) => a.durationMs));
  return agentMainMs > 0 ? agentMainMs : Math.max(0, durationMs - warmupMs);
}

type Health = Report['health'];

/** Was the generator bound (judged on each agent's own whole-run lag), with the limits and worst measures. */
function generatorHealth(aggregator: AggregatorView, main: PhaseTotals, intervals: readonly IntervalFigures[], limits: GeneratorLimits): Health {
  const byAgent = aggregator.perAgent().map((a) => ({ sent: a.sent, scheduleLagP99Ms: a.scheduleLagP99MsWholeRun }));
  const judged = judgeGenerator({ ...main, byAgent }, intervals, limits);
  return {
    ...judged,
    limits,
    scheduleLagP99MsMax: main.scheduleLagP99MsMax,
    eventLoopDelayP99MsMax: main.eventLoopDelayP99MsMax,
  };
}

/** Why the run failed: the run's failures, agents whose figures do not reconcile, and a main phase with no response. */
function failedReasons(input: ReportInput, main: PhaseTotals, summary: Summary, reconciliation: readonly ReconciliationNote[]): string[] {
  const reasons = [...input.failures];
  for (const note of reconciliation) {
    if (note.status === 'mismatch') reasons.push(`agent ${note.agentId}: figures do not reconcile (${note.detail})`);
  }
  const noLoad = input.setup?.noLoad;
  // A run that never started its load: a failed setup is the verdict's own reason (setup-failed), a stop is this one.
  if (noLoad !== undefined) {
    if (noLoad.cause === 'stopped') reasons.push(noLoadStopReason(noLoad));
  } else if (main.requests === 0) reasons.push(noRequestReason(main, summary.targetRps, summary.concurrency));
  else if (main.errors === main.requests) {
    const kinds = Object.entries(main.errorsByKind).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ');
    const hint = main.errorsByKind.certificate > 0
      ? 'the target\'s certificate was not trusted: give the scenario tls.ca (the CA that signed it), or tls.insecureSkipVerify: true in a test environment'
      : 'is the target up and reachable from the agents?';
    reasons.push(`no request got a response: all ${main.requests} failed (${kinds}); ${hint}`);
  } else if (main.errors + main.failed === main.requests) {
    // As for transport errors: without thresholds, failed requests fail the run only when no request succeeded.
    reasons.push(`no request succeeded: all ${main.requests} failed (${failureCauses(main.failedByStatus, main.errorsByKind)}); `
      + 'is the target answering as the scenario expects? (expected statuses: `expect: { status: [...] }`, default 200-399)');
  }
  return reasons;
}

/** One line per threshold that did not pass (an early abort first). */
function failedThresholds(thresholds: ThresholdReport, abortedByThreshold: string | undefined): string[] {
  const failed = thresholds.results
    .filter((r) => r.status !== 'pass')
    .map((r) => `threshold "${r.threshold}"${r.request === null ? '' : ` (request ${r.request})`}${typeof r.scenario === 'string' ? ` (scenario ${r.scenario})` : ''} ${r.status === 'no-data' ? 'had no data' : `failed: observed ${r.observedText}`}`);
  if (abortedByThreshold !== undefined) failed.unshift(`aborted early: ${abortedByThreshold}`);
  return failed;
}

/** The verdict fields of the report: the verdict, its reasons, and on 'incomplete' what --allow-incomplete would make it. */
function verdictFields(facts: VerdictFacts): Pick<Report, 'verdict' | 'verdictReasons' | 'verdictIfIncompleteAllowed'> {
  const { verdict, verdictReasons } = judge(facts);
  const ifAllowed = verdict === 'incomplete' ? judge(facts, true) : undefined;
  return {
    verdict,
    verdictReasons,
    ...(ifAllowed !== undefined && ifAllowed.verdict !== 'incomplete' ? { verdictIfIncompleteAllowed: { verdict: ifAllowed.verdict, verdictReasons: ifAllowed.verdictReasons } } : {}),
  };
}

/** The main phase's series, each point with its interval's latency histogram when the aggregator keeps them. */
function series(aggregator: AggregatorView, intervals: readonly IntervalFigures[], fleetSchedule: Segment[] | null, mainMs: number, stoppedAtMs: number | undefined): SeriesPoint[] {
  const intervalHists = aggregator.intervalLatencyHists?.('main');
  return intervals.map((f, i) => {
    const point = seriesPoint(f, aggregator.intervalMs, fleetSchedule, mainMs, stoppedAtMs);
    const hist = intervalHists?.[i];
    return hist === undefined ? point : { ...point, latencyHist: hist };
  });
}

export function buildReport(input: ReportInput): Report {
  const { scenario, aggregator } = input;
  const limits = input.limits ?? { ...DEFAULT_GENERATOR_LIMITS };
  const main = aggregator.totals('main');
  const intervals = aggregator.intervals('main');
  const agents = agentRows(input);
  const reconciliation = aggregator.reconciliation();
  // No load sent (setup failed or the run was stopped during it): no main phase at all.
  const noLoad = input.setup?.noLoad !== undefined;
  const mainMs = noLoad ? 0 : mainPhaseMs(agents, input.durationMs, scenario.warmup);

  // Per-interval targets are the agents' rates at each interval's end (0 after the schedule ends), so the
  // mean scheduled figure is computed from the schedule itself.
  // Several scenarios at once: the open parts' rates add up, and so do the closed parts' loops.
  const parts = scenarioSchedules(scenario, input.rateChanges);
  const fleetSchedule = modelSchedule(parts, 'open');
  const loopSchedule = modelSchedule(parts, 'closed');
  // Parts of different lengths: the mean over the whole main phase (a part that ended counts as 0).
  const fleetMean = (sched: Segment[]): number =>
    round3(scenario.parts === undefined ? scheduleMean(sched, mainMs) : meanBetween(sched, 0, Math.min(mainMs, mainDurationMs(scenario))));
  const summary: Summary = {
    ...phaseSummary(main, mainMs),
    targetRps: fleetSchedule === null ? null : fleetMean(fleetSchedule),
    concurrency: loopSchedule === null ? null : fleetMean(loopSchedule),
    inFlightPeakMax: main.inFlightPeakMax,
  };

  const warmup = scenario.warmup > 0 ? phaseSummary(aggregator.totals('warmup'), scenario.warmup) : null;
  const health = generatorHealth(aggregator, main, intervals, limits);
  const thresholds = thresholdReport(checkThresholds(scenario.thresholds, main, mainMs, false, scenarioLengths(scenario)), input.abortedByThreshold);
  const verdict = verdictFields({
    abortedForAgentLoss: input.abortedForAgentLoss, failed: failedReasons(input, main, summary, reconciliation), incomplete: input.incomplete ?? [],
    // Thresholds judge load; without any, their "no data" says nothing the setup's reason does not.
    generatorBound: health.reasons, thresholdsFailed: noLoad ? [] : failedThresholds(thresholds, input.abortedByThreshold),
    setupFailed: setupVerdictReasons(input.setup),
  });

  return {
    version: 1,
    runId: input.runId,
    name: scenario.name,
    startedAt: new Date(input.startedAtMs).toISOString(),
    durationMs: Math.round(input.durationMs),
    model: scenario.load.model,
    target: { method: scenario.request.method, url: redactUrl(scenario.request.url) },
    load: scenario.load,
    warmupMs: scenario.warmup,
    summary,
    requests: withRequestTiming(requestReports(main, mainMs), main),
    ...(scenario.parts === undefined ? {} : { scenarios: scenarioReports(parts, main, mainMs) }),
    // Request tags: figures per tag key and value (report/tags.ts).
    ...tagReports(scenario, main, mainMs),
    ...timingReport(main),
    flows: main.flows,
    ...(input.data !== undefined && Object.keys(input.data).length > 0 ? { data: input.data } : {}),
    warmup,
    intervalMs: aggregator.intervalMs,
    series: series(aggregator, intervals, fleetSchedule, mainMs, input.timeline?.find((e) => e.kind === 'stop')?.atMs),
    rateChanges: input.rateChanges.map((c) => ({ ...c })),
    timeline: (input.timeline ?? []).map((e) => ({ ...e, ...(e.acks === undefined ? {} : { acks: e.acks.map((a) => ({ ...a })) }) })),
    onAgentLoss: input.onAgentLoss ?? 'rebalance',
    agents,
    thresholds,
    health,
    histograms: { latency: main.latencyHist, service: main.serviceHist, encoding: 'HdrHistogram compressed base64, microseconds' },
    reconciliation,
    failures: [...input.failures],
    incomplete: [...(input.incomplete ?? [])],
    ...verdict,
    ...(input.setup !== undefined ? { setup: input.setup } : {}),
  };
}
