// A live change is decided once, where the user's words are parsed: the constructors hold the bounds
// every path shares (CLI, terminal, dashboard, Control) and give the same USAGE messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeChange, loopsChange, rateChange } from '../../../../common/protocol/live-change.js';
import type { LiveChange } from '../../../../common/protocol/live-change.js';

test('rateChange and loopsChange table: the change, or USAGE with the message every path gives', () => {
  const rows: { why: string; make: () => LiveChange; want: LiveChange | RegExp }[] = [
    // a rate with a ramp, for the test's one load model
    { why: 'rate', make: () => rateChange(300, 2_000), want: { kind: 'rate', rateRps: 300, rampMs: 2_000 } },
    // 0 is a rate: the open model pauses
    { why: 'rate 0', make: () => rateChange(0, 0), want: { kind: 'rate', rateRps: 0, rampMs: 0 } },
    // a named scenario is kept; '' means none
    { why: 'named scenario', make: () => rateChange(5, 0, 'web'), want: { kind: 'rate', rateRps: 5, rampMs: 0, scenario: 'web' } },
    { why: 'empty scenario', make: () => loopsChange(3, ''), want: { kind: 'loops', loops: 3 } },
    // the bounds of any test
    { why: 'the bound itself', make: () => rateChange(10_000_000, 0), want: { kind: 'rate', rateRps: 10_000_000, rampMs: 0 } },
    { why: 'above the bound', make: () => rateChange(10_000_001, 0), want: /^rate 10000001 must be at most 10000000 req\/s \(10 million\)/ },
    { why: 'negative rate', make: () => rateChange(-1, 0), want: /^rate must be a number >= 0, got -1$/ },
    { why: 'not a number', make: () => rateChange(Number.NaN, 0), want: /^rate must be a number >= 0, got NaN$/ },
    { why: 'negative ramp', make: () => rateChange(5, -1), want: /^ramp must be a duration >= 0, got -1 ms$/ },
    { why: 'ramp beyond a uint32', make: () => rateChange(5, 2 ** 32), want: /^ramp must be at most 4294967295 ms/ },
    // loops: whole and at least 1
    { why: 'loops', make: () => loopsChange(7, 'api'), want: { kind: 'loops', loops: 7, scenario: 'api' } },
    { why: 'no loops', make: () => loopsChange(0), want: /^concurrency must be a whole number >= 1$/ },
    { why: 'a fraction of a loop', make: () => loopsChange(2.5), want: /^concurrency must be a whole number >= 1$/ },
  ];
  for (const row of rows) {
    if (row.want instanceof RegExp) {
      const re = row.want;
      assert.throws(row.make, (e: unknown) => (e as { code?: string }).code === 'USAGE' && re.test((e as Error).message), row.why);
    } else {
      assert.deepEqual(row.make(), row.want, row.why);
    }
  }
});

test('describeChange: what the timeline and the notices say', () => {
  assert.equal(describeChange(rateChange(300, 0)), 'rate -> 300/s');
  assert.equal(describeChange(rateChange(300, 2_000)), 'rate -> 300/s over 2000 ms');
  assert.equal(describeChange(loopsChange(5)), 'concurrency -> 5');
});
