// A run's data hand-out, driven through TestRun by hand (fake agents, manual clock): chunked files and
// the first `unique` block go ahead of each Assign; a joiner gets rows from what is left; wants are
// answered; a leaver's unused rows reach a starving agent; a dead agent's rows are lost, never re-issued;
// the report's books balance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CoordMsg, RowBlockMsg } from '../../../../common/protocol/messages.js';
import { agentPlanSchema } from '../../../../common/plan/agent-plan.js';
import { emptyStats } from '../../../../common/metrics/stats.js';
import { validateScenario } from '../../../../common/scenario/scenario.js';
import type { Scenario } from '../../../../common/scenario/scenario.js';
import type { Program } from '../../../../common/flow/program.js';
import { rangeCount } from '../../../../common/data/row-ranges.js';
import { TestRun } from '../../../../coordinator/run/test-run.js';
import { BLOCK_BYTES, INLINE_DATA_BYTES, RunData, sendPiecesAhead } from '../../../../coordinator/data/delivery.js';
import { CHUNK_BYTES, splitRows } from '../../../../common/data/data-chunks.js';
import { ManualClock } from '../../../helpers/manual-clock.js';

const rows = (n: number, pad = ''): Record<string, unknown>[] => Array.from({ length: n }, (_, i) => ({ id: String(i), pad }));

function scenarioWith(data: Program['data']): Scenario {
  const v = validateScenario({ request: { url: 'http://127.0.0.1:1/' }, load: { model: 'open', rate: 10, duration: '10s' } });
  if (!v.ok) throw new Error('bad scenario');
  const program: Program = {
    requests: { a: { url: 'http://127.0.0.1:1/{{ users.id }}', method: 'GET', headers: {}, timeoutMs: 1000, checks: [] } },
    flows: [{ name: 'a', weight: 1, steps: [{ request: 'a', extract: {}, checks: [], thinkMs: 0 }] }], variables: {}, data, origins: ['http://127.0.0.1:1'],
  };
  return { ...v.scenario, program };
}

function setup(data: Program['data']) {
  const clock = new ManualClock();
  const sent: { to: string; m: CoordMsg }[] = [];
  const notices: string[] = [];
  const run = new TestRun({
    runId: 'r1', scenario: scenarioWith(data), agents: [{ id: 'a', host: 'ha' }, { id: 'b', host: 'hb' }], clock, startedAtEpochMs: 0, snapshotIntervalMs: 1_000,
    send: (to, m) => { sent.push({ to, m }); return true; },
    listener: { onTick: () => {}, onNotice: (level, m) => notices.push(`${level}: ${m}`) }, finishGraceMs: 5_000,
  });
  const blocks = (to: string): RowBlockMsg[] => sent.filter((s) => s.to === to && s.m.kind === 'row-block').map((s) => s.m as RowBlockMsg);
  const held = (to: string): number => blocks(to).reduce((n, b) => n + rangeCount(b.ranges), 0);
  const done = (agent: string, assignment = 1): void => run.onAgentMessage(agent, { kind: 'done', runId: 'r1', assignment, lastSeq: 0, main: emptyStats(), warmup: emptyStats(), durationMs: 10_000 });
  return { clock, run, sent, notices, blocks, held, done };
}

test('ahead of each Assign: the chunked file\'s pieces, then the first unique block, fair between the agents; the plan carries no unique rows', () => {
  const big = rows(Math.ceil((INLINE_DATA_BYTES * 1.5) / 20), 'x'.repeat(10));
  const { run, sent, held } = setup({ users: { mode: 'unique', rows: rows(1000), totalRows: 1000 }, big: { mode: 'sequential', rows: big, totalRows: big.length } });
  run.start();
  for (const agent of ['a', 'b']) {
    const kinds = sent.filter((s) => s.to === agent).map((s) => s.m.kind);
    assert.deepEqual([...new Set(kinds)], ['data-chunk', 'row-block', 'assign'], `${agent}: pieces, block, then the assign`);
    const assign = sent.find((s) => s.to === agent && s.m.kind === 'assign')!.m as { planJson: string };
    const plan = agentPlanSchema.parse(JSON.parse(assign.planJson));
    assert.deepEqual(plan.program?.data.users, { mode: 'unique', totalRows: 1000, rows: [], blocks: true });
    assert.equal(plan.program?.data.big?.rows.length, 0);
    assert.equal(plan.program?.data.big?.chunked?.chunks, kinds.filter((k) => k === 'data-chunk').length);
  }
  // 5 req/s each for 5 s, plus a quarter: 32 rows each, well under half of the pool.
  assert.equal(held('a'), 32);
  assert.equal(held('b'), 32);
});

test('wants are answered from the pool; a joiner gets rows from what is left; the pool never gives a row twice', () => {
  const { run, sent, blocks, held, done } = setup({ users: { mode: 'unique', rows: rows(100), totalRows: 100 } });
  run.start();
  run.onAgentMessage('a', { kind: 'ready', runId: 'r1', assignment: 1 });
  run.onAgentMessage('b', { kind: 'ready', runId: 'r1', assignment: 1 });
  run.onAgentMessage('a', { kind: 'rows-wanted', runId: 'r1', assignment: 1, feeder: 'users', rows: 30 });
  assert.equal(held('a'), 32 + 18, 'a gets its fair half of the 36 left (2 live agents)');
  assert.ok(run.join('c', 'hc'));
  const cKinds = sent.filter((s) => s.to === 'c').map((s) => s.m.kind);
  assert.deepEqual(cKinds.slice(0, 2), ['row-block', 'assign']);
  assert.equal(held('c'), 16, 'the joiner: a third of the 18 left, but at least 16 while there are');
  const seen = new Set<number>();
  for (const agent of ['a', 'b', 'c']) for (const b of blocks(agent)) for (const r of b.ranges) for (let i = r.start; i < r.end; i++) {
    assert.ok(!seen.has(i), `row ${i} handed out twice`);
    seen.add(i);
  }
  // Rows of each block are the file's rows at its ranges.
  const b0 = blocks('c')[0]!;
  assert.equal(b0.rows[0]?.id, String(b0.ranges[0]!.start));
  // b leaves, returning what it did not use; c, starving, gets those rows at once.
  run.onAgentMessage('c', { kind: 'rows-wanted', runId: 'r1', assignment: 1, feeder: 'users', rows: 50 });
  assert.equal(held('c'), 18, 'the last 2 rows');
  run.onAgentMessage('c', { kind: 'rows-wanted', runId: 'r1', assignment: 1, feeder: 'users', rows: 50 });
  const empty = blocks('c').at(-1)!;
  assert.ok(empty.rows.length === 0 && empty.exhausted, 'nothing left: an empty, exhausted answer');
  run.onAgentMessage('b', { kind: 'leaving', runId: 'r1', assignment: 1, reason: 'bye' });
  run.onAgentMessage('b', { kind: 'rows-account', runId: 'r1', assignment: 1, feeder: 'users', used: 20, unused: [{ start: 52, end: 64 }] });
  done('b');
  assert.deepEqual(blocks('c').at(-1)!.ranges, [{ start: 52, end: 64 }], 'b\'s unused rows go to the starving c');
});

test('a dead agent\'s rows are lost and named; the report balances: handed out = used + returned + lost', async () => {
  const { clock, run, notices, held, done } = setup({ users: { mode: 'unique', rows: rows(100), totalRows: 100 } });
  run.start();
  run.onAgentMessage('a', { kind: 'ready', runId: 'r1', assignment: 1 });
  run.onAgentMessage('b', { kind: 'ready', runId: 'r1', assignment: 1 });
  run.onAgentLeft('b', 'stream ended');
  assert.ok(notices.some((n) => /32 unique row\(s\) held by agent b are lost/.test(n)), notices.join('\n'));
  run.onAgentMessage('a', { kind: 'rows-account', runId: 'r1', assignment: 1, feeder: 'users', used: 30, unused: [{ start: 30, end: 32 }] });
  done('a');
  clock.advance(15_000); // b never comes back to resend its figures: given up on (10 s + 5 s grace)
  const report = await run.report;
  assert.deepEqual(report.data?.users, { rows: 100, handedOut: held('a') + held('b'), used: 30, returned: 2, lost: 32, outstanding: 0, left: 38 });
});

test('an agent that ends without its account: its rows are counted lost, not silently dropped', async () => {
  const { run, done } = setup({ users: { mode: 'unique', rows: rows(100), totalRows: 100 } });
  run.start();
  done('a');
  done('b');
  const report = await run.report;
  assert.equal(report.data?.users?.lost, 64);
  assert.equal(report.data?.users?.used, 0);
});

test('a grant larger than one message goes in several blocks of at most BLOCK_BYTES, covering its ranges in order', () => {
  const sent: CoordMsg[] = [];
  const big = rows(3000, 'y'.repeat(4000));
  const data = new RunData({ runId: 'r', program: scenarioWith({ users: { mode: 'unique', rows: big, totalRows: big.length } }).program, send: (_to, m) => { sent.push(m); return true; }, notice: () => {} });
  data.onRowsWanted('a', 'a', { kind: 'rows-wanted', runId: 'r', assignment: 1, feeder: 'users', rows: 3000 }, 1);
  const blocks = sent as RowBlockMsg[];
  assert.ok(blocks.length >= 3, `${blocks.length} blocks`);
  for (const b of blocks) assert.ok(JSON.stringify(b.rows).length <= BLOCK_BYTES + 2, 'each under the block size');
  assert.deepEqual(blocks.flatMap((b) => b.rows.map((r) => r.id)), big.map((r) => r.id));
  assert.ok(blocks.slice(0, -1).every((b) => !b.exhausted) && blocks.at(-1)!.exhausted, 'only the last says the pool is empty');
  assert.ok(CHUNK_BYTES <= BLOCK_BYTES * 4);
});

test('sendPiecesAhead: one piece at a time per agent, waiting for its send buffer in between; agents served in parallel; a closed stream stops it', async () => {
  const big = rows(2000, 'z'.repeat(50));
  const pieces = new Map([['big', splitRows(big, 20_000)]]);
  const n = pieces.get('big')!.pieces.length;
  const events: string[] = [];
  const release: Record<string, (() => void)[]> = { a: [], b: [], gone: [] };
  let goneSends = 0;
  const done = sendPiecesAhead(pieces, 'r1', [{ agentId: 'a', assignment: 1 }, { agentId: 'b', assignment: 1 }, { agentId: 'gone', assignment: 1 }], (to, m) => {
    if (to === 'gone' && ++goneSends > 2) return false;
    events.push(`${to}:${(m as { index: number }).index}`);
    return true;
  }, (to) => new Promise<void>((resolve) => release[to]!.push(resolve)));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(events, ['a:0', 'b:0', 'gone:0'], 'each agent gets one piece, then waits for its buffer');
  for (let i = 1; i < n + 2; i++) {
    for (const k of ['a', 'b', 'gone']) release[k]!.splice(0).forEach((f) => f());
    await new Promise((r) => setImmediate(r));
  }
  const ok = await done;
  assert.deepEqual([...ok].sort(), ['a', 'b']);
  assert.equal(events.filter((e) => e.startsWith('a:')).length, n);
  assert.deepEqual(events.filter((e) => e.startsWith('gone:')), ['gone:0', 'gone:1'], 'no piece after the stream closed');
});

test('grants stay within what the wire may name: at most 500,000 rows a grant, 100,000 a message', () => {
  const sent: RowBlockMsg[] = [];
  const many = Array.from({ length: 700_000 }, () => ({}));
  const data = new RunData({ runId: 'r', program: scenarioWith({ users: { mode: 'unique', rows: many, totalRows: many.length } }).program, send: (_to, m) => { sent.push(m as RowBlockMsg); return true; }, notice: () => {} });
  data.onRowsWanted('a', 'a', { kind: 'rows-wanted', runId: 'r', assignment: 1, feeder: 'users', rows: 1_000_000 }, 1);
  assert.equal(sent.reduce((n, b) => n + b.rows.length, 0), 500_000);
  assert.equal(sent.length, 5);
  assert.ok(sent.every((b) => b.rows.length <= 100_000));
});
