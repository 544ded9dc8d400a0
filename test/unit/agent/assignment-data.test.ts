// An agent's data: chunked files joined and checked before it starts (else a Failure naming what is
// missing or corrupt), and `unique` rows taken from the coordinator's blocks, asked for when low and
// accounted for at the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UniqueFeed, MIN_WANT_ROWS } from '../../../agent/unique-feed.js';
import { DataInbox, prepareData } from '../../../agent/assignment-data.js';
import { refOf, splitRows } from '../../../common/data/data-chunks.js';
import type { AgentPlan } from '../../../common/plan/agent-plan.js';
import type { Program } from '../../../common/flow/program.js';
import type { CoordMsg, DataChunkMsg } from '../../../common/protocol/messages.js';
import { PLAN, WELCOME, setup } from '../../helpers/agent-session.js';

const rowsOf = (from: number, n: number): Record<string, unknown>[] => Array.from({ length: n }, (_, i) => ({ id: from + i }));
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('UniqueFeed: rows in arrival order, asks once when down to half the last block, accounts for the untaken ranges', () => {
  const wants: number[] = [];
  const feed = new UniqueFeed((n) => wants.push(n));
  feed.addBlock([{ start: 0, end: 20 }, { start: 50, end: 60 }], rowsOf(0, 30), false);
  const taken: unknown[] = [];
  for (let i = 0; i < 14; i++) taken.push(feed.next()?.id);
  assert.deepEqual(taken, Array.from({ length: 14 }, (_, i) => i));
  assert.deepEqual(wants, [], '16 left of a 30-row block: not yet low');
  feed.next();
  assert.deepEqual(wants, [30], 'at half the last block: one request, sized like it');
  for (let i = 0; i < 5; i++) feed.next();
  assert.deepEqual(wants, [30], 'never two requests outstanding');
  assert.equal(feed.remaining(), 10);
  assert.deepEqual(feed.account(), { used: 20, unused: [{ start: 50, end: 60 }] });
  assert.equal(feed.next(), undefined, 'closed after the account');
});

test('UniqueFeed: runs dry -> undefined and a doubled request; an empty "exhausted" answer stops asking until rows come', () => {
  const wants: number[] = [];
  const feed = new UniqueFeed((n) => wants.push(n));
  assert.equal(feed.next(), undefined, 'no rows yet');
  assert.ok(feed.mayRefill(), 'dry, but rows are on their way (a closed-model loop waits for them)');
  assert.deepEqual(wants, [MIN_WANT_ROWS * 2], 'ran dry: asks for twice the last block (the minimum at first)');
  feed.addBlock([], [], true);
  assert.ok(!feed.mayRefill(), 'the pool said it is empty');
  assert.equal(feed.next(), undefined);
  assert.deepEqual(wants.length, 1, 'the pool is empty: no more asking');
  feed.addBlock([{ start: 7, end: 9 }], rowsOf(7, 2), false);
  assert.equal(feed.next()?.id, 7, 'returned rows pushed to a starving agent are used');
  assert.equal(wants.length, 2, 'and it may ask again');
  assert.deepEqual(feed.account(), { used: 1, unused: [{ start: 8, end: 9 }] });
  assert.ok(!feed.mayRefill(), 'accounted: no more rows');
});

const program = (data: Program['data']): Program => ({
  requests: { a: { url: 'http://127.0.0.1:1/', method: 'GET', headers: {}, timeoutMs: 1000, checks: [] } },
  flows: [{ name: 'a', weight: 1, steps: [{ request: 'a', extract: {}, checks: [], thinkMs: 0 }] }], variables: {}, data, origins: ['http://127.0.0.1:1'],
});
const bigRows = rowsOf(0, 400);
const { ref, pieces } = splitRows(bigRows, 1000);
const chunkMsgs = (assignment = 1): DataChunkMsg[] => pieces.map((data, index) => ({ kind: 'data-chunk', runId: 'r1', assignment, feeder: 'big', index, count: pieces.length, data }));
const dataPlan: AgentPlan = {
  ...PLAN,
  program: program({
    big: { mode: 'sequential', rows: [], totalRows: 400, chunked: ref },
    users: { mode: 'unique', rows: [], totalRows: 100, blocks: true },
  }),
};
const firstBlock: CoordMsg = { kind: 'row-block', runId: 'r1', assignment: 1, feeder: 'users', ranges: [{ start: 0, end: 40 }], rows: rowsOf(1000, 40), exhausted: false };

test('prepareData: chunked rows land in the plan; unique feeders get their first block; each failure is named', () => {
  const inbox = new DataInbox();
  for (const m of [...chunkMsgs().reverse(), firstBlock]) inbox.add(m as DataChunkMsg);
  const ok = prepareData(dataPlan, inbox.take('r1', 1), () => {});
  assert.ok(ok.ok);
  assert.deepEqual(ok.plan.program?.data.big?.rows, bigRows);
  assert.equal(ok.feeds.get('users')?.remaining(), 40);

  // [why, messages, expected failure]
  const rows: [string, CoordMsg[], RegExp][] = [
    ['a piece missing', chunkMsgs().filter((m) => m.index !== 1), /data "big": piece\(s\) 1 of \d+ missing/],
    ['pieces of another assignment only', chunkMsgs(2), /none of its \d+ piece/],
    ['a piece corrupted', chunkMsgs().map((m) => (m.index === 0 ? { ...m, data: Buffer.from(m.data.toString().replace('"id"', '"ID"')) } : m)), /SHA-256/],
    ['rows for a feeder the plan does not block-feed', [...chunkMsgs(), { ...firstBlock, feeder: 'big' } as CoordMsg], /does not hand out in blocks/],
  ];
  for (const [why, msgs, re] of rows) {
    const box = new DataInbox();
    for (const m of msgs) box.add(m as DataChunkMsg);
    const got = prepareData(dataPlan, box.take('r1', 1), () => {});
    assert.ok(!got.ok, why);
    assert.match(got.why, re, why);
  }
  // Pieces not cut at rows (whole, hash right, but not each a JSON array): refused, naming the piece.
  const bytes = Buffer.from(JSON.stringify(bigRows));
  const halves = [bytes.subarray(0, 100), bytes.subarray(100)];
  const cut = new DataInbox();
  halves.forEach((data, index) => cut.add({ kind: 'data-chunk', runId: 'r1', assignment: 1, feeder: 'big', index, count: 2, data }));
  const notRows = prepareData({ ...dataPlan, program: program({ big: { mode: 'random', rows: [], totalRows: 400, chunked: refOf(halves) } }) }, cut.take('r1', 1), () => {});
  assert.ok(!notRows.ok && /data "big" piece 0 is not JSON/.test(notRows.why), JSON.stringify(notRows));
  const wrongCount = prepareData({ ...dataPlan, program: program({ big: { mode: 'random', rows: [], totalRows: 401, chunked: ref } }) }, (() => { const b = new DataInbox(); for (const m of chunkMsgs()) b.add(m); return b.take('r1', 1); })(), () => {});
  assert.ok(!wrongCount.ok && /400 rows arrived, the plan says 401/.test(wrongCount.why));
});

test('session: data arrives ahead of the Assign; the engine gets the joined rows and the unique feed; wants and the account go to the coordinator, before Done', async () => {
  const { dialer, engines, session } = setup();
  session.start();
  const link = dialer.last;
  link.deliver(WELCOME);
  for (const m of chunkMsgs()) link.deliver(m);
  link.deliver(firstBlock);
  link.deliver({ kind: 'assign', runId: 'r1', assignment: 1, planJson: JSON.stringify(dataPlan) });
  const engine = engines[0];
  assert.ok(engine !== undefined, `started; sent ${JSON.stringify(link.sent.filter((m) => m.kind === 'failure'))}`);
  assert.deepEqual(engine.plan?.program?.data.big?.rows.length, 400);
  const users = engine.pickers?.get('users');
  assert.ok(users !== undefined);
  for (let i = 0; i < 25; i++) users.next();
  assert.deepEqual(link.sent.filter((m) => m.kind === 'rows-wanted'), [{ kind: 'rows-wanted', runId: 'r1', assignment: 1, feeder: 'users', rows: 40 }]);
  link.deliver({ kind: 'row-block', runId: 'r1', assignment: 1, feeder: 'users', ranges: [{ start: 60, end: 70 }], rows: rowsOf(60, 10), exhausted: false });
  assert.equal(users.remaining(), 25);
  engine.finish();
  await tick();
  const kinds = link.sent.map((m) => m.kind);
  assert.deepEqual(kinds.slice(kinds.indexOf('rows-account')), ['rows-account', 'done'], 'the account comes right before Done');
  assert.deepEqual(link.sent.find((m) => m.kind === 'rows-account'), { kind: 'rows-account', runId: 'r1', assignment: 1, feeder: 'users', used: 25, unused: [{ start: 25, end: 40 }, { start: 60, end: 70 }] });
});

test('session: a data file that did not arrive whole is refused with a Failure naming it, and nothing starts', () => {
  const { dialer, engines, session } = setup();
  session.start();
  const link = dialer.last;
  link.deliver(WELCOME);
  for (const m of chunkMsgs().slice(1)) link.deliver(m);
  link.deliver({ kind: 'assign', runId: 'r1', assignment: 1, planJson: JSON.stringify(dataPlan) });
  assert.equal(engines.length, 0);
  const f = link.sent.find((m) => m.kind === 'failure');
  assert.ok(f !== undefined && f.kind === 'failure');
  assert.equal(f.code, 'PLAN_INVALID');
  assert.match(f.message, /data did not arrive whole: data "big": piece\(s\) 0 of \d+ missing/);
});
