// The client side of weir run: collected results come back once; an unbounded job stops on a signal.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runWeir, startWeir, tempDir, removeDir, waitFor, waitUntil } from './helpers.ts';

test('executeAndCollect over 2 worker threads returns every record to the client, and code after it runs once', { timeout: 120_000 }, async () => {
  const r = await runWeir(['run', 'test/fixtures/collect-job.ts', '--parallelism', '2']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => l);
  assert.deepEqual(lines, [JSON.stringify({ n: 10_000, sum: 10_000 * 10_001 })]);
});

test('an unbounded job runs until SIGTERM; without a checkpoint dir the signal aborts it (exit 143)', { timeout: 120_000 }, async () => {
  const child = startWeir(['run', 'test/fixtures/unbounded-job.ts', '--parallelism', '2']);
  try {
    assert.ok(await waitUntil(() => /tick:\d> /.test(child.out.stdout), child, 60_000), 'the job printed nothing');
    child.kill('SIGTERM');
    const r = await waitFor(child, 30_000);
    assert.equal(r.code, 143);
    assert.match(r.stderr, /SIGTERM: aborting/);
  } finally {
    child.kill('SIGKILL');
  }
});

test('an unbounded job with a checkpoint dir stops with a savepoint on SIGINT and exits 0', { timeout: 120_000 }, async () => {
  const dir = tempDir('unbounded');
  try {
    const child = startWeir(['run', 'test/fixtures/unbounded-job.ts', '--parallelism', '2', '--checkpoint-dir', dir]);
    try {
      assert.ok(await waitUntil(() => /tick:\d> /.test(child.out.stdout), child, 60_000), 'the job printed nothing');
      child.kill('SIGINT');
      const r = await waitFor(child, 60_000);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /^savepoint: .*savepoints\/savepoint-unboun/m);
    } finally {
      child.kill('SIGKILL');
    }
  } finally {
    removeDir(dir);
  }
});

test('a plain JavaScript job file outside the repo runs too, importing "weir"', { timeout: 120_000 }, async () => {
  const dir = tempDir('jsjob');
  try {
    const file = join(dir, 'job.mjs');
    writeFileSync(file, [
      "import { StreamExecutionEnvironment } from 'weir';",
      'const env = StreamExecutionEnvironment.getExecutionEnvironment();',
      "env.fromElements('a', 'b', 'a').map((w) => [w, 1]).keyBy(0).sum(1).print();",
      "await env.execute('js job');",
    ].join('\n'));
    const r = await runWeir(['run', file, '--parallelism', '2']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l).map((l) => l.replace(/^\d> /, '')).sort();
    assert.deepEqual(lines, ['(a,1)', '(a,2)', '(b,1)']);
  } finally {
    removeDir(dir);
  }
});

test('--savepoint-dir alone (no checkpointing) is enough for stop-with-savepoint', { timeout: 120_000 }, async () => {
  const dir = tempDir('sp-only');
  try {
    const child = startWeir(['run', 'test/fixtures/unbounded-job.ts', '--parallelism', '2', '--savepoint-dir', dir]);
    try {
      assert.ok(await waitUntil(() => /tick:\d> /.test(child.out.stdout), child, 60_000), 'the job printed nothing');
      child.kill('SIGTERM');
      const r = await waitFor(child, 60_000);
      assert.equal(r.code, 0, r.stderr);
      const m = /^savepoint: (.+)$/m.exec(r.stderr);
      assert.ok(m && m[1]!.startsWith(dir), r.stderr);
      assert.ok(existsSync(join(m[1]!, '_metadata')));
    } finally {
      child.kill('SIGKILL');
    }
  } finally {
    removeDir(dir);
  }
});
