// Connection setup times (k6's http_req_connecting and http_req_tls_handshaking) for both HTTP paths:
// undici's own connector (buildConnector, with the agent's connect options) wrapped to time each new
// connection. `connectMs` runs from the connector's call to the TCP connection (the allow-list lookup
// included) and `tlsMs` from there to the end of the TLS handshake (HTTPS only). Only connections that
// were made count: a reused keep-alive connection records nothing (k6 records 0 there), and a failed
// connect is a transport error of its request, not a time.
import type { Socket } from 'node:net';
import { buildConnector } from 'undici';

/** Who hears about each new connection: the recorder of the phase that sent last. */
export interface ConnectionTimingSink {
  /** tlsMs: undefined for plain HTTP. */
  onConnection(connectMs: number, tlsMs: number | undefined): void;
}

/**
 * undici's connector for `connect` (connectOptions of http-client.ts) with the given connect timeout,
 * reporting each connection made to `report` with times read from `nowMs` (ms, monotonic).
 */
export function timedConnector(
  connect: Record<string, unknown>,
  timeoutMs: number,
  nowMs: () => number,
  report: (connectMs: number, tlsMs: number | undefined) => void,
): buildConnector.connector {
  const base = buildConnector({ ...connect, timeout: timeoutMs }) as unknown as (o: buildConnector.Options, cb: buildConnector.Callback) => Socket;
  return (options, callback) => {
    const startMs = nowMs();
    let tcpMs: number | undefined;
    const tls = options.protocol === 'https:';
    const socket = base(options, (...args) => {
      if (args[0] === null) {
        const endMs = nowMs();
        const connectedMs = tcpMs ?? endMs;
        report(connectedMs - startMs, tls ? endMs - connectedMs : undefined);
      }
      callback(...args);
    });
    // A TLS socket emits 'connect' when its TCP connection is up, then 'secureConnect'.
    if (tls) socket.once('connect', () => { tcpMs = nowMs(); });
    return socket;
  };
}
