// Error classification: a table for the mapping, then real sockets for refused, reset and timeout,
// and a name that never resolves (RFC 6761 `.invalid`) for dns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errors as undiciErrors } from 'undici';
import { classifyError, DRAIN_ABORTED_CODE } from '../../../../agent/engine/http-client.js';
import { createEngine } from '../../../../agent/engine/engine.js';
import type { EngineSnapshot } from '../../../../agent/engine/engine.js';
import type { ErrorKind } from '../../../../common/metrics/counters.js';
import { checkAccounting, helloUrl, plan } from './check.js';
import { closedPort, startTarget } from '../../../helpers/target.js';

const coded = (code: string, message = code): Error => Object.assign(new Error(message), { code });

const rows: Array<[string, unknown, ErrorKind]> = [
  // nothing listens on the port
  ['ECONNREFUSED', coded('ECONNREFUSED'), 'refused'],
  // happy-eyeballs connect: the code is on the members of an AggregateError
  ['AggregateError of ECONNREFUSED', new AggregateError([coded('ECONNREFUSED')], 'connect failed'), 'refused'],
  // the peer reset the connection
  ['ECONNRESET', coded('ECONNRESET'), 'reset'],
  // writing to a socket the peer closed
  ['EPIPE', coded('EPIPE'), 'reset'],
  // undici's "other side closed" and friends
  ['UND_ERR_SOCKET', new undiciErrors.SocketError('other side closed'), 'reset'],
  ['"other side closed" without a code', new Error('other side closed'), 'reset'],
  // the response headers did not come within timeoutMs
  ['UND_ERR_HEADERS_TIMEOUT', new undiciErrors.HeadersTimeoutError(), 'timeout'],
  // the body stalled for timeoutMs
  ['UND_ERR_BODY_TIMEOUT', new undiciErrors.BodyTimeoutError(), 'timeout'],
  // the TCP connect did not finish within timeoutMs
  ['UND_ERR_CONNECT_TIMEOUT', new undiciErrors.ConnectTimeoutError(), 'timeout'],
  // an OS-level timeout
  ['ETIMEDOUT', coded('ETIMEDOUT'), 'timeout'],
  // HTTPS: a self-signed certificate, one from an unknown CA, an expired one, another host's
  ['DEPTH_ZERO_SELF_SIGNED_CERT', coded('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), 'certificate'],
  ['SELF_SIGNED_CERT_IN_CHAIN', coded('SELF_SIGNED_CERT_IN_CHAIN'), 'certificate'],
  ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', coded('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'certificate'],
  ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', coded('UNABLE_TO_GET_ISSUER_CERT_LOCALLY'), 'certificate'],
  ['CERT_HAS_EXPIRED', coded('CERT_HAS_EXPIRED'), 'certificate'],
  ['ERR_TLS_CERT_ALTNAME_INVALID', coded('ERR_TLS_CERT_ALTNAME_INVALID'), 'certificate'],
  // a TLS failure that is not about the certificate (e.g. https:// to a plain-HTTP port)
  ['ERR_SSL_WRONG_VERSION_NUMBER', coded('ERR_SSL_WRONG_VERSION_NUMBER'), 'other'],
  // our own abort at the drain deadline
  ['drain abort', coded(DRAIN_ABORTED_CODE), 'other'],
  // the pool was destroyed
  ['UND_ERR_DESTROYED', new undiciErrors.ClientDestroyedError(), 'other'],
  // a name that does not resolve
  ['ENOTFOUND', coded('ENOTFOUND'), 'dns'],
  // the resolver did not answer in time (a DNS failure, not the request's timeout)
  ['EAI_AGAIN', coded('EAI_AGAIN'), 'dns'],
  // the resolver failed
  ['EAI_FAIL', coded('EAI_FAIL'), 'dns'],
  // any other getaddrinfo failure
  ['getaddrinfo EBADFLAGS', Object.assign(coded('EBADFLAGS'), { syscall: 'getaddrinfo' }), 'dns'],
  // happy-eyeballs: the DNS code on the members of an AggregateError
  ['AggregateError of ENOTFOUND', new AggregateError([coded('ENOTFOUND')], 'connect failed'), 'dns'],
  // not even an Error
  ['a string', 'boom', 'other'],
  ['null', null, 'other'],
];

for (const [name, err, kind] of rows) {
  test(`classifyError: ${name} -> ${kind}`, () => {
    assert.equal(classifyError(err), kind);
  });
}

test('errors: a closed port gives refused, for every request sent', async () => {
  const port = await closedPort();
  const snaps: EngineSnapshot[] = [];
  const engine = createEngine(plan({ url: `http://127.0.0.1:${port}/`, segments: [{ durationMs: 500, from: 50, to: 50 }] }), {
    onSnapshot: (s) => snaps.push(s),
  });
  engine.start();
  const r = await engine.done;
  assert.equal(r.main.sent, 25);
  assert.equal(r.main.errorsByKind.refused, 25);
  assert.equal(r.main.latencyHist, '', 'errors are counted, not timed');
  checkAccounting(snaps, r);
});

test('errors: a server destroying sockets gives reset', async (t) => {
  const target = await startTarget({ mode: { kind: 'destroy' } });
  t.after(() => target.close());
  const snaps: EngineSnapshot[] = [];
  // POST: not idempotent, so undici does not retry it on another socket.
  const engine = createEngine(
    plan({ url: helloUrl(target), method: 'POST', segments: [{ durationMs: 500, from: 40, to: 40 }] }),
    { onSnapshot: (s) => snaps.push(s) },
  );
  engine.start();
  const r = await engine.done;
  assert.equal(r.main.sent, 20);
  assert.equal(r.main.errorsByKind.reset, 20);
  assert.equal(target.total(), 20);
  checkAccounting(snaps, r);
});

test('errors: a server that never answers gives timeout after timeoutMs', async (t) => {
  const target = await startTarget({ mode: { kind: 'never' } });
  t.after(() => target.close());
  const snaps: EngineSnapshot[] = [];
  const engine = createEngine(plan({ url: helloUrl(target), timeoutMs: 200, connections: 20, segments: [{ durationMs: 500, from: 20, to: 20 }] }), {
    onSnapshot: (s) => snaps.push(s),
    drainTimeoutMs: 2000,
  });
  engine.start();
  const r = await engine.done;
  assert.equal(r.main.sent, 10);
  assert.equal(r.main.errorsByKind.timeout, 10);
  assert.equal(target.total(), 10);
  checkAccounting(snaps, r);
});

test('errors: status codes are responses, not errors', async (t) => {
  const target = await startTarget({ status: 503, body: 'busy' });
  t.after(() => target.close());
  const snaps: EngineSnapshot[] = [];
  const engine = createEngine(plan({ url: helloUrl(target), segments: [{ durationMs: 300, from: 100, to: 100 }] }), { onSnapshot: (s) => snaps.push(s) });
  engine.start();
  const r = await engine.done;
  assert.deepEqual(r.main.statusCodes, { '503': 30 });
  assert.equal(r.main.bytesReceived, 30 * 4);
  assert.deepEqual(r.main.errorsByKind, { refused: 0, reset: 0, timeout: 0, certificate: 0, dns: 0, other: 0 });
  checkAccounting(snaps, r);
});

test('errors: a host name that never resolves gives dns for every request, at once', async () => {
  // RFC 6761: *.invalid never resolves and sends nothing anywhere. 20 arrivals over 400 ms, 5 s timeout.
  const snaps: EngineSnapshot[] = [];
  const engine = createEngine(plan({ url: 'http://no-such-host.invalid:8080/', timeoutMs: 5_000, segments: [{ durationMs: 400, from: 50, to: 50 }] }), {
    onSnapshot: (s) => snaps.push(s),
  });
  const startedMs = performance.now();
  engine.start();
  const r = await engine.done;
  const tookMs = performance.now() - startedMs;
  assert.equal(r.main.sent, 20);
  assert.equal(r.main.errorsByKind.dns, 20, JSON.stringify(r.main.errorsByKind));
  assert.equal(r.main.errorsByKind.timeout, 0);
  // Fast: nowhere near the 5 s timeout (400 ms of schedule plus a loaded machine's slack).
  assert.ok(tookMs < 2_500, `ended after ${tookMs.toFixed(0)} ms`);
  checkAccounting(snaps, r);
});
