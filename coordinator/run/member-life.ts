// The members' lifecycle in one run: a member leaves (on purpose, or Done
// early), fails (its own failure, or silent past the grace) or is lost (its stream ended or heartbeats
// missed; AgentLossPolicy says what then happens to its share and to the run), or ends with its Done. Each
// end is one timeline event and one notice; a member's unaccounted `unique` rows are lost when it ends.
// The run passes itself as `run`: its state, its stop, and settle() (it may finish once no member is
// active; called after every end). A lost member may come back (a paused coordinator or a network blip
// loses every agent at once; they reconnect and resend what was not acknowledged): awaitLost() says
// how long the run waits for that.
import type { Clock, TimerHandle } from '../../common/runtime/clock.js';
import type { FailureCode } from '../../common/protocol/messages.js';
import type { RunData } from '../data/delivery.js';
import type { LiveChanges } from './live-changes.js';
import type { RunTimeline } from './timeline.js';
import { isActive, isLive } from './members.js';
import type { Member, RunMembers } from './members.js';
import type { AgentLossPolicy, RunListener, RunState } from './test-run-api.js';

export interface MemberLifeOptions {
  members: RunMembers;
  changes: LiveChanges;
  data: RunData;
  time: RunTimeline;
  listener: RunListener;
  policy: AgentLossPolicy;
  /** The main phase's planned length, ms. */
  mainMs: number;
  snapshotIntervalMs: number;
  clock: Clock;
  /** How long an agent drains in-flight requests after its schedule ends (the request timeout), ms. */
  drainMs: number;
  /** Past the planned end plus this, members that sent no Done are given up on, ms. */
  finishGraceMs: number;
  run: { state(): RunState; stop(reason: string): void; settle(): void };
}

export class MemberLife {
  /** Members that failed, in order (the report's failures). */
  readonly failures: string[] = [];
  /** Set when a member was lost under --on-agent-loss fail: why the run was aborted. */
  abortedForLoss: string | undefined;
  private readonly opts: MemberLifeOptions;
  /** Run ms (since start) of the run's stop; undefined while the schedule runs its course. */
  private stoppedAtMs: number | undefined;
  /** Ends the wait for lost members (armed while only lost members are left). */
  private lostWait: TimerHandle | undefined;

  constructor(opts: MemberLifeOptions) {
    this.opts = opts;
  }

  /** After a membership change: every live member (but skipKey) gets its new shares (only while running). */
  reshare(why: string, skipKey?: string): void {
    if (this.opts.run.state() !== 'running' || this.opts.members.live().length === 0) return;
    this.opts.changes.sendShares({ kind: 'reshare', detail: why }, skipKey);
  }

  /** The member's Done was merged. Done well before the schedule's end without a stop: it left. */
  done(m: Member): void {
    const { time } = this.opts;
    const wasLive = isLive(m);
    if (m.state === 'lost') time.event({ kind: 'recovered', agentId: m.key, detail: 'its figures arrived after it was lost: merged' });
    m.state = 'done';
    // Its RowsAccounts come before its Done on the stream: unique rows still held now are lost.
    this.opts.data.memberEnded(m.key, 'it ended without accounting for them');
    // Done well before the schedule's end without a stop: the agent left; its share moves on.
    const early = time.inMain() ? this.opts.mainMs - time.mainElapsedMs() > this.opts.snapshotIntervalMs : true;
    if (wasLive && this.opts.run.state() === 'running' && early) this.left(m, 'ended its assignment early');
    this.opts.run.settle();
  }

  /** The member capped a live change at its own ceiling: not fatal, it runs on there; the fleet delivers less than asked. */
  capped(m: Member, message: string): void {
    this.opts.time.event({ kind: 'limit', agentId: m.key, detail: message });
    this.opts.listener.onNotice('warn', message);
  }

  /** The member reported a failure: it ends. */
  failure(m: Member, code: FailureCode, message: string): void {
    if (m.state === 'done' || m.state === 'failed') return;
    this.gone(m, 'failed', `${code}: ${message}`);
  }

  /** The member says it is leaving (a live one only): its share moves on; its Done is still awaited. */
  leaving(m: Member, reason: string): void {
    if (!isLive(m)) return;
    m.state = 'leaving';
    this.left(m, reason || 'leaving');
  }

  /** The agent's stream ended or it missed its heartbeats: every active assignment of it is lost. */
  agentLeft(agentId: string, reason: string): void {
    for (const m of this.opts.members.all()) {
      if (m.agentId !== agentId) continue;
      if (isActive(m)) this.gone(m, 'lost', reason);
    }
  }

  /** Past the end plus the grace: members still connected but silent have failed (not lost: no share moves). */
  giveUp(): void {
    for (const m of this.opts.members.all()) {
      if (isActive(m)) this.gone(m, 'failed', 'sent no final report in time');
    }
    // Lost members that never came back: stop waiting for them.
    this.opts.run.settle();
  }

  /** The member failed or was lost; a loss mid-test follows the policy. */
  gone(m: Member, state: 'failed' | 'lost', reason: string): void {
    const { time, run, policy } = this.opts;
    const wasLive = isLive(m);
    m.state = state;
    this.opts.data.memberEnded(m.key, `agent ${state}`);
    const msg = `agent ${m.key} ${state}: ${reason}`;
    time.event({ kind: state, agentId: m.key, detail: reason });
    this.opts.listener.onNotice('error', msg);
    if (state === 'failed') this.failures.push(msg);
    if (state === 'lost' && run.state() === 'running' && time.inMain() && time.mainElapsedMs() < this.opts.mainMs) {
      if (policy === 'fail') {
        this.abortedForLoss = msg;
        run.stop(`${msg} (--on-agent-loss fail)`);
      } else if (policy === 'rebalance' && wasLive) {
        this.reshare(`agent ${m.key} lost`);
      }
    } else if (state === 'lost' && policy === 'rebalance' && wasLive && run.state() === 'running') {
      this.reshare(`agent ${m.key} lost`);
    }
    run.settle();
  }

  /** The run was stopped: its schedule ends now (for awaitLost). */
  stopped(): void {
    this.stoppedAtMs ??= this.opts.time.elapsedMs();
  }

  /**
   * Called when no member is active: true while the run should wait for lost members (no Done yet) to
   * reconnect and resend their figures, which merge exactly once; run.settle() is called again when the
   * wait is over. The wait ends at the schedule's end (or the stop, if earlier) plus the drain, and
   * never past the give-up.
   */
  awaitLost(): boolean {
    const lost = this.opts.members.all().filter((m) => m.state === 'lost');
    if (lost.length === 0) return false;
    const { time } = this.opts;
    const planEndMs = time.warmupMs + this.opts.mainMs;
    const endMs = Math.min(planEndMs, this.stoppedAtMs ?? planEndMs);
    const untilMs = Math.min(planEndMs + this.opts.finishGraceMs, endMs + this.opts.drainMs);
    const leftMs = untilMs - time.elapsedMs();
    if (leftMs <= 0) return false;
    if (this.lostWait === undefined) {
      this.opts.listener.onNotice('warn', `waiting up to ${Math.ceil(leftMs / 1000)} s for lost agent(s) ${lost.map((m) => m.key).join(', ')} to reconnect and resend their figures`);
    }
    // Re-armed on every call: a stop meanwhile brings the end closer.
    this.lostWait?.cancel();
    this.lostWait = this.opts.clock.after(leftMs, () => this.opts.run.settle());
    return true;
  }

  /** The run finished: no more waiting. Idempotent. */
  cancel(): void {
    this.lostWait?.cancel();
  }

  /** A member stopped taking load on purpose (leaving, or Done early): its share goes to the others. */
  private left(m: Member, reason: string): void {
    this.opts.time.event({ kind: 'leave', agentId: m.key, detail: reason });
    this.opts.listener.onNotice('warn', `agent ${m.key} left: ${reason}`);
    if (this.opts.members.live().length === 0) {
      this.opts.listener.onNotice('error', 'no agent left to carry the load');
      return;
    }
    this.reshare(`agent ${m.key} left`);
  }
}
