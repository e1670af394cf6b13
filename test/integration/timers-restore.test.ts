// Timers through a savepoint and a restore at another parallelism, through the real CLI (the task restores them, not a harness).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { removeDir, runWeir, signalAfterNextCheckpoint, startWeir, tempDir, waitFor } from './helpers.ts';

const JOB = 'test/integration/jobs/timers-job.ts';

test('event-time timers pending at a savepoint fire exactly once after a restore at another parallelism', { timeout: 240_000 }, async () => {
  const dir = tempDir('timers');
  try {
    const cp = join(dir, 'cp');
    // First run: unbounded and slow, so every timer is still pending when SIGTERM stops it with a savepoint.
    const child = startWeir(['run', JOB, '--rate', '2000', '--parallelism', '2', '--checkpoint-dir', cp, '--checkpoint-interval', '200', '--no-progress']);
    try {
      assert.ok(await signalAfterNextCheckpoint(child, join(cp, 'timers'), 'SIGTERM', 300), 'the run ended before it could be stopped');
      const first = await waitFor(child, 120_000);
      assert.equal(first.code, 0, first.stderr);
      assert.doesNotMatch(first.stdout, /fired/, 'no timer may fire before the restore (stop-with-savepoint does not drain)');
      const m = /^savepoint: (.+)$/m.exec(first.stderr);
      assert.ok(m, `no savepoint line in: ${first.stderr}`);
      // Second run: bounded at `count`, at parallelism 3; its end (max watermark) fires every timer.
      const count = 100_000;
      const r = await runWeir(['run', JOB, '--count', String(count), '--parallelism', '3', '--restore', m[1]!, '--no-progress'], { timeoutMs: 120_000 });
      assert.equal(r.code, 0, r.stderr);
      const fired = r.stdout.split('\n').filter((l) => l !== '').map((l) => l.replace(/^fired:\d> /, ''));
      const times = new Map<number, number>();
      for (const line of fired) {
        const [key, time] = line.split('@');
        const t = Number(time);
        assert.equal(key, `k${t % 7}`, `timer ${line} fired for the wrong key`);
        times.set(t, (times.get(t) ?? 0) + 1);
      }
      const twice = [...times].filter(([, n]) => n > 1).map(([t]) => t);
      assert.deepEqual(twice.slice(0, 10), [], 'timers fired more than once');
      const missing: number[] = [];
      for (let t = 0; t < count; t++) if (!times.has(t)) missing.push(t);
      assert.deepEqual(missing.slice(0, 10), [], `${missing.length} timers never fired (the lowest shown): were the savepoint's timers restored?`);
      assert.equal(fired.length, count);
    } finally {
      child.kill('SIGKILL');
    }
  } finally {
    removeDir(dir);
  }
});
