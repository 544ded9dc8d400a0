// AgentPlan: everything one agent needs for one run, computed by the coordinator (coordinator/schedule/planner.ts)
// and sent as JSON in Assign.plan_json. The agent validates it with agentPlanSchema before use: the wire
// is untrusted input.
import { z } from 'zod';
import { programSchema } from '../flow/program.js';
import { statusRangesSchema } from '../metrics/expected-status.js';

/** A piece of the agent's own schedule: its value moves linearly from `from` to `to` over durationMs. */
export const segmentSchema = z.strictObject({
  durationMs: z.number().positive(),
  from: z.number().nonnegative(),
  to: z.number().nonnegative(),
});
export type Segment = z.infer<typeof segmentSchema>;

/** This agent's share of one of several scenarios running at once (Scenario.parts). */
export const planScenarioSchema = z.strictObject({
  name: z.string().min(1),
  model: z.enum(['open', 'closed']),
  segments: z.array(segmentSchema).min(1),
  maxInFlight: z.number().int().positive(),
  /** Names in program.flows this scenario runs. */
  flows: z.array(z.string().min(1)).min(1),
  /** Open model: how arrivals are spaced (absent: even). */
  arrivals: z.enum(['even', 'poisson']).optional(),
  /** This scenario's cookie jars (absent: the program's `cookies`). */
  cookies: z.enum(['per-iteration', 'per-loop', 'off']).optional(),
  /** Expected statuses of this scenario's requests that have none of their own. */
  expect: statusRangesSchema.optional(),
});
export type PlanScenario = z.infer<typeof planScenarioSchema>;

/**
 * HTTPS targets (the scenario's `tls`): certificate checks on unless insecureSkipVerify (test
 * environments only; an agent runs such a plan only with --allow-insecure-tls), and an extra CA to
 * trust besides the system's, as PEM text (it travels with the plan; agents never read the
 * coordinator's disk).
 */
export const targetTlsSchema = z.strictObject({
  insecureSkipVerify: z.boolean().default(false),
  caPem: z.string().min(1).max(1024 * 1024).optional(),
});
export type TargetTls = z.output<typeof targetTlsSchema>;

export const agentPlanSchema = z.strictObject({
  runId: z.string().min(1),
  request: z.strictObject({
    url: z.string().url(),
    method: z.string().min(1),
    headers: z.record(z.string(), z.string()),
    body: z.string().optional(),
    timeoutMs: z.number().positive(),
    /** Single-request plans: expected statuses (absent: the default 200-399); other responses are failed requests. */
    expect: statusRangesSchema.optional(),
  }),
  /** open: segments are arrival rates (req/s); closed: segments are loop counts (whole numbers). */
  model: z.enum(['open', 'closed']),
  segments: z.array(segmentSchema).min(1),
  /** Warm-up before the main phase, run at the first segment's `from` value; 0 = none. */
  warmupMs: z.number().nonnegative(),
  /** Most requests this agent may have outstanding; an arrival beyond it is counted as dropped. */
  maxInFlight: z.number().int().positive(),
  /** Keep-alive connections this agent opens to the target. */
  connections: z.number().int().positive(),
  /** How often the agent sends a delta Snapshot. */
  snapshotIntervalMs: z.number().int().positive(),
  /**
   * The run's main-phase interval this agent's first main interval counts in: 0 for agents that start
   * with the run; an agent that joins mid-test starts at the interval it joined in.
   */
  intervalOffset: z.number().int().nonnegative().optional(),
  /** A joiner's first main interval is this long, so that its later ones fall on the run's boundaries. */
  firstIntervalMs: z.number().positive().optional(),
  /**
   * The scenario language (common/flow/program.ts): flows run per arrival/loop instead of `request`, which
   * then only names the first request (for logs). Its `unique` data holds this agent's slice of the rows.
   */
  program: programSchema.optional(),
  /**
   * Several scenarios at once: one runner per scenario in each phase (the warm-up runs each at its first
   * value), all counted in the phase's figures. `model`, `segments` are then the first scenario's,
   * `maxInFlight` the scenarios' sum and `connections` the pool size per origin for them all. Needs `program`.
   */
  scenarios: z.array(planScenarioSchema).min(1).optional(),
  /** HTTPS: certificate checks and trusted CA (absent: verify against the system's CAs). */
  tls: targetTlsSchema.optional(),
  /**
   * Open model: arrivals evenly spaced at the rate (absent, `even`) or a Poisson process at the rate
   * (`poisson`: exponential gaps; the fleet's sum of the agents' processes is Poisson at the fleet's rate).
   */
  arrivals: z.enum(['even', 'poisson']).optional(),
  /**
   * The values the scenario's setup extracted (the newest, after a refresh), variables of every flow
   * run and of teardown beside program.variables. Absent: the scenario has no setup.
   */
  setupValues: z.record(z.string(), z.unknown()).optional(),
}).refine((p) => p.scenarios === undefined || p.program !== undefined, { message: 'scenarios need a program', path: ['scenarios'] });
export type AgentPlan = z.infer<typeof agentPlanSchema>;

export function planDurationMs(plan: Pick<AgentPlan, 'segments'>): number {
  return plan.segments.reduce((sum, s) => sum + s.durationMs, 0);
}
