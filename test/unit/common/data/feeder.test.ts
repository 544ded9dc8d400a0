import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FeederError, formatOf, parseRows } from '../../../../common/data/feeder.js';
import type { FeederFormat, Row } from '../../../../common/data/feeder.js';
import { createRowPicker } from '../../../../agent/engine/feeder-select.js';

test('parse: CSV, JSON and NDJSON into rows', () => {
  const rows: { why: string; format: FeederFormat; text: string; want: Row[] }[] = [
    { why: 'CSV with a header row', format: 'csv', text: 'user,pass\nann,a1\nbob,b2\n', want: [{ user: 'ann', pass: 'a1' }, { user: 'bob', pass: 'b2' }] },
    { why: 'CSV without a final newline, CRLF', format: 'csv', text: 'a,b\r\n1,2\r\n3,4', want: [{ a: '1', b: '2' }, { a: '3', b: '4' }] },
    { why: 'CSV quoted fields: commas, quotes, newlines', format: 'csv', text: 'q,n\n"a,b","say ""hi"""\n"line1\nline2",x\n', want: [{ q: 'a,b', n: 'say "hi"' }, { q: 'line1\nline2', n: 'x' }] },
    { why: 'CSV empty fields and blank lines', format: 'csv', text: 'a,b\n,\n\n1,\n', want: [{ a: '', b: '' }, { a: '1', b: '' }] },
    { why: 'CSV with a BOM and spaces around header names', format: 'csv', text: '\uFEFF id , name\n1,x\n', want: [{ id: '1', name: 'x' }] },
    { why: 'JSON array of objects (values keep their types)', format: 'json', text: '[{"id": 1, "tags": ["a"]}, {"id": 2}]', want: [{ id: 1, tags: ['a'] }, { id: 2 }] },
    { why: 'NDJSON with blank lines', format: 'ndjson', text: '{"id":1}\n\n{"id":2}\n', want: [{ id: 1 }, { id: 2 }] },
  ];
  for (const row of rows) assert.deepEqual(parseRows(row.text, row.format, 'f'), row.want, row.why);
});

test('parse errors name the file and the line', () => {
  const rows: { why: string; format: FeederFormat; text: string; line: number | undefined; re: RegExp; limits?: { maxBytes: number; maxRows: number } }[] = [
    { why: 'unclosed quote: the line it opened on', format: 'csv', text: 'a\n"x\ny\n', line: 2, re: /not closed/ },
    { why: 'wrong field count', format: 'csv', text: 'a,b\n1,2\n3\n', line: 3, re: /1 field\(s\), the header has 2/ },
    { why: 'quote inside an unquoted field', format: 'csv', text: 'a\nx"y\n', line: 2, re: /inside an unquoted field/ },
    { why: 'junk after a quoted field', format: 'csv', text: 'a\n"x"y\n', line: 2, re: /after a quoted field/ },
    { why: 'duplicate column', format: 'csv', text: 'a,a\n1,2\n', line: 1, re: /appears twice/ },
    { why: 'header only: no rows', format: 'csv', text: 'a,b\n', line: undefined, re: /no rows/ },
    { why: 'empty file', format: 'csv', text: '', line: undefined, re: /no header row/ },
    { why: 'JSON syntax error, line from the position', format: 'json', text: '[\n{"a": 1},\n{"a" 2}\n]', line: 3, re: /not valid JSON/ },
    { why: 'JSON not an array', format: 'json', text: '{"a": 1}', line: 1, re: /array of objects/ },
    { why: 'JSON element not an object', format: 'json', text: '[{"a":1}, 5]', line: undefined, re: /element \[1\] is a number/ },
    { why: 'NDJSON bad line', format: 'ndjson', text: '{"a":1}\n{oops}\n', line: 2, re: /not valid JSON/ },
    { why: 'NDJSON line not an object', format: 'ndjson', text: '{"a":1}\n[1]\n', line: 2, re: /one JSON object/ },
    { why: 'too many bytes', format: 'csv', text: 'a\n1\n2\n', line: undefined, re: /over the limit of 4/, limits: { maxBytes: 4, maxRows: 10 } },
    { why: 'too many CSV rows', format: 'csv', text: 'a\n1\n2\n3\n', line: 4, re: /more than 2 rows/, limits: { maxBytes: 100, maxRows: 2 } },
    { why: 'too many NDJSON rows', format: 'ndjson', text: '{}\n{}\n{}\n', line: 3, re: /more than 2 rows/, limits: { maxBytes: 100, maxRows: 2 } },
  ];
  for (const row of rows) {
    assert.throws(() => parseRows(row.text, row.format, 'data/users.csv', row.limits), (e: unknown) => {
      assert.ok(e instanceof FeederError, row.why);
      assert.equal(e.line, row.line, `${row.why}: ${e.message}`);
      assert.ok(e.message.startsWith(`data/users.csv${row.line === undefined ? '' : `:${row.line}`}: `), `${row.why}: ${e.message}`);
      assert.match(e.message, row.re, row.why);
      return true;
    });
  }
});

test('formatOf reads the extension', () => {
  assert.deepEqual(['a.csv', 'b.JSON', 'c.ndjson', 'd.jsonl', 'e.txt'].map(formatOf), ['csv', 'json', 'ndjson', 'ndjson', undefined]);
});

const ROWS: Row[] = [{ n: 0 }, { n: 1 }, { n: 2 }];

test('pickers: sequential wraps, random is uniform by the source, unique runs out', () => {
  const take = (p: ReturnType<typeof createRowPicker>, k: number): unknown[] => Array.from({ length: k }, () => p.next()?.n);
  assert.deepEqual(take(createRowPicker(ROWS, 'sequential'), 7), [0, 1, 2, 0, 1, 2, 0]);
  const randoms = [0.0, 0.99, 0.5, 0.34];
  let k = 0;
  assert.deepEqual(take(createRowPicker(ROWS, 'random', () => randoms[k++] as number), 4), [0, 2, 1, 1]);
  const u = createRowPicker(ROWS, 'unique');
  assert.equal(u.remaining(), 3);
  assert.deepEqual(take(u, 5), [0, 1, 2, undefined, undefined]);
  assert.equal(u.remaining(), 0);
  assert.equal(createRowPicker([], 'sequential').next(), undefined);
});

