// `loadfleet status [--json] --coordinator HOST:PORT`: the fleet's agents and the running test, if any
// (while its setup runs, before any load: the agent running it and for how long).
import type { Io } from '../../common/runtime/io.js';
import { withRemote } from '../control-args.js';
import type { ControlArgs } from '../control-args.js';
import type { SetupStatus } from '../../coordinator/run/setup-phase.js';

/** `test run-…: setup running on agent s1 since 3 s (no load yet)`. */
export function setupLine(s: SetupStatus): string {
  const on = s.agentId === null ? 'setup waiting for an agent' : `setup running on agent ${s.agentId} since ${Math.round(s.onAgentMs / 1000)} s`;
  return `test ${s.runId}: ${on} (no load yet; \`loadfleet stop\` ends it before any load)`;
}

export async function statusCommand(io: Io, args: ControlArgs & { json: boolean }): Promise<number> {
  const s = await withRemote(io, args, (c) => c.status());
  if (args.json) {
    io.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(`agents: ${s.agents.length}\n`);
  for (const a of s.agents) io.stdout.write(`  ${a.id.padEnd(20)} ${a.state.padEnd(5)} ${a.host} (${a.cores} cores) ${a.runId ?? ''}\n`);
  if (s.run === null && s.setup !== undefined) io.stdout.write(`${setupLine(s.setup)}\n`);
  else if (s.run === null) io.stdout.write('no test running\n');
  else {
    const r = s.run;
    // Several scenarios at once may run both models: then both.
    // With flows the target is flow runs per second: each rate is shown in its own unit.
    const flows = r.live?.flowRps;
    const unit = flows === undefined ? '' : 'flows ';
    const target = r.concurrency > 0 && r.targetRps > 0 ? `target ${unit}${r.targetRps.toFixed(1)}/s + concurrency ${r.concurrency}`
      : r.concurrency > 0 ? `concurrency ${r.concurrency}` : `target ${unit}${r.targetRps.toFixed(1)}/s`;
    const achieved = flows === undefined ? `achieved ${r.live?.achievedRps.toFixed(1)}/s` : `flows ${flows.toFixed(1)}/s started, requests ${r.live?.achievedRps.toFixed(1)}/s`;
    const live = r.live === null ? 'no interval reported yet'
      : `${achieved}, p50 ${r.live.p50Ms} ms, p99 ${r.live.p99Ms} ms, errors ${r.live.errors}, failed ${r.live.failed ?? 0}`;
    io.stdout.write(`test ${r.runId}: ${r.state}, ${Math.round(r.elapsedMs / 1000)}/${Math.round(r.totalMs / 1000)} s, ${target}, ${live}; on agent loss: ${r.onAgentLoss}\n`);
    io.stdout.write(`  ${'agent'.padEnd(16)} ${'state'.padEnd(9)} ${'share'.padStart(10)} ${'achieved'.padStart(10)} ${'loop p99'.padStart(9)} ${'lag p99'.padStart(8)} ${'last snap'.padStart(9)}\n`);
    for (const a of r.agents) {
      const share = r.concurrency > 0 && r.targetRps > 0 ? `${a.rateRps.toFixed(1)}/s+${a.concurrency}` : r.concurrency > 0 ? `${a.concurrency}` : `${a.rateRps.toFixed(1)}/s`;
      const ms = (v: number | null): string => (v === null ? '-' : `${v.toFixed(1)}ms`);
      io.stdout.write(
        `  ${a.id.padEnd(16)} ${a.state.padEnd(9)} ${share.padStart(10)} ${(a.achievedRps === null ? '-' : `${a.achievedRps.toFixed(1)}/s`).padStart(10)} ` +
          `${ms(a.eventLoopP99Ms).padStart(9)} ${ms(a.scheduleLagP99Ms).padStart(8)} ${(a.lastSnapshotAgeMs === null ? '-' : `${(a.lastSnapshotAgeMs / 1000).toFixed(1)}s`).padStart(9)}\n`,
      );
    }
  }
  return 0;
}
