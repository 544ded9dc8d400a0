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
import { rangeCount, rangesProblem } from './row-ranges.js';
import type { RowRange } from './row-ranges.js';
import { CHUNK_BYTES, MAX_CHUNKS, MAX_DATA_BYTES, rowsFromJson } from './data-chunks.js';

/** Bumped whenever a peer of the previous version would misread a message. */
export const PROTOCOL_VERSION = 3;

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
/** A `unique` feeder runs low: the agent asks for about `rows` more (protocol 3). */
export interface RowsWantedMsg { kind: 'rows-wanted'; runId: string; assignment: number; feeder: string; rows: number }
/** At the end of an assignment, per `unique` feeder: rows taken, and the ranges never taken (returned). */
export interface RowsAccountMsg { kind: 'rows-account'; runId: string; assignment: number; feeder: string; used: number; unused: RowRange[] }
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
  /** Open model: the agent's schedule from now to its end; replaces rateRps/rampMs when present. */
  tail?: Segment[];
}
export interface StopMsg { kind: 'stop'; runId: string; reason: string }
export interface AckMsg { kind: 'ack'; runId: string; assignment: number; seq: number; done: boolean; unknownRun: boolean }
/** One piece of a chunked data file, sent before the Assign that names it (common/data-chunks.ts). */
export interface DataChunkMsg { kind: 'data-chunk'; runId: string; assignment: number; feeder: string; index: number; count: number; data: Buffer }
/** `unique` rows handed to an assignment: `rows` are the rows of `ranges`, in order; none when exhausted. */
export interface RowBlockMsg { kind: 'row-block'; runId: string; assignment: number; feeder: string; ranges: RowRange[]; rows: Record<string, unknown>[]; exhausted: boolean }
export type CoordMsg = Welcome | Assign | SetRateMsg | StopMsg | HeartbeatMsg | AckMsg | DataChunkMsg | RowBlockMsg;

/** Most rows one RowBlock, RowsWanted or RowsAccount may name. */
export const MAX_ROWS_PER_MESSAGE = 1_000_000;
/** Longest feeder name on the wire. */
const MAX_FEEDER_NAME = 256;

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
    case 'rowsWanted': {
      const x = w.rowsWanted!;
      if (!Number.isInteger(x.rows) || x.rows < 1 || x.rows > MAX_ROWS_PER_MESSAGE) throw violation(`rowsWanted.rows must be 1-${MAX_ROWS_PER_MESSAGE}, got ${x.rows}`);
      return { kind: 'rows-wanted', runId: runIdOf(x.runId, 'rowsWanted'), assignment: x.assignment, feeder: feederOf(x.feeder, 'rowsWanted'), rows: x.rows };
    }
    case 'rowsAccount': {
      const x = w.rowsAccount!;
      const unused = rangesFromWire(x.unused, 'rowsAccount.unused');
      const used = count(x.used, 'rowsAccount.used');
      if (!Number.isSafeInteger(used) || used > Number.MAX_SAFE_INTEGER / 2) throw violation('rowsAccount.used is not a whole number');
      return { kind: 'rows-account', runId: runIdOf(x.runId, 'rowsAccount'), assignment: x.assignment, feeder: feederOf(x.feeder, 'rowsAccount'), used, unused };
    }
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
          tailJson: m.tail === undefined ? '' : JSON.stringify(m.tail),
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
    case 'dataChunk': {
      const x = w.dataChunk!;
      if (!Number.isInteger(x.count) || x.count < 1 || x.count > MAX_CHUNKS) throw violation(`dataChunk.count must be 1-${MAX_CHUNKS}, got ${x.count}`);
      if (!Number.isInteger(x.index) || x.index >= x.count) throw violation(`dataChunk.index ${x.index} is not below its count ${x.count}`);
      if (x.data.length > CHUNK_BYTES) throw violation(`dataChunk.data is ${x.data.length} bytes, over ${CHUNK_BYTES}`);
      return { kind: 'data-chunk', runId: runIdOf(x.runId, 'dataChunk'), assignment: x.assignment, feeder: feederOf(x.feeder, 'dataChunk'), index: x.index, count: x.count, data: x.data };
    }
    case 'rowBlock': {
      const x = w.rowBlock!;
      const ranges = rangesFromWire(x.ranges, 'rowBlock.ranges');
      let rows: Record<string, unknown>[];
      try {
        rows = x.rowsJson === '' ? [] : rowsFromJson(x.rowsJson, 'rowBlock.rowsJson');
      } catch (e) {
        throw violation((e as Error).message);
      }
      if (rows.length !== rangeCount(ranges)) throw violation(`rowBlock carries ${rows.length} row(s) for ranges of ${rangeCount(ranges)}`);
      return { kind: 'row-block', runId: runIdOf(x.runId, 'rowBlock'), assignment: x.assignment, feeder: feederOf(x.feeder, 'rowBlock'), ranges, rows, exhausted: x.exhausted };
    }
    case undefined:
      throw violation('coordinator message carries no kind');
    default:
      return assertNever(w.kind);
  }
}

function runIdOf(v: string, what: string): string {
  if (v === '') throw violation(`${what}.runId is empty`);
  return v;
}

function feederOf(v: string, what: string): string {
  if (v === '' || v.length > MAX_FEEDER_NAME) throw violation(`${what}.feeder must be 1-${MAX_FEEDER_NAME} characters`);
  return v;
}

function rangesFromWire(ranges: readonly { start: number; end: number }[], what: string): RowRange[] {
  const out = ranges.map((r) => ({ start: r.start, end: r.end }));
  const why = rangesProblem(out);
  if (why !== undefined) throw violation(`${what}: ${why}`);
  if (rangeCount(out) > MAX_ROWS_PER_MESSAGE) throw violation(`${what} names more than ${MAX_ROWS_PER_MESSAGE} rows`);
  return out;
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

// ---------- control: CLI -> coordinator data upload ----------

/** One piece of a data file uploaded ahead of Start (Control.Upload). */
export interface UploadPiece { sha256: string; bytes: number; index: number; count: number; data: Buffer }

/** Validates an upload piece (untrusted input); throws PROTOCOL_VIOLATION naming the field. */
export function uploadPieceFromWire(w: { sha256: string; bytes: number; index: number; count: number; data: Buffer }): UploadPiece {
  if (!/^[0-9a-f]{64}$/.test(w.sha256)) throw violation('upload.sha256 must be 64 lowercase hex digits');
  if (!Number.isSafeInteger(w.bytes) || w.bytes < 0 || w.bytes > MAX_DATA_BYTES) throw violation(`upload.bytes must be 0-${MAX_DATA_BYTES}`);
  if (!Number.isInteger(w.count) || w.count < 1 || w.count > MAX_CHUNKS) throw violation(`upload.count must be 1-${MAX_CHUNKS}, got ${w.count}`);
  if (!Number.isInteger(w.index) || w.index >= w.count) throw violation(`upload.index ${w.index} is not below its count ${w.count}`);
  if (w.data.length > CHUNK_BYTES) throw violation(`upload.data is ${w.data.length} bytes, over ${CHUNK_BYTES}`);
  return { sha256: w.sha256, bytes: w.bytes, index: w.index, count: w.count, data: w.data };
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
