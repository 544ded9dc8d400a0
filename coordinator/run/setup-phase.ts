// A run while its setup runs, before any load (coordinator.ts owns it): what `status` shows of it, and
// the report of a run that never sent load (its setup failed, or it was stopped during it). That report
// is built by the one report builder from empty figures: every field present, the main figures zeros.
import type { Scenario } from '../../common/scenario/scenario.js';
import { Aggregator } from '../merge/aggregator.js';
import { buildReport } from '../report/report.js';
import type { Report } from '../report/report.js';
import type { NoLoad, SetupRecord } from '../report/setup-figures.js';
import type { SetupJobs } from './setup-jobs.js';

/** `status` while a run's setup runs (no load yet). */
export interface SetupStatus {
  runId: string;
  /** The agent running the setup (null: none has taken it yet). */
  agentId: string | null;
  /** How long that agent has been running it, ms. */
  onAgentMs: number;
  /** Since the setup started (across agents it moved between), ms. */
  elapsedMs: number;
}

/** The run whose setup is under way: stop() sets stopReason and abandons the jobs. */
export interface SetupPhase {
  runId: string;
  /** Clock ms when the setup started. */
  startedMs: number;
  jobs: SetupJobs;
  stopReason: string | undefined;
}

export function setupStatus(p: SetupPhase, nowMs: number): SetupStatus {
  const job = p.jobs.running().find((j) => j.purpose === 'setup');
  return {
    runId: p.runId,
    agentId: job?.agentId ?? null,
    onAgentMs: job === undefined || job.agentId === null ? 0 : Math.max(0, nowMs - job.sinceMs),
    elapsedMs: Math.max(0, nowMs - p.startedMs),
  };
}

export interface NoLoadInput {
  runId: string;
  scenario: Scenario;
  /** Wall-clock epoch ms of the setup's start. */
  startedAtEpochMs: number;
  /** How long the setup took, ms. */
  durationMs: number;
  intervalMs: number;
  onAgentLoss: string;
  setup: SetupRecord;
  noLoad: NoLoad;
}

/**
 * The report of a run that sent no load: verdict setup-failed (exit 9) when its setup failed, failed
 * (exit 3) when it was stopped during its setup. No teardown ran (teardown: null): nothing was set up
 * that the coordinator knows of.
 */
export function noLoadReport(i: NoLoadInput): Report {
  const aggregator = new Aggregator({ intervalMs: i.intervalMs });
  try {
    return buildReport({
      runId: i.runId, scenario: i.scenario, startedAtMs: i.startedAtEpochMs, durationMs: i.durationMs, aggregator, rateChanges: [], agents: [],
      failures: [], onAgentLoss: i.onAgentLoss, setup: { setup: i.setup, refreshes: [], teardown: null, noLoad: i.noLoad },
    });
  } finally {
    aggregator.destroy();
  }
}
