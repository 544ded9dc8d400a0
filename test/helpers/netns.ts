// Separate "hosts" for e2e tests, built from Linux network namespaces with iproute2.
//
// A lab is one namespace per host plus a "switch" namespace holding a bridge; each host has one veth
// (`eth0` on the host side, `v-<host>` on the switch side, enslaved to the bridge) and an address on a
// random private /24 (10.213.x.0/24). Nothing is created in the root namespace: every link lives inside
// a namespace the lab made, so deleting the namespaces removes everything, and lab traffic never
// leaves them. Processes started in a host also get their own UTS namespace whose hostname is the host
// name, so loadfleet reports `a1`, `a2` as agents' hosts.
//
// Needs Linux, root, `ip` (iproute2) and `unshare` (util-linux). Tests call netnsOrSkip(t) first:
// without namespaces they skip, saying why, except under CI=true where they fail.
//
// Cleanup: destroy() (idempotent) kills every process the lab started and deletes its namespaces;
// createLab({ t }) registers it with t.after, so it runs when the test fails too. A process 'exit' and
// SIGINT/SIGTERM/SIGHUP hook destroys every live lab synchronously (best effort), and createLab first
// removes leftovers of crashed runs: namespaces named `lfnet-<pid>-...` whose pid is no longer alive.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { promisify } from 'node:util';
import type { TestContext } from 'node:test';
import { startProcess } from './processes.js';
import type { Proc } from './processes.js';

const execFileP = promisify(execFile);

/** Every namespace is `lfnet-<creator pid>-<hex>-<label>`; a dead creator pid marks a leftover. */
const NS_RE = /^lfnet-(\d+)-[0-9a-f]+-[a-z0-9]+$/;
const SWITCH = 'switch';
const BRIDGE = 'br0';
const HOST_IF = 'eth0';
/** Run by `sh -c` with $0 = the host name: names the new UTS namespace, then becomes the command. */
const SET_HOSTNAME_THEN_EXEC = 'echo "$0" > /proc/sys/kernel/hostname && exec "$@"';
const HOST_NAME_RE = /^[a-z][a-z0-9]{0,11}$/;
/** Bound on every `ip` call: they take milliseconds; a hang means a broken machine. */
const IP_TIMEOUT_MS = 10_000;

export interface LabHost {
  readonly name: string;
  /** The network namespace (`ip netns exec <ns> ...`). */
  readonly ns: string;
  /** IPv4 address of the host's eth0, without the prefix length. */
  readonly address: string;
}

export interface Lab {
  /** `<pid>-<hex>`: part of every name the lab created. */
  readonly id: string;
  /** e.g. `10.213.57.0/24`. */
  readonly subnet: string;
  readonly hosts: Readonly<Record<string, LabHost>>;
  /** Time createLab took (namespaces, links, addresses), in ms. */
  readonly setupMs: number;
  /** Time the last destroy() took, in ms; undefined before. */
  readonly teardownMs: number | undefined;
  /** Leftover namespaces of crashed earlier runs that createLab removed. */
  readonly staleRemoved: readonly string[];
  /** The host called `name`; throws for a name not in the lab. */
  host(name: string): LabHost;
  /**
   * Starts `node args...` inside host `name` (its network namespace, hostname = name). The Proc is
   * test/helpers/processes.ts's; the lab kills it on destroy() if it is still running.
   */
  start(name: string, args: string[], env?: Record<string, string>, cwd?: string): Proc;
  /** Runs a command (not node) inside host `name`'s network namespace; resolves with its stdout. */
  exec(name: string, argv: readonly string[]): Promise<string>;
  /**
   * A silent partition of host `name`: its port leaves the bridge, so every frame to or from it is
   * dropped (no RST, no ICMP, carrier stays up on both sides). Its TCP connections stay open and
   * retransmit; they carry on after heal() unless a timeout ended them meanwhile.
   */
  cut(name: string): Promise<void>;
  /** Puts host `name`'s port back on the bridge. */
  heal(name: string): Promise<void>;
  /** Kills the lab's processes (SIGTERM, SIGKILL after 3 s) and deletes its namespaces. Idempotent. */
  destroy(): Promise<void>;
}

export interface LabOptions {
  /** Host names: lower-case letters and digits, starting with a letter, at most 12 characters. */
  hosts: readonly string[];
  /** When given, destroy() runs in t.after, so it runs whether the test passes or fails. */
  t?: TestContext;
}

export type NetnsAvailability = { ok: true } | { ok: false; reason: string };

async function ip(args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await execFileP('ip', args, { timeout: IP_TIMEOUT_MS });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(' ')}: ${(err.stderr ?? '').trim() || err.message}`, { cause: e });
  }
}

function ipSync(args: readonly string[]): string {
  return execFileSync('ip', args, { timeout: IP_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Kills whatever still runs in `ns` and deletes it; ignores a namespace that is already gone. */
function deleteNsSync(ns: string): void {
  try {
    for (const pid of ipSync(['netns', 'pids', ns]).split('\n').filter((l) => l !== '')) {
      try { process.kill(Number(pid), 'SIGKILL'); } catch { /* already gone */ }
    }
    ipSync(['netns', 'del', ns]);
  } catch { /* already deleted */ }
}

async function listNs(): Promise<string[]> {
  // Lines are `name` or `name (id: N)`.
  return (await ip(['netns', 'list'])).split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n !== '');
}

/** Deletes namespaces of earlier runs whose creating process is dead. Returns their names. */
async function removeStale(): Promise<string[]> {
  const stale = (await listNs()).filter((ns) => {
    const m = NS_RE.exec(ns);
    return m !== null && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]));
  });
  for (const ns of stale) deleteNsSync(ns);
  return stale;
}

let availability: Promise<NetnsAvailability> | undefined;

/**
 * Whether labs can be built here: Linux, root, `ip` and `unshare` present, and a namespace with a
 * bridge and a veth pair can be created (and is deleted again). Probed once per process.
 */
export function netnsAvailable(): Promise<NetnsAvailability> {
  availability ??= probe();
  return availability;
}

async function probe(): Promise<NetnsAvailability> {
  if (process.platform !== 'linux') return { ok: false, reason: `network namespaces need Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'network namespaces need root (ip netns add)' };
  for (const [cmd, pkg] of [['ip', 'iproute2'], ['unshare', 'util-linux']] as const) {
    try {
      await execFileP(cmd, cmd === 'ip' ? ['-V'] : ['--version'], { timeout: IP_TIMEOUT_MS });
    } catch {
      return { ok: false, reason: `\`${cmd}\` not found (install ${pkg})` };
    }
  }
  const ns = `lfnet-${process.pid}-${randomBytes(3).toString('hex')}-probe`;
  try {
    await ip(['netns', 'add', ns]);
    await ip(['-n', ns, 'link', 'add', BRIDGE, 'type', 'bridge']);
    await ip(['-n', ns, 'link', 'add', 'pa', 'type', 'veth', 'peer', 'name', 'pb']);
    await ip(['-n', ns, 'link', 'set', 'pa', 'master', BRIDGE]);
    await execFileP('ip', ['netns', 'exec', ns, 'unshare', '--uts', '--', 'sh', '-c', SET_HOSTNAME_THEN_EXEC, 'probe', 'true'], { timeout: IP_TIMEOUT_MS })
      .catch((e: unknown) => { throw new Error(`cannot name a host (unshare --uts): ${(e as Error).message}`); });
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: `cannot build a test network: ${(e as Error).message}` };
  } finally {
    deleteNsSync(ns);
  }
}

/**
 * Call first in a lab test: resolves true when labs can be built. Otherwise the test is skipped with
 * the reason and this resolves false, except under CI=true, where it throws (the tests must run in CI).
 */
export async function netnsOrSkip(t: TestContext): Promise<boolean> {
  const a = await netnsAvailable();
  if (a.ok) return true;
  if (process.env.CI === 'true') throw new Error(`network namespace tests must run in CI, but: ${a.reason}`);
  t.skip(`network namespaces unavailable: ${a.reason}`);
  return false;
}

const liveLabs = new Set<LabImpl>();
let hooked = false;

/** Best effort for runs that end without t.after: process exit and the usual termination signals. */
function hookProcessEnd(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => { for (const l of liveLabs) l.destroySync(); });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      for (const l of liveLabs) l.destroySync();
      // Default action again (unless someone else listens): die of the same signal.
      process.kill(process.pid, sig);
    });
  }
}

class LabImpl implements Lab {
  readonly id: string;
  readonly subnet: string;
  readonly hosts: Record<string, LabHost> = {};
  setupMs = 0;
  teardownMs: number | undefined;
  staleRemoved: string[] = [];
  private readonly switchNs: string;
  private readonly created: string[] = [];
  private readonly procs = new Set<Proc>();
  private destroyed: Promise<void> | undefined;

  constructor(hostNames: readonly string[]) {
    this.id = `${process.pid}-${randomBytes(3).toString('hex')}`;
    const x = randomInt(0, 256);
    this.subnet = `10.213.${x}.0/24`;
    this.switchNs = `lfnet-${this.id}-${SWITCH}`;
    hostNames.forEach((name, i) => {
      this.hosts[name] = { name, ns: `lfnet-${this.id}-${name}`, address: `10.213.${x}.${10 + i}` };
    });
  }

  async build(): Promise<void> {
    // Namespaces one at a time: the first `ip netns add` of a boot sets up the /run/netns mount.
    for (const ns of [this.switchNs, ...Object.values(this.hosts).map((h) => h.ns)]) {
      await ip(['netns', 'add', ns]);
      this.created.push(ns);
    }
    await ip(['-n', this.switchNs, 'link', 'add', BRIDGE, 'type', 'bridge']);
    await ip(['-n', this.switchNs, 'link', 'set', BRIDGE, 'up']);
    await Promise.all(Object.values(this.hosts).map(async (h) => {
      // Both ends are created inside their namespaces: no name ever appears in the root namespace.
      await ip(['link', 'add', HOST_IF, 'netns', h.ns, 'type', 'veth', 'peer', 'name', this.port(h.name), 'netns', this.switchNs]);
      await ip(['-n', this.switchNs, 'link', 'set', this.port(h.name), 'master', BRIDGE, 'up']);
      await ip(['-n', h.ns, 'addr', 'add', `${h.address}/24`, 'dev', HOST_IF]);
      await ip(['-n', h.ns, 'link', 'set', HOST_IF, 'up']);
      await ip(['-n', h.ns, 'link', 'set', 'lo', 'up']);
    }));
  }

  host(name: string): LabHost {
    const h = this.hosts[name];
    if (h === undefined) throw new Error(`no host ${name} in lab ${this.id} (hosts: ${Object.keys(this.hosts).join(', ')})`);
    return h;
  }

  start(name: string, args: string[], env: Record<string, string> = {}, cwd?: string): Proc {
    if (this.destroyed !== undefined) throw new Error(`lab ${this.id} is destroyed`);
    const h = this.host(name);
    // `ip netns exec`, `unshare` (without --fork) and `sh -c 'exec ...'` all exec in place: the pid we
    // get is node's, so signals reach it. The hostname is written in the new UTS namespace only.
    const prefix = [
      'ip', 'netns', 'exec', h.ns,
      'unshare', '--uts', '--',
      'sh', '-c', SET_HOSTNAME_THEN_EXEC, name,
    ];
    const p = startProcess(args, env, cwd, { prefix });
    this.procs.add(p);
    void p.exited.then(() => this.procs.delete(p));
    return p;
  }

  async exec(name: string, argv: readonly string[]): Promise<string> {
    const [cmd, ...rest] = argv;
    if (cmd === undefined) throw new Error('exec: empty command');
    const { stdout } = await execFileP('ip', ['netns', 'exec', this.host(name).ns, cmd, ...rest], { timeout: IP_TIMEOUT_MS });
    return stdout;
  }

  async cut(name: string): Promise<void> {
    this.host(name);
    await ip(['-n', this.switchNs, 'link', 'set', this.port(name), 'nomaster']);
  }

  async heal(name: string): Promise<void> {
    this.host(name);
    await ip(['-n', this.switchNs, 'link', 'set', this.port(name), 'master', BRIDGE, 'up']);
  }

  destroy(): Promise<void> {
    this.destroyed ??= this.teardown();
    return this.destroyed;
  }

  /** For exit and signal hooks, where nothing async runs any more. */
  destroySync(): void {
    for (const p of this.procs) p.kill('SIGKILL');
    for (const ns of this.created.splice(0)) deleteNsSync(ns);
    liveLabs.delete(this);
  }

  private async teardown(): Promise<void> {
    const t0 = performance.now();
    const procs = [...this.procs];
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map(async (p) => {
      const timer = setTimeout(() => p.kill('SIGKILL'), 3_000);
      await p.exited;
      clearTimeout(timer);
    }));
    // Anything else left inside (a grandchild) is SIGKILLed by deleteNsSync.
    for (const ns of this.created.splice(0)) deleteNsSync(ns);
    liveLabs.delete(this);
    this.teardownMs = Math.round(performance.now() - t0);
  }

  private port(name: string): string {
    return `v-${name}`;
  }
}

/** Builds a lab with one host per name; see the file comment. Throws (after cleaning up) if it cannot. */
export async function createLab(opts: LabOptions): Promise<Lab> {
  const bad = opts.hosts.filter((h) => !HOST_NAME_RE.test(h) || h === SWITCH || h === 'probe');
  if (bad.length > 0) throw new Error(`bad lab host name(s) ${bad.join(', ')}: use [a-z][a-z0-9]{0,11}, not "${SWITCH}" or "probe"`);
  if (new Set(opts.hosts).size !== opts.hosts.length) throw new Error(`duplicate lab host names in ${opts.hosts.join(', ')}`);
  if (opts.hosts.length === 0 || opts.hosts.length > 200) throw new Error('a lab has 1 to 200 hosts');
  const t0 = performance.now();
  const staleRemoved = await removeStale();
  const lab = new LabImpl(opts.hosts);
  lab.staleRemoved = staleRemoved;
  hookProcessEnd();
  liveLabs.add(lab);
  opts.t?.after(() => lab.destroy());
  try {
    await lab.build();
  } catch (e) {
    await lab.destroy();
    throw e;
  }
  lab.setupMs = Math.round(performance.now() - t0);
  return lab;
}

export interface LabTarget {
  /** e.g. `http://10.213.57.13:41234/` */
  readonly url: string;
  readonly proc: Proc;
  /** The number of requests the target has counted so far (asked over its stdin, not over HTTP). */
  requests(): Promise<number>;
}

const TARGET_MODULE = new URL('./target.js', import.meta.url).href;

// The tests' counting target (target.ts), listening on the host's address, answering `count <n>` lines on stdin with `count <n> = <requests>`.
const TARGET_SCRIPT = `
const [, moduleUrl, host] = process.argv;
const { startTarget } = await import(moduleUrl);
const { createInterface } = await import('node:readline');
const target = await startTarget({ host });
process.stdout.write('listening ' + target.url + '\\n');
createInterface({ input: process.stdin }).on('line', (l) => {
  const m = /^count (\\d+)$/.exec(l);
  if (m !== null) process.stdout.write('count ' + m[1] + ' = ' + target.total() + '\\n');
});
const stop = () => { void target.close().then(() => process.exit(0)); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
`;

/** Starts the tests' counting target (target.ts) inside host `name`. */
export async function startCountingTarget(lab: Lab, name: string): Promise<LabTarget> {
  const proc = lab.start(name, ['--input-type=module', '-e', TARGET_SCRIPT, TARGET_MODULE, lab.host(name).address]);
  const url = (await proc.waitFor(/^listening (\S+)/))[1] as string;
  let asked = 0;
  return {
    url,
    proc,
    async requests() {
      const n = ++asked;
      proc.child.stdin!.write(`count ${n}\n`);
      return Number((await proc.waitFor(new RegExp(`^count ${n} = (\\d+)$`), 5_000))[1]);
    },
  };
}
