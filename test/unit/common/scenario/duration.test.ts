import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDurationMs, parseDurationMs } from '../../../../common/scenario/duration.js';

test('parseDurationMs', () => {
  const rows: [string | number, number | undefined, string][] = [
    ['30s', 30_000, 'seconds'],
    ['500ms', 500, 'milliseconds'],
    ['2m', 120_000, 'minutes'],
    ['1h', 3_600_000, 'hours'],
    ['1m30s', 90_000, 'compound'],
    ['1.5s', 1_500, 'fractional'],
    ['10', 10_000, 'a bare number in text is seconds'],
    [10, 10_000, 'a number is seconds'],
    [0, 0, 'zero is a duration'],
    ['', undefined, 'empty'],
    ['soon', undefined, 'words'],
    ['10x', undefined, 'unknown unit'],
    ['s', undefined, 'unit alone'],
    ['5s junk', undefined, 'trailing text'],
    [-1, undefined, 'negative'],
    [Number.NaN, undefined, 'NaN'],
  ];
  for (const [input, want, why] of rows) assert.equal(parseDurationMs(input), want, `${JSON.stringify(input)}: ${why}`);
});

test('formatDurationMs', () => {
  const rows: [number, string][] = [
    [250, '250ms'],
    [1_000, '1s'],
    [1_500, '1.5s'],
    [60_000, '1m'],
    [90_000, '1m30s'],
  ];
  for (const [ms, want] of rows) assert.equal(formatDurationMs(ms), want);
});
