// The live dashboard and the HTML report in a real headless Chromium (test/helpers/browser.ts), on real
// runs: `loadfleet run` as its own process (coordinator in it, 2 agent processes over real gRPC) against
// a counting target. Proves the page loads and its charts redraw with more points while the test runs,
// a rate change typed in the page reaches the agents (the report's timeline has it with source
// "dashboard", the achieved rate follows), a wrong token is refused, the stop button ends the run, and
// `loadfleet report --html` renders non-empty charts. Screenshots go to test-artifacts/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { startTarget } from '../helpers/target.js';
import type { Target } from '../helpers/target.js';
import type { Report } from '../../coordinator/report/report.js';
import { CLI_ENTRY } from '../helpers/paths.js';
import { startProcess } from '../helpers/processes.js';
import type { Proc } from '../helpers/processes.js';
import { assertCompleted, reportAt } from '../helpers/verdict.js';
import { artifactPath, canvases, chromiumOrSkip, overflowsX, waitAttrAtLeast, waitText } from '../helpers/browser.js';

let target: Target;
let dir: string;

before(async () => {
  target = await startTarget();
  dir = mkdtempSync(join(tmpdir(), 'loadfleet-browser-'));
});

after(async () => {
  await target.close();
});

/** Starts `loadfleet run` on a scenario; resolves with the process and its printed dashboard URL. */
async function startRun(name: string, load: object, extra: string[], env: Record<string, string> = {}): Promise<{ proc: Proc; url: string; reportPath: string }> {
  const scenarioPath = join(dir, `${name}.json`);
  const reportPath = join(dir, `${name}-report.json`);
  writeFileSync(scenarioPath, JSON.stringify({ name, request: { url: `${target.url}${name}` }, load }));
  const proc = startProcess([CLI_ENTRY, 'run', scenarioPath, '--out', reportPath, ...extra], { LOADFLEET_PLAIN: '1', LOADFLEET_TOKEN: '', ...env }, dir);
  const m = await proc.waitFor(/^dashboard on (http:\/\/127\.0\.0\.1:\d+\/)/);
  return { proc, url: m[1] as string, reportPath };
}

const attr = async (page: Page, name: string): Promise<number> => Number(await page.getAttribute('#charts', name));

test('dashboard: charts update during a real run; a rate change made in the page reaches the agents; the HTML report renders', async (t) => {
  const browser = await chromiumOrSkip(t);
  if (browser === undefined) return;
  let run: Awaited<ReturnType<typeof startRun>> | undefined;
  try {
    run = await startRun('dash-rate', { model: 'open', rate: 100, duration: '14s' }, ['--agents', '2', '--warmup', '1s']);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(run.url);
    assert.equal(await page.title(), 'loadfleet dashboard');

    // (a) the charts fill in and redraw while the test runs.
    await waitAttrAtLeast(page, 'charts', 'data-points', 2, 15_000);
    const points1 = await attr(page, 'data-points');
    const shot1 = await canvases(page, '#charts canvas');
    assert.equal(shot1.length, 4, 'four charts');
    for (const c of shot1) assert.ok(c.painted > 1_000, `a chart is drawn: ${c.painted} painted pixels`);
    await waitAttrAtLeast(page, 'charts', 'data-points', points1 + 2);
    const shot2 = await canvases(page, '#charts canvas');
    assert.ok(shot2.every((c, i) => c.image !== shot1[i]?.image), 'every chart was redrawn with the new points');
    assert.equal(await page.locator('#agents-body tr').count(), 2, 'one row per agent');
    assert.match((await page.textContent('#stat-target')) ?? '', /^100\/s$/);
    assert.equal(await page.textContent('#conn'), 'live');

    // (b) a rate change typed in the page: acknowledged by both agents, in the unit the label names.
    assert.equal(await page.textContent('#rate-label'), 'rate (req/s)', 'a single request: the rate is requests per second');
    await page.fill('#rate-input', '250');
    await page.click('#rate-btn');
    await waitText(page, 'control-result', /^rate 250 req\/s: applied by 2 of 2/);
    await waitText(page, 'timeline-list', /rate -> 250\/s \(dashboard\)/);
    await waitText(page, 'stat-target', /^250\/s$/);

    // (e) screenshots, on a desktop and on a phone-sized screen (which must not scroll sideways).
    const now = await attr(page, 'data-points');
    await waitAttrAtLeast(page, 'charts', 'data-points', now + 3);
    await page.screenshot({ path: artifactPath('dashboard.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    assert.equal(await overflowsX(page), false, 'no sideways scrolling at 390 px');
    await page.screenshot({ path: artifactPath('dashboard-phone.png'), fullPage: true });

    const code = await run.proc.exited;
    // Chromium shares the 2 cores too.
    assertCompleted(code, run.proc.stderr(), reportAt(run.reportPath));
    await waitText(page, 'timeline-list', /finished: verdict/);
    assert.deepEqual(pageErrors, []);

    const report = JSON.parse(readFileSync(run.reportPath, 'utf8')) as Report;
    const change = report.timeline.find((e) => e.kind === 'rate' && e.source === 'dashboard');
    assert.ok(change !== undefined, `the timeline has the dashboard's change: ${JSON.stringify(report.timeline)}`);
    assert.equal(change.rateRps, 250);
    assert.equal(change.acks?.length, 2, 'both agents acknowledged it');
    // The whole seconds after the change (not the last: it includes the drain) average 250/s within 5 %,
    // each within 20 % (on a busy machine a stall moves completions into the next second); before it, 100/s.
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const afterChange = report.series.filter((p) => p.atMs >= change.atMs + 1_000 && p.index < report.series.length - 1);
    assert.ok(afterChange.length >= 3, `seconds after the change: ${afterChange.length}`);
    const rates = afterChange.map((p) => p.rps);
    assert.ok(Math.abs(mean(rates) - 250) <= 12.5, `after the change: ${rates.join(', ')} req/s, expected 250/s`);
    for (const p of afterChange) assert.ok(Math.abs(p.rps - 250) <= 50, `second ${p.index}: ${p.rps}/s, expected 250/s +- 20 %`);
    const before = report.series.filter((p) => p.atMs + 1_000 <= change.atMs).map((p) => p.rps);
    assert.ok(before.length >= 2 && Math.abs(mean(before) - 100) <= 5, `before the change: ${before.join(', ')} req/s, expected 100/s`);

    // (d) the HTML report of the same run, written by `loadfleet report --html`, in the browser.
    const htmlPath = join(dir, 'dash-rate.html');
    const exporter = startProcess([CLI_ENTRY, 'report', run.reportPath, '--html', htmlPath], {}, dir);
    assert.equal(await exporter.exited, code, `the report's verdict earns the run's exit code: ${exporter.stderr()}`);
    const reportPage = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const reportErrors: string[] = [];
    reportPage.on('pageerror', (e) => reportErrors.push(e.message));
    await reportPage.goto(pathToFileURL(htmlPath).href);
    await reportPage.waitForSelector('#chart-spectrum canvas');
    const charts = await canvases(reportPage, '.chart canvas');
    assert.equal(charts.length, 5, 'rate, latency, errors, health and the percentile spectrum');
    for (const c of charts) assert.ok(c.painted > 1_000, `a report chart is drawn: ${c.painted} painted pixels`);
    assert.deepEqual(reportErrors, []);
    await reportPage.screenshot({ path: artifactPath('report.png'), fullPage: true });
  } finally {
    run?.proc.kill('SIGKILL');
    await browser.close();
  }
});

test('dashboard: with a control token, the run is shown and controlled only with it: a wrong one is refused (401, logged); the right one changes the rate and stops the test', async (t) => {
  const browser = await chromiumOrSkip(t);
  if (browser === undefined) return;
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 'the-right-token\n');
  let run: Awaited<ReturnType<typeof startRun>> | undefined;
  try {
    run = await startRun('dash-token', { model: 'open', rate: 50, duration: '30s' }, ['--agents', '1', '--token-file', tokenFile]);
    assert.match(run.proc.stdout(), /its controls need the control token/);
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(run.url);
    assert.ok(await page.isVisible('#token-input'), 'the page asks for the token');
    // The run's figures need the token too: none without it, nor with a wrong one.
    await waitText(page, 'conn', /enter the token/);
    await page.fill('#token-input', 'a-wrong-token');
    await waitText(page, 'conn', /token refused/);
    await run.proc.waitFor(/dashboard: refused GET \/api\/events from \S+: missing or wrong token/, 5_000);
    assert.equal(await page.getAttribute('#charts', 'data-updates'), '0', 'no update reached the page');
    await page.fill('#token-input', 'the-right-token');
    await waitAttrAtLeast(page, 'charts', 'data-updates', 1);

    await page.fill('#rate-input', '80');
    await page.fill('#token-input', 'a-wrong-token');
    await page.click('#rate-btn');
    await waitText(page, 'control-result', /refused \(401\)/);
    await run.proc.waitFor(/dashboard: refused POST \/api\/rate from \S+: missing or wrong control token/, 5_000);
    await page.fill('#token-input', '');
    await page.click('#stop-btn');
    await waitText(page, 'control-result', /refused \(401\)/);
    await run.proc.waitFor(/dashboard: refused POST \/api\/stop/, 5_000);

    await page.fill('#token-input', 'the-right-token');
    await page.click('#rate-btn');
    await waitText(page, 'control-result', /applied by 1 of 1/);
    await page.click('#stop-btn');
    await waitText(page, 'control-result', /stopping/);
    const code = await run.proc.exited;
    assertCompleted(code, run.proc.stderr(), reportAt(run.reportPath));

    const report = JSON.parse(readFileSync(run.reportPath, 'utf8')) as Report;
    const changes = report.timeline.filter((e) => e.kind === 'rate');
    assert.deepEqual(changes.map((e) => [e.source, e.rateRps]), [['dashboard', 80]], 'only the authorized change happened');
    assert.ok(report.timeline.some((e) => e.kind === 'stop' && /dashboard/.test(e.detail)), `stopped from the dashboard: ${JSON.stringify(report.timeline)}`);
    assert.ok(report.summary.durationMs < 25_000, `the stop ended the 30 s test early (${report.summary.durationMs} ms)`);
  } finally {
    run?.proc.kill('SIGKILL');
    await browser.close();
  }
});

test('dashboard: a scenario with named requests shows a row per request name, and the latency chart can show one name; so does the HTML report', async (t) => {
  const browser = await chromiumOrSkip(t);
  if (browser === undefined) return;
  const scenarioPath = join(dir, 'named.json');
  const reportPath = join(dir, 'named-report.json');
  const before = target.methods();
  writeFileSync(scenarioPath, JSON.stringify({
    name: 'named',
    requests: {
      list: { url: `${target.url}items`, weight: 3, checks: [{ status: 200 }] },
      create: { url: `${target.url}items`, method: 'POST', body: '{"n": {{ $seq }}}', weight: 1 },
    },
    load: { model: 'open', rate: 60, duration: '8s' },
  }));
  const proc = startProcess([CLI_ENTRY, 'run', scenarioPath, '--out', reportPath, '--agents', '2'], { LOADFLEET_PLAIN: '1', LOADFLEET_TOKEN: '' }, dir);
  try {
    const url = (await proc.waitFor(/^dashboard on (http:\/\/127\.0\.0\.1:\d+\/)/))[1] as string;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(url);
    const row = page.locator('#requests-body tr[data-request="list"]');
    await row.waitFor({ timeout: 15_000 });
    assert.ok(await page.isVisible('#requests'), 'the requests table is shown for a scenario with named requests');
    const cells = await row.locator('td').allTextContents();
    assert.equal(cells[0], 'list');
    assert.match(cells[1] ?? '', /^\d+(\.\d)?\/s$/, `this interval's rate: ${cells.join(' | ')}`);
    assert.match(cells[4] ?? '', /ms$/, 'p99');
    assert.equal(await page.locator('#requests-body tr[data-request="create"]').count(), 1);

    // The latency chart for one request name: the selector lists it, and the chart is drawn again.
    await page.waitForSelector('#latency-request option[value="list"]', { state: 'attached', timeout: 10_000 });
    await page.selectOption('#latency-request', 'list');
    await waitAttrAtLeast(page, 'charts', 'data-points', 3);
    const latency = (await canvases(page, '#chart-latency canvas'))[0];
    assert.ok(latency !== undefined && latency.painted > 1_000, `the latency chart of "list" is drawn: ${latency?.painted} painted pixels`);
    assert.match((await page.textContent('#chart-latency')) ?? '', /list p99/, 'its legend names the request');
    await page.screenshot({ path: artifactPath('dashboard-requests.png'), fullPage: true });

    const code = await proc.exited;
    assertCompleted(code, proc.stderr(), reportAt(reportPath));
    assert.deepEqual(pageErrors, []);
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as Report;
    const after = target.methods();
    const sent = (m: string): number => (after[m] ?? 0) - (before[m] ?? 0);
    assert.equal(report.requests?.list?.requests, sent('GET'), 'the report counts every GET the target received as "list"');
    assert.equal(report.requests?.create?.requests, sent('POST'));

    const htmlPath = join(dir, 'named.html');
    const exporter = startProcess([CLI_ENTRY, 'report', reportPath, '--html', htmlPath], {}, dir);
    assert.equal(await exporter.exited, code, `report exits with the run's verdict's code: ${exporter.stderr()}`);
    const reportPage = await browser.newPage();
    await reportPage.goto(pathToFileURL(htmlPath).href);
    const rows = await reportPage.locator('#requests tbody tr').allTextContents();
    assert.equal(rows.length, 2);
    assert.ok(rows.some((r) => r.startsWith(`create${report.requests?.create?.requests.toLocaleString('en-US')}`)), rows.join('\n'));
  } finally {
    proc.kill('SIGKILL');
    await browser.close();
  }
});

test('dashboard: several scenarios at once: the control names the scenario, its label follows its model, and each change reaches only that scenario', async (t) => {
  const browser = await chromiumOrSkip(t);
  if (browser === undefined) return;
  const scenarioPath = join(dir, 'parts.json');
  const reportPath = join(dir, 'parts-report.json');
  writeFileSync(scenarioPath, JSON.stringify({
    name: 'parts',
    requests: { a: { url: `${target.url}a` }, b: { url: `${target.url}b` } },
    scenarios: {
      arrivals: { exec: 'a', load: { model: 'open', rate: 20, duration: '30s' } },
      loops: { exec: 'b', load: { model: 'closed', concurrency: 1, duration: '30s' } },
    },
  }));
  const proc = startProcess([CLI_ENTRY, 'run', scenarioPath, '--out', reportPath, '--agents', '1'], { LOADFLEET_PLAIN: '1', LOADFLEET_TOKEN: '' }, dir);
  try {
    const url = (await proc.waitFor(/^dashboard on (http:\/\/127\.0\.0\.1:\d+\/)/))[1] as string;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(url);
    await page.waitForSelector('#rate-scenario option[value="loops"]', { state: 'attached', timeout: 15_000 });
    assert.ok(await page.isVisible('#scenario-row'), 'the scenario selector is shown for a test with several scenarios');
    assert.equal(await page.textContent('#rate-label'), 'rate (flow runs/s)', 'the first scenario is open, with flows: its rate is flow runs per second');
    await waitText(page, 'chart-rate', /loops \(closed\)/);
    assert.match((await page.textContent('#chart-rate')) ?? '', /target flows\/s \(open\)/, 'a mixed test charts both the open rate (flow runs/s: its own unit) and the loops');

    await page.selectOption('#rate-scenario', 'loops');
    assert.equal(await page.textContent('#rate-label'), 'loops', 'the label follows the chosen scenario\'s model');
    await page.fill('#rate-input', '3');
    await page.click('#rate-btn');
    await waitText(page, 'timeline-list', /loops: concurrency -> 3 \(dashboard\)/);
    await waitText(page, 'control-result', /^loops: loops 3: applied by 1 of 1/);

    await page.selectOption('#rate-scenario', 'arrivals');
    await page.fill('#rate-input', '40');
    await page.click('#rate-btn');
    await waitText(page, 'timeline-list', /arrivals: rate -> 40\/s \(dashboard\)/);
    await waitText(page, 'control-result', /^arrivals: rate 40 flow runs\/s: applied by 1 of 1/);
    await page.screenshot({ path: artifactPath('dashboard-scenarios.png'), fullPage: true });
    await page.click('#stop-btn');

    const code = await proc.exited;
    assertCompleted(code, proc.stderr(), reportAt(reportPath));
    assert.deepEqual(pageErrors, []);
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as Report;
    const changes = report.rateChanges.filter((c) => c.source === 'dashboard').map((c) => ({ scenario: c.scenario, rateRps: c.rateRps, concurrency: c.concurrency }));
    assert.deepEqual(changes, [{ scenario: 'loops', rateRps: undefined, concurrency: 3 }, { scenario: 'arrivals', rateRps: 40, concurrency: undefined }]);

    // The HTML report of the same run charts both too.
    const htmlPath = join(dir, 'parts.html');
    const exporter = startProcess([CLI_ENTRY, 'report', reportPath, '--html', htmlPath], {}, dir);
    assert.equal(await exporter.exited, code, `report exits with the run's verdict's code: ${exporter.stderr()}`);
    const reportPage = await browser.newPage();
    await reportPage.goto(pathToFileURL(htmlPath).href);
    await waitText(reportPage, 'chart-rate', /loops \(closed\)/);
  } finally {
    proc.kill('SIGKILL');
    await browser.close();
  }
});
