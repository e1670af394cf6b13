import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunArgs } from './options.ts';

test('weir options are taken out anywhere on the line; everything else reaches the job', () => {
  const o = parseRunArgs(['job.ts', '--input', 'x', '--parallelism', '4', '--output=y', '-p', '3', '--checkpoint-dir', 'cp', '--checkpoint-interval=500', '--flag']);
  assert.equal(o.jobFile, 'job.ts');
  assert.deepEqual(o.jobArgs, ['--input', 'x', '--output=y', '--flag']);
  assert.equal(o.defaults.parallelism, 3, 'the last occurrence wins');
  assert.deepEqual(o.defaults.checkpoint, { dir: 'cp', interval: 500 });
});

test('bad weir options are rejected, naming the option', () => {
  assert.throws(() => parseRunArgs(['job.ts', '--parallelism', '0']), /--parallelism must be an integer ≥ 1, got "0"/);
  assert.throws(() => parseRunArgs(['job.ts', '--checkpoint-mode', 'twice']), /--checkpoint-mode must be exactly-once or at-least-once/);
  assert.throws(() => parseRunArgs(['job.ts', '--checkpoint-interval', '100']), /--checkpoint-interval needs --checkpoint-dir/);
  assert.throws(() => parseRunArgs(['job.ts', '--restore', 'latest']), /--restore latest needs --checkpoint-dir/);
  assert.throws(() => parseRunArgs(['job.ts', '--savepoint-dir']), /--savepoint-dir needs a value/);
  assert.throws(() => parseRunArgs(['--parallelism', '2']), /missing the job file/);
});

test('restore, savepoint dir, allow-non-restored-state and buffer settings become defaults', () => {
  const o = parseRunArgs(['job.ts', '--checkpoint-dir', 'cp', '--restore', 'latest', '--savepoint-dir', 'sp', '--allow-non-restored-state', '--buffer-size', '256', '--buffers-per-channel', '8', '--no-progress']);
  assert.equal(o.defaults.restorePath, 'latest');
  assert.equal(o.defaults.savepointDir, 'sp');
  assert.equal(o.defaults.allowNonRestoredState, true);
  assert.equal(o.defaults.bufferSize, 256);
  assert.equal(o.defaults.buffersPerChannel, 8);
  assert.equal(o.progress, false);
});
