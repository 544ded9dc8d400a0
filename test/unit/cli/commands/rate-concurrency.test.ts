// `loadfleet rate` / `concurrency` refuse a bad value before reaching for the coordinator, naming it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concurrencyCommand } from '../../../../cli/commands/concurrency.js';
import { rateCommand } from '../../../../cli/commands/rate.js';
import { captureIo } from '../../../helpers/io.js';

test('rate and concurrency values: USAGE with the value as typed (yargs gives NaN for a word)', async () => {
  // port 1: nothing listens, so reaching for the coordinator would fail differently (exit 3)
  const base = { coordinator: '127.0.0.1:1', ramp: '0s' };
  const rows: [string, () => Promise<number>, RegExp][] = [
    ['rate abc', () => rateCommand(captureIo('/tmp'), { ...base, rate: Number.NaN } as Parameters<typeof rateCommand>[1]), /^rate must be a number >= 0, got something that is not a number$/],
    ['rate -1', () => rateCommand(captureIo('/tmp'), { ...base, rate: -1 } as Parameters<typeof rateCommand>[1]), /^rate must be a number >= 0, got -1$/],
    ['concurrency abc', () => concurrencyCommand(captureIo('/tmp'), { ...base, concurrency: Number.NaN } as Parameters<typeof concurrencyCommand>[1]), /^concurrency must be a whole number >= 1, got something that is not a number$/],
    ['concurrency 2.5', () => concurrencyCommand(captureIo('/tmp'), { ...base, concurrency: 2.5 } as Parameters<typeof concurrencyCommand>[1]), /^concurrency must be a whole number >= 1, got 2\.5$/],
  ];
  for (const [why, f, re] of rows) {
    await assert.rejects(f(), (e: unknown) => (e as { code?: string }).code === 'USAGE' && re.test((e as Error).message), why);
  }
});
