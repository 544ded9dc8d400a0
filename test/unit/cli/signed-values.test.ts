// A value that starts with a minus sign after a long flag is that flag's value, for yargs to hand to the
// command (which refuses it by name), not a bundle of short flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { joinSignedValues } from '../../../cli/main.js';

test('joinSignedValues: a signed value after a long flag joins it with =', () => {
  const rows: [string, string[], string[]][] = [
    // unjoined, yargs reads -5s as the flags -5 and -s ("Unknown arguments: 5, s")
    ['negative duration', ['run', 's.yaml', '--duration', '-5s'], ['run', 's.yaml', '--duration=-5s']],
    ['negative number: parses the same either way', ['run', 's.yaml', '--rate', '-5'], ['run', 's.yaml', '--rate=-5']],
    ['decimal', ['--ramp', '-0.5s'], ['--ramp=-0.5s']],
    ['already joined', ['--duration=-5s'], ['--duration=-5s']],
    ['a positional after a command word stays', ['rate', '-5', '--coordinator', 'h:1'], ['rate', '-5', '--coordinator', 'h:1']],
    ['a short flag is not a long flag', ['-x', '-5'], ['-x', '-5']],
    ['a flag after a flag stays a flag', ['--verbose', '--duration', '5s'], ['--verbose', '--duration', '5s']],
    ['not a digit after the minus', ['--out', '-report.json'], ['--out', '-report.json']],
  ];
  for (const [why, argv, want] of rows) assert.deepEqual(joinSignedValues(argv), want, why);
});
