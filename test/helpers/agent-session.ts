// An agent session driven through an in-memory link and a manual clock, with a fake engine (shared by
// the session tests).
import { LoadfleetError } from '../../common/runtime/errors.js';
import { PROTOCOL_VERSION } from '../../common/protocol/messages.js';
import type { AgentMsg, CoordMsg } from '../../common/protocol/messages.js';
import { emptyStats } from '../../common/metrics/stats.js';
import type { AgentPlan } from '../../common/plan/agent-plan.js';
import type { ShareTail } from '../../common/protocol/live-change.js';
import type { RowPicker } from '../../agent/engine/feeder-select.js';
import type { Engine, EngineResult, EngineSnapshot } from '../../agent/engine/engine.js';
import type { AgentLink, Dialer, LinkHandlers } from '../../agent/link.js';
import { AgentSession } from '../../agent/session.js';
import { ManualClock } from './manual-clock.js';

export class MemoryLink implements AgentLink {
  sent: AgentMsg[] = [];
  closed = false;
  readonly handlers: LinkHandlers;
  constructor(handlers: LinkHandlers) {
    this.handlers = handlers;
  }
  send(m: AgentMsg): boolean {
    if (this.closed) return false;
    this.sent.push(m);
    return true;
  }
  close(): void {
    this.drop(undefined);
  }
  /** The coordinator side ends the stream. */
  drop(error: LoadfleetError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers.onClose(error);
  }
  deliver(m: CoordMsg): void {
    this.handlers.onMessage(m);
  }
}

export class MemoryDialer implements Dialer {
  links: MemoryLink[] = [];
  closed = false;
  resets = 0;
  reset(): void {
    this.resets++;
  }
  dial(handlers: LinkHandlers): AgentLink {
    const l = new MemoryLink(handlers);
    this.links.push(l);
    return l;
  }
  close(): void {
    this.closed = true;
  }
  get last(): MemoryLink {
    return this.links[this.links.length - 1] as MemoryLink;
  }
}

export class FakeEngine implements Engine {
  started = false;
  stopped: string | undefined;
  /** Every live change the session applied: the share, and its scenario when named. */
  changes: unknown[] = [];
  readonly done: Promise<EngineResult>;
  finish!: () => void;
  readonly onSnapshot: (s: EngineSnapshot) => void;
  /** What the session gave the engine: its plan and the `unique` feeders' pickers. */
  readonly plan: AgentPlan | undefined;
  readonly pickers: ReadonlyMap<string, RowPicker> | undefined;
  /** The session's permit (EngineDeps.mayIssue), as a real engine would ask it before each send. */
  readonly mayIssue: ((nowMs: number) => boolean) | undefined;
  constructor(onSnapshot: (s: EngineSnapshot) => void, plan?: AgentPlan, pickers?: ReadonlyMap<string, RowPicker>, mayIssue?: (nowMs: number) => boolean) {
    this.onSnapshot = onSnapshot;
    this.plan = plan;
    this.pickers = pickers;
    this.mayIssue = mayIssue;
    this.done = new Promise((resolve) => {
      this.finish = () => resolve({ main: { ...emptyStats(), requests: 7, sent: 7 }, warmup: emptyStats(), mainDurationMs: 1_000, lastSeq: 1, stoppedEarly: false });
    });
  }
  start(): void { this.started = true; }
  change(share: ShareTail, scenario?: string): void { this.changes.push(scenario === undefined ? share : [scenario, share]); }
  mainElapsedMs(): number { return 250; }
  /** Whether the first stop() abandoned the load (due arrivals dropped). */
  abandoned: boolean | undefined;
  stop(reason: string, abandon?: boolean): void {
    this.abandoned ??= abandon === true;
    this.stopped ??= reason;
    this.finish();
  }
}

export const PLAN: AgentPlan = {
  runId: 'r1', request: { url: 'http://127.0.0.1:1/', method: 'GET', headers: {}, timeoutMs: 1_000 }, model: 'open',
  segments: [{ durationMs: 1_000, from: 10, to: 10 }], warmupMs: 0, maxInFlight: 10, connections: 1, snapshotIntervalMs: 1_000,
};

export const WELCOME: CoordMsg = { kind: 'welcome', protocolVersion: PROTOCOL_VERSION, coordinatorVersion: 't', heartbeatIntervalMs: 1_000, heartbeatMissLimit: 3, snapshotIntervalMs: 1_000 };

export function setup(extra: Partial<ConstructorParameters<typeof AgentSession>[0]> = {}) {
  const clock = new ManualClock();
  const dialer = new MemoryDialer();
  const engines: FakeEngine[] = [];
  const log: string[] = [];
  const session = new AgentSession({
    dialer, clock, agentId: 'a1', host: 'h', cores: 2, version: 't', log: (level, m) => log.push(`${level} ${m}`),
    createEngine: (plan, onSnapshot, data) => {
      const e = new FakeEngine(onSnapshot, plan, data?.pickers, data?.mayIssue);
      engines.push(e);
      return e;
    },
    backoffInitialMs: 100, backoffMaxMs: 1_000,
    ...extra,
  });
  return { clock, dialer, engines, log, session };
}

