// Runs a scenario's `setup` or `teardown` once (a SetupJob): its steps in order, with the flows'
// machinery (templates, FlowHttp on the plan's vetted origins, checks, extractors). Stops at the first
// failed step: a transport error, a status the request does not expect (its `expect`, else the file's,
// else 200-399) when the step checks no status, a failed check, a failed extraction, or an extracted
// value that is empty. Returns what setup extracted (every step's values, later ones win) or the failed
// step and why, with the figures of the requests sent.
// Never rejects. Knows nothing of gRPC.
import type { LookupFunction } from 'node:net';
import type { AgentPlan } from '../common/plan/agent-plan.js';
import type { Clock } from '../common/runtime/clock.js';
import type { SetupFigures, SetupPart } from '../common/protocol/messages.js';
import { compileTemplate, defaultTemplateContext, ENV_ROOT } from '../common/flow/template.js';
import { compileCheck, runChecks } from '../common/flow/checks.js';
import { compileExtractor, extractAll } from '../common/flow/extract.js';
import { responseView } from '../common/flow/response-view.js';
import { redactUrl } from '../common/runtime/redact.js';
import { describeError } from '../common/runtime/errors.js';
import { drawThinkMs } from '../common/flow/think.js';
import { FlowHttp } from './engine/flow-http.js';
import { DEFAULT_EXPECTED, isExpected } from '../common/metrics/expected-status.js';

export interface SetupRunDeps {
  clock: Clock;
  /** The DNS lookup connections use (the agent's allow-list at connect time). */
  lookup?: LookupFunction;
}

export interface SetupOutcome {
  ok: boolean;
  /** ok: the values extracted (setup); {} for teardown. */
  values: Record<string, unknown>;
  /** Not ok: `setup step 2 (login): ...`. */
  message: string;
  figures: SetupFigures;
}

/** What an empty extraction looks like: nothing a later request could use. */
const isEmpty = (v: unknown): boolean => v === undefined || v === null || v === '';

/** Runs `part` of the plan's program once. Teardown sees plan.setupValues; setup sees the constants only. */
export async function runSetupPart(plan: AgentPlan, part: SetupPart, deps: SetupRunDeps): Promise<SetupOutcome> {
  const figures: SetupFigures = { requests: 0, durationMs: 0, steps: [] };
  const fail = (message: string): SetupOutcome => ({ ok: false, values: {}, message, figures });
  const program = plan.program;
  const steps = program?.[part]?.steps;
  if (program === undefined || steps === undefined) return fail(`the plan has no ${part}`);
  const vars: Record<string, unknown> = {
    ...program.variables, ...(program.env !== undefined ? { [ENV_ROOT]: program.env } : {}), ...(part === 'teardown' ? plan.setupValues ?? {} : {}),
  };
  const extracted: Record<string, unknown> = {};
  const ctx = defaultTemplateContext();
  const timeoutMs = Math.max(1, ...Object.values(program.requests).map((r) => r.timeoutMs));
  const http = new FlowHttp({ origins: program.origins, connections: 1, connectTimeoutMs: timeoutMs, ...(deps.lookup !== undefined ? { lookup: deps.lookup } : {}), tls: plan.tls });
  const startedMs = deps.clock.nowMs();
  try {
    for (const [i, step] of steps.entries()) {
      const name = step.request;
      const where = `${part} step ${i + 1}${name === undefined ? '' : ` (${name})`}`;
      if (name !== undefined) {
        const r = program.requests[name];
        if (r === undefined) return fail(`${where}: the plan has no request "${name}"`);
        let url: string;
        let body: string | undefined;
        const headers: Record<string, string> = {};
        try {
          url = compileTemplate(r.url, `${name}.url`).render(vars, ctx);
          for (const [k, v] of Object.entries(r.headers)) headers[k] = compileTemplate(v, `${name}.headers.${k}`).render(vars, ctx);
          body = r.body === undefined ? undefined : compileTemplate(r.body, `${name}.body`).render(vars, ctx);
        } catch (e) {
          return fail(`${where}: cannot fill in the request: ${describeError(e)}`);
        }
        const specs = [...r.checks, ...step.checks];
        const checks = specs.map((c) => compileCheck(c));
        const extractors = Object.entries(step.extract).map(([x, spec]) => compileExtractor(x, spec));
        const sentMs = deps.clock.nowMs();
        const res = await http.send({ url, method: r.method, headers, body, timeoutMs: r.timeoutMs, readBody: true });
        const latencyMs = deps.clock.nowMs() - sentMs;
        figures.requests++;
        figures.durationMs = deps.clock.nowMs() - startedMs;
        if (!res.ok) {
          figures.steps.push({ request: name, status: 0, error: res.kind, latencyMs });
          return fail(`${where}: ${r.method} ${redactUrl(url)} failed: ${res.kind} (${res.detail})`);
        }
        figures.steps.push({ request: name, status: res.status, latencyMs });
        const view = responseView(res.status, res.headers, res.body);
        if (!isExpected(r.expect ?? program.expect ?? DEFAULT_EXPECTED, res.status) && !specs.some((c) => 'status' in c)) {
          return fail(`${where}: ${r.method} ${redactUrl(url)} answered status ${res.status}, which the request does not expect`);
        }
        const checked = runChecks(checks, view);
        const failed = checked.failed[0];
        if (failed !== undefined) return fail(`${where}: check "${failed.name}" failed: ${failed.reason} (status ${res.status})`);
        const got = extractAll(extractors, view);
        const missed = got.failures[0];
        if (missed !== undefined) return fail(`${where}: could not extract "${missed.name}": ${missed.reason} (status ${res.status})`);
        const empty = Object.entries(got.values).find(([, v]) => isEmpty(v));
        if (empty !== undefined) return fail(`${where}: extracted "${empty[0]}" is empty (status ${res.status})`);
        Object.assign(vars, got.values);
        Object.assign(extracted, got.values);
      }
      const thinkMs = step.thinkRandom === undefined ? step.thinkMs : drawThinkMs(step.thinkRandom, Math.random);
      if (thinkMs > 0) await new Promise((resolve) => setTimeout(resolve, thinkMs));
    }
  } catch (e) {
    return fail(`${part} could not run: ${describeError(e)}`);
  } finally {
    await http.close(1_000);
  }
  figures.durationMs = deps.clock.nowMs() - startedMs;
  return { ok: true, values: part === 'setup' ? extracted : {}, message: '', figures };
}
