// A BATCH run stopped by SIGINT or SIGTERM (weir run exits at once: core/exit-cleanup.ts) leaves no shuffle
// partitions and no spilled runs behind in its spill directory.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startWeir, tempDir, waitFor, removeDir } from './helpers.ts';

/** Waits until `ready()` holds, polling every 50 ms; fails after `ms`. */
async function until(ready: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`BATCH with spilling grouped input, stopped by ${signal} while it spills: its shuffle and spill directories are gone`, { timeout: 120_000 }, async () => {
    const dir = tempDir('abort-cleanup');
    try {
      // 3 M keys × 2 records through 1 MiB of sort memory: runs spill within the first second and the job runs for several more.
      const child = startWeir(['run', 'bench/jobs/batch-spill.ts', '--keys', '3000000', '--per-key', '2', '--mode', 'batch', '--sort-memory', '1m',
        '--parallelism', '2', '--batch-spill-dir', dir, '--no-progress']);
      const spilled = (): boolean => readdirSync(dir).some((n) => n.startsWith(`weir-spill-${child.pid}-`) && readdirSync(join(dir, n)).length > 0);
      await until(() => child.exitCode === null && readdirSync(dir).some((n) => n.startsWith('weir-shuffle-')) && spilled(), 60_000, 'a shuffle directory and a spilled run');
      child.kill(signal);
      const r = await waitFor(child, 60_000);
      assert.equal(r.code, signal === 'SIGINT' ? 130 : 143, r.stderr);
      assert.match(r.stderr, new RegExp(`weir: ${signal}: aborting`));
      assert.deepEqual(readdirSync(dir), [], 'nothing left in the spill directory');
    } finally {
      removeDir(dir);
    }
  });
}
