// The coordinator's cost of per-request figures: addSnapshot with the language's per-name deltas, and
// the live rows every tick (aggregator.liveRequests). Agents are simulated by RequestRecorders in this
// process (their memory is in the heap figures, not the coordinator's). Run alone:
//   node dist/bench/live-requests.js [names] [agents] [seconds]
import { Aggregator } from '../coordinator/merge/aggregator.js';
import { RequestRecorder } from '../agent/engine/request-recorder.js';
import { emptyStats } from '../common/metrics/stats.js';
import { prng } from '../test/helpers/prng.js';

const [names, agents, seconds] = process.argv.slice(2).map(Number) as [number?, number?, number?];
const NAMES = names ?? 50;
const AGENTS = agents ?? 20;
const SECONDS = seconds ?? 30;
const PER_AGENT_SECOND = 2_000;

const agg = new Aggregator({ intervalMs: 1000 });
const recorders = Array.from({ length: AGENTS }, () => new RequestRecorder());
const r = prng(1);
let addMs = 0;
let liveMs = 0;
for (let s = 0; s < SECONDS; s++) {
  for (let a = 0; a < AGENTS; a++) {
    const rec = recorders[a] as RequestRecorder;
    for (let k = 0; k < PER_AGENT_SECOND; k++) {
      rec.onEnd(`req-${k % NAMES}`, { outcome: 200, failed: false, latencyMs: 1 + r() * r() * 300, checksPassed: 1, failedChecks: [], extractFailed: 0, bodyTruncated: false });
    }
    const requestNames = rec.takeDelta();
    const t0 = performance.now();
    agg.addSnapshot({ agentId: `a${a}`, seq: s + 1, phase: 'main', intervalIndex: s, intervalMs: 1000, stats: { ...emptyStats(), requestNames }, rateRps: 0, concurrency: 0 });
    addMs += performance.now() - t0;
  }
  const t1 = performance.now();
  agg.liveRequests('main', s, 50);
  liveMs += performance.now() - t1;
}
console.log(`${NAMES} names, ${AGENTS} agents, ${SECONDS} s: addSnapshot ${(addMs / (AGENTS * SECONDS)).toFixed(2)} ms each; live rows ${(liveMs / SECONDS).toFixed(1)} ms per tick`);
for (const rec of recorders) rec.destroy();
agg.destroy();
