// A worker thread that calls Control.Status every 200 ms with a 1 s deadline until told to stop, then
// posts { slowestMs, calls, failures }. On its own thread so the test's own work (building and sending
// large hostile messages) cannot delay the answers it times: it measures the coordinator alone.
import { parentPort, workerData } from 'node:worker_threads';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const { addr, token, protoRoot } = workerData as { addr: string; token: string; protoRoot: string };
const def = protoLoader.loadSync(join(protoRoot, 'loadfleet', 'v1', 'fleet.proto'), { keepCase: false, longs: String, defaults: true, oneofs: true, includeDirs: [protoRoot] });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const client = new ((grpc.loadPackageDefinition(def) as any).loadfleet.v1.Control)(addr, grpc.credentials.createInsecure());
const md = new grpc.Metadata();
md.set('authorization', `Bearer ${token}`);

let stopped = false;
let slowestMs = 0;
let calls = 0;
const failures: string[] = [];
parentPort?.on('message', () => { stopped = true; });

while (!stopped) {
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    client.Status({}, md, { deadline: Date.now() + 1_000 }, (err: grpc.ServiceError | null) => {
      calls++;
      const ms = performance.now() - t0;
      slowestMs = Math.max(slowestMs, ms);
      if (err !== null) failures.push(`${err.code} ${err.details} after ${Math.round(ms)} ms`);
      resolve();
    });
  });
  await new Promise((r) => setTimeout(r, 200));
}
client.close();
parentPort?.postMessage({ slowestMs, calls, failures });
