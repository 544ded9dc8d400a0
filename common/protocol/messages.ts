// Typed messages <-> wire. The ONLY file that uses the generated proto types (common/gen). Each
// direction is a union on `kind`; every switch over it is exhaustive. Decoding validates shape and
// throws LoadfleetError PROTOCOL_VIOLATION on a malformed message: the wire is untrusted input.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from '../gen/fleet.js';
import type { AgentMessage, AgentMessage__Output } from '../gen/loadfleet/v1/AgentMessage.js';
import type { CoordinatorMessage, CoordinatorMessage__Output } from '../gen/loadfleet/v1/CoordinatorMessage.js';
import type { Stats as WireStats, Stats__Output as WireStatsOut } from '../gen/loadfleet/v1/Stats.js';
import type { RunEvent, RunEvent__Output } from '../gen/loadfleet/v1/RunEvent.js';
import { LoadfleetError, assertNever } from '../runtime/errors.js';
import { ERROR_KINDS, emptyErrorsByKind } from '../metrics/counters.js';
import type { Phase, Stats } from '../metrics/stats.js';
import { shareChangeFromWire, shareChangeToWire } from './change-messages.js';
import type { ShareChangeMsg } from './change-messages.js';
import { requestNamesFromWire, requestNamesToWire } from '../metrics/stats.js';
import type { RequestNameFigures } from '../metrics/stats.js';
import { dataChunkFromWire, rowBlockFromWire, rowsAccountFromWire, rowsWantedFromWire } from './data-messages.js';
import type { DataChunkMsg, RowBlockMsg, RowsAccountMsg, RowsWantedMsg } from './data-messages.js';
import { setupJobFromWire, setupResultFromWire, setupResultToWire, setupValuesFromWire } from './setup-messages.js';
import type { SetupJobMsg, SetupResultMsg, SetupValuesMsg } from './setup-messages.js';
import { MAX_CHECK_NAMES, MAX_ID_CHARS, MAX_LANG_JSON_CHARS, MAX_NAME_CHARS, MAX_REQUEST_NAMES, MAX_TEXT_CHARS } from './wire-limits.js';
import { violation } from './violation.js';

/** Bumped whenever a peer of the previous version would misread a message. */
export const PROTOCOL_VERSION = 6;

export type { ControlClient } from '../gen/loadfleet/v1/Control.js';
export type { ControlHandlers } from '../gen/loadfleet/v1/Control.js';
export type { FleetClient, FleetHandlers } from '../gen/loadfleet/v1/Fleet.js';
export type { AgentMessage, AgentMessage__Output, CoordinatorMessage, CoordinatorMessage__Output, RunEvent, RunEvent__Output };
export type { StartRequest__Output } from '../gen/loadfleet/v1/StartRequest.js';
export type { SetRateRequest__Output } from '../gen/loadfleet/v1/SetRateRequest.js';
export type { SetRateReply__Output } from '../gen/loadfleet/v1/SetRateReply.js';
export type { StatusReply__Output } from '../gen/loadfleet/v1/StatusReply.js';
export type { StopReply__Output } from '../gen/loadfleet/v1/StopReply.js';
export type { UploadChunk, UploadChunk__Output } from '../gen/loadfleet/v1/UploadChunk.js';
export type { UploadReply__Output } from '../gen/loadfleet/v1/UploadReply.js';
export type { ReportPiece, ReportPiece__Output } from '../gen/loadfleet/v1/ReportPiece.js';
export type { DataChunkMsg, RowBlockMsg, RowsAccountMsg, RowsWantedMsg, UploadPiece } from './data-messages.js';
export { MAX_ROWS_PER_MESSAGE, uploadPieceFromWire } from './data-messages.js';
export type { ShareChangeMsg } from './change-messages.js';
export type { SetupFigures, SetupJobMsg, SetupPart, SetupResultMsg, SetupStepFigure, SetupValuesMsg } from './setup-messages.js';
export { liveChangeFromWire, liveChangeToWire } from './change-messages.js';

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
/** Why an agent cannot run an assignment: busy with another, refused by its own limits, or a plan it cannot accept. */
export const FAILURE_CODES = ['BUSY', 'REFUSED_LIMIT', 'PLAN_INVALID'] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];
export interface FailureMsg { kind: 'failure'; runId: string; assignment: number; code: FailureCode; message: string }
/** A notice: the agent capped live change changeId at its own ceiling and runs on at it. */
export interface LimitCappedMsg { kind: 'limit-capped'; runId: string; assignment: number; changeId: number; message: string }
export interface AppliedMsg { kind: 'applied'; runId: string; assignment: number; changeId: number; appliedAtMs: number }
export interface LeavingMsg { kind: 'leaving'; runId: string; assignment: number; reason: string }
export type AgentMsg = Hello | Ready | SnapshotMsg | HeartbeatMsg | DoneMsg | FailureMsg | LimitCappedMsg | AppliedMsg | LeavingMsg | RowsWantedMsg | RowsAccountMsg | SetupResultMsg;
/** Agent messages that belong to one assignment of one run. */
export type RunAgentMsg = Ready | SnapshotMsg | DoneMsg | FailureMsg | LimitCappedMsg | AppliedMsg | LeavingMsg | RowsWantedMsg | RowsAccountMsg;

export interface Welcome {
  kind: 'welcome';
  protocolVersion: number;
  coordinatorVersion: string;
  heartbeatIntervalMs: number;
  heartbeatMissLimit: number;
  snapshotIntervalMs: number;
}
export interface Assign { kind: 'assign'; runId: string; assignment: number; planJson: string }
export interface StopMsg { kind: 'stop'; runId: string; reason: string }
export interface AckMsg { kind: 'ack'; runId: string; assignment: number; seq: number; done: boolean; unknownRun: boolean }
export type CoordMsg = Welcome | Assign | ShareChangeMsg | StopMsg | HeartbeatMsg | AckMsg | DataChunkMsg | RowBlockMsg | SetupJobMsg | SetupValuesMsg;


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
    errors: { ...s.errorsByKind },
    statusCodes: Object.fromEntries(Object.entries(s.statusCodes).map(([k, v]) => [Number(k), v])),
    failedStatusCodes: Object.fromEntries(Object.entries(s.failedByStatus).map(([k, v]) => [Number(k), v])),
    inFlightPeak: s.inFlightPeak,
    eventLoopDelayP99Ms: s.eventLoopDelayP99Ms,
    scheduleLagP99Ms: s.scheduleLagP99Ms,
    bytesReceived: s.bytesReceived,
    langJson: s.requestNames === undefined ? '' : JSON.stringify(requestNamesToWire(s.requestNames)),
    connectHist: s.connectHist ?? '',
    tlsHist: s.tlsHist ?? '',
    waitingHist: s.waitingHist ?? '',
  };
}

/** A measure (a double on the wire): finite and >= 0. */
function count(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw violation(`${what} must be a non-negative number`);
  return v;
}

/**
 * A count or sequence number (an integer on the wire): a whole number in 0..2^53-1. A uint64 past that
 * (2^64-1, or a negative number wrapped by the sender) cannot be a real count and is refused.
 */
function whole(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw violation(`${what} must be a whole number in 0..2^53-1, got ${String(v)}`);
  return v;
}

/** A string field of at most maxChars characters (and at least one when required). */
function text(v: string, what: string, maxChars: number, required = false): string {
  if (required && v === '') throw violation(`${what} is empty`);
  if (v.length > maxChars) throw violation(`${what} is ${v.length} characters, over ${maxChars}`);
  return v;
}

/** An identifier: 1..MAX_ID_CHARS printable characters (it is logged and shown). */
function ident(v: string, what: string): string {
  text(v, what, MAX_ID_CHARS, true);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(v)) throw violation(`${what} contains control characters`);
  return v;
}

function statsFromWire(w: WireStatsOut | null, what: string): Stats {
  if (w === null) throw violation(`${what} is missing`);
  const errors = emptyErrorsByKind();
  for (const [kind, n] of Object.entries(w.errors)) {
    if (!(ERROR_KINDS as readonly string[]).includes(kind)) throw violation(`${what}.errors has unknown kind "${kind}"`);
    errors[kind as keyof typeof errors] = whole(n, `${what}.errors.${kind}`);
  }
  const statusCodes: Record<string, number> = {};
  for (const [code, n] of Object.entries(w.statusCodes)) {
    if (!/^\d{1,3}$/.test(code)) throw violation(`${what}.statusCodes has key ${code}, not an HTTP status (0-999)`);
    statusCodes[code] = whole(n, `${what}.statusCodes.${code}`);
  }
  const failedByStatus: Record<string, number> = {};
  for (const [code, n] of Object.entries(w.failedStatusCodes)) {
    if (!/^\d{1,3}$/.test(code)) throw violation(`${what}.failedStatusCodes has key ${code}, not an HTTP status (0-999)`);
    failedByStatus[code] = whole(n, `${what}.failedStatusCodes.${code}`);
  }
  return {
    latencyHist: w.latencyHist,
    serviceHist: w.serviceHist,
    requests: whole(w.requests, `${what}.requests`),
    sent: whole(w.sent, `${what}.sent`),
    dropped: whole(w.dropped, `${what}.dropped`),
    errorsByKind: errors,
    statusCodes,
    failedByStatus,
    inFlightPeak: whole(w.inFlightPeak, `${what}.inFlightPeak`),
    eventLoopDelayP99Ms: count(w.eventLoopDelayP99Ms, `${what}.eventLoopDelayP99Ms`),
    scheduleLagP99Ms: count(w.scheduleLagP99Ms, `${what}.scheduleLagP99Ms`),
    bytesReceived: whole(w.bytesReceived, `${what}.bytesReceived`),
    ...requestNamesFromLangJson(w.langJson, what),
    ...timingFromWire(w),
  };
}

/** The timing histograms (protocol 6), present only when non-empty. */
function timingFromWire(w: WireStatsOut): Pick<Stats, 'connectHist' | 'tlsHist' | 'waitingHist'> {
  return {
    ...(w.connectHist === '' ? {} : { connectHist: w.connectHist }),
    ...(w.tlsHist === '' ? {} : { tlsHist: w.tlsHist }),
    ...(w.waitingHist === '' ? {} : { waitingHist: w.waitingHist }),
  };
}

/** Objects an honest lang_json can hold: per request and scenario name 5 (itself, errors, statusCodes, failedByStatus, checkFailures), and check names that contain a brace. */
const MAX_LANG_OBJECTS = (5 + MAX_CHECK_NAMES) * 2 * MAX_REQUEST_NAMES + 16;

function requestNamesFromLangJson(json: string | undefined, what: string): { requestNames?: RequestNameFigures } {
  if (json === undefined || json === '') return {};
  // Cheap checks first (length, then the number of names), so an oversized one is refused before the
  // schema walks every entry.
  if (json.length > MAX_LANG_JSON_CHARS) throw violation(`${what}.langJson is ${json.length} characters, over ${MAX_LANG_JSON_CHARS}`);
  // Parsing builds every object: count them first (a brace inside a name only over-counts).
  let objects = 0;
  for (let i = 0; i < json.length; i++) if (json.charCodeAt(i) === 123) objects++;
  if (objects > MAX_LANG_OBJECTS) throw violation(`${what}.langJson holds ${objects} objects, over ${MAX_LANG_OBJECTS} (more names than ${MAX_REQUEST_NAMES})`);
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw violation(`${what}.langJson is not JSON`);
  }
  if (typeof raw === 'object' && raw !== null) {
    for (const key of ['byRequest', 'byScenario'] as const) {
      const names = (raw as Record<string, unknown>)[key];
      const n = typeof names === 'object' && names !== null ? Object.keys(names).length : 0;
      if (n > MAX_REQUEST_NAMES) throw violation(`${what}.langJson.${key} has ${n} names, over ${MAX_REQUEST_NAMES}`);
    }
  }
  let requestNames: RequestNameFigures;
  try {
    requestNames = requestNamesFromWire(raw);
  } catch (e) {
    throw violation(`${what}.langJson: ${(e as Error).message}`);
  }
  namesWithin(requestNames.byRequestName, `${what}.langJson.byRequest`);
  if (requestNames.byScenario !== undefined) namesWithin(requestNames.byScenario, `${what}.langJson.byScenario`);
  return { requestNames };
}

/** Request (or scenario) names and their check names within the wire bounds (common/protocol/wire-limits.ts). */
function namesWithin(byName: Readonly<Record<string, { checkFailures: Readonly<Record<string, number>> }>>, what: string): void {
  const names = Object.keys(byName);
  if (names.length > MAX_REQUEST_NAMES) throw violation(`${what} has ${names.length} names, over ${MAX_REQUEST_NAMES}`);
  for (const name of names) {
    if (name.length > MAX_NAME_CHARS) throw violation(`${what} has a name of ${name.length} characters, over ${MAX_NAME_CHARS}`);
    const checks = Object.keys((byName[name] as { checkFailures: Readonly<Record<string, number>> }).checkFailures);
    if (checks.length > MAX_CHECK_NAMES) throw violation(`${what}["${name}"].checkFailures has ${checks.length} names, over ${MAX_CHECK_NAMES}`);
    const long = checks.find((c) => c.length > MAX_NAME_CHARS);
    if (long !== undefined) throw violation(`${what}["${name}"].checkFailures has a name of ${long.length} characters, over ${MAX_NAME_CHARS}`);
  }
}

function failureCode(code: string): FailureCode {
  if ((FAILURE_CODES as readonly string[]).includes(code)) return code as FailureCode;
  throw violation(`failure.code must be one of ${FAILURE_CODES.join(', ')}, got "${code.slice(0, MAX_ID_CHARS)}"`);
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
    case 'limit-capped':
      return { limitCapped: { runId: m.runId, assignment: m.assignment, changeId: m.changeId, message: m.message } };
    case 'applied':
      return { applied: { runId: m.runId, assignment: m.assignment, changeId: m.changeId, appliedAtMs: m.appliedAtMs } };
    case 'leaving':
      return { leaving: { runId: m.runId, assignment: m.assignment, reason: m.reason } };
    case 'rows-wanted':
      return { rowsWanted: { runId: m.runId, assignment: m.assignment, feeder: m.feeder, rows: m.rows } };
    case 'rows-account':
      return { rowsAccount: { runId: m.runId, assignment: m.assignment, feeder: m.feeder, used: m.used, unused: m.unused.map((r) => ({ start: r.start, end: r.end })) } };
    case 'setup-result':
      return { setupResult: setupResultToWire(m) };
    default:
      return assertNever(m);
  }
}

export function agentMsgFromWire(w: AgentMessage__Output): AgentMsg {
  switch (w.kind) {
    case 'hello': {
      const h = w.hello!;
      return {
        kind: 'hello', agentId: ident(h.agentId, 'hello.agentId'), protocolVersion: h.protocolVersion, version: text(h.version, 'hello.version', MAX_ID_CHARS),
        host: text(h.host, 'hello.host', MAX_ID_CHARS), cores: h.cores,
      };
    }
    case 'ready':
      return { kind: 'ready', runId: text(w.ready!.runId, 'ready.runId', MAX_ID_CHARS), assignment: w.ready!.assignment };
    case 'snapshot': {
      const s = w.snapshot!;
      if (whole(s.seq, 'snapshot.seq') < 1) throw violation('snapshot.seq must start at 1');
      return {
        kind: 'snapshot', runId: text(s.runId, 'snapshot.runId', MAX_ID_CHARS), assignment: s.assignment, seq: s.seq, phase: phaseFromWire(s.phase), intervalIndex: s.intervalIndex,
        intervalMs: count(s.intervalMs, 'snapshot.intervalMs'), stats: statsFromWire(s.stats, 'snapshot.stats'),
        rateRps: count(s.rateRps, 'snapshot.rateRps'), concurrency: s.concurrency,
      };
    }
    case 'heartbeat':
      return { kind: 'heartbeat', sentAtMs: w.heartbeat!.sentAtMs };
    case 'done': {
      const d = w.done!;
      return {
        kind: 'done', runId: text(d.runId, 'done.runId', MAX_ID_CHARS), assignment: d.assignment, lastSeq: whole(d.lastSeq, 'done.lastSeq'),
        main: statsFromWire(d.main, 'done.main'), warmup: statsFromWire(d.warmup, 'done.warmup'), durationMs: count(d.durationMs, 'done.durationMs'),
      };
    }
    case 'failure': {
      const f = w.failure!;
      return {
        kind: 'failure', runId: text(f.runId, 'failure.runId', MAX_ID_CHARS), assignment: f.assignment, code: failureCode(f.code),
        message: text(f.message, 'failure.message', MAX_TEXT_CHARS),
      };
    }
    case 'limitCapped': {
      const c = w.limitCapped!;
      return {
        kind: 'limit-capped', runId: text(c.runId, 'limitCapped.runId', MAX_ID_CHARS), assignment: c.assignment,
        changeId: whole(c.changeId, 'limitCapped.changeId'), message: text(c.message, 'limitCapped.message', MAX_TEXT_CHARS),
      };
    }
    case 'applied': {
      const a = w.applied!;
      return {
        kind: 'applied', runId: text(a.runId, 'applied.runId', MAX_ID_CHARS), assignment: a.assignment, changeId: whole(a.changeId, 'applied.changeId'),
        appliedAtMs: count(a.appliedAtMs, 'applied.appliedAtMs'),
      };
    }
    case 'leaving': {
      const l = w.leaving!;
      return { kind: 'leaving', runId: text(l.runId, 'leaving.runId', MAX_ID_CHARS), assignment: l.assignment, reason: text(l.reason, 'leaving.reason', MAX_TEXT_CHARS) };
    }
    case 'rowsWanted':
      return rowsWantedFromWire(w.rowsWanted!);
    case 'rowsAccount':
      return rowsAccountFromWire(w.rowsAccount!);
    case 'setupResult':
      return setupResultFromWire(w.setupResult!);
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
    case 'share-change':
      return { shareChange: shareChangeToWire(m) };
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
    case 'setup-job':
      return { setupJob: { runId: m.runId, job: m.job, part: m.part, planJson: m.planJson } };
    case 'setup-values':
      return { setupValues: { runId: m.runId, assignment: m.assignment, valuesJson: JSON.stringify(m.values), generation: m.generation } };
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
    case 'shareChange':
      return shareChangeFromWire(w.shareChange!);
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
    case 'setupJob':
      return setupJobFromWire(w.setupJob!);
    case 'setupValues':
      return setupValuesFromWire(w.setupValues!);
    case undefined:
      throw violation('coordinator message carries no kind');
    default:
      return assertNever(w.kind);
  }
}

// ---------- control: coordinator -> CLI run events ----------

export type RunEventMsg =
  | { kind: 'started'; runId: string; agentIds: string[] }
  | { kind: 'tick'; json: string }
  /** reportJson is "" when the report is too large for one message: GetReport(runId) then. */
  | { kind: 'finished'; runId: string; reportBytes: number; reportJson: string }
  | { kind: 'notice'; level: 'info' | 'warn' | 'error'; message: string };

export function runEventToWire(e: RunEventMsg): RunEvent {
  switch (e.kind) {
    case 'started':
      return { started: { runId: e.runId, agentIds: e.agentIds } };
    case 'tick':
      return { tick: { json: e.json } };
    case 'finished':
      return { finished: { reportJson: e.reportJson, runId: e.runId, reportBytes: e.reportBytes } };
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
      return { kind: 'finished', runId: w.finished!.runId, reportBytes: w.finished!.reportBytes, reportJson: w.finished!.reportJson };
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
