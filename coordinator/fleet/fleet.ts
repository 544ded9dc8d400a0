// The agents that have joined: registration, protocol-version check, heartbeats with a miss counter,
// and routing of run messages to whoever listens. Knows nothing of gRPC (AgentConn) nor of test runs.
import { LoadfleetError, describeError } from '../../common/runtime/errors.js';
import { PROTOCOL_VERSION } from '../../common/protocol/messages.js';
import type { AgentMsg, Hello } from '../../common/protocol/messages.js';
import type { Clock, TimerHandle } from '../../common/runtime/clock.js';
import type { AgentConn } from './agent-conn.js';

export type AgentState = 'idle' | 'busy';

export interface AgentInfo {
  id: string;
  host: string;
  cores: number;
  version: string;
  peer: string;
  joinedAtMs: number;
  state: AgentState;
  runId: string | undefined;
}

export interface FleetListener {
  onJoin(agent: AgentInfo): void;
  /** The agent's stream ended or it stopped answering heartbeats. */
  onLeave(agent: AgentInfo, reason: string): void;
  /** Any message after hello except heartbeats. */
  onAgentMessage(agent: AgentInfo, m: Exclude<AgentMsg, Hello | { kind: 'heartbeat' }>): void;
}

export interface FleetOptions {
  clock: Clock;
  version: string;
  heartbeatIntervalMs: number;
  heartbeatMissLimit: number;
  snapshotIntervalMs: number;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Agents beyond this many are refused (RESOURCE_EXHAUSTED); default 1000. */
  maxAgents?: number;
  /**
   * Per agent stream: a bucket of this many messages, refilled at messagesPerSecond. A stream that
   * empties it is cut (a hostile or broken agent cannot make the coordinator work without bound). The
   * default bucket holds an agent's whole outbox resend after a reconnect.
   */
  messageBurst?: number;
  messagesPerSecond?: number;
}

export const DEFAULT_MAX_AGENTS = 1000;

interface Member {
  info: AgentInfo;
  conn: AgentConn;
  lastHeardMs: number;
  /** Message budget (token bucket): tokens left and when it was last refilled. */
  tokens: number;
  refilledMs: number;
}

export class Fleet {
  private readonly opts: FleetOptions;
  private readonly members = new Map<string, Member>();
  private readonly listeners = new Set<FleetListener>();
  private readonly heartbeat: TimerHandle;
  /** Clock ms of the last heartbeat round (to tell this process's own stalls from agents' silence). */
  private lastBeatMs: number;
  private closed = false;

  constructor(opts: FleetOptions) {
    this.opts = opts;
    this.lastBeatMs = opts.clock.nowMs();
    this.heartbeat = opts.clock.every(opts.heartbeatIntervalMs, () => this.beat());
  }

  addListener(l: FleetListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  agents(): AgentInfo[] {
    return [...this.members.values()].map((m) => m.info);
  }

  get(id: string): AgentInfo | undefined {
    return this.members.get(id)?.info;
  }

  send(id: string, m: Parameters<AgentConn['send']>[0]): boolean {
    return this.members.get(id)?.conn.send(m) ?? false;
  }

  /** Resolves when the agent's send buffer has room (see AgentConn.drained); at once for an unknown agent. */
  drained(id: string): Promise<void> {
    return this.members.get(id)?.conn.drained?.() ?? Promise.resolve();
  }

  setState(id: string, state: AgentState, runId: string | undefined): void {
    const m = this.members.get(id);
    if (m === undefined) return;
    m.info.state = state;
    m.info.runId = runId;
  }

  /**
   * Takes a new stream. Returns the handlers its transport must call. The first message must be a
   * Hello; a wrong protocol version is refused with a message naming both versions.
   */
  accept(conn: AgentConn): { onMessage(m: AgentMsg): void; onClose(reason: string): void } {
    let member: Member | undefined;
    return {
      onMessage: (m) => {
        if (this.closed) return;
        if (member === undefined) {
          if (m.kind !== 'hello') {
            conn.close({ reason: 'protocol-violation', message: `first message must be hello, got ${m.kind}` });
            return;
          }
          member = this.register(conn, m);
          return;
        }
        const now = this.opts.clock.nowMs();
        member.lastHeardMs = now;
        if (!this.spend(member, now)) {
          const rate = this.opts.messagesPerSecond ?? 50;
          this.opts.log('warn', `agent ${member.info.id} from ${conn.peer} sends faster than ${rate} messages/s: cut`);
          this.members.delete(member.info.id);
          conn.close({ reason: 'resource-exhausted', message: `too many messages: more than ${rate}/s sustained` });
          this.emitLeave(member.info, `cut: sent faster than ${rate} messages/s`);
          member = undefined;
          return;
        }
        if (m.kind === 'heartbeat') return;
        if (m.kind === 'hello') {
          conn.close({ reason: 'protocol-violation', message: 'hello sent twice on one stream' });
          return;
        }
        for (const l of this.listeners) {
          try {
            l.onAgentMessage(member.info, m);
          } catch (e) {
            if (e instanceof LoadfleetError && e.code === 'PROTOCOL_VIOLATION') {
              // A message a listener found malformed or beyond the run's bounds: refused, the stream is
              // cut (INVALID_ARGUMENT naming the field) and the agent leaves like any lost agent.
              const message = describeError(e);
              this.opts.log('warn', `agent ${member.info.id} from ${conn.peer} refused: ${message}`);
              this.members.delete(member.info.id);
              conn.close({ reason: 'protocol-violation', message });
              this.emitLeave(member.info, `refused: ${message}`);
              member = undefined;
              return;
            }
            this.opts.log('error', `handling ${m.kind} from agent ${member.info.id}: ${describeError(e)}`);
          }
        }
      },
      onClose: (reason) => {
        if (member !== undefined && this.members.get(member.info.id) === member) this.remove(member, reason);
      },
    };
  }

  private register(conn: AgentConn, hello: Hello): Member | undefined {
    if (hello.protocolVersion !== PROTOCOL_VERSION) {
      const message =
        `agent ${hello.agentId} on ${hello.host || conn.peer} speaks protocol version ${hello.protocolVersion}, ` +
        `this coordinator speaks ${PROTOCOL_VERSION}; run the same loadfleet version on both sides`;
      this.opts.log('warn', `refused: ${message}`);
      conn.close({ reason: 'protocol-mismatch', message });
      return undefined;
    }
    const previous = this.members.get(hello.agentId);
    const max = this.opts.maxAgents ?? DEFAULT_MAX_AGENTS;
    if (previous === undefined && this.members.size >= max) {
      const message = `the fleet is full (${max} agents, --max-agents); agent ${hello.agentId} on ${hello.host || conn.peer} not admitted`;
      this.opts.log('warn', `refused: ${message}`);
      conn.close({ reason: 'resource-exhausted', message });
      return undefined;
    }
    if (previous !== undefined) {
      // Same agent id reconnecting: the new stream wins, the old one is closed without a leave event.
      this.members.delete(hello.agentId);
      previous.conn.close({ reason: 'replaced', message: 'a newer stream from this agent replaced this one' });
      this.emitLeave(previous.info, 'reconnected on a new stream');
    }
    const info: AgentInfo = {
      id: hello.agentId, host: hello.host, cores: hello.cores, version: hello.version, peer: conn.peer,
      joinedAtMs: this.opts.clock.nowMs(), state: 'idle', runId: undefined,
    };
    const member: Member = { info, conn, lastHeardMs: this.opts.clock.nowMs(), tokens: this.opts.messageBurst ?? 5_000, refilledMs: this.opts.clock.nowMs() };
    this.members.set(info.id, member);
    conn.send({
      kind: 'welcome', protocolVersion: PROTOCOL_VERSION, coordinatorVersion: this.opts.version,
      heartbeatIntervalMs: this.opts.heartbeatIntervalMs, heartbeatMissLimit: this.opts.heartbeatMissLimit,
      snapshotIntervalMs: this.opts.snapshotIntervalMs,
    });
    this.opts.log('info', `agent ${info.id} joined from ${info.host || conn.peer} (${info.cores} cores, v${info.version})`);
    for (const l of this.listeners) l.onJoin(info);
    return member;
  }

  /** Takes one message from the member's budget; false when it is exhausted. */
  private spend(m: Member, nowMs: number): boolean {
    const burst = this.opts.messageBurst ?? 5_000;
    const rate = this.opts.messagesPerSecond ?? 50;
    m.tokens = Math.min(burst, m.tokens + ((nowMs - m.refilledMs) / 1000) * rate);
    m.refilledMs = nowMs;
    if (m.tokens < 1) return false;
    m.tokens -= 1;
    return true;
  }

  private beat(): void {
    const now = this.opts.clock.nowMs();
    const limitMs = this.opts.heartbeatIntervalMs * this.opts.heartbeatMissLimit;
    // A round a whole interval or more late means this process itself did not run meanwhile (a GC pause,
    // VM steal, SIGSTOP): what agents sent then is still unread, so that time is not their silence.
    // Smaller lateness is timer jitter and changes nothing.
    const stalledMs = now - this.lastBeatMs - this.opts.heartbeatIntervalMs;
    this.lastBeatMs = now;
    if (stalledMs >= this.opts.heartbeatIntervalMs) {
      for (const m of this.members.values()) m.lastHeardMs = Math.min(now, m.lastHeardMs + stalledMs);
      this.opts.log('warn', `this coordinator did not run for ${Math.round(stalledMs)} ms (paused or starved of CPU): not counted as the agents' silence`);
    }
    for (const m of [...this.members.values()]) {
      if (now - m.lastHeardMs > limitMs) {
        // Removed first, so the stream's own close event (which follows) is not a second leave.
        this.remove(m, `missed ${this.opts.heartbeatMissLimit} heartbeats (nothing heard for ${Math.round(now - m.lastHeardMs)} ms)`);
        m.conn.close({ reason: 'lost', message: `no message for ${Math.round(now - m.lastHeardMs)} ms` });
        continue;
      }
      m.conn.send({ kind: 'heartbeat', sentAtMs: Date.now() });
    }
  }

  private remove(m: Member, reason: string): void {
    this.members.delete(m.info.id);
    this.opts.log('info', `agent ${m.info.id} left: ${reason}`);
    this.emitLeave(m.info, reason);
  }

  private emitLeave(info: AgentInfo, reason: string): void {
    for (const l of this.listeners) l.onLeave(info, reason);
  }

  /** Closes every stream. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.heartbeat.cancel();
    for (const m of this.members.values()) m.conn.close({ reason: 'shutdown', message: 'coordinator shutting down' });
    this.members.clear();
    this.listeners.clear();
  }
}
