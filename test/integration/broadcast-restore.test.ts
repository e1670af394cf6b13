// Broadcast state through a savepoint and a restore at another parallelism, through the real CLI: every new subtask holds the whole broadcast state.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { removeDir, runWeir, signalAfterNextCheckpoint, startWeir, tempDir, waitFor } from './helpers.ts';

const JOB = 'test/integration/jobs/broadcast-job.ts';

/** Event numbers, and the subtasks (1-based; no prefix at parallelism 1) that printed them. */
function printed(stdout: string): { events: number[]; subtasks: Set<string> } {
  const events: number[] = [];
  const subtasks = new Set<string>();
  for (const line of stdout.split('\n')) {
    const m = /^out(?::(\d+)>|:) (\d+)$/.exec(line);
    if (!m) continue;
    subtasks.add(m[1] ?? '1');
    events.push(Number(m[2]));
  }
  return { events, subtasks };
}

test('broadcast state restored from a savepoint at another parallelism: every subtask has every rule, each event printed once', { timeout: 240_000 }, async () => {
  const dir = tempDir('broadcast');
  try {
    const cp = join(dir, 'cp');
    const child = startWeir(['run', JOB, '--rate', '2000', '--parallelism', '2', '--checkpoint-dir', cp, '--checkpoint-interval', '200', '--no-progress']);
    try {
      assert.ok(await signalAfterNextCheckpoint(child, join(cp, 'broadcast'), 'SIGTERM', 300), 'the run ended before it could be stopped');
      const first = await waitFor(child, 120_000);
      assert.equal(first.code, 0, first.stderr);
      const m = /^savepoint: (.+)$/m.exec(first.stderr);
      assert.ok(m, `no savepoint line in: ${first.stderr}`);
      const before = printed(first.stdout);
      const count = 30_000;
      for (const p of ['3', '1']) {
        const r = await runWeir(['run', JOB, '--count', String(count), '--parallelism', p, '--restore', m[1]!, '--no-progress'], { timeoutMs: 120_000 });
        assert.equal(r.code, 0, r.stderr);
        const after = printed(r.stdout);
        assert.equal(after.subtasks.size, Number(p), `every one of the ${p} subtasks prints events`);
        const times = new Map<number, number>();
        for (const i of [...before.events, ...after.events]) times.set(i, (times.get(i) ?? 0) + 1);
        const twice = [...times].filter(([, n]) => n > 1).map(([i]) => i);
        assert.deepEqual(twice.slice(0, 10), [], `p=${p}: events printed twice`);
        const missing: number[] = [];
        for (let i = 0; i < count; i++) if (!times.has(i)) missing.push(i);
        assert.deepEqual(missing.slice(0, 10), [], `p=${p}: ${missing.length} events never printed: did every subtask get the broadcast state?`);
      }
    } finally {
      child.kill('SIGKILL');
    }
  } finally {
    removeDir(dir);
  }
});
