// The report's `setup` section: what the scenario's setup (before the load), its refreshes and its
// teardown came to, each on one agent, with the figures of their requests. These requests never count in
// the main figures or the thresholds. Values are named, never shown (they are often secrets). Pure.
import type { SetupPart, SetupStepFigure } from '../../common/protocol/messages.js';

/** One run of setup or teardown on one agent. */
export interface SetupRecord {
  part: SetupPart;
  /** setup: before the load; refresh: setup again during the test; teardown: after the main phase. */
  purpose: 'setup' | 'refresh' | 'teardown';
  /** Ms since the run's start (0 for the setup before it). */
  atMs: number;
  /** False when no agent could run it (none connected): `message` says why. */
  ran: boolean;
  /** The agent that ran it (the last one tried), null when none did. */
  agentId: string | null;
  ok: boolean;
  /** Why it failed ('' when ok): the step and the reason. */
  message: string;
  /** Names of the values it extracted (setup; their contents are never reported). */
  values: string[];
  requests: number;
  durationMs: number;
  steps: SetupStepFigure[];
  /** Agents lost or gone silent while running it, in order (it then moved to the next agent). */
  movedFrom: string[];
}

export interface SetupReport {
  /** The setup before the load (null: the scenario has none). */
  setup: SetupRecord | null;
  refreshes: SetupRecord[];
  /** The teardown after the main phase (null: the scenario has none, or no load was sent: noLoad). */
  teardown: SetupRecord | null;
  /**
   * Set when the load never started: setup failed (verdict setup-failed), or the run was stopped while
   * its setup ran (`stop`, Ctrl-C; verdict failed). The main figures are then all zeros.
   */
  noLoad?: NoLoad;
}

/** Why a run sent no load. `message`: one line a person reads (the setup's failure, or who stopped it). */
export interface NoLoad {
  cause: 'setup-failed' | 'stopped';
  message: string;
}

/** The report's reason for a run stopped before its load (report.ts: the verdict is failed, exit 3). */
export function noLoadStopReason(n: NoLoad): string {
  return `stopped during setup (${n.message}): no load was sent`;
}

/**
 * Why the verdict cannot be a pass (README: exit code 9): the setup before the load failed (no load was
 * sent), a refresh that failed (the load went on with the old values), a teardown that failed or could
 * not run. A stop during setup is not a setup failure (report.ts gives noLoadStopReason instead).
 */
export function setupVerdictReasons(s: SetupReport | undefined): string[] {
  if (s === undefined) return [];
  const out: string[] = [];
  const first = s.setup;
  if (s.noLoad?.cause === 'setup-failed' && first !== null && !first.ok) {
    out.push(`setup failed${first.agentId === null ? '' : ` on agent ${first.agentId}`}: ${first.message} (no load was sent)`);
  }
  for (const r of s.refreshes) if (!r.ok) out.push(`setup refresh at ${Math.round(r.atMs / 1000)} s failed${r.agentId === null ? '' : ` on agent ${r.agentId}`}: ${r.message} (the load went on with the previous values)`);
  const t = s.teardown;
  if (t !== null && !t.ok) out.push(t.ran ? `teardown failed on agent ${t.agentId ?? '?'}: ${t.message}` : `teardown did not run: ${t.message}`);
  return out;
}

const one = (r: SetupRecord): string => {
  if (!r.ran) return `did not run (${r.message})`;
  const what = `${r.requests} request(s) in ${Math.round(r.durationMs)} ms on ${r.agentId ?? '?'}`;
  return r.ok ? `ok, ${what}${r.values.length > 0 ? `, values ${r.values.join(', ')}` : ''}` : `FAILED, ${what}: ${r.message}`;
};

/** The console summary's first line when no load was sent (noLoad), instead of the failed-requests line. */
export function noLoadLine(n: NoLoad): string {
  return n.cause === 'setup-failed'
    ? 'NO LOAD SENT: the setup failed, so the test never started (every figure below is zero)'
    : `NO LOAD SENT: the test was stopped during its setup (${n.message}); every figure below is zero`;
}

/** The console summary's line(s), like the warm-up's: empty when the scenario has no setup or teardown. */
export function setupSummaryLines(s: SetupReport | undefined): string[] {
  if (s === undefined) return [];
  const lines: string[] = [];
  if (s.setup !== null) {
    const abandoned = s.noLoad?.cause === 'stopped' && !s.setup.ok;
    lines.push(abandoned ? `setup     abandoned${s.setup.agentId === null ? '' : ` on ${s.setup.agentId}`} (its answer, if any, is ignored)` : `setup     ${one(s.setup)} (not in the figures above)`);
  }
  if (s.refreshes.length > 0) {
    const failed = s.refreshes.filter((r) => !r.ok).length;
    lines.push(`refresh   ${s.refreshes.length} run(s), ${failed} failed${failed > 0 ? ` (first: ${s.refreshes.find((r) => !r.ok)?.message ?? ''})` : ''}`);
  }
  if (s.teardown !== null) lines.push(`teardown  ${one(s.teardown)}`);
  return lines;
}
