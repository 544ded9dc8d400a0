// A finished run's report reaches the CLI whole whatever its size: a 4-hour run's report (14,400 seconds
// of series, each with its latency histogram, and a few request names) is several times grpc-js's
// default 4 MiB message limit; it travels through the real Control service on 127.0.0.1 in pieces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Coordinator } from '../../../coordinator/coordinator.js';
import { GrpcServer } from '../../../coordinator/grpc-server.js';
import { RemoteControl } from '../../../coordinator/control-client.js';
import { REPORT_PIECE_BYTES, ReportStore } from '../../../coordinator/report-store.js';
import { buildReport } from '../../../coordinator/report.js';
import type { Report, SeriesPoint } from '../../../coordinator/report.js';
import { requestReport } from '../../../coordinator/report-named.js';
import { Aggregator } from '../../../coordinator/aggregator.js';
import { reportCommand } from '../../../coordinator/cli/report-cmd.js';
import { encodeHistogram, newHistogram } from '../../../common/histogram.js';
import { emptyStats } from '../../../common/stats.js';
import type { Stats } from '../../../common/stats.js';
import { systemClock } from '../../../common/clock.js';
import { validateScenario } from '../../../common/scenario.js';
import { captureIo } from '../../helpers/io.js';
import { prng } from '../../helpers/prng.js';

const SECONDS = 4 * 3600;

/** A histogram of `n` latencies spread over 0.5-800 ms, as one busy second of a real run records. */
function histogram(rand: () => number, n: number): string {
  const h = newHistogram();
  for (let i = 0; i < n; i++) h.recordValue(Math.round(500 + rand() * rand() * 800_000));
  const s = encodeHistogram(h);
  h.destroy();
  return s;
}

/** A report of a 4-hour run: buildReport's real shape, its series stretched to 14,400 seconds. */
function fourHourReport(): Report {
  const v = validateScenario({ name: 'soak', request: { url: 'http://target.test/' }, load: { model: 'open', rate: 500, duration: '4h' } });
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  const rand = prng(12);
  const agg = new Aggregator({ intervalMs: 1000 });
  const stats: Stats = { ...emptyStats(), latencyHist: histogram(rand, 500), serviceHist: histogram(rand, 500), requests: 500, sent: 500, statusCodes: { '200': 500 } };
  agg.addSnapshot({ agentId: 'a1', seq: 1, phase: 'main', intervalIndex: 0, intervalMs: 1000, stats, rateRps: 500, concurrency: 0 });
  agg.addDone({ agentId: 'a1', lastSeq: 1, durationMs: 1000, main: stats, warmup: emptyStats() });
  const base = buildReport({
    runId: 'run-soak', scenario: v.scenario, startedAtMs: Date.UTC(2026, 0, 1), durationMs: SECONDS * 1000, aggregator: agg,
    rateChanges: [], agents: [{ id: 'a1', host: 'h1' }], failures: [],
  });
  agg.destroy();
  const first = base.series[0] as SeriesPoint;
  // A pool of distinct histograms, so the series is not one string repeated.
  const hists = Array.from({ length: 64 }, () => histogram(rand, 500));
  const series: SeriesPoint[] = Array.from({ length: SECONDS }, (_, i) => ({
    ...first, index: i, atMs: i * 1000, requests: 480 + (i % 41), p50: 2 + (i % 7) / 10, p99: 40 + (i % 13), latencyHist: hists[i % hists.length] as string,
  }));
  const one = requestReport(undefined, SECONDS * 1000);
  return { ...base, series, requests: { login: { ...one, requests: 1 }, browse: { ...one, requests: 2 }, 'checkout payment': { ...one, requests: 3 } } };
}

test('a 4-hour run\'s report arrives whole through the Control service (GetReport in 1 MiB pieces), and through `report --coordinator`', async () => {
  const report = fourHourReport();
  const json = JSON.stringify(report);
  const bytes = Buffer.byteLength(json);
  // The point of the test: far beyond grpc-js's default 4 MiB receive limit.
  assert.ok(bytes > 2 * 4 * 1024 * 1024, `a 4-hour report is ${bytes} bytes`);
  // what long runs really write (600-800 bytes per second of test), give or take
  assert.ok(bytes / SECONDS > 400 && bytes / SECONDS < 1500, `${(bytes / SECONDS).toFixed(0)} bytes per second`);
  const store = new ReportStore(2);
  store.keep(report);
  const coordinator = new Coordinator({ clock: systemClock, version: 'test', log: () => {}, reports: store });
  const server = new GrpcServer({ coordinator, listen: '127.0.0.1:0', joinToken: undefined, controlToken: 'ctl', log: () => {} });
  const address = await server.listen();
  const remote = new RemoteControl(address, 'ctl');
  try {
    const byId = await remote.getReport('run-soak');
    assert.equal(byId.runId, 'run-soak');
    assert.equal(byId.json, json, 'the same bytes, in order');
    assert.ok(Math.ceil(bytes / REPORT_PIECE_BYTES) > 1);
    const latest = await remote.getReport();
    assert.equal(latest.runId, 'run-soak', 'no RUN_ID: the latest finished run');

    const dir = mkdtempSync(join(tmpdir(), 'loadfleet-delivery-'));
    const io = captureIo(dir, { LOADFLEET_TOKEN: 'ctl' });
    const code = await reportCommand(io, { coordinator: address, report: 'run-soak', out: 'r.json' });
    assert.equal(code, 0, io.err());
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')), report);
    assert.match(io.out(), /run-soak/);

    await assert.rejects(remote.getReport('run-other'), (e: unknown) =>
      (e as { code?: string }).code === 'NO_REPORT' && /no report of run run-other .*keeps the last 2 finished run\(s\): run-soak/.test((e as Error).message));
  } finally {
    remote.close();
    coordinator.close();
    await server.close();
  }
});
