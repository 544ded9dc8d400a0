import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scenarioFromFile } from '../../../../common/scenario/compile.js';
import { loadDurationMs, toScenarioInput, validateScenario } from '../../../../common/scenario/scenario.js';
import type { Scenario } from '../../../../common/scenario/scenario.js';
import { validateScenarioText } from '../../../../common/scenario/validate.js';

const URL_OK = 'http://127.0.0.1:8080/';

test('valid scenarios parse with defaults applied', () => {
  const rows: { why: string; input: unknown; check: (s: ReturnType<typeof parseOk>) => void }[] = [
    {
      why: 'open model with a constant rate',
      input: { request: { url: URL_OK }, load: { model: 'open', rate: 100, duration: '30s' } },
      check: (s) => {
        assert.equal(s.request.method, 'GET');
        assert.equal(s.request.timeout, 10_000);
        assert.equal(s.load.model === 'open' && s.load.maxInFlight, 10_000);
        assert.equal(loadDurationMs(s.load), 30_000);
        assert.equal(s.warmup, 0);
      },
    },
    {
      why: 'open model with stages: duration is their sum',
      input: { request: { url: URL_OK, method: 'post', body: '{}' }, load: { model: 'open', startRate: 10, stages: [{ duration: '10s', target: 100 }, { duration: '1m', target: 100 }] } },
      check: (s) => {
        assert.equal(s.request.method, 'POST');
        assert.equal(loadDurationMs(s.load), 70_000);
      },
    },
    {
      why: 'closed model',
      input: { request: { url: URL_OK }, load: { model: 'closed', concurrency: 8, duration: 5 }, warmup: '2s' },
      check: (s) => {
        assert.equal(loadDurationMs(s.load), 5_000);
        assert.equal(s.warmup, 2_000);
      },
    },
  ];
  for (const row of rows) row.check(parseOk(row.input, row.why));
});

function parseOk(input: unknown, why: string) {
  const r = validateScenario(input);
  assert.ok(r.ok, `${why}: ${JSON.stringify(!r.ok && r.problems)}`);
  return r.scenario;
}

test('invalid scenarios report every problem with its field', () => {
  const rows: { why: string; input: unknown; problems: [string, RegExp][] }[] = [
    {
      why: 'several problems at once',
      input: { request: { url: 'ftp://x', method: 'FETCH' }, load: { model: 'open', rate: -1, duration: 'soon' } },
      problems: [['request.url', /http/], ['request.method', /one of/], ['load.rate', />0/], ['load.duration', /not a duration/]],
    },
    { why: 'missing request', input: { load: { model: 'closed', concurrency: 1, duration: '1s' } }, problems: [['request', /object/]] },
    { why: 'unknown load model', input: { request: { url: URL_OK }, load: { model: 'burst' } }, problems: [['load.model', /open.*closed/]] },
    { why: 'rate and stages together', input: { request: { url: URL_OK }, load: { model: 'open', rate: 1, duration: '1s', stages: [{ duration: '1s', target: 1 }] } }, problems: [['load.rate', /either rate/]] },
    { why: 'rate without duration', input: { request: { url: URL_OK }, load: { model: 'open', rate: 5 } }, problems: [['load.duration', /required/]] },
    // a rate no fleet could hold (a typo): refused, naming the bound and why
    { why: 'rate above the bound', input: { request: { url: URL_OK }, load: { model: 'open', rate: 1e9, duration: '2s' } }, problems: [['load.rate', /at most 10000000 req\/s.*no fleet could hold more/]] },
    // the same bound for every stage target and the start rate
    { why: 'stage target above the bound', input: { request: { url: URL_OK }, load: { model: 'open', startRate: 2e7, stages: [{ duration: '1s', target: 10 }, { duration: '1s', target: 1e8 }] } }, problems: [['load.startRate', /at most 10000000/], ['load.stages.1.target', /at most 10000000/]] },
    { why: 'unknown field (typo)', input: { request: { url: URL_OK }, load: { model: 'closed', concurrency: 1, duration: '1s' }, warmpu: '1s' }, problems: [['(top level)', /warmpu/]] },
    { why: 'fractional concurrency', input: { request: { url: URL_OK }, load: { model: 'closed', concurrency: 1.5, duration: '1s' } }, problems: [['load.concurrency', /int/i]] },
    // closed stages follow the open model's rules and messages
    { why: 'concurrency and stages together', input: { request: { url: URL_OK }, load: { model: 'closed', concurrency: 1, duration: '1s', stages: [{ duration: '1s', target: 1 }] } }, problems: [['load.concurrency', /either concurrency/], ['load.duration', /sum of the stages/]] },
    { why: 'concurrency without duration', input: { request: { url: URL_OK }, load: { model: 'closed', concurrency: 5 } }, problems: [['load.duration', /required with concurrency/]] },
    { why: 'startConcurrency without stages', input: { request: { url: URL_OK }, load: { model: 'closed', concurrency: 2, duration: '1s', startConcurrency: 1 } }, problems: [['load.startConcurrency', /only applies to stages/]] },
    { why: 'fractional closed stage target', input: { request: { url: URL_OK }, load: { model: 'closed', stages: [{ duration: '1s', target: 2.5 }] } }, problems: [['load.stages.0.target', /int/i]] },
    { why: 'empty closed stages', input: { request: { url: URL_OK }, load: { model: 'closed', stages: [] } }, problems: [['load.stages', />=1|at least/i]] },
    { why: 'zero duration', input: { request: { url: URL_OK }, load: { model: 'closed', concurrency: 1, duration: '0s' } }, problems: [['load.duration', /longer than 0/]] },
  ];
  for (const row of rows) {
    const r = validateScenario(row.input);
    assert.equal(r.ok, false, row.why);
    if (r.ok) continue;
    for (const [path, re] of row.problems) {
      assert.ok(r.problems.some((p) => p.path === path && re.test(p.message)), `${row.why}: expected ${path} ~ ${re} in ${JSON.stringify(r.problems)}`);
    }
  }
});

/** Scenario text through the language's entry (validateScenarioText, then scenarioFromFile), as `run` reads a file. */
function fromText(text: string): { ok: true; scenario: Scenario } | { ok: false; problems: string[] } {
  const v = validateScenarioText(text);
  if (!v.ok) return { ok: false, problems: v.problems.map((p) => `${p.path}: ${p.message}`) };
  const r = scenarioFromFile(v.file, (path) => { throw new Error(`no data file ${path} here`); });
  return r.ok ? r : { ok: false, problems: r.problems.map((p) => `${p.path}: ${p.message}`) };
}

test('scenario text: YAML and JSON, every problem at once', () => {
  const yaml = fromText(`request:\n  url: ${URL_OK}\nload:\n  model: open\n  rate: 50\n  duration: 10s\n`);
  assert.equal(yaml.ok && yaml.scenario.load.model, 'open');
  const json = fromText(JSON.stringify({ request: { url: URL_OK }, load: { model: 'closed', concurrency: 2, duration: '1s' } }));
  assert.equal(json.ok && json.scenario.load.model, 'closed');
  const bad = fromText('request: [unclosed');
  assert.ok(!bad.ok && bad.problems.length === 1 && /^\(top level\): YAML: /.test(bad.problems[0] ?? ''), JSON.stringify(bad));
  const two = fromText('request:\n  url: nope\nload:\n  model: closed\n');
  assert.ok(!two.ok, 'invalid');
  assert.ok(two.problems.some((p) => /^request\.url: /.test(p)), JSON.stringify(two.problems));
  assert.ok(two.problems.some((p) => /^load\.concurrency: give either concurrency \(with duration\) or stages/.test(p)), JSON.stringify(two.problems));
});

test('toScenarioInput round-trips through validation', () => {
  const inputs = [
    { request: { url: URL_OK, headers: { a: 'b' }, timeout: '2s' }, load: { model: 'open', startRate: 5, stages: [{ duration: '1500ms', target: 10 }] }, warmup: '1s' },
    { request: { url: URL_OK }, load: { model: 'open', rate: 3.5, duration: '1m', maxInFlight: 7, connections: 3 } },
    { request: { url: URL_OK, method: 'PUT', body: 'x' }, load: { model: 'closed', concurrency: 4, duration: '10s' } },
    { request: { url: URL_OK }, load: { model: 'closed', startConcurrency: 2, stages: [{ duration: '2s', target: 10 }, { duration: '1s', target: 0 }], connections: 4 } },
  ];
  for (const input of inputs) {
    const s = parseOk(input, 'input');
    assert.deepEqual(parseOk(toScenarioInput(s), 'round trip'), s);
  }
});
