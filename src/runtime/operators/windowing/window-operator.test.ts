// Tests of the window operator through the harness: each assigner, reduce/aggregate/process, session merging, lateness, late side output, snapshot/restore at another parallelism.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Collector } from '../../../core/types.ts';
import {
  EventTimeSessionWindows, SlidingEventTimeWindows, TumblingEventTimeWindows, TumblingProcessingTimeWindows, type WindowAssigner,
} from '../../../api/windows/assigners.ts';
import type { AggregateFunction, ProcessWindowContext } from '../../../api/windows/window-functions.ts';
import type { WindowFunctionSpec, WindowSpec } from '../../../api/windows/window-spec.ts';
import { OperatorHarness, windowSpec, type HarnessSnapshot } from '../../../testing/index.ts';

type Ev = [string, number, number]; // key, timestamp, value
const key = (e: Ev): string => e[0];
const ts = (e: Ev): number => e[1];

const countSum: AggregateFunction<Ev, { n: number; s: number }, [number, number]> = {
  createAccumulator: () => ({ n: 0, s: 0 }),
  add: (e, acc) => { acc.n++; acc.s += e[2]; return acc; },
  getResult: (acc) => [acc.n, acc.s],
  merge: (a, b) => ({ n: a.n + b.n, s: a.s + b.s }),
};

/** Emits [key, start, end, ...result] so a test sees the window of every firing. */
const withWindow = {
  process(k: string, ctx: ProcessWindowContext, elements: Iterable<unknown>, out: Collector<unknown>): void {
    for (const e of elements) out.collect([k, ctx.window.start, ctx.window.end, e]);
  },
};

function spec(assigner: WindowAssigner, fn: WindowFunctionSpec, allowedLateness = 0, lateDataTag?: string): WindowSpec {
  return { assigner, fn, allowedLateness, lateDataTag };
}

async function harness(s: WindowSpec, options: { parallelism?: number; subtaskIndex?: number; restore?: HarnessSnapshot[] } = {}) {
  const h = OperatorHarness.forSpec(windowSpec<Ev, unknown>(s), { keySelector: key, ...options });
  await h.open();
  return h;
}

test('tumbling event-time windows fire when the watermark reaches end − 1, once per (key, window), stamped end − 1', async () => {
  const h = await harness(spec(TumblingEventTimeWindows.of(10), { kind: 'aggregate', aggregate: countSum, process: withWindow }));
  h.processElements([['a', 1, 1], ['b', 3, 10], ['a', 9, 2], ['a', 10, 4], ['a', -1, 100]], ts);
  h.processWatermark(8);
  assert.deepEqual(h.takeOutput(), [['a', -10, 0, [1, 100]]]);
  h.processWatermark(9);
  assert.deepEqual(h.output.slice().sort(), [['a', 0, 10, [2, 3]], ['b', 0, 10, [1, 10]]]);
  assert.deepEqual(h.outputTimestamps, [9, 9]);
  h.takeOutput();
  h.processWatermark(100);
  assert.deepEqual(h.output, [['a', 10, 20, [1, 4]]]);
  assert.deepEqual(h.watermarks, [8, 9, 100]);
  h.processWatermark(Infinity);
  assert.deepEqual(h.output, [['a', 10, 20, [1, 4]]]);
  assert.equal(h.keyedBackend!.numKeys('_window-contents'), 0);
});

test('tumbling windows with an offset, and reduce', async () => {
  const h = await harness(spec(TumblingEventTimeWindows.of(10, 3), { kind: 'reduce', reduce: (a, b) => [(a as Ev)[0], (b as Ev)[1], (a as Ev)[2] + (b as Ev)[2]], process: withWindow }));
  h.processElements([['a', 2, 1], ['a', 3, 2], ['a', 12, 4], ['a', 13, 8]], ts);
  h.processWatermark(Infinity);
  assert.deepEqual(h.output.map((r) => (r as unknown[]).slice(0, 3).concat([((r as unknown[])[3] as Ev)[2]])), [['a', -7, 3, 1], ['a', 3, 13, 6], ['a', 13, 23, 8]]);
});

test('sliding windows: each record is in size/slide windows', async () => {
  const h = await harness(spec(SlidingEventTimeWindows.of(10, 5), { kind: 'aggregate', aggregate: countSum, process: withWindow }));
  h.processElements([['a', 7, 1], ['a', 12, 2]], ts);
  h.processWatermark(Infinity);
  assert.deepEqual(h.output, [['a', 0, 10, [1, 1]], ['a', 5, 15, [2, 3]], ['a', 10, 20, [1, 2]]]);
});

test('session windows merge records closer than the gap (also out of order), accumulators merged', async () => {
  const h = await harness(spec(EventTimeSessionWindows.withGap(10), { kind: 'aggregate', aggregate: countSum, process: withWindow }));
  h.processElements([['a', 0, 1], ['a', 18, 2], ['b', 5, 8], ['a', 9, 4], ['a', 100, 16]], ts);
  h.processWatermark(14);
  assert.deepEqual(h.takeOutput(), [['b', 5, 15, [1, 8]]]);
  h.processWatermark(26);
  assert.deepEqual(h.output, []); // a's [0, 10) and [18, 28) were bridged by 9's [9, 19): session [0, 28)
  h.processWatermark(27);
  assert.deepEqual(h.output, [['a', 0, 28, [3, 7]]]);
  h.takeOutput();
  h.processWatermark(Infinity);
  assert.deepEqual(h.output, [['a', 100, 110, [1, 16]]]);
});

test('process() gets every element of the window and its metadata', async () => {
  const h = await harness(spec(TumblingEventTimeWindows.of(100), {
    kind: 'process',
    process: { process: (k: string, ctx: ProcessWindowContext, els: Iterable<unknown>, out: Collector<unknown>) => out.collect(`${k}@${ctx.window.start}-${ctx.window.end}:${[...els].map((e) => (e as Ev)[2]).join('+')} wm=${ctx.currentWatermark()}`) },
  }));
  h.processElements([['a', 1, 1], ['a', 50, 2], ['a', 99, 3]], ts);
  h.processWatermark(200);
  assert.deepEqual(h.output, ['a@0-100:1+2+3 wm=200']);
});

test('allowed lateness: a late record within it fires the window again with the updated result; later ones go to the late side output', async () => {
  const h = await harness(spec(TumblingEventTimeWindows.of(10), { kind: 'aggregate', aggregate: countSum, process: withWindow }, 5, 'late'));
  h.processElements([['a', 1, 1], ['a', 2, 2]], ts);
  h.processWatermark(9);
  assert.deepEqual(h.takeOutput(), [['a', 0, 10, [2, 3]]]);
  h.processElement(['a', 3, 4], 3); // watermark 9 < end − 1 + lateness = 14: late firing
  assert.deepEqual(h.takeOutput(), [['a', 0, 10, [3, 7]]]);
  h.processWatermark(14); // cleanup
  h.processElement(['a', 4, 8], 4);
  assert.deepEqual(h.output, []);
  assert.deepEqual(h.sideOutput.get('late'), [['a', 4, 8]]);
});

test('allowed lateness = size: one timer time fires a window and cleans up the one before it (tumbling and sliding)', async () => {
  // [0, 10) cleans up at 9 + 10 = 19, when [10, 20) fires: one (key, 19) timer does both.
  const h = await harness(spec(TumblingEventTimeWindows.of(10), { kind: 'aggregate', aggregate: countSum, process: withWindow }, 10, 'late'));
  h.processElements([['a', 1, 1], ['a', 12, 2], ['b', 15, 4]], ts);
  h.processWatermark(9);
  assert.deepEqual(h.takeOutput(), [['a', 0, 10, [1, 1]]]);
  h.processElement(['a', 5, 8], 5); // within lateness: fires [0, 10) again
  assert.deepEqual(h.takeOutput(), [['a', 0, 10, [2, 9]]]);
  h.processWatermark(19);
  assert.deepEqual(h.takeOutput(), [['a', 10, 20, [1, 2]], ['b', 10, 20, [1, 4]]]);
  h.processElement(['a', 6, 16], 6); // [0, 10) is gone: late
  h.processElement(['a', 13, 32], 13); // [10, 20) is kept until 29: fires again
  assert.deepEqual(h.takeOutput(), [['a', 10, 20, [2, 34]]]);
  assert.deepEqual(h.sideOutput.get('late'), [['a', 6, 16]]);
  h.processWatermark(40);
  assert.deepEqual(h.takeOutput(), []);
  assert.equal(h.timerService!.numEventTimeTimers(), 0);

  // Sliding 10 / 5 with lateness 5: [0, 10) cleans up at 14, when [5, 15) fires.
  const s = await harness(spec(SlidingEventTimeWindows.of(10, 5), { kind: 'aggregate', aggregate: countSum, process: withWindow }, 5, 'late'));
  s.processElements([['a', 7, 1]], ts);
  s.processWatermark(9);
  assert.deepEqual(s.takeOutput(), [['a', 0, 10, [1, 1]]]);
  s.processWatermark(14);
  assert.deepEqual(s.takeOutput(), [['a', 5, 15, [1, 1]]]);
  s.processElement(['a', 8, 2], 8); // [0, 10) cleaned up, [5, 15) still within lateness
  assert.deepEqual(s.takeOutput(), [['a', 5, 15, [2, 3]]]);
  s.processWatermark(19);
  assert.deepEqual(s.takeOutput(), []);
  assert.equal(s.timerService!.numEventTimeTimers(), 0);
});

test('without lateness, a record for a fired window is late: dropped, or sent to the late-data tag', async () => {
  const h = await harness(spec(TumblingEventTimeWindows.of(10), { kind: 'aggregate', aggregate: countSum, process: undefined }, 0, 'late'));
  h.processElement(['a', 5, 1], 5);
  h.processWatermark(9);
  h.processElement(['a', 9, 2], 9);
  h.processElement(['a', 10, 3], 10);
  h.processWatermark(19);
  assert.deepEqual(h.output, [[1, 1], [1, 3]]);
  assert.deepEqual(h.sideOutput.get('late'), [['a', 9, 2]]);
});

test('processing-time tumbling windows fire on the manual clock', async () => {
  const h = await harness(spec(TumblingProcessingTimeWindows.of(1000), { kind: 'aggregate', aggregate: countSum, process: withWindow }));
  h.advanceProcessingTime(100);
  h.processElements([['a', 0, 1], ['a', 0, 2]]);
  h.advanceProcessingTime(999);
  assert.deepEqual(h.output, [['a', 0, 1000, [2, 3]]]);
  h.advanceProcessingTime(1500);
  h.processElement(['a', 0, 4]);
  h.advanceProcessingTime(1998);
  assert.equal(h.output.length, 1);
  h.advanceProcessingTime(1999);
  assert.deepEqual(h.output[1], ['a', 1000, 2000, [1, 4]]);
});

test('window contents and timers restore at another parallelism and fire once', async () => {
  const s = spec(TumblingEventTimeWindows.of(10), { kind: 'aggregate', aggregate: countSum, process: withWindow });
  const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
  const h = await harness(s);
  for (const k of keys) h.processElements([[k, 1, 1], [k, 2, 2], [k, 15, 4]], ts);
  h.processWatermark(5);
  const snap = await h.snapshot(1);
  h.processWatermark(9); // fires after the snapshot: not part of it
  const restored = [];
  for (let i = 0; i < 3; i++) restored.push(await harness(s, { parallelism: 3, subtaskIndex: i, restore: [snap] }));
  const out: unknown[] = [];
  for (const r of restored) {
    r.processWatermark(Infinity);
    out.push(...r.output);
  }
  assert.equal(out.length, 40);
  for (const k of keys) {
    assert.deepEqual(out.filter((o) => (o as unknown[])[0] === k).sort(), [[k, 0, 10, [2, 3]], [k, 10, 20, [1, 4]]]);
  }
});

test('after a restore, event time resumes at the checkpointed watermark: a fired window is not opened again', async () => {
  const s = spec(TumblingEventTimeWindows.of(10), { kind: 'aggregate', aggregate: countSum, process: withWindow }, 0, 'late');
  const h = await harness(s);
  h.processElements([['a', 1, 1], ['b', 12, 2]], ts);
  h.processWatermark(9);
  assert.deepEqual(h.takeOutput(), [['a', 0, 10, [1, 1]]]);
  const snap = await h.snapshot(1);
  const r = await harness(s, { restore: [snap] });
  r.processElement(['a', 5, 4], 5); // its window fired before the checkpoint: late, though no watermark arrived yet
  assert.deepEqual(r.sideOutput.get('late'), [['a', 5, 4]]);
  r.processWatermark(Infinity);
  assert.deepEqual(r.output, [['b', 10, 20, [1, 2]]]);
});

test('session windows restore at another parallelism: each session fires once, and one bridged after the restore merges its timers', async () => {
  const s = spec(EventTimeSessionWindows.withGap(10), { kind: 'aggregate', aggregate: countSum, process: withWindow });
  const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
  const h = await harness(s);
  // Per key: sessions [0, 15) (two bids) and [25, 35); a bid at 15 after the snapshot bridges them into [0, 35).
  for (const k of keys) h.processElements([[k, 0, 1], [k, 5, 2], [k, 25, 4]], ts);
  h.processWatermark(3);
  const snap = await h.snapshot(1);
  assert.deepEqual(snap.operator['_session-key-timers']?.items, [1], 'the snapshot marks its session timers as key timers');
  const restored = [];
  for (let i = 0; i < 3; i++) restored.push(await harness(s, { parallelism: 3, subtaskIndex: i, restore: [snap] }));
  const out: unknown[] = [];
  for (const r of restored) {
    for (const k of keys.filter((_, i) => i % 2 === 0)) {
      // Only the subtask owning k's key group accepts it; the harness routes by key group.
      try { r.processElement([k, 15, 8], 15); } catch { /* not this subtask's key group */ }
    }
    r.processWatermark(Infinity);
    out.push(...r.output);
    assert.equal(r.timerService!.numEventTimeTimers(), 0, 'no timer left behind');
  }
  for (const [i, k] of keys.entries()) {
    const mine = out.filter((o) => (o as unknown[])[0] === k).sort();
    if (i % 2 === 0) assert.deepEqual(mine, [[k, 0, 35, [4, 15]]], `${k}: bridged`);
    else assert.deepEqual(mine, [[k, 0, 15, [2, 3]], [k, 25, 35, [1, 4]]].sort(), `${k}: two sessions`);
  }
});

test('a session checkpoint whose timers are [key, start, end] composites (no layout marker) restores and fires on the composite layout', async () => {
  const s = spec(EventTimeSessionWindows.withGap(10), { kind: 'aggregate', aggregate: countSum, process: withWindow });
  const h = await harness(s);
  h.processElements([['a', 0, 1], ['a', 5, 2], ['b', 7, 4]], ts);
  const snap = await h.snapshot(1);
  // The same checkpoint as written before key timers: composite timers at end − 1, no marker.
  const legacy = OperatorHarness.forSpec(windowSpec<Ev, unknown>(s), { keySelector: key });
  await legacy.open();
  const timers = legacy.timerService!;
  for (const [k, start, end] of [['a', 0, 15], ['b', 7, 17]] as const) {
    timers.registerEventTimeTimer([k, start, end], h.withKey(k, (b) => b.getCurrentKeyGroup()), end - 1);
  }
  const view = timers.snapshot();
  const legacyTimers = view.write();
  view.release();
  const { ['_session-key-timers']: _marker, ...operator } = snap.operator;
  const r = await harness(s, { restore: [{ keyed: snap.keyed, timers: legacyTimers, operator }] });
  r.processElement(['a', 15, 8], 15); // [15, 25) touches a's [0, 15): merged into [0, 25), the composite timer of [0, 15) deleted
  r.processWatermark(Infinity);
  assert.deepEqual(r.output.sort(), [['a', 0, 25, [3, 11]], ['b', 7, 17, [1, 4]]]);
  assert.equal(r.timerService!.numEventTimeTimers(), 0);
});
