import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileJsonPath, JsonPathSyntaxError } from '../../../../common/flow/json-path.js';
import { compileExtractor, extractAll, ExtractSpecError } from '../../../../common/flow/extract.js';
import type { ExtractSpec } from '../../../../common/flow/extract.js';
import { responseView } from '../../../../common/flow/response-view.js';

const DOC = { a: { b: [{ c: 1 }, { c: 2 }] }, 'content-type': 'x', list: [10, 20, 30], nil: null, 'we"ird': 'q' };

test('JSON path: the documented subset', () => {
  const rows: { why: string; path: string; found: boolean; value?: unknown; reason?: RegExp }[] = [
    { why: 'root', path: '$', found: true, value: DOC },
    { why: 'nested keys and an index', path: '$.a.b[0].c', found: true, value: 1 },
    { why: 'negative index from the end', path: '$.list[-1]', found: true, value: 30 },
    { why: 'quoted key with a dash', path: "$['content-type']", found: true, value: 'x' },
    { why: 'double-quoted key with an escaped quote', path: '$["we\\"ird"]', found: true, value: 'q' },
    { why: 'a null value is found', path: '$.nil', found: true, value: null },
    { why: 'missing key names where', path: '$.a.x', found: false, reason: /\$\.a has no key "x"/ },
    { why: 'index past the end', path: '$.list[3]', found: false, reason: /3 element\(s\), no \[3\]/ },
    { why: 'key into an array', path: '$.list.x', found: false, reason: /an array, not an object/ },
    { why: 'index into an object', path: '$.a[0]', found: false, reason: /not an array/ },
    { why: 'no prototype keys', path: '$.a.constructor', found: false, reason: /no key/ },
  ];
  for (const row of rows) {
    const r = compileJsonPath(row.path).get(DOC);
    assert.equal(r.found, row.found, row.why);
    if (r.found) assert.deepEqual(r.value, row.value, row.why);
    else assert.match(r.reason, row.reason as RegExp, row.why);
  }
});

test('JSON path syntax errors carry the position', () => {
  const rows: { why: string; path: string; position: number }[] = [
    { why: 'no $', path: 'a.b', position: 0 },
    { why: 'dot without a name', path: '$.', position: 2 },
    { why: 'unclosed bracket', path: '$.a[0', position: 5 },
    { why: 'wildcards are not in the subset', path: '$.a[*]', position: 4 },
    { why: 'unterminated quote', path: "$['a", position: 4 },
    { why: 'junk after a segment', path: '$.a b', position: 3 },
  ];
  for (const row of rows) {
    assert.throws(() => compileJsonPath(row.path), (e: unknown) => e instanceof JsonPathSyntaxError && e.position === row.position && e.message.includes(row.path), row.why);
  }
});

test('extractors: JSON path, header, regex; failures are results, never throws', () => {
  const res = responseView(200, { 'Content-Type': 'application/json', 'Set-Cookie': ['sid=abc123; Path=/', 'x=1'], Location: '/orders/77' }, JSON.stringify({ token: 't-1', items: [{ id: 9 }] }));
  const text = responseView(200, {}, 'order id=4711 ok');
  const rows: { why: string; spec: ExtractSpec; res?: typeof res; ok: boolean; value?: unknown; reason?: RegExp }[] = [
    { why: 'json string', spec: { json: '$.token' }, ok: true, value: 't-1' },
    { why: 'json number', spec: { json: '$.items[0].id' }, ok: true, value: 9 },
    { why: 'json missing', spec: { json: '$.nope' }, ok: false, reason: /\$\.nope: \$ has no key "nope"/ },
    { why: 'json on a non-JSON body', spec: { json: '$.a' }, res: text, ok: false, reason: /not JSON/ },
    { why: 'header in any case', spec: { header: 'location' }, ok: true, value: '/orders/77' },
    { why: 'missing header', spec: { header: 'etag' }, ok: false, reason: /no etag header/ },
    { why: 'regex on a header (values joined)', spec: { header: 'set-cookie', regex: 'sid=(\\w+)' }, ok: true, value: 'abc123' },
    { why: 'regex on the body, group 1 by default', spec: { regex: 'id=(\\d+)' }, res: text, ok: true, value: '4711' },
    { why: 'regex group 0 is the whole match', spec: { regex: 'id=\\d+', group: 0 }, res: text, ok: true, value: 'id=4711' },
    { why: 'regex without a match', spec: { regex: 'x=(\\d+)' }, res: text, ok: false, reason: /does not match the body/ },
  ];
  for (const row of rows) {
    const r = compileExtractor('v', row.spec).run(row.res ?? res);
    assert.equal(r.ok, row.ok, `${row.why}: ${JSON.stringify(r)}`);
    if (r.ok) assert.deepEqual(r.value, row.value, row.why);
    else assert.match(r.reason, row.reason as RegExp, row.why);
  }
});

test('extractor specs that cannot compile', () => {
  const rows: { why: string; spec: ExtractSpec; re: RegExp }[] = [
    { why: 'bad JSON path', spec: { json: 'token' }, re: /must start with \$/ },
    { why: 'bad regex', spec: { regex: '(' }, re: /invalid regular expression/i },
    { why: 'group beyond the pattern', spec: { regex: 'a(b)', group: 2 }, re: /1 capture group\(s\), no group 2/ },
    { why: 'default group 1 without groups', spec: { regex: 'ab' }, re: /0 capture group/ },
  ];
  for (const row of rows) assert.throws(() => compileExtractor('v', row.spec), (e: unknown) => e instanceof ExtractSpecError && row.re.test(e.message), row.why);
});

test('extractAll: values found and failures counted, the body parsed once', () => {
  let parses = 0;
  const real = JSON.parse;
  const res = responseView(201, {}, '{"id": 5}');
  JSON.parse = ((t: string) => { parses++; return real(t); }) as typeof JSON.parse;
  try {
    const out = extractAll([compileExtractor('id', { json: '$.id' }), compileExtractor('missing', { json: '$.x' }), compileExtractor('again', { json: '$' })], res);
    assert.deepEqual(out.values, { id: 5, again: { id: 5 } });
    assert.deepEqual(out.failures.map((f) => f.name), ['missing']);
  } finally {
    JSON.parse = real;
  }
  assert.equal(parses, 1);
});
