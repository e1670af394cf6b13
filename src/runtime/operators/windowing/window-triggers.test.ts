// Tests of triggers, evictors, global/count windows, dynamic session gaps and per-window state through the harness (manual clock), restore included.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Collector } from '../../../core/types.ts';
import {
  EventTimeSessionWindows, GlobalWindows, TumblingEventTimeWindows, TumblingProcessingTimeWindows, type WindowAssigner,
} from '../../../api/windows/assigners.ts';
import { CountEvictor, TimeEvictor, type Evictor } from '../../../api/windows/evictors.ts';
import {
  ContinuousEventTimeTrigger, ContinuousProcessingTimeTrigger, CountTrigger, ProcessingTimeTrigger, PurgingTrigger, TriggerResult,
  type Trigger,
} from '../../../api/windows/triggers.ts';
import type { ProcessWindowContext } from '../../../api/windows/window-functions.ts';
import type { WindowFunctionSpec, WindowSpec } from '../../../api/windows/window-spec.ts';
import { ValueStateDescriptor } from '../../../state/index.ts';
import { keyGroupFor } from '../../../state/key-groups.ts';
import { OperatorHarness, windowSpec, type HarnessSnapshot } from '../../../testing/index.ts';

type Ev = [string, number, number]; // key, timestamp, value
const key = (e: Ev): string => e[0];
const ts = (e: Ev): number => e[1];

/** process(): emits [key, start, end, values...] */
const values: WindowFunctionSpec = {
  kind: 'process',
  process: {
    process(k: string, ctx: ProcessWindowContext, els: Iterable<unknown>, out: Collector<unknown>): void {
      out.collect([k, ctx.window.start, ctx.window.end, ...[...els].map((e) => (e as Ev)[2])]);
    },
  },
};
const sum: WindowFunctionSpec = { kind: 'reduce', reduce: (a, b) => [(a as Ev)[0], (b as Ev)[1], (a as Ev)[2] + (b as Ev)[2]], process: undefined };

function spec(assigner: WindowAssigner, fn: WindowFunctionSpec, extra: { trigger?: Trigger; evictor?: Evictor; lateness?: number; late?: string } = {}): WindowSpec {
  return { assigner, fn, allowedLateness: extra.lateness ?? 0, lateDataTag: extra.late, ...(extra.trigger ? { trigger: extra.trigger } : {}), ...(extra.evictor ? { evictor: extra.evictor } : {}) };
}

async function harness(s: WindowSpec, options: { parallelism?: number; subtaskIndex?: number; restore?: HarnessSnapshot[] } = {}) {
  const h = OperatorHarness.forSpec(windowSpec<Ev, unknown>(s), { keySelector: key, ...options });
  await h.open();
  return h;
}

test('count windows (GlobalWindows + PurgingTrigger(CountTrigger)): every 3 records of a key, then empty again; a partial window never fires', async () => {
  const h = await harness(spec(GlobalWindows.create(), sum, { trigger: PurgingTrigger.of(CountTrigger.of(3)) }));
  h.processElements([['a', 0, 1], ['b', 0, 10], ['a', 0, 2], ['a', 0, 4], ['b', 0, 20], ['a', 0, 8], ['a', 0, 16], ['a', 0, 32], ['b', 0, 30]]);
  assert.deepEqual(h.output.map((r) => [(r as Ev)[0], (r as Ev)[2]]), [['a', 7], ['a', 56], ['b', 60]]);
  assert.deepEqual(h.outputTimestamps, [Infinity, Infinity, Infinity]);
  h.processWatermark(Infinity);
  assert.equal(h.output.length, 3);
});

test('sliding count windows (CountEvictor.of(3) + CountTrigger.of(2)): every 2 records, the last 3', async () => {
  const h = await harness(spec(GlobalWindows.create(), values, { trigger: CountTrigger.of(2), evictor: CountEvictor.of(3) }));
  h.processElements([1, 2, 3, 4, 5, 6, 7].map((v): Ev => ['a', 0, v]));
  assert.deepEqual(h.output.map((r) => (r as unknown[]).slice(3)), [[1, 2], [2, 3, 4], [4, 5, 6]]);
});

test('CountEvictor after the function (doEvictAfter): the function sees everything, the window keeps the last 2', async () => {
  const h = await harness(spec(GlobalWindows.create(), values, { trigger: CountTrigger.of(3), evictor: CountEvictor.of(2, true) }));
  h.processElements([1, 2, 3, 4, 5, 6].map((v): Ev => ['a', 0, v]));
  assert.deepEqual(h.output.map((r) => (r as unknown[]).slice(3)), [[1, 2, 3], [2, 3, 4, 5, 6]]);
});

test('TimeEvictor keeps the elements within its size of the newest timestamp; aggregate over the rest', async () => {
  const count = { kind: 'aggregate', aggregate: { createAccumulator: () => 0, add: (_e: unknown, n: number) => n + 1, getResult: (n: number) => n }, process: undefined } as WindowFunctionSpec;
  const h = await harness(spec(TumblingEventTimeWindows.of(100), count, { evictor: TimeEvictor.of(10) }));
  h.processElements([['a', 1, 0], ['a', 50, 0], ['a', 85, 0], ['a', 90, 0], ['a', 95, 0]], ts);
  h.processWatermark(99);
  assert.deepEqual(h.output, [2]); // 90 and 95: 85 ≤ 95 − 10 is evicted, as in Flink
});

test('ContinuousEventTimeTrigger fires at every multiple of the interval the watermark passes, and at the end; PurgingTrigger makes each firing a delta', async () => {
  const h = await harness(spec(TumblingEventTimeWindows.of(100), values, { trigger: ContinuousEventTimeTrigger.of(30) }));
  h.processElements([['a', 5, 1], ['a', 20, 2]], ts);
  h.processWatermark(29);
  assert.deepEqual(h.takeOutput(), []);
  h.processWatermark(30);
  assert.deepEqual(h.takeOutput(), [['a', 0, 100, 1, 2]]);
  h.processElement(['a', 40, 4], 40);
  h.processWatermark(65);
  assert.deepEqual(h.takeOutput(), [['a', 0, 100, 1, 2, 4]]);
  h.processWatermark(99);
  assert.deepEqual(h.takeOutput(), [['a', 0, 100, 1, 2, 4], ['a', 0, 100, 1, 2, 4]], 'the interval firing at 90 and the end at 99');
  assert.equal(h.timerService!.numEventTimeTimers(), 0, 'cleanup deleted the trigger timers');
  assert.equal(h.keyedBackend!.numKeys('_trigger/next-fire'), 0, 'trigger state dropped at cleanup');

  const p = await harness(spec(TumblingEventTimeWindows.of(100), values, { trigger: PurgingTrigger.of(ContinuousEventTimeTrigger.of(30)) }));
  p.processElements([['a', 5, 1], ['a', 20, 2]], ts);
  p.processWatermark(30);
  p.processElement(['a', 40, 4], 40);
  p.processWatermark(99);
  assert.deepEqual(p.output, [['a', 0, 100, 1, 2], ['a', 0, 100, 4]]);
});

test('processing-time triggers on event-time windows fire on the manual clock; cleanup stays at the event-time end', async () => {
  const h = await harness(spec(TumblingEventTimeWindows.of(100), values, { trigger: ContinuousProcessingTimeTrigger.of(1000) }));
  h.advanceProcessingTime(500);
  h.processElements([['a', 5, 1], ['a', 20, 2]], ts);
  h.advanceProcessingTime(999);
  assert.deepEqual(h.takeOutput(), []);
  h.advanceProcessingTime(1000);
  assert.deepEqual(h.takeOutput(), [['a', 0, 100, 1, 2]]);
  h.processElement(['a', 30, 4], 30);
  h.advanceProcessingTime(2000);
  assert.deepEqual(h.takeOutput(), [['a', 0, 100, 1, 2, 4]]);
  h.processWatermark(99); // cleanup: no event-time firing with this trigger, contents and trigger state dropped
  assert.deepEqual(h.takeOutput(), []);
  h.advanceProcessingTime(5000);
  assert.deepEqual(h.output, []);
  assert.equal(h.keyedBackend!.numKeys('_window-contents'), 0);
  assert.equal(h.timerService!.numProcessingTimeTimers(), 0);

  const pt = await harness(spec(TumblingEventTimeWindows.of(100), values, { trigger: ProcessingTimeTrigger.create() }));
  pt.advanceProcessingTime(10);
  pt.processElement(['a', 5, 1], 5);
  pt.advanceProcessingTime(98);
  assert.deepEqual(pt.output, []);
  pt.advanceProcessingTime(99); // the window's end − 1, on the processing-time clock
  assert.deepEqual(pt.output, [['a', 0, 100, 1]]);
});

/** A custom trigger: FIRE on value 100, PURGE on value −1, else counts records per window and fires FIRE_AND_PURGE 5 ms (event time) after the second. */
const custom: Trigger = {
  onElement(e, t, _w, ctx) {
    const v = (e as Ev)[2];
    if (v === 100) return TriggerResult.FIRE;
    if (v === -1) return TriggerResult.PURGE;
    const n = ctx.getPartitionedState.getState(new ValueStateDescriptor<number>('n'));
    n.update((n.value() ?? 0) + 1);
    if (n.value() === 2) ctx.registerEventTimeTimer(t + 5);
    return TriggerResult.CONTINUE;
  },
  onEventTime(time, w, ctx) {
    if (time === w.maxTimestamp()) return TriggerResult.CONTINUE;
    ctx.getPartitionedState.getState(new ValueStateDescriptor<number>('n')).clear();
    return TriggerResult.FIRE_AND_PURGE;
  },
  onProcessingTime: () => TriggerResult.CONTINUE,
  clear(_w, ctx) { this.cleared = (this.cleared ?? 0) + 1; void ctx; },
} as Trigger & { cleared?: number };

test('a custom trigger: CONTINUE / FIRE / PURGE / FIRE_AND_PURGE, its timers and per-window state, clear() at cleanup (end + allowed lateness)', async () => {
  const h = await harness(spec(TumblingEventTimeWindows.of(100), values, { trigger: custom, lateness: 50, late: 'late' }));
  h.processElements([['a', 1, 1], ['b', 2, 7], ['a', 10, 2]], ts); // a's second record: timer at 15
  h.processWatermark(14);
  assert.deepEqual(h.takeOutput(), []);
  h.processWatermark(15);
  assert.deepEqual(h.takeOutput(), [['a', 0, 100, 1, 2]]);
  h.processElements([['a', 20, 3], ['a', 21, 100]], ts);
  assert.deepEqual(h.takeOutput(), [['a', 0, 100, 3, 100]], 'FIRE keeps the contents');
  h.processElements([['a', 22, -1], ['a', 23, 100]], ts);
  assert.deepEqual(h.takeOutput(), [['a', 0, 100, 100]], 'PURGE dropped them');
  h.processWatermark(99);
  assert.deepEqual(h.takeOutput(), [], 'no default end-of-window firing with this trigger');
  h.processElement(['a', 50, 100], 50); // within allowed lateness: still added
  assert.deepEqual(h.takeOutput(), [['a', 0, 100, 100, 100]]);
  assert.ok(h.keyedBackend!.numKeys('_trigger/n') > 0);
  h.processWatermark(149); // cleanup of both keys' windows
  assert.equal((custom as { cleared?: number }).cleared, 2);
  assert.equal(h.keyedBackend!.numKeys('_trigger/n'), 0);
  assert.equal(h.keyedBackend!.numKeys('_window-contents'), 0);
  h.processElement(['a', 60, 100], 60);
  assert.deepEqual(h.sideOutput.get('late'), [['a', 60, 100]]);
});

test('session windows with a dynamic gap merge by each record\'s own gap; a gap that is not > 0 fails naming the record', async () => {
  const assigner = EventTimeSessionWindows.withDynamicGap<Ev>((e) => (e[2] >= 10 ? 50 : 5));
  const h = await harness(spec(assigner, values));
  h.processElements([['a', 0, 1], ['a', 8, 2], ['a', 20, 10], ['a', 60, 3]], ts); // [0,5) [8,13) | [20,70) ∪ [60,65)
  h.processWatermark(Infinity);
  assert.deepEqual(h.output, [['a', 0, 5, 1], ['a', 8, 13, 2], ['a', 20, 70, 10, 3]]);
  const bad = await harness(spec(EventTimeSessionWindows.withDynamicGap<Ev>((e) => e[2]), values));
  assert.throws(() => bad.processElement(['a', 0, 0], 0), /withDynamicGap: the gap of record .* must be an integer number of ms > 0, got 0/);
});

test('session windows with an evictor and a continuous trigger: contents and trigger timers follow the merge', async () => {
  const h = await harness(spec(EventTimeSessionWindows.withGap(10), values, { trigger: ContinuousEventTimeTrigger.of(100), evictor: CountEvictor.of(2) }));
  h.processElements([['a', 0, 1], ['a', 15, 2], ['a', 7, 3]], ts); // [0,10) and [15,25) bridged by [7,17): [0,25)
  h.processWatermark(23);
  assert.deepEqual(h.takeOutput(), []);
  h.processWatermark(24);
  assert.deepEqual(h.output, [['a', 0, 25, 2, 3]]);
  assert.equal(h.timerService!.numEventTimeTimers(), 0);
});

test('windowState() of a ProcessWindowFunction lives per (key, window) across late firings and goes at cleanup; globalState() is per key', async () => {
  const firings = new ValueStateDescriptor<number>('firings');
  const total = new ValueStateDescriptor<number>('total');
  const fn: WindowFunctionSpec = {
    kind: 'aggregate',
    aggregate: { createAccumulator: () => 0, add: (e: unknown, n: number) => n + (e as Ev)[2], getResult: (n: number) => n },
    process: {
      process(k: string, ctx: ProcessWindowContext, res: Iterable<unknown>, out: Collector<unknown>): void {
        const f = ctx.windowState().getState(firings);
        f.update((f.value() ?? 0) + 1);
        const g = ctx.globalState().getState(total);
        g.update((g.value() ?? 0) + 1);
        out.collect(`${k} ${ctx.window.start} sum=${[...res][0]} firing=${f.value()} all=${g.value()}`);
      },
    },
  };
  const h = await harness(spec(TumblingEventTimeWindows.of(10), fn, { lateness: 10 }));
  h.processElements([['a', 1, 1], ['a', 12, 5]], ts);
  h.processWatermark(9);
  h.processElement(['a', 2, 2], 2); // late firing of [0, 10)
  h.processWatermark(19);
  assert.deepEqual(h.output, ['a 0 sum=1 firing=1 all=1', 'a 0 sum=3 firing=2 all=2', 'a 10 sum=5 firing=1 all=3']);
  assert.equal(h.keyedBackend!.numKeys('_window/firings'), 1, '[0, 10) cleaned up at 19, [10, 20) not yet');
  h.processWatermark(29);
  assert.equal(h.keyedBackend!.numKeys('_window/firings'), 0);
  assert.equal(h.keyedBackend!.numKeys('total'), 1);
});

test('trigger state, evictor contents and trigger timers restore at another parallelism: count windows and continuous triggers fire once, complete', async () => {
  const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);
  const count = spec(GlobalWindows.create(), values, { trigger: CountTrigger.of(3), evictor: CountEvictor.of(3) });
  const h = await harness(count);
  for (const k of keys) h.processElements([[k, 0, 1], [k, 0, 2]]);
  const snap = await h.snapshot(1);
  const out: unknown[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await harness(count, { parallelism: 3, subtaskIndex: i, restore: [snap] });
    for (const k of keys) if (r.keyedBackend!.keyGroupRange.contains(keyGroupFor(k, 128))) r.processElement([k, 0, 3]);
    out.push(...r.output);
  }
  assert.deepEqual(out.map((o) => (o as unknown[]).slice(3)), keys.map(() => [1, 2, 3]));
  assert.deepEqual(new Set(out.map((o) => (o as unknown[])[0])), new Set(keys));

  const cont = spec(TumblingEventTimeWindows.of(100), values, { trigger: ContinuousEventTimeTrigger.of(30) });
  const c = await harness(cont);
  for (const k of keys) c.processElement([k, 5, 1], 5);
  c.processWatermark(10);
  const snap2 = await c.snapshot(2);
  const fired: unknown[] = [];
  for (let i = 0; i < 2; i++) {
    const r = await harness(cont, { parallelism: 2, subtaskIndex: i, restore: [snap2] });
    r.processWatermark(30);
    r.processWatermark(99);
    fired.push(...r.output);
    assert.equal(r.keyedBackend!.numKeys('_trigger/next-fire'), 0);
  }
  // Each key: the restored interval timer at 30, the ones it schedules at 60 and 90, then the end at 99.
  assert.equal(fired.length, 4 * keys.length);
  for (const k of keys) assert.deepEqual(fired.filter((o) => (o as unknown[])[0] === k), Array.from({ length: 4 }, () => [k, 0, 100, 1]));
});

test('CountTrigger on session windows: the counts of merged sessions add up (mergePartitionedState), the merged windows\' state goes', async () => {
  const h = await harness(spec(EventTimeSessionWindows.withGap(10), values, { trigger: CountTrigger.of(3) }));
  h.processElements([['a', 0, 1], ['a', 25, 2]], ts); // two sessions, one record each
  assert.deepEqual(h.takeOutput(), []);
  h.processElement(['a', 12, 3], 12); // [12, 22): a third session, touching neither
  assert.deepEqual(h.takeOutput(), []);
  h.processElement(['a', 9, 4], 9); // [9, 19) bridges [0, 10) and [12, 22): count 1 + 1 + 1 = 3
  assert.deepEqual(h.takeOutput(), [['a', 0, 22, 1, 3, 4]]);
  h.processElement(['a', 21, 5], 21); // joins [25, 35) too: 0 (reset after firing) + 1 + 1 = 2
  assert.deepEqual(h.takeOutput(), []);
  h.processElement(['a', 30, 6], 30); // [30, 40) extends it: 2 + 1 = 3
  assert.equal(h.output.length, 1);
  const [k, start, end, ...vs] = h.output[0] as unknown[];
  assert.deepEqual([k, start, end, (vs as number[]).sort()], ['a', 0, 40, [1, 2, 3, 4, 5, 6]]);
  assert.equal(h.keyedBackend!.numKeys('_trigger/count'), 0, 'the count reset at the firing, the merged windows\' counts dropped');
});

test('processing-time windows with a CountTrigger: fire every 2 records, cleanup on the clock at end − 1 drops contents and the count', async () => {
  const h = await harness(spec(TumblingProcessingTimeWindows.of(1000), values, { trigger: CountTrigger.of(2) }));
  h.advanceProcessingTime(100);
  h.processElements([['a', 0, 1], ['a', 0, 2], ['a', 0, 3]]);
  assert.deepEqual(h.takeOutput(), [['a', 0, 1000, 1, 2]]);
  h.advanceProcessingTime(999); // cleanup: the window and its count of 1 go, nothing fires
  assert.deepEqual(h.takeOutput(), []);
  assert.equal(h.keyedBackend!.numKeys('_window-contents'), 0);
  assert.equal(h.keyedBackend!.numKeys('_trigger/count'), 0);
  h.advanceProcessingTime(1500);
  h.processElements([['a', 0, 4], ['a', 0, 5]]);
  assert.deepEqual(h.output, [['a', 1000, 2000, 4, 5]]);
});
