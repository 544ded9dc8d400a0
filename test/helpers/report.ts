// A report of the real shape (buildReport over a real aggregator) whose series is stretched to any
// number of seconds, each second with its own latency histogram, plus a few request names: what a long
// run's report.json holds, built in milliseconds instead of hours.
import { buildReport } from '../../coordinator/report/report.js';
import type { Report, SeriesPoint } from '../../coordinator/report/report.js';
import { requestReport } from '../../coordinator/report/request-figures.js';
import { Aggregator } from '../../coordinator/merge/aggregator.js';
import { encodeHistogram, newHistogram } from '../../common/metrics/histogram.js';
import { emptyStats } from '../../common/metrics/stats.js';
import type { Stats } from '../../common/metrics/stats.js';
import { validateScenario } from '../../common/scenario/scenario.js';
import { prng } from './prng.js';

/** A histogram of `n` latencies spread over 0.5-800 ms, as one busy second of a real run records. */
function histogram(rand: () => number, n: number): string {
  const h = newHistogram();
  for (let i = 0; i < n; i++) h.recordValue(Math.round(500 + rand() * rand() * 800_000));
  const s = encodeHistogram(h);
  h.destroy();
  return s;
}

/** A passing report of `seconds` seconds of series (runId run-soak, 500 req/s, one agent). */
export function sampleReport(seconds: number): Report {
  const v = validateScenario({ name: 'soak', request: { url: 'http://target.test/' }, load: { model: 'open', rate: 500, duration: '4h' } });
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  const rand = prng(12);
  const agg = new Aggregator({ intervalMs: 1000 });
  const stats: Stats = { ...emptyStats(), latencyHist: histogram(rand, 500), serviceHist: histogram(rand, 500), requests: 500, sent: 500, statusCodes: { '200': 500 } };
  agg.addSnapshot({ agentId: 'a1', seq: 1, phase: 'main', intervalIndex: 0, intervalMs: 1000, stats, rateRps: 500, concurrency: 0 });
  agg.addDone({ agentId: 'a1', lastSeq: 1, durationMs: 1000, main: stats, warmup: emptyStats() });
  const base = buildReport({
    runId: 'run-soak', scenario: v.scenario, startedAtMs: Date.UTC(2026, 0, 1), durationMs: seconds * 1000, aggregator: agg,
    rateChanges: [], agents: [{ id: 'a1', host: 'h1' }], failures: [],
  });
  agg.destroy();
  const first = base.series[0] as SeriesPoint;
  // A pool of distinct histograms, so the series is not one string repeated.
  const hists = Array.from({ length: 64 }, () => histogram(rand, 500));
  const series: SeriesPoint[] = Array.from({ length: seconds }, (_, i) => ({
    ...first, index: i, atMs: i * 1000, requests: 480 + (i % 41), p50: 2 + (i % 7) / 10, p99: 40 + (i % 13), latencyHist: hists[i % hists.length] as string,
  }));
  const one = requestReport(undefined, seconds * 1000);
  return { ...base, series, requests: { login: { ...one, requests: 1 }, browse: { ...one, requests: 2 }, 'checkout payment': { ...one, requests: 3 } } };
}

