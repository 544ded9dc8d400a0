// One agent's life: connect, say hello, wait for assignments, run them, report, reconnect with backoff.
// Knows the protocol, not the transport (a Dialer is passed in) and not HTTP (the engine is created by
// a factory passed in). Never touches `process`.
import { LoadfleetError, assertNever, describeError } from '../common/runtime/errors.js';
import { PROTOCOL_VERSION } from '../common/protocol/messages.js';
import type { AckMsg, Assign, CoordMsg, DoneMsg, RowBlockMsg, SetupJobMsg, SetupPart, SetupValuesMsg, ShareChangeMsg, SnapshotMsg, StopMsg, Welcome } from '../common/protocol/messages.js';
import { agentPlanSchema } from '../common/plan/agent-plan.js';
import { MAX_RATE_RPS } from '../common/scenario/scenario.js';
import type { AgentPlan } from '../common/plan/agent-plan.js';
import type { Clock, TimerHandle } from '../common/runtime/clock.js';
import type { Engine, EngineSnapshot } from './engine/engine.js';
import type { AgentLink, Dialer } from './link.js';
import { capTail } from './limits.js';
import type { RowPicker } from './engine/feeder-select.js';
import { DataInbox, prepareData } from './assignment-data.js';
import type { UniqueFeed } from './unique-feed.js';
import { redactUrl } from '../common/runtime/redact.js';
import { runSetupPart } from './setup-run.js';
import type { SetupOutcome } from './setup-run.js';

/**
 * `data.pickers`: the `unique` feeders fed by the coordinator's blocks, for the engine's flows.
 * `data.mayIssue`: the engine's permit (EngineDeps.mayIssue): no while the coordinator link is stale.
 */
export type EngineFactory = (
  plan: AgentPlan,
  onSnapshot: (s: EngineSnapshot) => void,
  data?: { pickers: ReadonlyMap<string, RowPicker>; mayIssue: (nowMs: number) => boolean },
) => Engine;

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
  /**
   * Snapshots and Dones kept until the coordinator acknowledges them (resent after a reconnect). Past
   * this, the oldest snapshot is dropped and counted (its figures still reach the coordinator through
   * the Done's cumulative totals, which repair the run's totals).
   */
  outboxLimit?: number;
  /** On stop(), how long to wait for the final Done's acknowledgement before disconnecting. */
  leaveAckTimeoutMs?: number;
  /**
   * This agent's own limits, whatever the coordinator says (agent/limits.ts): returns why a plan is
   * refused (target outside the allow-list, rate or in-flight above a ceiling), or undefined.
   */
  vetPlan?: (plan: AgentPlan) => Promise<string | undefined>;
  /** Live changes above this rate (req/s) are capped to it, loudly. */
  maxRateRps?: number;
  /** Live closed-model changes above this many loops (its --max-in-flight) are capped to it, loudly. */
  maxInFlight?: number;
  /**
   * Runs a SetupJob's part once (agent/setup-run.ts runSetupPart); the agent passes its allow-list
   * lookup. Default: runSetupPart with the session's clock.
   */
  runSetup?: (plan: AgentPlan, part: SetupPart) => Promise<SetupOutcome>;
}

export type SessionState = 'connecting' | 'idle' | 'running' | 'stopped';

interface ActiveRun {
  runId: string;
  assignment: number;
  engine: Engine;
  /** Told to stop (by the coordinator, a lost link or shutdown): draining, no longer issuing. */
  stopping: boolean;
}

type Figures = SnapshotMsg | DoneMsg;

const figureKey = (runId: string, assignment: number, seq: number | 'done'): string => `${runId}/${assignment}/${seq}`;

export class AgentSession {
  private readonly opts: SessionOptions;
  private state: SessionState = 'connecting';
  private link: AgentLink | undefined;
  private welcome: Welcome | undefined;
  private readonly runs = new Map<string, ActiveRun>();
  /** Unacknowledged snapshots and Dones, oldest first (Map keeps insertion order). */
  private readonly outbox = new Map<string, Figures>();
  /** Data pieces and row blocks that came ahead of their Assign. */
  private readonly inbox = new DataInbox();
  /** `unique` feeders of accepted assignments, by `runId/assignment`. */
  private readonly feeds = new Map<string, Map<string, UniqueFeed>>();
  private outboxDroppedCount = 0;
  private ackWaiters = new Set<() => void>();
  private attempt = 0;
  private vetting = false;
  private timers: TimerHandle[] = [];
  private lastHeardMs = 0;
  /** When this agent last sent its heartbeat (what the coordinator's loss detection counts). */
  private lastBeatMs = 0;
  /**
   * The longest either side of the link may have been silent before the coordinator could have declared
   * this agent lost and moved its share: its loss window (heartbeat x miss limit) less half a heartbeat
   * for delivery. Set on Welcome.
   */
  private freshWindowMs = Infinity;
  /** The link found stale (see staleness()); load is never issued for it again. */
  private staleLink: AgentLink | undefined;
  /** Why this side closed the current link (undefined when the coordinator or the transport did). */
  private selfClosed: string | undefined;
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

  /** Snapshots and Dones not yet acknowledged by a coordinator. */
  get unacknowledged(): number {
    return this.outbox.size;
  }

  /** Snapshots dropped because the outbox was full. */
  get outboxDropped(): number {
    return this.outboxDroppedCount;
  }

  start(): void {
    this.connect();
  }

  /**
   * Graceful stop: tells the coordinator this agent is leaving, ends a running test (its in-flight
   * requests drain and Done is sent), waits briefly for Done's acknowledgement, then disconnects.
   */
  async stop(): Promise<void> {
    if (this.stopping) {
      await this.finished;
      return;
    }
    this.stopping = true;
    const active = [...this.runs.values()];
    for (const run of active) {
      if (!run.stopping) this.link?.send({ kind: 'leaving', runId: run.runId, assignment: run.assignment, reason: 'agent shutting down' });
      run.stopping = true;
      run.engine.stop('agent shutting down');
    }
    await Promise.all(active.map((r) => r.engine.done));
    // reportDone runs from the engine's done handler; give it the same turn to queue the Done.
    await Promise.resolve();
    await this.outboxDrained(this.opts.leaveAckTimeoutMs ?? 2_000);
    if (this.outbox.size > 0) this.opts.log('warn', `leaving with ${this.outbox.size} unacknowledged snapshot(s)/Done(s)`);
    this.end(undefined);
  }

  /** Resolves when the outbox is empty or after timeoutMs. */
  private outboxDrained(timeoutMs: number): Promise<void> {
    if (this.outbox.size === 0 || this.link === undefined) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        if (this.outbox.size > 0 && this.link !== undefined) return;
        timer.cancel();
        this.ackWaiters.delete(done);
        resolve();
      };
      const timer = this.opts.clock.after(timeoutMs, () => {
        this.ackWaiters.delete(done);
        resolve();
      });
      this.ackWaiters.add(done);
    });
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
        this.selfClosed = 'no welcome from the coordinator in time';
        this.opts.dialer.reset();
        link.close();
      }
    });
    this.timers.push(timer);
  }

  private onMessage(link: AgentLink, m: CoordMsg): void {
    if (link !== this.link) return;
    const nowMs = this.opts.clock.nowMs();
    // Messages queued while this process was frozen arrive fresh-looking: check the gap before them. A
    // stale link is left, and what it brings is moot (figures are resent on the next one).
    if (!this.keptFresh(link, nowMs)) return;
    this.lastHeardMs = nowMs;
    switch (m.kind) {
      case 'welcome':
        this.onWelcome(link, m);
        return;
      case 'assign':
        this.onAssign(link, m);
        return;
      case 'share-change':
        this.onShareChange(m);
        return;
      case 'stop':
        this.onStop(m);
        return;
      case 'heartbeat':
        return;
      case 'ack':
        this.onAck(m);
        return;
      case 'data-chunk':
        this.inbox.add(m);
        return;
      case 'row-block':
        this.onRowBlock(m);
        return;
      case 'setup-job':
        this.onSetupJob(link, m);
        return;
      case 'setup-values':
        this.onSetupValues(m);
        return;
      default: {
        const never: never = m;
        throw new LoadfleetError('INTERNAL', `unhandled message ${JSON.stringify(never)}`);
      }
    }
  }

  /**
   * While load is issued: true when the link is fresh enough to act on; otherwise it is left (onStale)
   * and false is returned. Idle, every link is fresh (no load can be owed on it).
   */
  private keptFresh(link: AgentLink, nowMs: number): boolean {
    if (!this.issuing()) return true;
    const why = this.staleness(nowMs);
    if (why === undefined) return true;
    this.onStale(link, why);
    return false;
  }

  private onWelcome(link: AgentLink, w: Welcome): void {
    this.welcome = w;
    this.attempt = 0;
    this.state = this.issuing() ? 'running' : 'idle';
    this.opts.log('info', `joined coordinator (protocol ${w.protocolVersion}, coordinator ${w.coordinatorVersion})`);
    if (this.outbox.size > 0) {
      this.opts.log('info', `resending ${this.outbox.size} unacknowledged snapshot(s)/Done(s)`);
      for (const m of this.outbox.values()) link.send(m);
    }
    const hbMs = w.heartbeatIntervalMs > 0 ? w.heartbeatIntervalMs : 1_000;
    const missLimit = w.heartbeatMissLimit > 0 ? w.heartbeatMissLimit : 3;
    this.lastHeardMs = this.opts.clock.nowMs();
    this.lastBeatMs = this.lastHeardMs;
    this.freshWindowMs = hbMs * missLimit - hbMs / 2;
    this.timers.push(
      this.opts.clock.every(hbMs, () => {
        if (link !== this.link) return;
        const nowMs = this.opts.clock.nowMs();
        if (!this.keptFresh(link, nowMs)) return;
        link.send({ kind: 'heartbeat', sentAtMs: Date.now() });
        this.lastBeatMs = nowMs;
        if (this.opts.clock.nowMs() - this.lastHeardMs > hbMs * missLimit) {
          this.selfClosed = `nothing heard from the coordinator for ${missLimit} heartbeats`;
          // The connection may be dead without TCP knowing (a cut link): start the next one afresh.
          this.opts.dialer.reset();
          link.close();
        }
      }),
    );
  }

  /**
   * Why the current link may no longer hold this agent's assignment at nowMs (monotonic), or undefined
   * while it is fresh: this agent sent no heartbeat (frozen, starved), or heard nothing, for longer than
   * the coordinator's loss window allows.
   */
  private staleness(nowMs: number): string | undefined {
    const beatAgoMs = nowMs - this.lastBeatMs;
    if (beatAgoMs > this.freshWindowMs) return `this agent sent nothing to the coordinator for ${Math.round(beatAgoMs)} ms (frozen or starved)`;
    const heardAgoMs = nowMs - this.lastHeardMs;
    if (heardAgoMs > this.freshWindowMs) return `nothing heard from the coordinator for ${Math.round(heardAgoMs)} ms`;
    return undefined;
  }

  /** The engines' permit (EngineDeps.mayIssue): only for a joined, fresh link. */
  private readonly mayIssue = (nowMs: number): boolean => {
    const link = this.link;
    if (link === undefined || this.welcome === undefined || this.staleLink === link) return false;
    const why = this.staleness(nowMs);
    if (why === undefined) return true;
    this.onStale(link, why);
    return false;
  };

  /**
   * The coordinator may have declared this agent lost and moved its share: stop issuing at once (the
   * runs' due arrivals are dropped, not fired late), then leave the link and rejoin afresh.
   */
  private onStale(link: AgentLink, why: string): void {
    if (this.staleLink === link) return;
    this.staleLink = link;
    this.opts.log('warn', `${why}: the coordinator may have declared this agent lost and moved its share; abandoning its load (arrivals due and not sent count as dropped) and rejoining`);
    for (const run of this.runs.values()) {
      if (run.stopping) continue;
      run.stopping = true;
      run.engine.stop('coordinator link stale', true);
    }
    if (link !== this.link) return;
    this.selfClosed = why;
    this.opts.dialer.reset();
    link.close();
  }

  private onRowBlock(m: RowBlockMsg): void {
    const feeds = this.feeds.get(`${m.runId}/${m.assignment}`);
    if (feeds === undefined) {
      this.inbox.add(m);
      return;
    }
    const feed = feeds.get(m.feeder);
    if (feed === undefined) this.opts.log('warn', `run ${m.runId}: rows for data "${m.feeder}", which its plan does not hand out in blocks: ignored`);
    else feed.addBlock(m.ranges, m.rows, m.exhausted);
  }

  /**
   * Runs the scenario's setup or teardown once, whatever assignment runs (a refresh comes mid-run): the
   * plan is checked and vetted like an Assign's, then run; one SetupResult answers, on the link of the
   * moment (none when the coordinator went away: it runs the job elsewhere or fails the run).
   */
  private onSetupJob(link: AgentLink, j: SetupJobMsg): void {
    const { runId, job, part } = j;
    const reply = (o: SetupOutcome): void => {
      if (!o.ok) this.opts.log('error', `run ${runId}: ${o.message}`);
      else this.opts.log('info', `run ${runId}: ${part} done (${o.figures.requests} request(s))`);
      if (this.welcome !== undefined) this.link?.send({ kind: 'setup-result', runId, job, ok: o.ok, values: o.values, message: o.message, figures: o.figures });
    };
    const refused = (message: string): void => reply({ ok: false, values: {}, message, figures: { requests: 0, durationMs: 0, steps: [] } });
    let plan: AgentPlan;
    try {
      const parsed = agentPlanSchema.safeParse(JSON.parse(j.planJson));
      if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.') || '(plan)'}: ${i.message}`).join('; '));
      plan = parsed.data;
      if (plan.runId !== runId) throw new Error('plan.runId differs from the job\'s runId');
    } catch (e) {
      refused(`agent ${this.opts.agentId} rejected the ${part} plan: ${describeError(e)}`);
      return;
    }
    this.opts.log('info', `run ${runId}: running its ${part} (job ${job})`);
    const run = this.opts.runSetup ?? ((p, which) => runSetupPart(p, which, { clock: this.opts.clock }));
    const vet = this.opts.vetPlan ?? (async () => undefined);
    void vet(plan).then(
      (refusal) => {
        if (refusal !== undefined) {
          refused(`agent ${this.opts.agentId} refused the ${part}: ${refusal}`);
          return;
        }
        if (link !== this.link || this.stopping) return;
        void run(plan, part).then(reply, (e: unknown) => refused(`${part} could not run: ${describeError(e)}`));
      },
      (e: unknown) => refused(`agent ${this.opts.agentId} could not check the ${part} plan: ${describeError(e)}`),
    );
  }

  /** A refresh's values: the assignment's flow runs started from now on use them. */
  private onSetupValues(m: SetupValuesMsg): void {
    const run = this.findRun(m.runId, m.assignment);
    if (run === undefined || run.stopping) return;
    run.engine.setSetupValues?.(m.values);
    this.opts.log('info', `run ${m.runId}: setup values refreshed (generation ${m.generation})`);
  }

  private issuing(): boolean {
    return [...this.runs.values()].some((r) => !r.stopping);
  }

  private onAssign(link: AgentLink, a: Assign): void {
    const busy = [...this.runs.values()].find((r) => !r.stopping);
    const arrived = this.inbox.take(a.runId, a.assignment);
    if (busy !== undefined || this.vetting) {
      const what = busy === undefined ? 'checking another assignment' : `already running ${busy.runId}`;
      link.send({ kind: 'failure', runId: a.runId, assignment: a.assignment, code: 'BUSY', message: `agent is ${what}` });
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
      const { runId, assignment } = a;
      const prepared = prepareData(plan, arrived, (feeder, rows) => {
        if (this.welcome !== undefined) this.link?.send({ kind: 'rows-wanted', runId, assignment, feeder, rows });
      });
      if (!prepared.ok) throw new LoadfleetError('PLAN_INVALID', `assignment rejected: its data did not arrive whole: ${prepared.why}`);
      plan = prepared.plan;
      if (prepared.feeds.size > 0) this.feeds.set(`${runId}/${assignment}`, prepared.feeds);
    } catch (e) {
      const err = e instanceof LoadfleetError ? e : new LoadfleetError('PLAN_INVALID', `assignment rejected: ${describeError(e)}`);
      this.opts.log('error', err.message);
      link.send({ kind: 'failure', runId: a.runId, assignment: a.assignment, code: 'PLAN_INVALID', message: err.message });
      return;
    }
    const vet = this.opts.vetPlan;
    if (vet === undefined) {
      this.startAssignment(link, a, plan);
      return;
    }
    this.vetting = true;
    void vet(plan).then(
      (refusal) => {
        this.vetting = false;
        if (refusal !== undefined) {
          this.feeds.delete(`${a.runId}/${a.assignment}`);
          this.opts.log('error', `refused run ${a.runId}: ${refusal}`);
          link.send({ kind: 'failure', runId: a.runId, assignment: a.assignment, code: 'REFUSED_LIMIT', message: `agent ${this.opts.agentId} refused: ${refusal}` });
          return;
        }
        if (link !== this.link || this.stopping) {
          this.feeds.delete(`${a.runId}/${a.assignment}`);
          return; // the coordinator went away meanwhile: it will reassign
        }
        this.startAssignment(link, a, plan);
      },
      (e: unknown) => {
        this.vetting = false;
        this.feeds.delete(`${a.runId}/${a.assignment}`);
        link.send({ kind: 'failure', runId: a.runId, assignment: a.assignment, code: 'REFUSED_LIMIT', message: `agent ${this.opts.agentId} could not check the plan: ${describeError(e)}` });
      },
    );
  }

  private startAssignment(link: AgentLink, a: Assign, plan: AgentPlan): void {
    const { runId, assignment } = a;
    const key = `${runId}/${assignment}`;
    const feeds = this.feeds.get(key) ?? new Map<string, UniqueFeed>();
    const engine = this.opts.createEngine(plan, (s) => {
      this.deliver({
        kind: 'snapshot', runId, assignment, seq: s.seq, phase: s.phase, intervalIndex: s.intervalIndex, intervalMs: s.intervalMs,
        stats: s.stats, rateRps: s.rateRps, concurrency: s.concurrency,
      });
    }, { pickers: feeds, mayIssue: this.mayIssue });
    const run: ActiveRun = { runId, assignment, engine, stopping: false };
    this.runs.set(key, run);
    this.state = 'running';
    this.opts.log(
      'info',
      `run ${runId}${assignment > 1 ? ` (assignment ${assignment})` : ''}: ${plan.model} model, ${plan.segments.length} segment(s), ${plan.request.method} ${redactUrl(plan.request.url)}`,
    );
    link.send({ kind: 'ready', runId, assignment });
    engine.start();
    void engine.done.then((result) => {
      // Before the Done: which `unique` rows were taken, and the rest back to the pool (lost if unsent).
      for (const [feeder, feed] of feeds) {
        const { used, unused } = feed.account();
        if (this.welcome !== undefined) this.link?.send({ kind: 'rows-account', runId, assignment, feeder, used, unused });
      }
      this.feeds.delete(key);
      this.deliver({
        kind: 'done', runId, assignment, lastSeq: result.lastSeq, main: result.main, warmup: result.warmup, durationMs: result.mainDurationMs,
      });
      this.opts.log('info', `run ${runId} done: ${result.main.requests} requests, ${result.main.dropped} dropped`);
      this.runs.delete(key);
      if (this.state === 'running' && !this.issuing()) this.state = 'idle';
    });
  }

  /** Queues figures until acknowledged, and sends them now when connected. */
  private deliver(m: Figures): void {
    this.outbox.set(figureKey(m.runId, m.assignment, m.kind === 'done' ? 'done' : m.seq), m);
    const limit = this.opts.outboxLimit ?? 3_600;
    while (this.outbox.size > limit) {
      const oldest = [...this.outbox].find(([, v]) => v.kind === 'snapshot');
      if (oldest === undefined) break;
      this.outbox.delete(oldest[0]);
      this.outboxDroppedCount++;
      if (this.outboxDroppedCount === 1 || this.outboxDroppedCount % 100 === 0) {
        this.opts.log('error', `outbox full (${limit}): dropped ${this.outboxDroppedCount} unacknowledged snapshot(s) so far; the run's Done still carries their totals`);
      }
    }
    if (this.welcome !== undefined) this.link?.send(m);
  }

  private onAck(m: AckMsg): void {
    if (m.unknownRun) {
      let n = 0;
      for (const [key, v] of [...this.outbox]) {
        if (v.runId === m.runId) {
          this.outbox.delete(key);
          n++;
        }
      }
      if (n > 0) this.opts.log('warn', `the coordinator does not know run ${m.runId} (did it restart?): discarded ${n} unsent snapshot(s)/Done(s)`);
    } else {
      this.outbox.delete(figureKey(m.runId, m.assignment, m.done ? 'done' : m.seq));
    }
    for (const w of [...this.ackWaiters]) w();
  }

  private findRun(runId: string, assignment: number): ActiveRun | undefined {
    return this.runs.get(`${runId}/${assignment}`);
  }

  /** A new share of one scenario: capped at this agent's own ceilings, applied, acknowledged. */
  private onShareChange(m: ShareChangeMsg): void {
    const run = this.findRun(m.runId, m.assignment);
    if (run === undefined || run.stopping) return; // a change for a run that already ended: nothing to do
    // Rates are capped at --max-rate (and at the bound of any test, MAX_RATE_RPS), loop counts at --max-in-flight.
    const ownRateCap = this.opts.maxRateRps;
    let cap: number | undefined;
    let why: string;
    switch (m.share.kind) {
      case 'rate':
        if (ownRateCap === undefined || ownRateCap > MAX_RATE_RPS) {
          cap = MAX_RATE_RPS;
          why = `${MAX_RATE_RPS} req/s, the highest rate any test may ask for`;
        } else {
          cap = ownRateCap;
          why = `its --max-rate ${cap} req/s`;
        }
        break;
      case 'loops':
        cap = this.opts.maxInFlight;
        why = `its --max-in-flight ${cap} loops`;
        break;
      default:
        assertNever(m.share.kind);
    }
    const t = capTail(m.share.tail, cap);
    run.engine.change({ kind: m.share.kind, tail: t.tail }, m.scenario);
    if (t.capped) {
      const message = `agent ${this.opts.agentId} capped change ${m.changeId} at ${why}`;
      this.opts.log('warn', message);
      this.link?.send({ kind: 'limit-capped', runId: m.runId, assignment: m.assignment, changeId: m.changeId, message });
    }
    this.link?.send({ kind: 'applied', runId: m.runId, assignment: m.assignment, changeId: m.changeId, appliedAtMs: run.engine.mainElapsedMs() });
  }

  private onStop(m: StopMsg): void {
    const matching = [...this.runs.values()].filter((r) => r.runId === m.runId && !r.stopping);
    if (matching.length === 0) return;
    this.opts.log('info', `run ${m.runId}: stop requested (${m.reason || 'no reason given'})`);
    for (const run of matching) {
      run.stopping = true;
      run.engine.stop(m.reason);
    }
  }

  private onLinkClosed(link: AgentLink, error: LoadfleetError | undefined): void {
    if (link !== this.link) return;
    this.link = undefined;
    this.clearTimers();
    // A fleet must never keep hammering a target with nobody in charge. The figures stay in the outbox.
    for (const run of this.runs.values()) {
      if (run.stopping) continue;
      run.stopping = true;
      this.opts.log('warn', `lost the coordinator during run ${run.runId}; stopping its load (figures kept for resending)`);
      run.engine.stop('coordinator connection lost');
    }
    for (const w of [...this.ackWaiters]) w();
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
    const why = this.selfClosed ?? (error === undefined ? 'coordinator closed the connection' : error.message);
    this.selfClosed = undefined;
    this.opts.log('warn', `${why}; reconnecting in ${Math.round(delayMs)} ms`);
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
