// An agent simulator: N agents in one process, each a real AgentSession (hello, heartbeats, acks, outbox,
// reconnects) on its own gRPC connection to a real coordinator, with a simulated engine that sends no
// HTTP but reports realistic figures: every interval one delta snapshot whose latency and service
// histograms are encoded HDR histograms of ~1k recorded values (as many as the agent's share of the rate
// in one second, up to 1,000), with counters to match. Its Done carries cumulative figures equal to the
// sum of its deltas, so the coordinator's reconciliation is exact.
//
// For the coordinator scale bench (bench/coordinator-scale.ts) and the scale e2e test. It records, per
// (phase, interval), when the last simulated agent sent its snapshot (`lastSentAtMs`, performance.now()),
// so that the caller can time the coordinator's live tick for that interval against it.
import { hostname } from 'node:os';
import type { AgentPlan } from '../common/plan/agent-plan.js';
import type { ShareTail } from '../common/protocol/live-change.js';
import { planDurationMs } from '../common/plan/agent-plan.js';
import { encodeHistogram, newHistogram } from '../common/metrics/histogram.js';
import type { Histogram } from '../common/metrics/histogram.js';
import type { Phase, Stats } from '../common/metrics/stats.js';
import { emptyStats } from '../common/metrics/stats.js';
import { emptyErrorsByKind } from '../common/metrics/counters.js';
import { systemClock } from '../common/runtime/clock.js';
import type { Engine, EngineResult, EngineSnapshot } from '../agent/engine/engine.js';
import { createGrpcDialer } from '../agent/grpc-link.js';
import { AgentSession } from '../agent/session.js';
import type { SessionState } from '../agent/session.js';

/** Values per histogram variant, and how many variants there are (interval i sends variant i mod 16). */
const VALUES_PER_HIST = 1_000;
const VARIANTS = 16;

interface Variant {
  latency: Histogram;
  service: Histogram;
  latencyHist: string;
  serviceHist: string;
  count: number;
}

/** A deterministic pseudo-random sequence (xorshift32), so every run sends the same figures. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4_294_967_296;
  };
}

/** Histograms shaped like a real service: log-normal around ~2 ms with a tail to ~100 ms (microseconds). */
function makeVariants(values: number): Variant[] {
  const out: Variant[] = [];
  for (let v = 0; v < VARIANTS; v++) {
    const r = rng(v + 1);
    const latency = newHistogram();
    const service = newHistogram();
    for (let i = 0; i < values; i++) {
      const z = Math.sqrt(-2 * Math.log(r() || 1e-9)) * Math.cos(2 * Math.PI * r());
      const serviceUs = Math.max(50, Math.round(Math.exp(7.5 + 0.6 * z) + (r() < 0.01 ? r() * 100_000 : 0)));
      service.recordValue(serviceUs);
      latency.recordValue(serviceUs + Math.round(r() * 200));
    }
    out.push({ latency, service, latencyHist: encodeHistogram(latency), serviceHist: encodeHistogram(service), count: values });
  }
  return out;
}

function statsOf(v: Variant | undefined): Stats {
  if (v === undefined) return emptyStats();
  return {
    latencyHist: v.latencyHist, serviceHist: v.serviceHist, requests: v.count, sent: v.count, dropped: 0, errorsByKind: emptyErrorsByKind(),
    statusCodes: { 200: v.count }, failedByStatus: {}, inFlightPeak: 8, eventLoopDelayP99Ms: 1.2, scheduleLagP99Ms: 0.4, bytesReceived: v.count * 120,
  };
}

export interface SimOptions {
  address: string;
  token: string | undefined;
  count: number;
  /** Agent ids are `${idPrefix}-${i}`. */
  idPrefix?: string;
  log?: (line: string) => void;
}

export interface SimFleet {
  /** performance.now() when the last agent sent its snapshot of `${phase}:${intervalIndex}`. */
  readonly lastSentAtMs: Map<string, number>;
  /** Snapshots sent, and the requests they carried, over every agent (main phase). */
  readonly sent: { snapshots: number; requests: number };
  states(): SessionState[];
  /** Resolves once every simulated agent joined (state idle), or rejects after timeoutMs. */
  joined(timeoutMs: number): Promise<void>;
  /** Graceful stop of every agent (each drains and leaves). Idempotent. */
  close(): Promise<void>;
}

/** The simulated engine: snapshots on the engine's own interval boundaries, no HTTP. */
class SimEngine implements Engine {
  readonly done: Promise<EngineResult>;
  private resolveDone!: (r: EngineResult) => void;
  private readonly plan: AgentPlan;
  private readonly onSnapshot: (s: EngineSnapshot) => void;
  private readonly fleet: { variants: Variant[]; sim: SimFleetImpl };
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;
  private phase: Phase = 'main';
  private phaseStartMs = 0;
  private mainStartMs = 0;
  private index = 0;
  private lastEdgeMs = 0;
  private stopped = false;
  private readonly used: Record<Phase, Variant[]> = { warmup: [], main: [] };
  private rateRps: number;

  constructor(plan: AgentPlan, onSnapshot: (s: EngineSnapshot) => void, fleet: { variants: Variant[]; sim: SimFleetImpl }) {
    this.plan = plan;
    this.onSnapshot = onSnapshot;
    this.fleet = fleet;
    this.rateRps = plan.segments[0]?.from ?? 0;
    this.done = new Promise((resolve) => { this.resolveDone = resolve; });
  }

  start(): void {
    const now = performance.now();
    this.phase = this.plan.warmupMs > 0 ? 'warmup' : 'main';
    this.phaseStartMs = now;
    this.lastEdgeMs = now;
    if (this.phase === 'main') this.mainStartMs = now;
    this.index = this.phase === 'main' ? (this.plan.intervalOffset ?? 0) : 0;
    this.schedule();
  }

  private phaseLengthMs(): number {
    return this.phase === 'warmup' ? this.plan.warmupMs : planDurationMs(this.plan);
  }

  /** The next interval edge of the current phase (the first main one of a joiner is firstIntervalMs long). */
  private nextEdgeMs(): number {
    const iv = this.plan.snapshotIntervalMs;
    const first = this.phase === 'main' && this.plan.firstIntervalMs !== undefined ? this.plan.firstIntervalMs : iv;
    const k = this.index - (this.phase === 'main' ? (this.plan.intervalOffset ?? 0) : 0);
    return Math.min(this.phaseStartMs + first + k * iv, this.phaseStartMs + this.phaseLengthMs());
  }

  private schedule(): void {
    if (this.stopped) return;
    const edgeMs = this.nextEdgeMs();
    this.timer = setTimeout(() => this.edge(edgeMs), Math.max(0, edgeMs - performance.now()));
  }

  private emit(now: number): void {
    const intervalMs = now - this.lastEdgeMs;
    this.lastEdgeMs = now;
    const share = this.phase === 'main' ? this.rateRps : this.plan.segments[0]?.from ?? 0;
    // Every agent sends the same variant for the same interval: same work for the coordinator as distinct
    // ones, and the agents' cumulative figures are computed once for the fleet (cumulativeOf), so that a
    // thousand Dones at the end do not stall this one process (a real fleet computes them on N hosts).
    const v = share * (intervalMs / 1000) >= 1 && intervalMs >= this.plan.snapshotIntervalMs / 2 ? this.fleet.variants[this.index % this.fleet.variants.length] : undefined;
    if (v !== undefined) this.used[this.phase].push(v);
    this.seq++;
    this.onSnapshot({ seq: this.seq, phase: this.phase, intervalIndex: this.index, intervalMs, stats: statsOf(v), rateRps: share, concurrency: 0 });
    this.fleet.sim.noteSent(this.phase, this.index, performance.now(), v?.count ?? 0);
  }

  /** `edgeMs`: the edge this timer was set for (the phase ends on its last one, whatever the timer's jitter). */
  private edge(edgeMs: number): void {
    const now = performance.now();
    this.emit(now);
    this.index++;
    if (edgeMs >= this.phaseStartMs + this.phaseLengthMs() - 25) {
      if (this.phase === 'warmup') {
        this.phase = 'main';
        this.phaseStartMs = now;
        this.mainStartMs = now;
        this.index = this.plan.intervalOffset ?? 0;
      } else {
        this.finish(false);
        return;
      }
    }
    this.schedule();
  }

  private finish(early: boolean): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.stopped = true;
    const cumulative = (vs: Variant[]): Stats => {
      if (vs.length === 0) return emptyStats();
      const key = vs.map((v) => this.fleet.variants.indexOf(v)).join(',');
      const cached = this.fleet.sim.cumulative.get(key);
      if (cached !== undefined) return cached;
      const lat = newHistogram();
      const svc = newHistogram();
      for (const v of vs) {
        lat.add(v.latency);
        svc.add(v.service);
      }
      const n = vs.reduce((s, v) => s + v.count, 0);
      const s: Stats = {
        ...statsOf(vs[0]), latencyHist: encodeHistogram(lat), serviceHist: encodeHistogram(svc), requests: n, sent: n, statusCodes: { 200: n },
        bytesReceived: vs.reduce((b, v) => b + v.count * 120, 0),
      };
      lat.destroy();
      svc.destroy();
      this.fleet.sim.cumulative.set(key, s);
      return s;
    };
    this.resolveDone({
      main: cumulative(this.used.main), warmup: cumulative(this.used.warmup),
      mainDurationMs: this.mainStartMs === 0 ? 0 : performance.now() - this.mainStartMs, lastSeq: this.seq, stoppedEarly: early,
    });
  }

  change(share: ShareTail): void {
    // the simulator runs open-model plans only
    if (share.kind === 'rate') this.rateRps = share.tail[0]?.from ?? this.rateRps;
  }

  mainElapsedMs(): number {
    return this.mainStartMs === 0 ? 0 : performance.now() - this.mainStartMs;
  }

  stop(): void {
    if (this.stopped) return;
    this.emit(performance.now());
    this.finish(true);
  }
}

class SimFleetImpl implements SimFleet {
  readonly lastSentAtMs = new Map<string, number>();
  readonly sent = { snapshots: 0, requests: 0 };
  readonly sessions: AgentSession[] = [];
  /** Cumulative figures by the sequence of variants an agent sent (shared: most agents send the same). */
  readonly cumulative = new Map<string, Stats>();

  noteSent(phase: Phase, index: number, atMs: number, requests: number): void {
    const key = `${phase}:${index}`;
    const prev = this.lastSentAtMs.get(key);
    if (prev === undefined || atMs > prev) this.lastSentAtMs.set(key, atMs);
    if (phase === 'main') {
      this.sent.snapshots++;
      this.sent.requests += requests;
    }
  }

  states(): SessionState[] {
    return this.sessions.map((s) => s.currentState);
  }

  async joined(timeoutMs: number): Promise<void> {
    const end = performance.now() + timeoutMs;
    while (this.states().some((s) => s !== 'idle')) {
      if (performance.now() > end) {
        const n = this.states().filter((s) => s === 'idle').length;
        throw new Error(`only ${n} of ${this.sessions.length} simulated agents joined within ${Math.round(timeoutMs / 1000)} s`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private closing: Promise<void> | undefined;

  close(): Promise<void> {
    this.closing ??= Promise.all(this.sessions.map((s) => s.stop())).then(() => undefined);
    return this.closing;
  }
}

/** Starts `count` simulated agents joining `address`; they stay until close(). */
export function simulateAgents(opts: SimOptions): SimFleet {
  const sim = new SimFleetImpl();
  const shared = { variants: makeVariants(VALUES_PER_HIST), sim };
  const prefix = opts.idPrefix ?? 'sim';
  const log = opts.log;
  for (let i = 0; i < opts.count; i++) {
    const agentId = `${prefix}-${i + 1}`;
    const session = new AgentSession({
      dialer: createGrpcDialer({ address: opts.address, token: opts.token, ownConnection: true }),
      createEngine: (plan, onSnapshot) => new SimEngine(plan, onSnapshot, shared),
      clock: systemClock,
      agentId,
      host: hostname(),
      cores: 1,
      version: 'sim',
      log: (level, message) => {
        if (level !== 'info') log?.(`${agentId} ${level}: ${message}`);
      },
    });
    sim.sessions.push(session);
    session.start();
  }
  return sim;
}
