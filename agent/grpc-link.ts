// The agent side's only user of @grpc/grpc-js: a Dialer over the Fleet.Connect bidirectional stream.
import { connect as tlsConnect } from 'node:tls';
import { isIP } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { LoadfleetError, describeError } from '../common/runtime/errors.js';
import { agentMsgToWire, coordMsgFromWire, fleetPackage } from '../common/protocol/messages.js';
import type { AgentMessage, CoordinatorMessage__Output, FleetClient } from '../common/protocol/messages.js';
import type { AgentLink, Dialer, LinkHandlers } from './link.js';
import type { TlsMaterial } from '../common/runtime/tls.js';

export interface GrpcDialerOptions {
  /** host:port of the coordinator. */
  address: string;
  /** Join token sent as `authorization: Bearer <token>`; undefined sends none. */
  token: string | undefined;
  /** TLS: the CA that signed the coordinator's certificate, and this agent's own for mutual TLS. */
  tls?: TlsMaterial | undefined;
  /**
   * Its own connection even when another dialer in this process targets the same coordinator with the
   * same options (grpc-js shares one by default): the agent simulator (bench/agent-sim.ts) uses it so that
   * N simulated agents are N connections, as N hosts would be.
   */
  ownConnection?: boolean | undefined;
  /** Credential refusals in a row before giving up (default CREDENTIAL_REFUSAL_LIMIT). */
  refusalLimit?: number | undefined;
}

/** Plaintext without TLS material; else TLS verifying the coordinator (with a client certificate if given). */
export function channelCredentials(tls: TlsMaterial | undefined): grpc.ChannelCredentials {
  if (tls === undefined) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null);
}

/** Channel options: gRPC keepalive is off by default, so every key is set on purpose. */
const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  // Ping the coordinator after 5 s without traffic: a dead host or a cut link is noticed even when the
  // protocol heartbeat is delayed behind a busy event loop.
  'grpc.keepalive_time_ms': 5_000,
  // Declare the connection dead if a ping is not answered within 3 s.
  'grpc.keepalive_timeout_ms': 3_000,
  // Keep pinging while the agent idles between tests with its stream open.
  'grpc.keepalive_permit_without_calls': 1,
  // Reconnect quickly when the coordinator comes back; the session adds its own backoff on top.
  'grpc.initial_reconnect_backoff_ms': 250,
  'grpc.max_reconnect_backoff_ms': 5_000,
  // Plans carry scenarios; allow up to 16 MiB per message (the coordinator enforces its own limit).
  'grpc.max_receive_message_length': 16 * 1024 * 1024,
};

/**
 * Credential refusals in a row (wrong token, a certificate without the agent role, a TLS handshake that
 * failed certificate verification on either side) after which the agent gives up with UNAUTHENTICATED
 * (exit 6). Each is retried with the session's backoff first: a coordinator being rotated to new
 * credentials gets a moment. A coordinator that is down or unreachable is retried forever.
 */
export const CREDENTIAL_REFUSAL_LIMIT = 5;

/** A transport failure that is a certificate verification failure (either side's), not a network one. */
const CERT_FAILURE = /certificate|self[- ]signed|unable to (get|verify)|alert|handshake|CERT_|SSL routines|altnames|Hostname\/IP does not match/i;

/** Why the coordinator refused this agent's credentials, or undefined when `e` is no credential refusal. */
function credentialRefusal(e: grpc.ServiceError): string | undefined {
  const details = e.details || e.message;
  if (e.code === grpc.status.UNAUTHENTICATED || e.code === grpc.status.PERMISSION_DENIED) return details;
  if (e.code === grpc.status.UNAVAILABLE && CERT_FAILURE.test(details)) return `TLS handshake failed: ${details.replace(/^No connection established\. Last error: (Error: )?/, '').replace(/\s*(\(\d{4}-[^)]*\))?\.? Resolution note:.*$/s, '').trim()}`;
  return undefined;
}

/**
 * Under TLS 1.3 a server's refusal of the client certificate arrives after the client's side of the
 * handshake, and grpc-js then reports only "Failed to connect": this opens one TLS connection with the
 * same material to read the coordinator's alert. Resolves with the refusal, or undefined when the
 * coordinator accepted the handshake or could not be reached (a network failure, not a refusal).
 */
function probeTls(address: string, tls: TlsMaterial, timeoutMs = 5_000): Promise<string | undefined> {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(i + 1));
  return new Promise((resolve) => {
    let settled = false;
    const done = (why: string | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(why);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    const socket = tlsConnect({
      host, port, ALPNProtocols: ['h2'], ...(isIP(host) === 0 ? { servername: host } : {}),
      ...(tls.ca !== undefined ? { ca: tls.ca } : {}), ...(tls.cert !== undefined ? { cert: tls.cert } : {}), ...(tls.key !== undefined ? { key: tls.key } : {}),
    });
    // A coordinator that accepts the certificate sends its HTTP/2 settings at once; one that refuses it
    // closes the connection right after the handshake.
    let secured = false;
    const closedAfterHandshake = 'the coordinator closed the connection right after the TLS handshake: it did not accept this agent\'s certificate (its log says why)';
    socket.on('secureConnect', () => { secured = true; });
    socket.on('data', () => done(undefined));
    socket.on('error', (e: Error) => {
      if (CERT_FAILURE.test(e.message)) done(`TLS handshake failed: ${e.message.replace(/^.*SSL routines:[^:]*:/, '').replace(/:\.\.\/deps.*$/s, '')}`);
      else done(secured ? closedAfterHandshake : undefined);
    });
    socket.on('close', () => done(secured ? closedAfterHandshake : undefined));
  });
}

function statusToError(e: grpc.ServiceError): LoadfleetError {
  const details = e.details || e.message;
  switch (e.code) {
    case grpc.status.FAILED_PRECONDITION:
      return new LoadfleetError('PROTOCOL_MISMATCH', `coordinator refused this agent: ${details}`, { cause: e });
    case grpc.status.UNAUTHENTICATED:
    case grpc.status.PERMISSION_DENIED:
      return new LoadfleetError('UNAUTHENTICATED', `coordinator refused this agent: ${details}`, { cause: e });
    case grpc.status.INVALID_ARGUMENT:
      return new LoadfleetError('PROTOCOL_VIOLATION', `coordinator rejected a message: ${details}`, { cause: e });
    default:
      return new LoadfleetError('UNAVAILABLE', `connection to the coordinator lost: ${details}`, { cause: e });
  }
}

const CREDENTIAL_HINT = 'give the coordinator\'s join token in LOADFLEET_JOIN_TOKEN (or LOADFLEET_TOKEN) or --token-file, and under mutual TLS an agent certificate (agent.crt from `loadfleet certs`) from the fleet\'s CA';

export function createGrpcDialer(opts: GrpcDialerOptions): Dialer {
  const Fleet = fleetPackage().Fleet;
  const options: grpc.ChannelOptions = opts.ownConnection === true ? { ...CHANNEL_OPTIONS, 'grpc.use_local_subchannel_pool': 1 } : CHANNEL_OPTIONS;
  const connect = (): FleetClient => new Fleet(opts.address, channelCredentials(opts.tls), options) as unknown as FleetClient;
  const limit = opts.refusalLimit ?? CREDENTIAL_REFUSAL_LIMIT;
  let client = connect();
  let closed = false;
  /** Credential refusals since the coordinator last spoke to this agent. */
  let refusals = 0;

  /**
   * A credential refusal below the limit is handed to the session as UNAVAILABLE (it reconnects with
   * backoff and logs it); the limit-th as UNAUTHENTICATED (it gives up).
   */
  const refused = (why: string, cause: unknown): LoadfleetError => {
    refusals++;
    if (refusals >= limit) {
      return new LoadfleetError('UNAUTHENTICATED', `coordinator refused this agent: ${why} (${refusals} times in a row: giving up)`, { cause, hint: CREDENTIAL_HINT });
    }
    return new LoadfleetError('UNAVAILABLE', `coordinator refused this agent: ${why} (refusal ${refusals} of ${limit} before giving up)`, { cause });
  };

  return {
    dial(handlers: LinkHandlers): AgentLink {
      const md = new grpc.Metadata();
      if (opts.token !== undefined) md.set('authorization', `Bearer ${opts.token}`);
      const call = client.Connect(md);
      let ended = false;
      let reported = false;
      let heard = false;
      const report = (error: LoadfleetError | undefined): void => {
        if (reported) return;
        reported = true;
        handlers.onClose(error);
      };
      const finish = (e: grpc.ServiceError | LoadfleetError | undefined): void => {
        if (ended) return;
        ended = true;
        call.removeAllListeners();
        call.on('error', () => {}); // late errors after close are expected and carry nothing new
        if (e === undefined || e instanceof LoadfleetError) return report(e);
        const why = heard ? undefined : credentialRefusal(e);
        if (why !== undefined) return report(refused(why, e));
        if (!heard && e.code === grpc.status.UNAVAILABLE && opts.tls !== undefined && !closed) {
          void probeTls(opts.address, opts.tls).then((probed) => report(probed === undefined || closed ? statusToError(e) : refused(probed, e)));
          return;
        }
        report(statusToError(e));
      };
      call.on('data', (w: CoordinatorMessage__Output) => {
        if (ended) return;
        heard = true;
        refusals = 0;
        let m;
        try {
          m = coordMsgFromWire(w);
        } catch (e) {
          call.cancel();
          finish(e instanceof LoadfleetError ? e : new LoadfleetError('PROTOCOL_VIOLATION', describeError(e), { cause: e }));
          return;
        }
        handlers.onMessage(m);
      });
      call.on('error', (e: grpc.ServiceError) => finish(e.code === grpc.status.CANCELLED && ended ? undefined : e));
      call.on('end', () => finish(undefined));
      call.on('status', (s: grpc.StatusObject) => {
        if (s.code !== grpc.status.OK) finish(Object.assign(new Error(s.details), s) as grpc.ServiceError);
      });
      return {
        send(m) {
          if (ended) return false;
          const w: AgentMessage = agentMsgToWire(m);
          call.write(w);
          return true;
        },
        close() {
          if (!ended) {
            call.end();
            call.cancel();
            finish(undefined);
          }
          report(undefined);
        },
      };
    },
    reset() {
      if (closed) return;
      client.close();
      client = connect();
    },
    close() {
      if (closed) return;
      closed = true;
      client.close();
    },
  };
}
