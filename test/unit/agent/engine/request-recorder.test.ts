// The agent folds request names (and failed-check names) beyond the wire's bounds into "(other)"
// (common/protocol/wire-limits.ts), so an honest agent is never refused; the figures still add up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestRecorder } from '../../../../agent/engine/request-recorder.js';
import type { RequestOutcome } from '../../../../agent/engine/request-recorder.js';
import { MAX_CHECK_NAMES, MAX_NAME_CHARS, MAX_REQUEST_NAMES, OTHER_REQUEST_NAME } from '../../../../common/protocol/wire-limits.js';

const ok = (failedChecks: readonly string[] = []): RequestOutcome => ({ outcome: 200, failed: false, latencyMs: 1, checksPassed: 0, failedChecks, extractFailed: 0, bodyTruncated: false });

test('names past MAX_REQUEST_NAMES - 1, and over-long names, fold into (other) in deltas and the cumulative', () => {
  const rec = new RequestRecorder();
  try {
    const n = MAX_REQUEST_NAMES + 50;
    for (let i = 0; i < n; i++) rec.onEnd(`r${i}`, ok());
    rec.onEnd('x'.repeat(MAX_NAME_CHARS + 1), ok());
    const first = rec.takeDelta();
    // The next interval: a known name keeps its own figures, a new one still folds.
    rec.onEnd('r0', ok());
    rec.onEnd(`new-after-the-bound`, ok());
    rec.onRenderFailed('another-new-one');
    const second = rec.takeDelta();
    const total = rec.cumulative();
    assert.equal(Object.keys(first.byRequestName).length, MAX_REQUEST_NAMES);
    assert.equal(first.byRequestName[OTHER_REQUEST_NAME]?.requests, n - (MAX_REQUEST_NAMES - 1) + 1, '51 beyond the bound + the long name');
    assert.equal(first.byRequestName[`r${MAX_REQUEST_NAMES - 2}`]?.requests, 1, 'the last name within the bound keeps its own');
    assert.deepEqual(Object.keys(second.byRequestName).sort(), [OTHER_REQUEST_NAME, 'r0'].sort());
    assert.equal(second.byRequestName[OTHER_REQUEST_NAME]?.requests, 1);
    assert.equal(second.byRequestName[OTHER_REQUEST_NAME]?.renderFailed, 1);
    assert.equal(Object.keys(total.byRequestName).length, MAX_REQUEST_NAMES);
    const sum = Object.values(total.byRequestName).reduce((a, r) => a + r.requests, 0);
    assert.equal(sum, n + 1 + 2, 'every request counted once');
  } finally {
    rec.destroy();
  }
});

test('failed-check names past MAX_CHECK_NAMES - 1 per request name fold into (other)', () => {
  const rec = new RequestRecorder();
  try {
    const checks = Array.from({ length: MAX_CHECK_NAMES + 10 }, (_, i) => `c${i}`);
    rec.onEnd('r', ok(checks));
    const d = rec.takeDelta();
    const failures = d.byRequestName['r']?.checkFailures ?? {};
    assert.equal(Object.keys(failures).length, MAX_CHECK_NAMES);
    assert.equal(failures[OTHER_REQUEST_NAME], 11);
    assert.equal(d.byRequestName['r']?.checksFailed, MAX_CHECK_NAMES + 10);
  } finally {
    rec.destroy();
  }
});

test('a cumulative taken stays as it was while recording goes on', () => {
  const rec = new RequestRecorder();
  try {
    rec.onEnd('r', ok(['c1']));
    rec.onEnd('r', { ...ok(), outcome: 'timeout' });
    rec.takeDelta();
    const before = rec.cumulative();
    const copy = structuredClone(before);
    rec.onEnd('r', ok(['c1']));
    rec.onEnd('r', { ...ok(), outcome: 'timeout' });
    rec.takeDelta();
    assert.deepEqual(before, copy);
    assert.equal(rec.cumulative().byRequestName['r']?.requests, 4);
  } finally {
    rec.destroy();
  }
});
