// Typed messages <-> wire. The ONLY file that uses the generated proto types (common/gen). Each
// direction is a union on `kind`; every switch over it is exhaustive. Decoding validates shape and
// throws LoadfleetError PROTOCOL_VIOLATION on a malformed message: the wire is untrusted input.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './gen/fleet.js';
import type { AgentMessage, AgentMessage__Output } from './gen/loadfleet/v1/AgentMessage.js';
import type { CoordinatorMessage, CoordinatorMessage__Output } from './gen/loadfleet/v1/CoordinatorMessage.js';
import type { Stats as WireStats, Stats__Output as WireStatsOut } from './gen/loadfleet/v1/Stats.js';
import type { RunEvent, RunEvent__Output } from './gen/loadfleet/v1/RunEvent.js';
import { LoadfleetError, assertNever } from './errors.js';
import { ERROR_KINDS, emptyErrors } from './stats.js';
import type { Phase, Stats } from './stats.js';
import { segmentSchema } from './plan.js';
import { langStatsFromJson } from './request-stats.js';
import type { LangStats } from './request-stats.js';
import type { Segment } from './plan.js';
import { dataChunkFromWire, rowBlockFromWire, rowsAccountFromWire, rowsWantedFromWire } from './protocol-data.js';
import type { DataChunkMsg, RowBlockMsg, RowsAccountMsg, RowsWantedMsg } from './protocol-data.js';

/** Bumped whenever a peer of the previous version would misread a message. */
export const PROTOCOL_VERSION = 4;

export type { ControlClient } from './gen/loadfleet/v1/Control.js';
export type { ControlHandlers } from './gen/loadfleet/v1/Control.js';
export type { FleetClient, FleetHandlers } from './gen/loadfleet/v1/Fleet.js';
export type { AgentMessage, AgentMessage__Output, CoordinatorMessage, CoordinatorMessage__Output, RunEvent, RunEvent__Output };
export type { StartRequest__Output } from './gen/loadfleet/v1/StartRequest.js';
export type { SetRateRequest__Output } from './gen/loadfleet/v1/SetRateRequest.js';
export type { SetRateReply__Output } from './gen/loadfleet/v1/SetRateReply.js';
export type { StatusReply__Output } from './gen/loadfleet/v1/StatusReply.js';
export type { StopReply__Output } from './gen/loadfleet/v1/StopReply.js';
export type { UploadChunk, UploadChunk__Output } from './gen/loadfleet/v1/UploadChunk.js';
export type { UploadReply__Output } from './gen/loadfleet/v1/UploadReply.js';
export type { DataChunkMsg, RowBlockMsg, RowsAccountMsg, RowsWantedMsg, UploadPiece } from './protocol-data.js';
export { MAX_ROWS_PER_MESSAGE, uploadPieceFromWire } from './protocol-data.js';

// ---------- typed messages ----------

export interface Hello { kind: 'hello'; agentId: string; protocolVersion: number; version: string; host: string; cores: number }
export interface Ready { kind: 'ready'; runId: string; assignment: number }
export interface SnapshotMsg {
  kind: 'snapshot';
  runId: string;
  assignment: number;
  seq: number;
  phase: Phase;
  intervalIndex: number;
  intervalMs: number;
  stats: Stats;
  rateRps: number;
  concurrency: number;
}
export interface HeartbeatMsg { kind: 'heartbeat'; sentAtMs: number }
export interface DoneMsg { kind: 'done'; runId: string; assignment: number; lastSeq: number; main: Stats; warmup: Stats; durationMs: number }
export interface FailureMsg { kind: 'failure'; runId: string; assignment: number; code: string; message: string }
export interface AppliedMsg { kind: 'applied'; runId: string; assignment: number; changeId: number; appliedAtMs: number }
export interface LeavingMsg { kind: 'leaving'; runId: string; assignment: number; reason: string }
export type AgentMsg = Hello | Ready | SnapshotMsg | HeartbeatMsg | DoneMsg | FailureMsg | AppliedMsg | LeavingMsg | RowsWantedMsg | RowsAccountMsg;
/** Agent messages that belong to one assignment of one run. */
export type RunAgentMsg = Ready | SnapshotMsg | DoneMsg | FailureMsg | AppliedMsg | LeavingMsg | RowsWantedMsg | RowsAccountMsg;

export interface Welcome {
  kind: 'welcome';
  protocolVersion: number;
  coordinatorVersion: string;
  heartbeatIntervalMs: number;
  heartbeatMissLimit: number;
  snapshotIntervalMs: number;
}
export interface Assign { kind: 'assign'; runId: string; assignment: number; planJson: string }
export interface SetRateMsg {
  kind: 'set-rate';
  runId: string;
  assignment: number;
  rateRps: number;
  concurrency: number;
  rampMs: number;
  changeId: number;
  /** The agent's schedule from now to its end (open: rates; closed: loops); replaces rateRps/rampMs when present. */
  tail?: Segment[];
  /** Several scenarios at once: the plan part this change is for (absent = the first or only one). */
  scenario?: string;
}
export interface StopMsg { kind: 'stop'; runId: string; reason: string }
export interface AckMsg { kind: 'ack'; runId: string; assignment: number; seq: number; done: boolean; unknownRun: boolean }
export type CoordMsg = Welcome | Assign | SetRateMsg | StopMsg | HeartbeatMsg | AckMsg | DataChunkMsg | RowBlockMsg;


// ---------- package loading ----------

function findProtoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'proto', 'loadfleet', 'v1', 'fleet.proto'))) return join(dir, 'proto');
    dir = dirname(dir);
  }
  throw new LoadfleetError('INTERNAL', 'proto/loadfleet/v1/fleet.proto not found next to the installed code');
}

let cached: ProtoGrpcType | undefined;

/** The loaded loadfleet.v1 package (services and message types), loaded once. */
export function fleetPackage(): ProtoGrpcType['loadfleet']['v1'] {
  if (cached === undefined) {
    const root = findProtoRoot();
    const def = protoLoader.loadSync(join(root, 'loadfleet', 'v1', 'fleet.proto'), {
      keepCase: false,
      longs: Number,
      enums: String,
      defaults: true,
      oneofs: true,
      includeDirs: [root],
    });
    cached = grpc.loadPackageDefinition(def) as unknown as ProtoGrpcType;
  }
  return cached.loadfleet.v1;
}

// ---------- stats ----------

function statsToWire(s: Stats): WireStats {
  return {
    latencyHist: s.latencyHist,
    serviceHist: s.serviceHist,
    requests: s.requests,
    sent: s.sent,
    dropped: s.dropped,
    errors: { ...s.errors },
    statusCodes: Object.fromEntries(Object.entries(s.statusCodes).map(([k, v]) => [Number(k), v])),
    inFlightPeak: s.inFlightPeak,
    eventLoopDelayP99Ms: s.eventLoopDelayP99Ms,
    scheduleLagP99Ms: s.scheduleLagP99Ms,
    bytesReceived: s.bytesReceived,
    langJson: s.lang === undefined ? '' : JSON.stringify(s.lang),
  };
}

function violation(what: string): LoadfleetError {
  return new LoadfleetError('PROTOCOL_VIOLATION', `malformed message: ${what}`);
}

function count(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw violation(`${what} must be a non-negative number`);
  return v;
}

function statsFromWire(w: WireStatsOut | null, what: string): Stats {
  if (w === null) throw violation(`${what} is missing`);
  const errors = emptyErrors();
  for (const [kind, n] of Object.entries(w.errors)) {
    if (!(ERROR_KINDS as readonly string[]).includes(kind)) throw violation(`${what}.errors has unknown kind "${kind}"`);
    errors[kind as keyof typeof errors] = count(n, `${what}.errors.${kind}`);
  }
  const statusCodes: Record<string, number> = {};
  for (const [code, n] of Object.entries(w.statusCodes)) statusCodes[code] = count(n, `${what}.statusCodes.${code}`);
  return {
    latencyHist: w.latencyHist,
    serviceHist: w.serviceHist,
    requests: count(w.requests, `${what}.requests`),
    sent: count(w.sent, `${what}.sent`),
    dropped: count(w.dropped, `${what}.dropped`),
    errors,
    statusCodes,
    inFlightPeak: count(w.inFlightPeak, `${what}.inFlightPeak`),
    eventLoopDelayP99Ms: count(w.eventLoopDelayP99Ms, `${what}.eventLoopDelayP99Ms`),
    scheduleLagP99Ms: count(w.scheduleLagP99Ms, `${what}.scheduleLagP99Ms`),
    bytesReceived: count(w.bytesReceived, `${what}.bytesReceived`),
    ...langFromWire(w.langJson, what),
  };
}

function langFromWire(json: string | undefined, what: string): { lang?: LangStats } {
  try {
    const lang = langStatsFromJson(json ?? '');
    return lang === undefined ? {} : { lang };
  } catch (e) {
    throw violation(`${what}.langJson: ${(e as Error).message}`);
  }
}

function phaseFromWire(p: string): Phase {
  if (p === 'warmup' || p === 'main') return p;
  throw violation(`snapshot.phase must be "warmup" or "main", got "${p}"`);
}

// ---------- agent -> coordinator ----------

export function agentMsgToWire(m: AgentMsg): AgentMessage {
  switch (m.kind) {
    case 'hello':
      return { hello: { agentId: m.agentId, protocolVersion: m.protocolVersion, version: m.version, host: m.host, cores: m.cores } };
    case 'ready':
      return { ready: { runId: m.runId, assignment: m.assignment } };
    case 'snapshot':
      return {
        snapshot: {
          runId: m.runId, assignment: m.assignment, seq: m.seq, phase: m.phase, intervalIndex: m.intervalIndex, intervalMs: m.intervalMs,
          stats: statsToWire(m.stats), rateRps: m.rateRps, concurrency: m.concurrency,
        },
      };
    case 'heartbeat':
      return { heartbeat: { sentAtMs: m.sentAtMs } };
    case 'done':
      return {
        done: { runId: m.runId, assignment: m.assignment, lastSeq: m.lastSeq, main: statsToWire(m.main), warmup: statsToWire(m.warmup), durationMs: m.durationMs },
      };
    case 'failure':
      return { failure: { runId: m.runId, assignment: m.assignment, code: m.code, message: m.message } };
    case 'applied':
      return { applied: { runId: m.runId, assignment: m.assignment, changeId: m.changeId, appliedAtMs: m.appliedAtMs } };
    case 'leaving':
      return { leaving: { runId: m.runId, assignment: m.assignment, reason: m.reason } };
    case 'rows-wanted':
      return { rowsWanted: { runId: m.runId, assignment: m.assignment, feeder: m.feeder, rows: m.rows } };
    case 'rows-account':
      return { rowsAccount: { runId: m.runId, assignment: m.assignment, feeder: m.feeder, used: m.used, unused: m.unused.map((r) => ({ start: r.start, end: r.end })) } };
    default:
      return assertNever(m);
  }
}

export function agentMsgFromWire(w: AgentMessage__Output): AgentMsg {
  switch (w.kind) {
    case 'hello': {
      const h = w.hello!;
      if (h.agentId === '') throw violation('hello.agentId is empty');
      return { kind: 'hello', agentId: h.agentId, protocolVersion: h.protocolVersion, version: h.version, host: h.host, cores: h.cores };
    }
    case 'ready':
      return { kind: 'ready', runId: w.ready!.runId, assignment: w.ready!.assignment };
    case 'snapshot': {
      const s = w.snapshot!;
      if (s.seq < 1) throw violation('snapshot.seq must start at 1');
      return {
        kind: 'snapshot', runId: s.runId, assignment: s.assignment, seq: s.seq, phase: phaseFromWire(s.phase), intervalIndex: s.intervalIndex,
        intervalMs: count(s.intervalMs, 'snapshot.intervalMs'), stats: statsFromWire(s.stats, 'snapshot.stats'),
        rateRps: count(s.rateRps, 'snapshot.rateRps'), concurrency: s.concurrency,
      };
    }
    case 'heartbeat':
      return { kind: 'heartbeat', sentAtMs: w.heartbeat!.sentAtMs };
    case 'done': {
      const d = w.done!;
      return {
        kind: 'done', runId: d.runId, assignment: d.assignment, lastSeq: d.lastSeq, main: statsFromWire(d.main, 'done.main'),
        warmup: statsFromWire(d.warmup, 'done.warmup'), durationMs: count(d.durationMs, 'done.durationMs'),
      };
    }
    case 'failure': {
      const f = w.failure!;
      return { kind: 'failure', runId: f.runId, assignment: f.assignment, code: f.code, message: f.message };
    }
    case 'applied': {
      const a = w.applied!;
      return { kind: 'applied', runId: a.runId, assignment: a.assignment, changeId: a.changeId, appliedAtMs: count(a.appliedAtMs, 'applied.appliedAtMs') };
    }
    case 'leaving': {
      const l = w.leaving!;
      return { kind: 'leaving', runId: l.runId, assignment: l.assignment, reason: l.reason };
    }
    case 'rowsWanted':
      return rowsWantedFromWire(w.rowsWanted!);
    case 'rowsAccount':
      return rowsAccountFromWire(w.rowsAccount!);
    case undefined:
      throw violation('agent message carries no kind');
    default:
      return assertNever(w.kind);
  }
}

// ---------- coordinator -> agent ----------

export function coordMsgToWire(m: CoordMsg): CoordinatorMessage {
  switch (m.kind) {
    case 'welcome':
      return {
        welcome: {
          protocolVersion: m.protocolVersion, coordinatorVersion: m.coordinatorVersion, heartbeatIntervalMs: m.heartbeatIntervalMs,
          heartbeatMissLimit: m.heartbeatMissLimit, snapshotIntervalMs: m.snapshotIntervalMs,
        },
      };
    case 'assign':
      return { assign: { runId: m.runId, assignment: m.assignment, planJson: m.planJson } };
    case 'set-rate':
      return {
        setRate: {
          runId: m.runId, assignment: m.assignment, rateRps: m.rateRps, concurrency: m.concurrency, rampMs: m.rampMs, changeId: m.changeId,
          tailJson: m.tail === undefined ? '' : JSON.stringify(m.tail), scenario: m.scenario ?? '',
        },
      };
    case 'ack':
      return { ack: { runId: m.runId, assignment: m.assignment, seq: m.seq, done: m.done, unknownRun: m.unknownRun } };
    case 'stop':
      return { stop: { runId: m.runId, reason: m.reason } };
    case 'heartbeat':
      return { heartbeat: { sentAtMs: m.sentAtMs } };
    case 'data-chunk':
      return { dataChunk: { runId: m.runId, assignment: m.assignment, feeder: m.feeder, index: m.index, count: m.count, data: m.data } };
    case 'row-block':
      return {
        rowBlock: {
          runId: m.runId, assignment: m.assignment, feeder: m.feeder, ranges: m.ranges.map((r) => ({ start: r.start, end: r.end })),
          rowsJson: JSON.stringify(m.rows), exhausted: m.exhausted,
        },
      };
    default:
      return assertNever(m);
  }
}

export function coordMsgFromWire(w: CoordinatorMessage__Output): CoordMsg {
  switch (w.kind) {
    case 'welcome': {
      const x = w.welcome!;
      return {
        kind: 'welcome', protocolVersion: x.protocolVersion, coordinatorVersion: x.coordinatorVersion,
        heartbeatIntervalMs: x.heartbeatIntervalMs, heartbeatMissLimit: x.heartbeatMissLimit, snapshotIntervalMs: x.snapshotIntervalMs,
      };
    }
    case 'assign':
      return { kind: 'assign', runId: w.assign!.runId, assignment: w.assign!.assignment, planJson: w.assign!.planJson };
    case 'setRate': {
      const x = w.setRate!;
      const m: SetRateMsg = {
        kind: 'set-rate', runId: x.runId, assignment: x.assignment, rateRps: count(x.rateRps, 'setRate.rateRps'), concurrency: x.concurrency,
        rampMs: x.rampMs, changeId: x.changeId,
      };
      if (x.tailJson !== '') m.tail = tailFromJson(x.tailJson);
      if (x.scenario !== '') m.scenario = x.scenario;
      return m;
    }
    case 'ack': {
      const a = w.ack!;
      return { kind: 'ack', runId: a.runId, assignment: a.assignment, seq: a.seq, done: a.done, unknownRun: a.unknownRun };
    }
    case 'stop':
      return { kind: 'stop', runId: w.stop!.runId, reason: w.stop!.reason };
    case 'heartbeat':
      return { kind: 'heartbeat', sentAtMs: w.heartbeat!.sentAtMs };
    case 'dataChunk':
      return dataChunkFromWire(w.dataChunk!);
    case 'rowBlock':
      return rowBlockFromWire(w.rowBlock!);
    case undefined:
      throw violation('coordinator message carries no kind');
    default:
      return assertNever(w.kind);
  }
}

const tailSchema = segmentSchema.array().min(1).max(10_000);

function tailFromJson(json: string): Segment[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw violation('setRate.tailJson is not JSON');
  }
  const parsed = tailSchema.safeParse(raw);
  if (!parsed.success) throw violation(`setRate.tailJson: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(tail)'} ${i.message}`).join('; ')}`);
  return parsed.data;
}

// ---------- control: coordinator -> CLI run events ----------

export type RunEventMsg =
  | { kind: 'started'; runId: string; agentIds: string[] }
  | { kind: 'tick'; json: string }
  | { kind: 'finished'; reportJson: string }
  | { kind: 'notice'; level: 'info' | 'warn' | 'error'; message: string };

export function runEventToWire(e: RunEventMsg): RunEvent {
  switch (e.kind) {
    case 'started':
      return { started: { runId: e.runId, agentIds: e.agentIds } };
    case 'tick':
      return { tick: { json: e.json } };
    case 'finished':
      return { finished: { reportJson: e.reportJson } };
    case 'notice':
      return { notice: { level: e.level, message: e.message } };
    default:
      return assertNever(e);
  }
}

export function runEventFromWire(w: RunEvent__Output): RunEventMsg {
  switch (w.kind) {
    case 'started':
      return { kind: 'started', runId: w.started!.runId, agentIds: w.started!.agentIds };
    case 'tick':
      return { kind: 'tick', json: w.tick!.json };
    case 'finished':
      return { kind: 'finished', reportJson: w.finished!.reportJson };
    case 'notice': {
      const level = w.notice!.level;
      return { kind: 'notice', level: level === 'warn' || level === 'error' ? level : 'info', message: w.notice!.message };
    }
    case undefined:
      throw violation('run event carries no kind');
    default:
      return assertNever(w.kind);
  }
}
