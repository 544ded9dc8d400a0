// The reason a report gives when nothing completed (coordinator/report/why-empty.ts), instead of a bare
// "no request completed" that sends the user to check a target that is fine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noRequestReason } from '../../../../coordinator/report/why-empty.js';
import type { RequestTotals } from '../../../../coordinator/merge/aggregator.js';

const BASE = 'no request completed in the main phase';
const req = (renderFailed: number): RequestTotals => ({ renderFailed } as RequestTotals);

test('noRequestReason table', () => {
  const rows: [string, Parameters<typeof noRequestReason>, RegExp][] = [
    // every stage's target 0 (open or closed): nothing was scheduled, the target is not to blame
    ['open stages all 0', [{ sent: 0, flows: null, byRequestName: {} }, 0, null], /^no request completed in the main phase: the schedule sent nothing .*target above 0$/],
    ['closed stages all 0', [{ sent: 0, flows: null, byRequestName: {} }, null, 0], /the schedule sent nothing/],
    // a unique feeder with no row for any flow run
    ['no data at all', [{ sent: 0, flows: { iterations: 12, noData: 12 }, byRequestName: {} }, 5, null], /: every flow run \(12\) found no data row .*add rows to its file$/],
    // templates that never render
    ['render failures', [{ sent: 0, flows: { iterations: 3, noData: 0 }, byRequestName: { a: req(2), b: req(1) } }, 5, null], /: 3 request\(s\) could not be built from their templates/],
    // requests went out but none ended (a stalled target): no better reason than the bare one
    ['sent, none ended', [{ sent: 7, flows: null, byRequestName: {} }, 5, null], /^no request completed in the main phase$/],
    ['scheduled, nothing known', [{ sent: 0, flows: null, byRequestName: {} }, 5, null], /^no request completed in the main phase$/],
  ];
  for (const [why, args, re] of rows) {
    const got = noRequestReason(...args);
    assert.ok(got.startsWith(BASE), why);
    assert.match(got, re, why);
  }
});
