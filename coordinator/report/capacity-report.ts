// The `capacity` section of a report: what a capacity search (`run --find-capacity`) tried and found.
//
// Contract: every step's figures come from the merged histograms and counters of that step's judged
// window only (its settle time is excluded). `capacity` is the highest offered load that passed, never a
// load at which the generator was the limit. Rates are in the searched scenario's own unit.
import type { LatencyMs } from '../../common/metrics/histogram.js';

/** The unit of a searched load: HTTP requests/s, flow runs/s (open model with flows) or loops (closed model). */
export type CapacityUnit = 'req/s' | 'flows/s' | 'loops';

/** found: the bracket closed to the resolution; not-found: the bounds or the budget ended it first; generator-bound: the fleet was the limit. */
export type CapacityResult = 'found' | 'not-found' | 'generator-bound';

export interface CapacitySettings {
  /** The first load tried. */
  start: number;
  /** The highest load the search may offer. */
  max: number;
  /** The bracket (lowest failing - highest passing) / highest passing at which the search ends, percent. */
  resolutionPct: number;
  /** Each step's settle time, excluded from its judgement, ms. */
  stepWarmupMs: number;
  /** Each step's judged window, ms. */
  stepWindowMs: number;
  /** The whole search's time budget, ms. */
  budgetMs: number;
  /** The bracketing phase multiplies the load by this until a step fails. */
  factor: number;
}

export interface CapacityStep {
  index: number;
  /** bracket: the coarse steps up to the first failure; bisect: the steps inside the bracket. */
  phase: 'bracket' | 'bisect';
  /** The load offered by the whole fleet to the searched scenario, in `unit`. */
  offered: number;
  /** Main-phase time (ms) at which the step's load was set, and the judged window [from, to). */
  startMs: number;
  judgedFromMs: number;
  judgedToMs: number;
  /** pass: every SLO met; fail: some SLO failed; unusable: the generator or the fleet was the limit (not judged). */
  outcome: 'pass' | 'fail' | 'unusable';
  /** The window's achieved HTTP requests/s (all scenarios), and its arrivals/s or loops as scheduled. */
  achievedRps: number;
  requests: number;
  errors: number;
  failed: number;
  latencyMs: LatencyMs;
  /** The thresholds (as written in the scenario) that failed in this window, in file order. */
  failedSlos: string[];
  /** Why the step was unusable (schedule lag, dropped arrivals, loop delay, lost agents, missing figures). */
  unusableWhy?: string[];
}

export interface CapacityReport {
  /** The searched scenario's name (several scenarios), else absent. */
  scenario?: string;
  model: 'open' | 'closed';
  unit: CapacityUnit;
  settings: CapacitySettings;
  result: CapacityResult;
  /** The highest load that passed (null when none did). */
  capacity: number | null;
  /** The lowest load that failed (null when none did). */
  lowestFailing: number | null;
  /** (lowestFailing - capacity) / capacity, percent (null unless both are known). */
  bracketPct: number | null;
  /** The SLO that failed at the lowest failing load (the first in file order when several did). */
  firstFailedSlo: string | null;
  /** The load at which the generator or fleet was the limit (generator-bound), else null. */
  fleetLimit: number | null;
  /** One line for people: "capacity 196 req/s (bracket 196-200, 2.0 %); p99<100ms failed first". */
  message: string;
  /** A live stop ended the search early (the result is the best so far). */
  stopped: boolean;
  /** Search time used, ms (<= settings.budgetMs plus one step's end). */
  elapsedMs: number;
  steps: CapacityStep[];
}
