// The scenario language's `setup` and `teardown`: field rules, template variables across them (a
// setup value is known everywhere after it; a typo is a located problem), and what compile makes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateScenarioFile, validateScenarioText } from '../../../../common/scenario/validate.js';
import { scenarioFromFile } from '../../../../common/scenario/compile.js';

const LOAD = 'load: { model: open, rate: 10, duration: 10s }';
const LOGIN = [
  'variables: { base: "http://127.0.0.1:9" }',
  'setup:',
  '  steps:',
  '    - request: { name: login, url: "{{ base }}/login", method: POST, body: "{}" }',
  '      extract: { token: { json: $.token } }',
];

test('setup and teardown: valid files, their values known to flows, requests and teardown', () => {
  const rows: { why: string; yaml: string[] }[] = [
    // setup's value in a flow's header, a top-level request and teardown
    {
      why: 'setup value everywhere',
      yaml: [
        ...LOGIN,
        'requests:',
        '  items: { url: "{{ base }}/items", headers: { authorization: "Bearer {{ token }}" } }',
        'teardown:',
        '  steps: [{ request: { url: "{{ base }}/logout", headers: { authorization: "Bearer {{ token }}" } } }]',
        LOAD,
      ],
    },
    // a later setup step uses an earlier one's value; refresh as a duration
    {
      why: 'chained setup steps and refresh',
      yaml: [
        'variables: { base: "http://127.0.0.1:9" }',
        'setup:',
        '  refresh: 10m',
        '  steps:',
        '    - request: { url: "{{ base }}/login", method: POST }',
        '      extract: { token: { json: $.token } }',
        '    - request: { url: "{{ base }}/me", headers: { authorization: "Bearer {{ token }}" } }',
        '      extract: { userId: { json: $.id } }',
        'flows:',
        '  f: { steps: [{ request: { url: "{{ base }}/users/{{ userId }}" } }] }',
        LOAD,
      ],
    },
    // a setup step may name a request of `requests`
    { why: 'setup names a request', yaml: ['requests:', '  ping: { url: "http://127.0.0.1:9/ping" }', 'setup: { steps: [{ request: ping }] }', LOAD] },
    // teardown alone (no setup)
    { why: 'teardown only', yaml: ['request: { url: "http://127.0.0.1:9/" }', 'teardown: { steps: [{ request: { url: "http://127.0.0.1:9/reset", method: POST } }] }', LOAD] },
  ];
  for (const r of rows) {
    const v = validateScenarioText(r.yaml.join('\n'));
    assert.ok(v.ok, `${r.why}: ${JSON.stringify(!v.ok && v.problems)}`);
  }
});

test('setup and teardown problems: each located, all at once', () => {
  const rows: { why: string; yaml: string[]; want: [string, RegExp][] }[] = [
    {
      // a typo of setup's value in a flow, a later setup value used too early, an unknown request
      why: 'unknown variables and requests',
      yaml: [
        ...LOGIN,
        '    - request: { url: "{{ base }}/me/{{ userId }}" }',
        '      extract: { userId: { json: $.id } }',
        '    - request: nope',
        'flows:',
        '  f: { steps: [{ request: { url: "{{ base }}/items", headers: { authorization: "Bearer {{ tokne }}" } } }] }',
        LOAD,
      ],
      want: [
        ['setup.steps.1.request.url', /unknown variable "userId" \(it is extracted, but not before this request runs\)/],
        ['setup.steps.2.request', /unknown request "nope"/],
        ['flows.f.steps.0.request.headers.authorization', /unknown variable "tokne"; known: base, token, userId/],
      ],
    },
    {
      // setup runs once, with no data row; teardown may not use a flow's extracted value
      why: 'no data rows in setup, no flow values in teardown',
      yaml: [
        'variables: { base: "http://127.0.0.1:9" }',
        'data: { users: { path: u.csv } }',
        'setup: { steps: [{ request: { url: "{{ base }}/login/{{ users.name }}" } }] }',
        'flows:',
        '  f:',
        '    steps:',
        '      - request: { url: "{{ base }}/a" }',
        '        extract: { orderId: { json: $.id } }',
        'teardown: { steps: [{ request: { url: "{{ base }}/orders/{{ orderId }}" } }] }',
        LOAD,
      ],
      want: [
        ['setup.steps.0.request.url', /data "users" has no row in setup \(it runs once, not per flow run\)/],
        ['teardown.steps.0.request.url', /unknown variable "orderId"/],
      ],
    },
    {
      // a setup value named as a constant; a refresh too short; an empty teardown
      why: 'names and fields',
      yaml: [
        'variables: { base: "http://127.0.0.1:9", token: x }',
        'setup:',
        '  refresh: 10ms',
        '  steps: [{ request: { url: "{{ base }}/login" }, extract: { token: { json: $.t } } }]',
        'teardown: { steps: [] }',
        'request: { url: "http://127.0.0.1:9/" }',
        LOAD,
      ],
      want: [
        ['setup.refresh', /must be at least 1s/],
        ['teardown.steps', /at least 1|>=1|too small/i],
        ['setup.steps.0.extract.token', /"token" is also a name in variables/],
      ],
    },
  ];
  for (const r of rows) {
    const v = validateScenarioText(r.yaml.join('\n'));
    assert.ok(!v.ok, r.why);
    for (const [path, re] of r.want) {
      assert.ok(v.problems.some((p) => p.path === path && re.test(p.message)), `${r.why}: no problem at ${path} matching ${re}: ${JSON.stringify(v.problems.map((p) => `${p.path}: ${p.message}`))}`);
      assert.ok(v.problems.every((p) => p.line > 0), 'every problem has its line');
    }
  }
});

test('compile: setup and teardown become program steps, their requests named and their origins vetted', () => {
  const v = validateScenarioFile({
    variables: { base: 'http://127.0.0.1:9' },
    setup: { refresh: '2s', steps: [{ request: { url: '{{ base }}/login', method: 'POST' }, extract: { token: { json: '$.token' } } }] },
    teardown: { steps: [{ request: { name: 'bye', url: 'http://127.0.0.2:9/logout' } }] },
    request: { url: '{{ base }}/items', headers: { authorization: 'Bearer {{ token }}' } },
    load: { model: 'open', rate: 1, duration: '1s' },
  });
  assert.ok(v.ok, JSON.stringify(!v.ok && v.problems));
  const r = scenarioFromFile(v.file, () => '');
  assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
  const p = r.scenario.program!;
  assert.deepEqual(p.setup, { refreshMs: 2_000, steps: [{ request: 'setup.0', extract: { token: { json: '$.token' } }, checks: [], thinkMs: 0 }] });
  assert.deepEqual(p.teardown, { steps: [{ request: 'bye', extract: {}, checks: [], thinkMs: 0 }] });
  assert.equal(p.requests['setup.0']?.method, 'POST');
  assert.deepEqual([...p.origins].sort(), ['http://127.0.0.1:9', 'http://127.0.0.2:9'], "teardown's origin is one the agents vet");
  assert.deepEqual(p.flows.map((f) => f.name), ['default'], 'setup and teardown are not flows of the load');
});
