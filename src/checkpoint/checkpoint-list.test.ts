// Tests of formatCheckpointList, the table `weir checkpoints <dir>` prints.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import { formatBytes, formatCheckpointList } from './checkpoint-list.ts';
import { FsCheckpointStorage } from './fs-checkpoint-storage.ts';
import { JOB_ID, withTempDir, writeSmallCheckpoint } from './test-fixtures.ts';

test('lists every job under a base directory with ids, times, sizes and state per operator', () =>
  withTempDir(async (dir) => {
    const storage = new FsCheckpointStorage({ baseDir: dir, jobId: JOB_ID, retained: 2 });
    await writeSmallCheckpoint(await storage.begin(4));
    await writeSmallCheckpoint(await storage.begin(5));
    await mkdir(join(dir, JOB_ID, 'chk-6'));
    await mkdir(join(dir, 'other-job', 'chk-1'), { recursive: true });
    await writeFile(join(dir, 'other-job', 'chk-1', '_metadata'), 'not a metadata file');

    const text = await formatCheckpointList(dir);
    assert.match(text, new RegExp(`job ${JOB_ID} `));
    assert.match(text, /job other-job /);
    const rowOf = (id: string): string => text.split('\n').find((line) => line.trimStart().startsWith(`${id} `)) ?? '';
    assert.match(rowOf('4'), /checkpoint\s+2024-01-01T00:00:04\.000Z .* 14 ms\s+Source: words \[kafka-source\] x1: 10 B, Count per word \[word-count\] x2: 48 B/);
    assert.match(rowOf('5'), /checkpoint .* 15 ms/);
    assert.match(rowOf('6'), /incomplete/);
    assert.match(rowOf('1'), /CORRUPT/);
  }));

test('lists one job directory, a savepoint directory and a single savepoint', () =>
  withTempDir(async (dir) => {
    const savepointDir = join(dir, 'sp');
    const storage = new FsCheckpointStorage({ baseDir: dir, jobId: JOB_ID, savepointDir });
    await writeSmallCheckpoint(await storage.begin(3));
    const savepoint = await storage.begin(8, 'savepoint');
    await writeSmallCheckpoint(savepoint, 'savepoint');

    const job = await formatCheckpointList(join(dir, JOB_ID));
    assert.match(job, /^job /);
    assert.match(job, /\n {2}3 +checkpoint /);

    const savepoints = await formatCheckpointList(savepointDir);
    assert.match(savepoints, /savepoint-a1b2c3-8-[0-9a-f]{8} +savepoint .*Count per word/);
    assert.match(await formatCheckpointList(savepoint.path), /\n {2}8 +savepoint /);
  }));

test('an empty directory says so, a missing one is a ConfigError', () =>
  withTempDir(async (dir) => {
    assert.match(await formatCheckpointList(dir), /No checkpoints or savepoints/);
    await assert.rejects(formatCheckpointList(join(dir, 'missing')), ConfigError);
  }));

test('formatBytes', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(5 * 1024 * 1024), '5.0 MiB');
});
