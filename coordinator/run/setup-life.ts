// A run's setup values over its life (owned by test-run.ts): the values of the setup before the run,
// refreshed every `setup.refresh` of the main phase while the run runs (each refresh one SetupJob on one agent; the new
// values go to every live member in SetupValues, and joiners' plans carry the newest), and the teardown
// once no member is active (stopped, aborted, agents lost or not), before the report. A failed refresh
// keeps the old values, is an error notice and makes the verdict setup-failed (exit 9); so does a failed
// teardown, or one that could not run (no agent connected).
import type { Clock, TimerHandle } from '../../common/runtime/clock.js';
import type { CoordMsg } from '../../common/protocol/messages.js';
import type { Scenario } from '../../common/scenario/scenario.js';
import type { SetupRecord, SetupReport } from '../report/setup-figures.js';
import type { SetupJobResult, SetupJobs } from './setup-jobs.js';
import { isLive } from './members.js';
import type { RunMembers } from './members.js';
import type { RunTimeline } from './timeline.js';
import type { RunListener, RunState } from './test-run-api.js';

export interface RunSetupOptions {
  runId: string;
  scenario: Scenario;
  jobs: SetupJobs;
  first: SetupJobResult | undefined;
  clock: Clock;
  time: RunTimeline;
  members: RunMembers;
  listener: RunListener;
  send: (agentId: string, m: CoordMsg) => boolean;
  state: () => RunState;
}

export class RunSetup {
  private readonly opts: RunSetupOptions;
  private current: Record<string, unknown> | undefined;
  private generation = 1;
  private refreshing = false;
  private readonly refreshes: SetupRecord[] = [];
  private teardown: SetupRecord | null = null;
  private tearing: 'no' | 'running' | 'done' = 'no';
  private timer: TimerHandle | undefined;

  constructor(opts: RunSetupOptions) {
    this.opts = opts;
    this.current = opts.first?.values;
  }

  /** Setup's newest values (undefined: the scenario has no setup). */
  values(): Record<string, unknown> | undefined {
    return this.current;
  }

  /** Starts the refresh timer when the scenario asks for one: every refreshMs of the main phase. */
  start(): void {
    const ms = this.opts.scenario.program?.setup?.refreshMs;
    if (ms === undefined || this.opts.first === undefined) return;
    this.timer = this.opts.clock.after(this.opts.time.warmupMs, () => {
      if (this.tearing !== 'no') return;
      this.timer = this.opts.clock.every(ms, () => this.refresh());
    });
  }

  /** Runs setup again on one agent (skipped while one is under way or once the run stops). */
  refresh(): void {
    if (this.refreshing || this.opts.state() !== 'running') return;
    this.refreshing = true;
    void this.opts.jobs.run('setup', 'refresh', undefined, this.opts.time.elapsedMs()).then(({ record, values }) => {
      this.refreshing = false;
      this.refreshes.push(record);
      if (!record.ok) {
        this.opts.listener.onNotice('error', `setup refresh failed${record.agentId === null ? '' : ` on agent ${record.agentId}`}: ${record.message}; the agents keep the previous values (verdict: setup-failed, exit 9)`);
        return;
      }
      this.current = values;
      this.generation++;
      let sent = 0;
      if (this.opts.state() !== 'finished') {
        for (const m of this.opts.members.all()) {
          if (!isLive(m)) continue;
          if (this.opts.send(m.agentId, { kind: 'setup-values', runId: this.opts.runId, assignment: m.assignment, values, generation: this.generation })) sent++;
        }
      }
      this.opts.listener.onNotice('info', `setup refreshed on agent ${record.agentId ?? '?'}: new values (${record.values.join(', ') || 'none'}) sent to ${sent} agent(s)`);
    });
  }

  /**
   * Called once no member is active: true while the teardown runs (settle() is called when it ends),
   * false once it ran or when the scenario has none.
   */
  tearDown(settle: () => void): boolean {
    this.timer?.cancel();
    if (this.opts.scenario.program?.teardown === undefined || this.tearing === 'done') return false;
    if (this.tearing === 'running') return true;
    this.tearing = 'running';
    this.opts.listener.onNotice('info', 'running the teardown on one agent');
    void this.opts.jobs.run('teardown', 'teardown', this.current, this.opts.time.elapsedMs()).then(({ record }) => {
      this.teardown = record;
      this.tearing = 'done';
      if (record.ok) this.opts.listener.onNotice('info', `teardown done on agent ${record.agentId ?? '?'} (${record.requests} request(s))`);
      else this.opts.listener.onNotice('error', `teardown ${record.ran ? `failed on agent ${record.agentId ?? '?'}` : 'did not run'}: ${record.message}`);
      settle();
    });
    return true;
  }

  /** The report's setup section. */
  report(): SetupReport {
    return { setup: this.opts.first?.record ?? null, refreshes: [...this.refreshes], teardown: this.teardown };
  }

  /** Stops refreshing. Idempotent. */
  cancel(): void {
    this.timer?.cancel();
  }
}
