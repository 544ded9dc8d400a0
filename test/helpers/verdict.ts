// What an e2e test accepts as the end of a run: the one place where exit code 4 (generator-bound) is
// allowed, and where light loads are required to pass outright.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Report } from '../../coordinator/report/report.js';
import { verdictExitCode } from '../../cli/run-session.js';

/** What a test knows independently of the report, to reconcile it with (omit what the test does not count). */
export interface Expected {
  /** The target's own count of the main phase's requests: report.summary.requests must equal it. */
  requests?: number;
}

/**
 * The run completed: 0 = pass, or 4 = generator-bound (the load generator could not keep up, so its
 * figures describe loadfleet, not the target). 4 is acceptable here, and only here, because on a busy
 * 2-core CI machine the agents share the cores with the target, the coordinator and the CLI processes the
 * test starts, and the tests that call this are about the fleet's behaviour and figures, not about the
 * generator's headroom. A generator-bound run must still be honest: with a report, its verdict is
 * 'generator-bound' with the health reasons that earned it, and its figures reconcile with `expected`.
 * A 0 with a report must be a 'pass'. Any other code fails, with `detail` (usually the processes' output).
 * `getReport` is called only once the code is 0 or 4 (a failed run may have written none).
 * Light loads (about 100 req/s per agent or less for a few seconds, or a closed model of a few loops)
 * use assertPassed instead: they leave the generator most of its headroom, so a 4 there is a finding.
 */
export function assertCompleted(code: number | null, detail: string, getReport?: () => Report, expected: Expected = {}): void {
  assert.ok(code === 0 || code === 4, `exit ${code} (0 = pass, 4 = generator-bound accepted)\n${detail}`);
  if (getReport === undefined) return;
  const report = getReport();
  if (code === 0) {
    assert.equal(report.verdict, 'pass', `exit 0 but verdict ${report.verdict}: ${report.verdictReasons.join('; ')}`);
  } else {
    assert.equal(report.verdict, 'generator-bound', `exit 4 but verdict ${report.verdict}: ${report.verdictReasons.join('; ')}`);
    assert.ok(report.health.generatorBound && report.health.reasons.length > 0, `generator-bound without health reasons: ${JSON.stringify(report.health)}`);
    assert.ok(report.verdictReasons.length > 0, 'generator-bound without verdict reasons');
  }
  if (expected.requests !== undefined) {
    assert.equal(report.summary.requests, expected.requests, `report.summary.requests vs the target's count (exit ${code})`);
  }
}

/** A light load's run must pass outright: exit 0 and, with a report, verdict 'pass' (see assertCompleted). */
export function assertPassed(code: number | null, detail: string, getReport?: () => Report): void {
  if (code !== 0 && getReport !== undefined) {
    let why = '';
    try {
      why = `${getReport().verdict}: ${getReport().verdictReasons.join('; ')}`;
    } catch {
      why = 'no report';
    }
    assert.fail(`exit ${code} (${why}): a light load must pass\n${detail}`);
  }
  assert.equal(code, 0, `exit ${code}: a light load must pass\n${detail}`);
  if (getReport !== undefined) {
    const report = getReport();
    assert.equal(report.verdict, 'pass', report.verdictReasons.join('; '));
  }
}

/** A getter of the report.json at `path`, for assertCompleted / assertPassed (read only when they need it). */
export const reportAt = (path: string) => (): Report => JSON.parse(readFileSync(path, 'utf8')) as Report;

/** assertCompleted for a run driven in-process (runOnLocalFleet): its code is the one its verdict earns. */
export function assertReportCompleted(report: Report, detail = '', expected: Expected = {}): void {
  assertCompleted(verdictExitCode(report), `${report.verdict}: ${report.verdictReasons.join('; ')}\n${detail}`, () => report, expected);
}

/** assertPassed for a run driven in-process (runOnLocalFleet). */
export function assertReportPassed(report: Report, detail = ''): void {
  assertPassed(verdictExitCode(report), `${report.verdict}: ${report.verdictReasons.join('; ')}\n${detail}`, () => report);
}
