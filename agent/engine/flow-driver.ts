// Runs the scenario language's flows: each call to run() is one flow run (one arrival of the open
// model, one loop iteration of the closed model): a flow picked by weight, one row from each data
// feeder the flow reads, then its steps in order: render the request's templates (variables, the row,
// values extracted by earlier steps, helpers), send it, run its checks and extractors, think (a fixed
// time, or one drawn from the step's distribution with the driver's random source).
//
// Cookies: each flow run has a cookie jar (cookie-jar.ts) unless its source's mode is `off`: a fresh
// one per run, or, with `per-loop`, the one a closed-model loop passes in (loopJar()). Every response's
// Set-Cookie goes into it; every request sends what it holds for its URL, after the request's own cookie
// header. No jar is shared between runs or loops.
//
// Accounting: every request sent is counted in the phase's Recorder (sent, then its end) like the
// single-request path, and under its name in the phase's RequestRecorder (counts, checks, extractions,
// latency). Latency of the first step counts from the arrival's intended time (coordinated omission),
// of each later step from when it was due (the previous response's end plus the think time).
// A flow run that finds a `unique` feeder empty sends nothing and is counted (noData).
import type { LookupFunction } from 'node:net';
import type { Clock } from '../../common/runtime/clock.js';
import type { CookieMode, Program } from '../../common/flow/program.js';
import { drawThinkMs } from '../../common/flow/think.js';
import type { ThinkRandom } from '../../common/flow/think.js';
import { addCookieHeader, CookieSession } from './cookie-jar.js';
import { compileTemplate, defaultTemplateContext, ENV_ROOT } from '../../common/flow/template.js';
import type { Template, TemplateContext } from '../../common/flow/template.js';
import { compileCheck, runChecks } from '../../common/flow/checks.js';
import type { Check } from '../../common/flow/checks.js';
import { compileExtractor, extractAll } from '../../common/flow/extract.js';
import type { Extractor } from '../../common/flow/extract.js';
import { createRowPicker } from './feeder-select.js';
import type { RowPicker } from './feeder-select.js';
import { responseView } from '../../common/flow/response-view.js';
import { LoadfleetError } from '../../common/runtime/errors.js';
import { FlowHttp } from './flow-http.js';
import type { TargetTls } from '../../common/plan/agent-plan.js';
import type { Recorder } from './recorder.js';
import { expectedTable } from '../../common/metrics/expected-status.js';
import type { StatusRange } from '../../common/metrics/expected-status.js';

interface CompiledRequest {
  name: string;
  url: Template;
  method: string;
  headers: [string, Template][];
  body: Template | undefined;
  timeoutMs: number;
  /** Its own expected statuses (a table by code, 1: expected); undefined: the scenario's or program's. */
  expected: Uint8Array | undefined;
}

interface CompiledStep {
  request: CompiledRequest | undefined;
  checks: Check[];
  extractors: Extractor[];
  readBody: boolean;
  thinkMs: number;
  /** Drawn per flow run instead of thinkMs when present. */
  thinkRandom: ThinkRandom | undefined;
}

interface CompiledFlow {
  name: string;
  /** Upper end of this flow's share of [0, total weight). */
  cumulativeWeight: number;
  steps: CompiledStep[];
  /** The data feeders its templates read: a row is taken from each per run. */
  feeders: string[];
}

export interface FlowDriverOptions {
  clock: Clock;
  /** Keep-alive connections per origin. */
  connections: number;
  random?: () => number;
  /** The DNS lookup connections use (the agent's allow-list at connect time). */
  lookup?: LookupFunction;
  /** HTTPS certificate policy (the plan's `tls`). */
  tls?: TargetTls | undefined;
  /** Row sources that replace a feeder's own rows (the coordinator's `unique` blocks, agent/unique-feed.ts). */
  pickers?: ReadonlyMap<string, RowPicker>;
  /** The values the scenario's setup extracted (the plan's setupValues): variables beside program.variables. */
  setupValues?: Readonly<Record<string, unknown>> | undefined;
}

/** Compiles the program; throws LoadfleetError PLAN_INVALID naming what does not compile. */
function compileFlows(program: Program): { flows: CompiledFlow[]; totalWeight: number } {
  const requests = new Map<string, CompiledRequest>();
  const compiled = (name: string): CompiledRequest => {
    let c = requests.get(name);
    if (c !== undefined) return c;
    const r = program.requests[name];
    if (r === undefined) throw new LoadfleetError('PLAN_INVALID', `flow step names unknown request "${name}"`);
    c = {
      name,
      url: compileTemplate(r.url, `${name}.url`),
      method: r.method,
      headers: Object.entries(r.headers).map(([k, v]) => [k, compileTemplate(v, `${name}.headers.${k}`)]),
      body: r.body === undefined ? undefined : compileTemplate(r.body, `${name}.body`),
      timeoutMs: r.timeoutMs,
      expected: r.expect === undefined ? undefined : expectedTable(r.expect),
    };
    requests.set(name, c);
    return c;
  };
  const feederNames = new Set(Object.keys(program.data));
  let total = 0;
  const flows = program.flows.map((f) => {
    const feeders = new Set<string>();
    const steps = f.steps.map((s): CompiledStep => {
      const request = s.request === undefined ? undefined : compiled(s.request);
      const specs = [...(s.request === undefined ? [] : (program.requests[s.request]?.checks ?? [])), ...s.checks];
      const checks = specs.map((spec) => compileCheck(spec));
      const extractors = Object.entries(s.extract).map(([name, spec]) => compileExtractor(name, spec));
      if (request !== undefined) {
        for (const t of [request.url, request.body, ...request.headers.map(([, h]) => h)]) {
          for (const v of t?.variables ?? []) if (feederNames.has(v)) feeders.add(v);
        }
      }
      const readBody = specs.some((c) => 'bodyContains' in c || 'json' in c) || Object.values(s.extract).some((x) => 'json' in x || !('header' in x));
      return { request, checks, extractors, readBody, thinkMs: s.thinkMs, thinkRandom: s.thinkRandom };
    });
    total += f.weight;
    return { name: f.name, cumulativeWeight: total, steps, feeders: [...feeders] };
  });
  return { flows, totalWeight: total };
}

/** What a runner starts flow runs from: the whole program (FlowDriver) or one scenario's flows (forScenario()). */
export interface FlowSource {
  /** Flow runs of this source started and not finished. */
  readonly active: number;
  /** Starts one flow run; `jar` is the cookie jar it uses (a loop's, from loopJar()), else its own as the source's mode says. */
  run(recorder: Recorder, intendedMs: number, done?: (sent: boolean) => void, jar?: CookieSession): void;
  /** A jar for one closed-model loop to keep across its iterations (cookies: per-loop), else undefined. */
  loopJar(): CookieSession | undefined;
  /** True when a feeder that ran dry may still get rows (a `unique` feeder fed by the coordinator). */
  rowsMayCome(): boolean;
}

/** Flows to pick from, by weight; `scenario` names the scenario whose figures they also count in. */
interface Selection {
  flows: CompiledFlow[];
  totalWeight: number;
  scenario: string | undefined;
  active: number;
  cookies: CookieMode;
  /** Expected statuses of requests without their own: the scenario's, else the program's, else the default. */
  expected: Uint8Array;
}

export class FlowDriver implements FlowSource {
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly flows: CompiledFlow[];
  private readonly all: Selection;
  private readonly constants: Readonly<Record<string, unknown>>;
  /** The constants and setup's newest values: what each flow run starts from. */
  private variables: Readonly<Record<string, unknown>>;
  /** The program's (the file's) expected statuses, if any. */
  private readonly expect: readonly StatusRange[] | undefined;
  private readonly pickers = new Map<string, RowPicker>();
  private readonly ctx: TemplateContext;
  private readonly http: FlowHttp;
  private readonly cookies: CookieMode;
  /** Epoch ms minus the clock's reading: cookies' expiry is judged on the engine's clock. */
  private readonly wallOffsetMs: number;
  private readonly wallNowMs = (): number => this.wallOffsetMs + this.clock.nowMs();
  private activeCount = 0;
  private closed = false;
  private readonly sleeping = new Set<{ timer: ReturnType<typeof setTimeout>; wake: () => void }>();
  private onIdle: (() => void) | undefined;

  constructor(program: Program, opts: FlowDriverOptions) {
    this.clock = opts.clock;
    this.random = opts.random ?? Math.random;
    this.cookies = program.cookies ?? 'per-iteration';
    this.wallOffsetMs = Date.now() - this.clock.nowMs();
    try {
      const c = compileFlows(program);
      this.flows = c.flows;
      this.all = { flows: c.flows, totalWeight: c.totalWeight, scenario: undefined, active: 0, cookies: this.cookies, expected: expectedTable(program.expect) };
    } catch (e) {
      if (e instanceof LoadfleetError) throw e;
      throw new LoadfleetError('PLAN_INVALID', `the plan's program does not compile: ${(e as Error).message}`, { cause: e });
    }
    // `{{ $env.NAME }}` reads the program's env under ENV_ROOT (no variable can be named so).
    this.constants = program.env === undefined ? program.variables : { ...program.variables, [ENV_ROOT]: program.env };
    this.variables = { ...this.constants, ...opts.setupValues };
    this.expect = program.expect;
    for (const [name, d] of Object.entries(program.data)) this.pickers.set(name, opts.pickers?.get(name) ?? createRowPicker(d.rows, d.mode, this.random));
    this.ctx = { ...defaultTemplateContext(), random: this.random };
    const timeout = Math.max(...Object.values(program.requests).map((r) => r.timeoutMs));
    this.http = new FlowHttp({ origins: program.origins, connections: opts.connections, connectTimeoutMs: timeout, ...(opts.lookup !== undefined ? { lookup: opts.lookup } : {}), tls: opts.tls });
  }

  /** True when a feeder that ran dry may still get rows (a `unique` feeder fed by the coordinator). */
  rowsMayCome(): boolean {
    for (const p of this.pickers.values()) if (p.mayRefill?.() === true) return true;
    return false;
  }

  /** A setup refresh's values: flow runs started from now on use them (runs under way keep theirs). */
  setSetupValues(values: Readonly<Record<string, unknown>>): void {
    this.variables = { ...this.constants, ...values };
  }

  /** Flow runs started and not finished (sending, waiting for a response or thinking). */
  get active(): number {
    return this.activeCount;
  }

  /**
   * One scenario of several running at once: flow runs picked from `flowNames` only (by weight), counted
   * in the phase's figures and under `scenario` (recorder.scenario()), with their own `active` count
   * (each scenario's in-flight cap), with the scenario's cookie mode and expected statuses (default: the
   * program's). Throws PLAN_INVALID for a flow the program does not have.
   */
  forScenario(scenario: string, flowNames: readonly string[], cookies?: CookieMode, expect?: readonly StatusRange[]): FlowSource {
    const flows = flowNames.map((n) => {
      const f = this.flows.find((x) => x.name === n);
      if (f === undefined) throw new LoadfleetError('PLAN_INVALID', `scenario "${scenario}" names flow "${n}", which the plan's program does not have`);
      return f;
    });
    let total = 0;
    const weighted = flows.map((f) => {
      total += f.cumulativeWeight - (this.flows[this.flows.indexOf(f) - 1]?.cumulativeWeight ?? 0);
      return { ...f, cumulativeWeight: total };
    });
    const sel: Selection = { flows: weighted, totalWeight: total, scenario, active: 0, cookies: cookies ?? this.cookies, expected: expectedTable(expect ?? this.expect) };
    return {
      get active() { return sel.active; },
      run: (recorder, intendedMs, done, jar) => this.start(sel, recorder, intendedMs, done, jar),
      loopJar: () => this.jarFor(sel, 'loop'),
      rowsMayCome: () => this.rowsMayCome(),
    };
  }

  /**
   * Starts one flow run, counted in `recorder` (the phase's). `intendedMs` is when the arrival was due
   * (the first step's latency counts from it). `done(sent)` is called once at its end, never
   * synchronously; `sent` is false when it sent nothing because a `unique` feeder was empty.
   */
  run(recorder: Recorder, intendedMs: number, done?: (sent: boolean) => void, jar?: CookieSession): void {
    this.start(this.all, recorder, intendedMs, done, jar);
  }

  /** A jar for one closed-model loop when the program's mode is per-loop. */
  loopJar(): CookieSession | undefined {
    return this.jarFor(this.all, 'loop');
  }

  /** A new jar for a loop (per-loop mode only) or for one flow run (any mode but off; per-loop's open-model runs too). */
  private jarFor(sel: Selection, owner: 'loop' | 'run'): CookieSession | undefined {
    if (sel.cookies === 'off' || (owner === 'loop' && sel.cookies !== 'per-loop')) return undefined;
    return new CookieSession(this.wallNowMs);
  }

  private start(sel: Selection, recorder: Recorder, intendedMs: number, done?: (sent: boolean) => void, loopJar?: CookieSession): void {
    const requestNames = recorder.requestNames;
    if (requestNames === undefined) throw new LoadfleetError('INTERNAL', 'a flow run needs a recorder with per-request figures');
    if (this.closed) {
      if (done !== undefined) setImmediate(done, false);
      return;
    }
    const scen = sel.scenario === undefined ? undefined : recorder.scenario(sel.scenario);
    requestNames.onIteration();
    scen?.onIteration();
    const flow = this.pickFrom(sel);
    const vars: Record<string, unknown> = { ...this.variables };
    for (const f of flow.feeders) {
      const row = (this.pickers.get(f) as RowPicker).next();
      if (row === undefined) {
        requestNames.onNoData();
        scen?.onNoData();
        if (done !== undefined) setImmediate(done, false);
        return;
      }
      vars[f] = row;
    }
    this.activeCount++;
    sel.active++;
    const jar = loopJar ?? this.jarFor(sel, 'run');
    void this.iterate(flow, vars, recorder, intendedMs, sel.scenario, jar, sel.expected).then(() => {
      this.activeCount--;
      sel.active--;
      if (this.activeCount === 0) this.onIdle?.();
      done?.(true);
    });
  }

  private pickFrom(sel: Selection): CompiledFlow {
    const flows = sel.flows;
    if (flows.length === 1) return flows[0] as CompiledFlow;
    const x = this.random() * sel.totalWeight;
    for (const f of flows) if (x < f.cumulativeWeight) return f;
    return flows[flows.length - 1] as CompiledFlow;
  }

  private async iterate(
    flow: CompiledFlow, vars: Record<string, unknown>, recorder: Recorder, intendedMs: number, scenario: string | undefined, jar: CookieSession | undefined,
    expectedDefault: Uint8Array,
  ): Promise<void> {
    const requestNames = recorder.requestNames!;
    // Several scenarios at once: every figure also counts under the scenario's name.
    const scen = scenario === undefined ? undefined : recorder.scenario(scenario);
    let dueMs = intendedMs;
    for (const step of flow.steps) {
      if (this.closed) return;
      const req = step.request;
      if (req !== undefined) {
        let url: string;
        let body: string | undefined;
        const headers: Record<string, string> = {};
        try {
          url = req.url.render(vars, this.ctx);
          for (const [k, t] of req.headers) headers[k] = t.render(vars, this.ctx);
          body = req.body?.render(vars, this.ctx);
          if (jar !== undefined) addCookieHeader(headers, jar.header(url));
        } catch {
          // e.g. a value an earlier step failed to extract: this run cannot go on.
          requestNames.onRenderFailed(req.name);
          scen?.onRenderFailed(scenario as string);
          return;
        }
        const sentMs = this.clock.nowMs();
        recorder.onSent();
        const res = await this.http.send({ url, method: req.method, headers, body, timeoutMs: req.timeoutMs, readBody: step.readBody, connections: recorder });
        const endMs = this.clock.nowMs();
        if (!res.ok) {
          recorder.onEndAt(res.kind, res.bytes, dueMs, sentMs, endMs);
          const outcome = { outcome: res.kind, failed: false, latencyMs: 0, checksPassed: 0, failedChecks: [], extractFailed: 0, bodyTruncated: false };
          requestNames.onEnd(req.name, outcome);
          scen?.onEnd(scenario as string, outcome);
        } else {
          const expected = req.expected ?? expectedDefault;
          recorder.onWaiting(res.waitingMs);
          recorder.onEndAt(res.status, res.bytes, dueMs, sentMs, endMs, expected);
          jar?.store(url, res.headers);
          const view = responseView(res.status, res.headers, res.body);
          const checked = step.checks.length === 0 ? { passed: 0, failed: [] } : runChecks(step.checks, view);
          const extracted = step.extractors.length === 0 ? undefined : extractAll(step.extractors, view);
          if (extracted !== undefined) Object.assign(vars, extracted.values);
          const outcome = {
            outcome: res.status, failed: res.status >= 0 && res.status < expected.length && expected[res.status] !== 1, latencyMs: endMs - dueMs, checksPassed: checked.passed, failedChecks: checked.failed.map((f) => f.name),
            extractFailed: extracted?.failures.length ?? 0, bodyTruncated: res.truncated, waitingMs: res.waitingMs,
          };
          requestNames.onEnd(req.name, outcome);
          scen?.onEnd(scenario as string, outcome);
        }
        dueMs = endMs;
      }
      const thinkMs = step.thinkRandom === undefined ? step.thinkMs : drawThinkMs(step.thinkRandom, this.random);
      if (thinkMs > 0) {
        dueMs += thinkMs;
        await this.sleep(thinkMs);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => { this.sleeping.delete(entry); resolve(); }, ms),
        wake: resolve,
      };
      this.sleeping.add(entry);
    });
  }

  /**
   * Starts no more steps (thinking runs end now), lets requests in flight finish for up to
   * drainTimeoutMs (then they end as kind 'other'), and resolves when every run has ended. Idempotent.
   */
  async close(drainTimeoutMs: number): Promise<void> {
    this.closed = true;
    for (const s of this.sleeping) {
      clearTimeout(s.timer);
      s.wake();
    }
    this.sleeping.clear();
    await this.http.close(drainTimeoutMs);
    if (this.activeCount > 0) {
      await new Promise<void>((resolve) => {
        const guard = setTimeout(resolve, 1000);
        this.onIdle = () => { clearTimeout(guard); resolve(); };
      });
      this.onIdle = undefined;
    }
  }
}
