// The heap guard: a STREAMING job whose heap keyed state outgrows a small heap fails with OutOfMemoryError (a named error, exit 1), not V8's crash dump.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firingThreshold, LIMIT_FRACTION, startHeapGuard } from '../runtime/heap-guard.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('the firing threshold: 90 % of a large limit, 16 MiB below a small one, half of a tiny one; a lower fraction as given', () => {
  const MiB = 2 ** 20;
  assert.equal(firingThreshold(4096 * MiB, LIMIT_FRACTION), 0.9 * 4096 * MiB);
  assert.equal(firingThreshold(64 * MiB, LIMIT_FRACTION), 48 * MiB);
  assert.equal(firingThreshold(20 * MiB, LIMIT_FRACTION), 10 * MiB);
  assert.equal(firingThreshold(64 * MiB, 0.5), 32 * MiB);
});

test('the guard calls back once when the heap is past its fraction of the limit', async () => {
  let calls = 0;
  const stop = startHeapGuard(() => { calls++; }, 0.000001);
  await new Promise((r) => setTimeout(r, 200));
  stop();
  assert.equal(calls, 1);
});

test('the guard fires on the first full collection that leaves the old generation past its fraction, without waiting for samples', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  let calls = 0;
  // Sampling every 10 minutes: only the collection can fire it here.
  const stop = startHeapGuard(() => { calls++; }, 0.000001, 600_000, true);
  gc();
  await new Promise((r) => setTimeout(r, 50));
  gc();
  await new Promise((r) => setTimeout(r, 50));
  stop();
  assert.equal(calls, 1, 'once, at the first full collection');
  let none = 0;
  const stop2 = startHeapGuard(() => { none++; }, 0.99, 600_000, true);
  gc();
  await new Promise((r) => setTimeout(r, 50));
  stop2();
  assert.equal(none, 0, 'a heap far below the fraction does not fire');
});

test('STREAMING keyed count over more keys than a 64 MB heap holds: fails with WEIR_OUT_OF_MEMORY naming the task, no FATAL ERROR', { timeout: 120_000 }, () => {
  const r = spawnSync(process.execPath, ['--max-old-space-size=64', '--import', 'tsx', join(root, 'bench', 'jobs', 'batch-spill.ts'), '--keys', '2000000', '--mode', 'streaming'], {
    cwd: root, encoding: 'utf8', timeout: 110_000,
  });
  assert.notEqual(r.status, 0, 'the job fails');
  assert.equal(r.signal, null, `not killed by a signal (${r.signal})`);
  assert.doesNotMatch(r.stderr, /FATAL ERROR|heap out of memory/);
  assert.match(r.stderr, /OutOfMemoryError: out of memory: this thread's heap holds \d+ MB of its \d+ MB limit/);
  // At parallelism 1 in STREAMING the keyed count chains behind its keyBy (graph/job-graph.ts): one task.
  assert.match(r.stderr, /"Generate -> Count -> Check -> Discard \(1\/1\)": \d+ keys/);
  assert.match(r.stderr, /WEIR_OUT_OF_MEMORY/);
});
