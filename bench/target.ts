// The bench's target, pinned to core 0: nginx with ONE worker answering a 2-byte body on keep-alive
// connections when nginx is installed, else loadfleet's minimal Node target. Both listen on 127.0.0.1
// only. stop() is idempotent and always leaves no process behind.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchError, canConnect, findExecutable, freePort, sleep, startChild, stopChild, tail, versionOf } from './proc.js';
import type { Pinning } from './proc.js';

export type TargetKind = 'nginx' | 'node';

export interface Target {
  kind: TargetKind;
  url: string;
  /** e.g. "nginx/1.22.1, 1 worker, 2-byte body" */
  description: string;
  stop(): Promise<void>;
}

const TARGET_CORE = 0;
const START_TIMEOUT_MS = 10_000;

/** The nginx.conf of the bench: one worker, no access log, keep-alive for the whole bench. */
export function nginxConf(dir: string, port: number): string {
  return `# written by loadfleet's bench (bench/target.ts)
worker_processes 1;
daemon off;
master_process on;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'logs', 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  server_tokens off;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  client_body_temp_path ${join(dir, 'tmp', 'body')};
  proxy_temp_path ${join(dir, 'tmp', 'proxy')};
  fastcgi_temp_path ${join(dir, 'tmp', 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'tmp', 'uwsgi')};
  scgi_temp_path ${join(dir, 'tmp', 'scgi')};
  server {
    listen 127.0.0.1:${port};
    location / {
      default_type text/plain;
      return 200 "ok";
    }
  }
}
`;
}

function stopper(child: ChildProcess): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => (stopping ??= stopChild(child));
}

/** Resolves when the port accepts connections; rejects with the child's output if it exits first. */
async function waitUntilListening(child: ChildProcess, port: number, output: () => string, what: string): Promise<void> {
  const deadline = performance.now() + START_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new BenchError(`${what} exited (${child.exitCode ?? child.signalCode}) before it listened on 127.0.0.1:${port}`, tail(output()));
    }
    if (await canConnect(port)) return;
    await sleep(50);
  }
  throw new BenchError(`${what} did not listen on 127.0.0.1:${port} within ${START_TIMEOUT_MS / 1000} s`, tail(output()));
}

async function startNginxOnce(nginx: string, dir: string, pin: Pinning): Promise<Target> {
  const port = await freePort();
  const confPath = join(dir, 'nginx.conf');
  writeFileSync(confPath, nginxConf(dir, port));
  // -e: nginx's own startup error log, so that it never touches /var/log/nginx.
  const [cmd, args] = pin.wrap(TARGET_CORE, nginx, ['-p', dir, '-c', confPath, '-e', join(dir, 'logs', 'startup-error.log')]);
  const child = startChild(cmd, args);
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  const logs = (): string => {
    let text = out;
    for (const f of ['startup-error.log', 'error.log']) {
      const p = join(dir, 'logs', f);
      if (existsSync(p)) text += readFileSync(p, 'utf8');
    }
    return text;
  };
  const stop = stopper(child);
  try {
    await waitUntilListening(child, port, logs, 'nginx');
  } catch (e) {
    await stop();
    if (/Address already in use/i.test(logs())) throw new BenchError(`port ${port} was already in use`, '', { cause: e });
    throw e;
  }
  const version = versionOf(nginx, ['-v']).replace(/^nginx version:\s*/, '');
  return { kind: 'nginx', url: `http://127.0.0.1:${port}/`, description: `${version}, 1 worker, 2-byte body`, stop };
}

/** nginx in the foreground from a temp prefix dir; a port clash is retried on another free port. */
async function startNginx(nginx: string, tmpDir: string, pin: Pinning): Promise<Target> {
  const dir = join(tmpDir, 'nginx');
  for (const sub of ['logs', 'tmp']) mkdirSync(join(dir, sub), { recursive: true });
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startNginxOnce(nginx, dir, pin);
    } catch (e) {
      last = e;
      if (!(e instanceof BenchError && e.message.startsWith('port '))) break;
    }
  }
  if (!(last instanceof BenchError)) throw last;
  const hint = '(BENCH_TARGET=node runs the bench against the Node target instead)';
  throw new BenchError(`nginx could not start: ${last.message} ${hint}`, last.detail);
}

/** dist/coordinator/demo/target-main.js: prints `listening <url>` once it serves. */
async function startNodeTarget(distDir: string, pin: Pinning): Promise<Target> {
  const entry = join(distDir, 'coordinator', 'demo', 'target-main.js');
  if (!existsSync(entry)) throw new BenchError(`the Node target ${entry} is missing: run \`npm run build\` first`);
  const [cmd, args] = pin.wrap(TARGET_CORE, process.execPath, [entry, '0']);
  const child = startChild(cmd, args);
  const stop = stopper(child);
  let out = '';
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new BenchError(`the Node target printed no \`listening <url>\` within ${START_TIMEOUT_MS / 1000} s`, tail(out))), START_TIMEOUT_MS);
      child.stdout?.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = /listening (http:\/\/\S+)/.exec(out);
        if (m?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new BenchError(`the Node target exited (${code ?? signal}) before listening`, tail(out)));
      });
    });
    const u = new URL(url);
    if (u.hostname !== '127.0.0.1') throw new BenchError(`the Node target listens on ${u.hostname}, not 127.0.0.1`);
    return { kind: 'node', url: `${u.origin}/`, description: 'Node http (coordinator/demo/target.ts), 3-byte body', stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export type TargetChoice = 'auto' | TargetKind;

/** Starts the target; `auto` prefers nginx and says why it fell back. */
export async function startTarget(choice: TargetChoice, tmpDir: string, distDir: string, pin: Pinning, note: (line: string) => void): Promise<Target> {
  if (choice === 'node') return startNodeTarget(distDir, pin);
  const nginx = findExecutable('nginx');
  if (nginx === undefined) {
    if (choice === 'nginx') throw new BenchError('BENCH_TARGET=nginx but nginx is not installed (apt-get install nginx)');
    note('nginx is not installed: using the minimal Node target instead (the target, not the generator, will saturate first)');
    return startNodeTarget(distDir, pin);
  }
  return startNginx(nginx, tmpDir, pin);
}
