// `loadfleet report report.json [--html FILE] [--csv FILE] [--export-hdr FILE]`: prints a written
// report's summary and exports it. Reads the file only; exits with the code its verdict earns (as `run`
// did), or 2 when it is not a loadfleet report or an export cannot be written.
// `loadfleet report --coordinator HOST:PORT [RUN_ID] [--out FILE] [exports]`: fetches a finished run's
// report from the coordinator that ran it (the latest without RUN_ID), prints its summary, writes it,
// and exits with the code its verdict earns, as `run` would have; 3 when the coordinator keeps no
// report of that run or the run is still going.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EXIT, LoadfleetError } from '../../common/runtime/errors.js';
import type { Io } from '../../common/runtime/io.js';
import { readToken } from '../../common/runtime/token.js';
import { readTls } from '../../common/runtime/tls.js';
import type { TlsArgs } from '../../common/runtime/tls.js';
import { RemoteControl } from '../control-client.js';
import { formatSummary } from '../../coordinator/outputs/console.js';
import type { Report } from '../../coordinator/report/report.js';
import { writeExports } from '../report-exports.js';
import type { ExportPaths } from '../report-exports.js';
import { verdictExitCode } from '../run-session.js';

export interface ReportArgs extends ExportPaths, TlsArgs {
  /** The report file; with `coordinator`, the run id to fetch (the latest when undefined). */
  report?: string | undefined;
  coordinator?: string | undefined;
  tokenFile?: string | undefined;
  /** With `coordinator`: also write the fetched report here. */
  out?: string | undefined;
}

const HINT = 'give the report.json that `loadfleet run --out` wrote';

/** A report from its JSON text; `source` names where it came from in the error. */
export function parseReport(text: string, source: string): Report {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new LoadfleetError('USAGE', `cannot read the report ${source}: not JSON (${(e as Error).message})`, { cause: e, hint: HINT });
  }
  const r = parsed as Partial<Report> | null;
  if (r === null || typeof r !== 'object' || r.version !== 1 || !Array.isArray(r.series) || typeof r.summary !== 'object' || typeof r.histograms !== 'object') {
    throw new LoadfleetError('USAGE', `${source} is not a loadfleet report (version 1)`, { hint: HINT });
  }
  return r as Report;
}

export function readReportFile(cwd: string, file: string): Report {
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new LoadfleetError('USAGE', `cannot read the report ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e, hint: HINT });
  }
  return parseReport(text, path);
}

export async function reportCommand(io: Io, args: ReportArgs): Promise<number> {
  if (args.coordinator !== undefined) return fetchReport(io, { ...args, coordinator: args.coordinator });
  if (args.out !== undefined) throw new LoadfleetError('USAGE', '--out writes a report fetched with --coordinator', { hint: 'the report file itself is the report' });
  if (args.report === undefined) throw new LoadfleetError('USAGE', 'name a report file, or --coordinator HOST:PORT [RUN_ID] to fetch one', { hint: 'see `loadfleet report --help`' });
  const report = readReportFile(io.cwd, args.report);
  io.stdout.write(`${formatSummary(report)}\n`);
  return writeExports(io, report, args) ? verdictExitCode(report) : EXIT.INVALID_INPUT;
}

async function fetchReport(io: Io, args: ReportArgs & { coordinator: string }): Promise<number> {
  const remote = new RemoteControl(args.coordinator, readToken(io.env, args.tokenFile, 'control'), readTls(args));
  let fetched: { runId: string; json: string };
  try {
    fetched = await remote.getReport(args.report);
  } finally {
    remote.close();
  }
  const report = parseReport(fetched.json, `of run ${fetched.runId} from ${args.coordinator}`);
  io.stdout.write(`${formatSummary(report)}\n`);
  if (args.out !== undefined) {
    const path = resolve(io.cwd, args.out);
    try {
      writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
    } catch (e) {
      io.stderr.write(`error: cannot write the report to ${path}: ${(e as Error).message}\n`);
      return EXIT.RUN_FAILED;
    }
    io.stdout.write(`report written to ${path}\n`);
  }
  if (!writeExports(io, report, args)) return EXIT.RUN_FAILED;
  return verdictExitCode(report);
}
