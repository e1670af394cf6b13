// A slow sink backpressures the source through bounded channel credits: bounded lag, nothing lost.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamExecutionEnvironment } from '../../src/index.ts';

test('a slow sink slows the source; records in flight stay bounded and none is lost', { timeout: 180_000 }, async () => {
  const bufferSize = 100;
  const buffersPerChannel = 2;
  const consumers = 2;
  const n = 20_000;
  let produced = 0;
  let consumed = 0;
  let maxInFlight = 0;
  // Inline mode: source and sinks share this thread, so the counters are exact.
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: consumers, bufferSize, buffersPerChannel });
  const out = await env
    .fromGenerator((i) => { produced++; return i; }, { count: n })
    .setParallelism(1)
    .rebalance()
    .map((x: number) => {
      const until = performance.now() + 0.03;
      while (performance.now() < until) { /* a slow sink */ }
      consumed++;
      if (produced - consumed > maxInFlight) maxInFlight = produced - consumed;
      return x;
    })
    .executeAndCollect();
  // Bound: per channel, its credits plus one backlogged and one partial buffer, plus one poll of the source.
  const bound = consumers * (buffersPerChannel + 2) * bufferSize + bufferSize;
  assert.ok(maxInFlight <= bound, `in flight ${maxInFlight} > bound ${bound}`);
  assert.ok(maxInFlight >= bufferSize, `the test must actually queue records (max in flight ${maxInFlight})`);
  assert.equal(out.length, n);
  assert.deepEqual([...out].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
});
