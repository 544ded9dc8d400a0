// The coordinator side's only user of @grpc/grpc-js: serves Fleet.Connect (agents) and Control (CLI).
import { timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { LoadfleetError, describeError } from '../common/errors.js';
import type { ErrorCode } from '../common/errors.js';
import {
  agentMsgFromWire, coordMsgToWire, fleetPackage, runEventToWire, uploadPieceFromWire,
} from '../common/protocol.js';
import type { AgentMessage__Output, ControlHandlers, CoordinatorMessage, FleetHandlers, RunEventMsg, UploadChunk__Output } from '../common/protocol.js';
import { MAX_DATA_BYTES } from '../common/data-chunks.js';
import { MAX_MESSAGE_BYTES } from '../common/wire-limits.js';
import { UploadIn, UploadStore } from './upload-store.js';
import { validateScenario } from '../common/scenario.js';
import type { AgentConn, Refusal } from './agent-conn.js';
import type { Coordinator } from './coordinator.js';
import type { TlsMaterial } from '../common/tls.js';
import { AGENT_LOSS_POLICIES } from './test-run.js';
import type { AgentLossPolicy } from './test-run.js';

export interface ServerOptions {
  coordinator: Coordinator;
  /** host:port; port 0 picks a free one. */
  listen: string;
  /** Token agents must present; undefined accepts any agent (loopback-only use). */
  joinToken: string | undefined;
  /** Token the CLI must present for control calls; undefined accepts any caller. */
  controlToken: string | undefined;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Server certificate and key; with `ca`, clients must present a certificate it signed (mutual TLS). */
  tls?: TlsMaterial | undefined;
}

/** Server options: gRPC keepalive is off by default, so every key is set on purpose. */
const SERVER_OPTIONS: grpc.ServerOptions = {
  // Ping each agent after 5 s without traffic, so a dead host is found even if its socket looks open.
  'grpc.keepalive_time_ms': 5_000,
  // A ping unanswered for 3 s closes the connection; the fleet then sees the stream end.
  'grpc.keepalive_timeout_ms': 3_000,
  // Bounded message size (common/wire-limits.ts): the largest legitimate Done and upload piece fit.
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
};

const REFUSAL_STATUS: Record<Refusal, grpc.status> = {
  'protocol-mismatch': grpc.status.FAILED_PRECONDITION,
  unauthenticated: grpc.status.UNAUTHENTICATED,
  'protocol-violation': grpc.status.INVALID_ARGUMENT,
  replaced: grpc.status.ABORTED,
  lost: grpc.status.DEADLINE_EXCEEDED,
  shutdown: grpc.status.UNAVAILABLE,
  'resource-exhausted': grpc.status.RESOURCE_EXHAUSTED,
};

const CODE_STATUS: Partial<Record<ErrorCode, grpc.status>> = {
  USAGE: grpc.status.INVALID_ARGUMENT,
  SCENARIO_INVALID: grpc.status.INVALID_ARGUMENT,
  NO_AGENTS: grpc.status.UNAVAILABLE,
  BUSY: grpc.status.ALREADY_EXISTS,
  NOT_RUNNING: grpc.status.NOT_FOUND,
  UNAUTHENTICATED: grpc.status.UNAUTHENTICATED,
};

/** The error a control call fails with: the loadfleet code travels in the `loadfleet-code` trailer. */
function toStatus(e: unknown): Partial<grpc.StatusObject> {
  const code: ErrorCode = e instanceof LoadfleetError ? e.code : 'INTERNAL';
  const md = new grpc.Metadata();
  md.set('loadfleet-code', code);
  if (e instanceof LoadfleetError && e.hint !== undefined) md.set('loadfleet-hint', e.hint);
  return { code: CODE_STATUS[code] ?? grpc.status.INTERNAL, details: describeError(e).replace(/^[A-Z_]+: /, ''), metadata: md };
}

function tokenMatches(md: grpc.Metadata, expected: string | undefined): boolean {
  if (expected === undefined) return true;
  const header = md.get('authorization')[0];
  const given = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : '';
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The wire's on_agent_loss ('' means the default); an unknown value is refused before anything starts. */
function policyFromWire(v: string): AgentLossPolicy {
  if (v === '') return 'rebalance';
  if ((AGENT_LOSS_POLICIES as readonly string[]).includes(v)) return v as AgentLossPolicy;
  throw new LoadfleetError('USAGE', `on_agent_loss "${v}" is not one of ${AGENT_LOSS_POLICIES.join(', ')}`);
}

export class GrpcServer {
  private readonly server = new grpc.Server(SERVER_OPTIONS);
  private readonly opts: ServerOptions;
  private closed = false;
  /** Data files uploaded ahead of a Start (Control.Upload). */
  private readonly uploads = new UploadStore();

  constructor(opts: ServerOptions) {
    this.opts = opts;
    const pkg = fleetPackage();
    this.server.addService(pkg.Fleet.service, this.fleetHandlers());
    this.server.addService(pkg.Control.service, this.controlHandlers());
  }

  /** Binds and returns the bound address (host:port). */
  listen(): Promise<string> {
    const { listen } = this.opts;
    return new Promise((resolve, reject) => {
      const tls = this.opts.tls;
      let creds: grpc.ServerCredentials;
      if (tls === undefined) creds = grpc.ServerCredentials.createInsecure();
      else {
        if (tls.cert === undefined || tls.key === undefined) {
          reject(new LoadfleetError('USAGE', 'a TLS coordinator needs --tls-cert and --tls-key (its own certificate)'));
          return;
        }
        creds = grpc.ServerCredentials.createSsl(tls.ca ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], tls.ca !== undefined);
      }
      this.server.bindAsync(listen, creds, (err, port) => {
        if (err !== null) {
          reject(new LoadfleetError('UNAVAILABLE', `cannot listen on ${listen}: ${err.message}`, { cause: err, hint: 'pick another --listen address or port' }));
          return;
        }
        const host = listen.slice(0, listen.lastIndexOf(':'));
        resolve(`${host}:${port}`);
      });
    });
  }

  /** Stops accepting, ends open streams. Idempotent. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.server.forceShutdown(); resolve(); }, 2_000);
      this.server.tryShutdown(() => { clearTimeout(t); resolve(); });
    });
  }

  private fleetHandlers(): FleetHandlers {
    return {
      Connect: (call) => {
        const peer = call.getPeer();
        if (!tokenMatches(call.metadata, this.opts.joinToken)) {
          this.opts.log('warn', `refused agent from ${peer}: missing or wrong join token`);
          call.emit('error', { code: grpc.status.UNAUTHENTICATED, details: 'missing or wrong join token' });
          return;
        }
        let ended = false;
        const conn: AgentConn = {
          peer,
          send: (m) => {
            if (ended) return false;
            const w: CoordinatorMessage = coordMsgToWire(m);
            call.write(w);
            return true;
          },
          drained: () => new Promise<void>((resolve) => {
            if (ended || !call.writableNeedDrain) {
              resolve();
              return;
            }
            const done = (): void => {
              call.off('drain', done);
              call.off('close', done);
              call.off('cancelled', done);
              resolve();
            };
            call.on('drain', done);
            call.on('close', done);
            call.on('cancelled', done);
          }),
          close: (refusal) => {
            if (ended) return;
            ended = true;
            if (refusal === undefined) call.end();
            else call.emit('error', { code: REFUSAL_STATUS[refusal.reason], details: refusal.message });
          },
        };
        const handlers = this.opts.coordinator.fleet.accept(conn);
        const finish = (reason: string): void => {
          call.removeAllListeners('data');
          if (!ended) {
            ended = true;
            call.end();
          }
          handlers.onClose(reason);
        };
        call.on('data', (w: AgentMessage__Output) => {
          // Once the coordinator ended or refused the stream, whatever the peer still sends is not read.
          if (ended) return;
          let m;
          try {
            m = agentMsgFromWire(w);
          } catch (e) {
            this.opts.log('warn', `agent at ${peer}: ${describeError(e)}`);
            conn.close({ reason: 'protocol-violation', message: describeError(e) });
            handlers.onClose(`refused: ${describeError(e)}`);
            return;
          }
          handlers.onMessage(m);
        });
        call.on('end', () => finish('closed its stream'));
        call.on('cancelled', () => finish('connection cancelled'));
        call.on('error', (e: Error) => finish(`stream error: ${e.message}`));
      },
    };
  }

  private controlHandlers(): ControlHandlers {
    const c = this.opts.coordinator;
    const authorized = (md: grpc.Metadata, peer?: string): boolean => {
      if (tokenMatches(md, this.opts.controlToken)) return true;
      this.opts.log('warn', `refused a control call from ${peer ?? 'a client'}: missing or wrong control token`);
      return false;
    };
    const denied = { code: grpc.status.UNAUTHENTICATED, details: 'missing or wrong control token' };
    return {
      Start: (call) => {
        if (!authorized(call.metadata, call.getPeer())) {
          call.emit('error', denied);
          return;
        }
        let scenarioValue: unknown;
        try {
          scenarioValue = JSON.parse(call.request.scenarioJson);
        } catch {
          call.emit('error', toStatus(new LoadfleetError('SCENARIO_INVALID', 'scenario_json is not JSON')));
          return;
        }
        const missing = this.uploads.fill(scenarioValue, call.request.dataSha256);
        if (missing.length > 0) {
          call.emit('error', toStatus(new LoadfleetError('SCENARIO_INVALID', missing.join('; '))));
          return;
        }
        const v = validateScenario(scenarioValue);
        if (!v.ok) {
          const msg = v.problems.map((p) => `${p.path}: ${p.message}`).join('; ');
          call.emit('error', toStatus(new LoadfleetError('SCENARIO_INVALID', msg)));
          return;
        }
        let onAgentLoss: AgentLossPolicy;
        try {
          onAgentLoss = policyFromWire(call.request.onAgentLoss);
        } catch (e) {
          call.emit('error', toStatus(e));
          return;
        }
        let open = true;
        const write = (e: RunEventMsg): void => {
          if (open) call.write(runEventToWire(e));
        };
        call.on('cancelled', () => { open = false; });
        c.start(v.scenario, {
          onTick: (line) => write({ kind: 'tick', json: JSON.stringify(line) }),
          onNotice: (level, message) => write({ kind: 'notice', level, message }),
        }, { minAgents: call.request.minAgents || 1, waitAgentsMs: call.request.waitAgentsMs || 30_000, onAgentLoss })
          .then(async (handle) => {
            write({ kind: 'started', runId: handle.runId, agentIds: handle.agentIds });
            const report = await handle.report;
            write({ kind: 'finished', reportJson: JSON.stringify(report) });
            if (open) call.end();
          })
          .catch((e: unknown) => {
            if (open) call.emit('error', toStatus(e));
          });
      },
      SetRate: (call, callback) => {
        if (!authorized(call.metadata, call.getPeer())) return callback(denied);
        let r: { changeId: number; agents: number };
        try {
          r = call.request.concurrency > 0
            ? c.setConcurrency(call.request.concurrency, 'control API', call.request.scenario || undefined)
            : c.setRate(call.request.rateRps, call.request.rampMs, 'control API', call.request.scenario || undefined);
        } catch (e) {
          callback(toStatus(e));
          return;
        }
        // The reply waits (bounded) for the agents' acknowledgements, so the caller knows it took effect.
        void c.whenApplied(r.changeId).then((a) => callback(null, { changeId: r.changeId, agents: r.agents, applied: a.applied, appliedMs: a.appliedMs }));
      },
      Status: (call, callback) => {
        if (!authorized(call.metadata, call.getPeer())) return callback(denied);
        callback(null, { json: JSON.stringify(c.status()) });
      },
      Stop: (call, callback) => {
        if (!authorized(call.metadata, call.getPeer())) return callback(denied);
        callback(null, { wasRunning: c.stop(call.request.reason || 'stopped from the control API') });
      },
      Upload: (call, callback) => {
        if (!authorized(call.metadata, call.getPeer())) {
          callback(denied);
          return;
        }
        const upload = new UploadIn();
        let bytes = 0;
        let failed = false;
        const fail = (e: unknown, status?: grpc.status): void => {
          if (failed) return;
          failed = true;
          call.removeAllListeners('data');
          callback(status === undefined ? toStatus(e) : { code: status, details: describeError(e).replace(/^[A-Z_]+: /, '') });
        };
        call.on('data', (w: UploadChunk__Output) => {
          try {
            const p = uploadPieceFromWire(w);
            bytes += p.data.length;
            if (bytes > MAX_DATA_BYTES) throw new LoadfleetError('SCENARIO_INVALID', `the upload is over ${MAX_DATA_BYTES / 1048576} MiB, the data limit`);
            upload.add(p);
          } catch (e) {
            fail(e, e instanceof LoadfleetError && e.code === 'PROTOCOL_VIOLATION' ? grpc.status.INVALID_ARGUMENT : undefined);
          }
        });
        call.on('end', () => {
          if (failed) return;
          const r = upload.finish();
          if (!r.ok) {
            fail(new LoadfleetError('SCENARIO_INVALID', r.why));
            return;
          }
          this.uploads.keep(r.sha256, r.bytes, r.rows);
          callback(null, { sha256: r.sha256, bytes: r.bytes });
        });
        call.on('error', () => { failed = true; });
      },
    };
  }
}
