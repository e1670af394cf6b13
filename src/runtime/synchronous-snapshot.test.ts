// Tests of the benchmark-only checkpointing mode 'synchronous-global': refused without its flag, and a source task stops reading after its barrier until the checkpoint is over.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamExecutionEnvironment } from '../index.ts';
import { BENCHMARK_MODES_FLAG } from '../api/config.ts';
import { parseRunArgs } from '../cli/options.ts';
import { ConfigError } from '../core/errors.ts';
import { buildJobGraph } from '../graph/job-graph.ts';
import { buildStreamGraph } from '../graph/stream-graph.ts';
import type { SourceSplit } from '../connectors/source.ts';
import { GeneratorSource } from '../connectors/generator/generator-source.ts';
import { openTaskUnderTest, type Ack } from './test-fixtures.ts';

function withFlag<T>(value: string | undefined, f: () => T): T {
  const before = process.env[BENCHMARK_MODES_FLAG];
  if (value === undefined) delete process.env[BENCHMARK_MODES_FLAG];
  else process.env[BENCHMARK_MODES_FLAG] = value;
  try {
    return f();
  } finally {
    if (before === undefined) delete process.env[BENCHMARK_MODES_FLAG];
    else process.env[BENCHMARK_MODES_FLAG] = before;
  }
}

test('synchronous-global is refused without the benchmark flag, by the API and by weir run', () => {
  withFlag(undefined, () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    assert.throws(() => env.enableCheckpointing(1000, 'synchronous-global'), (e: unknown) => e instanceof ConfigError && /benchmark-only.*WEIR_BENCHMARK_MODES=1/.test(e.message));
    assert.throws(() => env.configureCheckpointing({ mode: 'synchronous-global' }), /checkpoint mode "synchronous-global" is a benchmark-only mode/);
    assert.throws(() => parseRunArgs(['job.ts', '--checkpoint-mode', 'synchronous-global']), /--checkpoint-mode "synchronous-global" is a benchmark-only mode/);
  });
  withFlag('yes', () => {
    assert.throws(() => parseRunArgs(['job.ts', '--checkpoint-mode', 'synchronous-global']), /benchmark-only/);
  });
  withFlag('1', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.enableCheckpointing(1000, 'synchronous-global');
    assert.equal(env.config.checkpoint.mode, 'synchronous-global');
    assert.equal(parseRunArgs(['job.ts', '--checkpoint-mode', 'synchronous-global']).defaults.checkpoint?.mode, 'synchronous-global');
  });
});

/** Subtask 0 of generator(count) → discard (one chained source task), in `mode`, with its one split assigned. */
async function sourceTask(mode: 'exactly-once' | 'synchronous-global', count: number) {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 1 });
  env.config.checkpoint.interval = 1000;
  env.config.checkpoint.mode = mode; // set directly: the flag is checked by the setters, not by the runtime
  const source = new GeneratorSource((i: number) => i, { count });
  env.fromSource(source, 'Numbers').discard();
  const graph = buildJobGraph(buildStreamGraph(env.transformations, env.sinks, env.config));
  const vertex = graph.vertices[0]!;
  const harness = await openTaskUnderTest(vertex, env.config, []);
  const splits = source.enumerateSplits({ parallelism: 1 }) as SourceSplit[];
  harness.task.assignSplits(splits, true);
  return harness;
}

const barrier = (checkpointId: number) => ({ type: 'barrier' as const, checkpointId, timestamp: 0, kind: 'checkpoint' as const });
/** The generator position (next index) the source checkpointed in an ack. */
const positionIn = (a: Ack): number => {
  const items = (a.operators[0]!.operator as Record<string, { items: { next: number }[] }>)['splits']!.items;
  return items.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...items.map((s) => s.next));
};

test('synchronous-global: a source reads nothing after its barrier until the checkpoint completes; ABS keeps reading', async () => {
  const count = 1_000_000;
  for (const mode of ['exactly-once', 'synchronous-global'] as const) {
    const { task, run, ack } = await sourceTask(mode, count);
    // A few steps of reading, then checkpoint 1 (a mailbox action between two polls).
    for (let i = 0; i < 3; i++) task.step();
    const before = task.recordsIn;
    assert.ok(before > 0 && before < count, `${mode}: read ${before} records in 3 steps`);
    task.triggerCheckpoint(barrier(1));
    task.step();
    const atBarrier = positionIn(await ack(1));
    assert.ok(atBarrier >= before, `${mode}: checkpointed position ${atBarrier}, read ${before} before the trigger`);
    run();
    if (mode === 'exactly-once') {
      assert.equal(task.recordsIn, count, 'ABS: the source reads on to the end while the checkpoint is in flight');
      assert.equal(task.haltedForCheckpoint, -1);
      continue;
    }
    assert.equal(task.haltedForCheckpoint, 1);
    assert.equal(task.recordsIn, atBarrier, 'synchronous: nothing read after the barrier while checkpoint 1 is pending');
    assert.equal(task.runnable, false, 'a halted source task is not runnable (its slot parks)');
    // Aborting checkpoint 0 (an older one) does not resume; completing 1 does.
    task.notifyCheckpointAborted(0);
    run();
    assert.equal(task.recordsIn, atBarrier);
    task.notifyCheckpointComplete(1);
    for (let i = 0; i < 3; i++) task.step();
    assert.equal(task.haltedForCheckpoint, -1);
    const resumed = task.recordsIn;
    assert.ok(resumed > atBarrier, 'reading resumes after checkpoint-complete');
    // An aborted checkpoint resumes too.
    task.triggerCheckpoint(barrier(2));
    task.step();
    const at2 = positionIn(await ack(2));
    run();
    assert.equal(task.recordsIn, at2);
    task.notifyCheckpointAborted(2);
    run();
    assert.equal(task.recordsIn, count, 'reading resumes after checkpoint-aborted, to the end');
  }
});
