// The benchmark-only synchronous global snapshot (checkpoint mode synchronous-global) through the real CLI: refused without its flag, exactly-once through kill -9.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { completedCheckpoints, removeDir, runWeir, signalAfterNextCheckpoint, startWeir, tempDir, waitFor } from './helpers.ts';
import { checkSequenceOutput, writeSequenceInput } from './sequence-check.ts';

const FLAG = { WEIR_BENCHMARK_MODES: '1' };

test('weir run refuses --checkpoint-mode synchronous-global without WEIR_BENCHMARK_MODES=1, naming the setting', async () => {
  const dir = tempDir('sync-refused');
  try {
    const input = join(dir, 'in.txt');
    writeSequenceInput(input, 100, 3);
    const r = await runWeir(['run', 'examples/sequence.ts', '--input', input, '--output', join(dir, 'out'),
      '--checkpoint-dir', join(dir, 'cp'), '--checkpoint-interval', '100', '--checkpoint-mode', 'synchronous-global', '--no-progress'],
    { env: { WEIR_BENCHMARK_MODES: '' } });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /--checkpoint-mode "synchronous-global" is a benchmark-only mode.*WEIR_BENCHMARK_MODES=1/);
  } finally {
    removeDir(dir);
  }
});

test('synchronous-global snapshots are checkpoints like any other: kill -9 and --restore latest, exactly once', { timeout: 240_000 }, async (t) => {
  const dir = tempDir('sync-kill9');
  try {
    const input = join(dir, 'in.txt');
    writeSequenceInput(input, 40_000, 41);
    const args = ['run', 'examples/sequence.ts', '--input', input, '--output', join(dir, 'out'), '--parallelism', '2',
      '--checkpoint-dir', join(dir, 'cp'), '--checkpoint-interval', '150', '--checkpoint-mode', 'synchronous-global',
      '--throttle-us', '60', '--restore', 'latest', '--no-progress'];
    let kills = 0;
    let seed = 7;
    let finished;
    for (let attempt = 0; attempt < 12 && finished === undefined; attempt++) {
      const child = startWeir(args, FLAG);
      seed = (seed * 1103515245 + 12345) % 2147483648;
      // Kill only in the first attempts, so the run ends within the loop's bound.
      if (attempt < 4) void signalAfterNextCheckpoint(child, join(dir, 'cp', 'sequence'), 'SIGKILL', seed % 300);
      const r = await waitFor(child, 120_000);
      if (r.signal === 'SIGKILL') { kills++; continue; }
      assert.equal(r.code, 0, r.stderr);
      finished = r;
    }
    t.diagnostic(`killed ${kills} times`);
    assert.ok(finished, 'the job never finished');
    assert.ok(kills >= 2, `the run must have been killed mid-way at least twice (killed ${kills})`);
    assert.ok(completedCheckpoints(join(dir, 'cp', 'sequence')).length >= 1, 'no completed checkpoint retained');
    assert.match(finished.stderr, /checkpoints [1-9]\d*\)/, 'the last run completed synchronous checkpoints');
    assert.deepEqual(checkSequenceOutput(readFileSync(input, 'utf8'), join(dir, 'out')), []);
  } finally {
    removeDir(dir);
  }
});
