import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitInteger, splitRate } from '../../../../coordinator/schedule/split.js';
import { LoadfleetError } from '../../../../common/runtime/errors.js';

const sumInOrder = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

interface Row {
  why: string;
  total: number;
  ids: string[];
  weights?: Record<string, number>;
  want: number[];
}

const rateRows: Row[] = [
  // the common case: an even split
  { why: 'even split over two agents', total: 1000, ids: ['a', 'b'], want: [500, 500] },
  // 100/3 is not representable; the last agent absorbs the rounding so the sum is exact
  { why: 'thirds: remainder on the last agent', total: 100, ids: ['a', 'b', 'c'], want: [100 / 3, 100 / 3, 100 - 2 * (100 / 3)] },
  // one agent takes everything
  { why: 'single agent', total: 123.456, ids: ['solo'], want: [123.456] },
  // zero rate is valid (a stage may ramp from 0)
  { why: 'zero rate', total: 0, ids: ['a', 'b'], want: [0, 0] },
  // weights: a 3:1 machine split
  { why: 'weighted 3:1', total: 400, ids: ['big', 'small'], weights: { big: 3, small: 1 }, want: [300, 100] },
  // a zero-weight agent after the last positive one gets 0, and the remainder lands on the positive one
  { why: 'trailing zero weight', total: 10, ids: ['a', 'b', 'c'], weights: { a: 1, b: 1, c: 0 }, want: [5, 5, 0] },
  // no agents: nothing to split
  { why: 'empty fleet', total: 50, ids: [], want: [] },
];

test('splitRate table', () => {
  for (const row of rateRows) {
    const got = splitRate(row.total, row.ids, row.weights === undefined ? undefined : new Map(Object.entries(row.weights)));
    assert.deepEqual([...got.keys()], row.ids, row.why);
    assert.deepEqual([...got.values()], row.want, row.why);
    if (row.ids.length > 0) assert.equal(sumInOrder(got), row.total, `${row.why}: sum must be exact`);
  }
});

test('splitRate sums exactly for awkward random totals and fleet sizes', () => {
  let seed = 42;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let i = 0; i < 5000; i++) {
    const n = 1 + Math.floor(rand() * 17);
    const ids = Array.from({ length: n }, (_, k) => `agent-${k}`);
    const weights = rand() < 0.5 ? undefined : new Map(ids.map((id) => [id, Math.floor(rand() * 8)] as const));
    if (weights !== undefined && [...weights.values()].every((w) => w === 0)) weights.set('agent-0', 1);
    const total = rand() < 0.2 ? Math.floor(rand() * 10_000) : rand() * 1e5;
    const got = splitRate(total, ids, weights);
    assert.equal(sumInOrder(got), total, `total ${total} over ${n} agents`);
    for (const v of got.values()) assert.ok(v >= 0);
  }
});

const intRows: Row[] = [
  // divides evenly
  { why: 'even', total: 10, ids: ['a', 'b'], want: [5, 5] },
  // 10 over 3: one leftover unit; equal fractions, so the first agent in order takes it
  { why: 'ties broken by agent order', total: 10, ids: ['a', 'b', 'c'], want: [4, 3, 3] },
  // 11 over 3: two leftovers go to the first two
  { why: 'two leftovers', total: 11, ids: ['a', 'b', 'c'], want: [4, 4, 3] },
  // fewer units than agents: trailing agents get 0, nobody negative
  { why: 'fewer units than agents', total: 2, ids: ['a', 'b', 'c', 'd'], want: [1, 1, 0, 0] },
  // zero is fine
  { why: 'zero', total: 0, ids: ['a', 'b'], want: [0, 0] },
  // weights 1:2 of 10: quotas 3.33 and 6.67 -> the larger fractional part (b) takes the leftover
  { why: 'largest remainder wins over order', total: 10, ids: ['a', 'b'], weights: { a: 1, b: 2 }, want: [3, 7] },
  // zero-weight agents never get leftover units
  { why: 'zero weight gets nothing', total: 5, ids: ['a', 'z', 'b'], weights: { a: 1, z: 0, b: 1 }, want: [3, 0, 2] },
  // a big number over a prime fleet
  { why: 'large total', total: 1_000_003, ids: ['a', 'b', 'c', 'd', 'e', 'f', 'g'], want: [142858, 142858, 142858, 142858, 142857, 142857, 142857] },
];

test('splitInteger table', () => {
  for (const row of intRows) {
    const got = splitInteger(row.total, row.ids, row.weights === undefined ? undefined : new Map(Object.entries(row.weights)));
    assert.deepEqual([...got.values()], row.want, row.why);
    assert.equal(sumInOrder(got), row.total, `${row.why}: sum`);
    for (const v of got.values()) assert.ok(Number.isInteger(v) && v >= 0, row.why);
  }
});

test('splits reject caller bugs with INTERNAL', () => {
  const bad: Array<[string, () => unknown]> = [
    // a fractional whole-number split
    ['fractional integer total', () => splitInteger(2.5, ['a'])],
    // negative rate
    ['negative rate', () => splitRate(-1, ['a'])],
    // NaN rate
    ['NaN rate', () => splitRate(Number.NaN, ['a'])],
    // weight missing for one agent
    ['missing weight', () => splitRate(10, ['a', 'b'], new Map([['a', 1]]))],
    // all weights zero
    ['all zero weights', () => splitInteger(10, ['a', 'b'], new Map([['a', 0], ['b', 0]]))],
    // duplicate ids would silently double an agent's share
    ['duplicate ids', () => splitRate(10, ['a', 'a'])],
  ];
  for (const [why, fn] of bad) {
    assert.throws(fn, (e: unknown) => e instanceof LoadfleetError && e.code === 'INTERNAL', why);
  }
});
