// A throwing user function fails the run at once with a clear error; a mistake in the graph fails before it runs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { removeDir, runWeir, tempDir } from './helpers.ts';

test('a user function that throws fails the job: operator, uid, subtask, record and user stack; exit code 1; no hang', { timeout: 120_000 }, async () => {
  const started = Date.now();
  const r = await runWeir(['run', 'test/fixtures/throwing-job.ts', '--parallelism', '2', '--fail-at', '4242'], { timeoutMs: 30_000 });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /operator "Explode" \(uid explode-uid, subtask [12]\/2\) failed on record 4242: RangeError: boom at 4242/);
  // The user's own stack, mapped back to the job file.
  assert.match(r.stderr, /explode .*throwing-job\.ts:\d+/);
  assert.doesNotMatch(r.stderr, /finished in/);
  // The process exited by itself (worker threads die with it): no orphan keeps it alive.
  assert.ok(Date.now() - started < 30_000);
});

for (const [mistake, pattern] of [
  ['parallelism', /parallelism of operator "Map" must be an integer ≥ 1, got 0/],
  ['max-parallelism', /parallelism \(4\) is larger than maxParallelism \(2\)/],
  ['option', /getExecutionEnvironment: unknown option "paralelism"/],
  ['key', /field must be a property name or a tuple index/],
] as const) {
  test(`a graph mistake (${mistake}) fails before anything runs, naming the setting`, { timeout: 120_000 }, async () => {
    const dir = tempDir('bad');
    try {
      const marker = join(dir, 'ran');
      const r = await runWeir(['run', 'test/fixtures/bad-parallelism-job.ts', '--mistake', mistake, '--marker', marker], { timeoutMs: 30_000 });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, pattern);
      assert.match(r.stderr, /WEIR_CONFIG/);
      assert.equal(existsSync(marker), false, 'no record may flow through an invalid job');
    } finally {
      removeDir(dir);
    }
  });
}

test('a job file that does not compile fails with the location', { timeout: 120_000 }, async () => {
  const dir = tempDir('syntax');
  try {
    const file = join(dir, 'broken.ts');
    (await import('node:fs')).writeFileSync(file, 'const x: number = ;\n');
    const r = await runWeir(['run', file], { timeoutMs: 30_000 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /broken\.ts:1:\d+/);
  } finally {
    removeDir(dir);
  }
});

test('unknown weir command and missing job file are reported with usage', { timeout: 120_000 }, async () => {
  const r = await runWeir(['frobnicate']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /unknown command "frobnicate"/);
  const help = await runWeir(['run', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--checkpoint-dir/);
});

test('a job file that builds a different graph in the workers fails with a clear error', { timeout: 120_000 }, async () => {
  const r = await runWeir(['run', 'test/fixtures/nondeterministic-job.ts', '--parallelism', '2'], { timeoutMs: 30_000 });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /WEIR_NONDETERMINISTIC_GRAPH.*building the graph must be deterministic/);
});
