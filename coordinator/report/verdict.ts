// The report's verdict (report.ts builds it; the CLI's --allow-incomplete rewrites it) and its precedence.
//
// Precedence, first match wins: agent-lost (exit 5) > failed (3) > setup-failed (9) > incomplete (8)
// > generator-bound (4) > thresholds-failed (7) > pass (0). setup-failed: the setup failed before any load,
// a setup refresh failed (the load went on with old values) or the teardown failed or could not run. Figures that cannot be trusted (aborted, failed, missing, shaped by
// the generator) come before a judgement of the figures (thresholds). Pure.
import type { Report } from './report.js';

/**
 * capacity-not-found: a capacity search run (report.capacity) ended without a capacity. regression and
 * not-comparable: a run with --baseline that otherwise passed (report.comparison).
 */
export type Verdict = 'pass' | 'generator-bound' | 'failed' | 'agent-lost' | 'thresholds-failed' | 'incomplete' | 'setup-failed'
  | 'capacity-not-found' | 'regression' | 'not-comparable';

export interface VerdictFacts {
  /** Set when the run was aborted because an agent was lost under --on-agent-loss fail: why. */
  abortedForAgentLoss: string | undefined;
  /** Why the figures cannot be trusted (failed agents, mismatches, no responses). */
  failed: readonly string[];
  /** Figures known to be missing (report.incomplete). */
  incomplete: readonly string[];
  /** Why the generator, not only the target, limited the test. */
  generatorBound: readonly string[];
  /** Thresholds that failed or had no data. */
  thresholdsFailed: readonly string[];
  /** A failed setup refresh, a failed teardown or one that could not run (report/setup-figures.ts). */
  setupFailed?: readonly string[];
}

export interface Judgement {
  verdict: Verdict;
  /** Why the verdict is not 'pass' (empty on a pass). */
  verdictReasons: string[];
}

/** The verdict the facts earn; with allowIncomplete, missing figures do not decide it. */
export function judge(f: VerdictFacts, allowIncomplete = false): Judgement {
  const incomplete = allowIncomplete ? [] : f.incomplete;
  if (f.abortedForAgentLoss !== undefined) {
    return { verdict: 'agent-lost', verdictReasons: [`aborted: ${f.abortedForAgentLoss} (--on-agent-loss fail)`, ...f.failed, ...f.generatorBound] };
  }
  if (f.failed.length > 0) return { verdict: 'failed', verdictReasons: [...f.failed, ...f.generatorBound, ...f.thresholdsFailed] };
  if ((f.setupFailed ?? []).length > 0) return { verdict: 'setup-failed', verdictReasons: [...(f.setupFailed ?? []), ...incomplete, ...f.generatorBound, ...f.thresholdsFailed] };
  if (incomplete.length > 0) {
    return {
      verdict: 'incomplete',
      verdictReasons: [missingReason(incomplete), ...f.generatorBound, ...f.thresholdsFailed],
    };
  }
  if (f.generatorBound.length > 0) return { verdict: 'generator-bound', verdictReasons: [...f.generatorBound, ...f.thresholdsFailed] };
  if (f.thresholdsFailed.length > 0) return { verdict: 'thresholds-failed', verdictReasons: [...f.thresholdsFailed] };
  return { verdict: 'pass', verdictReasons: [] };
}

/** One line for what incomplete[] lists in full. */
function missingReason(incomplete: readonly string[]): string {
  const what = incomplete.length === 1 ? 'one set of figures is' : `${incomplete.length} sets of figures are`;
  return `${what} missing (incomplete[]): the totals are short of what the target received`;
}

/**
 * `--allow-incomplete`: an 'incomplete' verdict becomes what the rest of the figures earn (the report
 * keeps incomplete[] and says incompleteAllowed); any other verdict stays. Returns a new report.
 */
export function allowIncomplete(report: Report): Report {
  const alt = report.verdictIfIncompleteAllowed;
  if (report.verdict !== 'incomplete' || alt === undefined) return report;
  const { verdictIfIncompleteAllowed: _dropped, ...rest } = report;
  return { ...rest, verdict: alt.verdict, verdictReasons: [...alt.verdictReasons], incompleteAllowed: true };
}
