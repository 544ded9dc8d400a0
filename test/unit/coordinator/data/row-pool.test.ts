// The `unique` row pool: blocks handed out fairly, accounts, losses, and the invariants that make
// "each row at most once" hold fleet-wide whatever order things happen in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RowPool } from '../../../../coordinator/data/row-pool.js';
import { blockRowsFor } from '../../../../coordinator/data/delivery.js';
import { rangeCount } from '../../../../common/data/row-ranges.js';
import type { RowRange } from '../../../../common/data/row-ranges.js';
import { prng } from '../../../helpers/prng.js';

const R = (start: number, end: number): RowRange => ({ start, end });

test('grant: lowest rows first, at most the holder\'s fair part of what is free', () => {
  // [why, rows, grants as [holder, wanted, sharers], expected ranges per grant]
  const rows: [string, number, [string, number, number][], RowRange[][]][] = [
    ['one holder gets what it wants', 100, [['a', 30, 1]], [[R(0, 30)]]],
    ['two sharers: each at most half of what is free', 100, [['a', 80, 2], ['b', 80, 1]], [[R(0, 50)], [R(50, 100)]]],
    ['three sharers: each a third of what is free at its turn', 90, [['a', 40, 3], ['b', 40, 3], ['c', 90, 1]], [[R(0, 30)], [R(30, 50)], [R(50, 90)]]],
    ['few rows left: at least 16 per grant, so the end is not a stream of tiny blocks', 20, [['a', 50, 4], ['b', 50, 4]], [[R(0, 16)], [R(16, 20)]]],
    ['nothing free: an empty grant', 5, [['a', 5, 1], ['b', 5, 1]], [[R(0, 5)], []]],
    ['an empty file: nothing to give', 0, [['a', 5, 1]], [[]]],
  ];
  for (const [why, n, grants, want] of rows) {
    const pool = new RowPool(n);
    grants.forEach(([holder, wanted, sharers], k) => assert.deepEqual(pool.grant(holder, wanted, sharers), want[k], `${why}: grant ${k}`));
  }
});

test('account and lose: returned rows go back to the pool and are handed out again; lost rows never are', () => {
  const pool = new RowPool(100);
  pool.grant('a', 40);
  pool.grant('b', 40);
  // a took 25 and returns [25, 40); b dies holding [40, 80).
  assert.deepEqual(pool.account('a', 25, [R(25, 40)]), { returned: 15, lost: 0, problem: undefined });
  assert.equal(pool.lose('b'), 40);
  assert.deepEqual(pool.grant('c', 100), [R(25, 40), R(80, 100)], 'returned and never-given rows; b\'s rows are gone');
  assert.deepEqual(pool.grant('a', 5), [], 'a closed holder gets nothing more');
  assert.deepEqual(pool.account('c', 35, []), { returned: 0, lost: 0, problem: undefined });
  assert.deepEqual(pool.summary(), { rows: 100, handedOut: 115, used: 60, returned: 15, lost: 40, outstanding: 0, left: 0 });
});

test('account: what does not add up is counted lost and named, never re-issued', () => {
  // [why, used, unused, result]
  const rows: [string, number, RowRange[], { returned: number; lost: number; problem: RegExp | undefined }][] = [
    ['used and returned cover the block', 6, [R(6, 10)], { returned: 4, lost: 0, problem: undefined }],
    ['fewer used than taken: the gap is lost', 3, [R(6, 10)], { returned: 4, lost: 3, problem: undefined }],
    ['more used than held', 9, [R(6, 10)], { returned: 4, lost: 0, problem: /reported 9 row\(s\) used of 6/ }],
    ['returns rows it never held: ignored', 6, [R(6, 12)], { returned: 4, lost: 0, problem: /did not hold/ }],
  ];
  for (const [why, used, unused, want] of rows) {
    const pool = new RowPool(20);
    pool.grant('a', 10);
    const got = pool.account('a', used, unused);
    assert.equal(got.returned, want.returned, why);
    assert.equal(got.lost, want.lost, why);
    if (want.problem === undefined) assert.equal(got.problem, undefined, why);
    else assert.match(got.problem ?? '', want.problem, why);
    assert.equal(pool.freeRows, 10 + want.returned, `${why}: only rows it held come back`);
    assert.match(pool.account('a', 0, []).problem ?? '', /already accounted/, `${why}: a second account changes nothing`);
  }
});

test('invariants under random interleavings: no row outstanding twice, never re-issued once used or lost; the books balance', () => {
  const r = prng(42);
  for (let round = 0; round < 200; round++) {
    const total = Math.floor(r() * 300);
    const pool = new RowPool(total);
    const held = new Map<string, RowRange[]>();
    const gone = new Set<number>(); // used or lost: must never be handed out again
    let next = 0;
    for (let step = 0; step < 40; step++) {
      const op = r();
      const keys = [...held.keys()];
      if (op < 0.5 || keys.length === 0) {
        const key = r() < 0.3 || keys.length === 0 ? `h${next++}` : (keys[Math.floor(r() * keys.length)] as string);
        if (!pool.isOpen(key)) continue;
        const got = pool.grant(key, 1 + Math.floor(r() * 50), 1 + Math.floor(r() * 4));
        for (const x of got) for (let i = x.start; i < x.end; i++) {
          assert.ok(!gone.has(i), `row ${i} handed out again after it was used or lost`);
          for (const other of held.values()) assert.ok(!other.some((o) => i >= o.start && i < o.end), `row ${i} outstanding twice`);
        }
        held.set(key, [...(held.get(key) ?? []), ...got]);
      } else {
        const key = keys[Math.floor(r() * keys.length)] as string;
        const mine = held.get(key) as RowRange[];
        held.delete(key);
        const flat = mine.flatMap((x) => Array.from({ length: x.end - x.start }, (_, k) => x.start + k));
        if (op < 0.8) {
          const used = Math.floor(r() * (flat.length + 1));
          for (const i of flat.slice(0, used)) gone.add(i);
          const back = flat.slice(used).map((i) => R(i, i + 1));
          pool.account(key, used, back);
        } else {
          for (const i of flat) gone.add(i);
          pool.lose(key);
        }
      }
      const s = pool.summary();
      assert.equal(s.handedOut, s.used + s.returned + s.lost + s.outstanding, 'handed out = used + returned + lost + outstanding');
      assert.equal(s.left + s.outstanding + s.used + s.lost, total, 'every row is somewhere');
      assert.equal(s.outstanding, [...held.values()].reduce((n, x) => n + rangeCount(x), 0));
    }
  }
});

test('blockRowsFor: about the first 5 s of the agent\'s arrivals plus a quarter, at least 16', () => {
  // [why, plan, rows]
  const rows: [string, Parameters<typeof blockRowsFor>[0], number][] = [
    ['open, 10/s steady: 50 arrivals', { model: 'open', warmupMs: 0, segments: [{ durationMs: 60_000, from: 10, to: 10 }] }, 63],
    ['open, 2 s warm-up at 10/s (20), then 3 s of a ramp 10 -> 20 over 6 s (37.5)', { model: 'open', warmupMs: 2_000, segments: [{ durationMs: 6_000, from: 10, to: 20 }] }, 72],
    ['open, tiny rate: the minimum', { model: 'open', warmupMs: 0, segments: [{ durationMs: 10_000, from: 0.5, to: 0.5 }] }, 16],
    ['open, ramp from 0: warm-up runs at the first non-zero end', { model: 'open', warmupMs: 5_000, segments: [{ durationMs: 10_000, from: 0, to: 40 }] }, 250],
    ['closed, 4 loops: 10 iterations a loop a second', { model: 'closed', warmupMs: 0, segments: [{ durationMs: 10_000, from: 4, to: 4 }] }, 250],
  ];
  for (const [why, plan, want] of rows) assert.equal(blockRowsFor(plan), want, why);
});

test('account: rows handed out after what the holder had received (still on their way) come back, not lost', () => {
  // [why, grants to a (wanted each), used, unused, result]: a's blocks reach it in the order handed out;
  // its account covers the first used + unused rows of them.
  const rows: [string, number[], number, RowRange[], { returned: number; lost: number; problem: RegExp | undefined }][] = [
    // its last ask was answered after it accounted: that block of 16 was in flight
    ['the answer to its last ask crossed its account', [20, 16], 14, [R(14, 20)], { returned: 22, lost: 0, problem: undefined }],
    // it had taken every row it received
    ['all received rows used, the next block in flight', [20, 16], 20, [], { returned: 16, lost: 0, problem: undefined }],
    // two blocks received, the third in flight
    ['a prefix of several blocks', [10, 10, 16], 15, [R(15, 20)], { returned: 21, lost: 0, problem: undefined }],
    // the unused ranges are not within the rows it can have received: no prefix applies, the gap is lost
    ['unused beyond the received prefix', [20, 16], 3, [R(10, 20)], { returned: 10, lost: 23, problem: undefined }],
    // more used than it held is still a problem
    ['more used than held', [20, 16], 40, [], { returned: 0, lost: 0, problem: /reported 40 row\(s\) used of 36/ }],
  ];
  for (const [why, grants, used, unused, want] of rows) {
    const pool = new RowPool(100);
    for (const n of grants) pool.grant('a', n);
    const got = pool.account('a', used, unused);
    assert.deepEqual([got.returned, got.lost], [want.returned, want.lost], why);
    if (want.problem === undefined) assert.equal(got.problem, undefined, why);
    else assert.match(got.problem ?? '', want.problem, why);
    const s = pool.summary();
    assert.equal(s.handedOut, s.used + s.returned + s.lost + s.outstanding, `${why}: the books balance`);
    assert.equal(s.left + s.used + s.lost, 100, `${why}: every row is somewhere`);
  }
  // The returned in-flight rows are handed out again; the used ones never.
  const pool = new RowPool(40);
  pool.grant('a', 20);
  pool.grant('a', 16);
  pool.account('a', 14, [R(14, 20)]);
  assert.deepEqual(pool.grant('b', 100), [R(14, 40)]);
});
