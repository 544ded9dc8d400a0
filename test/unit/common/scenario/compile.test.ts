// From a validated scenario file to what the coordinator plans from (common/scenario/compile.ts), and
// how the planner ships data (coordinator/schedule/planner.ts planProgram).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateScenarioFile } from '../../../../common/scenario/validate.js';
import { dataSizeProblems, originSource, scenarioFromFile, staticOrigin } from '../../../../common/scenario/compile.js';
import type { ScenarioFromFile } from '../../../../common/scenario/compile.js';
import { validateScenario, toScenarioInput } from '../../../../common/scenario/scenario.js';
import { planProgram } from '../../../../coordinator/schedule/planner.js';

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
  assert.deepEqual(r.problems.map((p) => p.path).sort(), ['data.users.path', 'requests.a.url'], 'several scenarios run: only the real problems remain');
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

test('scenarios become parts: exec by flow or request name (a request where flows exist runs as its own one-step flow), default every flow; the parts survive the trip to a remote coordinator', () => {
  const CLOSED = { model: 'closed', startConcurrency: 1, stages: [{ duration: '2s', target: 4 }] };
  const rows: { why: string; file: Record<string, unknown>; parts: [string, string, string[]][]; flows: string[] }[] = [
    {
      // requests only: each request is a flow of its own name; no exec = every one
      why: 'requests only',
      file: { requests: { a: { url: 'http://x.test/a', weight: 3 }, b: { url: 'http://x.test/b' } }, scenarios: { browse: { load: LOAD, exec: 'a' }, all: { load: CLOSED } } },
      parts: [['browse', 'open', ['a']], ['all', 'closed', ['a', 'b']]],
      flows: ['a', 'b'],
    },
    {
      // flows and a request named in exec: the request joins the program as a one-step flow, only for that part
      why: 'flows plus a named request',
      file: {
        requests: { health: { url: 'http://x.test/h' } },
        flows: { shop: { steps: [{ request: 'health' }, { request: { name: 'buy', url: 'http://x.test/buy' } }] } },
        scenarios: { shoppers: { load: LOAD }, probes: { load: CLOSED, exec: ['health'] } },
      },
      parts: [['shoppers', 'open', ['shop']], ['probes', 'closed', ['health']]],
      flows: ['shop', 'health'],
    },
  ];
  for (const row of rows) {
    const r = convert({ load: undefined, ...row.file });
    assert.ok(r.ok, `${row.why}: ${JSON.stringify(!r.ok && r.problems)}`);
    const s = r.scenario;
    assert.deepEqual(s.parts?.map((p) => [p.name, p.load.model, p.flows]), row.parts, row.why);
    assert.deepEqual(s.program?.flows.map((f) => f.name), row.flows, row.why);
    assert.equal(s.load, s.parts?.[0]?.load, `${row.why}: load is the first part's`);
    const back = validateScenario(toScenarioInput(s));
    assert.ok(back.ok, `${row.why}: ${JSON.stringify(!back.ok && back.problems)}`);
    assert.deepEqual(back.scenario, s, `${row.why}: round trip`);
  }
  const weights = convert({ load: undefined, ...rows[0]!.file });
  assert.ok(weights.ok);
  assert.equal(weights.scenario.program?.flows.find((f) => f.name === 'a')?.weight, 3, 'a request\'s weight is its flow\'s');
});

test('a Scenario whose parts name flows the program lacks is invalid, naming the part', () => {
  const r = convert({ load: undefined, requests: { a: { url: 'http://x.test/a' } }, scenarios: { s: { load: LOAD } } });
  assert.ok(r.ok);
  const bad = validateScenario({ ...toScenarioInput(r.scenario), parts: [{ name: 's', load: LOAD, flows: ['nope'] }, { name: 's', load: LOAD, flows: ['a'] }] });
  assert.ok(!bad.ok);
  assert.deepEqual(bad.problems.map((p) => [p.path, p.message]), [['parts.0.flows', 'names flow "nope", which the program does not have'], ['parts.1.name', '"s" is used twice']]);
});

test('run refuses a template reading a data column the file lacks, like validate (before, every flow run sent nothing)', () => {
  const files = { 'u.csv': 'mail\na@b\n' };
  const flows = (col: string): Record<string, unknown> => ({ f: { steps: [{ request: { url: `http://h/{{ users.${col} }}` } }] } });
  const bad = convert({ data: { users: { path: 'u.csv' } }, flows: flows('email') }, files);
  assert.ok(!bad.ok);
  assert.deepEqual(bad.problems.map((p) => `${p.path}: ${p.message}`), ['flows.f.steps.0.request.url: data "users" has no column "email" in any row (every flow run reading it would send nothing); its columns: mail']);
  assert.ok(convert({ data: { users: { path: 'u.csv' } }, flows: flows('mail') }, files).ok);
});

test('expect: the file\'s, each scenarios entry\'s and each request\'s travel to where the engine resolves them (nearest wins)', () => {
  // A plain single request: its own expect, else the file's, on the Scenario's request (the fast path).
  const own = convert({ request: { url: 'http://127.0.0.1:1/a', expect: { status: [200, '4xx'] } }, expect: { status: [201] } });
  assert.ok(own.ok);
  assert.equal(own.scenario.program, undefined, 'expect keeps the fast path');
  assert.deepEqual(own.scenario.request.expect, [[200, 200], [400, 499]]);
  const fileOnly = convert({ request: { url: 'http://127.0.0.1:1/a' }, expect: { status: ['200-204'] } });
  assert.ok(fileOnly.ok);
  assert.deepEqual(fileOnly.scenario.request.expect, [[200, 204]]);
  // The language: per request, per scenario (part), per file (program).
  const lang = convert({
    load: undefined,
    expect: { status: [200] },
    requests: { a: { url: 'http://127.0.0.1:1/a', expect: { status: [500] } }, b: { url: 'http://127.0.0.1:1/b' } },
    scenarios: { s1: { load: LOAD, exec: 'a', expect: { status: [404] } }, s2: { load: LOAD, exec: 'b' } },
  });
  assert.ok(lang.ok, JSON.stringify(lang));
  assert.deepEqual(lang.scenario.program?.expect, [[200, 200]]);
  assert.deepEqual(lang.scenario.program?.requests.a?.expect, [[500, 500]]);
  assert.equal(lang.scenario.program?.requests.b?.expect, undefined);
  assert.deepEqual(lang.scenario.parts?.map((p) => p.expect), [[[404, 404]], undefined]);
  // The Scenario survives its trip to a remote coordinator.
  const again = validateScenario(toScenarioInput(lang.scenario));
  assert.ok(again.ok);
  assert.deepEqual(again.scenario.parts?.[0]?.expect, [[404, 404]]);
});

test('expect: every bad status is a problem at its place, saying what to write', () => {
  const v = validateScenarioFile({ load: LOAD, request: { url: 'http://127.0.0.1:1/a', expect: { status: ['ok', 200] } }, expect: { status: [] } });
  assert.ok(!v.ok);
  const at = v.problems.map((p) => `${p.path}: ${p.message}`).join('\n');
  assert.match(at, /request\.expect\.status\.0: "ok" is not a status: write a status code \(404\), a range \("200-299"\) or a class \("2xx"\)/);
  assert.match(at, /expect\.status: name at least one expected status/);
});
