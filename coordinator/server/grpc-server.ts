// The coordinator's only gRPC server, and with the CLI's client (cli/control-client.ts) the only users of
// @grpc/grpc-js on this side: serves Fleet.Connect (agents) and Control (CLI).
import { timingSafeEqual } from 'node:crypto';
import { createServer as createTlsServer } from 'node:tls';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { LoadfleetError, describeError } from '../../common/runtime/errors.js';
import type { ErrorCode } from '../../common/runtime/errors.js';
import {
  agentMsgFromWire, coordMsgToWire, fleetPackage, liveChangeFromWire, runEventToWire, uploadPieceFromWire,
} from '../../common/protocol/messages.js';
import type { AgentMessage__Output, ControlHandlers, CoordinatorMessage, FleetHandlers, RunEventMsg, UploadChunk__Output } from '../../common/protocol/messages.js';
import { MAX_DATA_BYTES } from '../../common/data/data-chunks.js';
import { MAX_MESSAGE_BYTES } from '../../common/protocol/wire-limits.js';
import { UploadIn, UploadStore } from '../data/upload-store.js';
import { REPORT_PIECE_BYTES, reportPieces } from '../report/store.js';
import { NOTICE_CHARS, boundStatus, boundText } from './status-bounds.js';
import { validateScenario } from '../../common/scenario/scenario.js';
import type { AgentConn, Refusal } from '../fleet/agent-conn.js';
import type { Coordinator } from '../coordinator.js';
import { certRoles } from '../../common/runtime/tls.js';
import type { CertRole, TlsMaterial } from '../../common/runtime/tls.js';
import { parseHostPort } from './http-server.js';
import { AGENT_LOSS_POLICIES } from '../run/test-run.js';
import type { AgentLossPolicy } from '../run/test-run.js';

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
  // Bounded message size (common/protocol/wire-limits.ts): the largest legitimate Done and upload piece fit.
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
  NO_REPORT: grpc.status.NOT_FOUND,
  UNAUTHENTICATED: grpc.status.UNAUTHENTICATED,
  SETUP_FAILED: grpc.status.FAILED_PRECONDITION,
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

/** What a role check reads of a call: its TLS peer certificate. */
type RoleCall = Pick<grpc.ServerUnaryCall<unknown, unknown>, 'getAuthContext'>;

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
  /** Under TLS: the listener that terminates it, and the door into the gRPC server for its connections. */
  private tlsServer: TlsServer | undefined;
  private injector: grpc.ConnectionInjector | undefined;
  /** Refused handshakes' last log line per peer address, to bound the log. */
  private readonly handshakeLogged = new Map<string, { atMs: number; suppressed: number }>();

  constructor(opts: ServerOptions) {
    this.opts = opts;
    const pkg = fleetPackage();
    this.server.addService(pkg.Fleet.service, this.fleetHandlers());
    this.server.addService(pkg.Control.service, this.controlHandlers());
  }

  /** Binds and returns the bound address (host:port). */
  listen(): Promise<string> {
    const { listen } = this.opts;
    const tls = this.opts.tls;
    if (tls !== undefined) return this.listenTls(tls);
    return new Promise((resolve, reject) => {
      this.server.bindAsync(listen, grpc.ServerCredentials.createInsecure(), (err, port) => {
        if (err !== null) {
          reject(new LoadfleetError('UNAVAILABLE', `cannot listen on ${listen}: ${err.message}`, { cause: err, hint: 'pick another --listen address or port' }));
          return;
        }
        const host = listen.slice(0, listen.lastIndexOf(':'));
        resolve(`${host}:${port}`);
      });
    });
  }

  /**
   * TLS is terminated here (node:tls), and each verified connection is handed to the gRPC server: so a
   * failed handshake (an untrusted, expired or missing client certificate) is logged with its peer,
   * which grpc-js's own TLS listener does not report. Peer certificates stay readable per call.
   */
  private listenTls(tls: TlsMaterial): Promise<string> {
    const { listen } = this.opts;
    if (tls.cert === undefined || tls.key === undefined) {
      return Promise.reject(new LoadfleetError('USAGE', 'a TLS coordinator needs --tls-cert and --tls-key (its own certificate)'));
    }
    const { host, port } = parseHostPort(listen, '--listen');
    const mutual = tls.ca !== undefined;
    const injector = this.server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    const server = createTlsServer({
      cert: tls.cert, key: tls.key, ...(mutual ? { ca: tls.ca } : {}),
      // Verified below rather than by node:tls, which would drop an unverified peer without saying why.
      requestCert: mutual, rejectUnauthorized: false, ALPNProtocols: ['h2'],
    });
    server.on('secureConnection', (socket: TLSSocket) => {
      if (mutual && !socket.authorized) {
        const cert = socket.getPeerCertificate();
        const none = cert === null || typeof cert !== 'object' || Object.keys(cert).length === 0;
        this.refusedHandshake(none ? 'it presented no client certificate' : `its client certificate failed verification (${String(socket.authorizationError)})`, socket);
        socket.destroy();
        return;
      }
      injector.injectConnection(socket);
    });
    server.on('tlsClientError', (e: Error, socket: TLSSocket) => this.refusedHandshake(e.message, socket));
    this.tlsServer = server;
    this.injector = injector;
    return new Promise((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException): void => {
        reject(new LoadfleetError('UNAVAILABLE', `cannot listen on ${listen}: ${e.code ?? e.message}`, { cause: e, hint: 'pick another --listen address or port' }));
      };
      server.once('error', onError);
      // "localhost" as 127.0.0.1: one address, as agents dialing it by name or number both reach.
      server.listen(port, host === 'localhost' ? '127.0.0.1' : host, () => {
        server.off('error', onError);
        const a = server.address() as AddressInfo;
        resolve(`${listen.slice(0, listen.lastIndexOf(':'))}:${a.port}`);
      });
    });
  }

  /**
   * Logs a refused TLS connection: at most one line per peer address and reason every 10 s (an agent
   * retrying, a scanner), with the count of those left out.
   */
  private refusedHandshake(why: string, socket: TLSSocket): void {
    const reason = why.replace(/^.*:error:[0-9A-F]+:SSL routines:[^:]*:/, '').replace(/:\.\.\/deps.*$/s, '');
    const from = socket.remoteAddress === undefined ? 'a client' : `${socket.remoteAddress}:${socket.remotePort ?? '?'}`;
    const key = `${socket.remoteAddress ?? '?'} ${reason}`;
    const nowMs = Date.now();
    const last = this.handshakeLogged.get(key);
    if (last !== undefined && nowMs - last.atMs < 10_000) {
      last.suppressed++;
      return;
    }
    const more = last !== undefined && last.suppressed > 0 ? ` (${last.suppressed} more like it since the last line)` : '';
    this.handshakeLogged.set(key, { atMs: nowMs, suppressed: 0 });
    if (this.handshakeLogged.size > 1_000) this.handshakeLogged.delete(this.handshakeLogged.keys().next().value as string);
    this.opts.log('warn', `refused a TLS connection from ${from}: ${reason}${more}`);
  }

  /** Stops accepting, ends open streams. Idempotent. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.tlsServer?.close();
    this.injector?.destroy();
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.server.forceShutdown(); resolve(); }, 2_000);
      this.server.tryShutdown(() => { clearTimeout(t); resolve(); });
    });
  }

  /**
   * Under mutual TLS, why the caller's certificate may not act as `role` (undefined: it may). Without
   * client certificates (plaintext, or TLS without --tls-ca) the roles rest on the two tokens alone.
   */
  private roleRefusal(call: RoleCall, role: CertRole): string | undefined {
    if (this.opts.tls?.ca === undefined) return undefined;
    const cert = call.getAuthContext()?.sslPeerCertificate;
    const roles = certRoles(cert?.subjectaltname);
    if (roles.includes(role)) return undefined;
    const what = role === 'agent' ? 'joining needs an agent certificate (agent.crt)' : 'control calls need a control certificate (cli.crt)';
    if (roles.length === 0) {
      return `its client certificate${cert?.subject?.CN === undefined ? '' : ` "${String(cert.subject.CN)}"`} carries no loadfleet role; ${what}: reissue it with \`loadfleet certs\``;
    }
    return `its client certificate has the ${roles.join(' and ')} role; ${what}`;
  }

  private fleetHandlers(): FleetHandlers {
    return {
      Connect: (call) => {
        const peer = call.getPeer();
        const wrongRole = this.roleRefusal(call, 'agent');
        if (wrongRole !== undefined) {
          this.opts.log('warn', `refused agent from ${peer}: ${wrongRole}`);
          call.emit('error', { code: grpc.status.PERMISSION_DENIED, details: wrongRole });
          return;
        }
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
    return {
      Start: (call) => this.start(call),
      SetRate: (call, callback) => this.setRate(call, callback),
      Status: (call, callback) => this.status(call, callback),
      Stop: (call, callback) => this.stop(call, callback),
      GetReport: (call) => this.getReport(call),
      Upload: (call, callback) => this.upload(call, callback),
    };
  }

  /** The refusal of a control call (logged), or undefined when its certificate role and token allow it. */
  private refusal(call: RoleCall & { metadata: grpc.Metadata; getPeer(): string }): Partial<grpc.StatusObject> | undefined {
    const wrongRole = this.roleRefusal(call, 'control');
    if (wrongRole !== undefined) {
      this.opts.log('warn', `refused a control call from ${call.getPeer()}: ${wrongRole}`);
      return { code: grpc.status.PERMISSION_DENIED, details: wrongRole };
    }
    if (tokenMatches(call.metadata, this.opts.controlToken)) return undefined;
    this.opts.log('warn', `refused a control call from ${call.getPeer()}: missing or wrong control token`);
    return { code: grpc.status.UNAUTHENTICATED, details: 'missing or wrong control token' };
  }

  /** Control.Start: validates the scenario (with its uploaded data), starts the test and streams Started, the ticks and notices, then Finished. */
  private start(call: Parameters<ControlHandlers['Start']>[0]): void {
    const c = this.opts.coordinator;
    const denied = this.refusal(call);
    if (denied !== undefined) {
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
      onNotice: (level, message) => write({ kind: 'notice', level, message: boundText(message, NOTICE_CHARS) }),
    }, { minAgents: call.request.minAgents || 1, waitAgentsMs: call.request.waitAgentsMs || 30_000, onAgentLoss })
      .then(async (handle) => {
        write({ kind: 'started', runId: handle.runId, agentIds: handle.agentIds.map((id) => boundText(id)) });
        await handle.report;
        // The report is kept by then; one too large for a message is fetched with GetReport.
        const kept = c.keptReport(handle.runId);
        const inline = kept.json.length <= REPORT_PIECE_BYTES;
        write({ kind: 'finished', runId: handle.runId, reportBytes: kept.json.length, reportJson: inline ? kept.json.toString('utf8') : '' });
        if (open) call.end();
      })
      .catch((e: unknown) => {
        if (open) call.emit('error', toStatus(e));
      });
  }

  /** Control.SetRate: a live change (LiveChange, decided at decode); the reply waits (bounded) for the agents' acknowledgements. */
  private setRate(call: Parameters<ControlHandlers['SetRate']>[0], callback: Parameters<ControlHandlers['SetRate']>[1]): void {
    const c = this.opts.coordinator;
    const denied = this.refusal(call);
    if (denied !== undefined) return callback(denied);
    let r: { changeId: number; agents: number };
    try {
      r = c.change(liveChangeFromWire(call.request), 'control API');
    } catch (e) {
      callback(toStatus(e));
      return;
    }
    // The reply waits (bounded) for the agents' acknowledgements, so the caller knows it took effect.
    void c.whenApplied(r.changeId).then((a) => callback(null, { changeId: r.changeId, agents: r.agents, applied: a.applied, appliedMs: a.appliedMs }));
  }

  /** Control.Status: the fleet and the running test, bounded for the wire. */
  private status(call: Parameters<ControlHandlers['Status']>[0], callback: Parameters<ControlHandlers['Status']>[1]): void {
    const c = this.opts.coordinator;
    const denied = this.refusal(call);
    if (denied !== undefined) return callback(denied);
    callback(null, { json: JSON.stringify(boundStatus(c.status())) });
  }

  /** Control.Stop: ends the running test early; the reply says whether one was running. */
  private stop(call: Parameters<ControlHandlers['Stop']>[0], callback: Parameters<ControlHandlers['Stop']>[1]): void {
    const c = this.opts.coordinator;
    const denied = this.refusal(call);
    if (denied !== undefined) return callback(denied);
    callback(null, { wasRunning: c.stop(call.request.reason || 'stopped from the control API') });
  }

  /** Control.GetReport: a kept report in pieces, respecting the stream's flow control. */
  private getReport(call: Parameters<ControlHandlers['GetReport']>[0]): void {
    const c = this.opts.coordinator;
    const denied = this.refusal(call);
    if (denied !== undefined) {
      call.emit('error', denied);
      return;
    }
    let kept;
    try {
      kept = c.keptReport(call.request.runId === '' ? undefined : call.request.runId);
    } catch (e) {
      call.emit('error', toStatus(e));
      return;
    }
    const { runId, json } = kept;
    const pieces = reportPieces(json);
    let i = 0;
    let open = true;
    call.on('cancelled', () => { open = false; });
    // Respects the stream's flow control: write until it is full, continue on 'drain'.
    const pump = (): void => {
      while (open && i < pieces.length) {
        const ok = call.write({ runId, index: i, count: pieces.length, bytes: json.length, data: pieces[i] as Buffer });
        i++;
        if (!ok) {
          call.once('drain', pump);
          return;
        }
      }
      if (open) call.end();
    };
    pump();
  }

  /** Control.Upload: one data file in pieces, kept for the Start that names it by SHA-256. */
  private upload(call: Parameters<ControlHandlers['Upload']>[0], callback: Parameters<ControlHandlers['Upload']>[1]): void {
    const denied = this.refusal(call);
    if (denied !== undefined) {
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
  }
}
