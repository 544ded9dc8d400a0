// Where a run's live output goes. On a TTY: a compact block redrawn in place (log-update), with
// notices and command replies printed above it. Otherwise (CI, pipes): one plain line per interval
// on stdout and notices on stderr, in a fixed format (tests and scripts match those lines).
import { createLogUpdate } from 'log-update';
import type { Writable } from 'node:stream';
import type { Io } from '../common/runtime/io.js';
import type { Scenario } from '../common/scenario/scenario.js';
import { formatLiveLine } from '../coordinator/outputs/console.js';
import { formatLiveView } from '../coordinator/outputs/tty-view.js';
import type { LiveLine, RunListener } from '../coordinator/run/test-run.js';

export interface LiveView extends RunListener {
  /** A reply to a typed command (or any message for the user). */
  say(text: string): void;
  /** A line was typed on stdin (on a TTY its echo must not break the redraw). */
  typed(): void;
  /** Leaves the last block on screen and stops redrawing. Idempotent. */
  close(): void;
}

const isTty = (s: unknown): boolean => (s as { isTTY?: boolean } | undefined)?.isTTY === true;

export function plainLine(line: LiveLine): string {
  const prefix = line.phase === 'warmup' ? 'warm-up ' : '';
  return `${prefix}${formatLiveLine(line.figures, { elapsedMs: line.elapsedMs, totalMs: line.totalMs, agents: line.agents })}`;
}

const noticeText = (level: 'info' | 'warn' | 'error', message: string): string => `${level === 'info' ? '' : `${level}: `}${message}`;

/** The view for `io`: redrawn in place when stdout is a TTY (and LOADFLEET_PLAIN is unset). */
export function createLiveView(io: Io, scenario: Scenario): LiveView {
  if (isTty(io.stdout) && io.env.LOADFLEET_PLAIN === undefined) return ttyView(io.stdout, io.stderr, scenario, isTty(io.stdin));
  return {
    onTick: (line) => io.stdout.write(`${plainLine(line)}\n`),
    onNotice: (level, message) => io.stderr.write(`${noticeText(level, message)}\n`),
    say: (text) => io.stderr.write(`${text}\n`),
    typed: () => {},
    close: () => {},
  };
}

/** The in-place view; `echo` says the terminal echoes typed lines below the block. */
export function ttyView(out: Writable, err: Writable, scenario: Scenario, echo: boolean): LiveView {
  // log-update measures lines against the stream's width; it only needs `columns` and write().
  const draw = createLogUpdate(out as NodeJS.WriteStream, { showCursor: true });
  let block = '';
  let closed = false;
  const above = (text: string): void => {
    if (closed) {
      err.write(`${text}\n`);
      return;
    }
    draw.clear();
    err.write(`${text}\n`);
    if (block !== '') draw(block);
  };
  return {
    onTick: (line) => {
      if (closed) return;
      block = formatLiveView(line, scenario);
      draw(block);
    },
    onNotice: (level, message) => above(noticeText(level, message)),
    say: above,
    typed: () => {
      // The echo took the block's trailing (cursor) line and moved the cursor below it: step back, so
      // the next clear or redraw starts from where log-update left the cursor.
      if (!echo || closed || block === '') return;
      out.write('\u001b[1A');
    },
    close: () => {
      if (closed) return;
      closed = true;
      if (block !== '') draw.done();
    },
  };
}
