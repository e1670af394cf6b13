// Tests of loading checkpoints: corruption is detected and named, latest falls back, temporaries are ignored.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointCorruptError, ConfigError } from '../core/errors.ts';
import { FsCheckpointStorage } from './fs-checkpoint-storage.ts';
import { findLatestCheckpoint, loadCheckpoint } from './load-checkpoint.ts';
import { bytes, JOB_ID, withTempDir, writeSmallCheckpoint } from './test-fixtures.ts';

const KEYED_1 = 'word-count-1-keyed';

async function flipOneByte(path: string, offset: number): Promise<void> {
  const data = await readFile(path);
  data[offset] = (data[offset] as number) ^ 0x01;
  await writeFile(path, data);
}

function corruptNaming(file: string): (error: unknown) => boolean {
  return (error: unknown) => error instanceof CheckpointCorruptError && error.path === file && error.message.includes(file);
}

test('one flipped byte in a state file: CheckpointCorruptError naming that file, and latest falls back with a warning', () =>
  withTempDir(async (dir) => {
    const warnings: string[] = [];
    const storage = new FsCheckpointStorage({ baseDir: dir, jobId: JOB_ID, retained: 2, onWarning: (m) => warnings.push(m) });
    await writeSmallCheckpoint(await storage.begin(1));
    await writeSmallCheckpoint(await storage.begin(2));
    const bad = join(dir, JOB_ID, 'chk-2', KEYED_1);
    await flipOneByte(bad, 3);

    await assert.rejects(loadCheckpoint(join(dir, JOB_ID, 'chk-2')), corruptNaming(bad));
    const loaded = await storage.latest();
    assert.equal(loaded?.metadata.checkpointId, 1);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', new RegExp(`checkpoint 2 .*${KEYED_1}.*Falling back`));

    const fromFunction: string[] = [];
    const found = await findLatestCheckpoint(dir, JOB_ID, (m) => fromFunction.push(m));
    assert.equal(found?.path, join(dir, JOB_ID, 'chk-1'));
    assert.equal(fromFunction.length, 1);
  }));

test('readState verifies again: a file corrupted after loading is reported by name', () =>
  withTempDir(async (dir) => {
    const storage = new FsCheckpointStorage({ baseDir: dir, jobId: JOB_ID });
    await writeSmallCheckpoint(await storage.begin(1));
    const loaded = await loadCheckpoint(join(dir, JOB_ID, 'chk-1'));
    const handle = loaded.metadata.operators[1]?.subtasks[1]?.handles.keyed;
    assert.ok(handle);
    const path = join(loaded.path, KEYED_1);
    await flipOneByte(path, 0);
    await assert.rejects(loaded.readState(handle), corruptNaming(path));
    await truncate(path, 2);
    await assert.rejects(loaded.readState(handle), (e: unknown) => corruptNaming(path)(e) && /2 bytes, expected/.test((e as Error).message));
    await assert.rejects(loaded.readState({ ...handle, file: '../../etc/passwd' }), CheckpointCorruptError);
  }));

test('a missing state file is reported by name', () =>
  withTempDir(async (dir) => {
    const storage = new FsCheckpointStorage({ baseDir: dir, jobId: JOB_ID });
    await writeSmallCheckpoint(await storage.begin(1));
    const gone = join(dir, JOB_ID, 'chk-1', 'kafka-source-0-source');
    await rm(gone);
    await assert.rejects(loadCheckpoint(join(dir, JOB_ID, 'chk-1')), (e: unknown) => corruptNaming(gone)(e) && /missing/.test((e as Error).message));
  }));

test('a truncated _metadata is detected, and latest falls back past it', () =>
  withTempDir(async (dir) => {
    const warnings: string[] = [];
    const storage = new FsCheckpointStorage({ baseDir: dir, jobId: JOB_ID, retained: 2, onWarning: (m) => warnings.push(m) });
    await writeSmallCheckpoint(await storage.begin(1));
    await writeSmallCheckpoint(await storage.begin(2));
    const metadata = join(dir, JOB_ID, 'chk-2', '_metadata');
    const size = (await readFile(metadata)).length;
    await truncate(metadata, size - 10);

    await assert.rejects(loadCheckpoint(join(dir, JOB_ID, 'chk-2')), (e: unknown) => corruptNaming(metadata)(e) && /truncated/.test((e as Error).message));
    assert.equal((await storage.latest())?.metadata.checkpointId, 1);
    assert.equal(warnings.length, 1);
  }));

test('with every retained checkpoint corrupt, latest is undefined and each was reported', () =>
  withTempDir(async (dir) => {
    const warnings: string[] = [];
    const storage = new FsCheckpointStorage({ baseDir: dir, jobId: JOB_ID, retained: 2, onWarning: (m) => warnings.push(m) });
    await writeSmallCheckpoint(await storage.begin(1));
    await writeSmallCheckpoint(await storage.begin(2));
    await flipOneByte(join(dir, JOB_ID, 'chk-1', KEYED_1), 0);
    await flipOneByte(join(dir, JOB_ID, 'chk-2', '_metadata'), 120);
    assert.equal(await storage.latest(), undefined);
    assert.equal(warnings.length, 2);
  }));

test('loadCheckpoint restores a savepoint directory, also after it was moved elsewhere, and accepts the _metadata path', () =>
  withTempDir(async (dir) => {
    const storage = new FsCheckpointStorage({ baseDir: join(dir, 'chk'), jobId: JOB_ID, savepointDir: join(dir, 'sp') });
    const savepoint = await storage.begin(9, 'savepoint');
    const written = await writeSmallCheckpoint(savepoint, 'savepoint');

    const moved = join(dir, 'elsewhere', 'my-savepoint');
    await cp(savepoint.path, moved, { recursive: true });
    for (const path of [savepoint.path, moved, join(moved, '_metadata')]) {
      const loaded = await loadCheckpoint(path);
      assert.deepEqual(loaded.metadata, written);
      const handle = loaded.metadata.operators[0]?.subtasks[0]?.handles.source;
      assert.ok(handle);
      assert.equal(new TextDecoder().decode(await loaded.readState(handle)), 'offset=900');
    }
  }));

test('loadCheckpoint: a path that does not exist is a ConfigError, a directory without _metadata is corrupt', () =>
  withTempDir(async (dir) => {
    await assert.rejects(loadCheckpoint(join(dir, 'nope')), ConfigError);
    const storage = new FsCheckpointStorage({ baseDir: dir, jobId: JOB_ID });
    const pending = await storage.begin(1);
    await pending.writeState('a-0-keyed', bytes('x'));
    await assert.rejects(loadCheckpoint(pending.path), (e: unknown) => e instanceof CheckpointCorruptError && /never completed/.test(e.message));
  }));

test('temporary files from a crash before rename never count as state', () =>
  withTempDir(async (dir) => {
    const storage = new FsCheckpointStorage({ baseDir: dir, jobId: JOB_ID, retained: 2 });
    await writeSmallCheckpoint(await storage.begin(1));
    // Checkpoint 2 crashed while renaming _metadata into place: only its temporary exists.
    const crashed = await storage.begin(2);
    await crashed.writeState('a-0-keyed', bytes('state'));
    const metadata1 = await readFile(join(dir, JOB_ID, 'chk-1', '_metadata'));
    await writeFile(join(crashed.path, '._metadata.tmp-0123456789ab'), metadata1);
    // Checkpoint 1 got a stray temporary next to its real files.
    await writeFile(join(dir, JOB_ID, 'chk-1', `.${KEYED_1}.tmp-ffffffffffff`), 'garbage');

    const loaded = await storage.latest();
    assert.equal(loaded?.path, join(dir, JOB_ID, 'chk-1'));
    const handle = loaded?.metadata.operators[1]?.subtasks[1]?.handles.keyed;
    assert.ok(handle);
    assert.equal(new TextDecoder().decode(await loaded.readState(handle)), 'counts-1 of checkpoint 1');
    assert.deepEqual((await storage.listCompleted()).map((info) => info.id), [1]);
  }));

test('metadata of another job or id in a chk directory is not restored', () =>
  withTempDir(async (dir) => {
    const warnings: string[] = [];
    const storage = new FsCheckpointStorage({ baseDir: dir, jobId: JOB_ID, retained: 2 });
    await writeSmallCheckpoint(await storage.begin(1));
    await writeSmallCheckpoint(await storage.begin(2));
    await rm(join(dir, JOB_ID, 'chk-1'), { recursive: true });
    await cp(join(dir, JOB_ID, 'chk-2'), join(dir, JOB_ID, 'chk-5'), { recursive: true });
    const found = await findLatestCheckpoint(dir, JOB_ID, (m) => warnings.push(m));
    assert.equal(found?.metadata.checkpointId, 2);
    assert.match(warnings[0] ?? '', /not checkpoint 5/);
  }));
