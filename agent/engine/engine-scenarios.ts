// The scenarios of one AgentPlan as the engine runs them (engine.ts): a plan without plan.scenarios is
// one scenario; a plan with several at once gets one runner per scenario in each phase.
import type { AgentPlan } from '../../common/plan/agent-plan.js';
import type { CookieMode } from '../../common/flow/program.js';
import type { StatusRange } from '../../common/metrics/expected-status.js';
import type { ClosedRunner } from './closed-runner.js';
import type { OpenRunner } from './open-runner.js';
import { rateSchedule } from './pacer.js';
import type { RateSchedule } from './pacer.js';

export type Runner = OpenRunner | ClosedRunner;

/**
 * Whether load may still be issued at nowMs (the engine's clock): for an agent, whether its link to the
 * coordinator that assigned the load is fresh. Runners ask before every send; once it says no, the
 * runner stops issuing for good and calls its onRevoked (it never sends the arrivals it owes).
 */
export type MayIssue = (nowMs: number) => boolean;

/** One scenario of the plan (a plan without plan.scenarios has one) and its live state across phases. */
export interface EngineScenario {
  readonly name: string;
  readonly model: AgentPlan['model'];
  readonly maxInFlight: number;
  /** Its flows (plan.scenarios), else undefined: the whole program, or the single-request path. */
  readonly flowNames: readonly string[] | undefined;
  /** Open model: even spacing or a Poisson process. */
  readonly arrivals: 'even' | 'poisson';
  /** Its cookie jars (plan.scenarios); undefined: the program's. */
  readonly cookies: CookieMode | undefined;
  /** Its expected statuses for requests without their own (plan.scenarios[].expect); undefined: the program's. */
  readonly expect: readonly StatusRange[] | undefined;
  /** Open: req/s over time; closed: loop counts over time. Live changes before main starts land here. */
  mainSchedule: RateSchedule;
  warmupValue: number;
  /** A live change replaced mainSchedule before the main phase: its loop counts are not capped by maxInFlight. */
  mainChanged: boolean;
}

export function scenariosOf(plan: AgentPlan): EngineScenario[] {
  const specs = plan.scenarios ?? [{ name: '', model: plan.model, segments: plan.segments, maxInFlight: plan.maxInFlight, flows: undefined, arrivals: plan.arrivals, cookies: undefined, expect: undefined }];
  return specs.map((p) => {
    const first = p.segments[0];
    return {
      name: p.name, model: p.model, maxInFlight: p.maxInFlight, flowNames: p.flows, arrivals: p.arrivals ?? 'even', cookies: p.cookies, expect: p.expect,
      mainSchedule: rateSchedule(p.segments),
      warmupValue: first === undefined ? 0 : first.from > 0 ? first.from : first.to, mainChanged: false,
    };
  });
}

/** One scenario's runner in one phase. */
export interface ScenarioRun {
  readonly scenario: EngineScenario;
  readonly runner: Runner;
  finished: boolean;
  /** Open model: arrivals the schedule intended by the phase's lastTakeMs (for the interval's mean scheduled rate). */
  lastExpected: number;
}
