import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateScenarioText } from '../../../../common/scenario/validate.js';
import { dataColumnProblems } from '../../../../common/scenario/data-columns.js';
import { compileTemplate } from '../../../../common/flow/template.js';

const HEAD = ['variables: { base: "http://h" }', 'data: { users: { path: u.csv } }', 'load: { model: open, rate: 1, duration: 1s }'];

function problemsOf(lines: string[], rows: unknown[]): string[] {
  const r = validateScenarioText([...HEAD, ...lines].join('\n'));
  assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
  return dataColumnProblems(r.file, new Map([['users', rows]])).map((p) => `${p.path}: ${p.message}`);
}

test('template paths: every variable path a template reads, root first', () => {
  assert.deepEqual(compileTemplate('{{ base }}/u/{{ users.email }}?i={{ items[0].sku }}&{{ $json(users.name) }}', '').paths, [
    ['base'], ['users', 'email'], ['items', 0, 'sku'], ['users', 'name'],
  ]);
});

test('data columns: a FEEDER.COLUMN no row has is a problem at the template, naming the columns', () => {
  const rows: [string, string[], unknown[], RegExp[]][] = [
    // the column is in the file: fine
    ['present', ['flows: { f: { steps: [{ request: { url: "{{ base }}/{{ users.email }}" } }] } }'], [{ email: 'a' }], []],
    // a JSON file whose rows differ: a column any row has is fine (a row without it renders as a failure, counted)
    ['in a later row', ['flows: { f: { steps: [{ request: { url: "{{ base }}/{{ users.email }}" } }] } }'], [{ mail: 'a' }, { email: 'b' }], []],
    // the whole row, or a key the root is not a feeder for: not checked here
    ['whole row', ['requests: { r: { url: "{{ base }}/x", body: "{{ $json(users) }}" } }'], [{ email: 'a' }], []],
    // the typo case: a header named differently from the template
    ['missing in a step url', ['flows: { f: { steps: [{ request: { url: "{{ base }}/{{ users.email }}" } }] } }'], [{ mail: 'a' }],
      [/^flows\.f\.steps\.0\.request\.url: data "users" has no column "email" in any row .*; its columns: mail$/]],
    // every place a template can be: a named request's header and body, the single request
    ['header and body of a named request', ['requests: { r: { url: "{{ base }}/x", headers: { x-id: "{{ users.id }}" }, body: "{{ users.pw }}" } }'], [{ email: 'a' }],
      [/^requests\.r\.body: .*no column "pw"/, /^requests\.r\.headers\.x-id: .*no column "id"/]],
    ['the single request', ['request: { url: "{{ base }}/{{ users.email }}" }'], [{}], [/^request\.url: .*no column "email".*it has no columns$/]],
  ];
  for (const [why, lines, data, want] of rows) {
    const got = problemsOf(lines, data);
    assert.equal(got.length, want.length, `${why}: ${got.join('\n')}`);
    for (const re of want) assert.ok(got.some((g) => re.test(g)), `${why}: ${re} in\n${got.join('\n')}`);
  }
});
