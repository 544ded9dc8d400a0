// The agent side's only user of @grpc/grpc-js: a Dialer over the Fleet.Connect bidirectional stream.
import * as grpc from '@grpc/grpc-js';
import { LoadfleetError, describeError } from '../common/errors.js';
import { agentMsgToWire, coordMsgFromWire, fleetPackage } from '../common/protocol.js';
import type { AgentMessage, CoordinatorMessage__Output, FleetClient } from '../common/protocol.js';
import type { AgentLink, Dialer, LinkHandlers } from './link.js';
import type { TlsMaterial } from '../common/tls.js';

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

function statusToError(e: grpc.ServiceError): LoadfleetError {
  const details = e.details || e.message;
  switch (e.code) {
    case grpc.status.FAILED_PRECONDITION:
      return new LoadfleetError('PROTOCOL_MISMATCH', `coordinator refused this agent: ${details}`, { cause: e });
    case grpc.status.UNAUTHENTICATED:
    case grpc.status.PERMISSION_DENIED:
      return new LoadfleetError('UNAUTHENTICATED', `coordinator refused this agent: ${details}`, {
        cause: e,
        hint: 'give the coordinator\'s join token in LOADFLEET_TOKEN or --token-file',
      });
    case grpc.status.INVALID_ARGUMENT:
      return new LoadfleetError('PROTOCOL_VIOLATION', `coordinator rejected a message: ${details}`, { cause: e });
    default:
      return new LoadfleetError('UNAVAILABLE', `connection to the coordinator lost: ${details}`, { cause: e });
  }
}

export function createGrpcDialer(opts: GrpcDialerOptions): Dialer {
  const Fleet = fleetPackage().Fleet;
  const options: grpc.ChannelOptions = opts.ownConnection === true ? { ...CHANNEL_OPTIONS, 'grpc.use_local_subchannel_pool': 1 } : CHANNEL_OPTIONS;
  const connect = (): FleetClient => new Fleet(opts.address, channelCredentials(opts.tls), options) as unknown as FleetClient;
  let client = connect();
  let closed = false;

  return {
    dial(handlers: LinkHandlers): AgentLink {
      const md = new grpc.Metadata();
      if (opts.token !== undefined) md.set('authorization', `Bearer ${opts.token}`);
      const call = client.Connect(md);
      let ended = false;
      const finish = (error: LoadfleetError | undefined): void => {
        if (ended) return;
        ended = true;
        call.removeAllListeners();
        call.on('error', () => {}); // late errors after close are expected and carry nothing new
        handlers.onClose(error);
      };
      call.on('data', (w: CoordinatorMessage__Output) => {
        if (ended) return;
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
      call.on('error', (e: grpc.ServiceError) => finish(e.code === grpc.status.CANCELLED && ended ? undefined : statusToError(e)));
      call.on('end', () => finish(undefined));
      call.on('status', (s: grpc.StatusObject) => {
        if (s.code !== grpc.status.OK) finish(statusToError(Object.assign(new Error(s.details), s) as grpc.ServiceError));
      });
      return {
        send(m) {
          if (ended) return false;
          const w: AgentMessage = agentMsgToWire(m);
          call.write(w);
          return true;
        },
        close() {
          if (ended) return;
          call.end();
          call.cancel();
          finish(undefined);
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
