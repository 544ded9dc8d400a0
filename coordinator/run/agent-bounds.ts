// What one agent of a run can plausibly report, from the run's schedule: the bounds the aggregator
// holds every snapshot and Done to (merge/aggregator.ts AggregatorBounds). Pure; the live schedule (after live
// changes) is read through `schedules` at each check, so a raised rate raises the bounds.
//
// The bounds, per phase (warm-up, main) and per agent (an agent's share never exceeds the fleet's):
// - interval index: 0 .. ceil(phaseMs / intervalMs) + SLACK_INTERVALS - 1, where the slack intervals
//   cover the drain after the end (up to the run's finish grace) plus two;
// - seq and Done's lastSeq: at most twice the intervals of both phases, plus 16;
// - arrivals (sent + dropped) and ended requests: at most the fleet's scheduled arrivals, times the
//   most requests one arrival can make (the longest flow's steps), times 1.25, plus two intervals at the
//   schedule's peak rate, plus 1,000. Open model: the schedule integrated over the phase (the main phase's
//   schedule includes every live change; warm-up runs at the peak). Closed model (no schedule of
//   arrivals): each loop at most one request per MIN_REQUEST_US microseconds over the phase plus the
//   grace, at the schedule's peak loop count;
// - request names per phase: at most MAX_RUN_REQUEST_NAMES in the run, or the program's names plus one
//   (`(other)`) when it has more;
// - consistency in every message: errors + status codes <= requests; in a Done, requests <= sent over
//   both phases (a request sent in warm-up may end in the main phase).
import type { Phase } from '../../common/metrics/stats.js';
import type { Scenario } from '../../common/scenario/scenario.js';
import type { Segment } from '../../common/plan/agent-plan.js';
import { MAX_RUN_REQUEST_NAMES } from '../../common/protocol/wire-limits.js';
import { meanBetween } from '../schedule/shares.js';
import type { ScenarioSchedule } from '../schedule/replay.js';

/** The bounds coordinator/merge/aggregator.ts holds each agent's figures to (it documents the checks). */
export interface AggregatorBounds {
  /** Highest interval index per phase. */
  maxIntervalIndex: Record<Phase, number>;
  /** Highest snapshot seq (and Done lastSeq) of one agent. */
  maxSeq: number;
  /** Most arrivals (sent + dropped), and most ended requests, one agent may report for a phase. */
  maxSent(phase: Phase): number;
  /** Most request (or scenario) names the run may hold per phase. */
  maxRunNames: number;
}

/** Closed model: the shortest time one request can take, microseconds (a loop does at most 1e6/this per second). */
export const MIN_REQUEST_US = 10;
const SLACK_FACTOR = 1.25;
const SLACK_REQUESTS = 1_000;

export interface RunBoundsInput {
  scenario: Pick<Scenario, 'warmup' | 'program'>;
  snapshotIntervalMs: number;
  /** The main phase's planned length, ms. */
  mainMs: number;
  /** How long after the end the run waits for final figures, ms. */
  finishGraceMs: number;
  /** Each scenario's fleet schedule after the live changes (test-run.ts LiveChanges.schedules). */
  schedules: () => readonly ScenarioSchedule[];
}

const peakOf = (segments: readonly Segment[]): number => segments.reduce((m, s) => Math.max(m, s.from, s.to), 0);

export function runBounds(input: RunBoundsInput): AggregatorBounds {
  const { snapshotIntervalMs: intervalMs, mainMs, finishGraceMs } = input;
  const warmupMs = input.scenario.warmup;
  const slackIntervals = Math.ceil(finishGraceMs / intervalMs) + 2;
  const maxIntervalIndex: Record<Phase, number> = {
    warmup: Math.ceil(warmupMs / intervalMs) + slackIntervals - 1,
    main: Math.ceil(mainMs / intervalMs) + slackIntervals - 1,
  };
  const maxSeq = 2 * (maxIntervalIndex.warmup + 1 + maxIntervalIndex.main + 1) + 16;
  const stepsPerArrival = Math.max(1, ...(input.scenario.program?.flows ?? []).map((f) => f.steps.length));
  const maxSent = (phase: Phase): number => {
    const phaseMs = phase === 'main' ? mainMs : warmupMs;
    let arrivals = 0;
    let peakRps = 0;
    for (const p of input.schedules()) {
      const peak = peakOf(p.segments);
      if (p.model === 'open') {
        peakRps += peak;
        arrivals += phase === 'main' ? (meanBetween(p.segments, 0, mainMs) * mainMs) / 1000 : (peak * warmupMs) / 1000;
      } else {
        const perLoopRps = 1_000_000 / MIN_REQUEST_US;
        arrivals += (peak * perLoopRps * (phaseMs + finishGraceMs)) / 1000;
      }
    }
    const slack = (peakRps * 2 * intervalMs) / 1000 + SLACK_REQUESTS;
    return Math.ceil((arrivals * SLACK_FACTOR + slack) * stepsPerArrival);
  };
  // Agents fold names independently (first seen), so together they may report every name of the
  // program plus (other): never fewer than that.
  const maxRunNames = Math.max(MAX_RUN_REQUEST_NAMES, Object.keys(input.scenario.program?.requests ?? {}).length + 1);
  return { maxIntervalIndex, maxSeq, maxSent, maxRunNames };
}
