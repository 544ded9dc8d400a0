// The run's first line (`loadfleet run`, local and remote): what runs, how, where and for how long, read
// before the live output. Names only, never values: an env variable says "set", a URL is redacted.
import type { CookieMode } from '../common/flow/program.js';
import { assertNever } from '../common/runtime/errors.js';
import type { LoadModel, Scenario } from '../common/scenario/scenario.js';
import { mainDurationMs } from '../common/scenario/scenario.js';
import { formatDurationMs } from '../common/scenario/duration.js';
import { redactUrl } from '../common/runtime/redact.js';

/** One load model: its rate or loops, and its arrivals when they are not evenly spaced (the default). */
function describeLoad(load: LoadModel): string {
  switch (load.model) {
    case 'open': {
      const rate = load.rate !== undefined ? `open model at ${load.rate}/s` : `open model, ${load.stages?.length ?? 0} stage(s)`;
      return load.arrivals === 'poisson' ? `${rate}, arrivals poisson` : rate;
    }
    case 'closed':
      return load.concurrency !== undefined ? `closed model, ${load.concurrency} loop(s)` : `closed model, ${load.stages?.length ?? 0} stage(s)`;
    default:
      return assertNever(load);
  }
}

/** The cookie jars when not the default (a fresh jar per flow run): '' for the default. */
function describeCookies(mode: CookieMode | undefined): string {
  switch (mode) {
    case undefined:
    case 'per-iteration':
      return '';
    case 'per-loop':
      return 'cookies per loop (kept across its iterations)';
    case 'off':
      return 'cookies off';
    default:
      return assertNever(mode);
  }
}

const withNote = (text: string, note: string, sep: string): string => (note === '' ? text : `${text}${sep}${note}`);

/** `agents` says where the load comes from ("2 local agent(s)", "agents of HOST:PORT"). */
export function describeRun(s: Scenario, agents: string): string {
  const p = s.program;
  const what = s.parts === undefined
    ? describeLoad(s.load)
    : `${s.parts.length} scenario(s) at once (${s.parts.map((part) => `${part.name}: ${withNote(describeLoad(part.load), describeCookies(part.cookies ?? p?.cookies), ', ')} running ${part.flows.join(', ')}`).join('; ')})`;
  const warm = s.warmup > 0 ? ` after ${formatDurationMs(s.warmup)} warm-up` : '';
  const runs = p === undefined ? `${s.request.method} ${redactUrl(s.request.url)}`
    : p.flows.length === 1 && p.flows[0]?.steps.length === 1 && p.flows[0].steps[0]?.request !== undefined && Object.keys(p.requests).length === 1
      ? `${s.request.method} ${redactUrl(s.request.url)}`
      : `flows ${p.flows.map((f) => `${f.name} (${f.steps.length} step${f.steps.length === 1 ? '' : 's'})`).join(', ')} on ${p.origins.join(', ')}`;
  // With several scenarios each names its own cookie jars (above).
  const cookies = s.parts === undefined ? describeCookies(p?.cookies) : '';
  // Names only, never values: every name the templates read is set (a missing one stops the run before).
  const env = p?.env === undefined ? '' : `env ${Object.keys(p.env).map((n) => `${n}: set`).join(', ')}`;
  return withNote(withNote(`${s.name}: ${what} for ${formatDurationMs(mainDurationMs(s))}${warm}, ${agents}, ${runs}`, cookies, '; '), env, '; ');
}
