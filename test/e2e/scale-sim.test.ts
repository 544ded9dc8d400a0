// The agent simulator against a real coordinator over gRPC (in-process server, real sockets): 40
// simulated agents on 40 connections run a test; every snapshot is merged exactly once, every agent
// reconciles exactly, and the live view shows each interval soon after its last snapshot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Coordinator } from '../../coordinator/coordinator.js';
import { GrpcServer } from '../../coordinator/server/grpc-server.js';
import { systemClock } from '../../common/runtime/clock.js';
import { validateScenario } from '../../common/scenario/scenario.js';
import { simulateAgents } from '../../bench/agent-sim.js';

test('40 simulated agents: exact merge, exact reconciliation, live ticks within one interval', async () => {
  const log = (): void => {};
  const coordinator = new Coordinator({ clock: systemClock, version: 'test', log });
  const server = new GrpcServer({ coordinator, listen: '127.0.0.1:0', joinToken: 'sim', controlToken: 'sim', log });
  const address = await server.listen();
  const sim = simulateAgents({ address, token: 'sim', count: 40 });
  try {
    await sim.joined(20_000);
    const v = validateScenario({ request: { url: 'http://127.0.0.1:9/' }, load: { model: 'open', rate: 40_000, duration: '4s', maxInFlight: 4_000 } });
    assert.ok(v.ok);
    const ticks = new Map<number, number>();
    const handle = await coordinator.start(v.scenario, {
      onTick: (line) => { if (line.phase === 'main') ticks.set(line.figures.index, performance.now()); },
      onNotice: () => {},
    }, { minAgents: 40, waitAgentsMs: 5_000 });
    const report = await handle.report;
    assert.equal(report.agents.length, 40);
    assert.equal(report.summary.requests, sim.sent.requests, 'every simulated request is in the report');
    assert.deepEqual([...new Set(report.reconciliation.map((r) => r.status))], ['exact']);
    assert.deepEqual(report.series.slice(0, 4).map((s) => [s.index, s.agents, s.requests]), [0, 1, 2, 3].map((i) => [i, 40, 40_000]));
    for (let i = 0; i < 3; i++) {
      const shown = ticks.get(i);
      const sent = sim.lastSentAtMs.get(`main:${i}`);
      assert.ok(shown !== undefined && sent !== undefined, `interval ${i} was shown live`);
      assert.ok(shown - sent < 1_000, `interval ${i} shown ${Math.round(shown - sent)} ms after its last snapshot`);
    }
  } finally {
    await sim.close();
    coordinator.close();
    await server.close();
  }
});
