// The Nexmark query job files through the real CLI: generator options or --input <events.jsonl>, CSV part files in --output, STREAMING and BATCH, worker threads.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventToJson } from '../../src/index.ts';
import { readOutputLines, removeDir, runWeir, tempDir } from '../integration/helpers.ts';
import { q1, q5, q19 } from '../../examples/nexmark/queries/index.ts';
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
