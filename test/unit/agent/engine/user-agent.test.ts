// The default User-Agent on both HTTP paths (http-client.ts, flow-http.ts), against a real server on
// 127.0.0.1 port 0 that records the header: loadfleet/<version>, unless the request sets its own in any case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpClient } from '../../../../agent/engine/http-client.js';
import type { ResponseSink } from '../../../../agent/engine/http-client.js';
import { FlowHttp } from '../../../../agent/engine/flow-http.js';
import { withUserAgent } from '../../../../agent/engine/user-agent.js';
import { systemClock } from '../../../../common/runtime/clock.js';
import { loadfleetVersion } from '../../../../common/runtime/version.js';

const DEFAULT = `loadfleet/${loadfleetVersion()}`;

test('withUserAgent: added when absent, kept as written in any case (a table)', () => {
  const rows: [Record<string, string>, Record<string, string>][] = [
    [{}, { 'user-agent': DEFAULT }],
    [{ accept: '*/*' }, { accept: '*/*', 'user-agent': DEFAULT }],
    [{ 'User-Agent': 'k6/0.50' }, { 'User-Agent': 'k6/0.50' }],
    [{ 'USER-AGENT': '' }, { 'USER-AGENT': '' }],
  ];
  for (const [given, want] of rows) assert.deepEqual(withUserAgent(given), want, JSON.stringify(given));
  assert.match(DEFAULT, /^loadfleet\/\d+\.\d+\.\d+/);
});

test('both HTTP paths send the default User-Agent, and a request\'s own instead', async () => {
  const seen: (string | undefined)[] = [];
  const server = createServer((req, res) => { seen.push(req.headers['user-agent']); res.end('ok'); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const sendFast = async (headers: Record<string, string>): Promise<void> => {
      const client = new HttpClient({ url: `${origin}/`, method: 'GET', headers, timeoutMs: 5000, connections: 1, clock: systemClock });
      await new Promise<void>((resolve) => {
        const sink: ResponseSink = { onEnd: () => resolve() };
        client.send(sink, 0, 0);
      });
      await client.close(1000);
    };
    await sendFast({});
    await sendFast({ 'User-Agent': 'mine/1' });
    const flow = new FlowHttp({ origins: [origin], connections: 1, connectTimeoutMs: 5000 });
    for (const headers of [{}, { 'user-agent': 'flow/2' }] as Record<string, string>[]) {
      const res = await flow.send({ url: `${origin}/x`, method: 'GET', headers, body: undefined, timeoutMs: 5000, readBody: false });
      assert.ok(res.ok);
    }
    await flow.close(1000);
    assert.deepEqual(seen, [DEFAULT, 'mine/1', DEFAULT, 'flow/2']);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
