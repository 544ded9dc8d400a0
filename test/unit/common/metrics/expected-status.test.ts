import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_EXPECTED, expectFileSchema, expectInput, expectedTable, isExpected, parseStatusEntry, statusRangesSchema } from '../../../../common/metrics/expected-status.js';

test('parseStatusEntry: codes, ranges and classes to inclusive ranges; anything else says what to write', () => {
  const rows: { entry: number | string; want: [number, number] | RegExp }[] = [
    // a code, as a number or a string
    { entry: 404, want: [404, 404] },
    { entry: '201', want: [201, 201] },
    // a range, spaces allowed around the dash
    { entry: '200-299', want: [200, 299] },
    { entry: '200 - 204', want: [200, 204] },
    // a k6-ish class
    { entry: '2xx', want: [200, 299] },
    { entry: '5XX', want: [500, 599] },
    // not HTTP statuses
    { entry: 99, want: /99 is not an HTTP status \(100-599\)/ },
    { entry: 200.5, want: /not an HTTP status/ },
    { entry: '600', want: /600 is not an HTTP status/ },
    { entry: '100-700', want: /goes beyond the HTTP statuses/ },
    // reversed range: the fix is named
    { entry: '299-200', want: /write "200-299"/ },
    // nonsense
    { entry: 'ok', want: /"ok" is not a status: write a status code \(404\), a range \("200-299"\) or a class \("2xx"\)/ },
    { entry: '6xx', want: /is not a status/ },
  ];
  for (const r of rows) {
    const got = parseStatusEntry(r.entry);
    if (r.want instanceof RegExp) assert.match(String(got), r.want, String(r.entry));
    else assert.deepEqual(got, r.want, String(r.entry));
  }
});

test('expect in the file: every bad entry is a problem at its index; the input form reads back the same', () => {
  const ok = expectFileSchema.safeParse({ status: [200, '3xx', '404-405'] });
  assert.equal(ok.success, true);
  assert.deepEqual(ok.data, [[200, 200], [300, 399], [404, 405]]);
  assert.deepEqual(expectFileSchema.parse(expectInput(ok.data ?? [])), ok.data);
  const bad = expectFileSchema.safeParse({ status: [200, 'nope', 700] });
  assert.equal(bad.success, false);
  assert.deepEqual(bad.error?.issues.map((i) => i.path.join('.')), ['status.1', 'status.2']);
  assert.equal(expectFileSchema.safeParse({ status: [] }).success, false, 'an empty list is refused');
  assert.equal(expectFileSchema.safeParse({ status: [200], codes: [1] }).success, false, 'unknown keys are refused');
  assert.equal(statusRangesSchema.safeParse([[300, 200]]).success, false, 'a plan range from high to low is refused');
});

test('expectedTable matches exactly what isExpected says, default 200-399', () => {
  const rows: { ranges: [number, number][] | undefined; expected: number[]; not: number[] }[] = [
    // default: 2xx and 3xx
    { ranges: undefined, expected: [200, 204, 302, 399], not: [0, 199, 400, 404, 500, 999] },
    // a list of codes and a range
    { ranges: [[200, 200], [404, 404], [500, 503]], expected: [200, 404, 500, 503], not: [201, 403, 405, 504] },
  ];
  for (const r of rows) {
    const table = expectedTable(r.ranges);
    const ranges = r.ranges ?? [...DEFAULT_EXPECTED];
    for (const code of r.expected) assert.equal(table[code] === 1 && isExpected(ranges, code), true, `${code} expected`);
    for (const code of r.not) assert.equal(table[code] === 1 || isExpected(ranges, code), false, `${code} not expected`);
  }
});
