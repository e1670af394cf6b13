// Tests of FileSink driven as the runtime drives it: write, pre-commit, snapshot, commit, crash, restore.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, WeirError } from '../../core/errors.ts';
import type { SinkWriterContext } from '../sink.ts';
import { FileSink } from './file-sink.ts';
import type { FileCommittable, FileWriterState } from './file-sink-writer.ts';

function ctx(subtaskIndex = 0, parallelism = 1): SinkWriterContext {
  return { subtaskIndex, parallelism, operatorName: 'file-sink', checkpointing: true };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'weir-file-sink-'));
}

/** Visible (finished) part files of a subtask, in counter order. */
function finishedParts(dir: string, subtask = 0): string[] {
  const re = new RegExp(`^part-${subtask}-(\\d+)$`);
  return readdirSync(dir)
    .filter((n) => re.test(n))
    .sort((a, b) => Number(re.exec(a)![1]) - Number(re.exec(b)![1]));
}

function finishedLines(dir: string, subtask = 0): string[] {
  const text = finishedParts(dir, subtask).map((n) => readFileSync(join(dir, n), 'utf8')).join('');
  return text === '' ? [] : text.slice(0, -1).split('\n');
}

const visible = (dir: string) => readdirSync(dir).filter((n) => !n.startsWith('.'));
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `r${from + i} é😀`);

test('write, pre-commit, snapshot, commit: the finished file holds exactly the records', async () => {
  const dir = tempDir();
  try {
    const sink = new FileSink<{ id: number }>(dir, { format: (r) => `id=${r.id}` });
    const writer = sink.createWriter(ctx(), []);
    for (let i = 0; i < 5; i++) writer.write({ id: i });
    // Checkpoint 1: the part is small, so it stays in progress and its length goes to the state.
    assert.deepEqual((await writer.prepareCommit()), []);
    const [state] = writer.snapshotState(1);
    assert.equal(state!.inProgress!.length, 'id=0\nid=1\nid=2\nid=3\nid=4\n'.length);
    assert.deepEqual(visible(dir), []);
    writer.write({ id: 5 });
    await writer.finish();
    const committables = (await writer.prepareCommit());
    assert.equal(committables.length, 1);
    assert.deepEqual(visible(dir), [], 'a pending part is not visible before commit');
    const committer = sink.createCommitter();
    await committer.commit(committables);
    assert.deepEqual(visible(dir), ['part-0-0']);
    assert.equal(readFileSync(join(dir, 'part-0-0'), 'utf8'), 'id=0\nid=1\nid=2\nid=3\nid=4\nid=5\n');
    // Idempotent: the same committables again (after a restore) succeed and change nothing.
    await committer.commit(committables);
    assert.equal(readFileSync(join(dir, 'part-0-0'), 'utf8'), 'id=0\nid=1\nid=2\nid=3\nid=4\nid=5\n');
    writer.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('crash after checkpoint 1, restore: in-progress part truncated back, each record exactly once, in order', async () => {
  const dir = tempDir();
  try {
    // maxPartSize small enough that parts roll on write, large enough that one stays in progress at the checkpoint.
    const sink = new FileSink<string>(dir, { rollingPolicy: { maxPartSize: 300 } });
    const committer = sink.createCommitter();
    const records = range(0, 200);

    let writer = sink.createWriter(ctx(), []);
    for (const r of records.slice(0, 50)) writer.write(r);
    const c1 = (await writer.prepareCommit());
    const s1: FileWriterState[] = structuredClone(writer.snapshotState(1));
    assert.ok(c1.length > 0, 'parts rolled by size before checkpoint 1');
    assert.notEqual(s1[0]!.inProgress, null, 'a part is in progress at checkpoint 1');
    await committer.commit(c1);

    // After checkpoint 1: more records, a pre-commit for checkpoint 2 that never completes, more records, crash.
    for (const r of records.slice(50, 120)) writer.write(r);
    const c2 = (await writer.prepareCommit());
    assert.ok(c2.length > 0);
    for (const r of records.slice(120, 150)) writer.write(r);
    writer.close();
    const inProgressName = s1[0]!.inProgress!.path;
    assert.equal(s1[0]!.dir, dir, 'the state names its directory once');
    assert.ok(!inProgressName.includes('/'), `paths in the state are relative to the directory, got ${inProgressName}`);
    const inProgressPath = join(dir, inProgressName);
    assert.ok(statSync(inProgressPath).size > s1[0]!.inProgress!.length, 'bytes after checkpoint 1 reached the file');

    // Restore from checkpoint 1: its committables come again (idempotent), the source replays from record 50.
    writer = sink.createWriter(ctx(), s1);
    assert.equal(statSync(inProgressPath).size, s1[0]!.inProgress!.length, 'truncated to the checkpointed length');
    await committer.commit(c1);
    for (const r of records.slice(50)) writer.write(r);
    await writer.finish();
    await committer.commit((await writer.prepareCommit()));
    writer.close();

    assert.deepEqual(finishedLines(dir), records);
    // Parts rolled after checkpoint 1 by the failed attempt stay hidden and their names are never reused.
    const finishedNames = new Set(finishedParts(dir));
    const leftovers = c2.filter((c) => c.pendingPath !== inProgressName);
    assert.ok(leftovers.length > 0);
    for (const c of leftovers) {
      assert.ok(existsSync(join(dir, c.pendingPath)), 'left-over pending part stays hidden');
      assert.ok(!finishedNames.has(c.finalPath), `${c.finalPath} must not be published`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rolling by size on write, and at a checkpoint when the part reached the size', async () => {
  const dir = tempDir();
  try {
    const sink = new FileSink<string>(dir, { rollingPolicy: { maxPartSize: 10 } });
    const writer = sink.createWriter(ctx(), []);
    writer.write('abcd'); // 5 bytes
    writer.write('efghi'); // 11 bytes ≥ 10: rolls
    writer.write('x'); // new part
    const committables = (await writer.prepareCommit());
    assert.equal(committables.length, 1);
    assert.equal(readFileSync(join(dir, committables[0]!.pendingPath), 'utf8'), 'abcd\nefghi\n');
    assert.equal(writer.snapshotState(1)[0]!.inProgress!.length, 2);
    await sink.createCommitter().commit(committables);
    assert.deepEqual(visible(dir), ['part-0-0']);
    writer.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('records larger than the write chunk and many records crossing chunk boundaries are written intact', async () => {
  const dir = tempDir();
  try {
    const sink = new FileSink<string>(dir);
    const writer = sink.createWriter(ctx(), []);
    const big = 'é😀x'.repeat(60_000);
    const records = [...range(0, 20_000), big, ...range(20_000, 20_100)];
    for (const r of records) writer.write(r);
    await writer.finish();
    await sink.createCommitter().commit((await writer.prepareCommit()));
    assert.deepEqual(finishedLines(dir), records);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rolling by inactivity and by rollover interval via onProcessingTime', async () => {
  const dir = tempDir();
  try {
    const sink = new FileSink<string>(dir, {
      rollingPolicy: { inactivityInterval: 1000, rolloverInterval: 10_000, checkInterval: 100 },
    });
    assert.equal(sink.checkInterval, 100);
    const writer = sink.createWriter(ctx(), []);
    assert.equal(writer.checkInterval, 100);
    const t0 = Date.now();
    writer.write('a');
    writer.onProcessingTime(t0 + 500); // a write since the last check: active
    writer.write('b');
    writer.onProcessingTime(t0 + 1200); // written since the last check: still active
    assert.equal((await writer.prepareCommit()).length, 0);
    writer.onProcessingTime(t0 + 2300); // nothing written for ≥ 1000 ms: rolls
    const c = (await writer.prepareCommit());
    assert.equal(c.length, 1);
    assert.equal(readFileSync(join(dir, c[0]!.pendingPath), 'utf8'), 'a\nb\n');
    assert.equal(writer.snapshotState(2)[0]!.inProgress, null);

    // Rollover: a part kept busy still rolls once it is older than rolloverInterval.
    writer.write('c');
    const opened = Date.now();
    for (let t = 100; t < 10_000; t += 100) {
      writer.write('d');
      writer.onProcessingTime(opened + t);
    }
    assert.equal((await writer.prepareCommit()).length, 0);
    writer.onProcessingTime(opened + 10_000 + 50);
    assert.equal((await writer.prepareCommit()).length, 1);
    writer.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('restore of two states (rescale 2 → 1): one part continued, the other rolled and returned by the next pre-commit', async () => {
  const dir = tempDir();
  try {
    const sink = new FileSink<string>(dir);
    const committer = sink.createCommitter();
    const w0 = sink.createWriter(ctx(0, 2), []);
    const w1 = sink.createWriter(ctx(1, 2), []);
    for (const r of range(0, 10)) w0.write(r);
    for (const r of range(100, 110)) w1.write(r);
    (await w0.prepareCommit());
    (await w1.prepareCommit());
    const states = [...w0.snapshotState(1), ...w1.snapshotState(1)];
    // Written after the checkpoint, then lost in the crash.
    w0.write('lost0');
    w1.write('lost1');
    (await w0.prepareCommit());
    (await w1.prepareCommit());
    w0.close();
    w1.close();

    const w = sink.createWriter(ctx(0, 1), structuredClone(states));
    for (const r of range(10, 15)) w.write(r);
    const rolled = (await w.prepareCommit());
    assert.equal(rolled.length, 1, 'the other subtask part is pending');
    assert.equal(readFileSync(join(dir, rolled[0]!.pendingPath), 'utf8'), range(100, 110).map((r) => `${r}\n`).join(''));
    await w.finish();
    const last = (await w.prepareCommit());
    await committer.commit([...rolled, ...last]);
    w.close();
    assert.deepEqual(finishedLines(dir, 0), range(0, 15));
    assert.deepEqual(finishedLines(dir, 1), range(100, 110));
    const all = readdirSync(dir).filter((n) => !n.startsWith('.'));
    for (const n of all) assert.ok(!readFileSync(join(dir, n), 'utf8').includes('lost'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('new parts never reuse a name already in the directory', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'part-0-4'), 'old\n');
    writeFileSync(join(dir, '.part-0-7.inprogress'), 'leftover\n');
    writeFileSync(join(dir, 'part-1-20'), 'other subtask\n');
    const sink = new FileSink<string>(dir);
    const writer = sink.createWriter(ctx(), []);
    writer.write('new');
    await writer.finish();
    const [c] = (await writer.prepareCommit());
    assert.equal(c!.finalPath, 'part-0-8');
    writer.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('commit of a part whose pending and final files are both gone fails naming the file (state of an older version: absolute paths)', async () => {
  const dir = tempDir();
  try {
    const lost: FileCommittable = { pendingPath: join(dir, '.part-0-0.inprogress'), finalPath: join(dir, 'part-0-0') };
    await assert.rejects(
      Promise.resolve(new FileSink<string>(dir).createCommitter().commit([lost])),
      (e: unknown) => e instanceof WeirError && e.message.includes(lost.finalPath),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('restoring a state whose in-progress file is missing or too short fails naming the file, not retryable', () => {
  const dir = tempDir();
  try {
    const path = join(dir, '.part-0-0.inprogress');
    const state: FileWriterState = { subtaskIndex: 0, counter: 1, inProgress: { path, finalPath: join(dir, 'part-0-0'), length: 10 } };
    const sink = new FileSink<string>(dir);
    const cannotHeal = (e: unknown): boolean => e instanceof WeirError && e.code === 'WEIR_FILE_SINK_RESTORE' && !e.retryable;
    assert.throws(() => sink.createWriter(ctx(), [state]), (e: unknown) => cannotHeal(e) && (e as Error).message.includes(path));
    writeFileSync(path, 'short');
    assert.throws(() => sink.createWriter(ctx(), [state]), (e: unknown) => cannotHeal(e) && /data was lost/.test((e as Error).message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('options are validated with the key named', () => {
  const bad: Array<[unknown, RegExp]> = [
    [{ fromat: String }, /fromat/],
    [{ format: 'x' }, /format/],
    [{ rollingPolicy: { maxPartSize: 0 } }, /rollingPolicy\.maxPartSize/],
    [{ rollingPolicy: { maxSize: 5 } }, /rollingPolicy\.maxSize/],
    [{ partPrefix: 'a/b' }, /partPrefix/],
    [{ partPrefix: '' }, /partPrefix/],
    [{ partSuffix: 3 }, /partSuffix/],
    [{ append: 'yes' }, /append/],
  ];
  for (const [options, re] of bad) {
    assert.throws(() => new FileSink('/tmp/x', options as never), (e: unknown) => e instanceof ConfigError && re.test(e.message), JSON.stringify(options));
  }
  assert.doesNotThrow(() => new FileSink('/tmp/x', { partPrefix: 'out', partSuffix: '.txt', rollingPolicy: { maxPartSize: 1 } }));
});

test('without checkpointing: finish, prepareCommit, commit at end of input publish everything', async () => {
  const dir = tempDir();
  try {
    const sink = new FileSink<number>(dir, { partSuffix: '.txt', rollingPolicy: { maxPartSize: 8 } });
    const writer = sink.createWriter({ ...ctx(), checkpointing: false }, []);
    for (let i = 0; i < 10; i++) writer.write(i);
    await writer.finish();
    await sink.createCommitter().commit((await writer.prepareCommit()));
    writer.close();
    assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.')), []);
    const parts = readdirSync(dir).sort((a, b) => Number(a.split('-')[2]!.split('.')[0]) - Number(b.split('-')[2]!.split('.')[0]));
    assert.equal(parts.length, 3);
    assert.equal(parts.map((n) => readFileSync(join(dir, n), 'utf8')).join(''), '0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('size rolling keeps its per-record meaning although lines are encoded per chunk: each part ends at the first record that reached maxPartSize', async () => {
  const dir = tempDir();
  try {
    // Lines of 1..40 units, ASCII and multi-byte (2, 3 and 4 bytes per character) mixed.
    const chars = ['a', 'é', '東', '😀'];
    const records: string[] = [];
    for (let i = 0; i < 3000; i++) records.push(chars[i % 4]!.repeat(1 + ((i * 7) % 40)));
    for (const maxPartSize of [1, 97, 4096, 100_000]) {
      rmSync(dir, { recursive: true, force: true });
      const sink = new FileSink<string>(dir, { rollingPolicy: { maxPartSize } });
      const writer = sink.createWriter(ctx(), []);
      for (const r of records) writer.write(r);
      await writer.finish();
      await sink.createCommitter().commit(await writer.prepareCommit());
      writer.close();
      // The model: a part closes right after the line that makes it ≥ maxPartSize bytes.
      const expected: string[] = [];
      let part = '';
      for (const r of records) {
        part += `${r}\n`;
        if (Buffer.byteLength(part) >= maxPartSize) { expected.push(part); part = ''; }
      }
      if (part !== '') expected.push(part);
      const parts = finishedParts(dir).map((n) => readFileSync(join(dir, n), 'utf8'));
      assert.equal(parts.length, expected.length, `maxPartSize ${maxPartSize}: number of parts`);
      assert.deepEqual(parts, expected, `maxPartSize ${maxPartSize}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Open descriptors of this process that point at files under `dir` (Linux /proc). */
function openFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) out.push(target);
    } catch { /* closed meanwhile */ }
  }
  return out;
}

test('parts of many MiB (background write-back every 4 MiB): exact content across a checkpoint, a crash and a restore; no descriptor left open', { skip: process.platform !== 'linux' }, async () => {
  const dir = tempDir();
  try {
    // ~11 bytes a line as the word count's, 1.2 M lines ≈ 13 MiB: three write-backs ahead per part at least.
    const records = Array.from({ length: 1_200_000 }, (_, i): [string, number] => [`w${i % 9973}`, i]);
    const lines = records.map(([w, n]) => `${w}\t${n}`);
    const sink = new FileSink<[string, number]>(dir, { delimiter: '\t', rollingPolicy: { maxPartSize: 8 * 1024 * 1024 } });
    const committer = sink.createCommitter();
    let writer = sink.createWriter(ctx(), []);
    for (const r of records.slice(0, 700_000)) writer.write(r);
    // A part rolled at 8 MiB, one in progress past a write-back: both descriptors of the open part are there.
    assert.ok(openFilesUnder(dir).length >= 1);
    const { committables: c1, durable } = (writer as unknown as { preCommit(): { committables: FileCommittable[]; durable?: Promise<void> } }).preCommit();
    await durable;
    const s1: FileWriterState[] = structuredClone(writer.snapshotState(1));
    assert.equal(c1.length, 1, 'one part rolled at 8 MiB before checkpoint 1');
    await committer.commit(c1);
    for (const r of records.slice(700_000, 1_000_000)) writer.write(r);
    await new Promise((r) => setTimeout(r, 200)); // no write-back running at the close: close() itself releases its descriptor
    writer.close(); // crash: the bytes after checkpoint 1 are dropped on restore
    // Let write-backs still running finish; then no descriptor of this writer is open.
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(openFilesUnder(dir), [], 'descriptors left open after close()');

    writer = sink.createWriter(ctx(), s1);
    for (const r of records.slice(700_000)) writer.write(r);
    await writer.finish();
    await committer.commit(await writer.prepareCommit());
    writer.close();
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(openFilesUnder(dir), [], 'descriptors left open after finish()');
    assert.deepEqual(finishedLines(dir), lines);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
