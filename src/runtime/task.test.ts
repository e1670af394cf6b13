// Tests of one Task fed by hand-made input channels: barrier alignment over several channels, the input watermark, event-time timers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  StreamExecutionEnvironment, ValueStateDescriptor,
  type Collector, type KeyedProcessContext, type KeyedProcessFunction, type OnTimerContext, type RuntimeContext, type ValueState,
} from '../index.ts';
import type { CheckpointingMode } from '../api/config.ts';
import { buildJobGraph } from '../graph/job-graph.ts';
import { buildStreamGraph } from '../graph/stream-graph.ts';
import type { Key } from '../core/types.ts';
import { HeapKeyedStateBackend, KeyGroupRange, keyGroupFor } from '../state/index.ts';
import type { ChannelItem } from './events.ts';
import { InputChannel } from './network/input-channel.ts';
import type { SlotToManager } from './protocol.ts';
import type { Task } from './task.ts';
import { openTaskUnderTest } from './test-fixtures.ts';

type Rec = [string, number];

/** Counts records per key in keyed state; registers an event-time timer at each record's number; logs fired timers. */
class CountAndTime implements KeyedProcessFunction<string, Rec, string> {
  #count!: ValueState<number>;
  constructor(private readonly fired: string[]) {}
  open(ctx: RuntimeContext): void {
    this.#count = ctx.getState(new ValueStateDescriptor<number>('count'));
  }
  processElement([, t]: Rec, ctx: KeyedProcessContext<string>, _out: Collector<string>): void {
    this.#count.update((this.#count.value() ?? 0) + 1);
    ctx.timerService().registerEventTimeTimer(t);
  }
  onTimer(timestamp: number, ctx: OnTimerContext<string>, _out: Collector<string>): void {
    this.fired.push(`${ctx.getCurrentKey()}@${timestamp}`);
  }
}

interface Harness {
  readonly task: Task;
  readonly channels: InputChannel[];
  readonly fired: string[];
  readonly reports: SlotToManager[];
  /** Steps the task until it has nothing left to do. */
  run(): void;
  /** Waits for the ack of a checkpoint (its serialization is asynchronous). */
  ack(checkpointId: number): Promise<Extract<SlotToManager, { type: 'ack' }>>;
  /** The keyed head's key selector (the one keyBy made). */
  readonly selector: (record: unknown) => Key;
}

/** Subtask 0 of the keyed vertex of source → keyBy → process(CountAndTime) → discard, with `n` input channels. */
async function keyedTask(n: number, mode: CheckpointingMode = 'exactly-once'): Promise<Harness> {
  const fired: string[] = [];
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 1 });
  env.config.checkpoint.mode = mode;
  // startNewChain: at parallelism 1 the keyed operator would chain behind its keyBy (graph/job-graph.ts).
  env.fromElements<Rec>(['a', 1]).keyBy(0).process(() => new CountAndTime(fired)).startNewChain().discard();
  const graph = buildJobGraph(buildStreamGraph(env.transformations, env.sinks, env.config));
  const vertex = graph.vertices.find((v) => !v.isSource)!;
  const channels = Array.from({ length: n }, (_, i) => new InputChannel(i, i, () => {}));
  const { task, reports, run, ack } = await openTaskUnderTest(vertex, env.config, channels);
  return { task, channels, fired, reports, run, ack, selector: vertex.operators[0]!.node.keySelector! };
}

const buf = (...records: Rec[]): ChannelItem => ({ records, keyGroups: null });
const barrier = (checkpointId: number): ChannelItem => ({ type: 'barrier', checkpointId, timestamp: 0, kind: 'checkpoint' });
const watermark = (timestamp: number): ChannelItem => ({ type: 'watermark', timestamp });

/** The per-key counts in the keyed state of an ack. */
function countsIn(a: Extract<SlotToManager, { type: 'ack' }>): Record<string, number> {
  const blob = a.operators.find((o) => o.keyed !== undefined)!.keyed!;
  const backend = new HeapKeyedStateBackend({ maxParallelism: 128, keyGroupRange: KeyGroupRange.forOperator(128, 1, 0) });
  backend.restore([blob]);
  const state = backend.getState(new ValueStateDescriptor<number>('count'));
  const counts: Record<string, number> = {};
  backend.forEachKey('count', (key, kg) => {
    backend.setCurrentKey(key, kg);
    counts[String(key)] = state.value()!;
  });
  return counts;
}

test('exactly-once alignment: records behind the barrier on a blocked channel are not in the snapshot', async () => {
  const h = await keyedTask(3);
  const [c0, c1, c2] = h.channels as [InputChannel, InputChannel, InputChannel];
  // Channel 0 delivers its barrier first; what follows it belongs to checkpoint 2's side of the cut.
  for (const item of [buf(['a', 1]), barrier(1), buf(['a', 1]), buf(['a', 1]), buf(['a', 1])]) c0.push(item);
  for (const item of [buf(['b', 1]), buf(['b', 1]), buf(['b', 1]), buf(['b', 1]), barrier(1), buf(['b', 1])]) c1.push(item);
  for (const item of [buf(['c', 1]), buf(['c', 1]), barrier(1), buf(['c', 1]), buf(['c', 1])]) c2.push(item);
  h.run();
  const a = await h.ack(1);
  assert.deepEqual(countsIn(a), { a: 1, b: 4, c: 2 }, 'the snapshot holds exactly the records before each channel\'s barrier');
  // After the checkpoint every channel is unblocked and the rest is processed.
  h.run();
  h.task.triggerCheckpoint({ type: 'barrier', checkpointId: 2, timestamp: 0, kind: 'checkpoint' });
  h.channels.forEach((c) => c.push(barrier(2)));
  h.run();
  assert.deepEqual(countsIn(await h.ack(2)), { a: 4, b: 5, c: 4 });
});

test('exactly-once alignment: the checkpoint waits for the barrier of every channel', async () => {
  const h = await keyedTask(2);
  h.channels[0]!.push(barrier(1));
  h.channels[0]!.push(buf(['a', 1]));
  h.channels[1]!.push(buf(['b', 1]));
  h.run();
  assert.equal(h.reports.some((m) => m.type === 'ack'), false, 'no checkpoint before the last barrier');
  h.channels[1]!.push(barrier(1));
  h.run();
  assert.deepEqual(countsIn(await h.ack(1)), { b: 1 });
});

test('the input watermark is the minimum over channels: a channel behind holds timers back', async () => {
  const h = await keyedTask(2);
  const [c0, c1] = h.channels as [InputChannel, InputChannel];
  c0.push(buf(['a', 50]));
  c0.push(watermark(100));
  c1.push(watermark(10));
  h.run();
  assert.deepEqual(h.fired, [], 'channel 1 is at 10: a timer at 50 must wait');
  assert.equal(h.task.currentWatermark, 10, 'the metrics report the input watermark (a chain that ends in a sink)');
  c1.push(buf(['b', 70]));
  c1.push(watermark(60));
  h.run();
  assert.deepEqual(h.fired, ['a@50'], 'the minimum is now 60');
  assert.equal(h.task.currentWatermark, 60);
  // The longer input ends with the max watermark; the shorter one still holds the rest back.
  c0.push(watermark(Number.POSITIVE_INFINITY));
  h.run();
  assert.deepEqual(h.fired, ['a@50']);
  c1.push(watermark(Number.POSITIVE_INFINITY));
  h.run();
  assert.deepEqual(h.fired, ['a@50', 'b@70']);
});

test('an event-time timer at T does not fire at watermark T-1 and fires at watermark T', async () => {
  const h = await keyedTask(1);
  const c = h.channels[0]!;
  c.push(buf(['a', 50], ['b', 51], ['c', 49]));
  c.push(watermark(48));
  h.run();
  assert.deepEqual(h.fired, []);
  c.push(watermark(49));
  h.run();
  assert.deepEqual(h.fired, ['c@49']);
  c.push(watermark(50));
  h.run();
  assert.deepEqual(h.fired, ['c@49', 'a@50'], 'the timer at 51 waits for watermark 51');
  c.push(watermark(60));
  h.run();
  assert.deepEqual(h.fired, ['c@49', 'a@50', 'b@51']);
  // Each timer fires once: a later watermark fires nothing again.
  c.push(watermark(1000));
  h.run();
  assert.equal(h.fired.length, 3);
});

test('same-thread runs of records: accepted only when the channel is empty and not blocked by alignment; the key computed by the writer is used as is', async () => {
  const h = await keyedTask(2);
  const [c0, c1] = h.channels as [InputChannel, InputChannel];
  const kg = (k: string) => keyGroupFor(k, 128);
  // A run of one record, as a RecordWriter hands it over (its arrays are reused, so each call gets fresh ones here).
  const deliver = (c: InputChannel, record: unknown, key: string, selector: (r: unknown) => Key, keyGroup: number): void =>
    c.deliverRun([record], [key], selector, Int32Array.of(keyGroup), Float64Array.of(Number.NaN), 1);
  // With the head's own selector the writer's key is trusted (no second selector call); with another one it is computed again.
  assert.equal(c0.acceptsRecord(), true);
  deliver(c0, ['x', 1], 'a', h.selector, kg('a'));
  deliver(c0, ['y', 1], 'ignored', () => 'other', kg('y'));
  c1.push(buf(['b', 1]));
  assert.equal(c1.acceptsRecord(), false, 'a record must not overtake what is queued');
  c0.push(barrier(1));
  h.run();
  assert.equal(c1.acceptsRecord(), true, 'the queue drained');
  assert.equal(c0.acceptsRecord(), false, 'channel 0 delivered barrier 1 and is blocked until channel 1 delivers it');
  deliver(c1, ['b', 1], 'b', h.selector, kg('b'));
  c1.push(barrier(1));
  h.run();
  assert.equal(c0.acceptsRecord(), true, 'aligned: unblocked');
  deliver(c0, ['a', 1], 'a', h.selector, kg('a'));
  assert.deepEqual(countsIn(await h.ack(1)), { a: 1, y: 1, b: 2 }, 'direct records before the barrier are in the snapshot, the one after it is not');
});

test('through the inline runtime, a keyBy between two tasks of one thread calls the key selector once per record', async () => {
  let calls = 0;
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 1 });
  const words = Array.from({ length: 5000 }, (_, i) => `w${i % 37}`);
  const counts = await env.fromElements(...words)
    .map((w: string): Rec => [w, 1])
    .keyBy((r: Rec) => { calls++; return r[0]; })
    .sum(1)
    .startNewChain() // two tasks (else the keyed operator chains behind its keyBy at parallelism 1)
    .executeAndCollect();
  assert.equal(counts.length, words.length);
  const finals = new Map<string, number>();
  for (const [w, n] of counts) finals.set(w, Math.max(finals.get(w) ?? 0, n));
  assert.equal([...finals.values()].reduce((a, b) => a + b, 0), words.length);
  assert.equal(calls, words.length, 'the key travels with the record from the writer to the keyed operator');
});
