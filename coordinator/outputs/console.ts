// Pure string formatting for the terminal: one live line per interval, and the final summary.
// Reads aggregator figures and the Report only; writes nothing (the caller prints).
import type { IntervalFigures } from '../merge/aggregator.js';
import type { GeneratorLimits, PhaseSummary, Report } from '../report/report.js';
import { DEFAULT_GENERATOR_LIMITS } from '../report/report.js';
import { ERROR_KINDS } from '../../common/metrics/counters.js';
import { assertNever } from '../../common/runtime/errors.js';
import { failedStatusLine, failedSummaryLine } from './failures.js';
import { NO_LATENCY_NOTE, formatClock, formatCount, formatLatency, formatMs, formatRate, formatRate1 } from './number-format.js';
import { noLoadLine, setupSummaryLines } from '../report/setup-figures.js';

// ---------- live line ----------

/** Why an interval's figures may describe the generator rather than the target ('' when none). */
export function intervalWarning(fig: IntervalFigures, limits: GeneratorLimits): string {
  const why: string[] = [];
  if (fig.dropped > 0) why.push(`${formatCount(fig.dropped)} dropped`);
  if (fig.scheduleLagP99MsMax > limits.scheduleLagP99Ms) why.push(`lag p99 ${formatMs(fig.scheduleLagP99MsMax)}`);
  if (fig.eventLoopDelayP99MsMax > limits.eventLoopDelayP99Ms) why.push(`event loop p99 ${formatMs(fig.eventLoopDelayP99MsMax)}`);
  return why.length === 0 ? '' : `  !! generator: ${why.join(', ')}`;
}

/**
 * One line per interval, e.g.
 * `[  12s/20s] target   1000/s achieved    998/s p50  1.20ms p99  4.80ms err     0 fail     0 drop     0 agents 2`
 * (`err`: transport errors; `fail`: responses whose status was not expected).
 * Closed-model intervals (no scheduled rate, loops > 0) show `loops N` in place of the target. With flows
 * each rate keeps its own unit: `flows target 200/s started 199/s · requests 597/s` (the target is flow
 * runs per second, never compared with HTTP requests per second).
 * A trailing `!! generator: ...` marks dropped arrivals, schedule lag or event-loop delay over the limits.
 */
export function formatLiveLine(
  fig: IntervalFigures,
  ctx: { elapsedMs: number; totalMs: number; agents: number; limits?: GeneratorLimits },
): string {
  const total = formatClock(ctx.totalMs);
  const elapsed = formatClock(ctx.elapsedMs).padStart(Math.max(4, total.length));
  const closed = fig.targetRps === 0 && fig.concurrency > 0;
  // Several scenarios at once may run both models: then both figures.
  const loops = !closed && fig.concurrency > 0 ? ` + ${fig.concurrency} loops` : '';
  const target = closed ? `loops  ${String(fig.concurrency).padStart(6)}  ` : `target ${formatRate(fig.targetRps).padStart(6)}/s${loops}`;
  const requests = `${formatRate(fig.rps).padStart(6)}/s`;
  const rates = fig.flowRps === undefined ? `${target} achieved ${requests}`
    : `${closed ? target : `flows ${target}`} ${closed ? 'flows' : 'started'} ${formatRate(fig.flowRps).padStart(6)}/s · requests ${requests}`;
  return (
    `[${elapsed}/${total}] ${rates}` +
    ` p50 ${formatLatency(fig.latencyMs.p50, fig.latencyMs.count).padStart(7)} p99 ${formatLatency(fig.latencyMs.p99, fig.latencyMs.count).padStart(7)}` +
    ` err ${String(fig.errors).padStart(5)} fail ${String(fig.failed).padStart(5)} drop ${String(fig.dropped).padStart(5)} agents ${ctx.agents}` +
    intervalWarning(fig, ctx.limits ?? DEFAULT_GENERATOR_LIMITS)
  );
}

// ---------- summary ----------

/** Left-aligned text columns, right-aligned where `right[i]`; two spaces between columns. */
function table(rows: readonly string[][], right: readonly boolean[], indent = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => indent + row.map((cell, i) => (right[i] === true ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

function latencyLine(l: PhaseSummary['latencyMs']): string {
  if (l.count === 0) return '- (no response to time: every request failed before a response arrived)';
  return `min ${formatMs(l.min)}  p50 ${formatMs(l.p50)}  p90 ${formatMs(l.p90)}  p99 ${formatMs(l.p99)}  p99.9 ${formatMs(l.p999)}  max ${formatMs(l.max)}`;
}

function errorsLine(p: PhaseSummary): string {
  if (p.errors === 0) return '0';
  const kinds = ERROR_KINDS.filter((k) => p.errorsByKind[k] > 0).map((k) => `${k} ${formatCount(p.errorsByKind[k])}`);
  return `${formatCount(p.errors)} (${(p.requests > 0 ? (100 * p.errors) / p.requests : 0).toFixed(2)}%): ${kinds.join(', ')}`;
}

function statusLine(codes: Record<string, number>): string {
  const entries = Object.entries(codes).sort(([a], [b]) => Number(a) - Number(b));
  return entries.length === 0 ? 'none' : entries.map(([code, n]) => `${code} ${formatCount(n)}`).join(', ');
}

/** A block no one scrolls past. */
function banner(title: string, lines: readonly string[]): string[] {
  const bar = '#'.repeat(72);
  return [bar, `##  ${title}`, ...lines.map((l) => `##    - ${l}`), bar];
}

type Lines = string[];

/** The run's name, target, model, measured time and fleet, then how many requests failed and why, then a blank line. */
function headerLines(report: Report): Lines {
  const s = report.summary;
  const warm = report.warmupMs > 0 ? ` after ${formatClock(report.warmupMs)} warm-up` : '';
  const model = report.scenarios === undefined ? `${report.model} model` : `${Object.keys(report.scenarios).length} scenarios at once`;
  return [
    `loadfleet ${report.name} (run ${report.runId}): ${report.target.method} ${report.target.url}`,
    `${model}, ${formatClock(s.durationMs)} measured${warm}, ${report.agents.length} agent(s), started ${report.startedAt}`,
    // A run that sent no load says so first (report/setup-figures.ts).
    report.setup?.noLoad !== undefined ? noLoadLine(report.setup.noLoad) : failedSummaryLine(s),
    '',
  ];
}

/**
 * The main phase's figures: requests, latency, service time, errors, failed requests, status codes,
 * dropped arrivals. With flows the scheduled rate is flow runs per second, shown beside the flow runs
 * started per second, apart from the requests per second.
 */
function mainPhaseLines(s: Report['summary'], flows: Report['flows']): Lines {
  const withFlows = flows !== undefined && flows !== null;
  const flowRps = withFlows && s.durationMs > 0 ? flows.iterations / (s.durationMs / 1000) : 0;
  const scheduled = [s.targetRps !== null ? `scheduled ${formatRate1(s.targetRps)}/s` : '', s.concurrency !== null ? `${formatRate1(s.concurrency)} loops` : ''].filter((x) => x !== '');
  const planned = withFlows ? `; flows ${[...scheduled, `${formatRate1(flowRps)}/s started`].join(', ')}`
    : scheduled.length === 0 ? '' : ` (${scheduled.join(' + ')})`;
  return table(
    [
      ['requests', `${formatCount(s.requests)} completed, ${formatCount(s.sent)} sent, ${formatRate1(s.rps)}/s achieved${planned}`],
      ['latency', s.latencyMs.count === 0 && s.sent === 0 ? '- (no request sent)' : s.latencyMs.count === 0 ? latencyLine(s.latencyMs) : `${latencyLine(s.latencyMs)}  (from intended send)`],
      ['service', s.serviceMs.count === 0 ? '-' : `p50 ${formatMs(s.serviceMs.p50)}  p99 ${formatMs(s.serviceMs.p99)}  (from actual send)`],
      ['errors', errorsLine(s)],
      ['failed', failedStatusLine(s)],
      ['status', statusLine(s.statusCodes)],
      ['dropped', s.dropped === 0 ? '0 arrivals' : `${formatCount(s.dropped)} arrivals NOT SENT (in-flight cap full, the test's end reached, or abandoned by an agent that lost its coordinator link)`],
    ],
    [],
    '',
  );
}

function warmupLines(w: Report['warmup']): Lines {
  if (w === null) return [];
  return [
    `warm-up   ${formatCount(w.requests)} requests, p50 ${formatLatency(w.latencyMs.p50, w.latencyMs.count)}, p99 ${formatLatency(w.latencyMs.p99, w.latencyMs.count)}, ` +
      `${formatCount(w.errors)} errors, ${formatCount(w.failed ?? 0)} failed, ${formatCount(w.dropped)} dropped (not in the figures above)`,
  ];
}

type NamedRequests = [string, NonNullable<Report['requests']>[string]][];

/** Whether the per-name table has an untimed latency ("-"), so NO_LATENCY_NOTE is said under it. */
function namesNeedNote(named: NamedRequests): boolean {
  return named.some(([, r]) => r.requests > 0 && r.latencyMs.count === 0);
}

/** The per-name table, then each name's unsent requests, failed checks and cut bodies. */
function requestsByNameLines(named: NamedRequests): Lines {
  if (named.length === 0) return [];
  const out: Lines = ['', 'requests by name'];
  out.push(
    ...table(
      [
        ['name', 'requests', 'rate', 'errors', 'failed', 'p50', 'p95', 'p99', 'checks', 'extract fails'],
        ...named.map(([name, r]) => [
          name, formatCount(r.requests), `${formatRate1(r.rps)}/s`, formatCount(r.errors), formatCount(r.failed ?? 0),
          ...[r.latencyMs.p50, r.latencyMs.p95, r.latencyMs.p99].map((v) => formatLatency(v, r.latencyMs.count)),
          r.checks.passed + r.checks.failed === 0 ? '-' : `${formatCount(r.checks.passed)} ok, ${formatCount(r.checks.failed)} failed`,
          formatCount(r.extractFailed),
        ]),
      ],
      [false, true, true, true, true, true, true, true, true, true],
    ),
  );
  if (namesNeedNote(named)) out.push(`  ${NO_LATENCY_NOTE}`);
  for (const [name, r] of named) {
    if (r.renderFailed > 0) out.push(`  ${name}: ${formatCount(r.renderFailed)} request(s) NOT SENT: a template could not be rendered (check the variables it reads)`);
    for (const [check, n] of Object.entries(r.checks.failures)) out.push(`  ${name}: check "${check}" failed ${formatCount(n)} time(s)`);
    if (r.bodyTruncated > 0) out.push(`  ${name}: ${formatCount(r.bodyTruncated)} bod(ies) over 1 MiB were cut before checks/extract`);
  }
  return out;
}

function scenarioLines(report: Report): Lines {
  const scenarios = Object.entries(report.scenarios ?? {});
  if (scenarios.length === 0) return [];
  return [
    '',
    'scenarios',
    ...table(
      [
        ['scenario', 'model', 'scheduled', 'requests', 'rate', 'errors', 'failed', 'p50', 'p95', 'p99', 'flow runs'],
        ...scenarios.map(([name, r]) => [
          name, r.model, r.targetRps !== null ? `${formatRate1(r.targetRps)}/s` : `${formatRate1(r.concurrency ?? 0)} loops`, formatCount(r.requests), `${formatRate1(r.rps)}/s`,
          formatCount(r.errors), formatCount(r.failed ?? 0), ...[r.latencyMs.p50, r.latencyMs.p95, r.latencyMs.p99].map((v) => formatLatency(v, r.latencyMs.count)),
          `${formatCount(r.iterations)}${r.noData > 0 ? ` (${formatCount(r.noData)} no data)` : ''}`,
        ]),
      ],
      [false, false, true, true, true, true, true, true, true, true, true],
    ),
  ];
}

/** The timing breakdown in one line: new connections' setup, then time to first byte (report.timing). */
function timingLines(report: Report): Lines {
  const t = report.timing;
  if (t === undefined || (t.connectMs.count === 0 && t.waitingMs.count === 0)) return [];
  const p = (l: typeof t.connectMs): string => `p50 ${formatLatency(l.p50, l.count)} p99 ${formatLatency(l.p99, l.count)}`;
  const tls = t.tlsMs.count === 0 ? '' : `, TLS ${p(t.tlsMs)}`;
  return [`timing    connect ${p(t.connectMs)} (${formatCount(t.connectMs.count)} new connection(s))${tls}, waiting (TTFB) ${p(t.waitingMs)}`];
}

/** Request tags: one row per tag key and value (report.tags), and the requests no tag could count. */
function tagLines(report: Report): Lines {
  const rows = Object.entries(report.tags ?? {}).flatMap(([k, byValue]) => Object.entries(byValue).map(([v, r]) => [
    `${k}=${v}`, formatCount(r.requests), `${formatRate1(r.rps)}/s`, formatCount(r.errors), formatCount(r.failed),
    ...[r.latencyMs.p50, r.latencyMs.p95, r.latencyMs.p99].map((x) => formatLatency(x, r.latencyMs.count)),
  ]));
  if (rows.length === 0) return [];
  const out: Lines = ['', 'requests by tag', ...table([['tag', 'requests', 'rate', 'errors', 'failed', 'p50', 'p95', 'p99'], ...rows], [false, true, true, true, true, true, true, true])];
  if (report.tagsUnattributed !== undefined) out.push(`  ${formatCount(report.tagsUnattributed)} request(s) under "(other)" (too many request names) count in no tag`);
  return out;
}

/** Flow runs (and the runs a unique feeder could not feed), then each unique data file's rows. */
function flowAndDataLines(report: Report): Lines {
  const out: Lines = [];
  if (report.flows !== undefined && report.flows !== null) {
    const f = report.flows;
    out.push(`flow runs ${formatCount(f.iterations)}${f.noData > 0 ? `, ${formatCount(f.noData)} sent NOTHING: a unique data feeder had no row left (each row is used once: add rows to its file, or lower the rate or duration)` : ''}`);
  }
  for (const [name, d] of Object.entries(report.data ?? {})) {
    out.push(`data ${name} (unique): ${formatCount(d.rows)} rows, ${formatCount(d.handedOut)} handed out, ${formatCount(d.used)} used, ${formatCount(d.returned)} returned, ${formatCount(d.lost)} lost${d.lost > 0 ? ' (held by agents that died or did not account for them)' : ''}, ${formatCount(d.left)} left`);
  }
  return out;
}

function rateChangeLines(changes: Report['rateChanges']): Lines {
  if (changes.length === 0) return [];
  return [
    '',
    'rate changes',
    ...table(
      changes.map((c) => [
        `+${formatClock(c.atMs)}`,
        c.rateRps !== undefined ? `rate ${formatRate1(c.rateRps)}/s` : `concurrency ${c.concurrency ?? '?'}`,
        c.rampMs > 0 ? `ramp ${formatClock(c.rampMs)}` : 'at once',
        `(${c.source})`,
      ]),
      [true],
    ),
  ];
}

/** The agents' table; NO_LATENCY_NOTE under it when it has an untimed latency and `noteSaid` is false. */
function agentLines(agents: Report['agents'], noteSaid: boolean): Lines {
  const out: Lines = ['', 'agents'];
  out.push(
    ...table(
      [
        ['agent', 'host', 'requests', 'rate', 'errors', 'failed', 'dropped', 'p50', 'p99', 'loop p99', 'lag p99', 'snapshots'],
        ...agents.map((a) => [
          a.agentId,
          a.host,
          formatCount(a.requests),
          `${formatRate1(a.rps)}/s`,
          formatCount(a.errors),
          formatCount(a.failed ?? 0),
          formatCount(a.dropped),
          formatLatency(a.latencyP50Ms, a.requests - a.errors),
          formatLatency(a.latencyP99Ms, a.requests - a.errors),
          formatMs(a.eventLoopDelayP99MsMax),
          formatMs(a.scheduleLagP99MsMax),
          `${a.snapshotsMerged}${a.duplicatesIgnored > 0 ? ` (+${a.duplicatesIgnored} dup)` : ''} ${a.reconciliation}`,
        ]),
      ],
      [false, false, true, true, true, true, true, true, true, true, true, false],
    ),
  );
  if (agents.some((a) => a.requests > 0 && a.requests === a.errors) && !noteSaid) out.push(`  ${NO_LATENCY_NOTE}`);
  return out;
}

/** Fleet events and acknowledged changes, then the seconds in which part of the target rate was missing. */
function timelineLines(report: Report): Lines {
  const events = report.timeline.filter((e) => e.kind !== 'rate' && e.kind !== 'concurrency' || (e.acks?.length ?? 0) > 0);
  if (events.length === 0) return [];
  const out: Lines = ['', 'timeline'];
  for (const e of events) {
    const acks = e.acks === undefined || e.acks.length === 0 ? '' : `; applied by ${e.acks.length} agent(s) within ${formatMs(Math.max(...e.acks.map((a) => a.latencyMs)))}`;
    out.push(`  ${(e.atMs / 1000).toFixed(1).padStart(7)} s  ${e.kind.padEnd(11)} ${e.agentId === undefined ? '' : `${e.agentId}: `}${e.detail}${acks}`);
  }
  // Below 1 % of the fleet's rate it is the few ms between a change's planned and applied time, not a loss.
  const missing = report.series.filter((p) => p.missingRps > Math.max(0.5, 0.01 * (p.targetRps + p.missingRps)) && p.targetRps > 0);
  if (missing.length > 0) {
    const worst = Math.max(...missing.map((p) => p.missingRps));
    out.push(`  target rate missing in ${missing.length} second(s) while the fleet recovered (worst ${formatRate1(worst)}/s): see series[].missingRps`);
  }
  return out;
}

function thresholdLines(results: Report['thresholds']['results']): Lines {
  if (results.length === 0) return [];
  const out: Lines = ['', 'thresholds'];
  for (const r of results) {
    const mark = r.status === 'pass' ? 'ok  ' : r.status === 'fail' ? 'FAIL' : 'NONE';
    out.push(`  ${mark} ${r.threshold}${r.request === null ? '' : ` [${r.request}]`}${typeof r.scenario === 'string' ? ` [scenario ${r.scenario}]` : ''}: ${r.observedText}${r.abortOnFail ? ' (abortOnFail)' : ''}`);
  }
  return out;
}

/** The agents whose figures are not exact, and why. */
function reconciliationLines(report: Report): Lines {
  const notes = report.reconciliation.filter((n) => n.status !== 'exact');
  if (notes.length === 0) return [];
  return ['', 'reconciliation', ...notes.map((n) => `  ${n.agentId}: ${n.status}: ${n.detail}`)];
}

/** The verdict: one line for a pass, a banner with every reason otherwise. */
function verdictLines(report: Report): Lines {
  switch (report.verdict) {
    case 'pass':
      return [report.incompleteAllowed === true
        ? 'verdict: PASS on incomplete figures (--allow-incomplete): the figures that arrived pass; the INCOMPLETE FIGURES above are not in them'
        : 'verdict: PASS (the generator kept its schedule; figures reconcile)'];
    case 'generator-bound':
      return banner('GENERATOR-BOUND: the load generator, not only the target, limited this test.', [
        ...report.verdictReasons,
        'add agents, raise maxInFlight or lower the rate; treat the latencies above as suspect',
      ]);
    case 'failed':
      return banner('RUN FAILED: these figures are incomplete or do not add up.', report.verdictReasons);
    case 'agent-lost':
      return banner('ABORTED: an agent was lost and the policy is --on-agent-loss fail.', report.verdictReasons);
    case 'thresholds-failed':
      return banner('THRESHOLDS FAILED:', report.verdictReasons);
    case 'incomplete':
      return banner('INCOMPLETE: some agent\'s figures never arrived; these totals are short (--allow-incomplete to judge the rest).', report.verdictReasons);
    case 'setup-failed':
      return banner(report.setup?.noLoad !== undefined ? 'SETUP FAILED: no load was sent.' : 'SETUP FAILED: a setup refresh or the teardown failed.', report.verdictReasons);
    case 'capacity-not-found':
      return banner('CAPACITY NOT FOUND: the search ended without a capacity.', report.verdictReasons);
    case 'regression':
      return banner('REGRESSION: slower or worse than the baseline beyond the limits.', report.verdictReasons);
    case 'not-comparable':
      return banner('NOT COMPARABLE: this run cannot be compared with the baseline (--force compares anyway).', report.verdictReasons);
    default:
      return assertNever(report.verdict);
  }
}

/** The final summary printed after a run (and by `loadfleet report`): one section after another. */
export function formatSummary(report: Report): string {
  const named: NamedRequests = Object.entries(report.requests ?? {});
  // The "-" of an untimed latency is explained once, under the first table that shows one.
  const noteSaid = namesNeedNote(named);
  return [
    ...headerLines(report),
    ...mainPhaseLines(report.summary, report.flows),
    ...timingLines(report),
    ...warmupLines(report.warmup),
    ...setupSummaryLines(report.setup),
    ...requestsByNameLines(named),
    ...scenarioLines(report),
    ...tagLines(report),
    ...flowAndDataLines(report),
    ...rateChangeLines(report.rateChanges),
    ...agentLines(report.agents, noteSaid),
    ...timelineLines(report),
    ...(report.incomplete.length > 0 ? banner('INCOMPLETE FIGURES:', report.incomplete) : []),
    ...thresholdLines(report.thresholds.results),
    ...reconciliationLines(report),
    '',
    ...verdictLines(report),
  ].join('\n');
}
