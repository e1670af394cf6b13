// A Task whose head has two inputs, fed by hand-made channels: records routed by input with each input's key, barriers aligned over both inputs, the watermark the minimum of both, end of input when both ended.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  StreamExecutionEnvironment, ValueStateDescriptor,
  type Collector, type KeyedCoOnTimerContext, type KeyedCoProcessContext, type RuntimeContext, type ValueState,
} from '../index.ts';
import { buildJobGraph } from '../graph/job-graph.ts';
import { buildStreamGraph } from '../graph/stream-graph.ts';
import { HeapKeyedStateBackend, KeyGroupRange } from '../state/index.ts';
import type { ChannelItem } from './events.ts';
import { InputChannel } from './network/input-channel.ts';
import type { SlotToManager } from './protocol.ts';
import { openTaskUnderTest } from './test-fixtures.ts';

type Left = { user: string; t: number };
type Right = [user: string, t: number];
const COUNTS = new ValueStateDescriptor<[number, number]>('counts');

/** Counts records per key and input in one keyed state; a timer at each record's time; logs fired timers. */
function countBoth(fired: string[]) {
  let counts!: ValueState<[number, number]>;
  return {
    open(ctx: RuntimeContext) { counts = ctx.getState(COUNTS); },
    processElement1(l: Left, ctx: KeyedCoProcessContext<string>) {
      const [a, b] = counts.value() ?? [0, 0];
      counts.update([a + 1, b]);
      ctx.timerService().registerEventTimeTimer(l.t);
    },
    processElement2(r: Right, ctx: KeyedCoProcessContext<string>) {
      const [a, b] = counts.value() ?? [0, 0];
      counts.update([a, b + 1]);
      ctx.timerService().registerEventTimeTimer(r[1]);
    },
    onTimer(t: number, ctx: KeyedCoOnTimerContext<string>, _out: Collector<string>) { fired.push(`${ctx.getCurrentKey()}@${t}`); },
  };
}

/** The keyed co-process vertex of left.keyBy(user).connect(right.keyBy(0)), with `perInput` channels on each input. */
async function twoInputTask(perInput: number) {
  const fired: string[] = [];
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 1 });
  const left = env.fromElements<Left>({ user: 'a', t: 1 });
  const right = env.fromElements<Right>(['a', 1]);
  left.keyBy((l) => l.user).connect(right.keyBy((r) => r[0])).process(() => countBoth(fired)).discard();
  const graph = buildJobGraph(buildStreamGraph(env.transformations, env.sinks, env.config));
  const vertex = graph.vertices.find((v) => v.inputs.length === 2)!;
  assert.deepEqual(vertex.inputs.map((e) => e.inputIndex ?? 0).sort(), [0, 1], 'the job edges carry the input index');
  const channels = Array.from({ length: 2 * perInput }, (_, i) => new InputChannel(i, i, () => {}));
  const inputIndexes = channels.map((_, i) => (i < perInput ? 0 : 1));
  const { task, reports, run, ack } = await openTaskUnderTest(vertex, env.config, channels, inputIndexes);
  return { task, left: channels.slice(0, perInput), right: channels.slice(perInput), fired, reports, run, ack };
}

const buf = (...records: unknown[]): ChannelItem => ({ records, keyGroups: null });
const barrier = (checkpointId: number): ChannelItem => ({ type: 'barrier', checkpointId, timestamp: 0, kind: 'checkpoint' });
const watermark = (timestamp: number): ChannelItem => ({ type: 'watermark', timestamp });
const END: ChannelItem = { type: 'end-of-data' };

function countsIn(a: Extract<SlotToManager, { type: 'ack' }>): Record<string, [number, number]> {
  const blob = a.operators.find((o) => o.keyed !== undefined)!.keyed!;
  const backend = new HeapKeyedStateBackend({ maxParallelism: 128, keyGroupRange: KeyGroupRange.forOperator(128, 1, 0) });
  backend.restore([blob]);
  const state = backend.getState(COUNTS);
  const out: Record<string, [number, number]> = {};
  backend.forEachKey(COUNTS.name, (key, kg) => { backend.setCurrentKey(key, kg); out[String(key)] = state.value()!; });
  return out;
}

test('two inputs: each record goes to its input\'s function with its input\'s key; the checkpoint aligns the barriers of both inputs', async () => {
  const h = await twoInputTask(1);
  const [l] = h.left as [InputChannel];
  const [r] = h.right as [InputChannel];
  for (const item of [buf({ user: 'a', t: 1 }), barrier(1), buf({ user: 'a', t: 1 }), buf({ user: 'b', t: 1 })]) l.push(item);
  for (const item of [buf(['a', 1], ['b', 1]), buf(['a', 1]), barrier(1), buf(['b', 1])]) r.push(item);
  h.run();
  assert.deepEqual(countsIn(await h.ack(1)), { a: [1, 2], b: [0, 1] }, 'exactly the records before the barrier on each input');
  h.run();
  h.task.triggerCheckpoint({ type: 'barrier', checkpointId: 2, timestamp: 0, kind: 'checkpoint' });
  l.push(barrier(2));
  h.run();
  assert.equal(h.reports.some((m) => m.type === 'ack' && m.checkpointId === 2), false, 'input 2 has not delivered barrier 2');
  r.push(barrier(2));
  h.run();
  assert.deepEqual(countsIn(await h.ack(2)), { a: [2, 2], b: [1, 2] });
});

test('two inputs: the watermark is the minimum of both inputs (over all their channels); input ends when both ended', async () => {
  const h = await twoInputTask(2);
  const [l0, l1] = h.left as [InputChannel, InputChannel];
  const [r0, r1] = h.right as [InputChannel, InputChannel];
  l0.push(buf({ user: 'a', t: 50 }));
  r0.push(buf(['b', 30]));
  for (const c of [l0, l1]) c.push(watermark(100));
  r0.push(watermark(100));
  h.run();
  assert.deepEqual(h.fired, [], 'a channel of input 2 is still at −∞');
  r1.push(watermark(40));
  h.run();
  assert.deepEqual(h.fired, ['b@30']);
  r1.push(watermark(60));
  h.run();
  assert.deepEqual(h.fired, ['b@30', 'a@50']);
  for (const c of [l0, l1]) { c.push(watermark(Infinity)); c.push(END); }
  h.run();
  assert.equal(h.reports.some((m) => m.type === 'end-of-data'), false, 'input 2 has not ended');
  for (const c of [r0, r1]) { c.push(watermark(Infinity)); c.push(END); }
  h.run();
  assert.equal(h.reports.filter((m) => m.type === 'end-of-data').length, 1);
});
