// The figures per request name (report.json's requests[name]) and per scenario, merged across agents for
// one phase. Used by coordinator/merge/aggregator.ts only, which calls add() exactly once per merged
// snapshot (its seq discipline) and repair() once per agent at its Done. Percentiles come from merged
// histograms only.
//
// Contracts (the same as the run's global figures):
// - Totals: every merged delta once. At Done, an agent's merged deltas are compared with its cumulative
//   per-request figures; when deltas were lost, "cumulative minus merged" is added to the totals (once),
//   so they equal what the agent counted. A seq arriving after that repair only fills its interval.
//   Merged deltas beyond the cumulative figures (impossible unless a peer misbehaves) are reported and
//   left as merged.
// - Intervals: the newest KEPT_INTERVALS intervals are kept per name (for the live view); a delta for an
//   older interval only counts in the totals.
// Memory: per agent and name, the merged latency as sparse counts (a few KB); per kept interval and name
// likewise; per name one live histogram (~90 KB) for the totals.
// Measured (bench/live-requests.ts; 20 agents x 50 names, 2,000 requests per agent-second):
// ~2.3 ms per snapshot (a full decode per name would cost ~4.8 ms), ~12 ms per tick for the live rows
// (one-pass percentiles, common/metrics/histogram.ts percentilesMs).
import type { Histogram, LatencyMs, SparseCounts } from '../../common/metrics/histogram.js';
import { addHistogram, decodeSparse, encodeHistogram, latencyMs, newHistogram, percentilesMs } from '../../common/metrics/histogram.js';
import { REQUEST_SCALARS, addRequestCounters, emptyRequestFigures } from '../../common/metrics/stats.js';
import type { RequestFigures, RequestNameFigures } from '../../common/metrics/stats.js';
import type { Outcomes } from '../../common/metrics/counters.js';
import { ERROR_KINDS, errorTotal, failedTotal } from '../../common/metrics/counters.js';
import { Shortfall } from './counter-checks.js';
import { SparseTally, sparseMinus } from './sparse-tally.js';
import { MAX_REQUEST_NAMES, MAX_RUN_REQUEST_NAMES, OTHER_REQUEST_NAME } from '../../common/protocol/wire-limits.js';
import type { RequestLive } from './request-live.js';
export type { RequestLive } from './request-live.js';

/** One request name's merged figures of a phase. */
export interface RequestTotals extends Outcomes {
  /** Transport errors: the total of errorsByKind. */
  errors: number;
  /** Failed requests (responses whose status was not expected): the total of failedByStatus. */
  failed: number;
  checks: { passed: number; failed: number; failures: Record<string, number> };
  extractFailed: number;
  renderFailed: number;
  bodyTruncated: number;
  latencyMs: LatencyMs;
  /** Encoded merged latency histogram ("" when empty). */
  latencyHist: string;
}

/** Several scenarios at once: one scenario's merged figures of a phase (repaired at Done like a request name's). */
export interface ScenarioTotals extends RequestTotals {
  iterations: number;
  noData: number;
}

export interface FlowTotals {
  /** Flow runs started. */
  iterations: number;
  /** Flow runs that sent nothing: a `unique` feeder had no row left. */
  noData: number;
}


/** The live rows of a window: the `limit` busiest names (most requests first) and how many names there were. */
export interface RequestLiveSet {
  rows: RequestLive[];
  names: number;
}

/** Per phase and name, how many newest intervals keep their own figures (for the live view). */
export const KEPT_INTERVALS = 32;

type DecodedNames = Map<string, Histogram | SparseCounts>;
/** A delta's (or cumulative's) histograms, decoded: per request name and per scenario name. */
export interface Decoded {
  requests: DecodedNames;
  scenarios: DecodedNames;
}

export function emptyDecoded(): Decoded {
  return { requests: new Map(), scenarios: new Map() };
}

/**
 * Decodes every histogram of a delta or cumulative, or throws an Error naming the entry (nothing left to
 * free) before anything is merged: undecodable, or more values than the name's requests.
 */
export function decodeRequestNames(figures: RequestNameFigures): Decoded {
  const out = emptyDecoded();
  const decode = (into: DecodedNames, field: string, name: string, r: RequestFigures): void => {
    let h: Histogram | SparseCounts;
    try {
      h = decodeSparse(r.latencyHist);
    } catch (e) {
      throw new Error(`${field}["${name}"].latencyHist: undecodable per-request histogram`, { cause: e });
    }
    into.set(name, h);
    if (h.totalCount > r.requests) throw new Error(`${field}["${name}"].latencyHist holds ${h.totalCount} values for ${r.requests} request(s)`);
  };
  try {
    for (const [name, r] of Object.entries(figures.byRequestName)) decode(out.requests, 'byRequest', name, r);
    for (const [name, r] of Object.entries(figures.byScenario ?? {})) decode(out.scenarios, 'byScenario', name, r);
  } catch (e) {
    freeDecoded(out);
    throw e;
  }
  return out;
}

export function freeDecoded(d: Decoded): void {
  for (const m of [d.requests, d.scenarios]) {
    for (const h of m.values()) h.destroy();
    m.clear();
  }
}

interface Tallied {
  counters: RequestFigures;
  latency: SparseTally;
}

interface Runs {
  iterations: number;
  noData: number;
}

interface AgentRequests {
  byName: Map<string, Tallied>;
  byScenario: Map<string, Tallied>;
  scenarioRuns: Map<string, Runs>;
  iterations: number;
  noData: number;
  /** The Done repair added "cumulative minus merged" to the totals: later seqs are already in them. */
  repaired: boolean;
}

/** truth - merged, counters only; `excess` names every counter where merged is larger (diff 0 there). */
function diffRequestCounters(truth: RequestFigures, merged: RequestFigures): { diff: RequestFigures; excess: string[] } {
  const diff = emptyRequestFigures();
  const s = new Shortfall();
  for (const k of REQUEST_SCALARS) diff[k] = s.count(k, truth[k], merged[k]);
  for (const kind of ERROR_KINDS) diff.errorsByKind[kind] = s.count(`errors.${kind}`, truth.errorsByKind[kind], merged.errorsByKind[kind]);
  for (const key of ['statusCodes', 'failedByStatus', 'checkFailures'] as const) s.counts((k) => `${key}.${k}`, diff[key], truth[key], merged[key]);
  return { diff, excess: s.excess };
}

function isZeroRequest(r: RequestFigures): boolean {
  return REQUEST_SCALARS.every((k) => r[k] === 0) && errorTotal(r.errorsByKind) === 0 && Object.values(r.statusCodes).every((n) => n === 0)
    && Object.values(r.failedByStatus).every((n) => n === 0) && Object.values(r.checkFailures).every((n) => n === 0);
}

function liveRow(name: string, c: RequestFigures, latency: Histogram | SparseCounts, seconds: number): RequestLive {
  const [p50Ms, p95Ms, p99Ms] = percentilesMs(latency, [50, 95, 99]) as [number, number, number];
  return {
    name, requests: c.requests, rps: seconds > 0 ? Math.round((c.requests / seconds) * 10) / 10 : 0, errors: errorTotal(c.errorsByKind),
    failed: failedTotal(c.failedByStatus), checksPassed: c.checksPassed, checksFailed: c.checksFailed, p50Ms, p95Ms, p99Ms,
  };
}

/** The `limit` names with most requests (then by name), as live rows; percentiles are read for those only. */
function busiest<T>(entries: Iterable<[string, T]>, requestsOf: (t: T) => number, row: (name: string, t: T) => RequestLive, limit: number): RequestLiveSet {
  const all = [...entries].sort(([a, x], [b, y]) => requestsOf(y) - requestsOf(x) || a.localeCompare(b));
  return { rows: all.slice(0, Math.max(0, limit)).map(([name, t]) => row(name, t)), names: all.length };
}

export class RequestNameMerge {
  private readonly byName = new Map<string, { counters: RequestFigures; latency: Histogram }>();
  private readonly byScenario = new Map<string, { counters: RequestFigures; latency: Histogram }>();
  private readonly scenarioRuns = new Map<string, Runs>();
  private readonly agents = new Map<string, AgentRequests>();
  private readonly intervals = new Map<number, Map<string, Tallied>>();
  private maxIndex = -1;
  private iterations = 0;
  private noData = 0;
  private seen = false;

  /**
   * Why `figures` (a delta or a Done's cumulative of `agentId`) would take this phase past its name bounds
   * (common/protocol/wire-limits.ts: MAX_REQUEST_NAMES per agent, maxRunNames per run, scenario names alike);
   * undefined when it fits. Call before add() or repair(): they keep every name they see.
   */
  namesProblem(agentId: string, figures: RequestNameFigures, maxRunNames = MAX_RUN_REQUEST_NAMES): string | undefined {
    const own = this.agents.get(agentId);
    for (const [field, names, agentHas, runHas] of [
      ['byRequest', Object.keys(figures.byRequestName), own?.byName, this.byName],
      ['byScenario', Object.keys(figures.byScenario ?? {}), own?.byScenario, this.byScenario],
    ] as const) {
      const agentNew = names.filter((n) => agentHas?.has(n) !== true).length;
      const agentAll = (agentHas?.size ?? 0) + agentNew;
      if (agentAll > MAX_REQUEST_NAMES) return `${field}: ${agentAll} names from this agent, over ${MAX_REQUEST_NAMES} (it must fold the rest into "${OTHER_REQUEST_NAME}")`;
      const runAll = runHas.size + names.filter((n) => !runHas.has(n)).length;
      if (runAll > maxRunNames) return `${field}: ${runAll} names in this run, over ${maxRunNames}`;
    }
    return undefined;
  }

  /**
   * Adds one delta of `agentId` for `intervalIndex`; `decoded` is decodeRequestNames of the same delta (freed
   * here). After this agent's repair the delta only fills its interval (the totals already hold it).
   */
  add(agentId: string, intervalIndex: number, figures: RequestNameFigures, decoded: Decoded): void {
    try {
      this.seen = true;
      this.maxIndex = Math.max(this.maxIndex, intervalIndex);
      for (const i of this.intervals.keys()) if (i <= this.maxIndex - KEPT_INTERVALS) this.intervals.delete(i);
      let interval: Map<string, Tallied> | undefined;
      if (intervalIndex > this.maxIndex - KEPT_INTERVALS) {
        interval = this.intervals.get(intervalIndex) ?? new Map<string, Tallied>();
        this.intervals.set(intervalIndex, interval);
      }
      const own = this.agent(agentId);
      const toTotals = !own.repaired;
      if (toTotals) {
        this.iterations += figures.iterations;
        this.noData += figures.noData;
        own.iterations += figures.iterations;
        own.noData += figures.noData;
      }
      for (const [name, r] of Object.entries(figures.byRequestName)) {
        const h = decoded.requests.get(name) as Histogram | SparseCounts;
        if (interval !== undefined) tally(interval, name, r, h);
        if (!toTotals) continue;
        tally(own.byName, name, r, h);
        addTo(this.byName, name, r, h);
      }
      if (toTotals) {
        for (const [name, r] of Object.entries(figures.byScenario ?? {})) {
          const h = decoded.scenarios.get(name) as Histogram | SparseCounts;
          tally(own.byScenario, name, r, h);
          addTo(this.byScenario, name, r, h);
          addRuns(own.scenarioRuns, name, r.iterations, r.noData);
          addRuns(this.scenarioRuns, name, r.iterations, r.noData);
        }
      }
    } finally {
      freeDecoded(decoded);
    }
  }

  /**
   * Done of `agentId`: its cumulative figures of this phase (undefined: it sent none) against its merged
   * deltas; `decoded` is decodeRequestNames(cumulative) (freed here). Adds what never arrived into the totals.
   * Call once per agent (the aggregator ignores a second Done).
   */
  repair(agentId: string, cumulative: RequestNameFigures | undefined, decoded: Decoded): { status: 'exact' | 'repaired' | 'mismatch'; detail?: string } {
    try {
      const own = this.agent(agentId);
      const truth: RequestNameFigures = cumulative ?? { byRequestName: {}, iterations: 0, noData: 0 };
      const excess: string[] = [];
      const fixes: { name: string; diff: RequestFigures; latency: SparseCounts }[] = [];
      const scenarioFixes: { name: string; diff: RequestFigures; latency: SparseCounts; runs: Runs }[] = [];
      const compare = (name: string, truthOf: RequestFigures | undefined, mine: Tallied | undefined, cumOf: Histogram | SparseCounts | undefined, label: string):
        { diff: RequestFigures; latency: SparseCounts } | undefined => {
        const m = mine ?? { counters: emptyRequestFigures(), latency: new SparseTally() };
        const { diff, excess: over } = diffRequestCounters(truthOf ?? emptyRequestFigures(), m.counters);
        const cum = cumOf ?? emptySparse();
        const hist = sparseMinus(cum, m.latency);
        if (hist.excess > 0) over.push(`latency histogram +${hist.excess}`);
        excess.push(...over.map((o) => `${label}${name}: ${o}`));
        return !isZeroRequest(diff) || hist.diff.totalCount > 0 ? { diff, latency: hist.diff } : undefined;
      };
      for (const name of new Set([...Object.keys(truth.byRequestName), ...own.byName.keys()])) {
        const fix = compare(name, truth.byRequestName[name], own.byName.get(name), decoded.requests.get(name), '');
        if (fix !== undefined) fixes.push({ name, ...fix });
      }
      const truthScenarios = truth.byScenario ?? {};
      for (const name of new Set([...Object.keys(truthScenarios), ...own.byScenario.keys()])) {
        const t = truthScenarios[name];
        const mineRuns = own.scenarioRuns.get(name) ?? { iterations: 0, noData: 0 };
        const runs = { iterations: (t?.iterations ?? 0) - mineRuns.iterations, noData: (t?.noData ?? 0) - mineRuns.noData };
        if (runs.iterations < 0 || runs.noData < 0) excess.push(`scenario ${name}: flow runs +${Math.max(-runs.iterations, -runs.noData)}`);
        const fix = compare(name, t, own.byScenario.get(name), decoded.scenarios.get(name), 'scenario ');
        if (fix !== undefined || runs.iterations > 0 || runs.noData > 0) {
          scenarioFixes.push({ name, ...(fix ?? { diff: emptyRequestFigures(), latency: emptySparse() }), runs });
        }
      }
      if (own.iterations > truth.iterations) excess.push(`flow runs +${own.iterations - truth.iterations}`);
      if (own.noData > truth.noData) excess.push(`no-data flow runs +${own.noData - truth.noData}`);
      if (excess.length > 0) return { status: 'mismatch', detail: `per request: merged deltas exceed the cumulative figures (${excess.join(', ')}); left as merged` };
      const moreIterations = truth.iterations - own.iterations;
      const moreNoData = truth.noData - own.noData;
      if (fixes.length === 0 && scenarioFixes.length === 0 && moreIterations === 0 && moreNoData === 0) return { status: 'exact' };
      own.repaired = true;
      this.seen = true;
      this.iterations += moreIterations;
      this.noData += moreNoData;
      let requests = 0;
      for (const f of fixes) {
        addTo(this.byName, f.name, f.diff, f.latency);
        requests += f.diff.requests;
      }
      for (const f of scenarioFixes) {
        addTo(this.byScenario, f.name, f.diff, f.latency);
        addRuns(this.scenarioRuns, f.name, Math.max(0, f.runs.iterations), Math.max(0, f.runs.noData));
      }
      return { status: 'repaired', detail: `per request: added ${requests} request(s) of ${fixes.length} name(s) from the cumulative figures` };
    } finally {
      freeDecoded(decoded);
    }
  }

  totals(): { byRequestName: Record<string, RequestTotals>; byScenario: Record<string, ScenarioTotals>; flows: FlowTotals | null } {
    const byRequestName: Record<string, RequestTotals> = {};
    for (const [name, { counters, latency }] of [...this.byName].sort(([a], [b]) => a.localeCompare(b))) byRequestName[name] = totalsOf(counters, latency);
    const byScenario: Record<string, ScenarioTotals> = {};
    for (const [name, { counters, latency }] of this.byScenario) {
      byScenario[name] = { ...totalsOf(counters, latency), ...(this.scenarioRuns.get(name) ?? { iterations: 0, noData: 0 }) };
    }
    return { byRequestName, byScenario, flows: this.seen ? { iterations: this.iterations, noData: this.noData } : null };
  }

  /** The interval's live rows (undefined when it is not kept, or no request name reported in it). */
  liveInterval(index: number, intervalMs: number, limit: number): RequestLiveSet | undefined {
    const interval = this.intervals.get(index);
    if (interval === undefined || interval.size === 0) return undefined;
    return busiest(interval, (t) => t.counters.requests, (name, t) => liveRow(name, t.counters, t.latency.toSparse(), intervalMs / 1000), limit);
  }

  /** The phase so far: rates over the intervals seen (0..highest index). */
  liveSoFar(intervalMs: number, limit: number): RequestLiveSet {
    const seconds = ((this.maxIndex + 1) * intervalMs) / 1000;
    return busiest(this.byName, (t) => t.counters.requests, (name, t) => liveRow(name, t.counters, t.latency, seconds), limit);
  }

  destroy(): void {
    for (const v of [...this.byName.values(), ...this.byScenario.values()]) v.latency.destroy();
    this.byName.clear();
    this.byScenario.clear();
    this.agents.clear();
    this.intervals.clear();
  }

  private agent(id: string): AgentRequests {
    let a = this.agents.get(id);
    if (a === undefined) {
      a = { byName: new Map(), byScenario: new Map(), scenarioRuns: new Map(), iterations: 0, noData: 0, repaired: false };
      this.agents.set(id, a);
    }
    return a;
  }
}

function tally(into: Map<string, Tallied>, name: string, r: RequestFigures, h: Histogram | SparseCounts): void {
  let t = into.get(name);
  if (t === undefined) {
    t = { counters: emptyRequestFigures(), latency: new SparseTally() };
    into.set(name, t);
  }
  addRequestCounters(t.counters, r);
  t.latency.add(h);
}

/** into[name] += r (counters and latency; a new name gets its own histogram). */
function addTo(into: Map<string, { counters: RequestFigures; latency: Histogram }>, name: string, r: RequestFigures, h: Histogram | SparseCounts): void {
  let t = into.get(name);
  if (t === undefined) {
    t = { counters: emptyRequestFigures(), latency: newHistogram() };
    into.set(name, t);
  }
  addRequestCounters(t.counters, r);
  addHistogram(t.latency, h);
}

function addRuns(into: Map<string, Runs>, name: string, iterations: number, noData: number): void {
  const runs = into.get(name) ?? { iterations: 0, noData: 0 };
  runs.iterations += iterations;
  runs.noData += noData;
  into.set(name, runs);
}

function totalsOf(c: RequestFigures, latency: Histogram): RequestTotals {
  return {
    requests: c.requests, errorsByKind: { ...c.errorsByKind }, errors: errorTotal(c.errorsByKind), statusCodes: { ...c.statusCodes },
    failedByStatus: { ...c.failedByStatus }, failed: failedTotal(c.failedByStatus),
    checks: { passed: c.checksPassed, failed: c.checksFailed, failures: { ...c.checkFailures } },
    extractFailed: c.extractFailed, renderFailed: c.renderFailed, bodyTruncated: c.bodyTruncated,
    latencyMs: latencyMs(latency), latencyHist: encodeHistogram(latency),
  };
}

function emptySparse(): SparseCounts {
  return { sparse: true as const, indices: new Uint32Array(0), counts: new Float64Array(0), totalCount: 0, destroy: () => {} };
}
