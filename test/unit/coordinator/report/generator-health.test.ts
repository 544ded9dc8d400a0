import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeGenerator } from '../../../../coordinator/report/generator-health.js';
import { DEFAULT_GENERATOR_LIMITS } from '../../../../coordinator/report/generator-limits.js';

type Iv = { lag: number; el: number; sent: number; agents: number };
interface HealthRow {
  why: string;
  dropped: number;
  /** An agent's whole-run (cumulative) schedule-lag p99. */
  runLag?: number;
  intervals: Iv[];
  bound: boolean;
  reasons: RegExp[];
}

// Dense by default: 2 agents x 1,000 arrivals, so an interval's p99 is a real percentile.
const iv = (lag: number, el = 1, sent = 2000, agents = 2): Iv => ({ lag, el, sent, agents });

const healthRows: HealthRow[] = [
  // a clean run
  { why: 'clean', dropped: 0, intervals: [iv(1), iv(2), iv(3)], bound: false, reasons: [] },
  // any dropped arrival means the target was offered less than planned
  { why: 'one drop', dropped: 1, intervals: [iv(1)], bound: true, reasons: [/1 arrival\(s\) dropped/] },
  // one lagging interval alone (below the run max) is tolerated: a GC pause, not a trend
  { why: 'single lag spike under run max', dropped: 0, intervals: [iv(1), iv(30), iv(1)], bound: false, reasons: [] },
  // two consecutive lagging intervals are a trend
  { why: 'two consecutive lagging', dropped: 0, intervals: [iv(1), iv(11), iv(12), iv(1)], bound: true, reasons: [/schedule lag p99 above 10 ms for 2 consecutive intervals \(#1-#2, worst 12 ms\)/] },
  // lagging intervals that are not adjacent do not add up
  { why: 'non-adjacent lag', dropped: 0, intervals: [iv(11), iv(1), iv(11)], bound: false, reasons: [] },
  // exactly at the limit is not above it
  { why: 'lag at limit', dropped: 0, intervals: [iv(10), iv(10)], bound: false, reasons: [] },
  // one interval past the whole-run maximum is enough
  { why: 'run max exceeded once', dropped: 0, intervals: [iv(1), iv(51)], bound: true, reasons: [/schedule lag p99 reached 51 ms in one interval \(limit 50 ms\)/] },
  // an agent's whole-run p99 counts even when every interval looks fine
  { why: 'whole-run p99 over the limit', dropped: 0, runLag: 11, intervals: [iv(1)], bound: true, reasons: [/more than 1 % of an agent's arrivals went out over 10 ms late \(schedule lag p99 11 ms\)/] },
  { why: 'whole-run p99 at the limit', dropped: 0, runLag: 10, intervals: [iv(1)], bound: false, reasons: [] },
  // sparse intervals (< 500 arrivals per agent): their p99 is one or two samples, not judged alone
  { why: 'sparse lagging intervals', dropped: 0, intervals: [iv(12, 1, 100), iv(60, 1, 100), iv(12, 1, 100)], bound: false, reasons: [] },
  { why: 'sparse per agent (many agents)', dropped: 0, intervals: [iv(12, 1, 2000, 8), iv(12, 1, 2000, 8)], bound: false, reasons: [] },
  // ... but the whole run still judges them
  { why: 'sparse yet late over the whole run', dropped: 0, runLag: 40, intervals: [iv(60, 1, 100)], bound: true, reasons: [/schedule lag p99 40 ms/] },
  // a sparse interval breaks a run of dense lagging ones
  { why: 'sparse interval between dense', dropped: 0, intervals: [iv(11), iv(11, 1, 10), iv(11)], bound: false, reasons: [] },
  // event-loop stalls for two intervals in a row
  { why: 'event loop blocked', dropped: 0, intervals: [iv(1, 60), iv(1, 70)], bound: true, reasons: [/event-loop delay p99 above 50 ms for 2 consecutive intervals \(#0-#1, worst 70 ms\)/] },
  // a single event-loop spike is tolerated
  { why: 'event loop spike', dropped: 0, intervals: [iv(1, 200), iv(1, 1)], bound: false, reasons: [] },
  // every reason is listed, not only the first
  { why: 'all at once', dropped: 5, runLag: 60, intervals: [iv(60, 60), iv(60, 60)], bound: true, reasons: [/dropped/, /consecutive intervals/, /reached 60 ms/, /whole run/, /event-loop/] },
  // no intervals at all (nothing reported) is not bound by itself
  { why: 'empty', dropped: 0, intervals: [], bound: false, reasons: [] },
];

test('judgeGenerator table', () => {
  for (const row of healthRows) {
    const intervals = row.intervals.map((x, index) => ({ index, scheduleLagP99MsMax: x.lag, eventLoopDelayP99MsMax: x.el, sent: x.sent, agents: x.agents }));
    const got = judgeGenerator({ dropped: row.dropped, scheduleLagP99MsWholeRun: row.runLag ?? 0 }, intervals);
    assert.equal(got.generatorBound, row.bound, row.why);
    assert.equal(got.reasons.length, row.reasons.length, `${row.why}: ${got.reasons.join(' | ')}`);
    row.reasons.forEach((re, k) => assert.match(got.reasons[k] ?? '', re, row.why));
  }
});

test('judgeGenerator honours custom limits', () => {
  const intervals = [{ index: 0, scheduleLagP99MsMax: 3, eventLoopDelayP99MsMax: 0, sent: 10, agents: 1 }];
  const strict = { ...DEFAULT_GENERATOR_LIMITS, scheduleLagP99Ms: 2, scheduleLagConsecutive: 1, maxDropped: 10, minArrivalsPerAgentInterval: 10 };
  assert.equal(judgeGenerator({ dropped: 10, scheduleLagP99MsWholeRun: 0 }, intervals, strict).reasons.length, 1);
});
