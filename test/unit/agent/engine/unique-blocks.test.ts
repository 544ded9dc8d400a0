// The engine with a `unique` feeder fed by the coordinator's blocks (agent/unique-feed.ts): closed-model
// loops that find the feeder dry while rows are on their way wait for them instead of stopping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine } from '../../../../agent/engine/engine.js';
import { UniqueFeed } from '../../../../agent/unique-feed.js';
import type { AgentPlan } from '../../../../common/plan/agent-plan.js';
import { startTarget } from '../../../helpers/target.js';

test('closed model: loops wait out a dry spell of a block-fed unique feeder and use the rows that come later; they stop once the pool is empty', async () => {
  const target = await startTarget();
  try {
    const origin = new URL(target.url).origin;
    const plan: AgentPlan = {
      runId: 'r', request: { url: `${origin}/`, method: 'GET', headers: {}, timeoutMs: 1_000 }, model: 'closed',
      segments: [{ durationMs: 1_200, from: 2, to: 2 }], warmupMs: 0, maxInFlight: 2, connections: 2, snapshotIntervalMs: 1_000,
      program: {
        requests: { get: { url: `${origin}/{{ u.id }}`, method: 'GET', headers: {}, timeoutMs: 1_000, checks: [] } },
        flows: [{ name: 'get', weight: 1, steps: [{ request: 'get', extract: {}, checks: [], thinkMs: 0 }] }],
        variables: {}, data: { u: { mode: 'unique', rows: [], totalRows: 10, blocks: true } }, origins: [origin],
      },
    };
    const rows = (from: number, n: number): Record<string, unknown>[] => Array.from({ length: n }, (_, i) => ({ id: String(from + i) }));
    let wants = 0;
    // The "coordinator": the second block comes 300 ms after the first ask, then the pool is empty.
    const feed: UniqueFeed = new UniqueFeed(() => {
      wants++;
      if (wants === 1) setTimeout(() => feed.addBlock([{ start: 5, end: 10 }], rows(5, 5), false), 300);
      else setTimeout(() => feed.addBlock([], [], true), 10);
    });
    feed.addBlock([{ start: 0, end: 5 }], rows(0, 5), false);
    const engine = createEngine(plan, { onSnapshot: () => {}, pickers: new Map([['u', feed]]) });
    engine.start();
    const result = await engine.done;
    assert.equal(target.total(), 10, 'the 5 rows that came later were used too');
    assert.equal(feed.usedRows, 10);
    assert.ok((result.main.requestNames?.noData ?? 0) > 0, 'the dry spell is counted (noData)');
  } finally {
    await target.close();
  }
});
