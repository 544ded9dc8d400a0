// The aggregator holds each agent's snapshots and Done to the run's bounds (run/agent-bounds.ts) and to the
// counts' own consistency: whatever is beyond is refused (PROTOCOL_VIOLATION naming the field) before any
// state changes, so the totals stay those of the honest messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Aggregator } from '../../../../coordinator/merge/aggregator.js';
import type { DoneIn, SnapshotIn } from '../../../../coordinator/merge/aggregator.js';
import type { AggregatorBounds } from '../../../../coordinator/run/agent-bounds.js';
import { encodeHistogram, newHistogram } from '../../../../common/metrics/histogram.js';
import { emptyRequestFigures } from '../../../../common/metrics/stats.js';
import type { RequestNameFigures } from '../../../../common/metrics/stats.js';
import { emptyStats } from '../../../../common/metrics/stats.js';
import type { Stats } from '../../../../common/metrics/stats.js';
import { LoadfleetError } from '../../../../common/runtime/errors.js';
import { MAX_REQUEST_NAMES, MAX_RUN_REQUEST_NAMES } from '../../../../common/protocol/wire-limits.js';

// Warm-up 0..2, main 0..12, seqs up to 40, at most 1,000 arrivals per agent and phase.
const BOUNDS: AggregatorBounds = { maxIntervalIndex: { warmup: 2, main: 12 }, maxSeq: 40, maxSent: () => 1_000, maxRunNames: MAX_RUN_REQUEST_NAMES };

function statsOf(requests: number, over: Partial<Stats> = {}): Stats {
  const h = newHistogram();
  for (let i = 0; i < requests; i++) h.recordValue(1_000);
  const enc = encodeHistogram(h);
  return { ...emptyStats(), requests, sent: requests, statusCodes: requests > 0 ? { '200': requests } : {}, latencyHist: enc, serviceHist: enc, ...over };
}

function namesOf(names: readonly string[]): RequestNameFigures {
  return { byRequestName: Object.fromEntries(names.map((n) => [n, emptyRequestFigures()])), iterations: 0, noData: 0 };
}

const names = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const snap = (over: Partial<SnapshotIn> = {}): SnapshotIn =>
  ({ agentId: 'a', seq: 1, phase: 'main', intervalIndex: 0, intervalMs: 1_000, stats: statsOf(10), rateRps: 10, concurrency: 0, ...over });
const done = (over: Partial<DoneIn> = {}): DoneIn => ({ agentId: 'a', lastSeq: 1, main: statsOf(10), warmup: statsOf(0), durationMs: 1_000, ...over });

function refusedWith(f: () => unknown, field: RegExp, why: string): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof LoadfleetError && e.code === 'PROTOCOL_VIOLATION', `${why}: ${String(e)}`);
    assert.match(e.message, field, why);
    return true;
  }, why);
}

test('snapshots beyond the run bounds or inconsistent are refused, naming the field; the totals keep only honest ones', () => {
  const rows: { why: string; s: SnapshotIn; field: RegExp }[] = [
    // 86,399 would make an 86,400-row series and a 24 MB report for a short run.
    { why: 'interval index 86,399', s: snap({ intervalIndex: 86_399 }), field: /snapshot\.intervalIndex 86399 is outside this run's main phase \(0\.\.12\)/ },
    { why: 'one past the main phase', s: snap({ intervalIndex: 13 }), field: /snapshot\.intervalIndex 13/ },
    { why: 'one past the warm-up', s: snap({ phase: 'warmup', intervalIndex: 3 }), field: /warmup phase \(0\.\.2\)/ },
    { why: 'seq beyond the schedule', s: snap({ seq: 41 }), field: /snapshot\.seq is beyond what this run's schedule allows \(at most 40\)/ },
    { why: 'requests 2^53-1', s: snap({ stats: statsOf(10, { requests: Number.MAX_SAFE_INTEGER }) }), field: /snapshot\.stats\.requests 9007199254740991 takes this agent's main phase/ },
    { why: 'sent over the schedule', s: snap({ stats: statsOf(10, { sent: 1_001 }) }), field: /snapshot\.stats\.sent 1001 \(dropped 0\) takes this agent's main phase to 1011 arrivals, over the 1000/ },
    { why: 'dropped counts as arrivals', s: snap({ stats: statsOf(10, { dropped: 995 }) }), field: /snapshot\.stats\.sent 10 \(dropped 995\) takes this agent's main phase to 1015 arrivals/ },
    { why: 'more statuses than requests', s: snap({ stats: statsOf(10, { statusCodes: { '200': 11 } }) }), field: /snapshot\.stats: 11 status code\(s\) and 0 error\(s\) for 10 request\(s\)/ },
    { why: 'errors beyond requests', s: snap({ stats: statsOf(10, { errorsByKind: { refused: 1, reset: 0, timeout: 0, certificate: 0, dns: 0, other: 0 } }) }), field: /10 status code\(s\) and 1 error\(s\) for 10/ },
    { why: 'undecodable latency histogram', s: snap({ stats: statsOf(10, { latencyHist: 'not-a-histogram' }) }), field: /snapshot\.stats\.latencyHist is not a decodable histogram/ },
    // Percentiles come from the histograms: values beyond the requests would skew them.
    { why: 'more latency values than requests', s: snap({ stats: statsOf(10, { requests: 5, statusCodes: { '200': 5 } }) }), field: /snapshot\.stats\.latencyHist holds 10 values for 5 request\(s\)/ },
    {
      why: 'a request name with more latency values than its requests',
      s: snap({ stats: statsOf(10, { requestNames: { byRequestName: { a: { ...emptyRequestFigures(), requests: 1, statusCodes: { '200': 1 }, latencyHist: statsOf(3).latencyHist } }, iterations: 1, noData: 0 } }) }),
      field: /snapshot\.stats\.langJson\.byRequest\["a"\]\.latencyHist holds 3 values for 1 request\(s\)/,
    },
    {
      // A name's 2^53-1 requests would make its summary (and its thresholds) whatever the peer likes.
      why: 'a request name with 2^53-1 requests',
      s: snap({ stats: statsOf(10, { requestNames: { byRequestName: { a: { ...emptyRequestFigures(), requests: Number.MAX_SAFE_INTEGER } }, iterations: 1, noData: 0 } }) }),
      field: /snapshot\.stats\.langJson\.byRequest\["a"\]\.requests 9007199254740991, over the 1000 this run's schedule allows/,
    },
    {
      why: 'a request name with more statuses than its requests',
      s: snap({ stats: statsOf(10, { requestNames: { byRequestName: { a: { ...emptyRequestFigures(), requests: 1, statusCodes: { '200': 2 } } }, iterations: 1, noData: 0 } }) }),
      field: /langJson\.byRequest\["a"\]: 2 status code\(s\) and 0 error\(s\) for 1 request\(s\)/,
    },
    { why: 'request names over the per-agent bound', s: snap({ stats: statsOf(10, { requestNames: namesOf(names('n', MAX_REQUEST_NAMES + 1)) }) }), field: /snapshot\.stats\.langJson: byRequest: 257 names from this agent, over 256/ },
  ];
  for (const row of rows) {
    const agg = new Aggregator({ intervalMs: 1_000, bounds: BOUNDS });
    assert.equal(agg.addSnapshot(snap({ seq: 1 })), 'merged');
    refusedWith(() => agg.addSnapshot({ ...row.s, seq: row.s.seq === 1 ? 2 : row.s.seq }), row.field, row.why);
    assert.equal(agg.totals('main').requests, 10, `${row.why}: nothing of it merged`);
    assert.equal(agg.intervals('main').length, 1, `${row.why}: no interval added`);
    agg.destroy();
  }
});

test('arrivals are bounded per agent and phase over the whole run, not per snapshot', () => {
  const agg = new Aggregator({ intervalMs: 1_000, bounds: BOUNDS });
  for (let seq = 1; seq <= 10; seq++) agg.addSnapshot(snap({ seq, intervalIndex: seq - 1, stats: statsOf(100) }));
  refusedWith(() => agg.addSnapshot(snap({ seq: 11, intervalIndex: 10, stats: statsOf(1) })), /snapshot\.stats\.sent 1 \(dropped 0\) takes this agent's main phase to 1001 arrivals, over the 1000/, '1,001st arrival');
  // Another agent has its own budget.
  assert.equal(agg.addSnapshot(snap({ agentId: 'b', stats: statsOf(100) })), 'merged');
  assert.equal(agg.totals('main').requests, 1_100);
  agg.destroy();
});

test('request names are bounded per run across agents', () => {
  const agg = new Aggregator({ intervalMs: 1_000, bounds: BOUNDS });
  const perAgent = MAX_REQUEST_NAMES;
  const agents = Math.floor(MAX_RUN_REQUEST_NAMES / perAgent);
  for (let i = 0; i < agents; i++) agg.addSnapshot(snap({ agentId: `a${i}`, stats: statsOf(10, { requestNames: namesOf(names(`a${i}-`, perAgent)) }) }));
  assert.equal(Object.keys(agg.totals('main').byRequestName).length, MAX_RUN_REQUEST_NAMES);
  refusedWith(() => agg.addSnapshot(snap({ agentId: 'late', stats: statsOf(10, { requestNames: namesOf(['one-more']) }) })), /byRequest: 1025 names in this run, over 1024/, 'run bound');
  // Names the run already has are fine from any agent.
  assert.equal(agg.addSnapshot(snap({ agentId: 'late', stats: statsOf(10, { requestNames: namesOf(['a0-0']) }) })), 'merged');
  agg.destroy();
});

test('a Done beyond the bounds is refused at once, naming the field; the agent stays without Done', () => {
  const rows: { why: string; d: DoneIn; field: RegExp }[] = [
    // Taken, 2^53-1 would mean a set of every missing seq up to it: seconds and hundreds of MB.
    { why: 'lastSeq 2^53-1', d: done({ lastSeq: Number.MAX_SAFE_INTEGER }), field: /done\.lastSeq 9007199254740991 is beyond what this run's schedule allows \(at most 40\)/ },
    { why: 'lastSeq one past', d: done({ lastSeq: 41 }), field: /done\.lastSeq 41/ },
    { why: 'requests 2^53-1 (and sent with it)', d: done({ main: statsOf(10, { requests: Number.MAX_SAFE_INTEGER, sent: Number.MAX_SAFE_INTEGER }) }), field: /done\.main\.sent: 9007199254740991 arrivals/ },
    { why: 'requests beyond sent', d: done({ main: statsOf(10, { requests: 20, statusCodes: { '200': 20 } }) }), field: /done\.main\.requests: 20 requests ended but 10 were sent/ },
    { why: 'statuses beyond requests', d: done({ warmup: statsOf(0, { statusCodes: { '200': 1 } }) }), field: /done\.warmup: 1 status code\(s\) and 0 error\(s\) for 0/ },
    { why: 'more service values than requests', d: done({ main: statsOf(10, { requests: 9, statusCodes: { '200': 9 }, latencyHist: '' }) }), field: /done\.main\.serviceHist holds 10 values for 9 request\(s\)/ },
    {
      why: 'an undecodable per-request histogram in a Done',
      d: done({ main: statsOf(10, { requestNames: { byRequestName: { a: { ...emptyRequestFigures(), latencyHist: '@@' } }, iterations: 0, noData: 0 } }) }),
      field: /done\.main\.langJson\.byRequest\["a"\]\.latencyHist: undecodable per-request histogram/,
    },
    { why: 'undecodable main histogram', d: done({ main: statsOf(10, { serviceHist: '!!' }) }), field: /done\.main\.serviceHist is not a decodable histogram/ },
  ];
  for (const row of rows) {
    const agg = new Aggregator({ intervalMs: 1_000, bounds: BOUNDS });
    agg.addSnapshot(snap());
    const t0 = performance.now();
    refusedWith(() => agg.addDone(row.d), row.field, row.why);
    assert.ok(performance.now() - t0 < 500, `${row.why}: refused in well under a second (${Math.round(performance.now() - t0)} ms)`);
    assert.equal(agg.perAgent()[0]?.reconciliation, 'no-done', `${row.why}: not taken as the agent's Done`);
    assert.equal(agg.totals('main').requests, 10);
    // The honest Done still reconciles.
    assert.deepEqual(agg.addDone(done()), { reconciled: true }, row.why);
    agg.destroy();
  }
});
