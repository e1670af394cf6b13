// Tests of the operator harness, and through it of the built-in operators (map, filter, keyed reduce, aggregations, keyed process).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, WeirError } from '../core/errors.ts';
import type { Collector } from '../core/types.ts';
import type { KeyedProcessContext, KeyedProcessFunction, OnTimerContext, RuntimeContext } from '../api/functions.ts';
import { ListStateDescriptor, ValueStateDescriptor, type ListState, type ValueState } from '../state/index.ts';
import type { Sink } from '../connectors/sink.ts';
import {
  OperatorError, OperatorHarness, StreamOperator, aggregationSpec, filterSpec, flatMapSpec, keyedProcessSpec, mapSpec,
  reduceSpec, sinkSpec, type HarnessSnapshot,
} from './index.ts';

type T3 = [string, number, string];
type Obj = { k: string; v: number; tag: string };

async function runAggregation<T>(kind: 'sum' | 'min' | 'max' | 'minBy' | 'maxBy', field: string | number, key: (r: T) => string, input: T[]): Promise<T[]> {
  const h = OperatorHarness.forSpec(aggregationSpec<T>(kind, field), { keySelector: key });
  await h.open();
  h.processElements(input);
  await h.close();
  return h.output;
}

test('map, flatMap and filter emit what their functions return, and pass watermarks on', async () => {
  const m = OperatorHarness.forSpec(mapSpec((s: string) => s.length));
  await m.open();
  m.processElement('abc');
  m.processElement('');
  m.processWatermark(42);
  const lengths: number[] = m.output;
  assert.deepEqual(lengths, [3, 0]);
  assert.deepEqual(m.watermarks, [42]);

  const f = OperatorHarness.forSpec(flatMapSpec((line: string, out: Collector<string>) => { for (const w of line.split(' ')) if (w) out.collect(w); }));
  await f.open();
  f.processElements(['a b', '', 'c']);
  assert.deepEqual(f.takeOutput(), ['a', 'b', 'c']);
  assert.deepEqual(f.output, []);

  const filter = OperatorHarness.forSpec(filterSpec({ filter: (n: number) => n % 2 === 0 }));
  await filter.open();
  filter.processElements([1, 2, 3, 4]);
  assert.deepEqual(filter.output, [2, 4]);
});

test('rich functions get open() with a runtime context naming the operator and subtask', async () => {
  let seen: RuntimeContext | undefined;
  const h = OperatorHarness.forSpec(mapSpec({ open(ctx: RuntimeContext) { seen = ctx; }, map: (n: number) => n + 1 }), { name: 'Inc', parallelism: 3, subtaskIndex: 2 });
  await h.open();
  assert.equal(seen?.operatorName, 'Inc');
  assert.equal(seen?.subtaskIndex, 2);
  assert.equal(seen?.parallelism, 3);
  assert.throws(() => seen!.getState(new ValueStateDescriptor<number>('x')), ConfigError, 'keyed state needs a keyed stream');
});

test('keyed reduce emits the running reduction per key', async () => {
  const h = OperatorHarness.forSpec(reduceSpec<[string, number]>((a, b) => [a[0], a[1] + b[1]]), { keySelector: (r) => r[0] });
  await h.open();
  h.processElements([['a', 1], ['b', 10], ['a', 2], ['b', 20], ['a', 3]]);
  assert.deepEqual(h.output, [['a', 1], ['b', 10], ['a', 3], ['b', 30], ['a', 6]]);
});

test('sum keeps the other fields of the first record of the key (tuples and objects)', async () => {
  const tuples = await runAggregation<T3>('sum', 1, (r) => r[0], [['a', 1, 'x'], ['b', 5, 'q'], ['a', 2, 'y'], ['a', 4, 'z']]);
  assert.deepEqual(tuples, [['a', 1, 'x'], ['b', 5, 'q'], ['a', 3, 'x'], ['a', 7, 'x']]);
  const objects = await runAggregation<Obj>('sum', 'v', (r) => r.k, [{ k: 'a', v: 1, tag: 'x' }, { k: 'a', v: 2, tag: 'y' }]);
  assert.deepEqual(objects, [{ k: 'a', v: 1, tag: 'x' }, { k: 'a', v: 3, tag: 'x' }]);
});

test('min and max change only the field; minBy and maxBy return the whole record, the first one on ties', async () => {
  const input: T3[] = [['a', 3, 'x'], ['a', 1, 'y'], ['a', 5, 'z'], ['a', 1, 'w'], ['a', 5, 'v']];
  assert.deepEqual(await runAggregation<T3>('min', 1, (r) => r[0], input), [['a', 3, 'x'], ['a', 1, 'x'], ['a', 1, 'x'], ['a', 1, 'x'], ['a', 1, 'x']]);
  assert.deepEqual(await runAggregation<T3>('max', 1, (r) => r[0], input), [['a', 3, 'x'], ['a', 3, 'x'], ['a', 5, 'x'], ['a', 5, 'x'], ['a', 5, 'x']]);
  assert.deepEqual(await runAggregation<T3>('minBy', 1, (r) => r[0], input), [['a', 3, 'x'], ['a', 1, 'y'], ['a', 1, 'y'], ['a', 1, 'y'], ['a', 1, 'y']]);
  assert.deepEqual(await runAggregation<T3>('maxBy', 1, (r) => r[0], input), [['a', 3, 'x'], ['a', 3, 'x'], ['a', 5, 'z'], ['a', 5, 'z'], ['a', 5, 'z']]);
  const objs: Obj[] = [{ k: 'a', v: 2, tag: 'x' }, { k: 'b', v: 0, tag: 'b' }, { k: 'a', v: 1, tag: 'y' }];
  assert.deepEqual(await runAggregation<Obj>('minBy', 'v', (r) => r.k, objs), [objs[0], objs[1], objs[2]]);
  assert.deepEqual(await runAggregation<Obj>('min', 'v', (r) => r.k, objs), [objs[0], objs[1], { k: 'a', v: 1, tag: 'x' }]);
});

test('sum updates its state in place yet a snapshot keeps the value at snapshot time, and a restore continues from it', async () => {
  const h = OperatorHarness.forSpec(aggregationSpec<[string, number]>('sum', 1), { keySelector: (r) => r[0] });
  await h.open();
  h.processElements([['a', 1], ['b', 10], ['a', 2]]);
  // As a task does: the copy-on-write view is taken at the barrier and serialized later, while records keep coming.
  const view = h.keyedBackend!.snapshot();
  h.processElements([['a', 100], ['b', 100], ['a', 1000]]);
  const snap: HarnessSnapshot = { keyed: view.write(), timers: undefined, operator: h.operatorState.snapshot() };
  assert.deepEqual(h.output, [['a', 1], ['b', 10], ['a', 3], ['a', 103], ['b', 110], ['a', 1103]], 'records emitted earlier are never changed by later ones');
  const h2 = OperatorHarness.forSpec(aggregationSpec<[string, number]>('sum', 1), { keySelector: (r) => r[0], restore: snap });
  await h2.open();
  h2.processElements([['a', 4], ['b', 5]]);
  assert.deepEqual(h2.output, [['a', 7], ['b', 15]]);
});

test('an aggregation on a missing or non-number field fails naming the operator and the record', async () => {
  const h = OperatorHarness.forSpec(aggregationSpec<Record<string, unknown>>('sum', 'amount'), { keySelector: (r) => String(r['k']) });
  await h.open();
  assert.throws(() => h.processElement({ k: 'a', amont: 3 }), (e: unknown) => {
    assert.ok(e instanceof OperatorError);
    assert.match(e.message, /Keyed Aggregation \(sum amount\)/);
    assert.match(e.message, /"amont":3/);
    assert.match(e.message, /missing/);
    return true;
  });
  const t = OperatorHarness.forSpec(aggregationSpec<unknown[]>('max', 1), { keySelector: (r) => String(r[0]), name: 'Max Price' });
  await t.open();
  t.processElement(['a', 1]);
  assert.throws(() => t.processElement(['a', '2']), /operator "Max Price".*\["a","2"\].*a string, not a number/);
});

/** Counts records per key; an event-time timer at ts+10 and a processing-time timer at 100 report the count. */
class CountWithTimers implements KeyedProcessFunction<string, { key: string; ts: number }, string> {
  count!: ValueState<number>;
  open(ctx: RuntimeContext): void {
    this.count = ctx.getState(new ValueStateDescriptor<number>('count', { defaultValue: 0 }));
  }
  processElement(value: { key: string; ts: number }, ctx: KeyedProcessContext<string>, out: Collector<string>): void {
    const n = (this.count.value() ?? 0) + 1;
    this.count.update(n);
    out.collect(`${ctx.getCurrentKey()}=${n}`);
    ctx.timerService().registerEventTimeTimer(value.ts + 10);
    if (n === 1) ctx.timerService().registerProcessingTimeTimer(100);
  }
  onTimer(timestamp: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
    out.collect(`${ctx.timeDomain()} ${ctx.getCurrentKey()}@${timestamp} count=${this.count.value() ?? 0}`);
  }
}

const byKey = (r: { key: string }): string => r.key;

test('a keyed process function keeps ValueState per key and fires event-time timers on watermarks', async () => {
  const h = OperatorHarness.forSpec(keyedProcessSpec(new CountWithTimers()), { keySelector: byKey });
  await h.open();
  h.processElements([{ key: 'a', ts: 1 }, { key: 'b', ts: 3 }, { key: 'a', ts: 5 }]);
  assert.deepEqual(h.takeOutput(), ['a=1', 'b=1', 'a=2']);
  h.processWatermark(10);
  assert.deepEqual(h.takeOutput(), []);
  h.processWatermark(13);
  assert.deepEqual(h.takeOutput(), ['event-time a@11 count=2', 'event-time b@13 count=1']);
  h.processWatermark(100);
  assert.deepEqual(h.takeOutput(), ['event-time a@15 count=2']);
  assert.deepEqual(h.watermarks, [10, 13, 100]);
  assert.equal(h.timerService?.numEventTimeTimers(), 0);
  assert.equal(h.withKey('a', (b) => b.getState(new ValueStateDescriptor<number>('count')).value()), 2);
});

test('processing-time timers fire when the harness clock reaches them', async () => {
  const h = OperatorHarness.forSpec(keyedProcessSpec(new CountWithTimers()), { keySelector: byKey });
  await h.open();
  h.processElements([{ key: 'a', ts: 1 }, { key: 'b', ts: 1 }]);
  h.takeOutput();
  assert.deepEqual(h.scheduledProcessingTimes, [100, 100]);
  h.advanceProcessingTime(99);
  assert.deepEqual(h.output, []);
  h.advanceProcessingTime(100);
  assert.deepEqual(h.takeOutput(), ['processing-time a@100 count=1', 'processing-time b@100 count=1']);
  assert.equal(h.timerService?.numProcessingTimeTimers(), 0);
  assert.deepEqual(h.scheduledProcessingTimes, []);
  assert.throws(() => h.advanceProcessingTime(50), /cannot go back/);
});

test('timerService().currentProcessingTime() follows the harness clock', async () => {
  let seen = -1;
  const fn: KeyedProcessFunction<string, string, never> = {
    processElement(_v, ctx) { seen = ctx.timerService().currentProcessingTime(); },
  };
  const h = OperatorHarness.forSpec(keyedProcessSpec(fn), { keySelector: (s: string) => s, processingTime: 1000 });
  await h.open();
  h.processElement('a');
  assert.equal(seen, 1000);
});

test('snapshot then restore into a new harness continues the counts (keyed state survives)', async () => {
  const h1 = OperatorHarness.forSpec(keyedProcessSpec(new CountWithTimers()), { keySelector: byKey });
  await h1.open();
  h1.processElements([{ key: 'a', ts: 1 }, { key: 'a', ts: 2 }, { key: 'b', ts: 3 }]);
  const snap = await h1.snapshot(1);
  assert.ok(snap.keyed instanceof Uint8Array);
  h1.processElement({ key: 'a', ts: 4 }); // after the snapshot: must not be in it
  await h1.close();

  const h2 = OperatorHarness.forSpec(keyedProcessSpec(new CountWithTimers()), { keySelector: byKey, restore: snap });
  await h2.open();
  h2.processElements([{ key: 'a', ts: 5 }, { key: 'b', ts: 6 }, { key: 'c', ts: 7 }]);
  assert.deepEqual(h2.output, ['a=3', 'b=2', 'c=1']);
});

test('a snapshot restores at another parallelism: each subtask keeps only its key groups', async () => {
  const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
  const h1 = OperatorHarness.forSpec(keyedProcessSpec(new CountWithTimers()), { keySelector: byKey });
  await h1.open();
  for (const key of keys) h1.processElement({ key, ts: 0 });
  const snap = await h1.snapshot(7);
  let restoredKeys = 0;
  for (const subtaskIndex of [0, 1]) {
    const h = OperatorHarness.forSpec(keyedProcessSpec(new CountWithTimers()), { keySelector: byKey, parallelism: 2, subtaskIndex, restore: [snap] });
    await h.open();
    restoredKeys += h.keyedBackend!.numKeys('count');
    for (const key of keys) {
      try {
        h.processElement({ key, ts: 0 });
      } catch (e) {
        assert.match((e as Error).message, /which subtask 1 owns|which subtask 0 owns/);
        continue;
      }
      assert.equal(h.takeOutput()[0], `${key}=2`);
    }
  }
  assert.equal(restoredKeys, keys.length);
});

test('event-time timers survive snapshot and restore', async () => {
  const h1 = OperatorHarness.forSpec(keyedProcessSpec(new CountWithTimers()), { keySelector: byKey });
  await h1.open();
  h1.processElement({ key: 'a', ts: 1 });
  const snap = await h1.snapshot(1);
  const h2 = OperatorHarness.forSpec(keyedProcessSpec(new CountWithTimers()), { keySelector: byKey, restore: snap });
  await h2.open();
  h2.processWatermark(20);
  assert.deepEqual(h2.output, ['event-time a@11 count=1']);
});

/** A custom operator that counts records in operator (non-keyed) list state. */
class CountingOperator extends StreamOperator<string, number> {
  #state!: ListState<number>;
  #count = 0;
  override open(): void {
    this.#state = this.context.operatorState.getListState(new ListStateDescriptor<number>('count'));
    for (const n of this.#state.get()) this.#count += n;
  }
  processElement(): void { this.output.collect(++this.#count); }
  override snapshotState(): void { this.#state.update([this.#count]); }
}

test('forOperator drives a custom operator; operator state is redistributed on restore', async () => {
  const snaps: HarnessSnapshot[] = [];
  for (const subtaskIndex of [0, 1]) {
    const h = OperatorHarness.forOperator(new CountingOperator(), { parallelism: 2, subtaskIndex });
    await h.open();
    h.processElements(subtaskIndex === 0 ? ['a', 'b'] : ['c', 'd', 'e']);
    const snap = await h.snapshot(3);
    assert.equal(snap.keyed, undefined);
    snaps.push(snap);
  }
  const merged = OperatorHarness.forOperator(new CountingOperator(), { restore: snaps });
  await merged.open();
  merged.processElement('f');
  assert.deepEqual(merged.output, [6]);
});

test('a two-phase-commit sink commits only when the checkpoint completes', async () => {
  const committed: string[][] = [];
  let buffer: string[] = [];
  const sink: Sink<string, string[], never> = {
    createWriter: () => ({
      write: (r) => { buffer.push(r); },
      finish: () => {},
      prepareCommit: () => { const c = buffer; buffer = []; return c.length > 0 ? [c] : []; },
      snapshotState: () => [],
      close: () => {},
    }),
    createCommitter: () => ({ commit: (cs) => { committed.push(...cs); } }),
  };
  const h = OperatorHarness.forSpec(sinkSpec(sink), { checkpointing: true });
  await h.open();
  h.processElements(['a', 'b']);
  await h.snapshot(1);
  h.processElement('c');
  assert.deepEqual(committed, []);
  await h.notifyCheckpointComplete(1);
  assert.deepEqual(committed, [['a', 'b']]);
  await h.finish();
  await h.close();
  assert.deepEqual(committed, [['a', 'b']]);
});

test('misuse is reported: calls out of order, keyed specs without keySelector, unknown options', async () => {
  const h = OperatorHarness.forSpec(mapSpec((n: number) => n));
  assert.throws(() => h.processElement(1), (e: unknown) => e instanceof WeirError && /call open\(\) first/.test(e.message));
  await h.open();
  await assert.rejects(h.open(), /already called/);
  await h.finish();
  assert.throws(() => h.processElement(1), /finished/);
  assert.throws(() => OperatorHarness.forSpec(reduceSpec<number>((a, b) => a + b)), (e: unknown) => e instanceof ConfigError && /keySelector/.test(e.message));
  assert.throws(() => OperatorHarness.forSpec(mapSpec((n: number) => n), { paralelism: 2 } as never), /unknown option "paralelism"/);
  assert.throws(() => OperatorHarness.forSpec(mapSpec((n: number) => n), { parallelism: 2, subtaskIndex: 2 }), ConfigError);
});

test('a user function that throws is reported with the operator, uid, subtask and record', async () => {
  const h = OperatorHarness.forSpec(mapSpec((r: { n: number }) => { if (r.n > 1) throw new RangeError('too big'); return r.n; }), { name: 'Check', uid: 'check-1' });
  await h.open();
  h.processElement({ n: 1 });
  assert.throws(() => h.processElement({ n: 2 }), /operator "Check" \(uid check-1, subtask 1\/1\) failed on record \{"n":2\}: RangeError: too big/);
});

test('operator state that cannot be stored fails the snapshot naming the operator', async () => {
  class HoldsFunction extends StreamOperator<number, number> {
    override snapshotState(): void {
      this.context.operatorState.getListState(new ListStateDescriptor<unknown>('bad')).update([() => 1]);
    }
    processElement(r: number): void { this.output.collect(r); }
  }
  const h = OperatorHarness.forOperator(new HoldsFunction(), { name: 'Holder' });
  await h.open();
  await assert.rejects(h.snapshot(1), /operator "Holder".*operator state/);
});
