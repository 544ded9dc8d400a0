// Data uploaded by the CLI ahead of a Start (Control.Upload): pieces joined and checked, kept by
// SHA-256 within a byte budget, and filled into the scenario's feeders (every problem named).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256Hex, splitRows } from '../../../../common/data/data-chunks.js';
import { LoadfleetError } from '../../../../common/runtime/errors.js';
import { uploadPieceFromWire } from '../../../../common/protocol/messages.js';
import type { UploadPiece } from '../../../../common/protocol/messages.js';
import { UploadIn, UploadStore } from '../../../../coordinator/data/upload-store.js';

/** What the Upload handler does: pieces into an UploadIn as they arrive, then into the store. */
function accept(store: UploadStore, pieces: readonly UploadPiece[]): ReturnType<UploadIn['finish']> {
  const up = new UploadIn();
  for (const p of pieces) up.add(p);
  const r = up.finish();
  if (r.ok) store.keep(r.sha256, r.bytes, r.rows);
  return r;
}

const file = (n: number, tag = 'u'): { rows: Record<string, unknown>[]; pieces: UploadPiece[]; sha: string; bytes: number } => {
  const rows = Array.from({ length: n }, (_, i) => ({ user: `${tag}${i}` }));
  const { ref, pieces } = splitRows(rows, 64);
  return { rows, sha: ref.sha256, bytes: ref.bytes, pieces: pieces.map((data, index) => ({ sha256: ref.sha256, bytes: ref.bytes, index, count: ref.chunks, data })) };
};
const scenario = (totalRows: number): { program: { data: Record<string, { rows: unknown[]; totalRows: number; mode: string }> } } => ({ program: { data: { users: { mode: 'unique', rows: [], totalRows } } } });

test('an upload in pieces (any order) fills the feeder it is named for, once; then it is gone', () => {
  const store = new UploadStore();
  const f = file(30);
  assert.deepEqual(accept(store, [...f.pieces].reverse()), { ok: true, sha256: f.sha, bytes: f.bytes, rows: f.rows });
  const s = scenario(30);
  assert.deepEqual(store.fill(s, { users: f.sha }), []);
  assert.deepEqual(s.program.data.users?.rows, f.rows);
  assert.equal(store.bytes, 0, 'taken by the Start');
  assert.match(store.fill(scenario(30), { users: f.sha })[0] ?? '', /not here \(not uploaded, or evicted/);
});

test('what does not add up is refused, naming it', () => {
  const store = new UploadStore();
  const f = file(30);
  // [why, pieces, message]
  const rows: [string, UploadPiece[], RegExp][] = [
    ['no pieces', [], /no pieces/],
    ['a piece missing', f.pieces.slice(1), /piece\(s\) 0 of/],
    ['a piece changed', f.pieces.map((p, i) => (i === 1 ? { ...p, data: Buffer.from(p.data.toString().replace('u', 'v')) } : p)), /SHA-256/],
    ['a piece that is not an array of rows (though size and hash match)', [{ sha256: sha256Hex(Buffer.from('{"a":1}')), bytes: 7, index: 0, count: 1, data: Buffer.from('{"a":1}') }], /piece 0 is not an array/],
    ['pieces of two files', [...f.pieces, ...file(3, 'x').pieces], /different files/],
  ];
  for (const [why, pieces, re] of rows) {
    const r = accept(store, pieces);
    assert.ok(!r.ok && re.test(r.why), `${why}: ${JSON.stringify(r)}`);
  }
  assert.ok(accept(store, f.pieces).ok);
  const problems = store.fill({ program: { data: { users: { mode: 'unique', rows: [], totalRows: 31 } } } }, { users: f.sha, other: f.sha });
  assert.deepEqual(problems.map((p) => p.replace(/[0-9a-f]{12}/, 'SHA')), [
    'data "users": the upload has 30 rows, the scenario says 31',
    'data_sha256 names feeder "other", which the scenario does not have',
  ]);
});

test('the store keeps at most its byte budget: the oldest uploads make room', () => {
  const a = file(40, 'a');
  const b = file(40, 'b');
  const store = new UploadStore(a.bytes + 10);
  assert.ok(accept(store, a.pieces).ok);
  assert.ok(accept(store, b.pieces).ok);
  assert.equal(store.bytes, b.bytes);
  assert.match(store.fill(scenario(40), { users: a.sha })[0] ?? '', /evicted/);
  assert.deepEqual(store.fill(scenario(40), { users: b.sha }), []);
});

test('upload pieces from the wire are checked: hash, size, index, count, piece size', () => {
  const ok = { sha256: 'a'.repeat(64), bytes: 10, index: 0, count: 1, data: Buffer.from('x') };
  assert.deepEqual(uploadPieceFromWire(ok), ok);
  const rows: [string, Partial<typeof ok>, RegExp][] = [
    ['a sha256 that is not hex', { sha256: 'zz' }, /sha256/],
    ['more bytes than the data limit', { bytes: 300 * 1024 * 1024 }, /bytes/],
    ['index not below count', { index: 1 }, /index/],
    ['count 0', { count: 0, index: 0 }, /count/],
    ['a piece over 4 MiB', { data: Buffer.alloc(4 * 1024 * 1024 + 1) }, /over/],
  ];
  for (const [why, over, re] of rows) {
    assert.throws(() => uploadPieceFromWire({ ...ok, ...over }), (e: unknown) => e instanceof LoadfleetError && e.code === 'PROTOCOL_VIOLATION' && re.test(e.message), why);
  }
});
