// Prometheus exposition of the coordinator (prom-client, text format), served as GET /metrics by
// coordinator/server/http-server.ts. Reads only what the coordinator already merged: counters are the
// aggregator's phase totals (finished runs plus the running one), percentiles are read from merged HDR
// histograms (never averaged across agents), and everything is refreshed once per scrape.
//
// Metric names are a contract: deploy/grafana/loadfleet.json queries them (a test checks every one).
// Times are seconds, rates requests per second; `quantile` is "0.5" ... "0.999", and "1" for the max.
import { OTHER_REQUEST_NAME } from '../../common/protocol/wire-limits.js';
import { Counter, Gauge, Registry } from 'prom-client';
import type { LatencyMs } from '../../common/metrics/histogram.js';
import type { Scenario } from '../../common/scenario/scenario.js';
import type { Phase } from '../../common/metrics/stats.js';
import { ERROR_KINDS } from '../../common/metrics/counters.js';
import type { IntervalFigures, PhaseTotals } from '../merge/aggregator.js';
import type { Coordinator } from '../coordinator.js';
import type { Report } from '../report/report.js';
import type { Route } from '../server/http-server.js';
import { text } from '../server/http-server.js';
import { addCounters, emptyCounters } from '../../common/metrics/counters.js';
import { tagTotals } from '../merge/tag-figures.js';
import { tagsByName } from '../../common/scenario/tags.js';
import type { Counters } from '../../common/metrics/counters.js';

/** What the metrics read from a coordinator. */
export type MetricsSource = Pick<Coordinator, 'status' | 'liveTotals' | 'observe'>;

const PHASES: readonly Phase[] = ['warmup', 'main'];
const QUANTILES: readonly { label: string; pick: (l: LatencyMs) => number }[] = [
  { label: '0.5', pick: (l) => l.p50 },
  { label: '0.9', pick: (l) => l.p90 },
  { label: '0.99', pick: (l) => l.p99 },
  { label: '0.999', pick: (l) => l.p999 },
  { label: '1', pick: (l) => l.max },
];
const MEMBER_STATES = ['assigned', 'running', 'leaving', 'done', 'failed', 'lost'] as const;
const FLEET_STATES = ['idle', 'busy'] as const;

interface CurrentRun {
  runId: string;
  scenario: Scenario;
  /** Newest phase totals read while it ran (kept so a scrape never sees a counter go down). */
  live: Record<Phase, PhaseTotals | null>;
}

const sec = (ms: number): number => ms / 1000;

/** Every metric, registered in `registry` (names and labels are the Grafana dashboard's contract). */
function buildMetrics(registry: Registry) {
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> => new Counter({ name, help, labelNames, registers });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> => new Gauge({ name, help, labelNames, registers });
  return {
    requests: counter('loadfleet_requests_total', 'Requests that ended (response or transport error), merged over the fleet', ['phase']),
    sent: counter('loadfleet_sent_total', 'Requests handed to the HTTP client', ['phase']),
    responses: counter('loadfleet_responses_total', 'Responses by HTTP status code', ['phase', 'status']),
    errors: counter('loadfleet_errors_total', 'Transport errors by kind (refused, reset, timeout, certificate, dns, other); HTTP statuses are not errors', ['phase', 'kind']),
    failed: counter('loadfleet_failed_total', 'Failed requests: responses whose status the scenario did not expect (default 200-399), by status code', ['phase', 'status']),
    dropped: counter('loadfleet_dropped_total', 'Open model: arrivals never sent (in-flight cap full, end reached, or abandoned on a lost coordinator link)', ['phase']),
    bytes: counter('loadfleet_received_bytes_total', 'Response body bytes received', ['phase']),
    runs: counter('loadfleet_runs_total', 'Finished runs by verdict', ['verdict']),
    latency: gauge('loadfleet_latency_seconds', 'Latency from the intended send time, read from the merged HDR histogram of the last interval or of the whole test so far (quantile 1 = max)', ['window', 'quantile']),
    service: gauge('loadfleet_service_time_seconds', 'Service time from the actual send, read from the merged HDR histogram (quantile 1 = max)', ['window', 'quantile']),
    targetRps: gauge('loadfleet_target_rps', 'Open model: the fleet\'s scheduled arrival rate now (scenario plus live changes)'),
    intervalTargetRps: gauge('loadfleet_interval_target_rps', 'Open model: the scheduled rate of the last interval (sum of the agents\' shares)'),
    achievedRps: gauge('loadfleet_achieved_rps', 'Requests that ended in the last interval, per second'),
    concurrency: gauge('loadfleet_target_concurrency', 'Closed model: the fleet\'s scheduled loop count now'),
    inFlight: gauge('loadfleet_in_flight', 'Sum of the agents\' in-flight peaks in the last interval'),
    eventLoop: gauge('loadfleet_event_loop_delay_p99_seconds', 'Generator health: worst agent event-loop delay p99 in the last interval'),
    scheduleLag: gauge('loadfleet_schedule_lag_p99_seconds', 'Generator health: worst agent schedule lag p99 (send time minus intended) in the last interval'),
    running: gauge('loadfleet_run_running', '1 while a test runs'),
    phase: gauge('loadfleet_run_phase', '1 for the running test\'s current phase', ['phase']),
    elapsed: gauge('loadfleet_run_elapsed_seconds', 'Time since the running test started (warm-up included)'),
    planned: gauge('loadfleet_run_planned_seconds', 'Planned length of the running test (warm-up included)'),
    info: gauge('loadfleet_run_info', 'The running or last test', ['run_id', 'name', 'model']),
    agents: gauge('loadfleet_agents', 'Agents connected to the coordinator, by state', ['state']),
    runAgents: gauge('loadfleet_run_agents', 'The running test\'s agent assignments, by state', ['state']),
    agentShare: gauge('loadfleet_agent_share_rps', 'Per agent: its share of the scheduled rate', ['agent']),
    agentAchieved: gauge('loadfleet_agent_achieved_rps', 'Per agent: requests per second in its last snapshot', ['agent']),
    agentEventLoop: gauge('loadfleet_agent_event_loop_delay_p99_seconds', 'Per agent: event-loop delay p99 in its last snapshot', ['agent']),
    agentLag: gauge('loadfleet_agent_schedule_lag_p99_seconds', 'Per agent: schedule lag p99 in its last snapshot', ['agent']),
    agentAge: gauge('loadfleet_agent_snapshot_age_seconds', 'Per agent: time since its last snapshot', ['agent']),
    // The scenario language, per request name, of the running test's main phase (else of the last test).
    // Bounded: the PROM_REQUEST_NAMES busiest names; the rest count under request="(other)".
    requestRequests: gauge('loadfleet_request_requests', 'Per request name: requests that ended in the main phase of the running (else the last) test', ['request']),
    requestErrors: gauge('loadfleet_request_errors', 'Per request name: transport errors in the main phase of the running (else the last) test', ['request']),
    requestFailed: gauge('loadfleet_request_failed', 'Per request name: failed requests (status not expected) in the main phase of the running (else the last) test', ['request']),
    requestChecks: gauge('loadfleet_request_checks', 'Per request name: checks evaluated, by result (passed, failed), running (else last) test', ['request', 'result']),
    requestLatency: gauge('loadfleet_request_latency_seconds', 'Per request name: latency from when it was due, read from its merged HDR histogram of the test so far (quantile 1 = max)', ['request', 'quantile']),
    // Request tags, of the running test's main phase (else of the last test): one series per tag key and
    // value, bounded by the scenario's validation (common/scenario/tags.ts: 8 keys, 64 values per key).
    tagRequests: gauge('loadfleet_tag_requests', 'Per request tag: requests that ended in the main phase of the running (else the last) test', ['tag', 'value']),
    tagErrors: gauge('loadfleet_tag_errors', 'Per request tag: transport errors in the main phase of the running (else the last) test', ['tag', 'value']),
    tagFailed: gauge('loadfleet_tag_failed', 'Per request tag: failed requests (a status the request does not expect) in the main phase of the running (else the last) test', ['tag', 'value']),
    tagLatency: gauge('loadfleet_tag_latency_seconds', 'Per request tag: latency from when it was due, read from the merged HDR histogram of its request names (quantile 1 = max)', ['tag', 'value', 'quantile']),
  };
}

/** One request name's figures as the metrics show them. */
interface RequestRow {
  name: string;
  requests: number;
  errors: number;
  /** Failed requests (status not expected). */
  failedRequests: number;
  /** Checks passed and failed. */
  passed: number;
  failed: number;
  latency: LatencyMs;
}

/** Most request names with their own label values; the rest are summed under request="(other)". */
export const PROM_REQUEST_NAMES = 50;
/** Not a possible request name (names are letters, digits, _ . -), so it never collides with one. */
export const OTHER_REQUEST = OTHER_REQUEST_NAME;

/** The busiest `limit` rows (most requests, then by name), the rest summed into one `(other)` row (no latency). */
export function boundRequests(rows: readonly RequestRow[], limit: number): { rows: RequestRow[]; other: RequestRow | undefined } {
  const sorted = [...rows].sort((a, b) => b.requests - a.requests || a.name.localeCompare(b.name));
  const rest = sorted.slice(limit);
  if (rest.length === 0) return { rows: sorted, other: undefined };
  const other = rest.reduce((o, r) => ({ ...o, requests: o.requests + r.requests, errors: o.errors + r.errors, failedRequests: o.failedRequests + r.failedRequests, passed: o.passed + r.passed, failed: o.failed + r.failed }),
    { name: OTHER_REQUEST, requests: 0, errors: 0, failedRequests: 0, passed: 0, failed: 0, latency: (rest[0] as RequestRow).latency });
  return { rows: sorted.slice(0, limit), other };
}

export class FleetMetrics {
  readonly registry = new Registry();
  private readonly source: MetricsSource;
  private readonly removeObserver: () => void;
  /** Counts of every finished run. */
  private readonly finished: Record<Phase, Counters> = { warmup: emptyCounters(), main: emptyCounters() };
  private readonly verdicts = new Map<string, number>();
  private current: CurrentRun | undefined;
  private lastInterval: IntervalFigures | undefined;
  private lastRun: { runId: string; name: string; model: string; latency: LatencyMs; service: LatencyMs; requests: RequestRow[] } | undefined;

  private readonly m: ReturnType<typeof buildMetrics>;
  /** The last finished test's per-tag figures (report.tags). */
  private lastTags: NonNullable<Report['tags']> = {};

  constructor(source: MetricsSource) {
    this.source = source;
    this.m = buildMetrics(this.registry);
    this.removeObserver = source.observe({
      onRunStart: (runId, scenario) => {
        this.current = { runId, scenario, live: { warmup: null, main: null } };
        this.lastInterval = undefined;
      },
      onTick: (runId, line) => {
        if (this.current?.runId === runId) this.lastInterval = line.figures;
      },
      onRunEnd: (report) => this.runEnded(report),
    });
  }

  /** GET /metrics. */
  route(): Route {
    return {
      method: 'GET',
      path: '/metrics',
      handle: async (_req, res) => {
        this.refresh();
        text(res, 200, await this.registry.metrics(), this.registry.contentType);
      },
    };
  }

  /** Stops observing the coordinator. Idempotent. */
  close(): void {
    this.removeObserver();
  }

  private runEnded(report: Report): void {
    addCounters(this.finished.main, report.summary);
    if (report.warmup !== null) addCounters(this.finished.warmup, report.warmup);
    this.verdicts.set(report.verdict, (this.verdicts.get(report.verdict) ?? 0) + 1);
    const requests = Object.entries(report.requests ?? {}).map(([name, r]) => ({ name, requests: r.requests, errors: r.errors, failedRequests: r.failed ?? 0, passed: r.checks.passed, failed: r.checks.failed, latency: r.latencyMs }));
    this.lastRun = { runId: report.runId, name: report.name, model: report.model, latency: report.summary.latencyMs, service: report.summary.serviceMs, requests };
    this.lastTags = report.tags ?? {};
    this.current = undefined;
    this.lastInterval = undefined;
  }

  /** The tag series: `tags` per key and value (figures of the request names carrying it). */
  private setTags(tags: Readonly<Record<string, Readonly<Record<string, { requests: number; errors: number; failed: number; latencyMs: LatencyMs }>>>>): void {
    const m = this.m;
    for (const g of [m.tagRequests, m.tagErrors, m.tagFailed, m.tagLatency]) g.reset();
    for (const [tag, byValue] of Object.entries(tags)) {
      for (const [value, r] of Object.entries(byValue)) {
        m.tagRequests.set({ tag, value }, r.requests);
        m.tagErrors.set({ tag, value }, r.errors);
        m.tagFailed.set({ tag, value }, r.failed);
        if (r.latencyMs.count === 0) continue;
        for (const q of QUANTILES) m.tagLatency.set({ tag, value, quantile: q.label }, sec(q.pick(r.latencyMs)));
      }
    }
  }

  private setRequests(all: readonly RequestRow[]): void {
    const m = this.m;
    for (const g of [m.requestRequests, m.requestErrors, m.requestFailed, m.requestChecks, m.requestLatency]) g.reset();
    const { rows, other } = boundRequests(all, PROM_REQUEST_NAMES);
    for (const r of other === undefined ? rows : [...rows, other]) {
      const request = { request: r.name };
      m.requestRequests.set(request, r.requests);
      m.requestErrors.set(request, r.errors);
      m.requestFailed.set(request, r.failedRequests);
      m.requestChecks.set({ ...request, result: 'passed' }, r.passed);
      m.requestChecks.set({ ...request, result: 'failed' }, r.failed);
    }
    for (const r of rows) {
      if (r.latency.count === 0) continue;
      for (const q of QUANTILES) m.requestLatency.set({ request: r.name, quantile: q.label }, sec(q.pick(r.latency)));
    }
  }

  /** Sets every metric from the coordinator's state now (one read of the merged totals per phase). */
  private refresh(): void {
    const m = this.m;
    const status = this.source.status();
    const run = this.current;

    // Counters: finished runs plus the running one's merged totals.
    for (const metric of [m.requests, m.sent, m.responses, m.errors, m.failed, m.dropped, m.bytes, m.runs]) metric.reset();
    for (const phase of PHASES) {
      const counts = emptyCounters();
      addCounters(counts, this.finished[phase]);
      if (run !== undefined) {
        run.live[phase] = this.source.liveTotals(phase) ?? run.live[phase];
        const live = run.live[phase];
        if (live !== null) addCounters(counts, live);
      }
      m.requests.inc({ phase }, counts.requests);
      m.sent.inc({ phase }, counts.sent);
      m.dropped.inc({ phase }, counts.dropped);
      m.bytes.inc({ phase }, counts.bytesReceived);
      for (const kind of ERROR_KINDS) m.errors.inc({ phase, kind }, counts.errorsByKind[kind]);
      for (const [status, n] of Object.entries(counts.statusCodes)) m.responses.inc({ phase, status }, n);
      for (const [status, n] of Object.entries(counts.failedByStatus)) m.failed.inc({ phase, status }, n);
    }
    for (const [verdict, n] of this.verdicts) m.runs.inc({ verdict }, n);

    // Latency: the last interval, and the whole (main phase of the) test so far or of the last test.
    m.latency.reset();
    m.service.reset();
    const whole = run !== undefined ? run.live.main : null;
    const test = whole !== null ? { latency: whole.latencyMs, service: whole.serviceMs } : run === undefined ? this.lastRun : undefined;
    const windows: [string, { latency: LatencyMs; service: LatencyMs } | undefined][] = [
      ['interval', this.lastInterval === undefined ? undefined : { latency: this.lastInterval.latencyMs, service: this.lastInterval.serviceMs }],
      ['test', test],
    ];
    for (const [window, w] of windows) {
      if (w === undefined || w.latency.count === 0) continue;
      for (const q of QUANTILES) {
        m.latency.set({ window, quantile: q.label }, sec(q.pick(w.latency)));
        m.service.set({ window, quantile: q.label }, sec(q.pick(w.service)));
      }
    }

    // The running test: rates, phase, generator health.
    const r = status.run;
    const f = this.lastInterval;
    const perInterval = [m.intervalTargetRps, m.achievedRps, m.inFlight, m.eventLoop, m.scheduleLag];
    for (const g of [m.targetRps, m.concurrency, m.elapsed, m.planned, m.phase, m.runAgents, ...perInterval]) g.reset();
    m.running.set(r !== null && r.state !== 'finished' ? 1 : 0);
    if (r !== null) {
      m.targetRps.set(r.targetRps);
      m.concurrency.set(r.concurrency);
      m.elapsed.set(sec(r.elapsedMs));
      m.planned.set(sec(r.totalMs));
      const warm = run !== undefined && r.elapsedMs < run.scenario.warmup;
      m.phase.set({ phase: 'warmup' }, warm ? 1 : 0);
      m.phase.set({ phase: 'main' }, warm ? 0 : 1);
      for (const state of MEMBER_STATES) m.runAgents.set({ state }, r.agents.filter((a) => a.state === state).length);
    }
    if (f !== undefined) {
      m.intervalTargetRps.set(f.targetRps);
      m.achievedRps.set(f.rps);
      m.inFlight.set(f.inFlightPeak);
      m.eventLoop.set(sec(f.eventLoopDelayP99MsMax));
      m.scheduleLag.set(sec(f.scheduleLagP99MsMax));
    }
    m.info.reset();
    const info = run !== undefined ? { run_id: run.runId, name: run.scenario.name, model: run.scenario.load.model } : this.lastRun === undefined ? undefined
      : { run_id: this.lastRun.runId, name: this.lastRun.name, model: this.lastRun.model };
    if (info !== undefined) m.info.set(info, 1);

    // Per request name: the running test's main phase so far, else the last test's report.
    const rows = run !== undefined
      ? Object.entries(run.live.main?.byRequestName ?? {}).map(([name, r]) => ({ name, requests: r.requests, errors: r.errors, failedRequests: r.failed, passed: r.checks.passed, failed: r.checks.failed, latency: r.latencyMs }))
      : this.lastRun?.requests ?? [];
    this.setRequests(rows);
    this.setTags(run !== undefined ? tagTotals(run.live.main?.byRequestName ?? {}, tagsByName(run.scenario.program?.requests ?? {})) : this.lastTags);

    // Agents: the fleet by state, and each assignment of the running test.
    for (const state of FLEET_STATES) m.agents.set({ state }, status.agents.filter((a) => a.state === state).length);
    for (const g of [m.agentShare, m.agentAchieved, m.agentEventLoop, m.agentLag, m.agentAge]) g.reset();
    for (const a of r?.agents ?? []) {
      if (a.state !== 'assigned' && a.state !== 'running' && a.state !== 'leaving') continue;
      const agent = { agent: a.id };
      m.agentShare.set(agent, a.rateRps);
      if (a.achievedRps !== null) m.agentAchieved.set(agent, a.achievedRps);
      if (a.eventLoopP99Ms !== null) m.agentEventLoop.set(agent, sec(a.eventLoopP99Ms));
      if (a.scheduleLagP99Ms !== null) m.agentLag.set(agent, sec(a.scheduleLagP99Ms));
      if (a.lastSnapshotAgeMs !== null) m.agentAge.set(agent, sec(a.lastSnapshotAgeMs));
    }
  }
}
