// The timing breakdown on both HTTP paths against real servers on 127.0.0.1 port 0: one connect time per
// new connection (none for reused keep-alive ones), a TLS time per HTTPS connection only, and one time
// to first byte per response that includes the server's delay before its headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpClient } from '../../../../agent/engine/http-client.js';
import type { ResponseSink } from '../../../../agent/engine/http-client.js';
import { FlowHttp } from '../../../../agent/engine/flow-http.js';
import { systemClock } from '../../../../common/runtime/clock.js';
import { startTarget } from '../../../helpers/target.js';
import type { TargetOptions } from '../../../helpers/target.js';

const DELAY_MS = 20;

function tlsPair(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'loadfleet-timing-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem',
    '-days', '1', '-subj', '/CN=loadfleet test target', '-addext', 'subjectAltName=IP:127.0.0.1',
  ], { cwd: dir, stdio: 'ignore' });
  return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
}

interface Heard {
  connects: number[];
  tls: (number | undefined)[];
  waiting: number[];
}

type TimingSink = Heard & { onEnd(): void; onWaiting(ms: number): void; onConnection(connectMs: number, tlsMs: number | undefined): void };

/** Records what it hears; `onEnd` does nothing (each send wraps it). */
function timingSink(): TimingSink {
  const heard: Heard = { connects: [], tls: [], waiting: [] };
  return {
    ...heard,
    onEnd() {},
    onWaiting(ms) { heard.waiting.push(ms); },
    onConnection(connectMs, tlsMs) { heard.connects.push(connectMs); heard.tls.push(tlsMs); },
  };
}

const rows: { why: string; target: TargetOptions; https: boolean }[] = [
  { why: 'http', target: { delayMs: DELAY_MS }, https: false },
  { why: 'https', target: { delayMs: DELAY_MS, tls: tlsPair() }, https: true },
];

for (const row of rows) {
  test(`http-client (${row.why}): 6 requests, one at a time on 1 connection: 1 connect, 6 waiting >= the delay`, async () => {
    const target = await startTarget(row.target);
    const client = new HttpClient({ url: target.url, method: 'GET', headers: {}, timeoutMs: 5000, connections: 1, clock: systemClock, tls: row.https ? { insecureSkipVerify: true } : undefined });
    try {
      const sink = timingSink();
      for (let i = 0; i < 6; i++) {
        await new Promise<void>((resolve) => {
          const s: ResponseSink = { ...sink, onEnd: () => resolve() };
          client.send(s, systemClock.nowMs(), systemClock.nowMs());
        });
      }
      assert.equal(sink.connects.length, 1, 'one new connection, reused after');
      assert.equal(target.connections(), 1);
      assert.ok(sink.connects.every((ms) => ms >= 0));
      assert.deepEqual(sink.tls.map((t) => t !== undefined), [row.https], 'a TLS time for HTTPS only');
      assert.equal(sink.waiting.length, 6, 'one time to first byte per response');
      for (const w of sink.waiting) assert.ok(w >= DELAY_MS - 1, `waiting ${w} ms includes the ${DELAY_MS} ms before the headers`);
    } finally {
      await client.close(1000);
      await target.close();
    }
  });

  test(`flow-http (${row.why}): connections and time to first byte reach the sink of the request`, async () => {
    const target = await startTarget(row.target);
    const http = new FlowHttp({ origins: [target.origin], connections: 2, connectTimeoutMs: 5000, tls: row.https ? { insecureSkipVerify: true } : undefined });
    try {
      const sink = timingSink();
      const all = await Promise.all(Array.from({ length: 2 }, () => http.send({ url: `${target.origin}/x`, method: 'GET', headers: {}, body: undefined, timeoutMs: 5000, readBody: true, connections: sink })));
      const more = await http.send({ url: `${target.origin}/y`, method: 'GET', headers: {}, body: undefined, timeoutMs: 5000, readBody: false, connections: sink });
      assert.equal(sink.connects.length, 2, 'two concurrent requests open two connections; the third reuses one');
      assert.equal(target.connections(), 2);
      assert.deepEqual(sink.tls.map((t) => t !== undefined), [row.https, row.https]);
      for (const r of [...all, more]) {
        assert.ok(r.ok, JSON.stringify(r));
        assert.equal(r.status, 200);
        assert.ok(r.waitingMs >= DELAY_MS - 1, `waiting ${r.waitingMs}`);
      }
      assert.equal(all[0]?.ok === true ? all[0].body : '', 'ok', 'the body is still read');
    } finally {
      await http.close(1000);
      await target.close();
    }
  });
}
