// The replay of a run's live changes over the scenario's schedule, as tables: what the run, the report
// and the dashboard all read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { modelSchedule, scenarioSchedules, scheduleMean, scheduleWithChanges, sumSchedules } from '../../../../coordinator/schedule/replay.js';
import type { ScheduleChange } from '../../../../coordinator/schedule/replay.js';
import { validateScenario } from '../../../../common/scenario/scenario.js';
import type { Scenario, ScenarioInput } from '../../../../common/scenario/scenario.js';

function scenario(load: ScenarioInput['load'], extra: Partial<ScenarioInput> = {}): Scenario {
  const r = validateScenario({ request: { url: 'http://127.0.0.1:8080/x' }, load, ...extra });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.scenario;
}

test('scheduleWithChanges and scheduleMean table', () => {
  const rate = (r: number, d: string): Scenario['load'] => scenario({ model: 'open', rate: r, duration: d }).load;
  const rows: Array<{ why: string; load: Scenario['load']; changes: ScheduleChange[]; segments: Array<[number, number, number]>; meanOverMs: number; mean: number }> = [
    // no change: the scenario itself
    { why: 'constant', load: rate(100, '10s'), changes: [], segments: [[10_000, 100, 100]], meanOverMs: 10_000, mean: 100 },
    // a step change holds until the original end
    { why: 'step', load: rate(100, '10s'), changes: [{ atMs: 4000, rateRps: 300, rampMs: 0 }], segments: [[4000, 100, 100], [6000, 300, 300]], meanOverMs: 10_000, mean: 220 },
    // a ramp from the value in force, then hold
    { why: 'ramp', load: rate(100, '10s'), changes: [{ atMs: 2000, rateRps: 300, rampMs: 4000 }], segments: [[2000, 100, 100], [4000, 100, 300], [4000, 300, 300]], meanOverMs: 10_000, mean: 220 },
    // a ramp cut by the end keeps its slope
    { why: 'ramp cut', load: rate(100, '10s'), changes: [{ atMs: 8000, rateRps: 500, rampMs: 4000 }], segments: [[8000, 100, 100], [2000, 100, 300]], meanOverMs: 10_000, mean: 120 },
    // a change mid-stage starts from the interpolated stage value
    {
      why: 'mid-stage', load: scenario({ model: 'open', stages: [{ duration: '10s', target: 100 }] }).load,
      changes: [{ atMs: 5000, rateRps: 10, rampMs: 0 }], segments: [[5000, 0, 50], [5000, 10, 10]], meanOverMs: 10_000, mean: 17.5,
    },
    // a change at or after the end is a no-op; one without a rate is ignored in the open model
    { why: 'late and irrelevant', load: rate(100, '10s'), changes: [{ atMs: 10_000, rateRps: 5, rampMs: 0 }, { atMs: 1000, concurrency: 3, rampMs: 0 }], segments: [[10_000, 100, 100]], meanOverMs: 10_000, mean: 100 },
    // two changes apply in time order
    { why: 'two changes', load: rate(100, '10s'), changes: [{ atMs: 6000, rateRps: 50, rampMs: 0 }, { atMs: 2000, rateRps: 200, rampMs: 0 }], segments: [[2000, 100, 100], [4000, 200, 200], [4000, 50, 50]], meanOverMs: 10_000, mean: 120 },
    // the mean covers only the measured time when a run stops early
    { why: 'stopped early', load: rate(100, '10s'), changes: [{ atMs: 4000, rateRps: 300, rampMs: 0 }], segments: [[4000, 100, 100], [6000, 300, 300]], meanOverMs: 5000, mean: 140 },
    // closed model: concurrency changes
    { why: 'closed', load: scenario({ model: 'closed', concurrency: 10, duration: '10s' }).load, changes: [{ atMs: 5000, concurrency: 20, rampMs: 0 }], segments: [[5000, 10, 10], [5000, 20, 20]], meanOverMs: 20_000, mean: 15 },
  ];
  for (const row of rows) {
    const segs = scheduleWithChanges(row.load, row.changes);
    assert.deepEqual(segs.map((s) => [s.durationMs, s.from, s.to]), row.segments, row.why);
    assert.equal(scheduleMean(segs, row.meanOverMs), row.mean, row.why);
  }
});

test('sumSchedules table: boundaries of every schedule, values added, 0 after each ends', () => {
  const seg = (durationMs: number, from: number, to: number) => ({ durationMs, from, to });
  const rows: { why: string; list: ReturnType<typeof seg>[][]; want: [number, number, number][] }[] = [
    // one schedule: itself
    { why: 'one', list: [[seg(1000, 1, 2)]], want: [[1000, 1, 2]] },
    // a constant plus a ramp of another length: cut where each ends
    { why: 'constant + ramp', list: [[seg(3000, 10, 10)], [seg(2000, 0, 4)]], want: [[2000, 10, 14], [1000, 10, 10]] },
    // two stage lists: cut at every boundary, each piece interpolated
    { why: 'stages', list: [[seg(1000, 0, 10), seg(1000, 10, 10)], [seg(500, 2, 2), seg(1500, 2, 8)]], want: [[500, 2, 7], [500, 7, 14], [1000, 14, 18]] },
  ];
  for (const row of rows) {
    const got = sumSchedules(row.list).map((s) => [s.durationMs, Math.round(s.from * 1e9) / 1e9, Math.round(s.to * 1e9) / 1e9]);
    assert.deepEqual(got, row.want, row.why);
  }
});

test('scenarioSchedules: each part with its own live changes (a change without a scenario is the first part\'s)', () => {
  const program = {
    requests: { a: { url: 'http://127.0.0.1:8080/a', method: 'GET', headers: {}, timeoutMs: 1000, checks: [] } },
    flows: [{ name: 'a', weight: 1, steps: [{ request: 'a', extract: {}, checks: [], thinkMs: 0 }] }],
    variables: {}, data: {}, origins: ['http://127.0.0.1:8080'],
  };
  const web = { model: 'open' as const, rate: 10, duration: '4s' };
  const loops = { model: 'closed' as const, concurrency: 2, duration: '2s' };
  const s = scenario(web, { program, parts: [{ name: 'web', load: web, flows: ['a'] }, { name: 'loops', load: loops, flows: ['a'] }] } as Partial<ScenarioInput>);
  const got = scenarioSchedules(s, [{ atMs: 1000, rateRps: 30, rampMs: 0, scenario: 'web' }, { atMs: 500, concurrency: 5, rampMs: 0, scenario: 'loops' }]);
  assert.deepEqual(got.map((p) => [p.name, p.model, p.segments.map((x) => [x.durationMs, x.from, x.to])]), [
    ['web', 'open', [[1000, 10, 10], [3000, 30, 30]]],
    ['loops', 'closed', [[500, 2, 2], [1500, 5, 5]]],
  ]);
  // a plain load is one part named "default"; its changes carry no scenario
  const plain = scenarioSchedules(scenario(web), [{ atMs: 2000, rateRps: 0, rampMs: 0 }]);
  assert.deepEqual(plain.map((p) => [p.name, p.segments.length]), [['default', 2]]);
});

test('modelSchedule: the open scenarios\' rates add up, so do the closed ones\' loops; null for a model no scenario uses', () => {
  const program = {
    requests: { a: { url: 'http://127.0.0.1:8080/a', method: 'GET', headers: {}, timeoutMs: 1000, checks: [] } },
    flows: [{ name: 'a', weight: 1, steps: [{ request: 'a', extract: {}, checks: [], thinkMs: 0 }] }],
    variables: {}, data: {}, origins: ['http://127.0.0.1:8080'],
  };
  const web = { model: 'open' as const, rate: 10, duration: '4s' };
  const api = { model: 'open' as const, rate: 5, duration: '2s' };
  const s = scenario(web, { program, parts: [{ name: 'web', load: web, flows: ['a'] }, { name: 'api', load: api, flows: ['a'] }] } as Partial<ScenarioInput>);
  const parts = scenarioSchedules(s, [{ atMs: 1000, rateRps: 30, rampMs: 0, scenario: 'web' }]);
  assert.deepEqual(modelSchedule(parts, 'open')?.map((x) => [x.durationMs, x.from, x.to]), [[1000, 15, 15], [1000, 35, 35], [2000, 30, 30]]);
  assert.equal(modelSchedule(parts, 'closed'), null);
});
