// The agent's view of one connection to the coordinator. grpc-link.ts implements it over gRPC; tests
// may implement it in memory. A link is single-use: after onClose fires, dial a new one.
import type { LoadfleetError } from '../common/runtime/errors.js';
import type { AgentMsg, CoordMsg } from '../common/protocol/messages.js';

export interface AgentLink {
  /** Queues a message; returns false when the link is already closed (the message was not sent). */
  send(m: AgentMsg): boolean;
  /** Half-closes and releases the link. Idempotent; onClose still fires once. */
  close(): void;
}

export interface LinkHandlers {
  onMessage(m: CoordMsg): void;
  /** Fires exactly once. `error` is undefined for a clean close by the coordinator. */
  onClose(error: LoadfleetError | undefined): void;
}

export interface Dialer {
  dial(handlers: LinkHandlers): AgentLink;
  /**
   * Drops the underlying connection so the next dial starts a fresh one: after a link went silent, the
   * old connection may be dead without the transport knowing yet.
   */
  reset(): void;
  /** Releases the channel. Idempotent. */
  close(): void;
}
