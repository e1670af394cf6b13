// Inline jobs whose keyBy is chained (STREAMING, parallelism 1 on both sides): same results as through the exchange, keys checked, errors named.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamExecutionEnvironment, TumblingEventTimeWindows, WatermarkStrategy, WeirError } from '../index.ts';
import type { Key } from '../core/types.ts';
import { HeapKeyedStateBackend, KeyGroupRange, keyGroupFor } from '../state/index.ts';
import { StreamOperator } from './operator.ts';
import { KeyedChainedOutput } from './output.ts';

type Vertex = { name: string; operators: { name: string; keyed: boolean }[]; inputs: unknown[] };

function plan(env: StreamExecutionEnvironment): Vertex[] {
  return (JSON.parse(env.getExecutionPlan()) as { vertices: Vertex[] }).vertices;
}

test('keyBy → sum → keyBy → event-time windows at parallelism 1 run in one task, with the exact results', async () => {
  const words = ['a', 'b', 'a', 'c', 'b', 'a', 'd', 'a'];
  const build = (parallelism: number) => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism });
    const stream = env.fromCollection(words.map((w, i) => [w, 1, i * 10] as [string, number, number]))
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<[string, number, number]>().withTimestampAssigner((r) => r[2]))
      .keyBy(0)
      .sum(1)
      .keyBy((r) => r[1] % 2)
      .window(TumblingEventTimeWindows.of(40))
      .reduce((x, y) => [`${x[0]}+${y[0]}`, x[1] + y[1], Math.max(x[2], y[2])]);
    return { env, stream };
  };
  const planned = build(1);
  planned.stream.discard();
  const vertices = plan(planned.env);
  assert.equal(vertices.length, 1, `one vertex: ${vertices.map((v) => v.name).join(' | ')}`);
  // No local pre-aggregation node (graph/window-combine.ts) before a keyBy chained at p=1.
  assert.deepEqual(vertices[0]!.operators.map((o) => o.keyed), [false, false, true, true, false]); // + the discard sink
  const planned2 = build(2);
  planned2.stream.discard();
  assert.ok(plan(planned2.env).length > 1, 'at parallelism 2 the keyBy edges are exchanges');
  // Running counts: a1 b1 a2 c1 b2 a3 d1 a4 at t = 0, 10, ..., 70 (sum keeps the first record's other fields);
  // windows of 40 ms by count parity, reduced in arrival order.
  const out = await build(1).stream.executeAndCollect();
  assert.deepEqual(out.map((r) => JSON.stringify(r)).sort(), ['["a",2,0]', '["a+b+c",3,30]', '["a+d",4,60]', '["b+a",6,10]']);
});

test('a chained keyBy checks its keys as the exchange does: the error names the operator before it and the record', async () => {
  const build = () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const stream = env.fromCollection([{ id: 1 }, { id: null }]).name('Events')
      .keyBy((e) => e.id as unknown as number)
      .map((e) => e.id);
    return { env, stream };
  };
  const planned = build();
  planned.stream.discard();
  assert.equal(plan(planned.env).length, 1);
  const { stream } = build();
  await assert.rejects(stream.executeAndCollect(), (e: unknown) => {
    assert.ok(e instanceof WeirError, String(e));
    assert.equal(e.code, 'WEIR_BAD_KEY');
    assert.match(e.message, /keyBy after "Events": the key selector returned null for record/);
    return true;
  });
});

test('the chained keyBy caches number keys\' key groups by slot: colliding, negative, fractional, huge and NaN keys get keyGroupFor exactly', () => {
  const backend = new HeapKeyedStateBackend({ maxParallelism: 128, keyGroupRange: KeyGroupRange.forOperator(128, 1, 0) });
  const seen: [Key, number][] = [];
  const next = new (class extends StreamOperator {
    processElement(): void { seen.push([backend.getCurrentKey()!, backend.getCurrentKeyGroup()]); }
  })();
  const info = { name: 'Window', uid: 'w', subtaskIndex: 0, parallelism: 1 };
  const out = new KeyedChainedOutput(next, info, (r: unknown) => r as Key, backend, 128, 'Source');
  // 0, 1024, 2048 and -1024 share slot 0; 1023 and -1 share slot 1023; 1.5 shares slot 1; strings bypass the cache.
  const keys: Key[] = [0, 1024, 0, 2048, -1024, 0, 1023, -1, 1023, 1, 1.5, 1, 2 ** 40, 2 ** 40 + 1024, -0, Number.NaN, Number.NaN, 'a', 0];
  for (const k of keys) out.collect(k);
  assert.equal(seen.length, keys.length);
  seen.forEach(([k, kg], i) => {
    assert.ok(Object.is(k, keys[i]), `record ${i}: key ${String(k)}`);
    assert.equal(kg, keyGroupFor(keys[i]!, 128), `record ${i}: key group of ${String(keys[i])}`);
  });
});
