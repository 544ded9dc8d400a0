// Agent messages beyond the wire's bounds (common/protocol/wire-limits.ts) are refused at decode with
// PROTOCOL_VIOLATION naming the field: real protobuf bytes, as a hostile or broken peer would send them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadfleetError } from '../../../../common/runtime/errors.js';
import { agentMsgFromWire, fleetPackage } from '../../../../common/protocol/messages.js';
import type { AgentMessage__Output } from '../../../../common/protocol/messages.js';
import { MAX_CHECK_NAMES, MAX_ID_CHARS, MAX_NAME_CHARS, MAX_REQUEST_NAMES, MAX_TEXT_CHARS } from '../../../../common/protocol/wire-limits.js';
import { emptyRequestFigures, requestNamesToWire } from '../../../../common/metrics/stats.js';
import type { RequestFigures } from '../../../../common/metrics/stats.js';

/** Encodes `value` as an AgentMessage with the loaded proto types and decodes it back, as the server does. */
function wire(value: unknown): AgentMessage__Output {
  const type = fleetPackage().AgentMessage;
  return type.deserialize(type.serialize(value as never)) as AgentMessage__Output;
}

const stats = (over: Record<string, unknown> = {}): Record<string, unknown> => ({ requests: 1, sent: 1, statusCodes: { 200: 1 }, ...over });
const snapshot = (over: Record<string, unknown> = {}, statsOver: Record<string, unknown> = {}) =>
  ({ snapshot: { runId: 'r', assignment: 1, seq: 1, phase: 'main', intervalIndex: 0, intervalMs: 1000, stats: stats(statsOver), ...over } });
const langOf = (names: number, checks = 0): string => {
  const byRequestName: Record<string, RequestFigures> = {};
  for (let i = 0; i < names; i++) {
    const checkFailures: Record<string, number> = {};
    for (let c = 0; c < checks; c++) checkFailures[`c${c}`] = 1;
    byRequestName[`n${i}`] = { ...emptyRequestFigures(), checkFailures };
  }
  return JSON.stringify(requestNamesToWire({ byRequestName, iterations: 0, noData: 0 }));
};
const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `n${i}`);
const U64_MAX = '18446744073709551615';
// A count of -3 sent by a peer that wrote it as int64 into a uint64 field: 2^64 - 3.
const WRAPPED_MINUS_3 = '18446744073709551613';

const refused: { why: string; msg: unknown; field: RegExp }[] = [
  // A 15 MB agent id would be logged at every line about the agent.
  { why: 'agent id of 15 MB', msg: { hello: { agentId: 'a'.repeat(15_000_000), protocolVersion: 3 } }, field: /hello\.agentId is 15000000 characters, over 256/ },
  { why: 'agent id one over the bound', msg: { hello: { agentId: 'a'.repeat(MAX_ID_CHARS + 1), protocolVersion: 3 } }, field: /hello\.agentId/ },
  { why: 'agent id with a newline (log forgery)', msg: { hello: { agentId: 'a\nINFO agent b joined', protocolVersion: 3 } }, field: /hello\.agentId contains control characters/ },
  { why: 'empty agent id', msg: { hello: { agentId: '', protocolVersion: 3 } }, field: /hello\.agentId is empty/ },
  { why: 'huge host', msg: { hello: { agentId: 'a', host: 'h'.repeat(MAX_ID_CHARS + 1), protocolVersion: 3 } }, field: /hello\.host/ },
  { why: 'huge version', msg: { hello: { agentId: 'a', version: 'v'.repeat(MAX_ID_CHARS + 1), protocolVersion: 3 } }, field: /hello\.version/ },
  { why: 'huge run id', msg: snapshot({ runId: 'r'.repeat(MAX_ID_CHARS + 1) }), field: /snapshot\.runId/ },
  { why: 'huge failure message', msg: { failure: { runId: 'r', code: 'BUSY', message: 'm'.repeat(MAX_TEXT_CHARS + 1) } }, field: /failure\.message/ },
  { why: 'huge failure code', msg: { failure: { runId: 'r', code: 'C'.repeat(MAX_ID_CHARS + 1) } }, field: /failure\.code/ },
  { why: 'huge leaving reason', msg: { leaving: { runId: 'r', reason: 'x'.repeat(MAX_TEXT_CHARS + 1) } }, field: /leaving\.reason/ },
  { why: 'huge rows-account run id', msg: { rowsAccount: { runId: 'r'.repeat(MAX_ID_CHARS + 1), feeder: 'f' } }, field: /rowsAccount\.runId/ },
  // 2^64-1 becomes 18446744073709552000 under longs: Number; it cannot be a seq.
  { why: 'seq 2^64-1', msg: snapshot({ seq: U64_MAX }), field: /snapshot\.seq must be a whole number in 0\.\.2\^53-1/ },
  { why: 'lastSeq 2^64-1', msg: { done: { runId: 'r', lastSeq: U64_MAX, main: stats(), warmup: stats({ requests: 0, sent: 0, statusCodes: {} }) } }, field: /done\.lastSeq/ },
  { why: 'wrapped negative requests', msg: snapshot({}, { requests: WRAPPED_MINUS_3 }), field: /snapshot\.stats\.requests/ },
  { why: 'wrapped negative sent', msg: snapshot({}, { sent: WRAPPED_MINUS_3 }), field: /snapshot\.stats\.sent/ },
  { why: 'wrapped negative error count', msg: snapshot({}, { errors: { timeout: WRAPPED_MINUS_3 } }), field: /snapshot\.stats\.errors\.timeout/ },
  { why: 'wrapped negative status count', msg: snapshot({}, { statusCodes: { 200: WRAPPED_MINUS_3 } }), field: /snapshot\.stats\.statusCodes\.200/ },
  { why: 'status code not an HTTP status', msg: snapshot({}, { statusCodes: { 4000000: 1 } }), field: /snapshot\.stats\.statusCodes has key 4000000/ },
  { why: 'wrapped negative change id', msg: { applied: { runId: 'r', changeId: WRAPPED_MINUS_3 } }, field: /applied\.changeId/ },
  // Every name costs the coordinator a histogram per phase: 50,000 would take seconds and gigabytes.
  { why: '50,000 request names (over the length bound)', msg: snapshot({}, { langJson: langOf(50_000) }), field: /snapshot\.stats\.langJson is \d+ characters, over 9437184/ },
  // Counted before the schema walks every entry (the entries here are not even valid).
  { why: '100,000 names within the length bound', msg: snapshot({}, { langJson: JSON.stringify({ byRequest: Object.fromEntries(names(100_000).map((n) => [n, {}])) }) }), field: /snapshot\.stats\.langJson holds 100002 objects, over 35344/ },
  { why: '20,000 names within the object bound', msg: snapshot({}, { langJson: JSON.stringify({ byRequest: Object.fromEntries(names(20_000).map((n) => [n, 0])) }) }), field: /snapshot\.stats\.langJson\.byRequest has 20000 names, over 256/ },
  { why: 'scenario names over the bound', msg: snapshot({}, { langJson: JSON.stringify({ byRequest: {}, byScenario: Object.fromEntries(names(300).map((n) => [n, {}])) }) }), field: /langJson\.byScenario has 300 names/ },
  { why: 'one name over the bound', msg: snapshot({}, { langJson: langOf(MAX_REQUEST_NAMES + 1) }), field: /langJson\.byRequest has 257 names/ },
  { why: 'check names over the bound', msg: snapshot({}, { langJson: langOf(1, MAX_CHECK_NAMES + 1) }), field: /langJson\.byRequest\["n0"\]\.checkFailures has 65 names/ },
  {
    why: 'request name over MAX_NAME_CHARS',
    msg: snapshot({}, { langJson: JSON.stringify(requestNamesToWire({ byRequestName: { ['n'.repeat(MAX_NAME_CHARS + 1)]: emptyRequestFigures() }, iterations: 0, noData: 0 })) }),
    field: /langJson\.byRequest has a name of 257 characters/,
  },
];

test('agent messages beyond the wire bounds are refused at decode, naming the field, quickly', () => {
  for (const row of refused) {
    const w = wire(row.msg);
    const t0 = performance.now();
    assert.throws(() => agentMsgFromWire(w), (e: unknown) => {
      assert.ok(e instanceof LoadfleetError, row.why);
      assert.equal(e.code, 'PROTOCOL_VIOLATION', row.why);
      assert.match(e.message, row.field, row.why);
      return true;
    }, row.why);
    // Generous for a loaded 2-core machine: the schema walking 50,000 entries took over a second.
    assert.ok(performance.now() - t0 < 250, `${row.why}: refused in ${Math.round(performance.now() - t0)} ms (bar: 250 ms)`);
  }
});

test('messages at the bounds are taken', () => {
  const ok: { why: string; msg: unknown }[] = [
    { why: 'agent id of MAX_ID_CHARS', msg: { hello: { agentId: 'a'.repeat(MAX_ID_CHARS), host: 'h'.repeat(MAX_ID_CHARS), protocolVersion: 3 } } },
    { why: 'MAX_REQUEST_NAMES names with MAX_CHECK_NAMES checks each', msg: snapshot({}, { langJson: langOf(MAX_REQUEST_NAMES, MAX_CHECK_NAMES) }) },
    { why: 'counts up to 2^53-1 pass the wire (the run bounds judge them)', msg: snapshot({ seq: Number.MAX_SAFE_INTEGER }, { requests: Number.MAX_SAFE_INTEGER }) },
    { why: 'a failure message of MAX_TEXT_CHARS', msg: { failure: { runId: 'r', code: 'BUSY', message: 'm'.repeat(MAX_TEXT_CHARS) } } },
  ];
  for (const row of ok) assert.doesNotThrow(() => agentMsgFromWire(wire(row.msg)), row.why);
});
