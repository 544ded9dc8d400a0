// deploy/kubernetes/*.yaml: every document is valid against the Kubernetes 1.27 schemas (kubernetes-models
// bundles them, compiled with ajv), and the manifests agree with the code: probes on the endpoints the
// roles serve, every LOADFLEET_* variable names a real flag, Secrets referenced exist, the agent's grace
// period covers its drain, agents have an allow-list.
// Note: the upstream schemas do not forbid unknown fields (no additionalProperties: false; kubectl's
// server-side field validation does that), so a misspelt optional field is caught only by the checks below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO, flagsOf } from './repo.js';

type Model = new (data: unknown) => { validate(): void };
const require = createRequire(import.meta.url);
const model = (path: string, name: string): Model => (require(`kubernetes-models/${path}`) as Record<string, Model>)[name] as Model;
const MODELS: Record<string, Model> = {
  'apps/v1/Deployment': model('apps/v1/Deployment', 'Deployment'),
  'v1/Service': model('v1/Service', 'Service'),
  'v1/Secret': model('v1/Secret', 'Secret'),
  'v1/Namespace': model('v1/Namespace', 'Namespace'),
};

interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- its shape is what the schema validator checks
  spec?: any;
  stringData?: Record<string, string>;
}

const DIR = join(REPO, 'deploy', 'kubernetes');
const docs: { file: string; doc: Doc }[] = [];
for (const file of readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort()) {
  for (const d of parseAllDocuments(readFileSync(join(DIR, file), 'utf8'))) {
    assert.deepEqual(d.errors, [], `${file}: YAML errors`);
    docs.push({ file, doc: d.toJS() as Doc });
  }
}
const find = (kind: string, name: string): Doc => {
  const d = docs.find((x) => x.doc.kind === kind && x.doc.metadata.name === name);
  assert.ok(d !== undefined, `${kind} ${name} is in deploy/kubernetes/`);
  return d.doc;
};

test('every manifest validates against the Kubernetes schemas of its kind', () => {
  assert.ok(docs.length >= 6, `found ${docs.length} documents`);
  for (const { file, doc } of docs) {
    const M = MODELS[`${doc.apiVersion}/${doc.kind}`];
    assert.ok(M !== undefined, `${file}: no validator for ${doc.apiVersion} ${doc.kind}`);
    assert.doesNotThrow(() => new M(doc).validate(), `${file}: ${doc.kind} ${doc.metadata.name}`);
    assert.equal(doc.metadata.namespace ?? (doc.kind === 'Namespace' ? undefined : 'missing'), doc.kind === 'Namespace' ? undefined : 'loadfleet');
  }
});

test('the validator does catch mistakes (so the test above means something)', () => {
  const d = structuredClone(find('Deployment', 'loadfleet-agent'));
  d.spec.replicas = 'four';
  assert.throws(() => new (MODELS['apps/v1/Deployment'] as Model)(d).validate(), /replicas/);
  const d2 = structuredClone(find('Deployment', 'loadfleet-agent'));
  delete d2.spec.template.spec.containers[0].name;
  assert.throws(() => new (MODELS['apps/v1/Deployment'] as Model)(d2).validate(), /name/);
});

const ROLE_FLAGS = { coordinator: flagsOf('coordinator'), agent: flagsOf('agent') };

/** The Secret whose mounted file the container's `variable` names ('' when it names none). */
function tokenSecret(dep: Doc, variable: string): string {
  const pod = dep.spec.template.spec;
  const c = pod.containers[0];
  const path = (c.env.find((e: { name: string }) => e.name === variable) as { value?: string } | undefined)?.value ?? '';
  const mount = c.volumeMounts.find((m: { mountPath: string }) => path.startsWith(`${m.mountPath}/`));
  const vol = mount === undefined ? undefined : pod.volumes.find((v: { name: string }) => v.name === mount.name);
  return (vol?.secret?.secretName as string | undefined) ?? '';
}

for (const role of ['coordinator', 'agent'] as const) {
  test(`${role}: probes, ports, env, secrets, resources and security agree with the code`, () => {
    const dep = find('Deployment', `loadfleet-${role}`);
    const pod = dep.spec.template.spec;
    const c = pod.containers[0];
    assert.deepEqual(c.args, [role]);
    // Probes: readiness on /readyz, liveness on /healthz, on a named port the container declares, which is
    // the port of the flag that serves them (coordinator --metrics, agent --health).
    const env = new Map<string, { value?: string; valueFrom?: unknown }>(c.env.map((e: { name: string }) => [e.name, e]));
    const served = env.get(role === 'coordinator' ? 'LOADFLEET_METRICS' : 'LOADFLEET_HEALTH')?.value ?? '';
    const port = c.ports.find((p: { name: string }) => p.name === c.readinessProbe.httpGet.port);
    assert.ok(port !== undefined, 'the readiness probe names a declared port');
    assert.equal(served, `0.0.0.0:${port.containerPort}`, 'the probes reach the endpoint the role serves');
    assert.equal(c.readinessProbe.httpGet.path, '/readyz');
    assert.equal(c.livenessProbe.httpGet.path, '/healthz');
    assert.equal(c.livenessProbe.httpGet.port, c.readinessProbe.httpGet.port);
    // Every LOADFLEET_* variable is a flag of this role (or the token itself).
    for (const name of env.keys()) {
      if (name === 'LOADFLEET_TOKEN') continue;
      assert.ok(ROLE_FLAGS[role].has(name), `${name} is a flag of \`loadfleet ${role}\``);
    }
    // Tokens come from Secrets as mounted files, never literals, and by role: the coordinator reads the
    // join and the control token from two different Secrets (no one token for both); agents the join one.
    for (const name of ['LOADFLEET_TOKEN', 'LOADFLEET_JOIN_TOKEN', 'LOADFLEET_CONTROL_TOKEN']) assert.equal(env.get(name)?.value, undefined, `no literal ${name}`);
    if (role === 'coordinator') {
      assert.equal(env.get('LOADFLEET_TOKEN_FILE'), undefined, 'no shared token for both roles');
      const join = tokenSecret(dep, 'LOADFLEET_JOIN_TOKEN_FILE');
      const control = tokenSecret(dep, 'LOADFLEET_CONTROL_TOKEN_FILE');
      assert.notEqual(join, control, 'the join and the control token are two Secrets');
    } else {
      assert.ok(tokenSecret(dep, 'LOADFLEET_TOKEN_FILE') !== '', 'the agent\'s join token from a Secret');
    }
    // Mounted files (TLS, token files) live under a mount of a Secret volume that exists.
    for (const [name, e] of env) {
      const path = e.value ?? '';
      if (!/^LOADFLEET_(TLS_|([A-Z]+_)?TOKEN_FILE)/.test(name)) continue;
      const mount = c.volumeMounts.find((m: { mountPath: string }) => path.startsWith(`${m.mountPath}/`));
      assert.ok(mount !== undefined, `${name}=${path} is on a mounted volume`);
      const vol = pod.volumes.find((v: { name: string }) => v.name === mount.name);
      const secret = find('Secret', vol.secret.secretName);
      assert.ok(path.slice(mount.mountPath.length + 1) in (secret.stringData ?? {}), `${path}: key in Secret ${secret.metadata.name}`);
    }
    for (const e of env.values()) {
      const ref = (e.valueFrom as { secretKeyRef?: { name: string; key: string } } | undefined)?.secretKeyRef;
      if (ref !== undefined) assert.ok(ref.key in (find('Secret', ref.name).stringData ?? {}), `secretKeyRef ${ref.name}/${ref.key}`);
    }
    assert.ok(c.resources.requests.cpu !== undefined && c.resources.requests.memory !== undefined, 'resource requests');
    assert.ok(c.resources.limits.memory !== undefined, 'a memory limit');
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.equal(pod.automountServiceAccountToken, false);
    assert.deepEqual(dep.spec.selector.matchLabels, dep.spec.template.metadata.labels);
  });
}

test('agents hold the join token only: the coordinator\'s join Secret, never its control or read Secret', () => {
  const coordinator = find('Deployment', 'loadfleet-coordinator');
  const agents = find('Deployment', 'loadfleet-agent');
  assert.equal(tokenSecret(agents, 'LOADFLEET_TOKEN_FILE'), tokenSecret(coordinator, 'LOADFLEET_JOIN_TOKEN_FILE'));
  const agentSecrets = new Set<string>(agents.spec.template.spec.volumes.map((v: { secret?: { secretName: string } }) => v.secret?.secretName));
  for (const v of ['LOADFLEET_CONTROL_TOKEN_FILE', 'LOADFLEET_READ_TOKEN_FILE']) {
    const secret = tokenSecret(coordinator, v);
    if (secret !== '') assert.ok(!agentSecrets.has(secret), `agents do not mount ${secret}`);
  }
  // The example Secrets show different values for the roles (copying one into the other is the mistake).
  const values = ['loadfleet-join-token', 'loadfleet-control-token', 'loadfleet-read-token'].map((n) => find('Secret', n).stringData?.token);
  assert.equal(new Set(values).size, values.length, `distinct placeholder tokens: ${values.join(', ')}`);
});

test('agents: an allow-list, a unique id per pod, and a grace period covering the drain', () => {
  const pod = find('Deployment', 'loadfleet-agent').spec.template.spec;
  const env = new Map<string, { value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>(pod.containers[0].env.map((e: { name: string }) => [e.name, e]));
  assert.ok((env.get('LOADFLEET_ALLOW_TARGET')?.value ?? '') !== '', '--allow-target for the target');
  assert.equal(env.get('LOADFLEET_ID')?.valueFrom?.fieldRef?.fieldPath, 'metadata.name');
  assert.match(env.get('LOADFLEET_JOIN')?.value ?? '', /^loadfleet-coordinator:7878$/);
  // Drain: the request timeout (default 10 s) + the final report's acknowledgement wait (2 s) + a margin.
  assert.ok(pod.terminationGracePeriodSeconds >= 10 + 2 + 5, `grace ${pod.terminationGracePeriodSeconds} s`);
});

test('the Service exposes the coordinator\'s gRPC and metrics ports by name', () => {
  const svc = find('Service', 'loadfleet-coordinator');
  const dep = find('Deployment', 'loadfleet-coordinator');
  assert.deepEqual(svc.spec.selector, dep.spec.template.metadata.labels);
  const names = new Set(dep.spec.template.spec.containers[0].ports.map((p: { name: string }) => p.name));
  for (const p of svc.spec.ports) assert.ok(names.has(p.targetPort), `targetPort ${p.targetPort}`);
  assert.deepEqual(svc.spec.ports.map((p: { name: string }) => p.name).sort(), ['grpc', 'metrics']);
});
