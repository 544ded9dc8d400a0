// Chunked data files: split, then joined by the ChunkAssembler whatever order, duplication or damage the
// pieces arrive with; every failure names what is wrong. And the row-range set algebra the `unique`
// hand-out stands on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkAssembler, RowTooLargeError, rowsFromJson, sha256Hex, splitChunks, splitRows } from '../../../../common/data/data-chunks.js';
import type { ChunkIn } from '../../../../common/data/data-chunks.js';
import { containsAll, normalize, rangeCount, rangesProblem, skipFirst, subtract, takeFirst } from '../../../../common/data/row-ranges.js';

const file = Buffer.from(JSON.stringify(Array.from({ length: 50 }, (_, i) => ({ id: i, name: `user-${i}` }))));
const { ref, pieces } = splitChunks(file, 100);
const chunk = (index: number, data = pieces[index] as Buffer, count = pieces.length): ChunkIn => ({ feeder: 'f', index, count, data });

test('splitChunks: pieces of at most chunkBytes that join back to the file; the reference names size, hash and count', () => {
  assert.equal(ref.bytes, file.length);
  assert.equal(ref.sha256, sha256Hex(file));
  assert.equal(ref.chunks, Math.ceil(file.length / 100));
  assert.ok(pieces.every((p) => p.length <= 100));
  assert.deepEqual(Buffer.concat(pieces), file);
  const empty = splitChunks(Buffer.alloc(0), 100);
  assert.equal(empty.ref.chunks, 1, 'an empty file is one empty piece');
});

test('ChunkAssembler: a table of arrivals and what join() says', () => {
  const n = pieces.length;
  const all = [...Array(n).keys()];
  const flipped = Buffer.from(pieces[3] as Buffer);
  flipped[0] = (flipped[0] as number) ^ 1;
  const rows: { why: string; arrive: ChunkIn[]; ok: boolean; message?: RegExp }[] = [
    { why: 'in order', arrive: all.map((i) => chunk(i)), ok: true },
    { why: 'out of order (reversed)', arrive: [...all].reverse().map((i) => chunk(i)), ok: true },
    { why: 'an exact duplicate is ignored', arrive: [...all.map((i) => chunk(i)), chunk(2), chunk(0)], ok: true },
    { why: 'one piece missing: named', arrive: all.filter((i) => i !== 4).map((i) => chunk(i)), ok: false, message: /piece\(s\) 4 of \d+ missing/ },
    { why: 'nothing arrived', arrive: [], ok: false, message: /none of its/ },
    { why: 'a piece damaged in transit: the hash says so', arrive: all.map((i) => (i === 3 ? chunk(3, flipped) : chunk(i))), ok: false, message: /SHA-256/ },
    { why: 'a duplicate with other contents: corrupt', arrive: [...all.map((i) => chunk(i)), chunk(1, Buffer.from('x'))], ok: false, message: /twice with different contents/ },
    { why: 'a piece with another count: corrupt', arrive: [...all.map((i) => chunk(i)), chunk(0, pieces[0], n + 1)], ok: false, message: /says \d+ pieces/ },
    { why: 'all pieces but a count the plan does not expect', arrive: all.map((i) => chunk(i, pieces[i], n + 1)).concat([chunk(n, Buffer.from('zz'), n + 1)]), ok: false, message: /the plan says/ },
    { why: 'a piece cut short: size differs', arrive: all.map((i) => (i === n - 1 ? chunk(i, (pieces[i] as Buffer).subarray(1)) : chunk(i))), ok: false, message: /bytes arrived/ },
  ];
  for (const r of rows) {
    const a = new ChunkAssembler();
    for (const c of r.arrive) a.add(c);
    const got = a.join('f', ref);
    assert.equal(got.ok, r.ok, `${r.why}: ${got.ok ? 'ok' : got.why}`);
    if (got.ok) assert.deepEqual(Buffer.concat(got.pieces), file, r.why);
    else assert.match(got.why, r.message as RegExp, r.why);
    assert.equal(a.bytes, 0, `${r.why}: pieces released after join`);
  }
});

test('rowPieces: row-aligned pieces, each a JSON array of whole rows within the size; together the rows in order; a row too large alone is named', () => {
  const rows = Array.from({ length: 500 }, (_, i) => ({ id: i, name: `n-${'é'.repeat(i % 7)}` }));
  const { ref, pieces } = splitRows(rows, 300);
  assert.ok(pieces.length > 10);
  for (const p of pieces) assert.ok(p.length <= 300, `piece of ${p.length} bytes`);
  assert.deepEqual(pieces.flatMap((p) => rowsFromJson(p.toString('utf8'), 'piece')), rows);
  assert.equal(ref.chunks, pieces.length);
  assert.equal(ref.bytes, pieces.reduce((n, p) => n + p.length, 0));
  assert.equal(ref.sha256, sha256Hex(Buffer.concat(pieces)));
  assert.deepEqual(splitRows([], 300).pieces.map(String), ['[]'], 'no rows: one empty array');
  assert.throws(() => splitRows([{ a: 1 }, { big: 'x'.repeat(400) }], 300), (e: unknown) => e instanceof RowTooLargeError && /row 2 is/.test(e.message));
});

test('ChunkAssembler: more bytes than allowed fail at join, naming the limit, and are not kept', () => {
  const a = new ChunkAssembler(250);
  for (const i of pieces.keys()) a.add(chunk(i));
  assert.ok(a.bytes <= 250);
  const got = a.join('f', ref);
  assert.ok(!got.ok && /more than 250 bytes/.test(got.why));
});

test('ChunkAssembler: pieces of several feeders are kept apart; leftovers names those no plan asked for', () => {
  const a = new ChunkAssembler();
  for (const i of pieces.keys()) a.add(chunk(i));
  a.add({ feeder: 'other', index: 0, count: 1, data: Buffer.from('[]') });
  assert.ok(a.join('f', ref).ok);
  assert.deepEqual(a.leftovers(), ['other']);
});

test('rowsFromJson: an array of objects, else an error naming the row', () => {
  assert.deepEqual(rowsFromJson('[{"a":1}]', 'x'), [{ a: 1 }]);
  assert.throws(() => rowsFromJson('{', 'data "u"'), /data "u" is not JSON/);
  assert.throws(() => rowsFromJson('{}', 'x'), /not an array/);
  assert.throws(() => rowsFromJson('[{}, 3]', 'x'), /row 1 is not an object/);
});

test('row ranges: normal form, subtraction, containment, taking and skipping', () => {
  // [input, normal form]
  const norm: [[number, number][], [number, number][]][] = [
    [[[5, 7], [0, 2], [2, 3]], [[0, 3], [5, 7]]], // sorted, touching merged
    [[[0, 5], [3, 9], [9, 9]], [[0, 9]]], // overlapping merged, empty dropped
  ];
  const r = (xs: [number, number][]): { start: number; end: number }[] => xs.map(([start, end]) => ({ start, end }));
  for (const [input, want] of norm) assert.deepEqual(normalize(r(input)), r(want));
  assert.deepEqual(subtract(r([[0, 10]]), r([[2, 4], [6, 7]])), r([[0, 2], [4, 6], [7, 10]]));
  assert.deepEqual(subtract(r([[0, 3]]), r([[0, 3]])), []);
  assert.ok(containsAll(r([[0, 5], [8, 12]]), r([[1, 3], [9, 12]])));
  assert.ok(!containsAll(r([[0, 5]]), r([[4, 6]])));
  assert.deepEqual(takeFirst(r([[0, 3], [10, 15]]), 5), { taken: r([[0, 3], [10, 12]]), rest: r([[12, 15]]) });
  assert.deepEqual(skipFirst(r([[0, 3], [10, 15]]), 4), r([[11, 15]]));
  assert.equal(rangeCount(r([[0, 3], [10, 15]])), 8);
  assert.equal(rangesProblem(r([[0, 3], [3, 5]])), undefined, 'touching is allowed on the wire');
  assert.match(rangesProblem(r([[0, 3], [2, 5]])) ?? '', /overlaps/);
  assert.match(rangesProblem(r([[0, 3]]), 2) ?? '', /beyond 2 rows/);
  assert.match(rangesProblem([{ start: 0.5, end: 2 }]) ?? '', /whole numbers/);
});
