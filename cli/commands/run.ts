// `loadfleet run scenario.yaml`: on N local agent processes, or on a remote coordinator's fleet.
import { availableParallelism } from 'node:os';
import { EXIT, LoadfleetError } from '../../common/runtime/errors.js';
import type { Io } from '../../common/runtime/io.js';
import { stderrLogger } from '../../common/runtime/io.js';
import type { Logger } from '../../common/runtime/io.js';
import { systemClock } from '../../common/runtime/clock.js';
import { readReadToken, readToken } from '../../common/runtime/token.js';
import { readTls } from '../../common/runtime/tls.js';
import type { TlsArgs } from '../../common/runtime/tls.js';
import type { Scenario } from '../../common/scenario/scenario.js';
import { parseDurationMs } from '../../common/scenario/duration.js';
import { describeRun } from '../run-header.js';
import { RemoteControl } from '../control-client.js';
import { LocalFleet } from '../../coordinator/fleet/local-fleet.js';
import type { Report } from '../../coordinator/report/report.js';
import type { AgentLossPolicy, LiveLine } from '../../coordinator/run/test-run.js';
import { applyOverrides, loadScenarioFile } from '../scenario-input.js';
import { parseEnvValues } from '../env-flags.js';
import type { Overrides } from '../scenario-input.js';
import { parseReport } from './report.js';
import { finishRun, liveCommandsHint, readLiveCommands, sentLine, stopOnSignal } from '../run-session.js';
import type { RunControl } from '../run-session.js';
import type { ExportPaths } from '../report-exports.js';
import { startHttpEndpoints } from '../http-endpoint.js';
import type { HttpEndpoints } from '../http-endpoint.js';
import { createLiveView } from '../live-output.js';

export interface RunArgs extends Overrides, TlsArgs, ExportPaths {
  scenario: string;
  /** `--env NAME=VALUE` / `--env NAME` (repeatable): values for `{{ $env.NAME }}` (cli/env-flags.ts). */
  env?: string | string[] | undefined;
  /** HOST:PORT for the coordinator's GET /metrics while the run lasts (local agents only). */
  metrics?: string | undefined;
  /** HOST:PORT for the live dashboard (local agents: default 127.0.0.1:0); false (`--no-dashboard`) turns it off. */
  dashboard?: string | false | undefined;
  agents?: number | undefined;
  out: string;
  coordinator?: string | undefined;
  tokenFile?: string | undefined;
  waitAgents: string;
  onAgentLoss: AgentLossPolicy;
  /** An 'incomplete' verdict becomes what the rest of the figures earn (coordinator/report/verdict.ts allowIncomplete). */
  allowIncomplete?: boolean | undefined;
  verbose: boolean;
}

/** Where the agents come from when running locally. */
export interface LocalRuntime {
  agentEntry: string;
  nodePath: string;
  version: string;
}

export async function runCommand(io: Io, args: RunArgs, rt: LocalRuntime): Promise<number> {
  const read = loadScenarioFile(io.cwd, args.scenario, parseEnvValues(args.env, io.env));
  if (!read.ok) {
    // The lines `loadfleet validate` prints (on stderr here: run's stdout is its live output), before any agent starts.
    for (const line of read.lines) io.stderr.write(`${line}\n`);
    io.stderr.write(`${args.scenario}: ${read.lines.length} problem(s)\n`);
    return EXIT.INVALID_INPUT;
  }
  const scenario = applyOverrides(read.scenario, args);
  if (args.coordinator !== undefined) {
    if (args.metrics !== undefined) {
      throw new LoadfleetError('USAGE', '--metrics serves the in-process coordinator of a local run', {
        hint: 'start the long-lived coordinator with `loadfleet coordinator --metrics HOST:PORT` instead',
      });
    }
    if (typeof args.dashboard === 'string') {
      throw new LoadfleetError('USAGE', '--dashboard serves the in-process coordinator of a local run', {
        hint: 'start the long-lived coordinator with `loadfleet coordinator --dashboard HOST:PORT` instead',
      });
    }
    return runRemote(io, args, scenario);
  }
  const agents = args.agents ?? availableParallelism();
  if (!Number.isInteger(agents) || agents < 1) throw new LoadfleetError('USAGE', `--agents must be a whole number >= 1, got ${args.agents}`);
  return runLocal(io, {
    scenario, agents, out: args.out, verbose: args.verbose, onAgentLoss: args.onAgentLoss, metrics: args.metrics, allowIncomplete: args.allowIncomplete === true,
    dashboard: args.dashboard === false || args.dashboard === 'false' ? undefined : (args.dashboard ?? '127.0.0.1:0'),
    controlToken: readToken(io.env, args.tokenFile, 'control'),
    readToken: readReadToken(io.env),
    exports: { html: args.html, csv: args.csv, exportHdr: args.exportHdr },
  }, rt);
}

export interface LocalRunOptions {
  scenario: Scenario;
  agents: number;
  out: string;
  verbose: boolean;
  onAgentLoss?: AgentLossPolicy;
  /** --allow-incomplete (finishRun). */
  allowIncomplete?: boolean;
  /** Called once the run has started, with its control (the demo schedules its rate change here). */
  onStarted?: (control: RunControl) => void;
  /** HOST:PORT for GET /metrics and /healthz while the run lasts. */
  metrics?: string | undefined;
  /** HOST:PORT for the live dashboard while the run lasts (off when undefined). */
  dashboard?: string | undefined;
  /** The dashboard's controls need this token when set; so do /metrics and the event stream (or readToken). */
  controlToken?: string | undefined;
  /** Also opens /metrics and the dashboard's event stream, not its controls. */
  readToken?: string | undefined;
  exports?: ExportPaths;
}

export async function runLocal(io: Io, o: LocalRunOptions, rt: LocalRuntime): Promise<number> {
  const log = o.verbose ? stderrLogger(io, 'coordinator') : () => {};
  io.stdout.write(`loadfleet ${rt.version} — ${describeRun(o.scenario, `${o.agents} local agent(s)`)}\n`);
  // The user runs this scenario on their own machine: its target (and loopback) is what they allowed.
  const allowTargets = ['127.0.0.0/8', '::1/128', ...(o.scenario.program?.origins ?? [o.scenario.request.url]).map((origin) => {
    const u = new URL(origin);
    return `${u.hostname}:${u.port !== '' ? u.port : u.protocol === 'https:' ? '443' : '80'}`;
  })];
  const fleet = await LocalFleet.start({
    allowTargets,
    // Likewise its certificate policy: the scenario's author owns these agents.
    allowInsecureTls: o.scenario.tls?.insecureSkipVerify === true,
    agents: o.agents, agentEntry: rt.agentEntry, nodePath: rt.nodePath, env: io.env, clock: systemClock, version: rt.version, log,
    agentLog: (line) => { if (o.verbose || / (warn|error) /.test(line)) io.stderr.write(`${line}\n`); },
  });
  let removeSignal = (): void => {};
  let stopReading = (): void => {};
  let http: HttpEndpoints | undefined;
  let aborted = false;
  const view = createLiveView(io, o.scenario);
  try {
    const c = fleet.coordinator;
    if (o.metrics !== undefined || o.dashboard !== undefined) {
      // Refused dashboard requests are shown even without --verbose.
      const httpLog: Logger = (level, message) => {
        if (o.verbose) log(level, message);
        else if (level !== 'info') view.onNotice(level, message);
      };
      http = await startHttpEndpoints(c, { metrics: o.metrics, dashboard: o.dashboard, controlToken: o.controlToken, readToken: o.readToken, clock: systemClock }, httpLog);
      if (http.metricsAddress !== undefined) io.stdout.write(`metrics on http://${http.metricsAddress}/metrics\n`);
      if (http.dashboardAddress !== undefined) {
        io.stdout.write(`dashboard on http://${http.dashboardAddress}/${o.controlToken === undefined ? '' : ' (its controls need the control token)'}\n`);
      }
    }
    const control: RunControl = {
      change: async (change, source = 'terminal') => sentLine(change, c.change(change, source).agents),
      stop: async (reason) => { c.stop(reason); },
    };
    // Ctrl-C and `stop` act from here on: during the setup they end the run before any load.
    const abort = new Promise<never>((_, reject) => {
      removeSignal = stopOnSignal(io, control, () => {
        aborted = true;
        reject(new LoadfleetError('INTERRUPTED', 'aborted before the agents reported; no report written'));
      }, view.say);
    });
    abort.catch(() => {});
    stopReading = readLiveCommands(io, control, view);
    const handle = await Promise.race([c.start(o.scenario, view, { minAgents: o.agents, waitAgentsMs: 10_000, onAgentLoss: o.onAgentLoss ?? 'rebalance', elastic: false }), abort]);
    io.stdout.write(`run ${handle.runId} on ${handle.agentIds.length} agent(s) via ${fleet.address}; ${liveCommandsHint(o.scenario)}\n`);
    io.stdout.write(`run id: ${handle.runId}\n`);
    o.onStarted?.(control);
    const report: Report = await Promise.race([handle.report, abort]);
    view.close();
    if (aborted) return EXIT.INTERRUPTED;
    return finishRun(io, report, o.out, o.exports, { allowIncomplete: o.allowIncomplete === true });
  } finally {
    view.close();
    removeSignal();
    stopReading();
    await http?.close();
    // An abort (a second Ctrl-C) does not wait for the agents to drain.
    await fleet.close(aborted ? 0 : undefined);
  }
}

async function runRemote(io: Io, args: RunArgs, scenario: Scenario): Promise<number> {
  const address = args.coordinator as string;
  const waitMs = parseDurationMs(args.waitAgents);
  if (waitMs === undefined) throw new LoadfleetError('USAGE', `--wait-agents "${args.waitAgents}" is not a duration (e.g. 30s)`);
  const remote = new RemoteControl(address, readToken(io.env, args.tokenFile, 'control'), readTls(args));
  io.stdout.write(`${describeRun(scenario, `agents of ${address}`)}\n`);
  const control: RunControl = {
    change: async (change) => sentLine(change, (await remote.change(change)).agents),
    stop: async (reason) => { await remote.stop(reason); },
  };
  let runId: string | undefined;
  let finished = false;
  let aborted = false;
  const fetchLater = (id: string): string => `loadfleet report --coordinator ${address} ${id} --out ${args.out}`;
  const view = createLiveView(io, scenario);
  // A second Ctrl-C gives up the stream at once; the coordinator finishes the run and keeps its report.
  const removeSignal = stopOnSignal(io, control, () => {
    aborted = true;
    remote.cancel();
  }, view.say);
  const stopReading = readLiveCommands(io, control, view);
  let report: Report;
  try {
    try {
      await remote.start(scenario, { minAgents: args.agents ?? 1, waitAgentsMs: waitMs, onAgentLoss: args.onAgentLoss }, (e) => {
        switch (e.kind) {
          case 'started':
            runId = e.runId;
            io.stdout.write(`run ${e.runId} on ${e.agentIds.length} agent(s)\n`);
            io.stdout.write(`run id: ${e.runId} (should this CLI go away, the coordinator keeps the report: ${fetchLater(e.runId)})\n`);
            return;
          case 'tick':
            view.onTick(JSON.parse(e.json) as LiveLine);
            return;
          case 'notice':
            view.onNotice(e.level, e.message);
            return;
          case 'finished':
            finished = true;
            runId = e.runId;
            return;
          default: {
            const never: never = e;
            throw new LoadfleetError('INTERNAL', `unknown event ${JSON.stringify(never)}`);
          }
        }
      });
    } catch (e) {
      if (!aborted) throw e;
      throw new LoadfleetError('INTERRUPTED', runId === undefined ? 'aborted before the run started'
        : `aborted; run ${runId} ends on the coordinator, which keeps its report: ${fetchLater(runId)}`);
    }
    if (!finished || runId === undefined) throw new LoadfleetError('RUN_FAILED', 'the coordinator sent no report');
    // Fetched in pieces, whatever its size (the Finished event carries only small reports).
    report = parseReport((await remote.getReport(runId)).json, `of run ${runId} from ${address}`);
  } finally {
    view.close();
    removeSignal();
    stopReading();
    remote.close();
  }
  return finishRun(io, report, args.out, { html: args.html, csv: args.csv, exportHdr: args.exportHdr }, { allowIncomplete: args.allowIncomplete === true });
}
