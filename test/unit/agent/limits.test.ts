// An agent's own limits as tables: allow-list rules, target checks (with a fake resolver), ceilings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AllowRuleError, LOOPBACK_RULES, capTail, parseAllowRule, planRefusal, targetRefusal } from '../../../agent/limits.js';
import type { AgentPlan } from '../../../common/plan/agent-plan.js';

test('parseAllowRule table', () => {
  const ok: [string, Partial<ReturnType<typeof parseAllowRule>>][] = [
    ['127.0.0.0/8', { kind: 'cidr', address: '127.0.0.0', prefix: 8, family: 'ipv4', port: undefined }],
    ['10.1.2.3', { kind: 'cidr', prefix: 32 }],
    ['10.0.0.0/8:8080', { kind: 'cidr', prefix: 8, port: 8080 }],
    ['::1', { kind: 'cidr', family: 'ipv6', prefix: 128 }],
    ['[::1]:443', { kind: 'cidr', family: 'ipv6', port: 443 }],
    ['[fd00::]:80/8', { kind: 'cidr', family: 'ipv6', prefix: 8, port: 80 }],
    ['api.test', { kind: 'host', name: 'api.test', wildcard: false }],
    ['*.Staging.Example.com:443', { kind: 'host', name: 'staging.example.com', wildcard: true, port: 443 }],
  ];
  for (const [spec, want] of ok) {
    const got = parseAllowRule(spec) as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(want)) assert.equal(got[k], v, `${spec}.${k}`);
  }
  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['10.0.0.0/33', /prefix \/33 is not 0-32/],
    ['api.test:0', /port "0"/],
    ['api.test/8', /not an IP address/],
    ['bad_host!', /not a host name/],
  ];
  for (const [spec, re] of bad) assert.throws(() => parseAllowRule(spec), (e: unknown) => e instanceof AllowRuleError && re.test(e.message), spec);
});

test('targetRefusal table: loopback by default; names, wildcards, ports and every resolved address', async () => {
  const dns: Record<string, string[]> = { 'localhost': ['127.0.0.1', '::1'], 'mixed.test': ['127.0.0.1', '93.184.216.34'], 'api.test': ['10.0.0.5'] };
  const resolve = async (h: string): Promise<string[]> => {
    const a = dns[h];
    if (a === undefined) throw new Error('ENOTFOUND');
    return a;
  };
  const loop = LOOPBACK_RULES.map(parseAllowRule);
  const rows: [string, string[] | null, string, RegExp | null][] = [
    ['loopback literal', null, 'http://127.0.0.1:8080/', null],
    ['anywhere in 127/8', null, 'http://127.9.9.9/', null],
    ['ipv6 loopback', null, 'http://[::1]:9/', null],
    ['localhost resolves to loopback only', null, 'http://localhost:3000/', null],
    ['a public address is refused by default', null, 'http://93.184.216.34/', /93\.184\.216\.34:80 is not in this agent's allow-list \(127\.0\.0\.0\/8, ::1\/128\)/],
    ['a name resolving outside the list', null, 'http://mixed.test/', /resolves to 93\.184\.216\.34, outside/],
    ['a name that does not resolve', null, 'http://nowhere.test/', /does not resolve/],
    ['allowed by name', ['api.test'], 'https://api.test/x', null],
    ['wildcard matches a subdomain ...', ['*.test:443'], 'https://a.b.test/', null],
    ['... but not the wrong port', ['*.test:443'], 'http://a.test/', /resolves|does not resolve|not in/],
    ['CIDR with port', ['10.0.0.0/8:8080'], 'http://10.1.1.1:8080/', null],
    ['CIDR, other port', ['10.0.0.0/8:8080'], 'http://10.1.1.1:8081/', /10\.1\.1\.1:8081 is not in/],
    ['configured list replaces the default', ['10.0.0.0/8'], 'http://127.0.0.1/', /not in this agent's allow-list \(10\.0\.0\.0\/8\)/],
  ];
  for (const [why, rules, url, refusal] of rows) {
    const got = await targetRefusal(url, rules === null ? loop : rules.map(parseAllowRule), resolve);
    if (refusal === null) assert.equal(got, undefined, why);
    else assert.match(got ?? '(allowed)', refusal, why);
  }
});

test('targetRefusal: a URL that does not parse is quoted without its credentials or query string', async () => {
  const got = await targetRefusal('http://user:pw@[not-an-address/x?apikey=SECRET', LOOPBACK_RULES.map(parseAllowRule), async () => []);
  assert.match(got ?? '', /is not a URL/);
  assert.doesNotMatch(got ?? '', /SECRET|pw@/);
});

test('planRefusal and capTail: ceilings on rate and in-flight', () => {
  const plan = (over: Partial<AgentPlan>): AgentPlan => ({
    runId: 'r', request: { url: 'http://127.0.0.1/', method: 'GET', headers: {}, timeoutMs: 1000 }, model: 'open',
    segments: [{ durationMs: 1000, from: 10, to: 300 }], warmupMs: 0, maxInFlight: 100, connections: 4, snapshotIntervalMs: 1000, ...over,
  });
  const limits = { allow: [], maxRateRps: 200, maxInFlight: 50, allowInsecureTls: false };
  assert.match(planRefusal(plan({}), limits) ?? '', /asks for 300 req\/s, above this agent's --max-rate 200/);
  assert.match(planRefusal(plan({ segments: [{ durationMs: 1000, from: 200, to: 200 }] }), limits) ?? '', /100 in flight, above this agent's --max-in-flight 50/);
  assert.equal(planRefusal(plan({ segments: [{ durationMs: 1000, from: 200, to: 200 }], maxInFlight: 50 }), limits), undefined);
  assert.equal(planRefusal(plan({}), { allow: [], maxRateRps: undefined, maxInFlight: undefined, allowInsecureTls: false }), undefined);
  // Closed stages: the in-flight cap is the loop peak's share, checked against --max-in-flight.
  assert.match(planRefusal(plan({ model: 'closed', segments: [{ durationMs: 1000, from: 1, to: 60 }], maxInFlight: 60 }), limits) ?? '', /60 in flight \(loops\), above/);
  // Several scenarios: the open parts' peaks add up (150 + 100 > 200); a closed part adds no rate.
  const parts = (rates: number[]): Partial<AgentPlan> => ({
    maxInFlight: 40, scenarios: [...rates.map((r, i) => ({ name: `o${i}`, model: 'open' as const, segments: [{ durationMs: 1000, from: r, to: r }], maxInFlight: 10, flows: ['f'] })),
      { name: 'c', model: 'closed' as const, segments: [{ durationMs: 1000, from: 500, to: 500 }], maxInFlight: 10, flows: ['f'] }],
  });
  assert.match(planRefusal(plan(parts([150, 100])), limits) ?? '', /asks for 250 req\/s, above this agent's --max-rate 200/);
  assert.equal(planRefusal(plan({ ...parts([150, 40]), segments: [{ durationMs: 1000, from: 150, to: 150 }] }), limits), undefined);
  assert.deepEqual(capTail([{ durationMs: 10, from: 100, to: 400 }], 200), { tail: [{ durationMs: 10, from: 100, to: 200 }], capped: true });
  assert.deepEqual(capTail([{ durationMs: 10, from: 100, to: 150 }], 200), { tail: [{ durationMs: 10, from: 100, to: 150 }], capped: false });
});

test('planRefusal: a plan that skips certificate checks needs --allow-insecure-tls; a CA or verify-on does not', () => {
  const plan = (tls: AgentPlan['tls']): AgentPlan => ({
    runId: 'r', request: { url: 'https://127.0.0.1/', method: 'GET', headers: {}, timeoutMs: 1000 }, model: 'open',
    segments: [{ durationMs: 1000, from: 10, to: 10 }], warmupMs: 0, maxInFlight: 100, connections: 4, snapshotIntervalMs: 1000, ...(tls === undefined ? {} : { tls }),
  });
  const strict = { allow: [], maxRateRps: undefined, maxInFlight: undefined, allowInsecureTls: false };
  const rows: Array<[string, AgentPlan['tls'], boolean, RegExp | null]> = [
    // the default: verify, system CAs
    ['no tls field', undefined, false, null],
    // an extra CA keeps the checks on
    ['a CA', { insecureSkipVerify: false, caPem: '-----BEGIN CERTIFICATE-----' }, false, null],
    // checks off, agent not opted in: refused, naming the flag
    ['skip, refused by default', { insecureSkipVerify: true }, false, /skips the targets' certificate checks .*--allow-insecure-tls/],
    // checks off, agent opted in
    ['skip, allowed by the flag', { insecureSkipVerify: true }, true, null],
  ];
  for (const [why, tls, allow, refusal] of rows) {
    const got = planRefusal(plan(tls), { ...strict, allowInsecureTls: allow });
    if (refusal === null) assert.equal(got, undefined, why);
    else assert.match(got ?? '(allowed)', refusal, why);
  }
});

test('allowListLookup: the allow-list again at connect time (DNS rebinding cannot move the load)', async () => {
  const { allowListLookup, DENIED_CODE } = await import('../../../agent/limits.js');
  const { connect, createServer } = await import('node:net');
  let answer = [{ address: '127.0.0.1', family: 4 }];
  const fakeDns = ((_h: string, _o: unknown, cb: (e: null, a: { address: string; family: number }[]) => void) => cb(null, answer)) as Parameters<typeof allowListLookup>[1];
  const server = createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const tryConnect = (rules: string[]): Promise<string> => new Promise((resolve) => {
    const sock = connect({ host: 'rebind.test', port, lookup: allowListLookup(rules.map(parseAllowRule), fakeDns) });
    sock.on('connect', () => { sock.destroy(); resolve('connected'); });
    sock.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
  try {
    assert.equal(await tryConnect(LOOPBACK_RULES as string[]), 'connected', 'resolves inside the list');
    answer = [{ address: '10.9.9.9', family: 4 }];
    assert.equal(await tryConnect(LOOPBACK_RULES as string[]), DENIED_CODE, 'the same name now resolves outside: refused at connect');
    // Every address below is loopback or never connected to (the lookup fails first): no traffic leaves.
    answer = [{ address: '127.0.0.2', family: 4 }, { address: '127.0.0.1', family: 4 }];
    assert.equal(await tryConnect(['127.0.0.1/32']), 'connected', 'only the allowed address is used (the server is on 127.0.0.1 only)');
    answer = [{ address: '127.0.0.1', family: 4 }];
    assert.equal(await tryConnect(['10.0.0.0/8']), DENIED_CODE, 'outside the CIDR list');
    assert.equal(await tryConnect(['rebind.test']), 'connected', 'allowed by name: any address it resolves to');
  } finally {
    server.close();
  }
});
