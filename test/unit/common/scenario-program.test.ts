// From a validated scenario file to what the coordinator plans from (common/scenario-program.ts), and
// how the planner ships data (coordinator/planner.ts planProgram).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateScenarioFile } from '../../../common/scenario-validate.js';
import { dataSizeProblems, originSource, scenarioFromFile, staticOrigin } from '../../../common/scenario-program.js';
import type { ScenarioFromFile } from '../../../common/scenario-program.js';
import { validateScenario, toScenarioInput } from '../../../common/scenario.js';
import { planProgram } from '../../../coordinator/planner.js';

const LOAD = { model: 'open', rate: 10, duration: '1s' };

function convert(value: Record<string, unknown>, files: Record<string, string> = {}): ScenarioFromFile {
  const v = validateScenarioFile({ load: LOAD, ...value });
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return scenarioFromFile(v.file, (p) => {
    const t = files[p];
    if (t === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
    return t;
  });
}

test('originSource and staticOrigin', () => {
  const rows: [string, string, string | undefined][] = [
    // [url template, origin part, origin with variables { base, host }]
    ['http://a.test:81/x?y', 'http://a.test:81', 'http://a.test:81'],
    ['{{ base }}/login', '{{ base }}', 'http://b.test'],
    ['http://{{ host }}:8080/p/{{ user.id }}', 'http://{{ host }}:8080', 'http://h.test:8080'],
    ['{{ user.url }}/x', '{{ user.url }}', undefined], // from data: not static
  ];
  for (const [url, src, origin] of rows) {
    assert.equal(originSource(url), src, url);
    assert.equal(staticOrigin(url, { base: 'http://b.test/api', host: 'h.test' }), origin, url);
  }
});

test('a plain single-request file gives the same Scenario as the single-request schema, without a program', () => {
  const file = { name: 'x', request: { url: 'http://127.0.0.1:1/a', method: 'post', headers: { a: 'b' }, body: 'hi', timeout: '2s' }, load: LOAD, warmup: '1s', thresholds: ['p99 < 5ms'] };
  const r = convert(file);
  assert.ok(r.ok);
  const old = validateScenario(file);
  assert.ok(old.ok);
  assert.deepEqual(r.scenario, old.scenario);
  assert.equal(r.scenario.program, undefined);
});

test('requests only: one single-step flow per request, by weight; checks on `request` make a program named default', () => {
  const r = convert({ requests: { a: { url: 'http://x.test/a', weight: 3 }, b: { url: 'http://y.test/b' } } });
  assert.ok(r.ok);
  const p = r.scenario.program!;
  assert.deepEqual(p.flows.map((f) => [f.name, f.weight, f.steps[0]?.request]), [['a', 3, 'a'], ['b', 1, 'b']]);
  assert.deepEqual(p.origins, ['http://x.test', 'http://y.test']);
  const d = convert({ request: { url: 'http://x.test/', checks: [{ status: 200 }] } });
  assert.ok(d.ok);
  assert.deepEqual(Object.keys(d.scenario.program!.requests), ['default']);
});

test('flows: inline requests named, data read and embedded; it survives the trip to a remote coordinator', () => {
  const r = convert({
    variables: { base: 'http://127.0.0.1:9' },
    data: { users: { path: 'u.csv', mode: 'unique' } },
    flows: { f: { steps: [{ request: { url: '{{ base }}/login', method: 'POST', body: '{{ users.name }}' }, extract: { t: { json: '$.t' } }, think: '1s' }, { request: { name: 'next', url: '{{ base }}/n' } }] } },
  }, { 'u.csv': 'name\na\nb\nc\n' });
  assert.ok(r.ok, JSON.stringify(r));
  const p = r.scenario.program!;
  assert.deepEqual(Object.keys(p.requests), ['f.0', 'next']);
  assert.equal(p.flows[0]?.steps[0]?.thinkMs, 1000);
  assert.deepEqual(p.data.users?.rows, [{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
  const again = validateScenario(JSON.parse(JSON.stringify(toScenarioInput(r.scenario))));
  assert.ok(again.ok);
  assert.deepEqual(again.scenario, r.scenario);
});

test('what run cannot do is a located problem, every one at once', () => {
  const r = convert({
    load: undefined,
    data: { users: { path: 'missing.csv' } },
    requests: { a: { url: '{{ users.base }}/x' } },
    scenarios: { s: { load: LOAD } },
  });
  assert.ok(!r.ok);
  assert.deepEqual(r.problems.map((p) => p.path).sort(), ['scenarios']);
  const r2 = convert({ data: { users: { path: 'missing.csv' } }, requests: { a: { url: '{{ users.base }}/x' } } });
  assert.ok(!r2.ok);
  assert.deepEqual(r2.problems.map((p) => p.path).sort(), ['data.users.path', 'requests.a.url']);
});

test('planProgram: unique feeders are block-fed (no rows in the plan), others ride inline or chunked as the delivery says', () => {
  const r = convert({
    data: { u: { path: 'u.csv', mode: 'unique' }, s: { path: 's.csv', mode: 'sequential' }, big: { path: 'b.csv', mode: 'random' } },
    requests: { a: { url: 'http://x.test/{{ u.n }}/{{ s.n }}/{{ big.n }}' } },
  }, { 'u.csv': `n\n${Array.from({ length: 10 }, (_, i) => i).join('\n')}\n`, 's.csv': 'n\n1\n2\n', 'b.csv': 'n\n7\n' });
  assert.ok(r.ok);
  const ref = { bytes: 11, sha256: 'a'.repeat(64), chunks: 1 };
  const p = planProgram(r.scenario.program!, new Map([['big', { kind: 'chunked' as const, ref }]]));
  assert.deepEqual(p.data.u, { mode: 'unique', totalRows: 10, rows: [], blocks: true }, 'unique: rows come in blocks');
  assert.equal(p.data.s!.rows.length, 2, 'sequential: inline by default');
  assert.deepEqual(p.data.big, { mode: 'random', totalRows: 1, rows: [], chunked: ref }, 'chunked: only the reference');
  assert.equal(r.scenario.program!.data.u!.rows.length, 10, 'the scenario keeps its rows');
});

test('a data row too large for one piece is a located problem naming the row and the limit', () => {
  const big = 'x'.repeat(4 * 1024 * 1024);
  const r = convert({ data: { u: { path: 'u.csv' } }, requests: { a: { url: 'http://x.test/{{ u.n }}' } } }, { 'u.csv': `n\nsmall\n${big}\n` });
  assert.ok(!r.ok);
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0]?.path, 'data.u.path');
  assert.match(r.problems[0]?.message ?? '', /u\.csv: row 2 is 4\.0 MiB as JSON; one row may be at most 4\.0 MiB/);
  const ok = convert({ data: { u: { path: 'u.csv' } }, requests: { a: { url: 'http://x.test/{{ u.n }}' } } }, { 'u.csv': `n\n${'é'.repeat(1000)}\n` });
  assert.ok(ok.ok, 'rows well under the limit pass');
});

test('dataSizeProblems: over 256 MiB of rows in all is one problem at `data`, naming the size and the limit (validate and run share it)', () => {
  const row = { pad: 'x'.repeat(3.9 * 1024 * 1024) }; // the same object many times: cheap to hold
  const ok = dataSizeProblems([{ name: 'a', path: 'a.csv', rows: Array(60).fill(row) }]);
  assert.deepEqual(ok, [], '234 MiB is within the limit');
  const over = dataSizeProblems([{ name: 'a', path: 'a.csv', rows: Array(40).fill(row) }, { name: 'b', path: 'b.csv', rows: Array(30).fill(row) }]);
  assert.equal(over.length, 1);
  assert.equal(over[0]?.path, 'data');
  assert.match(over[0]?.message ?? '', /the data files come to 273\.0 MiB as rows \(JSON\); the limit is 256 MiB in all/);
});
