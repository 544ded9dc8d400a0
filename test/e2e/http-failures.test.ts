// HTTP failures on real runs (local agent processes over real gRPC, the counting target's /flaky, which
// answers 500 to every 10th request): responses with a status not expected are failed requests, counted
// exactly in the report, the summary's first line, Prometheus and the dashboard, and error_rate fails the
// run with the thresholds' exit code; `expect` makes the same statuses pass, on the flow path and on the
// single-request fast path.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTarget } from '../helpers/target.js';
import type { Target } from '../helpers/target.js';
import type { Report } from '../../coordinator/report/report.js';
import type { DashUpdate } from '../../coordinator/outputs/dashboard/update.js';
import { startHttpEndpoints } from '../../cli/http-endpoint.js';
import { loadScenarioFile } from '../../cli/scenario-input.js';
import { verdictExitCode } from '../../cli/run-session.js';
import { formatSummary } from '../../coordinator/outputs/console.js';
import { systemClock } from '../../common/runtime/clock.js';
import { EXIT } from '../../common/runtime/errors.js';
import type { Scenario } from '../../common/scenario/scenario.js';
import { startLocalFleet } from '../helpers/local-run.js';

/** The first `update` event of the dashboard's stream (a new client gets the whole run). */
async function firstUpdate(base: string): Promise<DashUpdate> {
  const ac = new AbortController();
  const res = await fetch(`${base}/api/events`, { signal: ac.signal });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for (;;) {
      const m = /event: update\ndata: (.*)\n\n/.exec(buffered);
      if (m !== null) return JSON.parse(m[1] as string) as DashUpdate;
      const { value, done } = await reader.read();
      assert.ok(!done, 'the event stream stays open');
      buffered += decoder.decode(value, { stream: true });
    }
  } finally {
    ac.abort();
  }
}

let target: Target;
let dir: string;
/** Per run: its report, /metrics text and dashboard update right after it, and the target's /flaky count before and after. */
const runs: Record<string, { report: Report; metrics: string; dash: DashUpdate; flaky: number }> = {};

function scenarioFile(name: string, yaml: string): Scenario {
  writeFileSync(join(dir, `${name}.yaml`), yaml);
  const r = loadScenarioFile(dir, `${name}.yaml`);
  if (!r.ok) throw new Error(r.lines.join('\n'));
  return r.scenario;
}

before(async () => {
  target = await startTarget({ api: true });
  dir = mkdtempSync(join(tmpdir(), 'loadfleet-failures-'));
  const scenarios: Record<string, Scenario> = {
    // Flows, default expected statuses (200-399): every 500 is a failed request.
    flow: scenarioFile('flow', `
name: flaky-flow
variables: { base: "${target.origin}" }
flows:
  browse:
    steps:
      - request: { name: flaky, url: "{{ base }}/flaky" }
load: { model: open, rate: 40, duration: 3s }
thresholds: ["error_rate < 1%"]
`),
    // The same flow with 500 expected in the file: nothing fails, http_req_failed passes.
    flowExpected: scenarioFile('flow-expected', `
name: flaky-flow-expected
variables: { base: "${target.origin}" }
expect: { status: [200, "5xx"] }
flows:
  browse:
    steps:
      - request: { name: flaky, url: "{{ base }}/flaky" }
load: { model: open, rate: 40, duration: 3s }
thresholds: ["http_req_failed < 1%"]
`),
    // The single-request fast path honours expect too.
    single: scenarioFile('single', `
name: flaky-single
request: { url: "${target.origin}/flaky", expect: { status: [200, 500] } }
load: { model: open, rate: 40, duration: 3s }
thresholds: ["http_req_failed < 1%"]
`),
  };
  assert.equal(scenarios.single?.program, undefined, 'a request with expect keeps the fast path');
  const { fleet } = await startLocalFleet(2);
  try {
    const http = await startHttpEndpoints(fleet.coordinator, { metrics: '127.0.0.1:0', dashboard: '127.0.0.1:0', clock: systemClock }, () => {});
    try {
      for (const [name, s] of Object.entries(scenarios)) {
        const before = target.paths()['/flaky'] ?? 0;
        const handle = await fleet.coordinator.start(s, { onTick: () => {}, onNotice: () => {} }, { minAgents: 2, waitAgentsMs: 10_000 });
        const report = await handle.report;
        const metrics = await (await fetch(`http://${http.metricsAddress ?? '?'}/metrics`)).text();
        const dash = await firstUpdate(`http://${http.dashboardAddress ?? '?'}`);
        runs[name] = { report, metrics, dash, flaky: (target.paths()['/flaky'] ?? 0) - before };
      }
    } finally {
      await http.close();
    }
  } finally {
    await fleet.close();
  }
});

after(async () => {
  await target.close();
});

/** The 500s the target sent during a run: /flaky answers 500 to its 10th, 20th, ... request overall. */
function served500(before: number, count: number): number {
  return Math.floor((before + count) / 10) - Math.floor(before / 10);
}

test('10 % 500s: error_rate < 1% fails with the thresholds exit code, and report, summary, Prometheus and dashboard show the failed requests', () => {
  const r = runs.flow;
  assert.ok(r !== undefined);
  const { report } = r;
  const s = report.summary;
  assert.equal(s.requests, r.flaky, 'every request the target received ended in the report');
  const failed = served500(0, r.flaky);
  assert.ok(failed >= 5, `enough 500s to see: ${failed} of ${r.flaky}`);
  assert.equal(s.failed, failed, 'failed equals the target\'s count of 500s');
  assert.deepEqual(s.failedByStatus, { '500': failed });
  assert.equal(s.errors, 0, 'no transport error: the 500s are failures, not errors');
  assert.equal(report.requests?.flaky?.failed, failed, 'per request name');
  assert.equal(verdictExitCode(report), EXIT.THRESHOLDS_FAILED, report.verdictReasons.join('; '));
  assert.equal(report.thresholds.results[0]?.status, 'fail');
  assert.match(report.thresholds.results[0]?.observedText ?? '', /^(9|10|11)(\.\d+)?%$/);
  // The summary's line read first.
  const pct = ((100 * failed) / s.requests).toFixed(1);
  assert.match(formatSummary(report), new RegExp(`^failed ${failed} of ${s.requests} requests \\(${pct.replace('.', '\\.')} %\\): 500 ×${failed}$`, 'm'));
  // Prometheus: a counter by status code, promtool-style HELP and TYPE.
  assert.match(r.metrics, /^# HELP loadfleet_failed_total /m);
  assert.match(r.metrics, /^# TYPE loadfleet_failed_total counter$/m);
  assert.match(r.metrics, new RegExp(`^loadfleet_failed_total\\{phase="main",status="500"\\} ${failed}$`, 'm'));
  assert.match(r.metrics, new RegExp(`^loadfleet_request_failed\\{request="flaky"\\} ${failed}$`, 'm'));
  // The dashboard: every interval's failed requests, and the per-name table.
  const dashFailed = r.dash.points.filter((p) => p.phase === 'main').reduce((sum, p) => sum + p.failed, 0);
  assert.ok(dashFailed > 0 && dashFailed <= failed, `dashboard points: ${dashFailed} of ${failed}`);
  assert.equal(r.dash.requests?.soFar.rows.find((x) => x.name === 'flaky')?.failed, failed);
  assert.equal(r.dash.run?.flows, true, 'a flow run: its rates are shown in their own units');
});

test('expect: { status } makes the same 500s expected: nothing fails, on the flow path and the single-request path', () => {
  for (const name of ['flowExpected', 'single']) {
    const r = runs[name];
    assert.ok(r !== undefined);
    const s = r.report.summary;
    assert.equal(s.requests, r.flaky, `${name}: every request counted`);
    assert.ok((s.statusCodes['500'] ?? 0) >= 1, `${name}: the target still answered 500s`);
    assert.equal(s.failed, 0, name);
    assert.equal(r.report.thresholds.results[0]?.status, 'pass', name);
    assert.ok([EXIT.OK, EXIT.GENERATOR_BOUND].includes(verdictExitCode(r.report) as 0 | 4), `${name}: ${r.report.verdictReasons.join('; ')}`);
    assert.match(formatSummary(r.report), /^no failed requests \(\d+ requests, every status expected\)$/m, name);
  }
});
