import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addCounters, copyCounters, emptyCounters, errorTotal, failedTotal, withErrorTotal } from '../../../../common/metrics/counters.js';
import type { Counters } from '../../../../common/metrics/counters.js';
import { addRequestCounters, emptyRequestFigures, requestNamesFromWire, requestNamesToWire } from '../../../../common/metrics/stats.js';
import type { RequestFigures, RequestNameFigures } from '../../../../common/metrics/stats.js';

const counters = (over: Partial<Counters>): Counters => ({ ...emptyCounters(), ...over });

test('addCounters sums every counter, errors by kind and status codes', () => {
  const rows: { why: string; into: Counters; from: Counters; want: Counters }[] = [
    // nothing added: unchanged
    { why: 'empty into empty', into: counters({}), from: counters({}), want: counters({}) },
    // scalars add one by one
    {
      why: 'scalars', into: counters({ requests: 1, sent: 2, dropped: 3, bytesReceived: 4 }), from: counters({ requests: 10, sent: 20, dropped: 30, bytesReceived: 40 }),
      want: counters({ requests: 11, sent: 22, dropped: 33, bytesReceived: 44 }),
    },
    // a kind and a status code on one side only, and one on both
    {
      why: 'maps',
      into: counters({ errorsByKind: { refused: 1, reset: 0, timeout: 0, certificate: 0, dns: 0, other: 0 }, statusCodes: { 200: 5 } }),
      from: counters({ errorsByKind: { refused: 2, reset: 0, timeout: 3, certificate: 0, dns: 0, other: 0 }, statusCodes: { 200: 1, 503: 2 } }),
      want: counters({ errorsByKind: { refused: 3, reset: 0, timeout: 3, certificate: 0, dns: 0, other: 0 }, statusCodes: { 200: 6, 503: 2 } }),
    },
  ];
  for (const { why, into, from, want } of rows) {
    addCounters(into, from);
    assert.deepEqual(into, want, why);
  }
});

test('the error total is the sum over every kind, beside a copy of the map', () => {
  const c = counters({ requests: 9, errorsByKind: { refused: 1, reset: 2, timeout: 3, certificate: 4, dns: 5, other: 6 } });
  assert.equal(errorTotal(c.errorsByKind), 21);
  const t = withErrorTotal(c);
  assert.equal(t.errors, 21);
  t.errorsByKind.refused++;
  assert.equal(c.errorsByKind.refused, 1, 'withErrorTotal copies the map');
  assert.deepEqual(copyCounters(c), c);
  assert.notEqual(copyCounters(c).statusCodes, c.statusCodes, 'copyCounters copies the status codes');
});

test('failed requests by status add up like status codes, and their total is published as `failed` beside `errors`', () => {
  const into = counters({ requests: 3, statusCodes: { 200: 1, 500: 2 }, failedByStatus: { 500: 2 } });
  addCounters(into, counters({ requests: 2, statusCodes: { 404: 1, 500: 1 }, failedByStatus: { 404: 1, 500: 1 } }));
  assert.deepEqual(into.failedByStatus, { 500: 3, 404: 1 });
  const published = withErrorTotal(into);
  assert.equal(published.failed, 4);
  assert.equal(failedTotal(published.failedByStatus), 4);
  assert.notEqual(copyCounters(into).failedByStatus, into.failedByStatus, 'copyCounters copies the failed map');
});

test('addRequestCounters sums outcomes, checks and their failures by name', () => {
  const a: RequestFigures = { ...emptyRequestFigures(), requests: 2, checksPassed: 1, checksFailed: 1, checkFailures: { ok: 1 }, statusCodes: { 200: 2 } };
  const b: RequestFigures = { ...emptyRequestFigures(), requests: 1, renderFailed: 1, bodyTruncated: 1, extractFailed: 1, checkFailures: { ok: 2, body: 1 } };
  b.errorsByKind.dns = 1;
  addRequestCounters(a, b);
  assert.deepEqual({ ...a, latencyHist: '' }, {
    ...emptyRequestFigures(), requests: 3, checksPassed: 1, checksFailed: 1, checkFailures: { ok: 3, body: 1 }, statusCodes: { 200: 2 },
    renderFailed: 1, bodyTruncated: 1, extractFailed: 1, errorsByKind: { refused: 0, reset: 0, timeout: 0, certificate: 0, dns: 1, other: 0 },
  });
});

const wireLoginOf = (wire: Record<string, unknown>): Record<string, unknown> => (wire.byRequest as Record<string, Record<string, unknown>>).login ?? {};

test('request name figures cross the wire under the wire names (byRequest, errors) and come back the same', () => {
  const login: RequestFigures = { ...emptyRequestFigures(), requests: 3, statusCodes: { 200: 1, 500: 1 }, failedByStatus: { 500: 1 }, checksPassed: 2, checkFailures: {} };
  login.errorsByKind.timeout = 1;
  const figures: RequestNameFigures = {
    byRequestName: { login },
    byScenario: { web: { ...login, errorsByKind: { ...login.errorsByKind }, iterations: 3, noData: 1 } },
    iterations: 3,
    noData: 1,
  };
  const wire = JSON.parse(JSON.stringify(requestNamesToWire(figures))) as Record<string, unknown>;
  assert.deepEqual(Object.keys(wire), ['byRequest', 'iterations', 'noData', 'byScenario']);
  assert.deepEqual(Object.keys(wireLoginOf(wire)), ['requests', 'errors', 'statusCodes', 'failedByStatus', 'checksPassed', 'checksFailed', 'checkFailures', 'extractFailed', 'renderFailed', 'bodyTruncated', 'latencyHist']);
  const wireLogin = wireLoginOf(wire);
  assert.deepEqual(wireLogin?.errors, { refused: 0, reset: 0, timeout: 1, certificate: 0, dns: 0, other: 0 });
  assert.equal(wireLogin?.errorsByKind, undefined);
  assert.deepEqual(requestNamesFromWire(wire), figures);
  // Without scenarios the field stays absent both ways.
  const single = requestNamesToWire({ byRequestName: {}, iterations: 0, noData: 0 });
  assert.equal('byScenario' in single, false);
  assert.equal('byScenario' in requestNamesFromWire(single), false);
  // The code's names are not the wire's: refused, naming the field.
  assert.throws(() => requestNamesFromWire({ byRequestName: {}, iterations: 0, noData: 0 }), /byRequest/);
});
