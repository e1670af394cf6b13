// The Nexmark query job files through the real CLI: generator options or --input <events.jsonl>, CSV part files in --output, STREAMING and BATCH, worker threads.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventToJson } from '../../src/index.ts';
import { completedCheckpoints, readOutputLines, removeDir, runWeir, startWeir, tempDir, waitFor, waitUntil } from '../integration/helpers.ts';
import { q0, q1, q4, q5, q19 } from '../../examples/nexmark/queries/index.ts';
import { assertSameLines, eventsOf, testConfig, weirLines } from './harness.ts';

test('q1 job: generator options and the same events as --input JSON Lines give the same CSV, at parallelism 2, in both modes', async () => {
  const dir = tempDir('nexmark-jobs');
  try {
    const config = testConfig(3000);
    const input = join(dir, 'events.jsonl');
    writeFileSync(input, eventsOf(config).map(eventToJson).join('\n') + '\n');
    const expected = await weirLines(q1, config, 'STREAMING', 1);
    const generated = join(dir, 'generated');
    const fromFile = join(dir, 'from-file');
    const a = await runWeir(['run', 'examples/nexmark/q1.ts', '--parallelism', '2', '--events', '3000', '--generators', '2', '--event-rate', '500', '--seed', '42',
      '--base-time', String(config.baseTime), '--output', generated]);
    assert.equal(a.code, 0, a.stderr);
    const b = await runWeir(['run', 'examples/nexmark/q1.ts', '--parallelism', '2', '--runtime-mode', 'batch', '--input', input, '--output', fromFile]);
    assert.equal(b.code, 0, b.stderr);
    assertSameLines(readOutputLines(generated), expected, 'q1 generated');
    assertSameLines(readOutputLines(fromFile), expected, 'q1 --input');
    const c = await runWeir(['run', 'examples/nexmark/q1.ts', '--events', '10', '--evnets', '5']);
    assert.notEqual(c.code, 0);
    assert.match(c.stderr, /evnets/);
  } finally {
    removeDir(dir);
  }
});

test('q5 and q19 jobs on two worker threads (windows, keyed state, upserts across threads) give the inline rows', async () => {
  const dir = tempDir('nexmark-threads');
  try {
    const config = testConfig(6000);
    const args = ['--parallelism', '2', '--events', '6000', '--generators', '2', '--event-rate', '500', '--seed', '42', '--base-time', String(config.baseTime)];
    for (const [query, mode] of [[q5, 'streaming'], [q19, 'batch']] as const) {
      const out = join(dir, query.name);
      const r = await runWeir(['run', `examples/nexmark/${query.name}.ts`, ...args, '--runtime-mode', mode, '--output', out]);
      assert.equal(r.code, 0, r.stderr);
      const lines = readOutputLines(out);
      assert.ok(lines.length > 5, `${query.name}: ${lines.length} rows`);
      assertSameLines(lines, await weirLines(query, config, 'STREAMING', 1), `${query.name} on threads`);
    }
  } finally {
    removeDir(dir);
  }
});

test('q0 and q4 killed after a checkpoint and restored: every result exactly once (the source resumes from its checkpointed positions)', { timeout: 240_000 }, async () => {
  const dir = tempDir('nexmark-restore');
  try {
    // Paced at 20,000 events/s (so the run lasts ~3 s and is killed mid-way); the same events as eventRate 20,000 unpaced.
    const config = testConfig(60_000, { eventRate: 20_000 });
    for (const query of [q0, q4]) {
      const out = join(dir, query.name);
      const args = ['run', `examples/nexmark/${query.name}.ts`, '--parallelism', '2', '--events', '60000', '--generators', '2', '--rate', '20000',
        '--seed', '42', '--base-time', String(config.baseTime), '--output', out,
        '--checkpoint-dir', join(dir, 'cp'), '--checkpoint-interval', '150', '--restore', 'latest', '--no-progress'];
      const child = startWeir(args);
      assert.ok(await waitUntil(() => completedCheckpoints(join(dir, 'cp', `nexmark-${query.name}`)).length >= 1, child), `${query.name}: no checkpoint completed`);
      child.kill('SIGKILL');
      const first = await waitFor(child, 60_000);
      assert.equal(first.signal, 'SIGKILL', `${query.name}: the first run must be killed mid-way`);
      const r = await runWeir(args, { timeoutMs: 120_000 });
      assert.equal(r.code, 0, r.stderr);
      assertSameLines(readOutputLines(out), await weirLines(query, config, 'BATCH'), `${query.name} after kill -9 and restore`);
    }
  } finally {
    removeDir(dir);
  }
});
