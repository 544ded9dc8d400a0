// The CLI's client for a remote coordinator's Control service (and its only gRPC import).
import * as grpc from '@grpc/grpc-js';
import type { TlsMaterial } from '../common/runtime/tls.js';
import { LoadfleetError } from '../common/runtime/errors.js';
import type { ErrorCode } from '../common/runtime/errors.js';
import { fleetPackage, liveChangeToWire, runEventFromWire } from '../common/protocol/messages.js';
import type { LiveChange } from '../common/protocol/live-change.js';
import type { ControlClient, ReportPiece__Output, RunEvent__Output, RunEventMsg } from '../common/protocol/messages.js';
import { toScenarioInput } from '../common/scenario/scenario.js';
import type { Scenario } from '../common/scenario/scenario.js';
import type { FleetStatus } from '../coordinator/coordinator.js';
import { splitRowsYielding } from '../common/data/data-chunks.js';
import type { ChunkedRef } from '../common/data/data-chunks.js';
import { INLINE_DATA_BYTES } from '../coordinator/data/delivery.js';

/** How long one data upload may take (256 MiB over a slow link). */
const UPLOAD_DEADLINE_MS = 10 * 60_000;

/** How long fetching one report may take (hundreds of MiB over a slow link). */
const REPORT_DEADLINE_MS = 10 * 60_000;

/**
 * Channel options. Reports arrive in pieces of at most 1 MiB (GetReport) and status replies are bounded
 * (coordinator/server/status-bounds.ts), so no reply needs more than this; it matches the coordinator's own receive limit.
 */
const CLIENT_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': 16 * 1024 * 1024,
};

const KNOWN_CODES: readonly ErrorCode[] = ['USAGE', 'SCENARIO_INVALID', 'NO_AGENTS', 'BUSY', 'NOT_RUNNING', 'NO_REPORT', 'UNAUTHENTICATED', 'INTERNAL', 'SETUP_FAILED'];

/**
 * grpc-js's details of a failed connection end with "Resolution note: " and the resolver's note, which
 * is empty for a plain HOST:PORT: the empty one is dropped.
 */
export function cleanDetails(details: string): string {
  return details.replace(/[.\s]*Resolution note:\s*$/, '').trim();
}

function fromStatus(e: grpc.ServiceError, address: string): LoadfleetError {
  const code = e.metadata?.get('loadfleet-code')[0];
  const hint = e.metadata?.get('loadfleet-hint')[0];
  if (typeof code === 'string' && (KNOWN_CODES as readonly string[]).includes(code)) {
    return new LoadfleetError(code as ErrorCode, e.details, { cause: e, ...(typeof hint === 'string' ? { hint } : {}) });
  }
  if (e.code === grpc.status.UNAUTHENTICATED) {
    return new LoadfleetError('UNAUTHENTICATED', `coordinator ${address} refused the call: ${cleanDetails(e.details)}`, {
      cause: e, hint: 'set LOADFLEET_CONTROL_TOKEN (or LOADFLEET_TOKEN, or --token-file) to the coordinator\'s control token',
    });
  }
  if (e.code === grpc.status.PERMISSION_DENIED) {
    return new LoadfleetError('UNAUTHENTICATED', `coordinator ${address} refused the call: ${cleanDetails(e.details)}`, {
      cause: e, hint: 'under mutual TLS the CLI presents a control certificate: --tls-cert cli.crt --tls-key cli.key from `loadfleet certs`',
    });
  }
  if (e.code === grpc.status.UNAVAILABLE || e.code === grpc.status.DEADLINE_EXCEEDED) {
    return new LoadfleetError('UNAVAILABLE', `cannot reach the coordinator at ${address}: ${cleanDetails(e.details)}`, {
      cause: e, hint: 'is `loadfleet coordinator --listen` running there?',
    });
  }
  return new LoadfleetError('RUN_FAILED', `coordinator ${address}: ${cleanDetails(e.details)}`, { cause: e });
}

export class RemoteControl {
  private readonly client: ControlClient;
  private readonly address: string;
  private readonly md = new grpc.Metadata();
  /** Streaming calls in progress, for cancel(). */
  private readonly calls = new Set<grpc.Call>();

  constructor(address: string, token: string | undefined, tls?: TlsMaterial) {
    this.address = address;
    const Control = fleetPackage().Control;
    const creds = tls === undefined ? grpc.credentials.createInsecure() : grpc.credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null);
    this.client = new Control(address, creds, CLIENT_OPTIONS) as unknown as ControlClient;
    if (token !== undefined) this.md.set('authorization', `Bearer ${token}`);
  }

  private deadline(ms = 5_000): grpc.CallOptions {
    return { deadline: Date.now() + ms };
  }

  /** A live change of the running test; resolves once its agents acknowledged it (or after 2 s). */
  change(change: LiveChange): Promise<{ changeId: number; agents: number; applied: number; appliedMs: number }> {
    return new Promise((resolve, reject) => {
      this.client.SetRate(liveChangeToWire(change), this.md, this.deadline(), (err, reply) => {
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

  /**
   * A finished run's report JSON as the coordinator keeps it (the latest when runId is undefined),
   * joined from its pieces in order; rejects NO_REPORT (exit 3) for a run it does not keep or one still
   * running, and RUN_FAILED when the pieces do not add up.
   */
  getReport(runId?: string): Promise<{ runId: string; json: string }> {
    return new Promise((resolve, reject) => {
      const call = this.client.GetReport({ runId: runId ?? '' }, this.md, this.deadline(REPORT_DEADLINE_MS));
      this.calls.add(call);
      const pieces: Buffer[] = [];
      let first: ReportPiece__Output | undefined;
      let received = 0;
      let failed = false;
      const fail = (e: LoadfleetError): void => {
        if (failed) return;
        failed = true;
        this.calls.delete(call);
        call.cancel();
        reject(e);
      };
      call.on('data', (p: ReportPiece__Output) => {
        first ??= p;
        if (p.index !== pieces.length || p.count !== first.count || p.bytes !== first.bytes || p.runId !== first.runId) {
          fail(new LoadfleetError('RUN_FAILED', `coordinator ${this.address} sent report piece ${p.index} of ${p.count} out of order (expected ${pieces.length} of ${first.count})`));
          return;
        }
        received += p.data.length;
        pieces.push(p.data);
      });
      call.on('error', (e: grpc.ServiceError) => {
        if (!failed) {
          failed = true;
          this.calls.delete(call);
          reject(fromStatus(e, this.address));
        }
      });
      call.on('end', () => {
        this.calls.delete(call);
        if (failed) return;
        if (first === undefined || pieces.length !== first.count || received !== first.bytes) {
          failed = true;
          reject(new LoadfleetError('RUN_FAILED', `coordinator ${this.address} sent ${pieces.length} report piece(s), ${received} bytes, of ${first?.count ?? '?'} piece(s), ${first?.bytes ?? '?'} bytes`));
          return;
        }
        resolve({ runId: first.runId, json: Buffer.concat(pieces, received).toString('utf8') });
      });
    });
  }

  /** Gives up every streaming call in progress (a second Ctrl-C): they reject with CANCELLED. */
  cancel(): void {
    for (const c of this.calls) c.cancel();
    this.calls.clear();
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
      this.calls.add(call);
      let finished = false;
      call.on('data', (w: RunEvent__Output) => {
        const e = runEventFromWire(w);
        if (e.kind === 'finished') finished = true;
        onEvent(e);
      });
      call.on('error', (e: grpc.ServiceError) => {
        this.calls.delete(call);
        reject(fromStatus(e, this.address));
      });
      call.on('end', () => {
        this.calls.delete(call);
        if (finished) resolve();
        else reject(new LoadfleetError('RUN_FAILED', `coordinator ${this.address} ended the run without a report`));
      });
    });
  }

  close(): void {
    this.client.close();
  }
}
