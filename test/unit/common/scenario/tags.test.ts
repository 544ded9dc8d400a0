// Request tags in the scenario file: the field's rules (schema), the file-wide bounds on keys and
// values (located problems), and what reaches the program (tags per request name).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateScenarioFile, validateScenarioText } from '../../../../common/scenario/validate.js';
import { scenarioFromFile } from '../../../../common/scenario/compile.js';
import { MAX_TAG_KEYS, MAX_TAG_VALUES, tagsByName } from '../../../../common/scenario/tags.js';

const LOAD = { model: 'open', rate: 10, duration: '1s' };
const URL = 'http://127.0.0.1:1/x';

/** `requests` r0..r(n-1), request i tagged with tagsOf(i). */
function tagged(n: number, tagsOf: (i: number) => Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`r${i}`, { url: URL, tags: tagsOf(i) }]));
}

test('tags: valid and invalid, every problem at its path', () => {
  const rows: { why: string; file: Record<string, unknown>; want: string[] }[] = [
    { why: 'tags on every kind of request', want: [], file: {
      requests: { a: { url: URL, tags: { endpoint: 'a', tier: 'x' } } },
      flows: { f: { steps: [{ request: 'a' }, { request: { url: URL, tags: { endpoint: 'b' } } }] } },
    } },
    { why: 'a top-level request', want: [], file: { request: { url: URL, tags: { endpoint: 'one' } } } },
    { why: 'a key that is no label name', want: ['requests.a.tags.my-key'], file: { requests: { a: { url: URL, tags: { 'my-key': 'v' } } } } },
    { why: 'a value that is not text', want: ['requests.a.tags.n'], file: { requests: { a: { url: URL, tags: { n: 3 } } } } },
    { why: 'an empty value', want: ['requests.a.tags.n'], file: { requests: { a: { url: URL, tags: { n: '' } } } } },
    { why: `${MAX_TAG_KEYS} keys fit`, want: [], file: { requests: tagged(1, () => Object.fromEntries(Array.from({ length: MAX_TAG_KEYS }, (_, k) => [`k${k}`, 'v']))) } },
    { why: 'one key more than the bound, across requests, at the first use', want: [`requests.r${MAX_TAG_KEYS}.tags.k${MAX_TAG_KEYS}`],
      file: { requests: tagged(MAX_TAG_KEYS + 2, (i) => ({ [`k${Math.min(i, MAX_TAG_KEYS)}`]: 'v' })) } },
    { why: `${MAX_TAG_VALUES} values of a key fit`, want: [], file: { requests: tagged(MAX_TAG_VALUES, (i) => ({ endpoint: `e${i}` })) } },
    { why: 'one value more than the bound: once, at the first', want: [`requests.r${MAX_TAG_VALUES}.tags.endpoint`],
      file: { requests: tagged(MAX_TAG_VALUES + 3, (i) => ({ endpoint: `e${i}` })) } },
    { why: 'a repeated value is not a new one', want: [], file: { requests: tagged(MAX_TAG_VALUES + 3, (i) => ({ endpoint: `e${i % 3}` })) } },
  ];
  for (const row of rows) {
    const v = validateScenarioFile({ load: LOAD, ...row.file });
    assert.deepEqual(v.ok ? [] : v.problems.map((p) => p.path), row.want, `${row.why}: ${JSON.stringify(!v.ok && v.problems)}`);
  }
});

test('tags: the bound problem is located in the text and says what to do', () => {
  const values = Array.from({ length: MAX_TAG_VALUES + 1 }, (_, i) => `  r${i}: { url: "${URL}", tags: { endpoint: e${i} } }`).join('\n');
  const r = validateScenarioText(`load: { model: open, rate: 1, duration: 1s }\nrequests:\n${values}\n`);
  assert.ok(!r.ok);
  assert.equal(r.problems.length, 1);
  const p = r.problems[0];
  assert.equal(p?.line, MAX_TAG_VALUES + 3);
  assert.match(p?.message ?? '', /more than 64 distinct values.*use fewer values/);
});

test('tags reach the program by request name; a tagged single request is no longer the plain fast path', () => {
  const v = validateScenarioFile({
    load: LOAD, request: undefined,
    requests: { a: { url: URL, tags: { endpoint: 'a' } }, b: { url: URL } },
    flows: { f: { steps: [{ request: 'a' }, { request: { name: 'c', url: URL, tags: { endpoint: 'c', tier: 't' } } }, { request: 'b' }] } },
  });
  assert.ok(v.ok);
  const r = scenarioFromFile(v.file, () => '');
  assert.ok(r.ok);
  assert.deepEqual(tagsByName(r.scenario.program?.requests ?? {}), { a: { endpoint: 'a' }, c: { endpoint: 'c', tier: 't' } });
  const single = validateScenarioFile({ load: LOAD, request: { url: URL, tags: { endpoint: 'x' } } });
  assert.ok(single.ok);
  const s = scenarioFromFile(single.file, () => '');
  assert.ok(s.ok);
  assert.deepEqual(s.scenario.program?.requests.default?.tags, { endpoint: 'x' });
});
