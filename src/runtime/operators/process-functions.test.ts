// Tests of process functions' side outputs (ctx.output), onTimer's timeDomain() and timestamps, and the rolling KeyedStream.aggregate.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Collector } from '../../core/types.ts';
import type { KeyedProcessContext, OnTimerContext, ProcessContext } from '../../api/functions.ts';
import { OutputTag, StreamExecutionEnvironment, TumblingEventTimeWindows, WatermarkStrategy } from '../../index.ts';
import { keyGroupFor } from '../../state/key-groups.ts';
import { OperatorHarness, keyedProcessSpec, processSpec, rollingAggregateSpec } from '../../testing/index.ts';

const odd = new OutputTag<number>('odd');
const alerts = new OutputTag<string>('alerts');

test('ProcessFunction: ctx.output sends records to their side output, the main output keeps the rest', async () => {
  const h = OperatorHarness.forSpec(processSpec<number, number>({
    processElement(n: number, ctx: ProcessContext, out: Collector<number>) {
      if (n % 2 === 1) ctx.output(odd, n);
      else out.collect(n);
    },
  }));
  await h.open();
  h.processElements([1, 2, 3, 4, 5]);
  assert.deepEqual(h.output, [2, 4]);
  assert.deepEqual(h.sideOutput.get('odd'), [1, 3, 5]);
});

test('KeyedProcessFunction: ctx.output in processElement and onTimer; timeDomain(); onTimer output stamped with an event-time timer\'s time, none for processing time', async () => {
  const h = OperatorHarness.forSpec(keyedProcessSpec<string, [string, number], string>({
    processElement(e: [string, number], ctx: KeyedProcessContext<string>, out: Collector<string>) {
      if (e[1] < 0) ctx.output(alerts, `negative ${e[0]}`);
      out.collect(`seen ${e[0]}`);
      ctx.timerService().registerEventTimeTimer(e[1] + 10);
      ctx.timerService().registerProcessingTimeTimer(1000);
    },
    onTimer(t: number, ctx: OnTimerContext<string>, out: Collector<string>) {
      out.collect(`${ctx.timeDomain()} ${ctx.getCurrentKey()} ${t}`);
      if (ctx.timeDomain() === 'event-time') ctx.output(alerts, `timer ${ctx.getCurrentKey()} ${t}`);
    },
  }), { keySelector: (e) => e[0] });
  await h.open();
  h.processElement(['a', 5], 5);
  h.processElement(['b', -3], 7);
  h.processWatermark(20);
  assert.deepEqual(h.output, ['seen a', 'seen b', 'event-time b 7', 'event-time a 15']);
  assert.deepEqual(h.outputTimestamps, [5, 7, 7, 15]);
  h.advanceProcessingTime(1000);
  assert.deepEqual(h.output.slice(4).sort(), ['processing-time a 1000', 'processing-time b 1000']);
  assert.ok(h.outputTimestamps.slice(4).every((t) => Number.isNaN(t)));
  assert.deepEqual(h.sideOutput.get('alerts'), ['negative b', 'timer b 7', 'timer a 15']);
});

type Acc = { n: number; sum: number };
const avg = {
  createAccumulator: (): Acc => ({ n: 0, sum: 0 }),
  add: (e: [string, number], acc: Acc): Acc => { acc.n++; acc.sum += e[1]; return acc; }, // mutates, as is idiomatic
  getResult: (acc: Acc): Acc => acc, // the accumulator itself: the operator must emit copies
};

test('rolling aggregate: getResult after every record, accumulator per key; emitted results are not mutated later', async () => {
  const h = OperatorHarness.forSpec(rollingAggregateSpec(avg), { keySelector: (e: [string, number]) => e[0] });
  await h.open();
  h.processElements([['a', 1], ['b', 10], ['a', 3], ['a', 5]]);
  assert.deepEqual(h.output, [{ n: 1, sum: 1 }, { n: 1, sum: 10 }, { n: 2, sum: 4 }, { n: 3, sum: 9 }]);
});

test('rolling aggregate: the accumulators restore at another parallelism (a snapshot is not changed by later records)', async () => {
  const keys = Array.from({ length: 16 }, (_, i) => `k${i}`);
  const h = OperatorHarness.forSpec(rollingAggregateSpec(avg), { keySelector: (e: [string, number]) => e[0] });
  await h.open();
  for (const k of keys) h.processElements([[k, 1], [k, 2]]);
  const snap = await h.snapshot(1);
  for (const k of keys) h.processElement([k, 100]); // after the snapshot: must not reach it
  const results = new Map<string, Acc>();
  for (let i = 0; i < 3; i++) {
    const r = OperatorHarness.forSpec(rollingAggregateSpec(avg), { keySelector: (e: [string, number]) => e[0], parallelism: 3, subtaskIndex: i, restore: [snap] });
    await r.open();
    for (const k of keys) {
      if (!r.keyedBackend!.keyGroupRange.contains(keyGroupFor(k, 128))) continue;
      r.processElement([k, 4]);
      results.set(k, r.output.at(-1) as Acc);
    }
  }
  assert.equal(results.size, keys.length);
  for (const k of keys) assert.deepEqual(results.get(k), { n: 3, sum: 7 }, k);
});

test('inline jobs: KeyedStream.aggregate beside sum; getSideOutput of a process function; onTimer results feed an event-time window', async () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  const input = Array.from({ length: 30 }, (_, i): [string, number] => [`k${i % 3}`, i]);
  const means = env.fromCollection(input).keyBy((e) => e[0])
    .aggregate({ createAccumulator: () => [0, 0], add: (e: [string, number], a: number[]) => [a[0]! + 1, a[1]! + e[1]], getResult: (a: number[]) => a[1]! / a[0]! })
    .map((m) => `mean ${m}`);
  const split = env.fromCollection(input).process<number>(() => ({
    processElement(e: [string, number], ctx: ProcessContext, out: Collector<number>) {
      if (e[1] % 10 === 0) ctx.output(odd, e[1]);
      else out.collect(e[1]);
    },
  }));
  const tens = split.getSideOutput(odd).map((n) => `side ${n}`);
  // A timer per key at (first timestamp + 5); what onTimer emits carries the timer's time, so the window sees it there.
  const fired = env.fromCollection(input)
    .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<[string, number]>().withTimestampAssigner((e) => e[1]))
    .keyBy((e) => e[0])
    .process<string>(() => ({
      processElement(_e: [string, number], ctx: KeyedProcessContext<string>) { ctx.timerService().registerEventTimeTimer(5); },
      onTimer(t: number, ctx: OnTimerContext<string>, out: Collector<string>) { out.collect(`${ctx.getCurrentKey()}@${t}`); },
    }))
    .windowAll(TumblingEventTimeWindows.of(10))
    .process<string>({ process: (ctx, els, out) => out.collect(`window ${ctx.window.start}: ${[...els].sort().join(' ')}`) });
  const out = await means.union(tens, fired, split.map((n) => `main ${n}`)).executeAndCollect();
  const last = new Map<string, string>();
  assert.equal(out.filter((l) => l.startsWith('mean')).length, 30);
  for (const l of out.filter((x) => x.startsWith('mean'))) last.set(l, l);
  assert.ok(last.has('mean 13.5') && last.has('mean 14.5') && last.has('mean 15.5'), 'final means of k0, k1, k2');
  assert.deepEqual(out.filter((l) => l.startsWith('side')).sort(), ['side 0', 'side 10', 'side 20']);
  assert.equal(out.filter((l) => l.startsWith('main')).length, 27);
  assert.deepEqual(out.filter((l) => l.startsWith('window')), ['window 0: k0@5 k1@5 k2@5']);
});
