// Pure: turns a validated Scenario and the chosen agents into one AgentPlan per agent.
//
// Invariants (tested):
// - Open model: at every segment boundary the agents' rates sum exactly to the global schedule
//   (coordinator/schedule/split.ts splitRate), so the fleet's scheduled load is the scenario's load.
// - Closed model: at every segment boundary the agents' loop counts sum exactly to the scenario's
//   (largest remainder); in-flight caps and default connections are the split of the largest value.
//   With more agents than loops, the extra agents get a {from: 0, to: 0} segment and stay idle.
// - Every plan passes common/plan/agent-plan.ts agentPlanSchema.
import type { Scenario } from '../../common/scenario/scenario.js';
import type { AgentPlan, Segment } from '../../common/plan/agent-plan.js';
import { LoadfleetError } from '../../common/runtime/errors.js';
import { splitInteger, splitRate } from './split.js';
import type { Program } from '../../common/flow/program.js';
import type { ChunkedRef } from '../../common/data/data-chunks.js';

export interface PlanOptions {
  runId: string;
  snapshotIntervalMs: number;
  /** Optional relative capacity per agent (e.g. cores); equal split when absent. */
  weights?: ReadonlyMap<string, number>;
  /** How each feeder's rows reach the agents (coordinator/data/delivery.ts); absent feeders: see planProgram. */
  data?: ReadonlyMap<string, DataDelivery>;
}

/**
 * inline: the rows ride in the plan; chunked: in DataChunk pieces before the Assign; blocks: a `unique`
 * feeder's rows, handed out by the coordinator in RowBlock messages (each row at most once fleet-wide).
 */
export type DataDelivery = { kind: 'inline' } | { kind: 'chunked'; ref: ChunkedRef } | { kind: 'blocks' };

/**
 * The program every agent gets: the scenario's, each feeder's rows delivered as `delivery` says.
 * Without an entry a `unique` feeder is block-fed and any other inline.
 */
export function planProgram(program: Program, delivery: ReadonlyMap<string, DataDelivery> = new Map()): Program {
  const data: Program['data'] = {};
  for (const [name, d] of Object.entries(program.data)) {
    const how = delivery.get(name) ?? (d.mode === 'unique' ? { kind: 'blocks' } : { kind: 'inline' });
    const base = { mode: d.mode, totalRows: d.totalRows };
    switch (how.kind) {
      case 'inline': data[name] = { ...base, rows: d.rows }; break;
      case 'chunked': data[name] = { ...base, rows: [], chunked: { ...how.ref } }; break;
      case 'blocks': data[name] = { ...base, rows: [], blocks: true }; break;
    }
  }
  return { ...program, data };
}

/** Default keep-alive connections per agent in the open model, capped by its in-flight share. */
export const DEFAULT_MAX_CONNECTIONS_PER_AGENT = 64;

/**
 * The fleet-wide schedule of the scenario: arrival rates (open) or loop counts (closed), each segment
 * moving linearly from `from` to `to` over durationMs. Segments here may be 0 long only if the scenario is.
 */
export function globalSchedule(load: Scenario['load']): Segment[] {
  if (load.stages !== undefined) {
    let previous = (load.model === 'open' ? load.startRate : load.startConcurrency) ?? 0;
    return load.stages.map((stage) => {
      const seg = { durationMs: stage.duration, from: previous, to: stage.target };
      previous = stage.target;
      return seg;
    });
  }
  // Validation guarantees rate (or concurrency) and duration together when stages are absent.
  const value = (load.model === 'open' ? load.rate : load.concurrency) ?? 0;
  return [{ durationMs: load.duration ?? 0, from: value, to: value }];
}

/** The largest value the schedule reaches (a closed model's loop peak sizes its in-flight cap). */
export function schedulePeak(segments: readonly Segment[]): number {
  return Math.max(0, ...segments.map((s) => Math.max(s.from, s.to)));
}

/**
 * A split raised to at least 1 per agent (the plan schema needs positive caps). With fewer units than
 * agents the per-agent values then sum to more than the scenario's figure: 1 is the smallest usable cap.
 */
function atLeastOne(split: Map<string, number>): Map<string, number> {
  return new Map([...split].map(([id, v]) => [id, Math.max(1, v)]));
}

/** One load model's per-agent segments, in-flight caps and connections. */
interface LoadSplit {
  segments: Map<string, Segment[]>;
  maxInFlight: Map<string, number>;
  connections: Map<string, number>;
}

function splitLoad(load: Scenario['load'], agentIds: readonly string[], weights: ReadonlyMap<string, number> | undefined): LoadSplit {
  const global = globalSchedule(load);
  // Per-agent segments: each boundary value split so that the fleet sums exactly to the global value.
  const segments = new Map<string, Segment[]>(agentIds.map((id) => [id, []]));
  const split = load.model === 'closed'
    ? (v: number): Map<string, number> => splitInteger(v, agentIds, weights)
    : (v: number): Map<string, number> => splitRate(v, agentIds, weights);
  for (const seg of global) {
    const from = split(seg.from);
    const to = split(seg.to);
    for (const id of agentIds) {
      (segments.get(id) as Segment[]).push({ durationMs: seg.durationMs, from: from.get(id) ?? 0, to: to.get(id) ?? 0 });
    }
  }
  let maxInFlight: Map<string, number>;
  let connections: Map<string, number>;
  if (load.model === 'closed') {
    // A closed loop never has more outstanding requests than its loop count; with stages, the peak's.
    const loops = splitInteger(Math.round(schedulePeak(global)), agentIds, weights);
    maxInFlight = atLeastOne(loops);
    connections = load.connections !== undefined ? atLeastOne(splitInteger(load.connections, agentIds, weights)) : atLeastOne(loops);
  } else {
    maxInFlight = atLeastOne(splitInteger(load.maxInFlight, agentIds, weights));
    connections =
      load.connections !== undefined
        ? atLeastOne(splitInteger(load.connections, agentIds, weights))
        : new Map(agentIds.map((id) => [id, Math.min(DEFAULT_MAX_CONNECTIONS_PER_AGENT, maxInFlight.get(id) ?? 1)]));
  }
  return { segments, maxInFlight, connections };
}

export function planRun(scenario: Scenario, agentIds: readonly string[], opts: PlanOptions): Map<string, AgentPlan> {
  if (agentIds.length === 0) {
    throw new LoadfleetError('NO_AGENTS', 'cannot plan a run with no agents', {
      hint: 'start at least one agent (loadfleet agent --coordinator HOST:PORT) and wait for it to join',
    });
  }
  const { load } = scenario;
  const main = splitLoad(load, agentIds, opts.weights);
  // Several scenarios at once: each split over the agents on its own (`load` is the first one's).
  const scenarios = (scenario.parts ?? []).map((p) => ({ sc: p, split: p === scenario.parts?.[0] ? main : splitLoad(p.load, agentIds, opts.weights) }));

  const { request } = scenario;
  const program = scenario.program === undefined ? undefined : planProgram(scenario.program, opts.data);
  const plans = new Map<string, AgentPlan>();
  for (const id of agentIds) {
    const plan: AgentPlan = {
      runId: opts.runId,
      request: {
        url: request.url,
        method: request.method,
        headers: { ...request.headers },
        timeoutMs: request.timeout,
      },
      model: load.model,
      segments: main.segments.get(id) as Segment[],
      warmupMs: scenario.warmup,
      maxInFlight: main.maxInFlight.get(id) ?? 1,
      connections: main.connections.get(id) ?? 1,
      snapshotIntervalMs: opts.snapshotIntervalMs,
    };
    if (load.model === 'open' && load.arrivals !== undefined) plan.arrivals = load.arrivals;
    if (request.body !== undefined) plan.request.body = request.body;
    if (request.expect !== undefined) plan.request.expect = request.expect;
    if (program !== undefined) plan.program = program;
    if (scenarios.length > 0) {
      plan.scenarios = scenarios.map(({ sc, split }) => ({
        name: sc.name, model: sc.load.model, segments: split.segments.get(id) as Segment[], maxInFlight: split.maxInFlight.get(id) ?? 1, flows: [...sc.flows],
        ...(sc.load.model === 'open' && sc.load.arrivals !== undefined ? { arrivals: sc.load.arrivals } : {}),
        ...(sc.cookies !== undefined ? { cookies: sc.cookies } : {}),
        ...(sc.expect !== undefined ? { expect: sc.expect } : {}),
      }));
      plan.maxInFlight = plan.scenarios.reduce((sum, p) => sum + p.maxInFlight, 0);
      plan.connections = scenarios.reduce((sum, { split }) => sum + (split.connections.get(id) ?? 1), 0);
    }
    if (scenario.tls !== undefined) plan.tls = scenario.tls;
    plans.set(id, plan);
  }
  return plans;
}
