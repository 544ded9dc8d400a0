// The scenario file's think-time distributions, cookie settings and Poisson arrivals: what they compile
// to, and every mistake as a located problem (a table, a comment per row).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateScenarioText } from '../../../../common/scenario/validate.js';
import { scenarioFromFile } from '../../../../common/scenario/compile.js';
import { drawThinkMs } from '../../../../common/flow/think.js';
import type { ThinkRandom } from '../../../../common/flow/think.js';
import { prng } from '../../../helpers/prng.js';

const flowWith = (think: string, extra = '', load = 'load: { model: open, rate: 10, duration: 1s }'): string => `
flows:
  f:
    steps:
      - request: { url: "http://127.0.0.1:9/a" }
        think: ${think}
${extra}
${load}
`;

function compiled(text: string): NonNullable<ReturnType<typeof scenarioFromFile> & { ok: true }>['scenario'] {
  const v = validateScenarioText(text);
  assert.ok(v.ok, JSON.stringify(!v.ok && v.problems));
  const s = scenarioFromFile(v.file, () => '');
  assert.ok(s.ok, JSON.stringify(!s.ok && s.problems));
  return s.scenario;
}

test('think: a duration stays thinkMs; each distribution compiles to thinkRandom in ms', () => {
  const rows: [string, { thinkMs: number; thinkRandom?: ThinkRandom }][] = [
    // a plain duration: unchanged meaning
    ['1.5s', { thinkMs: 1500 }],
    // uniform bounds in any duration form
    ['{ uniform: [1s, 3000ms] }', { thinkMs: 0, thinkRandom: { uniform: { minMs: 1000, maxMs: 3000 } } }],
    // a degenerate uniform (min = max) is allowed: a fixed time
    ['{ uniform: [2s, 2s] }', { thinkMs: 0, thinkRandom: { uniform: { minMs: 2000, maxMs: 2000 } } }],
    ['{ normal: { mean: 2s, stddev: 500ms } }', { thinkMs: 0, thinkRandom: { normal: { meanMs: 2000, stddevMs: 500 } } }],
    ['{ exponential: { mean: 2s } }', { thinkMs: 0, thinkRandom: { exponential: { meanMs: 2000 } } }],
  ];
  for (const [think, want] of rows) {
    const step = compiled(flowWith(think)).program?.flows[0]?.steps[0];
    assert.deepEqual({ thinkMs: step?.thinkMs, ...(step?.thinkRandom !== undefined ? { thinkRandom: step.thinkRandom } : {}) }, want, think);
  }
});

test('cookies and arrivals travel in the Scenario: the file\'s default in the program, a scenario\'s own in its part, arrivals in the load', () => {
  const s = compiled(`
cookies: false
flows:
  f: { steps: [{ request: { url: "http://127.0.0.1:9/a" } }] }
scenarios:
  a: { exec: f, load: { model: open, rate: 5, duration: 1s, arrivals: poisson } }
  b: { exec: f, cookies: per-loop, load: { model: closed, concurrency: 2, duration: 1s } }
  c: { exec: f, cookies: true, load: { model: closed, concurrency: 2, duration: 1s } }
`);
  assert.equal(s.program?.cookies, 'off');
  assert.deepEqual(s.parts?.map((p) => p.cookies), [undefined, 'per-loop', 'per-iteration']);
  assert.equal(s.load.model === 'open' ? s.load.arrivals : 'closed', 'poisson');
  // Absent settings stay absent: a file without them compiles to the plain Scenario (no cookies, no arrivals field).
  const plain = compiled(flowWith('1s'));
  assert.equal(plain.program?.cookies, undefined);
  assert.equal(plain.load.model === 'open' ? plain.load.arrivals : 'closed', undefined);
  // A single request with cookies runs as a one-step flow (the fast path has no jar).
  const single = compiled('request: { url: "http://127.0.0.1:9/" }\ncookies: per-loop\nload: { model: closed, concurrency: 1, duration: 1s }\n');
  assert.equal(single.program?.cookies, 'per-loop');
});

interface ProblemRow {
  name: string;
  text: string;
  /** [path, message pattern] of the problem expected (others may come too). */
  want: [string, RegExp];
}

const problemRows: ProblemRow[] = [
  // uniform written backwards
  { name: 'uniform min above max', text: flowWith('{ uniform: [3s, 1s] }'), want: ['flows.f.steps.0.think.uniform', /minimum \(3000 ms\) is above the maximum \(1000 ms\)/] },
  // a negative number of seconds
  { name: 'negative bound', text: flowWith('{ uniform: [-1, 2] }'), want: ['flows.f.steps.0.think.uniform.0', /must not be negative/] },
  { name: 'negative stddev', text: flowWith('{ normal: { mean: 1s, stddev: -0.5 } }'), want: ['flows.f.steps.0.think.normal.stddev', /must not be negative/] },
  // a key that is no distribution
  { name: 'unknown distribution', text: flowWith('{ poisson: { mean: 1s } }'), want: ['flows.f.steps.0.think.poisson', /unknown field "poisson"/] },
  { name: 'unknown key inside', text: flowWith('{ normal: { mean: 1s, sd: 1s } }'), want: ['flows.f.steps.0.think.normal.sd', /unknown field "sd"/] },
  { name: 'two distributions', text: flowWith('{ uniform: [1s, 2s], exponential: { mean: 1s } }'), want: ['flows.f.steps.0.think', /exactly one of uniform, normal or exponential \(found uniform, exponential\)/] },
  { name: 'exponential mean 0', text: flowWith('{ exponential: { mean: 0 } }'), want: ['flows.f.steps.0.think.exponential.mean', /longer than 0/] },
  { name: 'a missing bound', text: flowWith('{ uniform: [1s] }'), want: ['flows.f.steps.0.think.uniform', /2 items|too small|>=2/i] },
  // cookies: a word it does not know
  { name: 'cookies value', text: flowWith('1s', 'cookies: sometimes'), want: ['cookies', /must be true .* per-loop .* or false/] },
  // per-loop where there is no loop
  { name: 'per-loop with an open load', text: flowWith('1s', 'cookies: per-loop'), want: ['cookies', /closed-model loop.*this load is open/] },
  {
    name: 'per-loop on an open scenario',
    text: 'flows: { f: { steps: [{ request: { url: "http://127.0.0.1:9/a" } }] } }\nscenarios:\n  s: { cookies: per-loop, load: { model: open, rate: 1, duration: 1s } }\n',
    want: ['scenarios.s.cookies', /this load is open/],
  },
  {
    name: 'per-loop default inherited by an open scenario',
    text: 'cookies: per-loop\nflows: { f: { steps: [{ request: { url: "http://127.0.0.1:9/a" } }] } }\nscenarios:\n  o: { load: { model: open, rate: 1, duration: 1s } }\n  c: { load: { model: closed, concurrency: 1, duration: 1s } }\n',
    want: ['cookies', /scenario "o" takes this default/],
  },
  // arrivals: only even or poisson, and only in the open model
  { name: 'arrivals value', text: flowWith('1s', '', 'load: { model: open, rate: 10, duration: 1s, arrivals: random }'), want: ['load.arrivals', /must be even .* or poisson/] },
  { name: 'arrivals on a closed load', text: flowWith('1s', '', 'load: { model: closed, concurrency: 1, duration: 1s, arrivals: poisson }'), want: ['load.arrivals', /unknown field "arrivals"/] },
];

for (const row of problemRows) {
  test(`problem: ${row.name}`, () => {
    const v = validateScenarioText(row.text);
    assert.ok(!v.ok, 'refused');
    const found = v.problems.find((p) => p.path === row.want[0] && row.want[1].test(p.message));
    assert.ok(found !== undefined, `want ${row.want[0]}: ${row.want[1]}; got ${JSON.stringify(v.problems.map((p) => `${p.path}: ${p.message}`))}`);
    assert.ok(found.line > 0, 'located in the file');
  });
}

interface DrawRow {
  name: string;
  think: ThinkRandom;
  /** Expected mean and standard deviation of the draws, ms; and the bounds every draw keeps. */
  mean: number;
  sd: number;
  min: number;
  max: number;
}

const drawRows: DrawRow[] = [
  // uniform on [1000, 3000]: mean 2000, sd 2000/sqrt(12)
  { name: 'uniform 1s..3s', think: { uniform: { minMs: 1000, maxMs: 3000 } }, mean: 2000, sd: 2000 / Math.sqrt(12), min: 1000, max: 3000 },
  // normal far from 0: the clamp never bites
  { name: 'normal 2s +- 500ms', think: { normal: { meanMs: 2000, stddevMs: 500 } }, mean: 2000, sd: 500, min: 0, max: Infinity },
  // normal with stddev = mean: draws below 0 are 0, so the mean rises to about 1.083 x mean (E[max(0, X)])
  { name: 'normal clamped at 0', think: { normal: { meanMs: 1000, stddevMs: 1000 } }, mean: 1083.4, sd: 875.8, min: 0, max: Infinity },
  // exponential: sd = mean
  { name: 'exponential mean 2s', think: { exponential: { meanMs: 2000 } }, mean: 2000, sd: 2000, min: 0, max: Infinity },
  // zero width: always the same
  { name: 'uniform 2s..2s', think: { uniform: { minMs: 2000, maxMs: 2000 } }, mean: 2000, sd: 0, min: 2000, max: 2000 },
];

for (const row of drawRows) {
  test(`drawThinkMs: ${row.name}`, () => {
    const random = prng(42);
    const n = 40_000;
    const xs = Array.from({ length: n }, () => drawThinkMs(row.think, random));
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
    // The mean of n draws spreads by sd/sqrt(n): 5 of those, plus rounding of the expected figures.
    assert.ok(Math.abs(mean - row.mean) <= (5 * row.sd) / Math.sqrt(n) + 1, `mean ${mean}, want ${row.mean}`);
    assert.ok(Math.abs(sd - row.sd) <= 0.03 * row.sd + 1, `sd ${sd}, want ${row.sd}`);
    for (const x of xs) assert.ok(x >= row.min && x <= row.max && Number.isFinite(x), `draw ${x} outside [${row.min}, ${row.max}]`);
  });
}
