// Tests of `--restore latest` over a lineage: savepoints count, forks hide old branches, fallback only when safe.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FsCheckpointStorage } from './fs-checkpoint-storage.ts';
import { resolveLatest, restoreCandidates, UnsafeRestoreError } from './latest-point.ts';
import { Lineage, LINEAGE_FILE } from './lineage.ts';
import { JOB_ID, withTempDir, writeSmallCheckpoint } from './test-fixtures.ts';

interface Setup {
  storage: FsCheckpointStorage;
  lineage: Lineage;
  jobDir: string;
  warnings: string[];
}

async function setup(dir: string, retained = 5): Promise<Setup> {
  const storage = new FsCheckpointStorage({ baseDir: dir, jobId: JOB_ID, retained, savepointDir: join(dir, 'savepoints'), onWarning: () => {} });
  const jobDir = storage.jobDir;
  await writeFile(join(dir, 'placeholder'), '');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(jobDir, { recursive: true });
  return { storage, lineage: await Lineage.read(jobDir), jobDir, warnings: [] };
}

/** Completes checkpoint (or savepoint) `id` and records it, as the coordinator does. */
async function complete(s: Setup, id: number, commits: boolean, kind: 'checkpoint' | 'savepoint' = 'checkpoint'): Promise<string> {
  const pending = await s.storage.begin(id, kind);
  await writeSmallCheckpoint(pending, kind);
  await s.lineage.append({ type: 'completed', at: Date.now(), id, kind, path: pending.path, commits });
  return pending.path;
}

const latest = (s: Setup): ReturnType<typeof resolveLatest> => resolveLatest(s.jobDir, 'word count', s.lineage, (m) => s.warnings.push(m));

async function flipByte(path: string): Promise<void> {
  const bytes = await readFile(path);
  const i = bytes.length >> 1;
  bytes[i] = bytes[i]! ^ 0xff;
  await writeFile(path, bytes);
}

test('the newest point of the branch wins, a savepoint outside the job directory included', () =>
  withTempDir(async (dir) => {
    const s = await setup(dir);
    await s.lineage.append({ type: 'start', at: 1, fork: true, base: null });
    await complete(s, 1, false);
    await complete(s, 2, false);
    const savepoint = await complete(s, 3, true, 'savepoint');
    assert.equal((await latest(s))?.path, savepoint);
    // A run that restored the savepoint and died before its first checkpoint: still the savepoint.
    await s.lineage.append({ type: 'start', at: 2, fork: false, base: { id: 3, kind: 'savepoint', path: savepoint } });
    const reread = await Lineage.read(s.jobDir);
    assert.equal((await resolveLatest(s.jobDir, 'j', reread, () => {}))?.path, savepoint);
  }));

test('the lineage file keeps points inside the job directory relative, so the directory can move', () =>
  withTempDir(async (dir) => {
    const s = await setup(dir);
    await s.lineage.append({ type: 'start', at: 1, fork: true, base: null });
    await complete(s, 1, false);
    const text = await readFile(join(s.jobDir, LINEAGE_FILE), 'utf8');
    assert.match(text, /"path":"chk-1"/);
    assert.equal((await Lineage.read(s.jobDir)).newest()?.path, join(s.jobDir, 'chk-1'));
  }));

test('a fork (fresh run or restore of an older point) hides the points of the branch before it', () =>
  withTempDir(async (dir) => {
    const s = await setup(dir);
    await s.lineage.append({ type: 'start', at: 1, fork: true, base: null });
    const one = await complete(s, 1, true);
    await complete(s, 2, true);
    await complete(s, 3, true);
    // Restore checkpoint 1 explicitly: chk-2 and chk-3 stay on disk but belong to an abandoned branch.
    await s.lineage.append({ type: 'start', at: 2, fork: true, base: { id: 1, kind: 'checkpoint', path: one } });
    assert.deepEqual((await restoreCandidates(s.jobDir, s.lineage)).map((c) => c.id), [1]);
    await complete(s, 4, false);
    assert.deepEqual((await restoreCandidates(s.jobDir, s.lineage)).map((c) => c.id), [4, 1]);
    // A fresh run: nothing of the old history is a candidate.
    await s.lineage.append({ type: 'start', at: 3, fork: true, base: null });
    assert.deepEqual(await restoreCandidates(s.jobDir, s.lineage), []);
    assert.equal(await latest(s), undefined);
  }));

test('a corrupt newest point whose commits may have happened is an error naming it and the choices, never a fallback', () =>
  withTempDir(async (dir) => {
    const s = await setup(dir);
    await s.lineage.append({ type: 'start', at: 1, fork: true, base: null });
    const one = await complete(s, 1, true);
    const two = await complete(s, 2, true);
    await flipByte(join(two, '_metadata'));
    await assert.rejects(latest(s), (e: unknown) => {
      assert.ok(e instanceof UnsafeRestoreError);
      assert.equal(e.retryable, false);
      assert.match(e.message, /checkpoint 2 \(.*chk-2\), is unusable/);
      assert.match(e.message, new RegExp(`--restore ${one.replace(/[/\\]/g, '.')}`));
      return true;
    });
  }));

test('a missing or truncated newest point with commits is refused too', () =>
  withTempDir(async (dir) => {
    const s = await setup(dir);
    await s.lineage.append({ type: 'start', at: 1, fork: true, base: null });
    await complete(s, 1, true);
    const two = await complete(s, 2, true);
    await truncate(join(two, 'word-count-1-keyed'), 3);
    await assert.rejects(latest(s), /checkpoint 2 .* is unusable: .*word-count-1-keyed is corrupt/);
    await rm(two, { recursive: true });
    await assert.rejects(latest(s), /checkpoint 2 .* is unusable: .*does not exist/);
  }));

test('falling back is allowed past a point without committables, with a warning', () =>
  withTempDir(async (dir) => {
    const s = await setup(dir);
    await s.lineage.append({ type: 'start', at: 1, fork: true, base: null });
    const one = await complete(s, 1, true);
    const two = await complete(s, 2, false);
    await flipByte(join(two, 'word-count-0-keyed'));
    assert.equal((await latest(s))?.path, one);
    assert.match(s.warnings.join('\n'), /skipping checkpoint 2 .*no sink had anything to commit/);
  }));

test('a completed checkpoint newer than every lineage record was never announced: skipping it is safe', () =>
  withTempDir(async (dir) => {
    const s = await setup(dir);
    await s.lineage.append({ type: 'start', at: 1, fork: true, base: null });
    const one = await complete(s, 1, true);
    // Completed on disk, the process died before the lineage record (so before any commit).
    const pending = await s.storage.begin(2);
    await writeSmallCheckpoint(pending);
    assert.deepEqual((await restoreCandidates(s.jobDir, s.lineage)).map((c) => [c.id, c.commits]), [[2, false], [1, true]]);
    assert.equal((await latest(s))?.path, pending.path);
    await flipByte(join(pending.path, '_metadata'));
    assert.equal((await latest(s))?.path, one);
  }));

test('no usable point although one existed: an error, never a silent start from scratch', () =>
  withTempDir(async (dir) => {
    const s = await setup(dir, 1);
    await s.lineage.append({ type: 'start', at: 1, fork: true, base: null });
    const one = await complete(s, 1, false);
    await flipByte(join(one, '_metadata'));
    await assert.rejects(latest(s), /none of its checkpoints .* is usable .*Starting from scratch would write their output again/);
  }));

test('a job directory written before lineages: every completed checkpoint counts as committed', () =>
  withTempDir(async (dir) => {
    const s = await setup(dir);
    for (const id of [1, 2]) await writeSmallCheckpoint(await s.storage.begin(id));
    assert.equal((await latest(s))?.metadata.checkpointId, 2);
    await flipByte(join(s.jobDir, 'chk-2', '_metadata'));
    await assert.rejects(latest(s), UnsafeRestoreError);
  }));

test('a damaged lineage file is reported, not ignored', () =>
  withTempDir(async (dir) => {
    const s = await setup(dir);
    await writeFile(join(s.jobDir, LINEAGE_FILE), '{"records": [');
    await assert.rejects(Lineage.read(s.jobDir), /lineage .* is not valid JSON/);
  }));

test('the lineage file keeps the start of every run of the branch, and only the newest completed records', () =>
  withTempDir(async (dir) => {
    const s = await setup(dir);
    await s.lineage.append({ type: 'start', at: 1, fork: true, base: null });
    const one = await complete(s, 1, true);
    await s.lineage.append({ type: 'start', at: 2, fork: false, base: { id: 1, kind: 'checkpoint', path: one } });
    for (let id = 2; id < 260; id++) await s.lineage.append({ type: 'completed', at: 3, id, kind: 'checkpoint', path: join(s.jobDir, `chk-${id}`), commits: false });
    const reread = await Lineage.read(s.jobDir);
    assert.equal(reread.records.filter((r) => r.type === 'start').length, 2);
    assert.equal(reread.records.filter((r) => r.type === 'completed').length, 200);
    assert.equal(reread.maxId(), 259);
    assert.equal(reread.newest()?.id, 259);
  }));

test('a point restored from the directory (its completion never recorded) stays a candidate after that run crashed', () =>
  withTempDir(async (dir) => {
    const s = await setup(dir, 1);
    await s.lineage.append({ type: 'start', at: 1, fork: true, base: null });
    await complete(s, 1, false);
    // Checkpoint 2 completed on disk (retention removed 1), the process died before recording it.
    const two = await s.storage.begin(2);
    await writeSmallCheckpoint(two);
    assert.equal((await latest(s))?.path, two.path);
    // The next run restores 2 and dies before its first checkpoint: 2 is still what latest takes,
    // not a fallback behind it (1 is gone, and older points would repeat work or output).
    await s.lineage.append({ type: 'start', at: 2, fork: false, base: { id: 2, kind: 'checkpoint', path: two.path } });
    const reread = await Lineage.read(s.jobDir);
    assert.equal(reread.newest()?.id, 2);
    assert.equal((await resolveLatest(s.jobDir, 'j', reread, (m) => s.warnings.push(m)))?.path, two.path);
    assert.deepEqual(s.warnings, []);
  }));
