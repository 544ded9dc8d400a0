// The dashboard's wire contract: the page's configuration and the JSON of each `update` event of
// /api/events. Types only, importing only import-free type files: the server (state.ts) builds these
// values from its own types, so a wider union there fails to compile, and the page script
// (browser/dashboard.ts, compiled with the DOM library by tsconfig.browser.json) reads them without
// pulling server code into the browser build.

import type { RequestLive } from '../../merge/request-live.js';

/** The page's configuration (JSON in #dash-config). */
export interface DashConfig {
  needsToken: boolean;
  intervalMs: number;
}

export type DashPhase = 'warmup' | 'main';

/** One merged interval. `t` is seconds from the main phase's start to the interval's start (negative in warm-up). */
export interface DashPoint {
  t: number;
  phase: DashPhase;
  /** Scheduled arrivals per second: with flows, flow runs per second (compare with flowRps, not rps). */
  targetRps: number;
  /** HTTP requests that ended, per second. */
  rps: number;
  /** Flow runs started per second (0 for a single-request run). */
  flowRps: number;
  missingRps: number;
  concurrency: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Responses by status class, transport errors, and failed requests (status not expected), in this interval. */
  s2xx: number;
  s3xx: number;
  s4xx: number;
  s5xx: number;
  errors: number;
  failed: number;
  dropped: number;
  /** The scenario language: the interval's busiest request names (DASH_POINT_NAMES), for the latency chart's selector. */
  byRequest?: Record<string, { rps: number; p50: number; p95: number; p99: number }>;
}

export interface DashEvent {
  /** Milliseconds since the main phase's start (negative in warm-up). */
  atMs: number;
  level: 'info' | 'warn' | 'error';
  message: string;
}

export type AgentFlag = 'ok' | 'saturated' | 'missing';

export interface DashAgent {
  id: string;
  host: string;
  state: 'assigned' | 'running' | 'leaving' | 'done' | 'failed' | 'lost';
  shareRps: number;
  /** Share of the fleet's scheduled rate (or loops), %. */
  sharePct: number;
  concurrency: number;
  achievedRps: number | null;
  eventLoopP99Ms: number | null;
  scheduleLagP99Ms: number | null;
  lastSnapshotAgeMs: number | null;
  flag: AgentFlag;
  why: string;
}

export interface DashRun {
  runId: string;
  name: string;
  model: 'open' | 'closed';
  target: string;
  state: 'running' | 'stopping' | 'finished';
  phase: DashPhase;
  elapsedMs: number;
  totalMs: number;
  warmupMs: number;
  targetRps: number;
  concurrency: number;
  verdict: 'pass' | 'generator-bound' | 'failed' | 'agent-lost' | 'thresholds-failed' | 'incomplete' | 'setup-failed' | 'capacity-not-found' | 'regression' | 'not-comparable' | null;
  /** Several scenarios at once: each one's name and model (live changes name one); [] otherwise. */
  scenarios: { name: string; model: 'open' | 'closed' }[];
  /** The scenario language: the target is flow runs per second, shown apart from requests per second. */
  flows?: boolean;
}

/** One request name's row of the live table: of one interval, or of the phase so far. */
export type DashRequestRow = RequestLive;

/** The busiest names of a window, and how many names there were. */
export interface DashRequestSet {
  rows: DashRequestRow[];
  names: number;
}

export interface DashUpdate {
  reset: boolean;
  run: DashRun | null;
  points: DashPoint[];
  events: DashEvent[];
  agents: DashAgent[];
  fleet: { idle: number; busy: number };
  /** The newest tick's per-request table (the scenario language; null before one or for a single-request run). */
  requests: { interval: DashRequestSet | null; soFar: DashRequestSet } | null;
}
