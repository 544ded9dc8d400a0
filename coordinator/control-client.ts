// The CLI's client for a remote coordinator's Control service (and its only gRPC import).
import * as grpc from '@grpc/grpc-js';
import type { TlsMaterial } from '../common/tls.js';
import { LoadfleetError } from '../common/errors.js';
import type { ErrorCode } from '../common/errors.js';
import { fleetPackage, runEventFromWire } from '../common/protocol.js';
import type { ControlClient, RunEvent__Output, RunEventMsg } from '../common/protocol.js';
import { toScenarioInput } from '../common/scenario.js';
import type { Scenario } from '../common/scenario.js';
import type { FleetStatus } from './coordinator.js';
import { splitRowsYielding } from '../common/data-chunks.js';
import type { ChunkedRef } from '../common/data-chunks.js';
import { INLINE_DATA_BYTES } from './run-data.js';

/** How long one data upload may take (256 MiB over a slow link). */
const UPLOAD_DEADLINE_MS = 10 * 60_000;

const KNOWN_CODES: readonly ErrorCode[] = ['USAGE', 'SCENARIO_INVALID', 'NO_AGENTS', 'BUSY', 'NOT_RUNNING', 'UNAUTHENTICATED', 'INTERNAL'];

function fromStatus(e: grpc.ServiceError, address: string): LoadfleetError {
  const code = e.metadata?.get('loadfleet-code')[0];
  const hint = e.metadata?.get('loadfleet-hint')[0];
  if (typeof code === 'string' && (KNOWN_CODES as readonly string[]).includes(code)) {
    return new LoadfleetError(code as ErrorCode, e.details, { cause: e, ...(typeof hint === 'string' ? { hint } : {}) });
  }
  if (e.code === grpc.status.UNAUTHENTICATED) {
    return new LoadfleetError('UNAUTHENTICATED', `coordinator ${address} refused the call: ${e.details}`, {
      cause: e, hint: 'set LOADFLEET_CONTROL_TOKEN (or LOADFLEET_TOKEN, or --token-file) to the coordinator\'s control token',
    });
  }
  if (e.code === grpc.status.PERMISSION_DENIED) {
    return new LoadfleetError('UNAUTHENTICATED', `coordinator ${address} refused the call: ${e.details}`, {
      cause: e, hint: 'under mutual TLS the CLI presents a control certificate: --tls-cert cli.crt --tls-key cli.key from `loadfleet certs`',
    });
  }
  if (e.code === grpc.status.UNAVAILABLE || e.code === grpc.status.DEADLINE_EXCEEDED) {
    return new LoadfleetError('UNAVAILABLE', `cannot reach the coordinator at ${address}: ${e.details}`, {
      cause: e, hint: 'is `loadfleet coordinator --listen` running there?',
    });
  }
  return new LoadfleetError('RUN_FAILED', `coordinator ${address}: ${e.details}`, { cause: e });
}

export class RemoteControl {
  private readonly client: ControlClient;
  private readonly address: string;
  private readonly md = new grpc.Metadata();

  constructor(address: string, token: string | undefined, tls?: TlsMaterial) {
    this.address = address;
    const Control = fleetPackage().Control;
    const creds = tls === undefined ? grpc.credentials.createInsecure() : grpc.credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null);
    this.client = new Control(address, creds) as unknown as ControlClient;
    if (token !== undefined) this.md.set('authorization', `Bearer ${token}`);
  }

  private deadline(ms = 5_000): grpc.CallOptions {
    return { deadline: Date.now() + ms };
  }

  /** `scenario`: the one to change when the test runs several at once. */
  setRate(req: { rateRps: number; concurrency: number; rampMs: number; scenario?: string }): Promise<{ changeId: number; agents: number; applied: number; appliedMs: number }> {
    return new Promise((resolve, reject) => {
      this.client.SetRate(req, this.md, this.deadline(), (err, reply) => {
        if (err !== null || reply === undefined) reject(fromStatus(err!, this.address));
        else resolve({ changeId: reply.changeId, agents: reply.agents, applied: reply.applied, appliedMs: reply.appliedMs });
      });
    });
  }

  status(): Promise<FleetStatus> {
    return new Promise((resolve, reject) => {
      this.client.Status({}, this.md, this.deadline(), (err, reply) => {
        if (err !== null || reply === undefined) reject(fromStatus(err!, this.address));
        else resolve(JSON.parse(reply.json) as FleetStatus);
      });
    });
  }

  stop(reason: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.client.Stop({ reason }, this.md, this.deadline(), (err, reply) => {
        if (err !== null || reply === undefined) reject(fromStatus(err!, this.address));
        else resolve(reply.wasRunning);
      });
    });
  }

  /**
   * Data files larger than what rides in the Start request (INLINE_DATA_BYTES in all) are uploaded first
   * (Control.Upload, in pieces); the scenario then carries them empty, named by SHA-256.
   */
  private async withUploads(scenario: Scenario): Promise<{ scenario: Scenario; refs: Record<string, string> }> {
    const program = scenario.program;
    const refs: Record<string, string> = {};
    if (program === undefined) return { scenario, refs };
    const data = { ...program.data };
    let inline = 0;
    for (const [name, d] of Object.entries(program.data)) {
      let bytes = 2;
      for (const r of d.rows) {
        bytes += JSON.stringify(r).length + 1;
        if (inline + bytes > INLINE_DATA_BYTES) break;
      }
      if (inline + bytes <= INLINE_DATA_BYTES) {
        inline += bytes;
        continue;
      }
      const { ref, pieces } = await splitRowsYielding(d.rows);
      await this.upload(ref, pieces);
      refs[name] = ref.sha256;
      data[name] = { ...d, rows: [] };
    }
    return { scenario: { ...scenario, program: { ...program, data } }, refs };
  }

  private upload(ref: ChunkedRef, pieces: readonly Buffer[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const call = this.client.Upload(this.md, this.deadline(UPLOAD_DEADLINE_MS), (err) => {
        if (err !== null) reject(fromStatus(err, this.address));
        else resolve();
      });
      let i = 0;
      // Respects the stream's flow control: write until it is full, continue on 'drain'.
      const pump = (): void => {
        while (i < pieces.length) {
          const data = pieces[i] as Buffer;
          const ok = call.write({ sha256: ref.sha256, bytes: ref.bytes, index: i, count: ref.chunks, data });
          i++;
          if (!ok) {
            call.once('drain', pump);
            return;
          }
        }
        call.end();
      };
      pump();
    });
  }

  /** Starts a test and calls onEvent for every event; resolves after Finished, rejects on failure. */
  async start(scenario: Scenario, opts: { minAgents: number; waitAgentsMs: number; onAgentLoss: string }, onEvent: (e: RunEventMsg) => void): Promise<void> {
    const up = await this.withUploads(scenario);
    return new Promise((resolve, reject) => {
      const call = this.client.Start(
        {
          scenarioJson: JSON.stringify(toScenarioInput(up.scenario)), minAgents: opts.minAgents, waitAgentsMs: opts.waitAgentsMs, onAgentLoss: opts.onAgentLoss,
          dataSha256: up.refs,
        },
        this.md,
      );
      let finished = false;
      call.on('data', (w: RunEvent__Output) => {
        const e = runEventFromWire(w);
        if (e.kind === 'finished') finished = true;
        onEvent(e);
      });
      call.on('error', (e: grpc.ServiceError) => reject(fromStatus(e, this.address)));
      call.on('end', () => {
        if (finished) resolve();
        else reject(new LoadfleetError('RUN_FAILED', `coordinator ${this.address} ended the run without a report`));
      });
    });
  }

  close(): void {
    this.client.close();
  }
}
