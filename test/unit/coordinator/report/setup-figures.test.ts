// The report's setup section (report/setup-figures.ts): why it keeps a run from passing, where that
// stands among the verdicts (report/verdict.ts), the console's lines and the HTML report's section.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setupSummaryLines, setupVerdictReasons } from '../../../../coordinator/report/setup-figures.js';
import type { SetupRecord, SetupReport } from '../../../../coordinator/report/setup-figures.js';
import { judge } from '../../../../coordinator/report/verdict.js';
import { loadChartAssets, renderHtmlReport } from '../../../../coordinator/outputs/html-report/page.js';
import { sampleReport } from '../../../helpers/report.js';

const rec = (over: Partial<SetupRecord>): SetupRecord => ({
  part: 'setup', purpose: 'setup', atMs: 0, ran: true, agentId: 'a1', ok: true, message: '', values: ['token'], requests: 1, durationMs: 12, steps: [], movedFrom: [], ...over,
});

test('setup verdict reasons: a failed refresh, a failed teardown, a teardown that did not run; none when all went well', () => {
  const rows: [string, SetupReport | undefined, RegExp[]][] = [
    ['no setup section', undefined, []],
    ['all ok', { setup: rec({}), refreshes: [rec({ purpose: 'refresh', atMs: 600_000 })], teardown: rec({ part: 'teardown', purpose: 'teardown', values: [] }) }, []],
    ['a refresh failed', { setup: rec({}), refreshes: [rec({ purpose: 'refresh', atMs: 600_000, ok: false, message: 'setup step 1 (login): answered status 500' })], teardown: null },
      [/^setup refresh at 600 s failed on agent a1: setup step 1 \(login\): answered status 500 \(the load went on with the previous values\)$/]],
    ['teardown failed', { setup: null, refreshes: [], teardown: rec({ part: 'teardown', purpose: 'teardown', ok: false, message: 'teardown step 1 (logout): answered status 401' }) },
      [/^teardown failed on agent a1: teardown step 1 \(logout\): answered status 401$/]],
    ['teardown did not run', { setup: rec({}), refreshes: [], teardown: rec({ part: 'teardown', purpose: 'teardown', ran: false, ok: false, agentId: null, message: 'no agent left to run it' }) },
      [/^teardown did not run: no agent left to run it$/]],
    ['the setup before the load failed: no load was sent', { setup: rec({ ok: false, message: 'setup step 1 (login): answered status 401' }), refreshes: [], teardown: null, noLoad: { cause: 'setup-failed', message: 'setup failed on agent a1: x' } },
      [/^setup failed on agent a1: setup step 1 \(login\): answered status 401 \(no load was sent\)$/]],
    ['stopped during the setup: not a setup failure (report.ts gives the stop as the reason)', { setup: rec({ ok: false, message: 'stopped during the setup: loadfleet stop' }), refreshes: [], teardown: null, noLoad: { cause: 'stopped', message: 'loadfleet stop' } },
      []],
  ];
  for (const [why, s, want] of rows) {
    const got = setupVerdictReasons(s);
    assert.equal(got.length, want.length, `${why}: ${JSON.stringify(got)}`);
    want.forEach((re, i) => assert.match(got[i] ?? '', re, why));
  }
});

test('setup-failed among the verdicts: after agent-lost and failed, before incomplete, generator-bound and thresholds', () => {
  const none = { abortedForAgentLoss: undefined, failed: [], incomplete: [], generatorBound: [], thresholdsFailed: [] };
  const rows: [string, Parameters<typeof judge>[0], string][] = [
    ['only setup failed: not a pass', { ...none, setupFailed: ['teardown failed'] }, 'setup-failed'],
    ['no setup section: a pass', { ...none }, 'pass'],
    ['thresholds failed too: setup-failed first', { ...none, setupFailed: ['x'], thresholdsFailed: ['p99'] }, 'setup-failed'],
    ['incomplete too: setup-failed first', { ...none, setupFailed: ['x'], incomplete: ['a lost'] }, 'setup-failed'],
    ['the run failed: failed first', { ...none, setupFailed: ['x'], failed: ['no responses'] }, 'failed'],
    ['aborted for a lost agent: agent-lost first', { ...none, setupFailed: ['x'], abortedForAgentLoss: 'a lost' }, 'agent-lost'],
  ];
  for (const [why, facts, verdict] of rows) assert.equal(judge(facts).verdict, verdict, why);
  assert.deepEqual(judge({ ...none, setupFailed: ['x'], thresholdsFailed: ['p99'] }).verdictReasons, ['x', 'p99']);
});

test('console lines: setup, refreshes and teardown apart from the main figures; values named, never shown', () => {
  const lines = setupSummaryLines({
    setup: rec({}),
    refreshes: [rec({ purpose: 'refresh' }), rec({ purpose: 'refresh', ok: false, message: 'step 1: status 500' })],
    teardown: rec({ part: 'teardown', purpose: 'teardown', ran: false, ok: false, agentId: null, message: 'no agent left to run it', requests: 0 }),
  });
  assert.deepEqual(lines, [
    'setup     ok, 1 request(s) in 12 ms on a1, values token (not in the figures above)',
    'refresh   2 run(s), 1 failed (first: step 1: status 500)',
    'teardown  did not run (no agent left to run it)',
  ]);
  assert.deepEqual(setupSummaryLines(undefined), []);
});

test('the HTML report has a setup section only when the run had setup or teardown, values named, failures said', () => {
  const base = sampleReport(2);
  const assets = loadChartAssets();
  assert.doesNotMatch(renderHtmlReport(base, assets), /id="setup"/);
  const html = renderHtmlReport({
    ...base,
    setup: { setup: rec({}), refreshes: [rec({ purpose: 'refresh', atMs: 60_000, ok: false, message: 'step 1 <b>500</b>' })], teardown: null },
  }, assets);
  const section = /<section id="setup">.*?<\/section>/s.exec(html)?.[0] ?? '';
  assert.match(section, /<td>setup<\/td><td class="n">0\.0 s<\/td><td>a1<\/td><td><span class="ok">ok<\/span><\/td><td class="n">1<\/td><td class="n">[^<]+<\/td><td>token<\/td>/);
  assert.match(section, /<td>refresh<\/td><td class="n">60\.0 s<\/td>.*<span class="bad">failed<\/span>.*step 1 &#60;b&#62;500&#60;\/b&#62;/);
  assert.doesNotMatch(section, /No load was sent/, 'a run that sent load');
  for (const [noLoad, said] of [
    [{ cause: 'setup-failed', message: 'setup failed on agent a1: x' }, /No load was sent: the setup failed, so the test never started/],
    [{ cause: 'stopped', message: 'SIGINT <on> the CLI' }, /No load was sent: the test was stopped during its setup \(SIGINT &#60;on&#62; the CLI\)/],
  ] as const) {
    const page = renderHtmlReport({ ...base, verdict: 'setup-failed', setup: { setup: rec({ ok: false, message: 'x' }), refreshes: [], teardown: null, noLoad } }, assets);
    assert.match(/<section id="setup">.*?<\/section>/s.exec(page)?.[0] ?? '', said);
  }
});

test('console lines of a run that sent no load: an abandoned setup is not called failed', () => {
  const failed = setupSummaryLines({ setup: rec({ ok: false, message: 'step 1: status 401' }), refreshes: [], teardown: null, noLoad: { cause: 'setup-failed', message: 'setup failed on agent a1: step 1: status 401' } });
  assert.deepEqual(failed, [
    'setup     FAILED, 1 request(s) in 12 ms on a1: step 1: status 401 (not in the figures above)',
  ]);
  const stopped = setupSummaryLines({ setup: rec({ ok: false, requests: 0, message: 'stopped during the setup: loadfleet stop' }), refreshes: [], teardown: null, noLoad: { cause: 'stopped', message: 'loadfleet stop' } });
  assert.deepEqual(stopped, [
    'setup     abandoned on a1 (its answer, if any, is ignored)',
  ]);
});
