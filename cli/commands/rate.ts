// `loadfleet rate N [--ramp 30s] [--scenario NAME] --coordinator HOST:PORT`: a new arrival rate for the
// whole fleet of the running test.
import { LoadfleetError } from '../../common/runtime/errors.js';
import type { Io } from '../../common/runtime/io.js';
import { parseDurationMs } from '../../common/scenario/duration.js';
import { rateChange } from '../../common/protocol/live-change.js';
import { appliedWords, typed, withRemote } from '../control-args.js';
import type { ControlArgs } from '../control-args.js';

export async function rateCommand(io: Io, args: ControlArgs & { rate: number; ramp: string; scenario?: string | undefined }): Promise<number> {
  if (!Number.isFinite(args.rate) || args.rate < 0) throw new LoadfleetError('USAGE', `rate must be a number >= 0, got ${typed(args.rate)}`);
  const rampMs = parseDurationMs(args.ramp);
  if (rampMs === undefined) throw new LoadfleetError('USAGE', `--ramp "${args.ramp}" is not a duration (e.g. 30s)`);
  const change = rateChange(args.rate, rampMs, args.scenario);
  const r = await withRemote(io, args, (c) => c.change(change));
  io.stdout.write(`${args.scenario !== undefined ? `${args.scenario}: ` : ''}rate ${args.rate}/s sent to ${r.agents} agent(s) (change ${r.changeId}); ${appliedWords(r)}\n`);
  return 0;
}
