// A finished run's report reaches the CLI whole whatever its size: a 4-hour run's report (14,400 seconds
// of series, each with its latency histogram, and a few request names) is several times grpc-js's
// default 4 MiB message limit; it travels through the real Control service on 127.0.0.1 in pieces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Coordinator } from '../../../../coordinator/coordinator.js';
import { GrpcServer } from '../../../../coordinator/server/grpc-server.js';
import { RemoteControl } from '../../../../cli/control-client.js';
import { REPORT_PIECE_BYTES, ReportStore } from '../../../../coordinator/report/store.js';
import { reportCommand } from '../../../../cli/commands/report.js';
import { systemClock } from '../../../../common/runtime/clock.js';
import { captureIo } from '../../../helpers/io.js';
import { sampleReport } from '../../../helpers/report.js';

const SECONDS = 4 * 3600;

test('a 4-hour run\'s report arrives whole through the Control service (GetReport in 1 MiB pieces), and through `report --coordinator`', async () => {
  const report = sampleReport(SECONDS);
  const json = JSON.stringify(report);
  const bytes = Buffer.byteLength(json);
  // The point of the test: far beyond grpc-js's default 4 MiB receive limit.
  assert.ok(bytes > 2 * 4 * 1024 * 1024, `a 4-hour report is ${bytes} bytes`);
  // what long runs really write (600-800 bytes per second of test), give or take
  assert.ok(bytes / SECONDS > 400 && bytes / SECONDS < 1500, `${(bytes / SECONDS).toFixed(0)} bytes per second`);
  const store = new ReportStore(2);
  store.keep(report);
  const coordinator = new Coordinator({ clock: systemClock, version: 'test', log: () => {}, reports: store });
  const server = new GrpcServer({ coordinator, listen: '127.0.0.1:0', joinToken: undefined, controlToken: 'ctl', log: () => {} });
  const address = await server.listen();
  const remote = new RemoteControl(address, 'ctl');
  try {
    const byId = await remote.getReport('run-soak');
    assert.equal(byId.runId, 'run-soak');
    assert.equal(byId.json, json, 'the same bytes, in order');
    assert.ok(Math.ceil(bytes / REPORT_PIECE_BYTES) > 1);
    const latest = await remote.getReport();
    assert.equal(latest.runId, 'run-soak', 'no RUN_ID: the latest finished run');

    const dir = mkdtempSync(join(tmpdir(), 'loadfleet-delivery-'));
    const io = captureIo(dir, { LOADFLEET_TOKEN: 'ctl' });
    const code = await reportCommand(io, { coordinator: address, report: 'run-soak', out: 'r.json' });
    assert.equal(code, 0, io.err());
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')), report);
    assert.match(io.out(), /run-soak/);

    const stranger = new RemoteControl(address, 'wrong');
    await assert.rejects(stranger.getReport(), (e: unknown) => (e as { code?: string }).code === 'UNAUTHENTICATED', 'reports need the control token');
    stranger.close();

    await assert.rejects(remote.getReport('run-other'), (e: unknown) =>
      (e as { code?: string }).code === 'NO_REPORT' && /no report of run run-other .*keeps the last 2 finished run\(s\): run-soak/.test((e as Error).message));
  } finally {
    remote.close();
    coordinator.close();
    await server.close();
  }
});
