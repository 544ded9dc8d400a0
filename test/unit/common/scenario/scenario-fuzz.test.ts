// Fuzzed scenario text: random and mutated YAML never crashes the validator (it only returns
// problems), and the valid examples are never reported invalid. Seeded, and a fixed number of runs
// (the same inputs on every machine, however busy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateScenarioText } from '../../../../common/scenario/validate.js';
import { prng } from '../../../helpers/prng.js';

const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const SEEDS = [
  ...readdirSync(join(ROOT, 'examples')).filter((f) => /\.(ya?ml|json)$/.test(f)).map((f) => join(ROOT, 'examples', f)),
  ...readdirSync(join(ROOT, 'test/fixtures/scenario-language')).filter((f) => /\.(ya?ml|json)$/.test(f)).map((f) => join(ROOT, 'test/fixtures/scenario-language', f)),
].map((f) => ({ file: f, text: readFileSync(f, 'utf8') }));


const ATOMS = ['{{', '}}', '{{ x }}', '{{ $uuid }}', '$.a[0]', '(', ':', '- ', '[', ']', '{', '}', '"', "'", '&a', '*a', '<<: *a', '!!str', '%', '\n', '\n  ', '  ', '#', '---', 'null', '~', '1e309', '-1', '0', 'p99 < 1ms',
  'load', 'model', 'open', 'closed', 'rate', 'stages', 'request', 'requests', 'flows', 'steps', 'extract', 'checks', 'thresholds', 'scenarios', 'data', 'variables', 'exec', 'url', 'http://h/', '__proto__', 'constructor'];

function mutate(text: string, rnd: () => number): string {
  let t = text;
  const edits = 1 + Math.floor(rnd() * 4);
  for (let k = 0; k < edits; k++) {
    const at = Math.floor(rnd() * (t.length + 1));
    const op = Math.floor(rnd() * 5);
    if (op === 0) t = t.slice(0, at) + t.slice(at + 1 + Math.floor(rnd() * 8)); // delete a few characters
    else if (op === 1) t = t.slice(0, at) + (ATOMS[Math.floor(rnd() * ATOMS.length)] as string) + t.slice(at); // insert a token
    else if (op === 2) { // duplicate a line
      const lines = t.split('\n');
      const i = Math.floor(rnd() * lines.length);
      lines.splice(i, 0, lines[i] as string);
      t = lines.join('\n');
    } else if (op === 3) { // swap two lines
      const lines = t.split('\n');
      const i = Math.floor(rnd() * lines.length);
      const j = Math.floor(rnd() * lines.length);
      [lines[i], lines[j]] = [lines[j] as string, lines[i] as string];
      t = lines.join('\n');
    } else t = t.slice(0, at) + String.fromCharCode(Math.floor(rnd() * 128)) + t.slice(at); // a random ASCII character
  }
  return t;
}

function randomYaml(rnd: () => number, depth = 0): string {
  const n = Math.floor(rnd() * 5);
  let out = '';
  for (let k = 0; k < n; k++) {
    const key = ATOMS[Math.floor(rnd() * ATOMS.length)] as string;
    const indent = '  '.repeat(depth);
    if (depth < 3 && rnd() < 0.4) out += `${indent}${key}:\n${randomYaml(rnd, depth + 1)}`;
    else out += `${indent}${rnd() < 0.2 ? '- ' : ''}${key}: ${ATOMS[Math.floor(rnd() * ATOMS.length)]}\n`;
  }
  return out;
}

function mustNotThrow(text: string, why: string): void {
  let r: ReturnType<typeof validateScenarioText>;
  try {
    r = validateScenarioText(text);
  } catch (e) {
    assert.fail(`${why}: the validator threw ${(e as Error).stack}\n--- input ---\n${text}`);
  }
  if (!r.ok) {
    assert.ok(r.problems.length > 0, `${why}: invalid without problems`);
    for (const p of r.problems) {
      assert.ok(Number.isInteger(p.line) && p.line >= 1 && Number.isInteger(p.column) && p.column >= 1, `${why}: bad position ${JSON.stringify(p)}`);
      assert.equal(typeof p.message, 'string');
    }
  }
}

test('valid examples are valid, also with harmless changes (comments, blank lines, CRLF)', () => {
  for (const { file, text } of SEEDS) {
    const variants = [text, `# leading comment\n${text}`, `${text}\n\n`, text.replace(/\n/g, '\r\n')];
    for (const v of variants) {
      const r = validateScenarioText(v);
      assert.ok(r.ok, `${file}: ${JSON.stringify(!r.ok && r.problems)}`);
    }
  }
});

/** Fuzzed texts per test run: every fourth random, the rest mutated examples. */
const FUZZ_RUNS = 400;

test('mutated and random YAML never crashes the validator', () => {
  const rnd = prng(0x10adf1ee7);
  let runs = 0;
  while (runs < FUZZ_RUNS) {
    const seed = SEEDS[runs % SEEDS.length] as { file: string; text: string };
    const text = runs % 4 === 3 ? randomYaml(rnd) : mutate(seed.text, rnd);
    mustNotThrow(text, `run ${runs} (${runs % 4 === 3 ? 'random' : seed.file})`);
    runs++;
  }
  for (const odd of ['', '~', '[]', '"x"', '42', '- a\n- b', 'a: &x [*x]', 'a: !!binary AAAA', '{"request": {"url": {"__proto__": 1}}}', 'x: '.repeat(1000)]) {
    mustNotThrow(odd, JSON.stringify(odd));
  }
});
