// The verdict's precedence (report/verdict.ts), as a table, and what --allow-incomplete does to a report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allowIncomplete, judge } from '../../../../coordinator/report/verdict.js';
import type { Verdict, VerdictFacts } from '../../../../coordinator/report/verdict.js';
import type { Report } from '../../../../coordinator/report/report.js';

const none: VerdictFacts = { abortedForAgentLoss: undefined, failed: [], incomplete: [], generatorBound: [], thresholdsFailed: [] };
const lost = { abortedForAgentLoss: 'agent b lost' };
const failed = { failed: ['agent c failed'] };
const incomplete = { incomplete: ['agent b was lost'] };
const bound = { generatorBound: ['dropped 3 %'] };
const thresholds = { thresholdsFailed: ['threshold "p99 < 100ms" failed'] };

test('precedence: agent-lost > failed > incomplete > generator-bound > thresholds-failed > pass', () => {
  const rows: [string, Partial<VerdictFacts>, Verdict, Verdict][] = [
    // [why, facts, verdict, verdict with --allow-incomplete]
    ['nothing wrong', {}, 'pass', 'pass'],
    ['missing figures alone', incomplete, 'incomplete', 'pass'],
    ['missing figures beat a bound generator', { ...incomplete, ...bound }, 'incomplete', 'generator-bound'],
    ['missing figures beat failed thresholds (judged on short totals)', { ...incomplete, ...thresholds }, 'incomplete', 'thresholds-failed'],
    ['a failed run beats missing figures', { ...incomplete, ...failed }, 'failed', 'failed'],
    ['an abort for a lost agent beats everything', { ...lost, ...failed, ...incomplete, ...bound, ...thresholds }, 'agent-lost', 'agent-lost'],
    ['a bound generator beats thresholds', { ...bound, ...thresholds }, 'generator-bound', 'generator-bound'],
    ['thresholds alone', thresholds, 'thresholds-failed', 'thresholds-failed'],
  ];
  for (const [why, facts, verdict, allowed] of rows) {
    assert.equal(judge({ ...none, ...facts }).verdict, verdict, why);
    assert.equal(judge({ ...none, ...facts }, true).verdict, allowed, `${why} (--allow-incomplete)`);
  }
  const j = judge({ ...none, ...incomplete, ...thresholds });
  assert.deepEqual(j.verdictReasons, ['one set of figures is missing (incomplete[]): the totals are short of what the target received', 'threshold "p99 < 100ms" failed'], 'what is missing comes first');
});

test('allowIncomplete turns an incomplete report into what the rest earns, keeping incomplete[]; other verdicts stay', () => {
  const base = { incomplete: ['agent b was lost'], failures: [] } as unknown as Report;
  const r = allowIncomplete({
    ...base, verdict: 'incomplete', verdictReasons: ['one set of figures is missing (incomplete[])'],
    verdictIfIncompleteAllowed: { verdict: 'thresholds-failed', verdictReasons: ['threshold failed'] },
  });
  assert.equal(r.verdict, 'thresholds-failed');
  assert.deepEqual(r.verdictReasons, ['threshold failed']);
  assert.equal(r.incompleteAllowed, true);
  assert.deepEqual(r.incomplete, ['agent b was lost'], 'what is missing is still named');
  assert.equal('verdictIfIncompleteAllowed' in r, false);
  const failedReport = { ...base, verdict: 'failed', verdictReasons: ['x'] } as Report;
  assert.equal(allowIncomplete(failedReport), failedReport, 'a failed run stays failed');
});
