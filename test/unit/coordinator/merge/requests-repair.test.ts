// Per-request figures at Done: when snapshots were lost, the per-request totals are repaired from the
// agent's cumulative figures exactly once, so they equal what the agent counted; a seq arriving late
// after the repair only fills its interval. Deltas and cumulative come from the agent's own recorder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Aggregator } from '../../../../coordinator/merge/aggregator.js';
import { RequestRecorder } from '../../../../agent/engine/request-recorder.js';
import { decodeHistogram, encodeHistogram, latencyMs, newHistogram, recordMs } from '../../../../common/metrics/histogram.js';
import type { RequestNameFigures } from '../../../../common/metrics/stats.js';
import { emptyStats } from '../../../../common/metrics/stats.js';
import { ERROR_KINDS } from '../../../../common/metrics/counters.js';
import type { Stats } from '../../../../common/metrics/stats.js';
import { prng } from '../../../helpers/prng.js';

const NAMES = ['login', 'list', 'buy'] as const;

/** One agent's deltas (one per interval) and its cumulative, from a RequestRecorder fed seeded outcomes. */
function agentRun(seed: number, intervals: number): { deltas: RequestNameFigures[]; cumulative: RequestNameFigures } {
  const r = prng(seed);
  const rec = new RequestRecorder();
  const deltas: RequestNameFigures[] = [];
  for (let i = 0; i < intervals; i++) {
    const n = 20 + Math.floor(r() * 30);
    for (let k = 0; k < n; k++) {
      rec.onIteration();
      const name = NAMES[Math.floor(r() * NAMES.length)] as string;
      const failed = r() < 0.1 ? ['status == 200'] : [];
      const outcome = r() < 0.05 ? 'timeout' : r() < 0.1 ? 500 : 200;
      rec.onEnd(name, { outcome, failed: outcome === 500, latencyMs: 1 + r() * r() * 200, checksPassed: 1 - failed.length, failedChecks: failed, extractFailed: r() < 0.02 ? 1 : 0, bodyTruncated: false });
    }
    if (r() < 0.1) rec.onNoData();
    deltas.push(rec.takeDelta());
  }
  const cumulative = rec.cumulative();
  rec.destroy();
  return { deltas, cumulative };
}

/** Global Stats around a RequestNameFigures (the global figures are not what these tests judge). */
function stats(requestNames: RequestNameFigures): Stats {
  const requests = Object.values(requestNames.byRequestName).reduce((s, x) => s + x.requests, 0);
  const h = newHistogram();
  for (let i = 0; i < requests; i++) recordMs(h, 5);
  const hist = encodeHistogram(h);
  h.destroy();
  return { ...emptyStats(), requests, sent: requests, statusCodes: requests > 0 ? { 200: requests } : {}, latencyHist: hist, serviceHist: hist, requestNames };
}

/** The per-request figures an agent's cumulative says, in the shape the aggregator reports. */
function truthOf(c: RequestNameFigures) {
  return Object.fromEntries(Object.entries(c.byRequestName).map(([name, x]) => {
    const h = decodeHistogram(x.latencyHist);
    const out = { requests: x.requests, errorsByKind: x.errorsByKind, statusCodes: x.statusCodes, checks: { passed: x.checksPassed, failed: x.checksFailed, failures: x.checkFailures }, extractFailed: x.extractFailed, latencyMs: latencyMs(h) };
    h.destroy();
    return [name, out];
  }));
}

function reported(agg: Aggregator) {
  const t = agg.totals('main');
  return Object.fromEntries(Object.entries(t.byRequestName).map(([name, x]) => [name, { requests: x.requests, errorsByKind: x.errorsByKind, statusCodes: x.statusCodes, checks: x.checks, extractFailed: x.extractFailed, latencyMs: x.latencyMs }]));
}

const INTERVALS = 6;

const cases: { what: string; lost: number[]; late: boolean }[] = [
  // nothing lost: exact, no repair
  { what: 'no snapshot lost', lost: [], late: false },
  // one lost in the middle: repaired from the cumulative
  { what: 'seq 3 lost', lost: [3], late: false },
  // the first and the last lost
  { what: 'seqs 1 and 6 lost', lost: [1, 6], late: false },
  // lost, repaired at Done, then the lost seq arrives after all: it must not count twice
  { what: 'seq 4 repaired, then arrives late', lost: [4], late: true },
];

for (const c of cases) {
  test(`per-request totals equal the agent's cumulative figures: ${c.what}`, () => {
    const agg = new Aggregator({ intervalMs: 1000 });
    const a = agentRun(7, INTERVALS);
    const b = agentRun(8, INTERVALS); // a second agent, nothing lost: its figures add
    const snap = (agentId: string, seq: number, requestNames: RequestNameFigures) => agg.addSnapshot({ agentId, seq, phase: 'main', intervalIndex: seq - 1, intervalMs: 1000, stats: stats(requestNames), rateRps: 0, concurrency: 0 });
    a.deltas.forEach((d, i) => { if (!c.lost.includes(i + 1)) snap('a', i + 1, d); });
    b.deltas.forEach((d, i) => snap('b', i + 1, d));
    const done = (agentId: string, cum: RequestNameFigures) => agg.addDone({ agentId, lastSeq: INTERVALS, main: stats(cum), warmup: emptyStats(), durationMs: INTERVALS * 1000 });
    const ra = done('a', a.cumulative);
    assert.deepEqual(done('b', b.cumulative), { reconciled: true });
    assert.equal(ra.reconciled, c.lost.length === 0, ra.detail);
    if (c.lost.length > 0) assert.match(ra.detail ?? '', /per request: added \d+ request\(s\)/);

    // The sum of both agents' truths, built by a RequestRecorder-free merge: decode and add both cumulatives.
    const both = agentRunSum(a.cumulative, b.cumulative);
    assert.deepEqual(reported(agg), truthOf(both));
    assert.deepEqual(agg.totals('main').flows, { iterations: a.cumulative.iterations + b.cumulative.iterations, noData: a.cumulative.noData + b.cumulative.noData });

    if (c.late) {
      const seq = c.lost[0] as number;
      const before = agg.liveRequests('main', seq - 1, 10).interval;
      assert.equal(snap('a', seq, a.deltas[seq - 1] as RequestNameFigures), 'merged');
      assert.deepEqual(reported(agg), truthOf(both), 'a late seq after the repair does not count twice in the totals');
      const after = agg.liveRequests('main', seq - 1, 10).interval;
      const sum = (s: typeof after): number => (s?.rows ?? []).reduce((n, r) => n + r.requests, 0);
      const lateRequests = Object.values((a.deltas[seq - 1] as RequestNameFigures).byRequestName).reduce((n, r) => n + r.requests, 0);
      assert.equal(sum(after), sum(before) + lateRequests, 'it fills its interval');
    }
    agg.destroy();
  });
}

test('per-request deltas beyond the cumulative figures are a mismatch, left as merged and reported', () => {
  const agg = new Aggregator({ intervalMs: 1000 });
  const a = agentRun(9, 3);
  a.deltas.forEach((d, i) => agg.addSnapshot({ agentId: 'a', seq: i + 1, phase: 'main', intervalIndex: i, intervalMs: 1000, stats: stats(d), rateRps: 0, concurrency: 0 }));
  // A cumulative that lacks the last interval (a peer bug): the merged deltas are more than it.
  const short = agentRunSum(a.deltas[0] as RequestNameFigures, a.deltas[1] as RequestNameFigures);
  const merged = reported(agg);
  const r = agg.addDone({ agentId: 'a', lastSeq: 3, main: stats(a.cumulative), warmup: emptyStats(), durationMs: 3000 });
  assert.equal(r.reconciled, true, 'the honest cumulative reconciles');
  const agg2 = new Aggregator({ intervalMs: 1000 });
  a.deltas.forEach((d, i) => agg2.addSnapshot({ agentId: 'a', seq: i + 1, phase: 'main', intervalIndex: i, intervalMs: 1000, stats: { ...stats(d), requests: 0, sent: 0, statusCodes: {}, latencyHist: '', serviceHist: '' }, rateRps: 0, concurrency: 0 }));
  const r2 = agg2.addDone({ agentId: 'a', lastSeq: 3, main: { ...emptyStats(), requestNames: short }, warmup: emptyStats(), durationMs: 3000 });
  assert.equal(r2.reconciled, false);
  assert.match(r2.detail ?? '', /per request: merged deltas exceed the cumulative figures \(.*requests \+\d+/);
  assert.deepEqual(reported(agg2), merged, 'left as merged');
  assert.equal(agg2.reconciliation()[0]?.status, 'mismatch');
  agg.destroy();
  agg2.destroy();
});

test('a Done whose per-request histogram does not decode is a protocol violation and changes nothing', () => {
  const agg = new Aggregator({ intervalMs: 1000 });
  const a = agentRun(10, 2);
  agg.addSnapshot({ agentId: 'a', seq: 1, phase: 'main', intervalIndex: 0, intervalMs: 1000, stats: stats(a.deltas[0] as RequestNameFigures), rateRps: 0, concurrency: 0 });
  const before = reported(agg);
  const bad: RequestNameFigures = { ...a.cumulative, byRequestName: { login: { ...(a.cumulative.byRequestName.login ?? Object.values(a.cumulative.byRequestName)[0]!), latencyHist: 'not-base64!' } } };
  assert.throws(() => agg.addDone({ agentId: 'a', lastSeq: 2, main: stats(bad), warmup: emptyStats(), durationMs: 2000 }), /PROTOCOL_VIOLATION|undecodable per-request/);
  assert.deepEqual(reported(agg), before);
  // A good Done afterwards still repairs (the bad one left no trace).
  assert.equal(agg.addDone({ agentId: 'a', lastSeq: 2, main: stats(a.cumulative), warmup: emptyStats(), durationMs: 2000 }).reconciled, false);
  assert.deepEqual(reported(agg), truthOf(a.cumulative));
  agg.destroy();
});

/** x + y as RequestNameFigures (counters added, histograms merged). */
function agentRunSum(x: RequestNameFigures, y: RequestNameFigures): RequestNameFigures {
  const out: RequestNameFigures = { byRequestName: {}, iterations: x.iterations + y.iterations, noData: x.noData + y.noData };
  for (const name of new Set([...Object.keys(x.byRequestName), ...Object.keys(y.byRequestName)])) {
    const parts = [x.byRequestName[name], y.byRequestName[name]].filter((p) => p !== undefined);
    const h = newHistogram();
    const first = structuredClone(parts[0]!);
    for (const p of parts) {
      const d = decodeHistogram(p.latencyHist);
      h.add(d);
      d.destroy();
    }
    for (const p of parts.slice(1)) {
      first.requests += p.requests;
      first.checksPassed += p.checksPassed;
      first.checksFailed += p.checksFailed;
      first.extractFailed += p.extractFailed;
      first.renderFailed += p.renderFailed;
      first.bodyTruncated += p.bodyTruncated;
      for (const k of ERROR_KINDS) first.errorsByKind[k] += p.errorsByKind[k];
      for (const [c, n] of Object.entries(p.statusCodes)) first.statusCodes[c] = (first.statusCodes[c] ?? 0) + n;
      for (const [c, n] of Object.entries(p.checkFailures)) first.checkFailures[c] = (first.checkFailures[c] ?? 0) + n;
    }
    first.latencyHist = encodeHistogram(h);
    h.destroy();
    out.byRequestName[name] = first;
  }
  return out;
}

/** Several scenarios at once: a scenario's figures travel like a request name's (here: "shop" = the login requests). */
function withScenario(requestNames: RequestNameFigures): RequestNameFigures {
  const login = requestNames.byRequestName.login;
  return login === undefined ? requestNames : { ...requestNames, byScenario: { shop: { ...login, iterations: requestNames.iterations, noData: requestNames.noData } } };
}

for (const lost of [[], [2], [1, 5]]) {
  test(`per-scenario totals equal the agent's cumulative figures: seqs [${lost.join(', ')}] lost`, () => {
    const agg = new Aggregator({ intervalMs: 1000 });
    const a = agentRun(11, INTERVALS);
    a.deltas.forEach((d, i) => {
      if (!lost.includes(i + 1)) agg.addSnapshot({ agentId: 'a', seq: i + 1, phase: 'main', intervalIndex: i, intervalMs: 1000, stats: stats(withScenario(d)), rateRps: 0, concurrency: 0 });
    });
    const cumulative = withScenario(a.cumulative);
    const r = agg.addDone({ agentId: 'a', lastSeq: INTERVALS, main: stats(cumulative), warmup: emptyStats(), durationMs: INTERVALS * 1000 });
    assert.equal(r.reconciled, lost.length === 0, r.detail);
    const shop = agg.totals('main').byScenario.shop;
    const truth = cumulative.byScenario?.shop;
    assert.ok(shop !== undefined && truth !== undefined);
    const h = decodeHistogram(truth.latencyHist);
    assert.deepEqual(
      { requests: shop.requests, errorsByKind: shop.errorsByKind, checks: shop.checks.failed, iterations: shop.iterations, noData: shop.noData, latencyMs: shop.latencyMs },
      { requests: truth.requests, errorsByKind: truth.errorsByKind, checks: truth.checksFailed, iterations: truth.iterations, noData: truth.noData, latencyMs: latencyMs(h) },
    );
    h.destroy();
    agg.destroy();
  });
}
