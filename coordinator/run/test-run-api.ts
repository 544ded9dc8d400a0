// The public face of test-run.ts: what a run is given (TestRunOptions), what it tells its listener and
// what its status says. test-run.ts re-exports all of it; importers import from there.
import type { CoordMsg } from '../../common/protocol/messages.js';
import type { Clock } from '../../common/runtime/clock.js';
import type { Scenario } from '../../common/scenario/scenario.js';
import type { DataPieces } from '../data/delivery.js';
import type { MemberStatus } from './members.js';
import type { LiveFigures, LiveLine } from './ticks.js';
import type { SetupJobResult, SetupJobs } from './setup-jobs.js';

export interface RunListener {
  onTick(line: LiveLine): void;
  onNotice(level: 'info' | 'warn' | 'error', message: string): void;
}

/** What happens to an agent's share when it is lost (stream ended or heartbeats missed). */
export type AgentLossPolicy = 'rebalance' | 'fail' | 'continue';
export const AGENT_LOSS_POLICIES: readonly AgentLossPolicy[] = ['rebalance', 'fail', 'continue'];

export interface TestRunOptions {
  runId: string;
  scenario: Scenario;
  agents: readonly { id: string; host: string }[];
  clock: Clock;
  /** Wall-clock epoch ms of the start, for the report only. */
  startedAtEpochMs: number;
  snapshotIntervalMs: number;
  send: (agentId: string, m: CoordMsg) => boolean;
  listener: RunListener;
  /** Grace after the planned end before agents that sent no Done are given up on. */
  finishGraceMs?: number;
  onAgentLoss?: AgentLossPolicy;
  /** Move rate away from a saturated agent while others have room (default true). */
  shiftOnSaturation?: boolean;
  /** The chunked data files' pieces (data/delivery.ts prepareDataPieces); built at once when absent. */
  dataPieces?: DataPieces;
  /** The initial agents already got the pieces for their first assignment (data/delivery.ts sendPiecesAhead). */
  piecesSentAhead?: boolean;
  /**
   * The scenario's setup and teardown (run/setup-jobs.ts): `first` is what the setup before the run came
   * to (undefined: the scenario has teardown only). Absent: it has neither.
   */
  setup?: { jobs: SetupJobs; first: SetupJobResult | undefined };
}

export type RunState = 'running' | 'stopping' | 'finished';

export interface RunStatus {
  runId: string;
  state: RunState;
  elapsedMs: number;
  totalMs: number;
  targetRps: number;
  concurrency: number;
  onAgentLoss: AgentLossPolicy;
  /** The newest main-phase interval every live agent reported (null before the first). */
  live: LiveFigures | null;
  agents: MemberStatus[];
}
