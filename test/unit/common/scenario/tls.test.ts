// The scenario's `tls`: from the file (the CA read relative to it, as PEM) to the Scenario, through the
// plan to every agent; every problem located at its field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateScenarioFile } from '../../../../common/scenario/validate.js';
import { scenarioFromFile } from '../../../../common/scenario/compile.js';
import { toScenarioInput, validateScenario } from '../../../../common/scenario/scenario.js';
import { agentPlanSchema } from '../../../../common/plan/agent-plan.js';
import { planRun } from '../../../../coordinator/schedule/planner.js';

const dir = mkdtempSync(join(tmpdir(), 'loadfleet-scenario-tls-'));
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'k.pem', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=t'], { cwd: dir, stdio: 'ignore' });
const PEM = readFileSync(join(dir, 'ca.pem'), 'utf8');
const HALF = '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n';
const FILES: Record<string, string> = { 'ca.pem': PEM, 'junk.pem': 'hello', 'half.pem': HALF, 'bundle.pem': PEM + PEM, 'bad-bundle.pem': PEM + HALF };

function convert(tls: unknown, request: object = { url: 'https://127.0.0.1:8443/' }) {
  const v = validateScenarioFile({ request, load: { model: 'open', rate: 10, duration: '1s' }, ...(tls === undefined ? {} : { tls }) });
  if (!v.ok) return { problems: v.problems.map((p) => `${p.segments.join('.')}: ${p.message}`) };
  const r = scenarioFromFile(v.file, (p) => {
    const t = FILES[p];
    if (t === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
    return t;
  });
  return r.ok ? { tls: r.scenario.tls, scenario: r.scenario } : { problems: r.problems.map((p) => `${p.segments.join('.')}: ${p.message}`) };
}

test('tls in the file -> the Scenario: defaults, the CA embedded as PEM, and every problem at its field', () => {
  const rows: [string, unknown, object][] = [
    // no tls: nothing (verify against the system's CAs)
    ['absent', undefined, { tls: undefined }],
    // skip verify
    ['insecureSkipVerify', { insecureSkipVerify: true }, { tls: { insecureSkipVerify: true } }],
    // a CA file: read and embedded
    ['ca', { ca: 'ca.pem' }, { tls: { insecureSkipVerify: false, caPem: PEM } }],
    // both: contradictory
    ['both', { insecureSkipVerify: true, ca: 'ca.pem' }, { problems: ['tls.ca: is not used when insecureSkipVerify is true: remove one of them'] }],
    // a missing file, a file without a certificate, a broken certificate
    ['missing', { ca: 'nope.pem' }, { problems: ['tls.ca: cannot read nope.pem: no such file (paths are relative to the scenario file)'] }],
    ['not PEM', { ca: 'junk.pem' }, { problems: ['tls.ca: junk.pem is not a PEM certificate (no "-----BEGIN CERTIFICATE-----" ... "-----END CERTIFICATE-----" block); give the CA that signed the target\'s certificate'] }],
    // a bundle (e.g. intermediate + root) is trusted whole
    ['bundle', { ca: 'bundle.pem' }, { tls: { insecureSkipVerify: false, caPem: PEM + PEM } }],
    // unknown field: a typo is caught
    ['typo', { insecureSkipVerfy: true }, { problems: [] }],
  ];
  for (const [why, tls, want] of rows) {
    const got = convert(tls);
    if (why === 'typo') assert.match(got.problems?.join() ?? '', /insecureSkipVerfy/, why);
    else if ('problems' in want) assert.deepEqual(got.problems, (want as { problems: string[] }).problems, why);
    else assert.deepEqual(got.tls, (want as { tls: unknown }).tls, why);
  }
  const broken = convert({ ca: 'half.pem' });
  assert.match(broken.problems?.[0] ?? '', /^tls\.ca: half\.pem is not a PEM certificate \(/);
  // Every certificate of a bundle must parse: a broken second one is named.
  assert.match(convert({ ca: 'bad-bundle.pem' }).problems?.[0] ?? '', /^tls\.ca: bad-bundle\.pem is not a PEM certificate \(certificate 2 of 2\)/);
});

test('tls travels: the language path keeps it, the remote form round-trips, every agent plan carries it', () => {
  const lang = convert({ ca: 'ca.pem' }, { url: 'https://127.0.0.1:8443/{{ $seq }}', checks: [{ status: 200 }] });
  assert.ok(lang.scenario?.program !== undefined, 'the language path');
  assert.equal(lang.scenario?.tls?.caPem, PEM);
  const s = lang.scenario;
  if (s === undefined) throw new Error('no scenario');
  const again = validateScenario(JSON.parse(JSON.stringify(toScenarioInput(s))));
  assert.ok(again.ok);
  assert.deepEqual(again.ok ? again.scenario.tls : undefined, s.tls);
  const plans = planRun(s, ['a', 'b'], { runId: 'r', snapshotIntervalMs: 1000 });
  for (const plan of plans.values()) assert.deepEqual(agentPlanSchema.parse(JSON.parse(JSON.stringify(plan))).tls, { insecureSkipVerify: false, caPem: PEM });
});
