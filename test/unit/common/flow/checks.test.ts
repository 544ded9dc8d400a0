import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileCheck, runChecks } from '../../../../common/flow/checks.js';
import type { CheckSpec } from '../../../../common/flow/checks.js';
import { responseView } from '../../../../common/flow/response-view.js';

const RES = responseView(201, { 'Content-Type': 'application/json; charset=utf-8', 'X-Id': '7' }, JSON.stringify({ status: 'ok', items: [{ id: 1, tags: ['a'] }] }));
const TEXT = responseView(503, {}, 'Service Unavailable');

test('checks: pass or fail with a reason, names derived or given', () => {
  const rows: { why: string; spec: CheckSpec; res?: typeof RES; pass: boolean; name: string; reason?: RegExp }[] = [
    { why: 'status equals', spec: { status: 201 }, pass: true, name: 'status == 201' },
    { why: 'status differs', spec: { status: 200 }, pass: false, name: 'status == 200', reason: /status 201, expected 200/ },
    { why: 'status in a list', spec: { status: [200, 201] }, pass: true, name: 'status in [200, 201]' },
    { why: 'status not in the list', spec: { status: [200, 201] }, res: TEXT, pass: false, name: 'status in [200, 201]', reason: /503, expected one of 200, 201/ },
    { why: 'header equals (name in any case)', spec: { header: 'x-id', equals: '7' }, pass: true, name: 'header x-id == "7"' },
    { why: 'header differs', spec: { header: 'X-Id', equals: '8' }, pass: false, name: 'header X-Id == "8"', reason: /is "7", expected "8"/ },
    { why: 'header contains', spec: { header: 'content-type', contains: 'json' }, pass: true, name: 'header content-type contains "json"' },
    { why: 'header missing', spec: { header: 'etag' }, pass: false, name: 'header etag present', reason: /no etag header/ },
    { why: 'body contains', spec: { bodyContains: '"ok"' }, pass: true, name: 'body contains "\\"ok\\""' },
    { why: 'body lacks', spec: { bodyContains: 'ok' }, res: TEXT, pass: false, name: 'body contains "ok"', reason: /does not contain/ },
    { why: 'json equals a string', spec: { json: '$.status', equals: 'ok' }, pass: true, name: '$.status == "ok"' },
    { why: 'json deep-equals an object', spec: { json: '$.items[0]', equals: { id: 1, tags: ['a'] } }, pass: true, name: '$.items[0] == {"id":1,"tags":["a"]}' },
    { why: 'json is typed: 1 is not "1"', spec: { json: '$.items[0].id', equals: '1' }, pass: false, name: '$.items[0].id == "1"', reason: /is 1, expected "1"/ },
    { why: 'json path missing', spec: { json: '$.nope', equals: 1 }, pass: false, name: '$.nope == 1', reason: /no key "nope"/ },
    { why: 'json on a text body', spec: { json: '$.a', equals: 1 }, res: TEXT, pass: false, name: '$.a == 1', reason: /not JSON/ },
    { why: 'a given name wins', spec: { name: 'created', status: 201 }, pass: true, name: 'created' },
  ];
  for (const row of rows) {
    const c = compileCheck(row.spec);
    assert.equal(c.name, row.name, row.why);
    const r = c.run(row.res ?? RES);
    assert.equal(r.pass, row.pass, `${row.why}: ${JSON.stringify(r)}`);
    if (!r.pass) assert.match(r.reason, row.reason as RegExp, row.why);
  }
});

test('runChecks counts passes and lists failures in order', () => {
  const checks = [compileCheck({ status: 201 }), compileCheck({ status: 200 }), compileCheck({ bodyContains: 'zzz', name: 'z' })];
  const r = runChecks(checks, RES);
  assert.equal(r.passed, 1);
  assert.deepEqual(r.failed.map((f) => f.name), ['status == 200', 'z']);
});
