// JobMetrics: Flink's per-subtask figures from task reports (rates over a window, time shares), vertex aggregates, levels.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobMetrics } from './job-metrics.ts';
import { backPressureLevel } from './back-pressure.ts';
import type { TaskMetrics } from '../runtime/protocol.ts';

const report = (over: Partial<TaskMetrics> & { vertex: number; subtask: number; at: number }): TaskMetrics => ({
  recordsIn: 0, recordsOut: 0, bytesIn: 0, bytesOut: 0, busyMs: 0, backPressuredMs: 0, idleMs: 0,
  inputWatermark: Number.NEGATIVE_INFINITY, outputWatermark: Number.NEGATIVE_INFINITY, ...over,
});

test('back-pressure levels use Flink\'s thresholds: ≤ 0.10 ok, ≤ 0.5 low, else high', () => {
  assert.equal(backPressureLevel(0), 'ok');
  assert.equal(backPressureLevel(0.1), 'ok');
  assert.equal(backPressureLevel(0.1001), 'low');
  assert.equal(backPressureLevel(0.5), 'low');
  assert.equal(backPressureLevel(0.51), 'high');
  assert.equal(backPressureLevel(Number.NaN), 'ok');
});

test('rates are differences over the window on the reporter\'s clock; time shares sum to 1000 ms per second', () => {
  const m = new JobMetrics([{ index: 0, parallelism: 1 }]);
  m.report(report({ vertex: 0, subtask: 0, at: 1000, recordsIn: 100, recordsOut: 50, bytesOut: 1000, busyMs: 100, backPressuredMs: 300, idleMs: 100 }), 0);
  m.report(report({ vertex: 0, subtask: 0, at: 1500, recordsIn: 600, recordsOut: 550, bytesOut: 6000, busyMs: 200, backPressuredMs: 650, idleMs: 150 }), 500);
  const s = m.subtask(0, 0)!;
  assert.equal(s.numRecordsIn, 600);
  assert.equal(s.numRecordsInPerSecond, 1000); // 500 records in 0.5 s
  assert.equal(s.numRecordsOutPerSecond, 1000);
  assert.equal(s.numBytesOutPerSecond, 10_000);
  // Over the window: busy 100, back-pressured 350, idle 50 of 500 ms.
  assert.equal(s.busyTimeMsPerSecond, 200);
  assert.equal(s.backPressuredTimeMsPerSecond, 700);
  assert.equal(s.idleTimeMsPerSecond, 100);
  const v = m.vertex(0);
  assert.equal(v.backPressureLevel, 'high');
  assert.equal(v.backPressureRatio, 0.7);
  assert.equal(v.busyRatio, 0.2);
});

test('a single report gives time shares since deployment and no rates; old reports leave the window', () => {
  const m = new JobMetrics([{ index: 0, parallelism: 1 }]);
  m.report(report({ vertex: 0, subtask: 0, at: 0, recordsIn: 10, busyMs: 30, idleMs: 70 }));
  assert.equal(m.subtask(0, 0)!.numRecordsInPerSecond, 0);
  assert.equal(m.subtask(0, 0)!.busyTimeMsPerSecond, 300);
  // Ten reports 500 ms apart at 100 records/s then 1000 records/s: the window (~2 s) sees only the new rate.
  let records = 10;
  for (let i = 1; i <= 10; i++) {
    records += i <= 5 ? 50 : 500;
    m.report(report({ vertex: 0, subtask: 0, at: i * 500, recordsIn: records }));
  }
  assert.equal(m.subtask(0, 0)!.numRecordsInPerSecond, 1000);
});

test('a new attempt starts the window again (counters restart from zero: no negative or spanning rates)', () => {
  const m = new JobMetrics([{ index: 0, parallelism: 1 }]);
  m.report(report({ vertex: 0, subtask: 0, at: 0, recordsIn: 0 }));
  m.report(report({ vertex: 0, subtask: 0, at: 500, recordsIn: 5000 }));
  m.newAttempt();
  m.report(report({ vertex: 0, subtask: 0, at: 10, recordsIn: 0 }));
  assert.equal(m.subtask(0, 0)!.numRecordsInPerSecond, 0);
  m.report(report({ vertex: 0, subtask: 0, at: 510, recordsIn: 100 }));
  assert.equal(m.subtask(0, 0)!.numRecordsInPerSecond, 200);
});

test('a vertex sums counts and rates, takes the minimum watermarks and the maximum shares; history is one point per second', () => {
  const m = new JobMetrics([{ index: 0, parallelism: 2 }]);
  assert.equal(m.vertex(0).currentOutputWatermark, Number.NEGATIVE_INFINITY);
  m.report(report({ vertex: 0, subtask: 0, at: 0, recordsIn: 5, outputWatermark: 300, inputWatermark: 250, busyMs: 10, idleMs: 90 }), 1000);
  m.report(report({ vertex: 0, subtask: 1, at: 0, recordsIn: 7, outputWatermark: 200, inputWatermark: 400, busyMs: 60, idleMs: 40 }), 1200);
  const v = m.vertex(0);
  assert.equal(v.numRecordsIn, 12);
  assert.equal(v.currentOutputWatermark, 200);
  assert.equal(v.currentInputWatermark, 250);
  assert.equal(v.busyRatio, 0.6);
  assert.equal(v.backPressureLevel, 'ok');
  // Reports at 1000 and 1200 ms: one point (the second is within the same second), the next at ≥ 2000.
  assert.equal(m.history(0).length, 1);
  m.report(report({ vertex: 0, subtask: 0, at: 500, recordsIn: 55 }), 2100);
  assert.equal(m.history(0).length, 2);
  assert.equal(m.history(0)[1]!.t, 2100);
});
