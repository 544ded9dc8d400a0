// The `loadfleet` command: argv, env, signals and exit codes only. Every command is a function of an
// Io (cli/commands/, one file per command) so tests run them in-process.
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import type { Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT, LoadfleetError, exitCodeFor } from '../common/runtime/errors.js';
import type { Io } from '../common/runtime/io.js';
import { processIo } from '../common/runtime/process-io.js';
import { loadfleetVersion } from '../common/runtime/version.js';
import { agentCommand, agentOptions } from './commands/agent.js';
import { coordinatorCommand } from './commands/coordinator.js';
import { concurrencyCommand } from './commands/concurrency.js';
import { rateCommand } from './commands/rate.js';
import { statusCommand } from './commands/status.js';
import { stopCommand } from './commands/stop.js';
import { demoCommand } from './commands/demo.js';
import { runCommand } from './commands/run.js';
import { reportCommand } from './commands/report.js';
import { DEFAULT_KEEP_REPORTS } from '../coordinator/report/store.js';
import { validateCommand } from './commands/validate.js';
import { certsCommand } from './commands/certs.js';
import { TLS_OPTION_TEXT } from '../common/runtime/tls.js';
import { withEnvFlags } from './env-flags.js';

const version = loadfleetVersion();
const runtime = {
  agentEntry: fileURLToPath(new URL('../agent/main.js', import.meta.url)),
  targetEntry: fileURLToPath(new URL('../coordinator/demo/target-main.js', import.meta.url)),
  nodePath: process.execPath,
  version,
};

const EPILOG = `Exit codes: 0 pass, 2 invalid input, 3 run failed or could not start, 4 generator-bound (the
generator could not keep up: the figures describe loadfleet, not the target), 5 aborted because an agent
was lost (--on-agent-loss fail), 6 refused by the peer (token or protocol version), 7 a threshold
failed, 8 incomplete (some agent's figures never arrived; --allow-incomplete judges the rest), 130
interrupted. Tokens come from $LOADFLEET_TOKEN or --token-file. Every option of agent and
coordinator can also come from LOADFLEET_<OPTION> (e.g. LOADFLEET_JOIN, LOADFLEET_TLS_CERT); a flag wins.`;

/** --env (run, validate): repeatable; a single flag gives a string, several an array. */
const ENV_OPTION = {
  type: 'string', requiresArg: true,
  describe: 'NAME=VALUE for {{ $env.NAME }} in the scenario (repeatable); --env NAME takes NAME from this shell. Values are never printed',
} as const;

function tlsOptions<T>(y: Argv<T>) {
  return y
    .option('tls-cert', { type: 'string', describe: TLS_OPTION_TEXT.cert })
    .option('tls-key', { type: 'string', describe: TLS_OPTION_TEXT.key })
    .option('tls-ca', { type: 'string', describe: TLS_OPTION_TEXT.ca });
}

/** --html, --csv, --export-hdr: the report's exports (run and report). */
function exportOptions<T>(y: Argv<T>) {
  return y
    .option('html', { type: 'string', describe: 'also write the report as one self-contained HTML page (no network)' })
    .option('csv', { type: 'string', describe: 'also write the per-interval series as CSV' })
    .option('export-hdr', { type: 'string', describe: 'also write the per-interval latency histograms as an HdrHistogram log (.hlog)' });
}

function controlOptions<T>(y: Argv<T>) {
  return tlsOptions(y
    .option('coordinator', { type: 'string', demandOption: true, describe: 'coordinator control address HOST:PORT' })
    .option('token-file', { type: 'string', describe: 'file holding the control token (default: $LOADFLEET_CONTROL_TOKEN, else $LOADFLEET_TOKEN)' }));
}

/** Builds the parser; `done` receives the exit code of the command that ran. */
export function buildCli(io: Io, argv: string[], done: (code: number) => void): Argv {
  const wrap = (fn: () => Promise<number>) => async (): Promise<void> => done(await fn());
  return yargs(argv)
    .scriptName('loadfleet')
    .usage('$0 <command> [options]\n\nDistributed HTTP load testing: a coordinator, a fleet of agents over gRPC, exact merged percentiles.')
    .command('demo', 'run a 20 s demo: built-in target, coordinator and 2 local agents; rate doubles at half time', (y) => y
      .option('agents', { type: 'number', default: 2, describe: 'local agent processes' })
      .option('rate', { type: 'number', default: 1000, describe: 'arrival rate (req/s) of the first half; doubled at half time' })
      .option('duration', { type: 'string', default: '20s', describe: 'test length' })
      .option('out', { type: 'string', default: 'report.json', describe: 'report file' })
      .option('verbose', { type: 'boolean', default: false, describe: 'show coordinator and agent logs' }),
    (a) => wrap(() => demoCommand(io, a, runtime))())
    .command('run <scenario>', 'run the test a scenario file (YAML or JSON) describes', (y) => exportOptions(y)
      .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario file' })
      .option('agents', { type: 'number', describe: 'local agent processes (default: one per core); with --coordinator, agents to wait for' })
      .option('rate', { type: 'number', describe: 'open model: arrival rate in req/s for the whole fleet (replaces stages)' })
      .option('concurrency', { type: 'number', describe: 'closed model: loops for the whole fleet' })
      .option('duration', { type: 'string', describe: 'test length, e.g. 30s or 2m (overrides the file)' })
      .option('warmup', { type: 'string', describe: 'warm-up before the test, excluded from the results and reported apart (e.g. 5s)' })
      .option('max-in-flight', { type: 'number', describe: 'open model: most outstanding requests for the fleet; arrivals beyond are counted as dropped' })
      .option('connections', { type: 'number', describe: 'keep-alive connections for the fleet' })
      .option('out', { type: 'string', default: 'report.json', describe: 'report file' })
      .option('coordinator', { type: 'string', describe: 'run on the agents of a long-lived coordinator HOST:PORT instead of local agents' })
      .option('token-file', { type: 'string', describe: 'file holding the control token (default: $LOADFLEET_CONTROL_TOKEN, else $LOADFLEET_TOKEN)' })
      .option('wait-agents', { type: 'string', default: '30s', describe: 'with --coordinator: how long to wait for --agents agents' })
      .option('tls-cert', { type: 'string', describe: `with --coordinator: ${TLS_OPTION_TEXT.cert}` })
      .option('tls-key', { type: 'string', describe: `with --coordinator: ${TLS_OPTION_TEXT.key}` })
      .option('tls-ca', { type: 'string', describe: `with --coordinator: ${TLS_OPTION_TEXT.ca}` })
      .option('on-agent-loss', {
        choices: ['rebalance', 'fail', 'continue'] as const, default: 'rebalance' as const,
        describe: 'when an agent dies or is cut off mid-test: move its share to the others, abort (exit 5), or keep the others\' shares',
      })
      .option('allow-incomplete', { type: 'boolean', default: false, describe: 'when some agent\'s figures never arrived (verdict incomplete, exit 8), judge the figures that did; the banner still names what is missing' })
      .option('metrics', { type: 'string', describe: 'serve Prometheus GET /metrics (and /healthz) on HOST:PORT while the run lasts (local agents)' })
      .option('dashboard', { type: 'string', describe: 'serve the live web dashboard on HOST:PORT while the run lasts (local agents; default 127.0.0.1:0, the URL is printed; --no-dashboard turns it off)' })
      .option('verbose', { type: 'boolean', default: false, describe: 'show coordinator and agent logs' })
      .option('env', ENV_OPTION),
    (a) => wrap(() => runCommand(io, { ...a, scenario: a.scenario as string }, runtime))())
    .command('report [report]', 'print a written report\'s summary and export it (--html, --csv, --export-hdr); with --coordinator, fetch a finished run\'s report', (y) => tlsOptions(exportOptions(y)
      .positional('report', { type: 'string', describe: 'report.json written by run --out; with --coordinator, the RUN_ID to fetch (default: the latest finished run)' })
      .option('coordinator', { type: 'string', describe: 'fetch the report from this coordinator HOST:PORT (it keeps its last --keep-reports finished runs); exits with the code of its verdict' })
      .option('out', { type: 'string', describe: 'with --coordinator: also write the fetched report to this file' })
      .option('token-file', { type: 'string', describe: 'file holding the control token (default: $LOADFLEET_TOKEN)' })),
    (a) => wrap(() => reportCommand(io, a))())
    .command('validate <scenario>', 'check a scenario file: every problem as file:line:column, exit 2; or a one-line summary', (y) => y
      .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario file (YAML or JSON)' })
      .option('env', ENV_OPTION),
    (a) => wrap(() => validateCommand(io, { scenario: a.scenario as string, env: a.env }))())
    .command('coordinator', 'run a long-lived coordinator that agents join (options also from LOADFLEET_<OPTION>)', (y) => withEnvFlags(tlsOptions(y)
      .option('require-tls', { type: 'boolean', default: false, describe: 'refuse to start without --tls-cert/--tls-key' })
      .option('join-token-file', { type: 'string', describe: 'file holding the token agents must present (default: $LOADFLEET_JOIN_TOKEN, else the shared token)' })
      .option('control-token-file', { type: 'string', describe: 'file holding the token the CLI, dashboard and control API must present (default: $LOADFLEET_CONTROL_TOKEN, else the shared token)' })
      .option('read-token-file', { type: 'string', describe: 'file holding a token that may only read GET /metrics and the dashboard\'s figures, not control (default: $LOADFLEET_READ_TOKEN)' })
      .option('max-agents', { type: 'number', describe: 'refuse agents beyond this many (default 1000)' })
      .option('keep-reports', { type: 'number', default: DEFAULT_KEEP_REPORTS, describe: 'keep the reports of this many finished runs (>= 1) for `loadfleet report --coordinator`' })
      .option('report-dir', { type: 'string', describe: 'also write every finished run\'s report to DIR/RUN_ID.json' })
      .option('listen', { type: 'string', default: '127.0.0.1:7878', describe: 'HOST:PORT for agents and the CLI' })
      .option('token-file', { type: 'string', describe: 'file holding the token agents and the CLI must present (default: $LOADFLEET_TOKEN)' })
      .option('metrics', { type: 'string', describe: 'serve Prometheus GET /metrics, /healthz and /readyz (200 once the gRPC server listens) on HOST:PORT' })
      .option('dashboard', { type: 'string', describe: 'serve the live web dashboard on HOST:PORT (may equal --metrics); with a control token set, its figures and /metrics need it (or the read token) and its controls need it' }), io.env),
    (a) => wrap(() => coordinatorCommand(io, a, version))())
    .command('certs', 'create a CA and coordinator, agent and CLI certificates for TLS and mutual TLS (uses openssl)', (y) => y
      .option('out', { type: 'string', default: 'loadfleet-certs', describe: 'directory to write ca.crt/key, coordinator.crt/key, agent.crt/key, cli.crt/key' })
      .option('hosts', { type: 'string', array: true, default: [] as string[], describe: 'names and addresses agents use to reach the coordinator (besides localhost, 127.0.0.1, ::1)' })
      .option('days', { type: 'number', default: 365, describe: 'validity' })
      .option('force', { type: 'boolean', default: false, describe: 'replace existing files' }),
    (a) => wrap(async () => certsCommand(io, { out: a.out, hosts: a.hosts, days: a.days, force: a.force }))())
    .command('agent', 'run an agent that joins a coordinator and stays connected between tests (options also from LOADFLEET_<OPTION>)', (y) => withEnvFlags(tlsOptions(agentOptions(y)), io.env),
      (a) => wrap(() => agentCommand(io, a, version))())
    .command('rate <rate>', 'change the running test\'s arrival rate (req/s for the whole fleet)', (y) => controlOptions(y)
      .positional('rate', { type: 'number', demandOption: true })
      .option('ramp', { type: 'string', default: '0s', describe: 'reach the new rate linearly over this long' })
      .option('scenario', { type: 'string', describe: 'the scenario to change (required when the test runs several at once)' }),
    (a) => wrap(() => rateCommand(io, { ...a, rate: a.rate as number }))())
    .command('concurrency <concurrency>', 'change the running closed-model test\'s loop count', (y) => controlOptions(y)
      .positional('concurrency', { type: 'number', demandOption: true })
      .option('scenario', { type: 'string', describe: 'the scenario to change (required when the test runs several at once)' }),
    (a) => wrap(() => concurrencyCommand(io, { ...a, concurrency: a.concurrency as number }))())
    .command('status', 'show the fleet and the running test', (y) => controlOptions(y)
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
    (a) => wrap(() => statusCommand(io, a))())
    .command('stop', 'stop the running test (agents drain and the report is still complete)', (y) => controlOptions(y),
      (a) => wrap(() => stopCommand(io, a))())
    .demandCommand(1, 'name a command; `loadfleet demo` runs a demo')
    .strict()
    .epilog(EPILOG)
    .version(version)
    .help()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err !== undefined && err !== null) throw err;
      throw new LoadfleetError('USAGE', msg, { hint: 'see `loadfleet --help`' });
    });
}

/**
 * `--duration -5s` reaches yargs as `--duration=-5s`: a value that starts with a minus sign and a digit
 * after a long flag is that flag's value (which the command then refuses, naming the flag), not the
 * short flags -5 and -s. A negative number (`--rate -5`) parses the same either way.
 */
export function joinSignedValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of argv) {
    const prev = out[out.length - 1];
    if (/^-\d/.test(a) && prev !== undefined && /^--[a-z][\w-]*$/i.test(prev)) out[out.length - 1] = `${prev}=${a}`;
    else out.push(a);
  }
  return out;
}

/** Runs the CLI; resolves to the exit code. */
export async function main(io: Io, argv: string[]): Promise<number> {
  let code: number = EXIT.OK;
  try {
    await buildCli(io, joinSignedValues(argv), (c) => { code = c; }).parseAsync();
    return code;
  } catch (e) {
    if (e instanceof LoadfleetError) {
      io.stderr.write(`error: ${e.message}\n`);
      if (e.hint !== undefined) io.stderr.write(`hint: ${e.hint}\n`);
      return exitCodeFor(e.code);
    }
    io.stderr.write(`internal error: ${e instanceof Error ? (io.env.LOADFLEET_DEBUG ? e.stack : e.message) : String(e)}\n`);
    io.stderr.write('this is a bug in loadfleet; please report it with the command you ran (LOADFLEET_DEBUG=1 shows the stack)\n');
    return EXIT.INTERNAL;
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const io = processIo();
  const code = await main(io, hideBin(process.argv));
  process.exitCode = code;
  // Open handles (stdin in a pipe) must not keep a finished command alive.
  setImmediate(() => process.exit(code));
}
