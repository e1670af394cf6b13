// Tests of FsCheckpointStorage: writing, completing, retention, savepoints, aborts and misuse.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readdir, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, WeirError } from '../core/errors.ts';
import { FsCheckpointStorage } from './fs-checkpoint-storage.ts';
import { bytes, JOB_ID, withTempDir, writeSmallCheckpoint } from './test-fixtures.ts';

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function ids(storage: FsCheckpointStorage): Promise<number[]> {
  return storage.listCompleted().then((list) => list.map((info) => info.id));
}

test('write, complete and latest round-trip the metadata and every state file', () =>
  withTempDir(async (dir) => {
    const storage = new FsCheckpointStorage({ baseDir: dir, jobId: JOB_ID });
    const pending = await storage.begin(3);
    assert.equal(pending.path, join(dir, JOB_ID, 'chk-3'));
    const written = await writeSmallCheckpoint(pending);

    const loaded = await storage.latest();
    assert.ok(loaded);
    assert.equal(loaded.path, join(dir, JOB_ID, 'chk-3'));
    assert.deepEqual(loaded.metadata, written);
    const counter = loaded.metadata.operators[1];
    const handle = counter?.subtasks[1]?.handles.keyed;
    assert.ok(handle);
    assert.equal(new TextDecoder().decode(await loaded.readState(handle)), 'counts-1 of checkpoint 3');
    const source = loaded.metadata.operators[0]?.subtasks[0]?.handles.source;
    assert.ok(source);
    assert.equal(new TextDecoder().decode(await loaded.readState(source)), 'offset=300');
  }));

test('latest is undefined with no checkpoints, and ignores a checkpoint directory without _metadata', () =>
  withTempDir(async (dir) => {
    const storage = new FsCheckpointStorage({ baseDir: dir, jobId: JOB_ID, retained: 3 });
    assert.equal(await storage.latest(), undefined);
    await writeSmallCheckpoint(await storage.begin(1));
    const unfinished = await storage.begin(2);
    await unfinished.writeState('x-0-keyed', bytes('half written'));
    assert.equal((await storage.latest())?.metadata.checkpointId, 1);
    assert.deepEqual(await ids(storage), [1]);
  }));

test('retention keeps the last N and deletes older ones only once a newer one completed', () =>
  withTempDir(async (dir) => {
    const storage = new FsCheckpointStorage({ baseDir: dir, jobId: JOB_ID, retained: 2 });
    await writeSmallCheckpoint(await storage.begin(1));
    await writeSmallCheckpoint(await storage.begin(2));
    assert.deepEqual(await ids(storage), [1, 2]);

    const third = await storage.begin(3);
    await third.writeState('x-0-keyed', bytes('state'));
    assert.deepEqual(await ids(storage), [1, 2], 'nothing deleted while 3 is in progress');
    await third.abort();
    assert.deepEqual(await ids(storage), [1, 2], 'nothing deleted when 3 aborts');
    assert.equal(await exists(join(dir, JOB_ID, 'chk-3')), false);

    await writeSmallCheckpoint(await storage.begin(4));
    assert.deepEqual(await ids(storage), [2, 4]);
    assert.equal(await exists(join(dir, JOB_ID, 'chk-1')), false);
    await writeSmallCheckpoint(await storage.begin(5));
    assert.deepEqual(await ids(storage), [4, 5]);
  }));

test('retention with the default of one, and old incomplete directories are cleaned unless still being written', () =>
  withTempDir(async (dir) => {
    const storage = new FsCheckpointStorage({ baseDir: dir, jobId: JOB_ID });
    await writeSmallCheckpoint(await storage.begin(1));
    await mkdir(join(dir, JOB_ID, 'chk-2')); // left by a crash
    const inProgress = await storage.begin(3);
    await writeSmallCheckpoint(await storage.begin(4));
    assert.deepEqual(await ids(storage), [4]);
    assert.equal(await exists(join(dir, JOB_ID, 'chk-1')), false);
    assert.equal(await exists(join(dir, JOB_ID, 'chk-2')), false);
    assert.equal(await exists(inProgress.path), true, 'a checkpoint still being written is left alone');
  }));

test('savepoints are self-contained, need a savepoint directory and are never deleted by retention', () =>
  withTempDir(async (dir) => {
    const savepointDir = join(dir, 'savepoints');
    const noSavepoints = new FsCheckpointStorage({ baseDir: join(dir, 'chk'), jobId: JOB_ID });
    await assert.rejects(noSavepoints.begin(1, 'savepoint'), ConfigError);

    const storage = new FsCheckpointStorage({ baseDir: join(dir, 'chk'), jobId: JOB_ID, savepointDir });
    const savepoint = await storage.begin(1, 'savepoint');
    assert.match(savepoint.path, /savepoints\/savepoint-a1b2c3-1-[0-9a-f]{8}$/);
    await writeSmallCheckpoint(savepoint, 'savepoint');
    for (let id = 2; id <= 4; id++) await writeSmallCheckpoint(await storage.begin(id));

    assert.equal(await exists(join(savepoint.path, '_metadata')), true);
    assert.deepEqual(await ids(storage), [4], 'savepoints are not checkpoints of the job');
    assert.equal((await storage.latest())?.metadata.kind, 'checkpoint');
  }));

test('a savepoint must not be completed with checkpoint metadata', () =>
  withTempDir(async (dir) => {
    const storage = new FsCheckpointStorage({ baseDir: dir, jobId: JOB_ID, savepointDir: join(dir, 'sp') });
    const savepoint = await storage.begin(1, 'savepoint');
    await assert.rejects(writeSmallCheckpoint(savepoint, 'checkpoint'), /describes checkpoint 1/);
    assert.equal(await exists(join(savepoint.path, '_metadata')), false);
  }));

test('metadata naming a file not written in this checkpoint is refused and the checkpoint stays incomplete', () =>
  withTempDir(async (dir) => {
    const storage = new FsCheckpointStorage({ baseDir: dir, jobId: JOB_ID });
    const pending = await storage.begin(1);
    const handle = await pending.writeState('a-0-keyed', bytes('abc'));
    const base = {
      version: 1 as const, jobId: JOB_ID, jobName: 'j', checkpointId: 1, kind: 'checkpoint' as const,
      timestamp: 0, durationMs: 0, maxParallelism: 128,
    };
    const forged = { ...handle, file: 'b-0-keyed' };
    await assert.rejects(
      pending.complete({ ...base, operators: [{ uid: 'a', name: 'A', parallelism: 1, subtasks: [{ subtask: 0, handles: { keyed: forged } }] }] }),
      (error: unknown) => error instanceof WeirError && /b-0-keyed/.test(error.message),
    );
    assert.equal(await exists(join(pending.path, '_metadata')), false);
    await assert.rejects(pending.writeState('c-0-keyed', bytes('x')), /failed/);
    await pending.abort();
    assert.equal(await exists(pending.path), false);
  }));

test('writeState rejects bad and duplicate names; concurrent writes of different names all land', () =>
  withTempDir(async (dir) => {
    const storage = new FsCheckpointStorage({ baseDir: dir, jobId: JOB_ID });
    const pending = await storage.begin(1);
    for (const bad of ['../escape', '_metadata', '.hidden', 'a/b', '']) {
      await assert.rejects(pending.writeState(bad, bytes('x')), WeirError, bad);
    }
    const big = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => i % 251);
    const handles = await Promise.all(Array.from({ length: 20 }, (_, i) => pending.writeState(`s-${i}-keyed`, i === 7 ? big : bytes(`state ${i}`))));
    assert.equal(handles[7]?.size, big.length);
    await assert.rejects(pending.writeState('s-3-keyed', bytes('again')), /already written/);
    const files = (await readdir(pending.path)).sort();
    assert.deepEqual(files, Array.from({ length: 20 }, (_, i) => `s-${i}-keyed`).sort(), 'no temporary file left behind');
  }));

test('begin refuses an id that already completed, reuses one that never did, and nextCheckpointId skips both', () =>
  withTempDir(async (dir) => {
    const storage = new FsCheckpointStorage({ baseDir: dir, jobId: JOB_ID, retained: 2 });
    assert.equal(await storage.nextCheckpointId(), 1);
    await writeSmallCheckpoint(await storage.begin(1));
    await mkdir(join(dir, JOB_ID, 'chk-2'));
    await writeFile(join(dir, JOB_ID, 'chk-2', 'stale-0-keyed'), 'from a crashed attempt');
    assert.equal(await storage.nextCheckpointId(), 3);

    const restarted = new FsCheckpointStorage({ baseDir: dir, jobId: JOB_ID, retained: 2 });
    await assert.rejects(restarted.begin(1), /already completed/);
    const again = await restarted.begin(2);
    assert.deepEqual(await readdir(again.path), [], 'the crashed attempt was cleared');
    await writeSmallCheckpoint(again);
    assert.deepEqual(await ids(restarted), [1, 2]);
  }));

test('listCompleted reports size, duration and state per operator', () =>
  withTempDir(async (dir) => {
    const storage = new FsCheckpointStorage({ baseDir: dir, jobId: JOB_ID });
    await writeSmallCheckpoint(await storage.begin(7));
    const [info] = await storage.listCompleted();
    assert.ok(info);
    assert.equal(info.id, 7);
    assert.equal(info.durationMs, 17);
    assert.equal(info.jobName, 'word count');
    const counts = 'counts-0 of checkpoint 7'.length * 2;
    assert.deepEqual(
      info.operators.map((op) => [op.uid, op.stateBytes]),
      [['kafka-source', 'offset=700'.length], ['word-count', counts]],
    );
    assert.ok(info.sizeBytes > 'offset=700'.length + counts, 'the total includes _metadata');
  }));

test('constructor validates jobId and retained', () => {
  assert.throws(() => new FsCheckpointStorage({ baseDir: '/tmp', jobId: '../x' }), ConfigError);
  assert.throws(() => new FsCheckpointStorage({ baseDir: '/tmp', jobId: 'job', retained: 0 }), /retained/);
});

test('removeIncomplete deletes directories without _metadata (left by a crash), never a completed one or one being written', () =>
  withTempDir(async (dir) => {
    const storage = new FsCheckpointStorage({ baseDir: dir, jobId: JOB_ID, retained: 3 });
    await writeSmallCheckpoint(await storage.begin(1));
    await mkdir(join(dir, JOB_ID, 'chk-2'));
    await mkdir(join(dir, JOB_ID, 'chk-5'));
    await writeFile(join(dir, JOB_ID, 'chk-5', 'x-0-keyed'), 'half');
    const open = await storage.begin(7);
    assert.equal(await storage.removeIncomplete(), 2);
    assert.deepEqual((await readdir(join(dir, JOB_ID))).sort(), ['chk-1', 'chk-7']);
    assert.equal(await storage.nextCheckpointId(), 8);
    await open.abort();
  }));
