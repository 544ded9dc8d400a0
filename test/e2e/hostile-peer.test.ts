// Hostile or broken peers on the Fleet stream, during a legitimate run: a real coordinator and a real
// agent loading a counting target, while raw gRPC clients (with the join token) send each malformed or
// implausible message. Each peer is cut with INVALID_ARGUMENT naming the field; the coordinator answers
// `status` within 1 s throughout; the report's totals still equal what the target received.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { startTarget } from '../helpers/target.js';
import { assertCompleted } from '../helpers/verdict.js';
import { encodeHistogram, newHistogram } from '../../common/metrics/histogram.js';
import { emptyRequestFigures, requestNamesToWire } from '../../common/metrics/stats.js';
import { PROTOCOL_VERSION } from '../../common/protocol/messages.js';
import { startFleet } from '../helpers/fleet.js';

const TOKEN = 'hostile-peer-e2e';
const PROTO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'proto');

// The test's own view of the wire (not common/protocol/messages.ts): uint64 as strings, so 2^64-1 can be sent.
const def = protoLoader.loadSync(join(PROTO_ROOT, 'loadfleet', 'v1', 'fleet.proto'), {
  keepCase: false, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [PROTO_ROOT],
});
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const pkg = (grpc.loadPackageDefinition(def) as any).loadfleet.v1;

type Msg = Record<string, unknown>;
interface Peer {
  send(m: Msg): void;
  /** The Assign the coordinator sent this peer (it joined the running test). */
  assigned: Promise<{ runId: string; assignment: number }>;
  /** How the coordinator ended the stream. */
  ended: Promise<{ code: number; details: string }>;
  close(): void;
}

function peer(addr: string, hello: Msg): Peer {
  const client = new pkg.Fleet(addr, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${TOKEN}`);
  const call = client.Connect(md);
  let onAssign!: (a: { runId: string; assignment: number }) => void;
  const assigned = new Promise<{ runId: string; assignment: number }>((resolve) => { onAssign = resolve; });
  const ended = new Promise<{ code: number; details: string }>((resolve) => {
    call.on('error', (e: grpc.ServiceError) => resolve({ code: e.code, details: e.details }));
    call.on('end', () => resolve({ code: grpc.status.OK, details: 'ended' }));
  });
  call.on('data', (m: { assign?: { runId: string; assignment: number } }) => {
    if (m.assign) onAssign({ runId: m.assign.runId, assignment: m.assign.assignment });
  });
  call.write({ hello: { protocolVersion: PROTOCOL_VERSION, version: 'hostile', host: 'h', cores: 1, ...hello } });
  return {
    send: (m) => call.write(m),
    assigned,
    ended,
    close: () => { call.cancel(); client.close(); },
  };
}

const oneHist = ((): string => {
  const h = newHistogram();
  h.recordValue(1_000);
  return encodeHistogram(h);
})();
const stats = (over: Msg = {}): Msg => ({ requests: 1, sent: 1, statusCodes: { 200: 1 }, latencyHist: oneHist, serviceHist: oneHist, ...over });
const snapshot = (run: { runId: string; assignment: number }, over: Msg = {}, statsOver: Msg = {}): Msg =>
  ({ snapshot: { ...run, seq: 1, phase: 'main', intervalIndex: 0, intervalMs: 1_000, stats: stats(statsOver), rateRps: 1, ...over } });
const manyNamesOf = (n: number): string => JSON.stringify(requestNamesToWire({
  byRequestName: Object.fromEntries(Array.from({ length: n }, (_, i) => [`n${i}`, emptyRequestFigures()])), iterations: 0, noData: 0,
}));

/** Polls Control.Status from a worker thread (test/helpers/status-poll-worker.ts) until stopped. */
function pollStatus(addr: string): { stop(): Promise<{ slowestMs: number; calls: number; failures: string[] }> } {
  const worker = new Worker(new URL('../helpers/status-poll-worker.js', import.meta.url), { workerData: { addr, token: TOKEN, protoRoot: PROTO_ROOT } });
  const result = new Promise<{ slowestMs: number; calls: number; failures: string[] }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  let stopping: Promise<{ slowestMs: number; calls: number; failures: string[] }> | undefined;
  return {
    stop: () => {
      if (stopping === undefined) {
        worker.postMessage('stop');
        stopping = result.finally(() => worker.terminate());
      }
      return stopping;
    },
  };
}

// Built once, before the run: the test's own work should not stall it mid-run.
const NAMES_50K = manyNamesOf(50_000);
const NAMES_20K = manyNamesOf(20_000);
const manyNames = (n: number): string => (n === 50_000 ? NAMES_50K : n === 20_000 ? NAMES_20K : manyNamesOf(n));

interface Case {
  why: string;
  hello?: Msg;
  /** What the peer sends once it holds an assignment of the running test (none: the Hello is the message). */
  bad?: (run: { runId: string; assignment: number }) => Msg;
  field: RegExp;
}

const U64_MAX = '18446744073709551615';
const CASES: Case[] = [
  { why: 'a 15 MB agent id', hello: { agentId: 'x'.repeat(15_000_000) }, field: /hello\.agentId is 15000000 characters, over 256/ },
  { why: 'Done with lastSeq 2^53-1', bad: (r) => ({ done: { ...r, lastSeq: String(Number.MAX_SAFE_INTEGER), main: stats(), warmup: stats({ requests: 0, sent: 0, statusCodes: {} }) } }), field: /done\.lastSeq 9007199254740991 is beyond what this run's schedule allows/ },
  { why: 'a snapshot with 50,000 request names', bad: (r) => snapshot(r, {}, { langJson: manyNames(50_000) }), field: /snapshot\.stats\.langJson is \d+ characters, over 9437184/ },
  { why: 'a snapshot with 20,000 request names in under 6 MB', bad: (r) => snapshot(r, {}, { langJson: manyNames(20_000) }), field: /snapshot\.stats\.langJson holds 100002 objects, over 35344/ },
  { why: 'a snapshot with interval index 86,399', bad: (r) => snapshot(r, { intervalIndex: 86_399 }), field: /snapshot\.intervalIndex 86399 is outside this run's main phase/ },
  { why: 'an undecodable histogram', bad: (r) => snapshot(r, {}, { latencyHist: 'bm90IGEgaGlzdG9ncmFt' }), field: /snapshot\.stats\.latencyHist is not a decodable histogram/ },
  { why: 'seq 2^64-1', bad: (r) => snapshot(r, { seq: U64_MAX }), field: /snapshot\.seq must be a whole number in 0\.\.2\^53-1/ },
  { why: 'a wrapped negative count', bad: (r) => snapshot(r, {}, { requests: '18446744073709551613' }), field: /snapshot\.stats\.requests must be a whole number/ },
  // Taken, it would make a 9e15-request summary the verdict reads.
  { why: 'requests 2^53-1', bad: (r) => snapshot(r, {}, { requests: String(Number.MAX_SAFE_INTEGER) }), field: /snapshot\.stats\.requests 9007199254740991 takes this agent's main phase to 9007199254740991 requests, over the \d+ this run's schedule allows/ },
  { why: 'sent 2^53-1', bad: (r) => snapshot(r, {}, { sent: String(Number.MAX_SAFE_INTEGER) }), field: /snapshot\.stats\.sent 9007199254740991 \(dropped 0\) takes this agent's main phase to/ },
];

test('hostile peers during a run: each is cut with INVALID_ARGUMENT naming the field; status stays responsive; the report stays exact', async (t) => {
  const f = await startFleet({ target: await startTarget(), ids: ['honest'], token: TOKEN, dirPrefix: 'loadfleet-hostile-' });
  const status = pollStatus(f.addr);
  try {
    const run = f.run({ request: { url: f.target.url }, load: { model: 'open', rate: 50, duration: '12s' } });
    await run.waitFor(/\[\s*1s\//);
    for (const [i, c] of CASES.entries()) {
      const p = peer(f.addr, { agentId: `hostile-${i}`, ...c.hello });
      try {
        if (c.bad !== undefined) {
          const assignment = await Promise.race([p.assigned, p.ended.then((e) => { throw new Error(`${c.why}: cut before its assignment: ${e.code} ${e.details}`); })]);
          p.send(c.bad(assignment));
        }
        const end = await p.ended;
        assert.equal(end.code, grpc.status.INVALID_ARGUMENT, `${c.why}: ${end.code} ${end.details}`);
        assert.match(end.details, c.field, c.why);
      } finally {
        p.close();
      }
    }
    const code = await run.exited;
    // Peers cut after their assignment leave figures that never arrive: exit 8 (incomplete) is this
    // test's expected end; otherwise the run completed, generator-bound accepted through the one helper.
    if (code !== 8) assertCompleted(code, `${run.stdout()}${run.stderr()}`, f.report, { requests: f.target.total() });
    const r = f.report();
    const got = f.target.total();
    assert.ok(got > 0);
    assert.equal(r.summary.requests, got, 'the report counts exactly what the target received');
    const honest = r.reconciliation.find((n) => n.agentId.startsWith('honest'));
    assert.equal(honest?.status, 'exact', JSON.stringify(r.reconciliation));
    assert.ok(r.series.length <= 12 + 40, `series of ${r.series.length} rows (the run's own intervals only)`);
    const s = await status.stop();
    t.diagnostic(`slowest status answer ${Math.round(s.slowestMs)} ms over ${s.calls} calls`);
    assert.deepEqual(s.failures, [], 'every status call answered');
    assert.ok(s.calls >= 10 && s.slowestMs < 1_000, `slowest status answer ${Math.round(s.slowestMs)} ms over ${s.calls} calls (bar: 1 s)`);
    // The 15 MB id was refused, not logged.
    assert.ok(f.coord.stderr().length + f.coord.stdout().length < 1_000_000, `coordinator log is ${f.coord.stderr().length} bytes`);
  } finally {
    await status.stop();
    await f.close();
  }
});
