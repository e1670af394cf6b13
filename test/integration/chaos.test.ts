// A bounded chaos run in the suite: kill -9 of the process group at random moments, stop-with-savepoint, restores at other parallelisms.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { removeDir, tempDir } from './helpers.ts';
import { runChaos } from './chaos-driver.ts';

test('300 k records through 8 random kill -9 and 2 savepoints at changing parallelism, always --restore latest: exactly once', { timeout: 300_000 }, async (t) => {
  const dir = tempDir('chaos-suite');
  try {
    const result = await runChaos({
      lines: 300_000, kills: 8, savepoints: 2, seed: 4242, throttleUs: 40, maxPartBytes: 64 * 1024,
      maxKillDelayMs: 2500, maxRuns: 40, deadlineMs: 240_000, runTimeoutMs: 60_000, dir, log: (l) => t.diagnostic(l),
    });
    t.diagnostic(`runs ${result.runs}, parallelisms ${result.parallelisms.join(' ')}, ${Math.round(result.wallMs / 1000)} s`);
    assert.deepEqual(result.problems, []);
    assert.equal(result.kills, 8, 'every planned kill landed mid-run');
    assert.equal(result.savepoints, 2);
    assert.ok(result.rescales >= 2, `restores at other parallelisms: ${result.parallelisms.join(' ')}`);
  } finally {
    removeDir(dir);
  }
});
