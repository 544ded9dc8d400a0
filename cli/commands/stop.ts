// `loadfleet stop --coordinator HOST:PORT`: ends the running test early; its report is still written.
import { LoadfleetError } from '../../common/runtime/errors.js';
import type { Io } from '../../common/runtime/io.js';
import { withRemote } from '../control-args.js';
import type { ControlArgs } from '../control-args.js';

export async function stopCommand(io: Io, args: ControlArgs): Promise<number> {
  const was = await withRemote(io, args, (c) => c.stop('loadfleet stop'));
  if (!was) throw new LoadfleetError('NOT_RUNNING', 'no test is running: nothing to stop', { hint: 'start one with `loadfleet run`' });
  io.stdout.write('stopping the running test\n');
  return 0;
}
