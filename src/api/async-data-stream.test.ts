// AsyncDataStream through a real (inline) job: the task parks at capacity and resumes on completions, ordered keeps order, end of input waits for the last requests.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncDataStream, StreamExecutionEnvironment } from '../index.ts';
import { ConfigError } from '../core/errors.ts';

/** A fake remote call: completes after a few event-loop turns, counting the requests in flight. */
function remote() {
  const stats = { inFlight: 0, max: 0, calls: 0 };
  const call = (x: number): Promise<number> => {
    stats.calls++;
    stats.inFlight++;
    stats.max = Math.max(stats.max, stats.inFlight);
    return new Promise((resolve) => {
      // Later inputs finish sooner now and then, so unordered results do reorder.
      const turns = 1 + ((x * 7) % 5);
      const step = (n: number): void => { if (n === 0) { stats.inFlight--; resolve(x * 10); } else setImmediate(() => step(n - 1)); };
      step(turns);
    });
  };
  return { call, stats };
}

test('orderedWait in a job: every result, in input order, never more than capacity in flight', async () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 1 });
  const r = remote();
  const out = await AsyncDataStream.orderedWait(env.fromSequence(1, 3000), r.call, 10_000, 7).executeAndCollect();
  assert.deepEqual(out, Array.from({ length: 3000 }, (_, i) => (i + 1) * 10));
  assert.equal(r.stats.max, 7, 'the capacity is reached and never exceeded');
  assert.equal(r.stats.calls, 3000);
});

test('unorderedWait in a job: every result once, some out of order, capacity held', async () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 1 });
  const r = remote();
  const out = await AsyncDataStream.unorderedWait(env.fromSequence(1, 3000), r.call, 10_000, 5)
    .map((x: number) => x + 1)
    .executeAndCollect();
  assert.deepEqual([...out].sort((a, b) => a - b), Array.from({ length: 3000 }, (_, i) => (i + 1) * 10 + 1));
  assert.ok(out.some((v, i) => i > 0 && v < out[i - 1]!), 'results arrive as they complete');
  assert.ok(r.stats.max <= 5);
});

test('AsyncDataStream settings are validated when the job is built', () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 1 });
  const s = env.fromSequence(1, 2);
  assert.throws(() => AsyncDataStream.unorderedWait(s, async (x: number) => x, 0), ConfigError);
  assert.throws(() => AsyncDataStream.orderedWait(s, async (x: number) => x, 100, 0), ConfigError);
  assert.throws(() => AsyncDataStream.orderedWait(s, {} as never, 100), ConfigError);
});
