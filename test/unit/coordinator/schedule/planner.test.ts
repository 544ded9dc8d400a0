import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planRun } from '../../../../coordinator/schedule/planner.js';
import { agentPlanSchema } from '../../../../common/plan/agent-plan.js';
import type { AgentPlan } from '../../../../common/plan/agent-plan.js';
import { validateScenario } from '../../../../common/scenario/scenario.js';
import type { Scenario, ScenarioInput } from '../../../../common/scenario/scenario.js';
import { LoadfleetError } from '../../../../common/runtime/errors.js';

function scenario(load: ScenarioInput['load'], extra: Partial<ScenarioInput> = {}): Scenario {
  const r = validateScenario({ request: { url: 'http://127.0.0.1:8080/x' }, load, ...extra });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.scenario;
}

const OPTS = { runId: 'run-1', snapshotIntervalMs: 1000 };

interface Row {
  why: string;
  scenario: Scenario;
  agents: string[];
  /** Per agent: [durationMs, from, to][] */
  segments: Record<string, Array<[number, number, number]>>;
  maxInFlight: Record<string, number>;
  connections: Record<string, number>;
}

const rows: Row[] = [
  {
    // constant rate split evenly, default caps: 10000 in flight -> 5000 each, connections capped at 64
    why: 'open rate over two agents',
    scenario: scenario({ model: 'open', rate: 1000, duration: '20s' }),
    agents: ['a', 'b'],
    segments: { a: [[20_000, 500, 500]], b: [[20_000, 500, 500]] },
    maxInFlight: { a: 5000, b: 5000 },
    connections: { a: 64, b: 64 },
  },
  {
    // stages ramp from startRate to each target; small in-flight cap bounds default connections
    why: 'open stages with startRate and small maxInFlight',
    scenario: scenario({
      model: 'open',
      startRate: 100,
      stages: [
        { duration: '10s', target: 300 },
        { duration: '5s', target: 300 },
        { duration: '5s', target: 0 },
      ],
      maxInFlight: 50,
    }),
    agents: ['a', 'b'],
    segments: {
      a: [[10_000, 50, 150], [5_000, 150, 150], [5_000, 150, 0]],
      b: [[10_000, 50, 150], [5_000, 150, 150], [5_000, 150, 0]],
    },
    maxInFlight: { a: 25, b: 25 },
    connections: { a: 25, b: 25 },
  },
  {
    // stages without startRate ramp from 0; explicit connections split with largest remainder
    why: 'open stages from 0, explicit connections',
    scenario: scenario({ model: 'open', stages: [{ duration: '30s', target: 90 }], connections: 10, maxInFlight: 7 }),
    agents: ['a', 'b', 'c'],
    segments: { a: [[30_000, 0, 30]], b: [[30_000, 0, 30]], c: [[30_000, 0, 30]] },
    maxInFlight: { a: 3, b: 2, c: 2 },
    connections: { a: 4, b: 3, c: 3 },
  },
  {
    // closed: loops split by largest remainder; caps and connections follow the loop count
    why: 'closed concurrency 10 over 3',
    scenario: scenario({ model: 'closed', concurrency: 10, duration: '1m' }),
    agents: ['a', 'b', 'c'],
    segments: { a: [[60_000, 4, 4]], b: [[60_000, 3, 3]], c: [[60_000, 3, 3]] },
    maxInFlight: { a: 4, b: 3, c: 3 },
    connections: { a: 4, b: 3, c: 3 },
  },
  {
    // closed with more agents than loops: the extras idle at 0 but are still planned (caps min 1)
    why: 'closed, more agents than loops',
    scenario: scenario({ model: 'closed', concurrency: 2, duration: '5s' }),
    agents: ['a', 'b', 'c'],
    segments: { a: [[5_000, 1, 1]], b: [[5_000, 1, 1]], c: [[5_000, 0, 0]] },
    maxInFlight: { a: 1, b: 1, c: 1 },
    connections: { a: 1, b: 1, c: 1 },
  },
  {
    // closed with explicit connections
    why: 'closed with connections',
    scenario: scenario({ model: 'closed', concurrency: 8, duration: '5s', connections: 3 }),
    agents: ['a', 'b'],
    segments: { a: [[5_000, 4, 4]], b: [[5_000, 4, 4]] },
    maxInFlight: { a: 4, b: 4 },
    connections: { a: 2, b: 1 },
  },
  {
    // closed stages (ramping loops): each boundary split by largest remainder; caps from the peak (9)
    why: 'closed stages with startConcurrency over 2',
    scenario: scenario({ model: 'closed', startConcurrency: 1, stages: [{ duration: '4s', target: 9 }, { duration: '2s', target: 9 }, { duration: '3s', target: 0 }] }),
    agents: ['a', 'b'],
    segments: { a: [[4_000, 1, 5], [2_000, 5, 5], [3_000, 5, 0]], b: [[4_000, 0, 4], [2_000, 4, 4], [3_000, 4, 0]] },
    maxInFlight: { a: 5, b: 4 },
    connections: { a: 5, b: 4 },
  },
  {
    // closed stages from 0 with explicit connections: connections split as given, caps from the peak 6
    why: 'closed stages from 0, explicit connections, over 3',
    scenario: scenario({ model: 'closed', stages: [{ duration: '1s', target: 6 }, { duration: '1s', target: 2 }], connections: 4 }),
    agents: ['a', 'b', 'c'],
    segments: { a: [[1_000, 0, 2], [1_000, 2, 1]], b: [[1_000, 0, 2], [1_000, 2, 1]], c: [[1_000, 0, 2], [1_000, 2, 0]] },
    maxInFlight: { a: 2, b: 2, c: 2 },
    connections: { a: 2, b: 1, c: 1 },
  },
];

test('planRun table', () => {
  for (const row of rows) {
    const plans = planRun(row.scenario, row.agents, OPTS);
    assert.deepEqual([...plans.keys()], row.agents, row.why);
    for (const id of row.agents) {
      const plan = plans.get(id) as AgentPlan;
      assert.deepEqual(
        plan.segments.map((s) => [s.durationMs, s.from, s.to]),
        row.segments[id],
        `${row.why}: segments of ${id}`,
      );
      assert.equal(plan.maxInFlight, row.maxInFlight[id], `${row.why}: maxInFlight of ${id}`);
      assert.equal(plan.connections, row.connections[id], `${row.why}: connections of ${id}`);
      assert.equal(plan.model, row.scenario.load.model, row.why);
      const parsed = agentPlanSchema.safeParse(plan);
      assert.ok(parsed.success, `${row.why}: plan of ${id} must pass agentPlanSchema: ${JSON.stringify(parsed.error?.issues)}`);
    }
  }
});

test('planRun copies request, timeout, warm-up and run settings into every plan', () => {
  const s = scenario(
    { model: 'open', rate: 10, duration: '2s' },
    {
      request: { url: 'https://example.test/api', method: 'post', headers: { 'content-type': 'application/json' }, body: '{"a":1}', timeout: '750ms' },
      warmup: '3s',
    },
  );
  const plan = planRun(s, ['only'], { runId: 'r-9', snapshotIntervalMs: 500 }).get('only') as AgentPlan;
  assert.deepEqual(plan.request, {
    url: 'https://example.test/api',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"a":1}',
    timeoutMs: 750,
  });
  assert.equal(plan.warmupMs, 3000);
  assert.equal(plan.runId, 'r-9');
  assert.equal(plan.snapshotIntervalMs, 500);
  // no body -> no body key at all (strict schema, and the agent must not send an empty body)
  const noBody = planRun(scenario({ model: 'open', rate: 1, duration: 1 }), ['x'], OPTS).get('x') as AgentPlan;
  assert.equal('body' in noBody.request, false);
});

test('planRun: agents rates sum exactly to the global rate at every boundary', () => {
  const s = scenario({ model: 'open', startRate: 1, stages: [{ duration: '7s', target: 1000 / 7 }, { duration: '3s', target: 0.3 }] });
  const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
  const plans = [...planRun(s, ids, OPTS).values()];
  const sumAt = (i: number, key: 'from' | 'to'): number => plans.reduce((acc, p) => acc + (p.segments[i]?.[key] ?? 0), 0);
  assert.equal(sumAt(0, 'from'), 1);
  assert.equal(sumAt(0, 'to'), 1000 / 7);
  assert.equal(sumAt(1, 'from'), 1000 / 7);
  assert.equal(sumAt(1, 'to'), 0.3);
});

test('planRun closed stages: loop counts sum exactly to the stage values at every boundary', () => {
  const targets = [7, 0, 13, 13, 1, 100];
  const stages = targets.map((target, i) => ({ duration: `${i + 1}s`, target }));
  const s = scenario({ model: 'closed', startConcurrency: 3, stages });
  for (const ids of [['a'], ['a', 'b', 'c'], ['a', 'b', 'c', 'd', 'e', 'f', 'g']]) {
    for (const weights of [undefined, new Map(ids.map((id, i) => [id, i + 1]))]) {
      const plans = [...planRun(s, ids, { ...OPTS, ...(weights !== undefined ? { weights } : {}) }).values()];
      const sumAt = (i: number, key: 'from' | 'to'): number => plans.reduce((acc, p) => acc + (p.segments[i]?.[key] ?? 0), 0);
      targets.forEach((target, i) => {
        assert.equal(sumAt(i, 'from'), i === 0 ? 3 : targets[i - 1], `${ids.length} agents, stage ${i} from`);
        assert.equal(sumAt(i, 'to'), target, `${ids.length} agents, stage ${i} to`);
      });
      for (const p of plans) assert.ok(p.segments.every((seg) => Number.isInteger(seg.from) && Number.isInteger(seg.to)), 'whole loops');
      assert.equal(plans.reduce((acc, p) => acc + p.maxInFlight, 0), Math.max(100, ids.length), 'caps are the peak\'s split (min 1 each)');
    }
  }
});

test('planRun honours weights', () => {
  const s = scenario({ model: 'open', rate: 400, duration: '1s' });
  const plans = planRun(s, ['big', 'small'], { ...OPTS, weights: new Map([['big', 3], ['small', 1]]) });
  assert.equal(plans.get('big')?.segments[0]?.from, 300);
  assert.equal(plans.get('small')?.segments[0]?.from, 100);
});

test('planRun with no agents throws NO_AGENTS', () => {
  assert.throws(
    () => planRun(scenario({ model: 'closed', concurrency: 1, duration: 1 }), [], OPTS),
    (e: unknown) => e instanceof LoadfleetError && e.code === 'NO_AGENTS',
  );
});

test('planRun with several scenarios: each part split over the agents on its own, summing exactly at every boundary; caps are per part, the plan\'s are their sums', () => {
  const program = {
    requests: { a: { url: 'http://127.0.0.1:8080/a', method: 'GET', headers: {}, timeoutMs: 1000, checks: [] }, b: { url: 'http://127.0.0.1:8080/b', method: 'GET', headers: {}, timeoutMs: 1000, checks: [] } },
    flows: [{ name: 'a', weight: 1, steps: [{ request: 'a', extract: {}, checks: [], thinkMs: 0 }] }, { name: 'b', weight: 1, steps: [{ request: 'b', extract: {}, checks: [], thinkMs: 0 }] }],
    variables: {}, data: {}, origins: ['http://127.0.0.1:8080'],
  };
  const open = { model: 'open' as const, startRate: 1, stages: [{ duration: '3s', target: 100 / 3 }, { duration: '2s', target: 0.7 }], maxInFlight: 10 };
  const closed = { model: 'closed' as const, startConcurrency: 2, stages: [{ duration: '4s', target: 7 }, { duration: '1s', target: 1 }], connections: 5 };
  const s = scenario(open, { program, parts: [{ name: 'web', load: open, flows: ['a'] }, { name: 'loops', load: closed, flows: ['b'] }] } as Partial<ScenarioInput>);
  const ids = ['x', 'y', 'z'];
  const plans = [...planRun(s, ids, OPTS).values()];
  const rows: { why: string; part: number; values: [number, number][] }[] = [
    // the open part's rates: the fleet's exact value at each boundary
    { why: 'web', part: 0, values: [[1, 100 / 3], [100 / 3, 0.7]] },
    // the closed part's loops: whole numbers, the fleet's exact count at each boundary
    { why: 'loops', part: 1, values: [[2, 7], [7, 1]] },
  ];
  for (const row of rows) {
    row.values.forEach(([from, to], i) => {
      const at = (key: 'from' | 'to'): number => plans.reduce((sum, p) => sum + (p.scenarios?.[row.part]?.segments[i]?.[key] ?? 0), 0);
      assert.equal(at('from'), from, `${row.why} segment ${i} from`);
      assert.equal(at('to'), to, `${row.why} segment ${i} to`);
    });
  }
  for (const p of plans) {
    assert.ok(agentPlanSchema.safeParse(p).success, 'every plan is valid');
    assert.deepEqual(p.scenarios?.map((x) => [x.name, x.model, x.flows]), [['web', 'open', ['a']], ['loops', 'closed', ['b']]]);
    assert.deepEqual(p.segments, p.scenarios?.[0]?.segments, 'the top-level schedule is the first part\'s');
    assert.equal(p.maxInFlight, (p.scenarios ?? []).reduce((sum, x) => sum + x.maxInFlight, 0));
  }
  assert.deepEqual(plans.map((p) => p.scenarios?.[0]?.maxInFlight), [4, 3, 3], 'web: maxInFlight 10 split');
  assert.deepEqual(plans.map((p) => p.scenarios?.[1]?.maxInFlight), [3, 2, 2], 'loops: the peak (7) split');
  // connections per origin for the agent: web's default (its in-flight share) + loops' 5 split
  assert.deepEqual(plans.map((p) => p.connections), [4 + 2, 3 + 2, 3 + 1]);
});

test('planRun carries arrivals (open loads only) and each part\'s cookies into every agent\'s plan; absent stays absent', () => {
  const program = {
    requests: { a: { url: 'http://127.0.0.1:8080/a', method: 'GET', headers: {}, timeoutMs: 1000, checks: [] } },
    flows: [{ name: 'a', weight: 1, steps: [{ request: 'a', extract: {}, checks: [], thinkMs: 0 }] }],
    variables: {}, data: {}, origins: ['http://127.0.0.1:8080'], cookies: 'off' as const,
  };
  const poisson = { model: 'open' as const, rate: 10, duration: '2s', arrivals: 'poisson' as const };
  const closed = { model: 'closed' as const, concurrency: 2, duration: '2s' };
  const s = scenario(poisson, { program, parts: [{ name: 'p', load: poisson, flows: ['a'] }, { name: 'c', load: closed, flows: ['a'], cookies: 'per-loop' }, { name: 'e', load: { model: 'open', rate: 1, duration: '1s' }, flows: ['a'] }] } as Partial<ScenarioInput>);
  for (const p of planRun(s, ['x', 'y'], OPTS).values()) {
    assert.ok(agentPlanSchema.safeParse(p).success, 'every plan is valid');
    assert.equal(p.arrivals, 'poisson', 'the top-level load\'s arrivals');
    assert.equal(p.program?.cookies, 'off', 'the file\'s default travels in the program');
    assert.deepEqual(p.scenarios?.map((x) => [x.name, x.arrivals, x.cookies]), [['p', 'poisson', undefined], ['c', undefined, 'per-loop'], ['e', undefined, undefined]]);
  }
  const plain = [...planRun(scenario({ model: 'open', rate: 10, duration: '1s' }), ['x'], OPTS).values()][0];
  assert.equal(plain !== undefined && 'arrivals' in plain, false, 'no arrivals field when the file gives none');
});
