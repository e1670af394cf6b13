// Tests of assignTimestampsAndWatermarks through the harness: timestamps, periodic emission on the manual clock, bounds, idleness, custom generators.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WeirError } from '../../core/errors.ts';
import { WatermarkStrategy, type WatermarkOutput } from '../../api/watermark-strategy.ts';
import { OperatorHarness, timestampsSpec } from '../../testing/index.ts';

type Ev = { t: number; k: string };

test('forBoundedOutOfOrderness stamps records and emits max − bound − 1 every autoWatermarkInterval of processing time', async () => {
  const strategy = WatermarkStrategy.forBoundedOutOfOrderness<Ev>(100).withTimestampAssigner((e) => e.t);
  const h = OperatorHarness.forSpec(timestampsSpec(strategy), { autoWatermarkInterval: 200 });
  await h.open();
  assert.deepEqual(h.scheduledProcessingTimes, [200]);
  h.processElements([{ t: 1000, k: 'a' }, { t: 1500, k: 'b' }, { t: 1200, k: 'c' }]);
  assert.deepEqual(h.outputTimestamps, [1000, 1500, 1200]);
  assert.deepEqual(h.watermarks, []);
  h.advanceProcessingTime(199);
  assert.deepEqual(h.watermarks, []);
  h.advanceProcessingTime(200);
  assert.deepEqual(h.watermarks, [1399]);
  h.advanceProcessingTime(400); // no new record: the same watermark is not emitted again
  assert.deepEqual(h.watermarks, [1399]);
  h.processElement({ t: 2000, k: 'a' });
  h.advanceProcessingTime(600);
  assert.deepEqual(h.watermarks, [1399, 1899]);
  h.processWatermark(5000); // upstream watermarks are replaced by the generator's
  assert.deepEqual(h.watermarks, [1399, 1899]);
  h.processWatermark(Infinity); // ... except the end of input
  assert.deepEqual(h.watermarks, [1399, 1899, Infinity]);
});

test("a call before the next emission time (a timer that fired early, or another operator's of the chain) asks for that time again", async () => {
  const strategy = WatermarkStrategy.forBoundedOutOfOrderness<Ev>(100).withTimestampAssigner((e) => e.t);
  const h = OperatorHarness.forSpec(timestampsSpec(strategy), { autoWatermarkInterval: 200 });
  await h.open();
  h.processElement({ t: 1000, k: 'a' });
  h.operator.onProcessingTime(199);
  assert.deepEqual(h.watermarks, []);
  // The slot keeps one timer per task and this one was spent: without a new request periodic emission would stop.
  assert.deepEqual(h.scheduledProcessingTimes, [200, 200]);
  h.advanceProcessingTime(200);
  assert.deepEqual(h.watermarks, [899]);
  assert.deepEqual(h.scheduledProcessingTimes, [400]);
});

test('forMonotonousTimestamps: watermark = highest timestamp − 1; records keep an upstream timestamp without an assigner', async () => {
  const h = OperatorHarness.forSpec(timestampsSpec(WatermarkStrategy.forMonotonousTimestamps<string>()), { autoWatermarkInterval: 50 });
  await h.open();
  h.processElement('x', 10);
  h.processElement('y', 20);
  h.advanceProcessingTime(50);
  assert.deepEqual(h.watermarks, [19]);
  assert.deepEqual(h.outputTimestamps, [10, 20]);
  assert.throws(() => h.processElement('no time'), (e: unknown) => e instanceof WeirError && /has no timestamp/.test(e.message));
});

test('autoWatermarkInterval 0 turns periodic emission off; a punctuated generator emits in onEvent', async () => {
  const strategy = WatermarkStrategy.forGenerator<Ev>(() => ({
    onEvent(e: Ev, ts: number, out: WatermarkOutput) { if (e.k === 'mark') out.emitWatermark(ts); },
    onPeriodicEmit() { throw new Error('not periodic'); },
  })).withTimestampAssigner({ extractTimestamp: (e: Ev) => e.t });
  const h = OperatorHarness.forSpec(timestampsSpec(strategy), { autoWatermarkInterval: 0 });
  await h.open();
  assert.deepEqual(h.scheduledProcessingTimes, []);
  h.processElements([{ t: 5, k: 'a' }, { t: 7, k: 'mark' }, { t: 6, k: 'mark' }, { t: 9, k: 'b' }]);
  h.advanceProcessingTime(10_000);
  assert.deepEqual(h.watermarks, [7]);
});

test('withIdleness marks the stream idle after the timeout without records, and active again on the next record', async () => {
  const strategy = WatermarkStrategy.forBoundedOutOfOrderness<Ev>(0).withTimestampAssigner((e) => e.t).withIdleness(1000);
  const h = OperatorHarness.forSpec(timestampsSpec(strategy), { autoWatermarkInterval: 200 });
  await h.open();
  h.processElement({ t: 100, k: 'a' });
  for (let now = 200; now <= 1000; now += 200) h.advanceProcessingTime(now);
  assert.deepEqual(h.watermarks, [99]);
  assert.deepEqual(h.watermarkStatuses, []);
  // Inactivity is measured from the first periodic check after the last record (200): no clock read per record.
  h.advanceProcessingTime(1200);
  assert.deepEqual(h.watermarkStatuses, [true]);
  h.advanceProcessingTime(1400);
  assert.deepEqual(h.watermarkStatuses, [true]);
  h.processElement({ t: 300, k: 'b' });
  assert.deepEqual(h.watermarkStatuses, [true, false]);
  h.advanceProcessingTime(1600);
  assert.deepEqual(h.watermarks, [99, 299]);
});

test('a timestamp assigner that returns no number fails naming the record', async () => {
  const strategy = WatermarkStrategy.forMonotonousTimestamps<Ev>().withTimestampAssigner((e) => (e as unknown as { missing: number }).missing);
  const h = OperatorHarness.forSpec(timestampsSpec(strategy));
  await h.open();
  assert.throws(() => h.processElement({ t: 1, k: 'a' }), /returned undefined for record/);
});
