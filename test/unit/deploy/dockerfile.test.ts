// The Dockerfile, checked statically (Docker is not installed where the tests run): its instructions
// are parsed (comments, line continuations, exec and shell forms) and checked for what deployment needs: a
// multi-stage build on Node 20 that compiles with npm ci + npm run build, production dependencies only
// in the final stage, a non-root user, a HEALTHCHECK, the CLI as ENTRYPOINT (so `docker run IMAGE
// coordinator ...` or `... agent ...` runs either role), no secrets baked in and no ADD of URLs. Also the
// systemd units in deploy/systemd/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, flagsOf } from './repo.js';

interface Instruction { op: string; args: string; line: number }
interface Stage { from: string; name: string | undefined; steps: Instruction[] }

/** Docker's instruction syntax, as far as this Dockerfile needs: one instruction per logical line. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let buf = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (buf === '' && (line === '' || line.startsWith('#'))) return;
    if (buf !== '' && line.startsWith('#')) return; // comments inside a continuation are dropped
    if (buf === '') start = i + 1;
    if (line.endsWith('\\')) {
      buf += `${line.slice(0, -1)} `;
      return;
    }
    buf += line;
    const m = /^(\S+)\s*(.*)$/.exec(buf) as RegExpExecArray;
    out.push({ op: (m[1] as string).toUpperCase(), args: (m[2] as string).trim(), line: start });
    buf = '';
  });
  assert.equal(buf, '', 'no dangling line continuation');
  return out;
}

function stages(ins: Instruction[]): Stage[] {
  const out: Stage[] = [];
  for (const i of ins) {
    if (i.op === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(i.args);
      assert.ok(m !== null, `line ${i.line}: FROM ${i.args}`);
      out.push({ from: m[1] as string, name: m[2], steps: [] });
    } else {
      assert.ok(out.length > 0, `line ${i.line}: ${i.op} before any FROM`);
      (out[out.length - 1] as Stage).steps.push(i);
    }
  }
  return out;
}

const text = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
const ins = parseDockerfile(text);
const all = stages(ins);
const final = all[all.length - 1] as Stage;
const ops = (s: Stage, op: string): Instruction[] => s.steps.filter((i) => i.op === op);

test('Dockerfile: known instructions only, multi-stage on Node 20 slim', () => {
  const known = new Set(['FROM', 'RUN', 'CMD', 'LABEL', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL']);
  for (const i of ins) assert.ok(known.has(i.op), `line ${i.line}: unknown instruction ${i.op}`);
  assert.ok(all.length >= 2, 'at least two stages');
  for (const s of all) assert.match(s.from, /^node:20(\.\d+)*-(slim|alpine)/, `base ${s.from}`);
  const names = all.map((s) => s.name);
  assert.equal(new Set(names).size, names.length, 'stage names are unique');
});

test('Dockerfile: the build stage compiles with npm ci and npm run build', () => {
  const build = all.find((s) => s.name === 'build');
  assert.ok(build !== undefined, 'a stage named build');
  const runs = ops(build, 'RUN').map((i) => i.args).join('\n');
  assert.match(runs, /npm ci\b/);
  assert.match(runs, /npm run build\b/);
  // Every source directory the compiled CLI needs is copied before the build.
  const copied = ops(build, 'COPY').map((i) => i.args.split(/\s+/)[0]);
  for (const dir of ['proto', 'common', 'agent', 'coordinator', 'cli', 'bin', 'tsconfig.json', 'tsconfig.browser.json']) {
    assert.ok(copied.includes(dir) || ops(build, 'COPY').some((i) => i.args.split(/\s+/).slice(0, -1).includes(dir)), `COPY ${dir}`);
  }
});

test('Dockerfile: the final stage has production dependencies only, the build output, and no build tools', () => {
  const runs = ops(final, 'RUN').map((i) => i.args).join('\n');
  assert.match(runs, /npm ci --omit=dev/);
  assert.doesNotMatch(runs, /npm run build|tsc/);
  const fromBuild = ops(final, 'COPY').filter((i) => i.args.startsWith('--from='));
  assert.ok(fromBuild.some((i) => /--from=build \/app\/dist \.\/dist/.test(i.args)), 'dist/ from the build stage');
  for (const i of fromBuild) {
    const stage = /--from=(\S+)/.exec(i.args)?.[1];
    assert.ok(all.some((s) => s.name === stage), `--from=${stage} names a stage`);
  }
  assert.ok(ops(final, 'COPY').some((i) => i.args.startsWith('proto ')), 'proto/ (loaded at run time)');
});

test('Dockerfile: a non-root USER, a HEALTHCHECK and the CLI as ENTRYPOINT in the final stage', () => {
  const users = ops(final, 'USER');
  assert.ok(users.length > 0, 'USER in the final stage');
  const user = (users[users.length - 1] as Instruction).args.split(':')[0];
  assert.ok(user !== 'root' && user !== '0', `runs as ${user}`);
  const hc = ops(final, 'HEALTHCHECK');
  assert.equal(hc.length, 1);
  assert.match((hc[0] as Instruction).args, /CMD \["node", "\/app\/deploy\/docker\/healthcheck\.js"\]/);
  assert.ok(existsSync(join(REPO, 'deploy', 'docker', 'healthcheck.js')));
  assert.ok(ops(final, 'COPY').some((i) => i.args.includes('deploy/docker/healthcheck.js')), 'the health check script is in the image');
  const ep = ops(final, 'ENTRYPOINT');
  assert.equal(ep.length, 1);
  assert.deepEqual(JSON.parse((ep[0] as Instruction).args), ['node', '/app/bin/loadfleet.js'], 'exec form: signals reach node (graceful agent drain)');
  const exposed = ops(final, 'EXPOSE').flatMap((i) => i.args.split(/\s+/));
  for (const p of ['7878', '9464', '8080']) assert.ok(exposed.includes(p), `EXPOSE ${p}`);
});

test('Dockerfile: no secrets baked in, no ADD of URLs, no curl | sh', () => {
  for (const i of ins) {
    if (i.op === 'ADD') assert.doesNotMatch(i.args, /https?:\/\//, `line ${i.line}: ADD of a URL`);
    if (i.op === 'ENV' || i.op === 'ARG') assert.doesNotMatch(i.args, /(TOKEN|SECRET|PASSWORD|PRIVATE|_KEY)\b[^=\s]*=/i, `line ${i.line}: a secret in ${i.op}`);
    if (i.op === 'COPY') assert.doesNotMatch(i.args, /\.(key|pem|crt)\b|certs/, `line ${i.line}: key material copied`);
    if (i.op === 'RUN') assert.doesNotMatch(i.args, /(curl|wget)[^|]*\|\s*(ba)?sh/, `line ${i.line}: piped download`);
  }
  const ignore = readFileSync(join(REPO, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
  for (const p of ['.git', 'node_modules', 'dist', '**/*.key']) assert.ok(ignore.includes(p), `.dockerignore has ${p}`);
});

test('Dockerfile: the image\'s LOADFLEET_* defaults are real flags', () => {
  const flags = new Set([...flagsOf('agent'), ...flagsOf('coordinator')]);
  for (const i of ops(final, 'ENV')) {
    for (const m of i.args.matchAll(/(LOADFLEET_[A-Z_]+)=/g)) assert.ok(flags.has(m[1] as string), `${m[1]} is a flag`);
  }
});

/** systemd unit files: [Section] and Key=Value lines. */
function parseUnit(file: string): Map<string, Map<string, string[]>> {
  const units = new Map<string, Map<string, string[]>>();
  let section: Map<string, string[]> | undefined;
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const s = /^\[(\w+)\]$/.exec(line);
    if (s !== null) {
      section = new Map();
      units.set(s[1] as string, section);
      continue;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    assert.ok(kv !== null && section !== undefined, `${file}: not a Key=Value line in a section: ${line}`);
    section.set(kv[1] as string, [...(section.get(kv[1] as string) ?? []), kv[2] as string]);
  }
  return units;
}

for (const role of ['coordinator', 'agent'] as const) {
  test(`systemd: loadfleet-${role}.service runs the ${role} unprivileged, with its role's token(s) as credentials`, () => {
    const u = parseUnit(join(REPO, 'deploy', 'systemd', `loadfleet-${role}.service`));
    assert.deepEqual([...u.keys()], ['Unit', 'Service', 'Install']);
    const svc = u.get('Service') as Map<string, string[]>;
    const one = (k: string): string => (svc.get(k) ?? [])[0] ?? '';
    assert.match(one('ExecStart'), new RegExp(`^/usr/bin/node /opt/loadfleet/bin/loadfleet\\.js ${role}$`));
    assert.equal(one('DynamicUser'), 'yes');
    assert.equal(one('KillSignal'), 'SIGTERM');
    assert.equal(one('NoNewPrivileges'), 'yes');
    // Two secrets by role: the coordinator reads the join and the control token from two files; agents
    // get the join one only.
    const credentials = svc.get('LoadCredential') ?? [];
    const environment = svc.get('Environment') ?? [];
    if (role === 'coordinator') {
      assert.deepEqual(credentials, ['join-token:/etc/loadfleet/join-token', 'control-token:/etc/loadfleet/control-token']);
      assert.ok(environment.includes('LOADFLEET_JOIN_TOKEN_FILE=%d/join-token') && environment.includes('LOADFLEET_CONTROL_TOKEN_FILE=%d/control-token'), environment.join(' '));
      assert.ok(!environment.some((e) => e.startsWith('LOADFLEET_TOKEN_FILE=')), 'no one token for both roles');
    } else {
      assert.deepEqual(credentials, ['token:/etc/loadfleet/join-token']);
      assert.ok(environment.includes('LOADFLEET_TOKEN_FILE=%d/token'));
    }
    if (role === 'agent') assert.ok(Number(one('TimeoutStopSec')) >= 17, 'stop timeout covers the drain (10 s timeout + 2 s ack + margin)');
    assert.equal(one('EnvironmentFile'), `/etc/loadfleet/${role}.env`);
    // The example environment file sets real flags only.
    const flags = flagsOf(role);
    for (const line of readFileSync(join(REPO, 'deploy', 'systemd', `${role}.env.example`), 'utf8').split('\n')) {
      const m = /^(LOADFLEET_[A-Z_]+)=/.exec(line);
      if (m !== null) assert.ok(flags.has(m[1] as string), `${role}.env.example: ${m[1]} is a flag`);
    }
  });
}

test('deploy/docker/healthcheck.js: 0 when /healthz answers 200 or nothing is configured, 1 when it does not answer', async () => {
  const { createServer } = await import('node:http');
  const { spawn } = await import('node:child_process');
  const server = createServer((req, res) => { res.writeHead(req.url === '/healthz' ? 200 : 404); res.end(); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const run = (env: Record<string, string>): Promise<number | null> => new Promise((resolve) => {
    const c = spawn(process.execPath, [join(REPO, 'deploy', 'docker', 'healthcheck.js')], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: 'ignore' });
    c.on('exit', (code) => resolve(code));
  });
  try {
    assert.equal(await run({ LOADFLEET_HEALTH: `0.0.0.0:${port}` }), 0, 'an agent\'s --health address (0.0.0.0 asked on loopback)');
    assert.equal(await run({ LOADFLEET_METRICS: `127.0.0.1:${port}`, LOADFLEET_HEALTH: '127.0.0.1:1' }), 0, 'either address will do');
    assert.equal(await run({ LOADFLEET_HEALTH: '127.0.0.1:1' }), 1, 'nothing listens');
    assert.equal(await run({}), 0, 'nothing to ask');
  } finally {
    await new Promise((r) => server.close(r));
  }
});
