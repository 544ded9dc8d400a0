import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTemplate, defaultTemplateContext, TemplateError } from '../../../../common/flow/template.js';
import type { TemplateContext } from '../../../../common/flow/template.js';

/** A context whose random() walks through fixed values, a fixed clock and real counters. */
function fixedContext(randoms: number[] = [0.5], nowMs = Date.UTC(2026, 0, 2, 3, 4, 5, 6)): TemplateContext {
  let k = 0;
  const counters = new Map<string, number>();
  return {
    random: () => randoms[k++ % randoms.length] as number,
    nowMs: () => nowMs,
    nextSequence: (name) => {
      const n = counters.get(name) ?? 0;
      counters.set(name, n + 1);
      return n;
    },
  };
}

const VARS = { user: { id: 42, name: 'Ann "A"', tags: ['a', 'b'] }, token: 'abc', base: 'http://h:1', on: true, none: null, colors: ['red', 'green', 'blue'] };

test('render: variables, literals and helpers', () => {
  const rows: { why: string; src: string; want: string; randoms?: number[] }[] = [
    { why: 'no tags: the source itself', src: 'plain /path?x=1', want: 'plain /path?x=1' },
    { why: 'empty template', src: '', want: '' },
    { why: 'a path into an object', src: '/users/{{ user.id }}', want: '/users/42' },
    { why: 'no spaces needed', src: '{{user.id}}', want: '42' },
    { why: 'array index', src: '{{ user.tags[1] }}', want: 'b' },
    { why: 'several tags and text', src: '{{ base }}/u/{{ user.id }}?t={{ token }}', want: 'http://h:1/u/42?t=abc' },
    { why: 'boolean and null render as text', src: '{{ on }} {{ none }}', want: 'true null' },
    { why: 'objects render as JSON', src: '{{ user.tags }}', want: '["a","b"]' },
    { why: 'string literal escapes braces', src: '{{ "{{" }} x {{ \'}}\' }}', want: '{{ x }}' },
    { why: 'number literal', src: '{{ -1.5 }}', want: '-1.5' },
    { why: '$json quotes and escapes', src: '{"name": {{ $json(user.name) }}}', want: '{"name": "Ann \\"A\\""}' },
    { why: '$randomInt low end', src: '{{ $randomInt(1, 6) }}', want: '1', randoms: [0] },
    { why: '$randomInt high end is inclusive', src: '{{ $randomInt(1, 6) }}', want: '6', randoms: [0.9999] },
    { why: '$pick from a list variable', src: '{{ $pick(colors) }}', want: 'green', randoms: [0.5] },
    { why: '$pick among arguments', src: '{{ $pick("x", "y") }}', want: 'y', randoms: [0.7] },
    { why: '$uuid is a v4 UUID', src: '{{ $uuid }}', want: '00000000-0000-4000-8000-000000000000', randoms: [0] },
    { why: '$nowMs', src: '{{ $nowMs() }}', want: String(Date.UTC(2026, 0, 2, 3, 4, 5, 6)) },
    { why: '$nowIso', src: '{{ $nowIso }}', want: '2026-01-02T03:04:05.006Z' },
    { why: '$seq counts per name', src: '{{ $seq }}-{{ $seq }}-{{ $seq("b") }}', want: '0-1-0' },
    { why: 'multi-line body', src: 'a\n{{ token }}\nb', want: 'a\nabc\nb' },
  ];
  for (const row of rows) {
    const t = compileTemplate(row.src, row.why);
    assert.equal(t.render(VARS, fixedContext(row.randoms)), row.want, row.why);
  }
});

test('compile: static flag and the root variables a template reads', () => {
  assert.equal(compileTemplate('/x', 't').isStatic, true);
  const t = compileTemplate('{{ user.id }}{{ token }}{{ $pick(colors) }}{{ user.name }}', 't');
  assert.equal(t.isStatic, false);
  assert.deepEqual([...t.variables].sort(), ['colors', 'token', 'user']);
});

test('compile errors name the template, the line and the column', () => {
  const rows: { why: string; src: string; line: number; column: number; re: RegExp }[] = [
    { why: 'unterminated tag', src: 'a {{ user.id', line: 1, column: 13, re: /unterminated/ },
    { why: 'empty tag', src: 'x{{ }}', line: 1, column: 5, re: /empty/ },
    { why: 'unknown helper, at the $', src: 'ok\n  {{ $nope() }}', line: 2, column: 6, re: /unknown helper \$nope/ },
    { why: 'helper arity', src: '{{ $randomInt(1) }}', line: 1, column: 4, re: /takes 2 argument/ },
    { why: 'two expressions', src: '{{ a b }}', line: 1, column: 6, re: /expected '}}'/ },
    { why: 'bad index', src: '{{ a[x] }}', line: 1, column: 6, re: /index/ },
    { why: 'unterminated string', src: '{{ "abc }}', line: 1, column: 11, re: /unterminated "-quoted/ },
    { why: 'code is not allowed', src: '{{ process.exit(1) }}', line: 1, column: 16, re: /expected '}}'/ },
  ];
  for (const row of rows) {
    assert.throws(() => compileTemplate(row.src, 'flows.buy.steps.0.request.url'), (e: unknown) => {
      assert.ok(e instanceof TemplateError, row.why);
      assert.equal(e.code, 'TEMPLATE_SYNTAX', row.why);
      assert.deepEqual([e.line, e.column], [row.line, row.column], `${row.why}: ${e.message}`);
      assert.match(e.message, /flows\.buy\.steps\.0\.request\.url/, row.why);
      assert.match(e.message, row.re, row.why);
      return true;
    });
  }
});

test('render errors: unknown variables name the template and the variable; bad helper arguments', () => {
  const rows: { why: string; src: string; code: string; variable?: string }[] = [
    { why: 'unknown root', src: '/u/{{ usr.id }}', code: 'TEMPLATE_UNKNOWN_VARIABLE', variable: 'usr' },
    { why: 'unknown key', src: '{{ user.email }}', code: 'TEMPLATE_UNKNOWN_VARIABLE', variable: 'user.email' },
    { why: 'index past the end', src: '{{ user.tags[5] }}', code: 'TEMPLATE_UNKNOWN_VARIABLE', variable: 'user.tags[5]' },
    { why: 'key into a scalar', src: '{{ token.x }}', code: 'TEMPLATE_UNKNOWN_VARIABLE', variable: 'token.x' },
    { why: 'no prototype lookups', src: '{{ user.constructor }}', code: 'TEMPLATE_UNKNOWN_VARIABLE', variable: 'user.constructor' },
    { why: '$randomInt with min > max', src: '{{ $randomInt(5, 1) }}', code: 'TEMPLATE_RENDER' },
    { why: '$pick of a non-list', src: '{{ $pick(token) }}', code: 'TEMPLATE_RENDER' },
  ];
  for (const row of rows) {
    const t = compileTemplate(row.src, 'requests.get.url');
    assert.throws(() => t.render(VARS, fixedContext()), (e: unknown) => {
      assert.ok(e instanceof TemplateError, row.why);
      assert.equal(e.code, row.code, row.why);
      assert.equal(e.variable, row.variable, row.why);
      assert.match(e.message, /requests\.get\.url/, row.why);
      if (row.variable !== undefined) assert.ok(e.message.includes(`"${row.variable}"`), row.why);
      return true;
    });
  }
});

test('default context: independent counters per context (one per agent), real UUIDs', () => {
  const a = defaultTemplateContext();
  const b = defaultTemplateContext();
  const t = compileTemplate('{{ $seq }}', 's');
  assert.deepEqual([t.render({}, a), t.render({}, a), t.render({}, b)], ['0', '1', '0']);
  const ids = new Set(Array.from({ length: 100 }, () => compileTemplate('{{ $uuid }}', 'u').render({}, a)));
  assert.equal(ids.size, 100);
  for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('render is fast: 200k renders of a 3-tag template well under a second', () => {
  const t = compileTemplate('{{ base }}/users/{{ user.id }}?token={{ token }}', 'perf');
  const ctx = fixedContext();
  const start = performance.now();
  let len = 0;
  for (let k = 0; k < 200_000; k++) len += t.render(VARS, ctx).length;
  const ms = performance.now() - start;
  assert.ok(len > 0);
  assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
});
