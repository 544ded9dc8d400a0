import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, mkdtempSync, writeFileSync, copyFileSync, openSync, ftruncateSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateScenarioFile, validateScenarioText } from '../../../../common/scenario/validate.js';
import type { LocatedProblem } from '../../../../common/scenario/validate.js';
import { locate } from '../../../../common/scenario/locate.js';
import { unreadableFileMessage } from '../../../../common/scenario/problems.js';
import { SCHEMA_FILE, scenarioJsonSchemaText } from '../../../../common/scenario/json-schema.js';
import { validateCommand } from '../../../../cli/commands/validate.js';
import { loadScenarioFile } from '../../../../cli/scenario-input.js';
import { captureIo } from '../../../helpers/io.js';

// From dist/test/unit/common/ up to the repository.
const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const EXAMPLES = join(ROOT, 'examples');
const FIXTURES = join(ROOT, 'test/fixtures/scenario-language');

test('every single-request example and every language fixture is valid', () => {
  const files = [
    ...readdirSync(EXAMPLES).filter((f) => /\.(ya?ml|json)$/.test(f)).map((f) => join(EXAMPLES, f)),
    ...readdirSync(FIXTURES).filter((f) => /\.(ya?ml|json)$/.test(f)).map((f) => join(FIXTURES, f)),
  ];
  assert.ok(files.length >= 5);
  for (const f of files) {
    const r = validateScenarioText(readFileSync(f, 'utf8'));
    assert.ok(r.ok, `${f}: ${JSON.stringify(!r.ok && r.problems)}`);
  }
});

test('the parsed language: durations in ms, thresholds parsed, data formats inferred, defaults', () => {
  const r = validateScenarioText(readFileSync(join(FIXTURES, 'rest-api-flow.yaml'), 'utf8'));
  assert.ok(r.ok);
  const f = r.file;
  assert.equal(f.warmup, 5000);
  assert.deepEqual(f.data?.users, { path: 'users.csv', mode: 'unique', format: 'csv' });
  assert.equal(f.requests?.login?.timeout, 2000);
  assert.equal(f.requests?.login?.method, 'POST');
  assert.equal(f.requests?.health?.method, 'GET');
  assert.equal(f.flows?.browse?.weight, 1);
  assert.equal(f.flows?.buy?.steps[0]?.think, 500);
  assert.deepEqual(f.flows?.buy?.steps[0]?.extract?.session, { header: 'set-cookie', regex: 'sid=(\\w+)', group: undefined });
  const t = f.thresholds?.[2];
  assert.deepEqual(t, { metric: 'error_rate', op: '<', value: 0.01, source: 'error_rate < 1%', request: undefined, abortOnFail: true, delayAbortEvalMs: 10_000 });
  assert.equal(f.thresholds?.[1]?.request, 'list-items');
  assert.equal(f.scenarios?.monitors?.load.model, 'closed');
});

const OK_LOAD = 'load: { model: open, rate: 10, duration: 10s }';

test('problems: each with its path, line and column, all at once', () => {
  // only: these are all the problems (no noise beside them)
  const rows: { why: string; yaml: string; want: [string, number, number, RegExp][]; only?: boolean }[] = [
    {
      why: 'single-request scenario mistakes',
      yaml: `request:\n  url: nope\n  methd: GET\nload:\n  model: open\n  rate: 5\n`,
      want: [['request.url', 2, 8, /absolute http/], ['request.methd', 3, 3, /unknown field "methd"/], ['load.duration', 5, 3, /required with rate/]],
    },
    {
      why: 'nothing to run and no load model',
      yaml: `name: x\n`,
      want: [['load', 1, 1, /is required/], ['request', 1, 1, /give request, requests .* or flows/]],
    },
    {
      why: 'references and template variables',
      yaml: [
        'variables: { base: "http://h" }',
        'requests:',
        '  a: { url: "{{ base }}/a" }',
        'flows:',
        '  f:',
        '    steps:',
        '      - request: b',
        '      - request: { url: "{{ base }}/{{ tok }}" }',
        '        extract: { tok: { json: $.t } }',
        '      - request: { url: "{{ bse }}/x" }',
        'thresholds:',
        '  - { threshold: p99 < 1s, request: zz }',
        OK_LOAD,
      ].join('\n'),
      want: [
        ['flows.f.steps.0.request', 7, 18, /unknown request "b"; known: a/],
        ['flows.f.steps.1.request.url', 8, 25, /unknown variable "tok" \(it is extracted, but not before this request runs\)/],
        ['flows.f.steps.2.request.url', 10, 25, /unknown variable "bse"; known: base, tok/],
        ['thresholds.0.request', 12, 37, /unknown request name "zz"; known: a, f.1, f.2/],
      ],
    },
    {
      why: 'syntax inside templates, JSON paths, regexes, thresholds, checks',
      yaml: [
        'request:',
        '  url: "http://h/{{ $nope }}"',
        '  checks: [{ status: 200, bodyContains: x }, { json: "a.b", equals: 1 }, { header: h, equals: 5 }]',
        'flows:',
        '  f:',
        '    steps:',
        '      - request: { url: "http://h" }',
        "        extract: { a: { regex: '(' }, b: { regex: 'x', group: 2 }, c: { group: 1, header: h } }",
        'thresholds: [p99 < 5%, "rps >"]',
        OK_LOAD,
      ].join('\n'),
      want: [
        ['request.url', 2, 8, /template error at line 1, column 13: unknown helper \$nope/],
        ['request.checks.0', 3, 12, /exactly one of status, header, bodyContains or json \(found status, bodyContains\)/],
        ['request.checks.1.json', 3, 54, /must start with \$/],
        ['request.checks.2.equals', 3, 95, /must be a string/],
        ['flows.f.steps.0.extract.a.regex', 8, 32, /invalid regular expression/i],
        ['flows.f.steps.0.extract.b.regex', 8, 51, /no group 2/],
        ['flows.f.steps.0.extract.c.group', 8, 80, /regex only/],
        ['thresholds.0', 9, 14, /"p99 < 5%" at position 7: a latency is in ms or s/],
        ['thresholds.1', 9, 24, /"rps >" at position 6/],
      ],
    },
    {
      why: 'scenarios: load in both places, unknown exec, a scenario without load',
      yaml: ['request: { url: "http://h" }', OK_LOAD, 'scenarios:', '  a: { exec: nope }', '  b: { load: { model: closed, concurrency: 1, duration: 1s } }'].join('\n'),
      want: [['load', 2, 7, /not both/], ['scenarios.a.load', 4, 6, /is required/], ['scenarios.a.exec', 4, 14, /unknown flow or request "nope"/]],
    },
    {
      // 0 scenarios: validate refuses it, as run does
      why: 'scenarios: an empty map and no load',
      yaml: ['request: { url: "http://h" }', 'scenarios: {}'].join('\n'),
      want: [['scenarios', 2, 12, /is empty: name at least one scenario/]],
    },
    {
      // a fractional loop count says what a loop count is, not zod's "expected int"
      why: 'closed stages with fractional loop counts',
      yaml: ['request: { url: "http://h" }', 'load: { model: closed, startConcurrency: 0.5, stages: [{ duration: 1s, target: 2.5 }] }'].join('\n'),
      want: [['load.startConcurrency', 2, 42, /whole number of loops/], ['load.stages.0.target', 2, 80, /whole number of loops/]],
    },
    {
      // both forms of a load at once: one problem saying so, not also "duration is required"
      why: 'scenarios: an empty exec list; concurrency and stages together',
      yaml: ['requests: { a: { url: "http://h" } }', 'scenarios:', '  c: { exec: [], load: { model: closed, concurrency: 2, stages: [{ duration: 1s, target: 2 }] } }'].join('\n'),
      want: [['scenarios.c.exec', 3, 14, /names no flow or request: name at least one, or leave exec out/], ['scenarios.c.load.concurrency', 3, 54, /give either concurrency \(with duration\) or stages, not both/]],
      only: true,
    },
    {
      why: 'thresholds by scenario: an unknown scenario; request and scenario together',
      yaml: [
        'requests: { a: { url: "http://h" } }',
        'scenarios:',
        '  s1: { load: { model: closed, concurrency: 1, duration: 1s } }',
        'thresholds:',
        '  - { threshold: p99 < 1s, scenario: s2 }',
        '  - { threshold: p99 < 1s, scenario: s1, request: a }',
      ].join('\n'),
      want: [['thresholds.0.scenario', 5, 38, /unknown scenario "s2"; known: s1/], ['thresholds.1.scenario', 6, 38, /request or scenario, not both/]],
    },
    {
      why: 'a threshold by scenario in a file with a single load',
      yaml: ['request: { url: "http://h" }', OK_LOAD, 'thresholds: [{ threshold: p99 < 1s, scenario: s1 }]'].join('\n'),
      want: [['thresholds.0.scenario', 3, 47, /applies to a file with several `scenarios`/]],
    },
    {
      why: 'data: format unknown from the name, bad mode, a name clash with variables',
      yaml: ['request: { url: "http://h" }', OK_LOAD, 'variables: { u: 1 }', 'data:', '  u: { path: users.txt, mode: shuffle }'].join('\n'),
      want: [['data.u.mode', 5, 31, /sequential.*random.*unique/], ['data.u', 5, 6, /also a name in variables/]],
    },
    {
      why: 'steps need something to do; request and requests together',
      yaml: ['request: { url: "http://h" }', 'requests: { a: { url: "http://h" } }', 'flows: { f: { steps: [{}, { checks: [{ status: 200 }], think: 1s }] } }', OK_LOAD].join('\n'),
      want: [['requests', 2, 11, /not both/], ['flows.f.steps.0', 3, 23, /a request, a think time, or both/], ['flows.f.steps.1.checks', 3, 37, /needs a request/]],
    },
  ];
  for (const row of rows) {
    const r = validateScenarioText(row.yaml);
    assert.equal(r.ok, false, row.why);
    if (r.ok) continue;
    for (const [path, line, column, re] of row.want) {
      const p: LocatedProblem | undefined = r.problems.find((q: LocatedProblem) => q.path === path && re.test(q.message));
      assert.ok(p !== undefined, `${row.why}: expected ${path} ~ ${re} in\n${r.problems.map((q) => `${q.line}:${q.column} ${q.path}: ${q.message}`).join('\n')}`);
      assert.deepEqual([p.line, p.column], [line, column], `${row.why}: ${path} at`);
    }
    if (row.only === true) assert.equal(r.problems.length, row.want.length, `${row.why}: only these, got\n${r.problems.map((q) => `${q.path}: ${q.message}`).join('\n')}`);
    const sorted = r.problems.map((p) => p.line * 1e6 + p.column);
    assert.deepEqual(sorted, [...sorted].sort((a, b) => a - b), `${row.why}: sorted by position`);
  }
});

test('YAML syntax errors are reported with their position', () => {
  const r = validateScenarioText('request:\n  url: [unclosed\nload: x\n');
  assert.equal(r.ok, false);
  if (!r.ok) assert.ok(r.problems.every((p) => /^YAML: /.test(p.message) && p.line >= 1), JSON.stringify(r.problems));
  const dup = validateScenarioText('name: a\nname: b\n');
  assert.ok(!dup.ok && dup.problems.some((p) => p.line === 2 && /unique|duplicate/i.test(p.message)), JSON.stringify(dup));
});

test('locate: keys and values in block and flow YAML and in JSON; missing parts fall back to the deepest found', () => {
  const yaml = 'a:\n  b:\n    - x\n    - { c: 1, d: [5, 6] }\n"e": 2\n';
  const json = '{\n  "a": {\n    "b": [1, {"c": true}]\n  }\n}';
  const rows: { why: string; text: string; path: (string | number)[]; target?: 'key' | 'value'; want: [number, number] }[] = [
    { why: 'the document', text: yaml, path: [], want: [1, 1] },
    { why: 'a block value', text: yaml, path: ['a', 'b'], want: [3, 5] },
    { why: 'a block key', text: yaml, path: ['a', 'b'], target: 'key', want: [2, 3] },
    { why: 'a sequence item', text: yaml, path: ['a', 'b', 0], want: [3, 7] },
    { why: 'inside a flow map', text: yaml, path: ['a', 'b', 1, 'c'], want: [4, 12] },
    { why: 'inside a flow sequence', text: yaml, path: ['a', 'b', 1, 'd', 1], want: [4, 22] },
    { why: 'a quoted key', text: yaml, path: ['e'], target: 'key', want: [5, 1] },
    { why: 'a missing key: its parent', text: yaml, path: ['a', 'zz', 'y'], want: [2, 3] },
    { why: 'an index past the end: the sequence', text: yaml, path: ['a', 'b', 9], want: [3, 5] },
    { why: 'JSON', text: json, path: ['a', 'b', 1, 'c'], want: [3, 20] },
    { why: 'unparseable text does not throw', text: '{{{', path: ['a'], want: [1, 1] },
  ];
  for (const row of rows) {
    const p = locate(row.text, row.path, row.target);
    assert.deepEqual([p.line, p.column], row.want, row.why);
  }
});

test('the language accepts every single-request scenario unchanged (a superset)', () => {
  const v1 = { name: 'x', request: { url: 'http://h/', method: 'post', headers: { a: 'b' }, body: '{}', timeout: '2s' }, load: { model: 'closed', concurrency: 2, duration: '5s' }, warmup: 1 };
  const r = validateScenarioFile(v1);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
  assert.equal(r.file.request?.method, 'POST');
  assert.equal(r.file.request?.timeout, 2000);
  assert.equal(r.file.warmup, 1000);
});

test('loadfleet validate: problems as file:line:column (exit 2), a summary when valid (exit 0)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lf-validate-'));
  copyFileSync(join(FIXTURES, 'rest-api-flow.yaml'), join(dir, 'ok.yaml'));
  copyFileSync(join(FIXTURES, 'users.csv'), join(dir, 'users.csv'));
  writeFileSync(join(dir, 'bad.yaml'), 'request:\n  url: nope\nload: { model: closed, concurrency: 0, duration: 1s }\n');
  writeFileSync(join(dir, 'nodata.yaml'), 'request: { url: "http://h/{{ u.id }}" }\nload: { model: closed, concurrency: 1, duration: 1s }\ndata:\n  u: { path: missing.csv }\n');
  writeFileSync(join(dir, 'baddata.yaml'), 'request: { url: "http://h/{{ u.id }}" }\nload: { model: closed, concurrency: 1, duration: 1s }\ndata:\n  u: { path: bad.csv }\n');
  writeFileSync(join(dir, 'bad.csv'), 'id,name\n1\n');

  let io = captureIo(dir);
  assert.equal(await validateCommand(io, { scenario: 'ok.yaml' }), 0);
  assert.equal(io.out(), 'ok.yaml: valid: "shop-api", 2 requests, 2 flows (4 steps), 1 data file, 5 thresholds, 2 scenarios\n');

  io = captureIo(dir);
  assert.equal(await validateCommand(io, { scenario: 'bad.yaml' }), 2);
  assert.deepEqual(io.out().trim().split('\n'), [
    'bad.yaml:2:8: request.url: must be an absolute http:// or https:// URL (or a template like {{ base }}/path)',
    'bad.yaml:3:37: load.concurrency: Too small: expected number to be >0',
  ]);
  assert.match(io.err(), /bad\.yaml: 2 problem\(s\)/);

  io = captureIo(dir);
  assert.equal(await validateCommand(io, { scenario: 'nodata.yaml' }), 2);
  assert.match(io.out(), /^nodata\.yaml:4:14: data\.u\.path: cannot read missing\.csv: no such file \(paths are relative to the scenario file\)\n$/);

  io = captureIo(dir);
  assert.equal(await validateCommand(io, { scenario: 'baddata.yaml' }), 2);
  assert.match(io.out(), /^baddata\.yaml:4:14: data\.u\.path: bad\.csv:2: 1 field\(s\), the header has 2\n$/);

  await assert.rejects(validateCommand(captureIo(dir), { scenario: 'none.yaml' }), /cannot read scenario file/);
});

test(`${SCHEMA_FILE} is up to date with the zod source (npm run schema) and describes the language`, () => {
  const shipped = readFileSync(join(ROOT, SCHEMA_FILE), 'utf8');
  assert.equal(shipped, scenarioJsonSchemaText(), 'run `npm run schema` and commit the result');
  const schema = JSON.parse(shipped) as { properties: Record<string, unknown>; additionalProperties: boolean };
  for (const k of ['name', 'request', 'requests', 'flows', 'load', 'scenarios', 'variables', 'data', 'thresholds', 'warmup']) assert.ok(k in schema.properties, k);
  assert.equal(schema.additionalProperties, false);
});

test('a file the scenario names that cannot be read: the reason in words, not an errno code', () => {
  const err = (code: string): Error => Object.assign(new Error(`${code}: raw`), { code });
  const rows: [string, unknown, string][] = [
    // the usual mistake: a path relative to the shell's directory instead of the scenario file's
    ['missing', err('ENOENT'), 'cannot read d/u.csv: no such file (paths are relative to the scenario file)'],
    ['a directory', err('EISDIR'), 'cannot read d/u.csv: it is a directory; name a file'],
    ['unreadable', err('EACCES'), 'cannot read d/u.csv: permission denied'],
    // anything else keeps its code
    ['other code', err('EIO'), 'cannot read d/u.csv: EIO'],
    ['no code', new Error('boom'), 'cannot read d/u.csv: boom'],
  ];
  for (const [why, e, want] of rows) assert.equal(unreadableFileMessage('d/u.csv', e), want, why);
});

test('a data file over 256 MiB is refused from its size, unread, by validate and run alike (not ERR_STRING_TOO_LONG)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lf-huge-'));
  // sparse: 600 MB on paper, nothing on disk; past the longest string Node can make, so reading it fails
  const fd = openSync(join(dir, 'huge.csv'), 'w');
  ftruncateSync(fd, 600_000_000);
  closeSync(fd);
  writeFileSync(join(dir, 'huge.yaml'), 'request: { url: "http://h/{{ u.id }}" }\nload: { model: closed, concurrency: 1, duration: 1s }\ndata:\n  u: { path: huge.csv }\n');
  const want = /^huge\.yaml:4:14: data\.u\.path: huge\.csv: 600000000 bytes \(572\.2 MiB\) is over the limit of 268435456 bytes \(256\.0 MiB\): trim the file or split the test$/;
  const io = captureIo(dir);
  assert.equal(await validateCommand(io, { scenario: 'huge.yaml' }), 2);
  assert.match(io.out().trim(), want);
  const run = loadScenarioFile(dir, 'huge.yaml');
  assert.ok(!run.ok);
  assert.deepEqual(run.lines.length, 1);
  assert.match(run.lines[0] ?? '', want);
});
