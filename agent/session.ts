// One agent's life: connect, say hello, wait for assignments, run them, report, reconnect with backoff.
// Knows the protocol, not the transport (a Dialer is passed in) and not HTTP (the engine is created by
// a factory passed in). Never touches `process`.
import { LoadfleetError, describeError } from '../common/errors.js';
import { PROTOCOL_VERSION } from '../common/protocol.js';
import type { AgentMsg, Assign, CoordMsg, SetRateMsg, StopMsg, Welcome } from '../common/protocol.js';
import { agentPlanSchema } from '../common/plan.js';
import type { AgentPlan } from '../common/plan.js';
import type { Clock, TimerHandle } from '../common/clock.js';
import type { Engine, EngineSnapshot } from './engine/engine.js';
import type { AgentLink, Dialer } from './link.js';

export type EngineFactory = (plan: AgentPlan, onSnapshot: (s: EngineSnapshot) => void) => Engine;

export interface SessionOptions {
  dialer: Dialer;
  createEngine: EngineFactory;
  clock: Clock;
  agentId: string;
  host: string;
  cores: number;
  version: string;
  /** Injected so tests can speak a wrong version; production uses PROTOCOL_VERSION. */
  protocolVersion?: number;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Reconnect backoff: first delay, doubling up to the max, with +-20 % jitter. */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** How long to wait for Welcome after Hello. */
  welcomeTimeoutMs?: number;
}

export type SessionState = 'connecting' | 'idle' | 'running' | 'stopped';

interface ActiveRun {
  runId: string;
  engine: Engine;
}

export class AgentSession {
  private readonly opts: SessionOptions;
  private state: SessionState = 'connecting';
  private link: AgentLink | undefined;
  private welcome: Welcome | undefined;
  private run: ActiveRun | undefined;
  private attempt = 0;
  private timers: TimerHandle[] = [];
  private lastHeardMs = 0;
  private stopping = false;
  private resolveFinished!: (error: LoadfleetError | undefined) => void;
  /** Resolves when the session ends for good: after stop(), or with the error that made it give up. */
  readonly finished: Promise<LoadfleetError | undefined>;

  constructor(opts: SessionOptions) {
    this.opts = opts;
    this.finished = new Promise((resolve) => { this.resolveFinished = resolve; });
  }

  get currentState(): SessionState {
    return this.state;
  }

  start(): void {
    this.connect();
  }

  /** Graceful stop: ends a running test (its in-flight requests drain and Done is sent), then disconnects. */
  async stop(): Promise<void> {
    if (this.stopping) {
      await this.finished;
      return;
    }
    this.stopping = true;
    const run = this.run;
    if (run !== undefined) {
      run.engine.stop('agent shutting down');
      await run.engine.done;
      // reportDone runs from the engine's done handler; give it the same turn to send.
      await Promise.resolve();
    }
    this.end(undefined);
  }

  private connect(): void {
    if (this.stopping) return;
    this.state = 'connecting';
    this.welcome = undefined;
    const link = this.opts.dialer.dial({
      onMessage: (m) => this.onMessage(link, m),
      onClose: (error) => this.onLinkClosed(link, error),
    });
    this.link = link;
    link.send({
      kind: 'hello',
      agentId: this.opts.agentId,
      protocolVersion: this.opts.protocolVersion ?? PROTOCOL_VERSION,
      version: this.opts.version,
      host: this.opts.host,
      cores: this.opts.cores,
    });
    const timer = this.opts.clock.after(this.opts.welcomeTimeoutMs ?? 10_000, () => {
      if (this.link === link && this.welcome === undefined) {
        this.opts.log('warn', 'no welcome from the coordinator in time; reconnecting');
        link.close();
      }
    });
    this.timers.push(timer);
  }

  private onMessage(link: AgentLink, m: CoordMsg): void {
    if (link !== this.link) return;
    this.lastHeardMs = this.opts.clock.nowMs();
    switch (m.kind) {
      case 'welcome':
        this.onWelcome(link, m);
        return;
      case 'assign':
        this.onAssign(link, m);
        return;
      case 'set-rate':
        this.onSetRate(m);
        return;
      case 'stop':
        this.onStop(m);
        return;
      case 'heartbeat':
        return;
      default: {
        const never: never = m;
        throw new LoadfleetError('INTERNAL', `unhandled message ${JSON.stringify(never)}`);
      }
    }
  }

  private onWelcome(link: AgentLink, w: Welcome): void {
    this.welcome = w;
    this.attempt = 0;
    this.state = this.run === undefined ? 'idle' : 'running';
    this.opts.log('info', `joined coordinator (protocol ${w.protocolVersion}, coordinator ${w.coordinatorVersion})`);
    const hbMs = w.heartbeatIntervalMs > 0 ? w.heartbeatIntervalMs : 1_000;
    const missLimit = w.heartbeatMissLimit > 0 ? w.heartbeatMissLimit : 3;
    this.lastHeardMs = this.opts.clock.nowMs();
    this.timers.push(
      this.opts.clock.every(hbMs, () => {
        if (link !== this.link) return;
        link.send({ kind: 'heartbeat', sentAtMs: Date.now() });
        if (this.opts.clock.nowMs() - this.lastHeardMs > hbMs * missLimit) {
          this.opts.log('warn', `nothing heard from the coordinator for ${missLimit} heartbeats; reconnecting`);
          link.close();
        }
      }),
    );
  }

  private onAssign(link: AgentLink, a: Assign): void {
    if (this.run !== undefined) {
      link.send({ kind: 'failure', runId: a.runId, code: 'BUSY', message: `agent is already running ${this.run.runId}` });
      return;
    }
    let plan: AgentPlan;
    try {
      const parsed = agentPlanSchema.safeParse(JSON.parse(a.planJson));
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(plan)'}: ${i.message}`).join('; ');
        throw new LoadfleetError('PLAN_INVALID', `assignment rejected: ${problems}`);
      }
      plan = parsed.data;
      if (plan.runId !== a.runId) throw new LoadfleetError('PLAN_INVALID', 'assignment rejected: plan.runId differs from assign.runId');
    } catch (e) {
      const err = e instanceof LoadfleetError ? e : new LoadfleetError('PLAN_INVALID', `assignment rejected: ${describeError(e)}`);
      this.opts.log('error', err.message);
      link.send({ kind: 'failure', runId: a.runId, code: err.code, message: err.message });
      return;
    }
    const runId = a.runId;
    const engine = this.opts.createEngine(plan, (s) => {
      this.link?.send({
        kind: 'snapshot', runId, seq: s.seq, phase: s.phase, intervalIndex: s.intervalIndex, intervalMs: s.intervalMs,
        stats: s.stats, rateRps: s.rateRps, concurrency: s.concurrency,
      });
    });
    this.run = { runId, engine };
    this.state = 'running';
    this.opts.log('info', `run ${runId}: ${plan.model} model, ${plan.segments.length} segment(s), ${plan.request.method} ${plan.request.url}`);
    link.send({ kind: 'ready', runId });
    engine.start();
    void engine.done.then((result) => {
      const msg: AgentMsg = {
        kind: 'done', runId, lastSeq: result.lastSeq, main: result.main, warmup: result.warmup, durationMs: result.mainDurationMs,
      };
      if (this.link?.send(msg) !== true) this.opts.log('warn', `run ${runId} ended while disconnected; its final report was not delivered`);
      this.opts.log('info', `run ${runId} done: ${result.main.requests} requests, ${result.main.dropped} dropped`);
      if (this.run?.runId === runId) this.run = undefined;
      if (this.state === 'running') this.state = 'idle';
    });
  }

  private onSetRate(m: SetRateMsg): void {
    const run = this.run;
    if (run === undefined || run.runId !== m.runId) return; // a change for a run that already ended: nothing to do
    if (m.concurrency > 0) run.engine.setConcurrency(m.concurrency);
    else run.engine.setRate(m.rateRps, m.rampMs);
  }

  private onStop(m: StopMsg): void {
    const run = this.run;
    if (run === undefined || run.runId !== m.runId) return;
    this.opts.log('info', `run ${m.runId}: stop requested (${m.reason || 'no reason given'})`);
    run.engine.stop(m.reason);
  }

  private onLinkClosed(link: AgentLink, error: LoadfleetError | undefined): void {
    if (link !== this.link) return;
    this.link = undefined;
    this.clearTimers();
    // A fleet must never keep hammering a target with nobody in charge.
    if (this.run !== undefined) {
      this.opts.log('warn', `lost the coordinator during run ${this.run.runId}; stopping its load`);
      this.run.engine.stop('coordinator connection lost');
    }
    if (this.stopping) return;
    if (error !== undefined && (error.code === 'PROTOCOL_MISMATCH' || error.code === 'UNAUTHENTICATED')) {
      this.opts.log('error', error.message);
      this.end(error);
      return;
    }
    const base = this.opts.backoffInitialMs ?? 250;
    const max = this.opts.backoffMaxMs ?? 10_000;
    const delayMs = Math.min(max, base * 2 ** this.attempt) * (0.8 + 0.4 * Math.random());
    this.attempt++;
    this.state = 'connecting';
    this.opts.log('warn', `${error === undefined ? 'coordinator closed the connection' : error.message}; reconnecting in ${Math.round(delayMs)} ms`);
    this.timers.push(this.opts.clock.after(delayMs, () => this.connect()));
  }

  private end(error: LoadfleetError | undefined): void {
    this.stopping = true;
    this.state = 'stopped';
    this.clearTimers();
    const link = this.link;
    this.link = undefined;
    link?.close();
    this.opts.dialer.close();
    this.resolveFinished(error);
  }

  private clearTimers(): void {
    for (const t of this.timers) t.cancel();
    this.timers = [];
  }
}
