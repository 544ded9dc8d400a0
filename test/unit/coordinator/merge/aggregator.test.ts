import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Aggregator, HOT_INTERVALS } from '../../../../coordinator/merge/aggregator.js';
import type { SnapshotIn } from '../../../../coordinator/merge/aggregator.js';
import { decodeHistogram, encodeHistogram, latencyMs, newHistogram } from '../../../../common/metrics/histogram.js';
import type { Histogram } from '../../../../common/metrics/histogram.js';
import { emptyStats } from '../../../../common/metrics/stats.js';
import type { Phase, Stats } from '../../../../common/metrics/stats.js';
import { LoadfleetError } from '../../../../common/runtime/errors.js';

// A deterministic generator so failures reproduce.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

interface Sample {
  agent: string;
  interval: number;
  latencyUs: number;
  serviceUs: number;
  status: string;
  error: boolean;
}

/** Long-tailed latencies (µs) spread over agents and intervals. */
function samples(n: number, agents: string[], intervals: number, seed: number): Sample[] {
  const r = rng(seed);
  const out: Sample[] = [];
  for (let i = 0; i < n; i++) {
    const base = 200 + Math.floor(r() * 5_000);
    const tail = r() < 0.02 ? Math.floor(r() * 2_000_000) : 0;
    out.push({
      agent: agents[Math.floor(r() * agents.length)] as string,
      interval: Math.floor(r() * intervals),
      latencyUs: base + tail,
      serviceUs: base,
      status: r() < 0.1 ? '503' : '200',
      error: r() < 0.01,
    });
  }
  return out;
}

function statsOf(list: Sample[], extra: Partial<Stats> = {}): Stats {
  const lat = newHistogram();
  const svc = newHistogram();
  const s = emptyStats();
  for (const x of list) {
    lat.recordValue(x.latencyUs);
    s.requests++;
    s.sent++;
    if (x.error) {
      s.errorsByKind.timeout++;
    } else {
      svc.recordValue(x.serviceUs);
      s.statusCodes[x.status] = (s.statusCodes[x.status] ?? 0) + 1;
    }
  }
  s.latencyHist = encodeHistogram(lat);
  s.serviceHist = encodeHistogram(svc);
  lat.destroy();
  svc.destroy();
  return { ...s, ...extra };
}

/**
 * One histogram fed every sample, passed once through the wire encoding as any agent's data is: a decoded
 * histogram knows its max only to the bucket (3 significant digits), so an unencoded reference would
 * differ in `max` by up to 0.1% while every percentile is identical.
 */
function reference(list: Sample[]): { latency: Histogram; service: Histogram } {
  const latency = newHistogram();
  const service = newHistogram();
  for (const x of list) {
    latency.recordValue(x.latencyUs);
    if (!x.error) service.recordValue(x.serviceUs);
  }
  const wire = (h: Histogram): Histogram => {
    const d = decodeHistogram(encodeHistogram(h));
    h.destroy();
    return d;
  };
  return { latency: wire(latency), service: wire(service) };
}

const AGENTS = ['a1', 'a2', 'a3'];
const INTERVALS = HOT_INTERVALS * 3; // enough to push most intervals out of the hot window

/** One snapshot per (agent, interval), seq in interval order per agent. */
function snapshotsOf(all: Sample[], phase: Phase = 'main'): SnapshotIn[] {
  const out: SnapshotIn[] = [];
  for (const agentId of AGENTS) {
    for (let i = 0; i < INTERVALS; i++) {
      const list = all.filter((x) => x.agent === agentId && x.interval === i);
      out.push({
        agentId, seq: i + 1, phase, intervalIndex: i, intervalMs: 1000,
        stats: statsOf(list, { inFlightPeak: 3, eventLoopDelayP99Ms: i === 5 && agentId === 'a2' ? 42 : 1, scheduleLagP99Ms: 0.5 }),
        rateRps: 100, concurrency: 0,
      });
    }
  }
  return out;
}

function cumulativeOf(all: Sample[], agentId: string): Stats {
  return statsOf(all.filter((x) => x.agent === agentId), { inFlightPeak: 3, eventLoopDelayP99Ms: 1, scheduleLagP99Ms: 0.5 });
}

function shuffle<T>(xs: T[], seed: number): T[] {
  const r = rng(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

test('merged percentiles equal those of one histogram fed every sample (totals and each interval)', () => {
  const all = samples(30_000, AGENTS, INTERVALS, 1);
  const agg = new Aggregator({ intervalMs: 1000 });
  // Arrival order shuffled: intervals go cold and are re-opened by late snapshots.
  for (const s of shuffle(snapshotsOf(all), 7)) assert.equal(agg.addSnapshot(s), 'merged');
  for (const id of AGENTS) {
    assert.deepEqual(agg.addDone({ agentId: id, lastSeq: INTERVALS, main: cumulativeOf(all, id), warmup: emptyStats(), durationMs: INTERVALS * 1000 }), { reconciled: true });
  }

  const ref = reference(all);
  const totals = agg.totals('main');
  assert.deepEqual(totals.latencyMs, latencyMs(ref.latency));
  assert.deepEqual(totals.serviceMs, latencyMs(ref.service));
  assert.equal(totals.requests, all.length);
  assert.equal(totals.errorsByKind.timeout, all.filter((x) => x.error).length);
  assert.equal(totals.statusCodes['503'], all.filter((x) => !x.error && x.status === '503').length);
  assert.equal(totals.eventLoopDelayP99MsMax, 42);
  assert.equal(totals.inFlightPeakMax, 9, 'three agents with peak 3 in the same interval');
  // The encoded total decodes to the same distribution.
  const decoded = decodeHistogram(totals.latencyHist);
  assert.deepEqual(latencyMs(decoded), latencyMs(ref.latency));
  decoded.destroy();

  const series = agg.intervals('main');
  assert.equal(series.length, INTERVALS);
  for (let i = 0; i < INTERVALS; i++) {
    const refI = reference(all.filter((x) => x.interval === i));
    const fig = series[i];
    assert.ok(fig !== undefined);
    assert.equal(fig.index, i);
    assert.equal(fig.agents, 3);
    assert.equal(fig.requests, refI.latency.totalCount);
    assert.equal(fig.rps, refI.latency.totalCount);
    assert.equal(fig.targetRps, 300);
    assert.equal(fig.inFlightPeak, 9);
    assert.deepEqual(fig.latencyMs, latencyMs(refI.latency), `interval ${i}`);
    assert.deepEqual(fig.serviceMs, latencyMs(refI.service), `interval ${i}`);
    assert.deepEqual(agg.interval('main', i), fig);
    refI.latency.destroy();
    refI.service.destroy();
  }
  // Per-agent figures come from that agent's own merged histogram.
  for (const row of agg.perAgent()) {
    const own = reference(all.filter((x) => x.agent === row.agentId));
    assert.equal(row.latencyP99Ms, latencyMs(own.latency).p99);
    assert.equal(row.requests, own.latency.totalCount);
    assert.equal(row.rps, own.latency.totalCount / INTERVALS);
    assert.equal(row.snapshotsMerged, INTERVALS);
    assert.equal(row.reconciliation, 'exact');
    own.latency.destroy();
    own.service.destroy();
  }
  assert.deepEqual(agg.reconciliation().map((n) => n.status), ['exact', 'exact', 'exact']);
  ref.latency.destroy();
  ref.service.destroy();
  agg.destroy();
});

test('a repeated (agentId, seq) is ignored and counted', () => {
  const all = samples(2_000, AGENTS, INTERVALS, 2);
  const snaps = snapshotsOf(all);
  const agg = new Aggregator({ intervalMs: 1000 });
  for (const s of snaps) agg.addSnapshot(s);
  const before = agg.totals('main');
  const first = snaps[0] as SnapshotIn;
  assert.equal(agg.addSnapshot(first), 'duplicate');
  // Same seq with different content is still the same delta: a resend after reconnect.
  assert.equal(agg.addSnapshot({ ...first, stats: emptyStats(), intervalIndex: 3 }), 'duplicate');
  assert.deepEqual(agg.totals('main'), before);
  const row = agg.perAgent().find((r) => r.agentId === first.agentId);
  assert.equal(row?.duplicatesIgnored, 2);
  assert.equal(row?.snapshotsMerged, INTERVALS);
  agg.destroy();
});

test('a late snapshot is merged into its own (cold) interval, never dropped', () => {
  const all = samples(5_000, AGENTS, INTERVALS, 3);
  const snaps = snapshotsOf(all);
  const late = snaps.find((s) => s.agentId === 'a2' && s.intervalIndex === 1) as SnapshotIn;
  const agg = new Aggregator({ intervalMs: 1000 });
  for (const s of snaps) if (s !== late) agg.addSnapshot(s);
  assert.equal(agg.interval('main', 1)?.agents, 2);
  assert.equal(agg.addSnapshot(late), 'merged');
  const refI = reference(all.filter((x) => x.interval === 1));
  const fig = agg.interval('main', 1);
  assert.equal(fig?.agents, 3);
  assert.deepEqual(fig?.latencyMs, latencyMs(refI.latency));
  assert.equal(agg.totals('main').requests, all.length);
  refI.latency.destroy();
  refI.service.destroy();
  agg.destroy();
});

test('a missing seq is repaired at Done: totals equal the agents\' cumulative truth, and it is reported', () => {
  const all = samples(10_000, AGENTS, INTERVALS, 4);
  const snaps = snapshotsOf(all);
  const lost = snaps.find((s) => s.agentId === 'a3' && s.seq === 5) as SnapshotIn;
  const agg = new Aggregator({ intervalMs: 1000 });
  for (const s of snaps) if (s !== lost) agg.addSnapshot(s);
  assert.ok(agg.totals('main').requests < all.length);

  const results = AGENTS.map((id) => agg.addDone({ agentId: id, lastSeq: INTERVALS, main: cumulativeOf(all, id), warmup: emptyStats(), durationMs: INTERVALS * 1000 }));
  assert.deepEqual(results[0], { reconciled: true });
  assert.equal(results[2]?.reconciled, false);
  assert.match(results[2]?.detail ?? '', /1 of 24 snapshot\(s\) missing \(seq 5\)/);

  const ref = reference(all);
  const totals = agg.totals('main');
  assert.equal(totals.requests, all.length);
  assert.equal(totals.sent, all.length);
  assert.equal(totals.errorsByKind.timeout, all.filter((x) => x.error).length);
  assert.deepEqual(totals.latencyMs, latencyMs(ref.latency));
  assert.deepEqual(totals.serviceMs, latencyMs(ref.service));
  const row = agg.perAgent().find((r) => r.agentId === 'a3');
  assert.equal(row?.reconciliation, 'repaired');
  assert.equal(row?.requests, all.filter((x) => x.agent === 'a3').length);
  // The repaired figures belong to no interval: interval 4 is short by the lost delta.
  assert.equal(agg.interval('main', 4)?.agents, 2);

  // The lost delta turns up after all: it fills in its interval, and the totals do not double count.
  assert.equal(agg.addSnapshot(lost), 'merged');
  assert.equal(agg.interval('main', 4)?.agents, 3);
  assert.equal(agg.totals('main').requests, all.length);
  assert.deepEqual(agg.totals('main').latencyMs, latencyMs(ref.latency));
  assert.match(agg.reconciliation()[2]?.detail ?? '', /seq 5 arrived after Done.*already in the totals/);
  // A second Done is harmless.
  assert.match(agg.addDone({ agentId: 'a3', lastSeq: INTERVALS, main: cumulativeOf(all, 'a3'), warmup: emptyStats(), durationMs: 1 }).detail ?? '', /duplicate Done/);
  assert.equal(agg.totals('main').requests, all.length);
  ref.latency.destroy();
  ref.service.destroy();
  agg.destroy();
});

test('merged deltas exceeding the cumulative figures are a mismatch, reported and not hidden', () => {
  const agg = new Aggregator({ intervalMs: 1000 });
  const one: Sample = { agent: 'a1', interval: 0, latencyUs: 1000, serviceUs: 900, status: '200', error: false };
  agg.addSnapshot({ agentId: 'a1', seq: 1, phase: 'main', intervalIndex: 0, intervalMs: 1000, stats: statsOf([one, one]), rateRps: 1, concurrency: 0 });
  const r = agg.addDone({ agentId: 'a1', lastSeq: 1, main: statsOf([one]), warmup: emptyStats(), durationMs: 1000 });
  assert.equal(r.reconciled, false);
  assert.match(r.detail ?? '', /main: merged deltas exceed the cumulative figures \(requests \+1, sent \+1, status 200 \+1, latency histogram \+1, service histogram \+1\)/);
  assert.equal(agg.reconciliation()[0]?.status, 'mismatch');
  assert.equal(agg.totals('main').requests, 2);
  agg.destroy();
});

test('phases are kept apart and reconciled separately', () => {
  const agg = new Aggregator({ intervalMs: 1000 });
  const w: Sample = { agent: 'a1', interval: 0, latencyUs: 50_000, serviceUs: 40_000, status: '200', error: false };
  const m: Sample = { ...w, latencyUs: 1_000, serviceUs: 900 };
  agg.addSnapshot({ agentId: 'a1', seq: 1, phase: 'warmup', intervalIndex: 0, intervalMs: 1000, stats: statsOf([w]), rateRps: 1, concurrency: 0 });
  agg.addSnapshot({ agentId: 'a1', seq: 2, phase: 'main', intervalIndex: 0, intervalMs: 1000, stats: statsOf([m, m]), rateRps: 1, concurrency: 0 });
  // seq 3 (one more warm-up request... reported late by the agent's clock) is lost.
  const r = agg.addDone({ agentId: 'a1', lastSeq: 3, main: statsOf([m, m]), warmup: statsOf([w, w]), durationMs: 1000 });
  assert.equal(r.reconciled, false);
  assert.match(r.detail ?? '', /warmup: added 1 request/);
  assert.equal(agg.totals('warmup').requests, 2);
  assert.ok(Math.abs(agg.totals('warmup').latencyMs.p50 - 50) <= 0.05, 'warm-up latency stays in warm-up (50 ms to 3 digits)');
  assert.equal(agg.totals('main').requests, 2);
  assert.equal(agg.totals('main').latencyMs.max, 1);
  agg.destroy();
});

test('intervals() is dense, with empty figures where nobody reported', () => {
  const agg = new Aggregator({ intervalMs: 500 });
  const one: Sample = { agent: 'a1', interval: 0, latencyUs: 1000, serviceUs: 900, status: '200', error: false };
  agg.addSnapshot({ agentId: 'a1', seq: 1, phase: 'main', intervalIndex: 2, intervalMs: 500, stats: statsOf([one]), rateRps: 10, concurrency: 0 });
  const series = agg.intervals('main');
  assert.deepEqual(series.map((f) => f.agents), [0, 0, 1]);
  assert.equal(series[2]?.rps, 2, '1 request in a 500 ms interval');
  assert.equal(series[0]?.latencyMs.count, 0);
  assert.deepEqual(agg.intervals('warmup'), []);
  assert.equal(agg.interval('main', 0), undefined);
  agg.destroy();
});

test('closed model: interval concurrency is the sum of the agents\' newest loop counts', () => {
  const agg = new Aggregator({ intervalMs: 1000 });
  const base = { phase: 'main' as const, intervalIndex: 0, intervalMs: 1000, stats: emptyStats(), rateRps: 0 };
  agg.addSnapshot({ ...base, agentId: 'a1', seq: 2, concurrency: 5 });
  agg.addSnapshot({ ...base, agentId: 'a1', seq: 1, concurrency: 4 }); // older seq for the same interval: keeps 5
  agg.addSnapshot({ ...base, agentId: 'a2', seq: 1, concurrency: 3 });
  assert.equal(agg.interval('main', 0)?.concurrency, 8);
  agg.destroy();
});

test('malformed input throws PROTOCOL_VIOLATION and changes nothing', () => {
  const agg = new Aggregator({ intervalMs: 1000, maxIntervals: 100 });
  const ok: SnapshotIn = { agentId: 'a1', seq: 1, phase: 'main', intervalIndex: 0, intervalMs: 1000, stats: emptyStats(), rateRps: 1, concurrency: 0 };
  const bad: Array<[string, () => unknown]> = [
    // seq numbering starts at 1
    ['seq 0', () => agg.addSnapshot({ ...ok, seq: 0 })],
    // a wild index would make intervals() allocate without bound
    ['index beyond maxIntervals', () => agg.addSnapshot({ ...ok, intervalIndex: 100 })],
    // counters are whole numbers
    ['fractional requests', () => agg.addSnapshot({ ...ok, stats: { ...emptyStats(), requests: 1.5 } })],
    // an unknown phase
    ['phase', () => agg.addSnapshot({ ...ok, phase: 'cooldown' as Phase })],
    // garbage where a histogram should be
    ['undecodable histogram', () => agg.addSnapshot({ ...ok, stats: { ...emptyStats(), latencyHist: 'not-a-histogram' } })],
  ];
  for (const [why, fn] of bad) assert.throws(fn, (e: unknown) => e instanceof LoadfleetError && e.code === 'PROTOCOL_VIOLATION', why);
  assert.equal(agg.addSnapshot(ok), 'merged', 'seq 1 was not consumed by the failed attempts');
  agg.addDone({ agentId: 'a1', lastSeq: 1, main: emptyStats(), warmup: emptyStats(), durationMs: 1000 });
  // After Done only missing seqs may arrive; seq 2 is beyond what the agent declared.
  assert.throws(() => agg.addSnapshot({ ...ok, seq: 2 }), (e: unknown) => e instanceof LoadfleetError && e.code === 'PROTOCOL_VIOLATION');
  agg.destroy();
});

test('destroy() is idempotent and later use fails loudly', () => {
  const agg = new Aggregator({ intervalMs: 1000 });
  agg.destroy();
  agg.destroy();
  assert.throws(() => agg.totals('main'), (e: unknown) => e instanceof LoadfleetError && e.code === 'INTERNAL');
});
