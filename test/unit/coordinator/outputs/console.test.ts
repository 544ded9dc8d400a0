import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLiveLine, formatSummary } from '../../../../coordinator/outputs/console.js';
import { formatClock, formatMs, formatRate } from '../../../../coordinator/outputs/number-format.js';
import type { IntervalFigures } from '../../../../coordinator/merge/aggregator.js';
import type { Report } from '../../../../coordinator/report/report.js';
import { DEFAULT_GENERATOR_LIMITS } from '../../../../coordinator/report/report.js';
import type { LatencyMs } from '../../../../common/metrics/histogram.js';

const lat = (p50: number, p99: number, extra: Partial<LatencyMs> = {}): LatencyMs => ({
  count: 1000, min: p50 / 4, mean: p50 * 1.1, p50, p90: (p50 + p99) / 2, p95: p99 * 0.8, p99, p999: p99 * 2, max: p99 * 3, ...extra,
});

function fig(extra: Partial<IntervalFigures> = {}): IntervalFigures {
  return {
    index: 11, agents: 2, requests: 998, sent: 998, dropped: 0, errorsByKind: { refused: 0, reset: 0, timeout: 0, certificate: 0, dns: 0, other: 0 }, errors: 0,
    statusCodes: { '200': 998 }, failed: 0, failedByStatus: {}, bytesReceived: 99_800, rps: 998, coveredMs: 1000, targetRps: 1000, concurrency: 0, latencyMs: lat(1.2, 4.8), serviceMs: lat(1, 4),
    inFlightPeak: 12, eventLoopDelayP99MsMax: 1.5, scheduleLagP99MsMax: 0.3, ...extra,
  };
}

test('number formats', () => {
  // [value, expected]: ~3 significant digits, units that change with magnitude
  const ms: Array<[number, string]> = [[0.4123, '0.412ms'], [4.8, '4.80ms'], [48.25, '48.3ms'], [482.4, '482ms'], [4821, '4.82s'], [148_000, '148s']];
  for (const [v, want] of ms) assert.equal(formatMs(v), want);
  const rates: Array<[number, string]> = [[998, '998'], [12.34, '12.3'], [5, '5'], [1234.6, '1235'], [0.5, '0.5']];
  for (const [v, want] of rates) assert.equal(formatRate(v), want);
  const clocks: Array<[number, string]> = [[0, '0s'], [12_000, '12s'], [65_000, '1m05s'], [3_660_000, '61m00s']];
  for (const [v, want] of clocks) assert.equal(formatClock(v), want);
});

test('formatLiveLine', () => {
  const ctx = { elapsedMs: 12_000, totalMs: 20_000, agents: 2 };
  const rows: Array<[string, IntervalFigures, typeof ctx, string]> = [
    // a healthy open-model interval
    ['healthy', fig(), ctx, '[ 12s/20s] target   1000/s achieved    998/s p50  1.20ms p99  4.80ms err     0 fail     0 drop     0 agents 2'],
    // dropped arrivals and schedule lag over the limit get the marker, naming both
    ['bound', fig({ rps: 640, dropped: 12, scheduleLagP99MsMax: 23.4, errors: 3, latencyMs: lat(2.5, 148) }), { ...ctx, elapsedMs: 13_000 },
      '[ 13s/20s] target   1000/s achieved    640/s p50  2.50ms p99   148ms err     3 fail     0 drop    12 agents 2  !! generator: 12 dropped, lag p99 23.4ms'],
    // the event loop of an agent is blocked
    ['event loop', fig({ eventLoopDelayP99MsMax: 80 }), ctx, '[ 12s/20s] target   1000/s achieved    998/s p50  1.20ms p99  4.80ms err     0 fail     0 drop     0 agents 2  !! generator: event loop p99 80.0ms'],
    // closed model: loops instead of a target rate
    ['closed', fig({ targetRps: 0, concurrency: 50, rps: 4321.5 }), { elapsedMs: 65_000, totalMs: 120_000, agents: 3 },
      '[1m05s/2m00s] loops      50   achieved   4322/s p50  1.20ms p99  4.80ms err     0 fail     0 drop     0 agents 3'],
    // several scenarios at once, open and closed: both figures
    ['mixed', fig({ targetRps: 40, concurrency: 3 }), ctx,
      '[ 12s/20s] target     40/s + 3 loops achieved    998/s p50  1.20ms p99  4.80ms err     0 fail     0 drop     0 agents 2'],
    // low rates keep a decimal
    ['low rate', fig({ targetRps: 2.5, rps: 2, latencyMs: lat(0.8, 0.95) }), { elapsedMs: 3000, totalMs: 10_000, agents: 1 },
      '[  3s/10s] target    2.5/s achieved      2/s p50 0.800ms p99 0.950ms err     0 fail     0 drop     0 agents 1'],
  ];
  for (const [why, f, c, want] of rows) assert.equal(formatLiveLine(f, c), want, why);
  // consecutive lines of one run keep their columns aligned
  const a = formatLiveLine(fig(), { ...ctx, elapsedMs: 1000 });
  const b = formatLiveLine(fig({ rps: 12, latencyMs: lat(120, 1500) }), ctx);
  assert.equal(a.indexOf('achieved'), b.indexOf('achieved'));
  assert.equal(a.indexOf(' err '), b.indexOf(' err '));
});

function report(extra: Partial<Report> = {}): Report {
  const none = { refused: 0, reset: 0, timeout: 0, certificate: 0, dns: 0, other: 0 };
  return {
    version: 1,
    runId: 'run-7',
    name: 'checkout',
    startedAt: '2025-01-02T03:04:05.000Z',
    durationMs: 25_100,
    model: 'open',
    target: { method: 'POST', url: 'http://target.test/buy' },
    load: { model: 'open', rate: 1000, duration: 20_000, maxInFlight: 10_000 },
    warmupMs: 5000,
    summary: {
      durationMs: 20_000, requests: 19_990, sent: 20_000, dropped: 0, errors: 10, errorsByKind: { ...none, timeout: 7, refused: 3 },
      statusCodes: { '503': 80, '200': 19_900 }, failed: 80, failedByStatus: { '503': 80 }, bytesReceived: 1_000_000, rps: 999.5, latencyMs: lat(1.2, 4.8), serviceMs: lat(1.1, 4.2),
      targetRps: 1000, concurrency: null, inFlightPeakMax: 40,
    },
    warmup: { durationMs: 5000, requests: 2500, sent: 2500, dropped: 0, errors: 0, errorsByKind: none, statusCodes: { '200': 2500 }, failed: 0, failedByStatus: {}, bytesReceived: 1, rps: 500, latencyMs: lat(9, 60), serviceMs: lat(8, 50) },
    intervalMs: 1000,
    series: [],
    rateChanges: [{ atMs: 10_000, rateRps: 1500, rampMs: 2000, source: 'terminal' }],
    timeline: [],
    onAgentLoss: 'rebalance',
    agents: [
      { agentId: 'agent-a', host: 'load-1', requests: 9995, sent: 10_000, rps: 499.75, errors: 4, failed: 40, dropped: 0, latencyP50Ms: 1.2, latencyP99Ms: 4.7, eventLoopDelayP99MsMax: 2.1, scheduleLagP99MsMax: 0.4, snapshotsMerged: 25, duplicatesIgnored: 0, durationMs: 20_000, reconciliation: 'exact' },
      { agentId: 'agent-b', host: 'load-22', requests: 9995, sent: 10_000, rps: 499.75, errors: 6, failed: 40, dropped: 0, latencyP50Ms: 1.25, latencyP99Ms: 4.9, eventLoopDelayP99MsMax: 1.9, scheduleLagP99MsMax: 0.35, snapshotsMerged: 24, duplicatesIgnored: 1, durationMs: 20_000, reconciliation: 'repaired' },
    ],
    health: { generatorBound: false, reasons: [], limits: { ...DEFAULT_GENERATOR_LIMITS }, scheduleLagP99MsMax: 0.4, eventLoopDelayP99MsMax: 2.1 },
    histograms: { latency: '', service: '', encoding: 'HdrHistogram compressed base64, microseconds' },
    reconciliation: [
      { agentId: 'agent-a', status: 'exact', detail: 'all 25 snapshot(s) merged; deltas equal the cumulative figures' },
      { agentId: 'agent-b', status: 'repaired', detail: '1 of 25 snapshot(s) missing (seq 9); main: added 998 request(s), 998 latency value(s) from the cumulative figures' },
    ],
    failures: [],
    incomplete: [],
    thresholds: { passed: true, results: [], abortedBy: null },
    verdict: 'pass',
    verdictReasons: [],
    ...extra,
  };
}

const PASS = `loadfleet checkout (run run-7): POST http://target.test/buy
open model, 20s measured after 5s warm-up, 2 agent(s), started 2025-01-02T03:04:05.000Z
failed 90 of 19,990 requests (0.5 %): 503 ×80 · refused ×3 · timeout ×7

requests  19,990 completed, 20,000 sent, 999.5/s achieved (scheduled 1000/s)
latency   min 0.300ms  p50 1.20ms  p90 3.00ms  p99 4.80ms  p99.9 9.60ms  max 14.4ms  (from intended send)
service   p50 1.10ms  p99 4.20ms  (from actual send)
errors    10 (0.05%): refused 3, timeout 7
failed    80 (0.40%) with a status not expected: 503 80
status    200 19,900, 503 80
dropped   0 arrivals
warm-up   2,500 requests, p50 9.00ms, p99 60.0ms, 0 errors, 0 failed, 0 dropped (not in the figures above)

rate changes
  +10s  rate 1500/s  ramp 2s  (terminal)

agents
  agent    host     requests     rate  errors  failed  dropped     p50     p99  loop p99  lag p99  snapshots
  agent-a  load-1      9,995  499.8/s       4      40        0  1.20ms  4.70ms    2.10ms  0.400ms  25 exact
  agent-b  load-22     9,995  499.8/s       6      40        0  1.25ms  4.90ms    1.90ms  0.350ms  24 (+1 dup) repaired

reconciliation
  agent-b: repaired: 1 of 25 snapshot(s) missing (seq 9); main: added 998 request(s), 998 latency value(s) from the cumulative figures

verdict: PASS (the generator kept its schedule; figures reconcile)`;

test('formatSummary: a passing run', () => {
  assert.equal(formatSummary(report()), PASS);
});

test('formatSummary: generator-bound and failed runs end in a banner with every reason', () => {
  const bound = formatSummary(
    report({
      verdict: 'generator-bound',
      verdictReasons: ['120 arrival(s) dropped because the in-flight cap was full: the target was offered less than the schedule'],
      summary: { ...report().summary, dropped: 120 },
    }),
  );
  assert.match(bound, /^dropped   120 arrivals NOT SENT \(in-flight cap full, the test's end reached, or abandoned by an agent that lost its coordinator link\)$/m);
  assert.ok(
    bound.endsWith(`########################################################################
##  GENERATOR-BOUND: the load generator, not only the target, limited this test.
##    - 120 arrival(s) dropped because the in-flight cap was full: the target was offered less than the schedule
##    - add agents, raise maxInFlight or lower the rate; treat the latencies above as suspect
########################################################################`),
    bound,
  );
  assert.doesNotMatch(bound, /PASS/);

  const failed = formatSummary(report({ verdict: 'failed', verdictReasons: ['agent agent-b lost: heartbeat missed', 'no request completed in the main phase'] }));
  assert.match(failed, /##  RUN FAILED: these figures are incomplete or do not add up\.\n##    - agent agent-b lost: heartbeat missed\n##    - no request completed in the main phase\n#{72}$/);
});

test('formatSummary: closed model, no warm-up, no changes, all exact', () => {
  const r = report({
    model: 'closed',
    warmupMs: 0,
    warmup: null,
    rateChanges: [{ atMs: 5000, concurrency: 80, rampMs: 0, source: 'control' }],
    summary: { ...report().summary, targetRps: null, concurrency: 50, errors: 0, errorsByKind: { refused: 0, reset: 0, timeout: 0, certificate: 0, dns: 0, other: 0 } },
    reconciliation: [],
  });
  const text = formatSummary(r);
  assert.match(text, /^closed model, 20s measured, 2 agent\(s\)/m);
  assert.match(text, /achieved \(50 loops\)$/m);
  assert.match(text, /^errors    0$/m);
  assert.match(text, /^  \+5s  concurrency 80  at once  \(control\)$/m);
  assert.doesNotMatch(text, /warm-up|reconciliation/);
});

test('formatSummary: flow runs a unique feeder could not feed say so and what to do', () => {
  const withFlows = (noData: number): string => formatSummary(report({ flows: { iterations: 20, noData } } as Partial<Report>));
  assert.match(withFlows(17), /^flow runs 20, 17 sent NOTHING: a unique data feeder had no row left \(each row is used once: add rows to its file, or lower the rate or duration\)$/m);
  // every run fed: no warning
  assert.match(withFlows(0), /^flow runs 20$/m);
});

test('formatSummary: a run where every request failed shows "-" for its latencies and says why, not 0 ms', () => {
  const none = { refused: 0, reset: 0, timeout: 0, certificate: 0, dns: 0, other: 0 };
  const untimed = lat(0, 0, { count: 0, min: 0, mean: 0, p90: 0, p95: 0, p999: 0, max: 0 });
  const named = { requests: 20, rps: 10, errors: 20, errorsByKind: { ...none, refused: 20 }, statusCodes: {}, failed: 0, failedByStatus: {}, checks: { passed: 0, failed: 0, rate: null, failures: {} }, extractFailed: 0, renderFailed: 0, bodyTruncated: 0, latencyMs: untimed };
  const base = report();
  const text = formatSummary(report({
    summary: { ...base.summary, requests: 20, sent: 20, errors: 20, errorsByKind: { ...none, refused: 20 }, statusCodes: {}, failed: 0, failedByStatus: {}, latencyMs: untimed, serviceMs: untimed },
    requests: { ping: named },
    agents: [{ ...(base.agents[0] as Report['agents'][number]), requests: 20, errors: 20, failed: 0, latencyP50Ms: 0, latencyP99Ms: 0 }],
  }));
  assert.doesNotMatch(text, /0\.000ms/, text);
  assert.match(text, /^latency   - \(no response to time: every request failed before a response arrived\)$/m);
  assert.match(text, /^service   -$/m);
  assert.match(text, /^  ping +20 +10\/s +20 +0 +- +- +- +- +0$/m);
  assert.match(text, /^  agent-a +load-1 +20 .* 0 +0 +- +- +2\.10ms/m);
  assert.equal(text.match(/^  "-": no response to time/gm)?.length, 1, "the \"-\" is explained once");
  // the live line likewise
  const live = formatLiveLine(fig({ requests: 10, errors: 10, latencyMs: untimed }), { elapsedMs: 1000, totalMs: 2000, agents: 1 });
  assert.match(live, / p50       - p99       - err    10 /);
});

test('formatSummary: "extract fails" counts extraction failures only; render failures are their own line', () => {
  const none = { refused: 0, reset: 0, timeout: 0, certificate: 0, dns: 0, other: 0 };
  const named = { requests: 100, rps: 5, errors: 0, errorsByKind: none, statusCodes: { '200': 100 }, failed: 0, failedByStatus: {}, checks: { passed: 0, failed: 0, rate: null, failures: {} }, extractFailed: 3, renderFailed: 40, bodyTruncated: 0, latencyMs: lat(1.2, 4.8) };
  const text = formatSummary(report({ requests: { login: named } }));
  assert.match(text, /^  login +100 +5\/s +0 +0 +1\.20ms +3\.84ms +4\.80ms +- +3$/m, text);
  assert.match(text, /^  login: 40 request\(s\) NOT SENT: a template could not be rendered/m);
});

test('formatSummary: the line read first says how many requests failed and why (statuses, then error kinds), or that none did', () => {
  const none = { refused: 0, reset: 0, timeout: 0, certificate: 0, dns: 0, other: 0 };
  const rows: { why: string; summary: Partial<Report['summary']>; want: string }[] = [
    // 10 % 500s and 3 timeouts
    {
      why: 'statuses and kinds', summary: { requests: 10_000, errors: 3, errorsByKind: { ...none, timeout: 3 }, failed: 1000, failedByStatus: { '500': 1000 } },
      want: 'failed 1,003 of 10,000 requests (10.0 %): 500 ×1,000 · timeout ×3',
    },
    // several statuses, in code order
    { why: 'codes ascending', summary: { requests: 100, errors: 0, errorsByKind: none, failed: 5, failedByStatus: { '503': 2, '404': 3 } }, want: 'failed 5 of 100 requests (5.0 %): 404 ×3 · 503 ×2' },
    // nothing failed
    { why: 'none', summary: { requests: 100, errors: 0, errorsByKind: none, failed: 0, failedByStatus: {} }, want: 'no failed requests (100 requests, every status expected)' },
  ];
  for (const r of rows) {
    const text = formatSummary(report({ summary: { ...report().summary, ...r.summary } }));
    assert.equal(text.split('\n')[2], r.want, r.why);
  }
});

test('formatLiveLine and the summary: with flows each rate keeps its unit (flow runs/s against the target, requests/s apart)', () => {
  const ctx = { elapsedMs: 12_000, totalMs: 20_000, agents: 2 };
  assert.equal(
    formatLiveLine(fig({ targetRps: 200, flowRuns: 199, flowRps: 199, rps: 597 }), ctx),
    '[ 12s/20s] flows target    200/s started    199/s · requests    597/s p50  1.20ms p99  4.80ms err     0 fail     0 drop     0 agents 2',
  );
  assert.equal(
    formatLiveLine(fig({ targetRps: 0, concurrency: 5, flowRuns: 40, flowRps: 40, rps: 120 }), ctx),
    '[ 12s/20s] loops       5   flows     40/s · requests    120/s p50  1.20ms p99  4.80ms err     0 fail     0 drop     0 agents 2',
  );
  const text = formatSummary(report({ summary: { ...report().summary, targetRps: 200, durationMs: 20_000 }, flows: { iterations: 3980, noData: 0 } }));
  assert.match(text, /^requests  19,990 completed, 20,000 sent, 999\.5\/s achieved; flows scheduled 200\/s, 199\/s started$/m);
});

test('formatSummary: a report.json of an older loadfleet (no failed requests counted) reads as none failed, not NaN', () => {
  const r = report();
  const { failed: _f, failedByStatus: _m, ...older } = r.summary;
  const text = formatSummary({ ...r, summary: older as Report['summary'], agents: r.agents.map(({ failed: _a, ...a }) => a as Report['agents'][number]) });
  assert.doesNotMatch(text, /NaN|undefined/);
  assert.match(text, /^failed 10 of 19,990 requests \(0\.1 %\): refused ×3 · timeout ×7$/m);
  assert.match(text, /^failed    0 \(every status expected\)$/m);
});
