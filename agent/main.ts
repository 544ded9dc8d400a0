// Entry of an agent process (spawned by `loadfleet run` for local agents; `loadfleet agent` is the
// same command through the CLI). Only argv, env and signals are handled here.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { describeError } from '../common/runtime/errors.js';
import { processIo } from '../common/runtime/process-io.js';
import { loadfleetVersion } from '../common/runtime/version.js';
import { agentCommand, agentOptions } from '../cli/commands/agent.js';

const argv = await agentOptions(yargs(hideBin(process.argv)).strict().help()).parseAsync();
try {
  process.exitCode = await agentCommand(processIo(), argv, loadfleetVersion());
} catch (e) {
  process.stderr.write(`agent: ${describeError(e)}\n`);
  process.exitCode = 1;
}
