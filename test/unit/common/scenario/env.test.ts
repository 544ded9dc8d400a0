// `{{ $env.NAME }}`: how templates read it, which names a file reads, the problems when some are not
// given, what travels (only the names read) and what is printed (names, never values).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTemplate, defaultTemplateContext, ENV_ROOT, TemplateError } from '../../../../common/flow/template.js';
import { envNames, envProblems, envStatusLine, envToShip } from '../../../../common/scenario/env.js';
import { validateScenarioFile } from '../../../../common/scenario/validate.js';
import type { ScenarioFile } from '../../../../common/scenario/schema.js';
import { scenarioFromFile } from '../../../../common/scenario/compile.js';

const LOAD = { model: 'open', rate: 10, duration: '1s' };

function file(value: Record<string, unknown>): ScenarioFile {
  const v = validateScenarioFile({ load: LOAD, ...value });
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return v.file;
}

test('templates: $env.NAME renders the value under ENV_ROOT, lists its names apart from variables', () => {
  const rows: { why: string; src: string; env: Record<string, string>; want: string; names: string[] }[] = [
    { why: 'a URL origin', src: '{{ $env.BASE }}/x', env: { BASE: 'http://h:1' }, want: 'http://h:1/x', names: ['BASE'] },
    { why: 'with spaces and other text, each name once', src: 'Bearer {{$env.T}} {{ $env.T }}', env: { T: 'tk' }, want: 'Bearer tk tk', names: ['T'] },
    { why: 'beside a variable', src: '{{ a }}-{{ $env.B_2 }}', env: { B_2: '' }, want: '1-', names: ['B_2'] },
  ];
  for (const row of rows) {
    const t = compileTemplate(row.src, row.why);
    assert.equal(t.render({ a: 1, [ENV_ROOT]: row.env }, defaultTemplateContext()), row.want, row.why);
    assert.deepEqual(t.env, row.names, row.why);
    assert.ok(!t.variables.includes(ENV_ROOT), `${row.why}: $env is no variable`);
  }
});

test('templates: a name not given fails to render naming it and the flag', () => {
  const t = compileTemplate('{{ $env.TOKEN }}', 'h');
  assert.throws(() => t.render({}, defaultTemplateContext()), (e: unknown) => e instanceof TemplateError && e.code === 'TEMPLATE_UNKNOWN_VARIABLE' && /\$env\.TOKEN is not set: pass --env TOKEN=/.test(e.message));
});

test('templates: malformed $env is a located syntax error', () => {
  const rows: { why: string; src: string; re: RegExp }[] = [
    { why: 'no name', src: '{{ $env }}', re: /\$env needs a name/ },
    { why: 'a key below it', src: '{{ $env.A.b }}', re: /is text: it has no keys/ },
    { why: 'not a shell name', src: '{{ $env.a-b }}', re: /not an environment variable name/ },
  ];
  for (const row of rows) assert.throws(() => compileTemplate(row.src, 'x'), (e: unknown) => e instanceof TemplateError && e.code === 'TEMPLATE_SYNTAX' && row.re.test(e.message), row.why);
});

const F = {
  variables: { v: 1 },
  requests: { a: { url: '{{ $env.BASE }}/a', headers: { authorization: 'Bearer {{ $env.TOKEN }}' } } },
  flows: { f: { steps: [{ request: 'a' }, { request: { url: '{{ $env.BASE }}/b', body: '{{ $env.BODY }}' } }] } },
};

test('envNames and envProblems: each template that reads a name not given, located, naming the flag', () => {
  const f = file(F);
  assert.deepEqual(envNames(f), ['BASE', 'TOKEN', 'BODY']);
  const rows: { why: string; given: Record<string, string>; want: string[] }[] = [
    { why: 'nothing given: every use', given: {}, want: ['requests.a.url BASE', 'requests.a.headers.authorization TOKEN', 'flows.f.steps.1.request.url BASE', 'flows.f.steps.1.request.body BODY'] },
    { why: 'all given', given: { BASE: 'http://h:1', TOKEN: 's', BODY: '' }, want: [] },
    { why: 'one missing (an empty value counts as given)', given: { BASE: 'http://h:1', BODY: '' }, want: ['requests.a.headers.authorization TOKEN'] },
  ];
  for (const row of rows) {
    const got = envProblems(f, row.given).map((p) => `${p.path} ${/\$env\.(\w+)/.exec(p.message)?.[1]}`);
    assert.deepEqual(got, row.want, row.why);
  }
  assert.match(envProblems(f, {})[0]?.message ?? '', /pass --env BASE=VALUE/);
});

test('envToShip and envStatusLine: only the names read travel; the line has names, never values', () => {
  const f = file(F);
  const given = { BASE: 'http://h:1', TOKEN: 'sekret-1', OTHER: 'sekret-2' };
  assert.deepEqual(envToShip(f, given), { BASE: 'http://h:1', TOKEN: 'sekret-1' });
  const line = envStatusLine(f, given);
  assert.equal(line, 'BASE: set, TOKEN: set, BODY: not set, OTHER: set, not read by the file');
  assert.ok(!line.includes('sekret'));
});

test('scenarioFromFile: env values reach the program and origins; the report target is rendered without them', () => {
  const f = file({ request: { url: '{{ $env.BASE }}/x?key={{ $env.KEY }}' } });
  const missing = scenarioFromFile(f, () => '', { BASE: 'http://h.test:81' });
  assert.ok(!missing.ok);
  assert.deepEqual(missing.problems.map((p) => p.path), ['request.url']);
  const r = scenarioFromFile(f, () => '', { BASE: 'http://h.test:81', KEY: 'sekret', UNUSED: 'u' });
  assert.ok(r.ok);
  assert.deepEqual(r.scenario.program?.env, { BASE: 'http://h.test:81', KEY: 'sekret' });
  assert.deepEqual(r.scenario.program?.origins, ['http://h.test:81']);
  assert.equal(r.scenario.request.url, 'http://h.test:81/');
});
