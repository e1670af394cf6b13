// Tests of the environment and DataStream API: settings are validated when the job is built, naming the setting.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, StreamExecutionEnvironment, type KeySelector } from '../index.ts';

const env = (options?: Parameters<typeof StreamExecutionEnvironment.getExecutionEnvironment>[0]): StreamExecutionEnvironment =>
  StreamExecutionEnvironment.getExecutionEnvironment(options);

function configError(pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  };
}

test('an unknown option of getExecutionEnvironment is a ConfigError naming it', () => {
  assert.throws(() => env({ paralelism: 2 } as never), configError(/unknown option "paralelism"/));
  const e = env({ parallelism: 3, maxParallelism: 64, bufferSize: 10, buffersPerChannel: 2 });
  assert.equal(e.getParallelism(), 3);
  assert.equal(e.config.maxParallelism, 64);
  assert.equal(e.config.bufferSize, 10);
  assert.equal(e.config.buffersPerChannel, 2);
});

test('parallelism must be a positive integer, in the environment and per operator', () => {
  assert.throws(() => env().setParallelism(0), configError(/parallelism.*got 0/));
  assert.throws(() => env().setParallelism(1.5), configError(/parallelism/));
  assert.throws(() => env({ parallelism: -1 }), configError(/parallelism/));
  const s = env().fromElements(1, 2).map((n) => n).name('Double');
  assert.throws(() => s.setParallelism(0), configError(/"Double"/));
  assert.throws(() => env({ bufferSize: 0 }), configError(/bufferSize/));
  assert.throws(() => env().setMaxParallelism(40_000), configError(/maxParallelism/));
});

test('keyBy with an invalid key selector is a ConfigError', () => {
  const s = env().fromElements({ a: 1 });
  assert.throws(() => s.keyBy({} as unknown as KeySelector<{ a: number }, string>), configError(/keyBy/));
  // Types refuse these (FieldOf); the runtime checks are for JavaScript jobs.
  assert.throws(() => s.keyBy(-1 as unknown as 'a'), configError(/keyBy/));
  assert.throws(() => s.keyBy(1.5 as unknown as 'a'), configError(/keyBy/));
  assert.doesNotThrow(() => s.keyBy('a'));
  assert.doesNotThrow(() => s.keyBy((r) => r.a));
});

test('aggregations need a field name or tuple index', () => {
  const k = env().fromElements<[string, number]>(['a', 1]).keyBy(0);
  assert.throws(() => k.sum(-1 as unknown as 1), configError(/sum\(\).*field/));
  assert.throws(() => k.maxBy(undefined as unknown as 1), configError(/maxBy/));
});

test('execute() with no sink is a ConfigError', async () => {
  const e = env();
  e.fromElements(1, 2, 3).map((n) => n + 1);
  await assert.rejects(e.execute('no-sink'), configError(/no sink/));
});

test('checkpoint settings are validated, naming the setting', () => {
  assert.throws(() => env().enableCheckpointing(0), configError(/checkpoint interval/));
  assert.throws(() => env().enableCheckpointing(100, 'exactly-twice' as never), configError(/exactly-twice/));
  assert.throws(() => env().configureCheckpointing({ timout: 5 } as never), configError(/unknown option "timout"/));
  assert.throws(() => env().configureCheckpointing({ timeout: -1 }), configError(/timeout/));
  assert.throws(() => env().configureCheckpointing({ maxConcurrentCheckpoints: 0 }), configError(/maxConcurrentCheckpoints/));
  const e = env().enableCheckpointing(500, 'at-least-once').configureCheckpointing({ dir: '/tmp/chk', retainedCheckpoints: 3 });
  assert.equal(e.config.checkpoint.interval, 500);
  assert.equal(e.config.checkpoint.mode, 'at-least-once');
  assert.equal(e.config.checkpoint.retainedCheckpoints, 3);
  assert.equal(e.config.checkpoint.dir, '/tmp/chk');
  assert.throws(() => env().setRestartStrategy({ kind: 'sometimes' } as never), configError(/restart strategy/));
});

test('other API misuse is caught when the job is built', () => {
  const a = env().fromElements(1);
  const b = env().fromElements(2);
  assert.throws(() => a.union(b), configError(/same environment/));
  assert.throws(() => a.name(''), configError(/name/));
  assert.throws(() => a.uid(''), configError(/uid/));
  assert.throws(() => env().fromSequence(5, 1), configError(/fromSequence/));
  assert.throws(() => a.process({} as never), configError(/processElement/));
  assert.throws(() => a.sinkTo({} as never), configError(/Sink/));
});

test('maxConcurrentCheckpoints other than 1 is refused, naming the setting', () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  assert.throws(() => env.configureCheckpointing({ maxConcurrentCheckpoints: 2 }), /maxConcurrentCheckpoints: only 1 is supported, got 2/);
  env.configureCheckpointing({ maxConcurrentCheckpoints: 1, retainedCheckpoints: 3 });
  assert.equal(env.config.checkpoint.retainedCheckpoints, 3);
});
