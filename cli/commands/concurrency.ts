// `loadfleet concurrency N [--scenario NAME] --coordinator HOST:PORT`: a new loop count for the whole
// fleet of the running closed-model test.
import { LoadfleetError } from '../../common/runtime/errors.js';
import type { Io } from '../../common/runtime/io.js';
import { loopsChange } from '../../common/protocol/live-change.js';
import { appliedWords, typed, withRemote } from '../control-args.js';
import type { ControlArgs } from '../control-args.js';

export async function concurrencyCommand(io: Io, args: ControlArgs & { concurrency: number; scenario?: string | undefined }): Promise<number> {
  if (!Number.isInteger(args.concurrency) || args.concurrency < 1) throw new LoadfleetError('USAGE', `concurrency must be a whole number >= 1, got ${typed(args.concurrency)}`);
  const change = loopsChange(args.concurrency, args.scenario);
  const r = await withRemote(io, args, (c) => c.change(change));
  io.stdout.write(`${args.scenario !== undefined ? `${args.scenario}: ` : ''}concurrency ${args.concurrency} sent to ${r.agents} agent(s) (change ${r.changeId}); ${appliedWords(r)}\n`);
  return 0;
}
