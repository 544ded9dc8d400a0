// Runs one test on a real local fleet (coordinator in this process, agents as real processes over
// real gRPC on loopback) and returns its report.
import { systemClock } from '../../common/runtime/clock.js';
import { validateScenario } from '../../common/scenario/scenario.js';
import type { Scenario, ScenarioInput } from '../../common/scenario/scenario.js';
import { LocalFleet } from '../../coordinator/fleet/local-fleet.js';
import type { Report } from '../../coordinator/report/report.js';
import type { LiveLine, RunListener } from '../../coordinator/run/test-run.js';
import type { Coordinator } from '../../coordinator/coordinator.js';
import { AGENT_ENTRY } from './paths.js';

export function scenario(input: ScenarioInput): Scenario {
  const v = validateScenario(input);
  if (!v.ok) throw new Error(`bad test scenario: ${JSON.stringify(v.problems)}`);
  return v.scenario;
}

export interface LocalRunResult {
  report: Report;
  ticks: LiveLine[];
  notices: string[];
  agentLog: string[];
}

export async function startLocalFleet(agents: number, env: Record<string, string> = {}): Promise<{ fleet: LocalFleet; agentLog: string[] }> {
  const agentLog: string[] = [];
  const fleet = await LocalFleet.start({
    agents, agentEntry: AGENT_ENTRY, nodePath: process.execPath, env: { ...process.env, ...env }, clock: systemClock,
    version: 'test', log: () => {}, agentLog: (l) => agentLog.push(l),
  });
  return { fleet, agentLog };
}

/** Runs `s` on `agents` local agent processes; `during` may act on the coordinator while it runs. */
export async function runOnLocalFleet(
  agents: number,
  s: Scenario,
  opts: { env?: Record<string, string>; during?: (c: Coordinator) => void } = {},
): Promise<LocalRunResult> {
  const { fleet, agentLog } = await startLocalFleet(agents, opts.env);
  const ticks: LiveLine[] = [];
  const notices: string[] = [];
  const listener: RunListener = {
    onTick: (l) => ticks.push(l),
    onNotice: (level, m) => notices.push(`${level}: ${m}`),
  };
  try {
    const handle = await fleet.coordinator.start(s, listener, { minAgents: agents, waitAgentsMs: 10_000 });
    opts.during?.(fleet.coordinator);
    const report = await handle.report;
    return { report, ticks, notices, agentLog };
  } finally {
    await fleet.close();
  }
}
