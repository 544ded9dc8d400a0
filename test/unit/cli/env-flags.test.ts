// LOADFLEET_<OPTION> variables as defaults of a command's options: conversion by type, flags winning,
// non-flag variables ignored, every bad value reported at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import yargs from 'yargs';
import { envName, parseEnvValues, withEnvFlags } from '../../../cli/env-flags.js';
import { LoadfleetError } from '../../../common/runtime/errors.js';

function parse(argv: string[], env: Record<string, string>): Record<string, unknown> {
  const y = yargs(argv)
    .option('join', { type: 'string', demandOption: true })
    .option('token-file', { type: 'string' })
    .option('max-rate', { type: 'number' })
    .option('require-tls', { type: 'boolean', default: false })
    .option('allow-target', { type: 'string', array: true })
    .option('on-agent-loss', { choices: ['rebalance', 'fail'] as const, default: 'rebalance' as const })
    .option('exit-with-stdin', { type: 'boolean', default: false, hidden: true })
    .strict()
    .fail((msg, err) => { throw err ?? new Error(msg); });
  return withEnvFlags(y, env).parseSync() as Record<string, unknown>;
}

test('envName: LOADFLEET_ + upper case, dashes to underscores', () => {
  assert.equal(envName('join'), 'LOADFLEET_JOIN');
  assert.equal(envName('tls-cert'), 'LOADFLEET_TLS_CERT');
});

const rows: { what: string; argv: string[]; env: Record<string, string>; expect: Record<string, unknown> }[] = [
  // a required flag satisfied by its variable
  { what: 'string', argv: [], env: { LOADFLEET_JOIN: 'c:7878' }, expect: { join: 'c:7878' } },
  // the command line wins
  { what: 'flag wins', argv: ['--join', 'flag:1'], env: { LOADFLEET_JOIN: 'env:1' }, expect: { join: 'flag:1' } },
  // numbers are converted
  { what: 'number', argv: [], env: { LOADFLEET_JOIN: 'c:1', LOADFLEET_MAX_RATE: '2500' }, expect: { maxRate: 2500, 'max-rate': 2500 } },
  // booleans: true/false, 1/0, yes/no
  { what: 'boolean', argv: [], env: { LOADFLEET_JOIN: 'c:1', LOADFLEET_REQUIRE_TLS: 'yes' }, expect: { requireTls: true } },
  // arrays: comma- or space-separated
  { what: 'array', argv: [], env: { LOADFLEET_JOIN: 'c:1', LOADFLEET_ALLOW_TARGET: '10.0.0.0/8, api.test 127.0.0.1:80' }, expect: { allowTarget: ['10.0.0.0/8', 'api.test', '127.0.0.1:80'] } },
  // LOADFLEET_TOKEN is the token, not a flag: ignored here (strict mode does not see it); hidden options too
  { what: 'non-flags', argv: [], env: { LOADFLEET_JOIN: 'c:1', LOADFLEET_TOKEN: 's3cret', LOADFLEET_DEBUG: '1', LOADFLEET_EXIT_WITH_STDIN: 'true' }, expect: { token: undefined, exitWithStdin: false } },
  // choices are checked
  { what: 'choice', argv: [], env: { LOADFLEET_JOIN: 'c:1', LOADFLEET_ON_AGENT_LOSS: 'fail' }, expect: { onAgentLoss: 'fail' } },
  // an empty variable counts as unset
  { what: 'empty', argv: [], env: { LOADFLEET_JOIN: 'c:1', LOADFLEET_TOKEN_FILE: '' }, expect: { tokenFile: undefined } },
];

for (const r of rows) {
  test(`withEnvFlags: ${r.what}`, () => {
    const a = parse(r.argv, r.env);
    for (const [k, v] of Object.entries(r.expect)) assert.deepEqual(a[k], v, k);
  });
}

test('withEnvFlags: every bad value at once, naming the variable and the flag', () => {
  assert.throws(
    () => parse([], { LOADFLEET_JOIN: 'c:1', LOADFLEET_MAX_RATE: 'fast', LOADFLEET_REQUIRE_TLS: 'maybe', LOADFLEET_ON_AGENT_LOSS: 'shrug' }),
    (e: unknown) => e instanceof LoadfleetError && e.code === 'USAGE'
      && /LOADFLEET_MAX_RATE=fast: expected a number \(for --max-rate\)/.test(e.message)
      && /LOADFLEET_REQUIRE_TLS=maybe: expected true or false/.test(e.message)
      && /LOADFLEET_ON_AGENT_LOSS=shrug: expected one of rebalance, fail/.test(e.message),
  );
});

test('parseEnvValues: --env NAME=VALUE and --env NAME (from the CLI environment)', () => {
  const cliEnv = { FROM_SHELL: 'shell-value', EMPTY: '' };
  const rows: { why: string; flags: string | string[] | undefined; want: Record<string, string> }[] = [
    { why: 'no flag', flags: undefined, want: {} },
    { why: 'one flag is a string', flags: 'A=1', want: { A: '1' } },
    { why: 'the value keeps = and spaces', flags: ['A=x=y z'], want: { A: 'x=y z' } },
    { why: 'an empty value is set', flags: ['A='], want: { A: '' } },
    { why: 'NAME alone: from the shell', flags: ['FROM_SHELL', 'EMPTY'], want: { FROM_SHELL: 'shell-value', EMPTY: '' } },
    { why: 'NAME alone, unset in the shell: not given', flags: ['NOPE'], want: {} },
    { why: 'a later flag wins', flags: ['A=1', 'A=2'], want: { A: '2' } },
  ];
  for (const row of rows) assert.deepEqual(parseEnvValues(row.flags, cliEnv), row.want, row.why);
});

test('parseEnvValues: a bad name is USAGE naming the flag, never the value', () => {
  for (const flag of ['1A=sekret', 'a-b=sekret', '=sekret']) {
    assert.throws(() => parseEnvValues([flag], {}), (e: unknown) => e instanceof LoadfleetError && e.code === 'USAGE' && /--env/.test(e.message) && !e.message.includes('sekret'), flag);
  }
});
