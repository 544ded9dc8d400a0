// What an agent allows itself to do, whatever a coordinator asks: the targets it may send to (host
// names, CIDRs, ports; loopback only by default), its highest arrival rate and in-flight cap. Pure
// parsing and checks; DNS resolution is passed in. A fleet is a weapon: these are the safety catch.
import { BlockList, isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import type { LookupAddress, LookupOptions } from 'node:dns';
import type { AgentPlan, Segment } from '../common/plan/agent-plan.js';
import { redactUrl } from '../common/runtime/redact.js';

export type AllowRule =
  | { kind: 'cidr'; source: string; address: string; prefix: number; family: 'ipv4' | 'ipv6'; port: number | undefined }
  | { kind: 'host'; source: string; name: string; wildcard: boolean; port: number | undefined };

export interface AgentLimits {
  allow: AllowRule[];
  /** Highest arrival rate this agent runs (req/s); undefined = no ceiling. */
  maxRateRps: number | undefined;
  /** Highest in-flight cap (and closed-model loop count) it accepts; undefined = no ceiling. */
  maxInFlight: number | undefined;
  /**
   * Runs plans that skip the targets' certificate checks (--allow-insecure-tls). Off by default: with
   * checks off, whoever sits between this agent and the target can impersonate it and read what the
   * agent sends (tokens, data rows); the agent's operator, not a coordinator, accepts that risk.
   */
  allowInsecureTls: boolean;
}

/** Loopback, the default allow-list. */
export const LOOPBACK_RULES: readonly string[] = ['127.0.0.0/8', '::1/128'];

export class AllowRuleError extends Error {
  constructor(spec: string, why: string) {
    super(`--allow-target "${spec}": ${why}; write a host name (api.test or *.test), an address or CIDR (10.0.0.0/8, ::1), each optionally with :PORT`);
    this.name = 'AllowRuleError';
  }
}

function parsePort(spec: string, p: string | undefined): number | undefined {
  if (p === undefined) return undefined;
  const n = Number(p);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new AllowRuleError(spec, `port "${p}" is not 1-65535`);
  return n;
}

/** Parses one --allow-target value. Throws AllowRuleError naming the value and the fix. */
export function parseAllowRule(spec: string): AllowRule {
  const s = spec.trim();
  if (s === '') throw new AllowRuleError(spec, 'empty');
  let hostPart = s;
  let portPart: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?(\/\d+)?$/.exec(s);
  if (bracket !== null) {
    hostPart = `${bracket[1]}${bracket[3] ?? ''}`;
    portPart = bracket[2];
  } else if ((s.match(/:/g) ?? []).length === 1) {
    const i = s.lastIndexOf(':');
    hostPart = s.slice(0, i);
    portPart = s.slice(i + 1);
  }
  const port = parsePort(spec, portPart);
  const [addr, prefixText] = hostPart.split('/') as [string, string | undefined];
  const family = isIP(addr);
  if (family !== 0) {
    const max = family === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? max : Number(prefixText);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) throw new AllowRuleError(spec, `prefix /${prefixText ?? ''} is not 0-${max}`);
    return { kind: 'cidr', source: spec, address: addr, prefix, family: family === 4 ? 'ipv4' : 'ipv6', port };
  }
  if (prefixText !== undefined) throw new AllowRuleError(spec, `"${addr}" is not an IP address, so it cannot take a /prefix`);
  const wildcard = addr.startsWith('*.');
  const name = (wildcard ? addr.slice(2) : addr).toLowerCase();
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(name)) throw new AllowRuleError(spec, `"${addr}" is not a host name`);
  return { kind: 'host', source: spec, name, wildcard, port };
}

function defaultPort(u: URL): number {
  if (u.port !== '') return Number(u.port);
  return u.protocol === 'https:' ? 443 : 80;
}

function ipAllowed(ip: string, port: number, rules: readonly AllowRule[]): boolean {
  const family = isIP(ip);
  if (family === 0) return false;
  for (const r of rules) {
    if (r.kind !== 'cidr' || (r.port !== undefined && r.port !== port)) continue;
    if ((r.family === 'ipv4') !== (family === 4)) continue;
    const list = new BlockList();
    list.addSubnet(r.address, r.prefix, r.family);
    if (list.check(ip, r.family)) return true;
  }
  return false;
}

/**
 * May this agent send to `url`? A host-name rule matches the URL's host name; CIDR rules match an IP
 * literal, or every address a host name resolves to (all must be allowed). Returns why not, or undefined.
 */
export async function targetRefusal(url: string, rules: readonly AllowRule[], resolve: (host: string) => Promise<string[]>): Promise<string | undefined> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `"${redactUrl(url)}" is not a URL`;
  }
  const port = defaultPort(u);
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const allowList = rules.map((r) => r.source).join(', ');
  for (const r of rules) {
    if (r.kind !== 'host' || (r.port !== undefined && r.port !== port)) continue;
    if (host === r.name || (r.wildcard && host.endsWith(`.${r.name}`))) return undefined;
  }
  if (isIP(host) !== 0) {
    return ipAllowed(host, port, rules) ? undefined : `target ${host}:${port} is not in this agent's allow-list (${allowList})`;
  }
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch (e) {
    return `target host ${host} does not resolve (${(e as Error).message}) and is not allowed by name (${allowList})`;
  }
  if (addresses.length === 0) return `target host ${host} resolves to no address`;
  const denied = addresses.filter((a) => !ipAllowed(a, port, rules));
  return denied.length === 0 ? undefined : `target ${host}:${port} resolves to ${denied.join(', ')}, outside this agent's allow-list (${allowList})`;
}

const peak = (segments: readonly Segment[]): number => Math.max(0, ...segments.map((s) => Math.max(s.from, s.to)));

/** A plan beyond this agent's ceilings: why (undefined when within them). */
export function planRefusal(plan: AgentPlan, limits: AgentLimits): string | undefined {
  // Several scenarios at once: the open parts' peaks add up (an upper bound: they may peak apart), and
  // plan.maxInFlight is already the parts' sum.
  const open = (plan.scenarios ?? [plan]).filter((p) => p.model === 'open');
  const ratePeak = open.reduce((sum, p) => sum + peak(p.segments), 0);
  if (limits.maxRateRps !== undefined && open.length > 0 && ratePeak > limits.maxRateRps) {
    return `the plan asks for ${Number(ratePeak.toFixed(3))} req/s, above this agent's --max-rate ${limits.maxRateRps}`;
  }
  if (plan.tls?.insecureSkipVerify === true && !limits.allowInsecureTls) {
    return 'the plan skips the targets\' certificate checks (tls.insecureSkipVerify), which this agent refuses; start it with --allow-insecure-tls for a test environment, or give the scenario tls.ca instead';
  }
  if (limits.maxInFlight !== undefined && plan.maxInFlight > limits.maxInFlight) {
    const loops = plan.scenarios === undefined ? plan.model === 'closed' : plan.scenarios.every((p) => p.model === 'closed');
    return `the plan asks for ${plan.maxInFlight} in flight${loops ? ' (loops)' : ''}, above this agent's --max-in-flight ${limits.maxInFlight}`;
  }
  return undefined;
}

/** A live change's tail capped at the ceiling (and whether it had to be). */
export function capTail(tail: readonly Segment[], maxRateRps: number | undefined): { tail: Segment[]; capped: boolean } {
  if (maxRateRps === undefined || peak(tail) <= maxRateRps) return { tail: tail.slice(), capped: false };
  return { tail: tail.map((s) => ({ durationMs: s.durationMs, from: Math.min(s.from, maxRateRps), to: Math.min(s.to, maxRateRps) })), capped: true };
}

/** The code of the connect error when a name resolves outside the allow-list at connect time. */
export const DENIED_CODE = 'ELOADFLEET_DENIED';

type LookupAll = (host: string, options: { all: true; family?: number }, cb: (err: NodeJS.ErrnoException | null, addresses: { address: string; family: number }[]) => void) => void;

/**
 * net.connect's `lookup` that enforces the allow-list when each connection is made, not only when the
 * plan was checked: a host name allowed by a name rule may resolve anywhere; otherwise only resolved
 * addresses inside the CIDR rules are used, and none left is an error (code ELOADFLEET_DENIED).
 */
export function allowListLookup(rules: readonly AllowRule[], resolveAll: LookupAll): LookupFunction {
  const fn = (hostname: string, options: LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void): void => {
    const host = hostname.toLowerCase();
    const byName = rules.some((r) => r.kind === 'host' && (host === r.name || (r.wildcard && host.endsWith(`.${r.name}`))));
    const family = typeof options.family === 'number' ? options.family : undefined;
    resolveAll(hostname, { all: true, ...(family !== undefined && family !== 0 ? { family } : {}) }, (err, addresses) => {
      if (err !== null) {
        callback(err, '');
        return;
      }
      // Port rules were checked with the plan; here any port of an allowed address will do.
      const allowed = byName ? addresses : addresses.filter((a) => rules.some((r) => r.kind === 'cidr' && ipAllowed(a.address, r.port ?? 0, [{ ...r, port: undefined }])));
      if (allowed.length === 0) {
        const e = Object.assign(new Error(`${hostname} resolves to ${addresses.map((a) => a.address).join(', ')}, outside this agent's allow-list`), { code: DENIED_CODE });
        callback(e, '');
        return;
      }
      if (options.all === true) callback(null, allowed);
      else callback(null, (allowed[0] as LookupAddress).address, (allowed[0] as LookupAddress).family);
    });
  };
  return fn as unknown as LookupFunction;
}
