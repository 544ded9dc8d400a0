// The coordinator's view of one agent stream. server/grpc-server.ts implements it over gRPC.
import type { CoordMsg } from '../../common/protocol/messages.js';

/** Why the coordinator ends a stream; server/grpc-server.ts maps each to a gRPC status. */
export type Refusal = 'protocol-mismatch' | 'unauthenticated' | 'protocol-violation' | 'replaced' | 'lost' | 'shutdown' | 'resource-exhausted';

export interface AgentConn {
  /** Peer address, for logs. */
  readonly peer: string;
  /** Returns false when the stream is already closed. */
  send(m: CoordMsg): boolean;
  /**
   * Optional flow control: resolves once what was sent has left the send buffer (at once when it is not
   * full, or when the stream closed). Large data is sent a piece at a time, awaiting this in between.
   */
  drained?(): Promise<void>;
  /** Ends the stream; with a refusal the agent gets a status and message. Idempotent. */
  close(refusal?: { reason: Refusal; message: string }): void;
}
