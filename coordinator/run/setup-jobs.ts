// The scenario's setup and teardown, once for the whole fleet: each job runs on ONE agent (its own
// allow-list and limits apply: it vets the job's plan like an Assign) and answers with one SetupResult.
//
// Rules:
// - An agent is picked from candidates() (connected agents, the run's first), in order.
// - The agent answers ok: the job is done; values go to the caller (never into the report).
// - The agent answers not ok (a failed step, or it refused the plan): the job failed; no other agent
//   tries it (the steps, the target or the allow-list decide, not the agent).
// - The agent is lost or leaves before answering: the job moves to the next candidate not yet tried
//   (a request it sent before it was lost may have reached the target: a login may then count twice).
//   No candidate left: the job failed ("no agent left").
// - No answer within the job's time (its requests' timeouts and think times plus a margin): the job
//   failed (a slow target is not the agent's fault; a second agent would wait as long).
// Time comes from the injected clock. Never touches `process`.
import type { Clock, TimerHandle } from '../../common/runtime/clock.js';
import type { CoordMsg, SetupPart, SetupResultMsg } from '../../common/protocol/messages.js';
import type { AgentPlan } from '../../common/plan/agent-plan.js';
import type { Scenario } from '../../common/scenario/scenario.js';
import type { SetupRecord } from '../report/setup-figures.js';

/** Beyond the steps' own timeouts and think times, how long an agent may take to answer, ms. */
export const SETUP_MARGIN_MS = 10_000;

export interface SetupJobsOptions {
  runId: string;
  scenario: Scenario;
  snapshotIntervalMs: number;
  clock: Clock;
  send: (agentId: string, m: CoordMsg) => boolean;
  /** Agents that may run a job now, preferred first (connected ones only). */
  candidates: () => string[];
  notice: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface SetupJobResult {
  record: SetupRecord;
  /** What setup extracted (ok setup jobs only). */
  values: Record<string, unknown>;
}

interface Pending {
  job: number;
  part: SetupPart;
  purpose: SetupRecord['purpose'];
  atMs: number;
  planFor: (agentId: string) => AgentPlan;
  tried: Set<string>;
  movedFrom: string[];
  agentId: string | undefined;
  /** When it was sent to agentId (clock ms). */
  sentAtMs: number;
  timer: TimerHandle | undefined;
  resolve: (r: SetupJobResult) => void;
}

/** The most an agent may take over `part`'s steps, ms. */
export function jobTimeoutMs(scenario: Scenario, part: SetupPart): number {
  const program = scenario.program;
  const steps = program?.[part]?.steps ?? [];
  let ms = SETUP_MARGIN_MS;
  for (const s of steps) ms += s.thinkMs + (s.request === undefined ? 0 : program?.requests[s.request]?.timeoutMs ?? 0);
  return ms;
}

/**
 * The plan a job ships: the run's program (no data rows: setup and teardown read none) and no load (one
 * segment of rate 0), so an agent's vetting sees the origins and the TLS policy, not a share of the rate.
 */
export function setupJobPlan(runId: string, scenario: Scenario, snapshotIntervalMs: number, setupValues: Record<string, unknown> | undefined): AgentPlan {
  const { request } = scenario;
  const plan: AgentPlan = {
    runId,
    request: { url: request.url, method: request.method, headers: { ...request.headers }, timeoutMs: request.timeout },
    model: 'open',
    segments: [{ durationMs: 1, from: 0, to: 0 }],
    warmupMs: 0,
    maxInFlight: 1,
    connections: 1,
    snapshotIntervalMs,
  };
  if (scenario.program !== undefined) plan.program = { ...scenario.program, data: {} };
  if (scenario.tls !== undefined) plan.tls = scenario.tls;
  if (setupValues !== undefined) plan.setupValues = setupValues;
  return plan;
}

export class SetupJobs {
  private readonly opts: SetupJobsOptions;
  private readonly pending = new Map<number, Pending>();
  private nextJob = 1;

  constructor(opts: SetupJobsOptions) {
    this.opts = opts;
  }

  /**
   * Runs `part` once on one agent. `setupValues`: what teardown (and nothing else) sees of setup.
   * `atMs`: when, in ms since the run's start, for the record. Never rejects.
   */
  run(part: SetupPart, purpose: SetupRecord['purpose'], setupValues: Record<string, unknown> | undefined, atMs: number): Promise<SetupJobResult> {
    const { runId, scenario, snapshotIntervalMs } = this.opts;
    return new Promise((resolve) => {
      const p: Pending = {
        job: this.nextJob++, part, purpose, atMs, tried: new Set(), movedFrom: [], agentId: undefined, sentAtMs: this.opts.clock.nowMs(), timer: undefined, resolve,
        planFor: () => setupJobPlan(runId, scenario, snapshotIntervalMs, part === 'teardown' ? setupValues : undefined),
      };
      this.pending.set(p.job, p);
      this.dispatch(p);
    });
  }

  /** A SetupResult from an agent: the job it answers ends (a late or foreign answer is ignored). */
  onResult(agentId: string, m: SetupResultMsg): void {
    if (m.runId !== this.opts.runId) return;
    const p = this.pending.get(m.job);
    if (p === undefined || p.agentId !== agentId) return;
    const names = Object.keys(m.values);
    this.finish(p, { ran: true, ok: m.ok, message: m.ok ? '' : m.message, values: p.part === 'setup' && m.ok ? names : [], figures: m.figures }, m.ok ? m.values : {});
  }

  /** The agent's stream ended or it missed its heartbeats: its job moves to the next agent. */
  onAgentLeft(agentId: string, reason: string): void {
    for (const p of [...this.pending.values()]) {
      if (p.agentId !== agentId) continue;
      p.timer?.cancel();
      p.movedFrom.push(agentId);
      this.opts.notice('warn', `agent ${agentId} was lost while running the ${p.purpose} (${reason}); trying another agent`);
      this.dispatch(p);
    }
  }

  /** The jobs under way: on which agent (null: none took it yet) and since when (clock ms), oldest first. */
  running(): { purpose: SetupRecord['purpose']; agentId: string | null; sinceMs: number }[] {
    return [...this.pending.values()].map((p) => ({ purpose: p.purpose, agentId: p.agentId ?? null, sinceMs: p.sentAtMs }));
  }

  /**
   * Ends every job still waiting, not ok with `why` (the coordinator shuts down, or the run was stopped
   * during its setup); an agent's later answer to one is ignored. Idempotent.
   */
  cancel(why: string): void {
    for (const p of [...this.pending.values()]) this.finish(p, { ran: p.agentId !== undefined, ok: false, message: why, values: [], figures: undefined }, {});
  }

  private dispatch(p: Pending): void {
    for (const id of this.opts.candidates()) {
      if (p.tried.has(id)) continue;
      p.tried.add(id);
      const sent = this.opts.send(id, { kind: 'setup-job', runId: this.opts.runId, job: p.job, part: p.part, planJson: JSON.stringify(p.planFor(id)) });
      if (!sent) {
        p.movedFrom.push(id);
        continue;
      }
      p.agentId = id;
      p.sentAtMs = this.opts.clock.nowMs();
      const ms = jobTimeoutMs(this.opts.scenario, p.part);
      p.timer = this.opts.clock.after(ms, () => {
        this.finish(p, { ran: true, ok: false, message: `agent ${id} gave no answer within ${Math.round(ms / 1000)} s`, values: [], figures: undefined }, {});
      });
      return;
    }
    const tried = p.movedFrom.length > 0 ? ` (lost on ${p.movedFrom.join(', ')})` : '';
    this.finish(p, { ran: p.movedFrom.length > 0, ok: false, message: `no agent left to run it${tried}`, values: [], figures: undefined }, {});
  }

  private finish(
    p: Pending,
    r: { ran: boolean; ok: boolean; message: string; values: string[]; figures: SetupResultMsg['figures'] | undefined },
    values: Record<string, unknown>,
  ): void {
    if (!this.pending.delete(p.job)) return;
    p.timer?.cancel();
    const f = r.figures ?? { requests: 0, durationMs: 0, steps: [] };
    p.resolve({
      record: {
        part: p.part, purpose: p.purpose, atMs: p.atMs, ran: r.ran, agentId: p.agentId ?? null, ok: r.ok, message: r.message, values: r.values,
        requests: f.requests, durationMs: f.durationMs, steps: f.steps, movedFrom: p.movedFrom,
      },
      values,
    });
  }
}
