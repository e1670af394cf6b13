// Multi-worker jobs with union, shuffle, keyed reduce and rebalance: exact results across threads.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runWeir } from './helpers.ts';

for (const parallelism of [1, 3]) {
  test(`union + shuffle + keyed reduce is exact at parallelism ${parallelism}`, { timeout: 120_000 }, async () => {
    const n = 30_000;
    const r = await runWeir(['run', 'test/fixtures/union-shuffle-job.ts', '--parallelism', String(parallelism), '--n', String(n)]);
    assert.equal(r.code, 0, r.stderr);
    const final = new Map<string, number>();
    for (const line of r.stdout.split('\n')) {
      if (!line) continue;
      const json = line.replace(/^\d+> /, '');
      const { key, value } = JSON.parse(json) as { key: string; value: number };
      final.set(key, Math.max(final.get(key) ?? 0, value));
    }
    const expected = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const k = `k${i % 17}`;
      expected.set(k, (expected.get(k) ?? 0) + 2 * i + (2 * i + 1));
    }
    assert.deepEqual(new Map([...final].sort()), new Map([...expected].sort()));
    // Every update of every key was printed once: 2n records.
    assert.equal(r.stdout.split('\n').filter((l) => l).length, 2 * n);
    if (parallelism > 1) assert.match(r.stdout, /^3> /m);
  });
}

test('a keyed exchange between two worker threads with 1 credit per channel and 16-record buffers: every record once, the exact checksum (credits through shared cells, parked producers woken)', { timeout: 120_000 }, async () => {
  const { spin } = (await import('../../bench/keyed-work-spin.mjs')) as { spin: (x: number, rounds: number) => number };
  const count = 40_000;
  const work = 20;
  const r = await runWeir(['run', 'bench/jobs/keyed-work.ts', '--parallelism', '2', '--count', String(count), '--work', String(work), '--buffers-per-channel', '1', '--buffer-size', '16', '--no-progress']);
  assert.equal(r.code, 0, r.stderr);
  const lines = [...r.stderr.matchAll(/keyed-work: subtask passed (\d+) checksum (-?\d+)/g)];
  assert.equal(lines.length, 2, r.stderr);
  assert.equal(lines.reduce((s, m) => s + Number(m[1]), 0), count);
  let expected = 0;
  for (let i = 0; i < count; i++) expected = (expected + spin(i, work)) | 0;
  assert.equal(lines.reduce((s, m) => (s + Number(m[2])) | 0, 0), expected);
});
