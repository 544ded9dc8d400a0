// Runs the real product path for the bench: `node bin/loadfleet.js run scenario.json --agents 1 ...`
// (CLI -> coordinator -> gRPC -> one local agent process), pinned to the generator core, and reads the
// report.json it writes. Only the scenario differs between the closed and open runs.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../coordinator/report/report.js';
import { BenchError, runCaptured, tail } from './proc.js';
import type { Pinning } from './proc.js';

export const GENERATOR_CORE = 1;
export const CONNECTIONS = 64;

export interface LoadfleetRunOptions {
  root: string;
  tmpDir: string;
  pin: Pinning;
  /** File stem of the scenario and report in tmpDir, e.g. "closed-1". */
  name: string;
  url: string;
  load: Record<string, unknown>;
  warmupS: number;
  durationS: number;
}

export interface LoadfleetRun {
  report: Report;
  exitCode: number;
  /** The command line, for the README and the results file. */
  command: string;
}

/** The `load` of the closed-loop comparison: 64 loops on 64 connections. */
export function closedLoad(durationS: number): Record<string, unknown> {
  return { model: 'closed', concurrency: CONNECTIONS, connections: CONNECTIONS, duration: `${durationS}s` };
}

/** The `load` of one open-model rung: a constant rate with a generous in-flight cap. */
export function openLoad(rateRps: number, durationS: number): Record<string, unknown> {
  return { model: 'open', rate: rateRps, duration: `${durationS}s`, maxInFlight: 20_000, connections: CONNECTIONS };
}

/** Exit codes of `loadfleet run` that come with a complete report (0 pass, 4 generator-bound). */
const REPORTED = new Set([0, 4]);

export async function runLoadfleet(o: LoadfleetRunOptions): Promise<LoadfleetRun> {
  const cli = join(o.root, 'bin', 'loadfleet.js');
  if (!existsSync(join(o.root, 'dist', 'cli', 'main.js'))) throw new BenchError('loadfleet is not built: run `npm run build` (npm run bench does it)');
  const scenarioPath = join(o.tmpDir, `${o.name}.json`);
  const reportPath = join(o.tmpDir, `${o.name}.report.json`);
  writeFileSync(scenarioPath, JSON.stringify({ name: `bench-${o.name}`, request: { url: o.url, method: 'GET' }, load: o.load, warmup: `${o.warmupS}s` }, null, 2));
  const args = [cli, 'run', scenarioPath, '--agents', '1', '--warmup', `${o.warmupS}s`, '--out', reportPath];
  const [cmd, argv] = o.pin.wrap(GENERATOR_CORE, process.execPath, args);
  const r = await runCaptured(cmd, argv, { cwd: o.root, timeoutMs: (o.warmupS + o.durationS + 60) * 1000, what: `loadfleet (${o.name})` });
  const code = r.code ?? -1;
  const command = `${o.pin.enabled ? `taskset -c ${GENERATOR_CORE} ` : ''}node bin/loadfleet.js run ${o.name}.json --agents 1 --warmup ${o.warmupS}s --out report.json`;
  if (!REPORTED.has(code) || !existsSync(reportPath)) {
    let why = '';
    if (existsSync(reportPath)) {
      const rep = JSON.parse(readFileSync(reportPath, 'utf8')) as Report;
      why = `: verdict ${rep.verdict}${rep.verdictReasons.length > 0 ? ` (${rep.verdictReasons.join('; ')})` : ''}`;
    }
    throw new BenchError(`loadfleet (${o.name}) exited with code ${r.code ?? r.signal}${why}`, tail(r.stdout + r.stderr));
  }
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as Report;
  return { report, exitCode: code, command };
}
