// What `run` and `demo` share: drive one test (on a local fleet or a remote coordinator), print the
// live lines, accept `rate N` / `stop` typed on stdin, write the report, and turn its verdict into an
// exit code.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { EXIT, LoadfleetError, assertNever, describeError } from '../common/runtime/errors.js';
import type { Io } from '../common/runtime/io.js';
import { parseDurationMs } from '../common/scenario/duration.js';
import type { Scenario } from '../common/scenario/scenario.js';
import { scenarioParts } from '../common/scenario/scenario.js';
import { formatSummary } from '../coordinator/outputs/console.js';
import type { Report } from '../coordinator/report/report.js';
import { allowIncomplete } from '../coordinator/report/verdict.js';
import { writeExports } from './report-exports.js';
import type { ExportPaths } from './report-exports.js';
import type { LiveView } from './live-output.js';
import { loopsChange, rateChange } from '../common/protocol/live-change.js';
import type { LiveChange } from '../common/protocol/live-change.js';

/** What a run can be driven through: the in-process coordinator or a remote one. */
export interface RunControl {
  /**
   * A live change; resolves with the line to show. `source` is recorded in the report's rate changes
   * (in-process runs only; "terminal" when absent).
   */
  change(change: LiveChange, source?: string): Promise<string>;
  stop(reason: string): Promise<void>;
}

/** The line a live change sent to `agents` agent(s) shows: `web: rate 300/s sent to 2 agent(s)`. */
export function sentLine(change: LiveChange, agents: number): string {
  let what: string;
  switch (change.kind) {
    case 'rate': what = `rate ${change.rateRps}/s`; break;
    case 'loops': what = `concurrency ${change.loops}`; break;
    default: return assertNever(change);
  }
  return `${change.scenario === undefined ? '' : `${change.scenario}: `}${what} sent to ${agents} agent(s)`;
}

/**
 * Reads commands typed during the run: `rate 5000`, `rate 5000 10s` (ramp), `concurrency 50`, `stop`;
 * with several scenarios at once, `@name` names the one to change (`rate 500 10s @browse`).
 * Returns the function that stops reading.
 */
export function readLiveCommands(io: Io, control: RunControl, view?: Pick<LiveView, 'say' | 'typed'>): () => void {
  if (io.stdin === undefined) return () => {};
  const say = view?.say ?? ((text: string) => io.stderr.write(`${text}\n`));
  const rl = createInterface({ input: io.stdin, terminal: false });
  rl.on('line', (raw) => {
    view?.typed();
    const words = raw.trim().split(/\s+/);
    const scenario = words.find((w) => w.startsWith('@'))?.slice(1);
    const [cmd, arg, ramp] = words.filter((w) => !w.startsWith('@'));
    if (cmd === undefined || cmd === '') return;
    const run = async (): Promise<string> => {
      switch (cmd) {
        case 'rate': {
          const rate = Number(arg);
          if (arg === undefined || !Number.isFinite(rate) || rate < 0) throw new LoadfleetError('USAGE', 'usage: rate <requests per second> [ramp, e.g. 10s] [@scenario]');
          const rampMs = ramp === undefined ? 0 : parseDurationMs(ramp);
          if (rampMs === undefined) throw new LoadfleetError('USAGE', `"${ramp}" is not a duration (e.g. 10s)`);
          return control.change(rateChange(rate, rampMs, scenario));
        }
        case 'concurrency': {
          const n = Number(arg);
          if (!Number.isInteger(n) || n < 1) throw new LoadfleetError('USAGE', 'usage: concurrency <whole number >= 1> [@scenario]');
          return control.change(loopsChange(n, scenario));
        }
        case 'stop':
          await control.stop('stop typed on the terminal');
          return 'stopping';
        default:
          throw new LoadfleetError('USAGE', `unknown command "${cmd}"; type rate <N> [ramp] [@scenario], concurrency <N> [@scenario] or stop`);
      }
    };
    run().then(
      (msg) => say(`> ${msg}`),
      (e: unknown) => say(`> ${describeError(e).replace(/^USAGE: /, '')}`),
    );
  });
  return () => rl.close();
}

/**
 * The line that tells the user what to type while the test runs, after its load model(s): `rate N`
 * for the open model, `concurrency N` for the closed one, and with several scenarios an `@name` of
 * one that uses it.
 */
export function liveCommandsHint(s: Pick<Scenario, 'load' | 'parts'>): string {
  const parts = scenarioParts(s);
  const at = (model: 'open' | 'closed'): string | undefined => {
    const part = parts.find((p) => p.load.model === model);
    if (part === undefined) return undefined;
    return s.parts === undefined ? '' : ` @${part.name}`;
  };
  const open = at('open');
  const closed = at('closed');
  const cmds = [
    ...(open !== undefined ? [`\`rate N${open}\` (\`rate N 10s${open}\` ramps)`] : []),
    ...(closed !== undefined ? [`\`concurrency N${closed}\``] : []),
  ];
  return `type ${cmds.join(', ')} or \`stop\` + Enter to change the test`;
}

/** Stops the run on the first SIGINT/SIGTERM; a second one gives up at once. Returns the remover. */
export function stopOnSignal(io: Io, control: RunControl, onAbort: () => void, say?: (text: string) => void): () => void {
  let count = 0;
  return io.onSignal((signal) => {
    count++;
    if (count === 1) {
      const text = `${signal}: stopping the test, waiting for the agents' final reports (again to abort)`;
      if (say !== undefined) say(text);
      else io.stderr.write(`\n${text}\n`);
      void control.stop(`${signal} on the CLI`).catch(() => {});
    } else {
      onAbort();
    }
  });
}

/**
 * Prints the summary, writes the report and its exports, and returns the exit code its verdict earns
 * (3 when a file cannot be written). With allowIncomplete (--allow-incomplete) an 'incomplete' verdict
 * is first replaced by what the rest of the figures earn, in everything written and printed.
 */
export function finishRun(io: Io, received: Report, outPath: string, exports: ExportPaths = {}, opts: { allowIncomplete?: boolean } = {}): number {
  const report = opts.allowIncomplete === true ? allowIncomplete(received) : received;
  io.stdout.write(`\n${formatSummary(report)}\n`);
  const path = resolve(io.cwd, outPath);
  try {
    writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
    io.stdout.write(`report written to ${path}\n`);
  } catch (e) {
    io.stderr.write(`error: cannot write the report to ${path}: ${(e as Error).message}\n`);
    io.stdout.write(`${JSON.stringify(report)}\n`);
    return EXIT.RUN_FAILED;
  }
  if (!writeExports(io, report, exports)) return EXIT.RUN_FAILED;
  return verdictExitCode(report);
}

/** The exit code a report's verdict earns (README: Exit codes). */
export function verdictExitCode(report: Report): number {
  switch (report.verdict) {
    case 'pass':
      return EXIT.OK;
    case 'generator-bound':
      return EXIT.GENERATOR_BOUND;
    case 'failed':
      return EXIT.RUN_FAILED;
    case 'agent-lost':
      return EXIT.AGENT_LOST;
    case 'thresholds-failed':
      return EXIT.THRESHOLDS_FAILED;
    case 'incomplete':
      return EXIT.INCOMPLETE;
    case 'setup-failed':
      return EXIT.SETUP_FAILED;
    case 'capacity-not-found':
      return EXIT.CAPACITY_NOT_FOUND;
    case 'regression':
      return EXIT.REGRESSION;
    case 'not-comparable':
      return EXIT.NOT_COMPARABLE;
    default: {
      const never: never = report.verdict;
      throw new LoadfleetError('INTERNAL', `unknown verdict ${String(never)}`);
    }
  }
}

export type { Scenario };
