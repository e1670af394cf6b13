// Tests of what the file sink leaves in its directory: restore into another directory, the checks before a run, _SUCCESS, I/O errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, WeirError } from '../../core/errors.ts';
import type { SinkRunContext, SinkWriterContext } from '../sink.ts';
import { FileSink, SUCCESS_MARKER } from './file-sink.ts';
import { fileSinkIoError } from './file-sink-errors.ts';
import type { FileCommittable, FileWriterState } from './file-sink-writer.ts';

const ctx = (subtaskIndex = 0): SinkWriterContext => ({ subtaskIndex, parallelism: 1, operatorName: 'my-sink', checkpointing: true });
const run = (over: Partial<SinkRunContext> = {}): SinkRunContext => ({ operatorName: 'my-sink', restored: false, append: false, ...over });
const visible = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((n) => !n.startsWith('.')).sort() : []);

function withDir(body: (dir: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weir-file-sink-out-'));
    try {
      await body(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** Silences and records stderr while `body` runs. */
async function captureStderr(body: () => Promise<void> | void): Promise<string> {
  const original = process.stderr.write.bind(process.stderr);
  let text = '';
  process.stderr.write = ((chunk: string | Uint8Array) => { text += String(chunk); return true; }) as typeof process.stderr.write;
  try {
    await body();
  } finally {
    process.stderr.write = original;
  }
  return text;
}

test('restore into another directory: the in-progress part (its checkpointed bytes) and the pending parts move over, nothing new goes to the old one', withDir(async (root) => {
  const oldDir = join(root, 'old');
  const newDir = join(root, 'new');
  const old = new FileSink<string>(oldDir, { rollingPolicy: { maxPartSize: 20 } });
  const w = old.createWriter(ctx(), []);
  for (const r of ['aaaaaaaaaa', 'bbbbbbbbbb', 'cccc']) w.write(r); // the first two roll (22 bytes), 'cccc' stays in progress
  const pending: FileCommittable[] = await w.prepareCommit();
  const states: FileWriterState[] = structuredClone(w.snapshotState(1));
  assert.equal(pending.length, 1);
  assert.equal(states[0]!.inProgress!.length, 5);
  w.write('lost after the checkpoint');
  w.close();

  const sink = new FileSink<string>(newDir);
  let writer!: ReturnType<typeof sink.createWriter>;
  const notice = await captureStderr(async () => {
    writer = sink.createWriter(ctx(), states);
    await sink.createCommitter(ctx()).commit(structuredClone(pending));
  });
  assert.match(notice, /old.*carried over into '.*new'/);
  assert.equal(notice.trim().split('\n').length, 2, `one line for the in-progress part, one for the pending ones: ${notice}`);
  writer.write('dddd');
  await writer.finish();
  await sink.createCommitter(ctx()).commit(await writer.prepareCommit());
  writer.close();
  assert.deepEqual(visible(newDir), ['part-0-0', 'part-0-1']);
  assert.equal(readFileSync(join(newDir, 'part-0-0'), 'utf8'), 'aaaaaaaaaa\nbbbbbbbbbb\n');
  assert.equal(readFileSync(join(newDir, 'part-0-1'), 'utf8'), 'cccc\ndddd\n');
  assert.deepEqual(visible(oldDir), [], 'nothing is published in the old directory');
  assert.ok(!readdirSync(oldDir).some((n) => n.startsWith('.part-0-0')), 'the carried pending file left the old directory');
}));

test('restore into another directory whose old in-progress file is gone: a clear error naming both directories, not retryable', withDir((root) => {
  const state: FileWriterState = { subtaskIndex: 0, counter: 1, dir: join(root, 'old'), inProgress: { path: '.part-0-0.inprogress', finalPath: 'part-0-0', length: 7 } };
  assert.throws(() => new FileSink<string>(join(root, 'new')).createWriter(ctx(), [state]), (e: unknown) =>
    e instanceof WeirError && e.code === 'WEIR_FILE_SINK_RESTORE' && !e.retryable &&
    e.message.includes(join(root, 'old')) && e.message.includes(join(root, 'new')) && /Restore with the old output directory/.test(e.message));
}));

test('a committable of another directory with neither file anywhere fails naming both directories; one published there already counts as done', withDir(async (root) => {
  const oldDir = join(root, 'old');
  mkdirSync(oldDir);
  writeFileSync(join(oldDir, 'part-0-3'), 'published before the crash\n');
  const sink = new FileSink<string>(join(root, 'new'));
  sink.createWriter(ctx(), []).close();
  const committer = sink.createCommitter(ctx());
  await committer.commit([{ dir: oldDir, pendingPath: '.part-0-3.inprogress', finalPath: 'part-0-3' }]);
  assert.deepEqual(visible(join(root, 'new')), [], 'a part published in the old directory is not copied (its records are output already)');
  await assert.rejects(Promise.resolve(committer.commit([{ dir: oldDir, pendingPath: '.part-0-4.inprogress', finalPath: 'part-0-4' }])), (e: unknown) =>
    e instanceof WeirError && !e.retryable && e.message.includes(oldDir) && e.message.includes(join(root, 'new')) && e.message.includes('my-sink'));
}));

test('state of the same directory restores in place; an older absolute-path state still restores', withDir(async (dir) => {
  writeFileSync(join(dir, '.part-0-0.inprogress'), 'abc\nxyz');
  const legacy: FileWriterState = { subtaskIndex: 0, counter: 1, inProgress: { path: join(dir, '.part-0-0.inprogress'), finalPath: join(dir, 'part-0-0'), length: 4 } };
  const sink = new FileSink<string>(dir);
  const w = sink.createWriter(ctx(), [legacy]);
  w.write('d');
  await w.finish();
  await sink.createCommitter(ctx()).commit(await w.prepareCommit());
  w.close();
  assert.equal(readFileSync(join(dir, 'part-0-0'), 'utf8'), 'abc\nd\n');
}));

test('checkBeforeRun: an output path that is a file, or under a file, is a ConfigError naming the sink and the path', withDir((root) => {
  const file = join(root, 'file.txt');
  writeFileSync(file, 'x');
  assert.throws(() => new FileSink(file).checkBeforeRun(run()), (e: unknown) => e instanceof ConfigError && e.message.includes('my-sink') && e.message.includes(file) && /existing file/.test(e.message));
  assert.throws(() => new FileSink(join(file, 'sub', 'out')).checkBeforeRun(run()), (e: unknown) => e instanceof ConfigError && e.message.includes(`'${file}' is a file`));
  assert.doesNotThrow(() => new FileSink(join(root, 'not', 'yet')).checkBeforeRun(run()));
}));

test('checkBeforeRun: a fresh run refuses a directory with finished part files unless appending or restored; hidden leftovers alone do not count', withDir((dir) => {
  writeFileSync(join(dir, '.part-1-2.inprogress'), 'old\n');
  writeFileSync(join(dir, 'other.csv'), 'not ours\n');
  // A run killed before its first checkpoint leaves only hidden parts: no output, nothing to copy twice.
  assert.doesNotThrow(() => new FileSink(dir).checkBeforeRun(run()));
  writeFileSync(join(dir, 'part-0-0'), 'old\n');
  assert.throws(() => new FileSink(dir).checkBeforeRun(run()), (e: unknown) =>
    e instanceof ConfigError && e.message.includes(dir) && e.message.includes("'part-0-0'") && !e.message.includes('.part-1-2.inprogress') &&
    e.message.includes('--append-output') && e.message.includes('append: true'));
  assert.doesNotThrow(() => new FileSink(dir, { append: true }).checkBeforeRun(run()));
  assert.doesNotThrow(() => new FileSink(dir).checkBeforeRun(run({ append: true })));
  assert.doesNotThrow(() => new FileSink(dir).checkBeforeRun(run({ restored: true })));
  assert.doesNotThrow(() => new FileSink(dir, { partPrefix: 'out' }).checkBeforeRun(run()), 'another prefix: not this sink\'s files');
}));

test('_SUCCESS: written by onJobFinished, removed by the next run\'s checkBeforeRun', withDir((dir) => {
  const sink = new FileSink(dir, { append: true });
  sink.checkBeforeRun(run());
  assert.ok(!existsSync(join(dir, SUCCESS_MARKER)));
  sink.onJobFinished();
  assert.equal(readFileSync(join(dir, SUCCESS_MARKER), 'utf8'), '');
  new FileSink(dir).checkBeforeRun(run({ restored: true }));
  assert.ok(!existsSync(join(dir, SUCCESS_MARKER)), 'a stale marker is removed before a new run');
}));

test('a write that fails (ENOSPC) is an external, retryable error naming the operator, the file and the errno; a wrong kind of path is not retryable', withDir(async (dir) => {
  symlinkSync('/dev/full', join(dir, '.part-0-0.inprogress'));
  const state: FileWriterState = { subtaskIndex: 0, counter: 1, dir, inProgress: { path: '.part-0-0.inprogress', finalPath: 'part-0-0', length: 0 } };
  const sink = new FileSink<string>(dir);
  const w = sink.createWriter(ctx(), [state]);
  w.write('x');
  await assert.rejects(Promise.resolve().then(() => w.prepareCommit()), (e: unknown) =>
    e instanceof WeirError && e.code === 'WEIR_FILE_SINK_IO' && e.fault === 'external' && e.retryable &&
    e.message.startsWith('my-sink: ') && e.message.includes(join(dir, '.part-0-0.inprogress')) && e.message.includes('ENOSPC'));
  w.close();
  const enotdir = Object.assign(new Error("ENOTDIR: not a directory, open '/x/y'"), { code: 'ENOTDIR' });
  assert.equal(fileSinkIoError('s', 'cannot create', enotdir).retryable, false);
  const eacces = Object.assign(new Error('permission denied'), { code: 'EACCES' });
  assert.match(fileSinkIoError('s', 'cannot create', eacces).message, /^s: cannot create: EACCES: permission denied$/);
  assert.equal(fileSinkIoError('s', 'cannot create', eacces).retryable, true);
}));
