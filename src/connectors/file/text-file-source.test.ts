// Tests of TextFileSource: every line read exactly once across splits, readers and snapshot/restore.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ConfigError, WeirError } from '../../core/errors.ts';
import type { SourceReader } from '../source.ts';
import { TextFileSource } from './text-file-source.ts';
import type { FileSplit } from './text-file-source.ts';

const CTX = { parallelism: 1 };
const readerCtx = (i = 0) => ({ subtaskIndex: i, parallelism: 1, operatorName: 'src' });

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'weir-file-src-'));
}

/** The lines of a file as a reader must emit them: split on \n, a final \n ends the last line, \r before \n dropped. */
function expectedLines(content: string): string[] {
  const parts = content.split('\n');
  const last = parts.pop()!;
  const lines = parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (last !== '') lines.push(last);
  return lines;
}

function sampleContent(): string {
  const lines: string[] = [];
  for (let i = 0; i < 300; i++) {
    switch (i % 7) {
      case 0: lines.push(`ascii line ${i}\n`); break;
      case 1: lines.push(`unicode é ü 日本語 😀 ${i}\n`); break;
      case 2: lines.push(`windows ${i}\r\n`); break;
      case 3: lines.push('\n'); break;
      case 4: lines.push(`${'x'.repeat(i % 50)}\n`); break;
      case 5: lines.push('\r\n'); break;
      default: lines.push(`ß${i}€\n`);
    }
  }
  lines.splice(200, 0, `${'long😀é'.repeat(500)}\n`);
  lines.push('last line without newline 😀');
  return lines.join('');
}

async function drain(reader: SourceReader<string, FileSplit>, max: number, out: string[] = []): Promise<string[]> {
  const collector = { collect: (line: string) => void out.push(line) };
  for (;;) {
    const status = reader.pollNext(collector, max);
    if (status === 'end') return out;
    if (status === 'wait') await reader.available();
  }
}

test('every line is read exactly once across splits and readers', async () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'data.txt');
    const content = sampleContent();
    writeFileSync(file, content);
    const expected = expectedLines(content);
    for (const splitSize of [7, 64, 1000, 1 << 20]) {
      for (const readChunkSize of [16, 100, 1 << 20]) {

        const source = new TextFileSource(file, { splitSize, readChunkSize });
        const splits = await source.enumerateSplits();
        assert.equal(splits.length, Math.ceil(Buffer.byteLength(content) / splitSize));
        for (const k of [1, 3]) {
          const all: string[] = [];
          for (let r = 0; r < k; r++) {
            const reader = source.createReader(readerCtx(r));
            reader.addSplits(splits.filter((_s, i) => i % k === r));
            await drain(reader, 1000, all);
            await reader.close();
          }
          if (k === 1) assert.deepEqual(all, expected, `order, splitSize=${splitSize} chunk=${readChunkSize}`);
          else assert.deepEqual([...all].sort(), [...expected].sort(), `multiset, splitSize=${splitSize} chunk=${readChunkSize}`);
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('snapshot at random points and restore: no line lost, none repeated (property)', async () => {
  const dir = tempDir();
  try {
    const fragment = fc.constantFrom('a', 'bc', 'é', '😀', '日本', '\r', 'xyz0123456789');
    const line = fc.array(fragment, { maxLength: 12 }).map((f) => f.join(''));
    const ending = fc.constantFrom('\n', '\r\n');
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(line, ending), { maxLength: 40 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 48 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.boolean(), { maxLength: 60 }),
        async (lines, dropLastEnding, splitSize, readChunkSize, max, snapshotPlan) => {
          let content = lines.map(([l, e]) => l + e).join('');
          if (dropLastEnding && content.endsWith('\n')) content = content.slice(0, -1);
          const file = join(dir, `p${n++}.txt`);
          writeFileSync(file, content);
          const source = new TextFileSource(file, { splitSize, readChunkSize });
          let reader = source.createReader(readerCtx());
          reader.addSplits(await source.enumerateSplits());
          const out: string[] = [];
          const collector = { collect: (l: string) => void out.push(l) };
          for (let step = 0; ; step++) {
            const status = reader.pollNext(collector, max);
            if (status === 'end') break;
            if (snapshotPlan[step] === true) {
              // A snapshot is taken between polls, possibly while a read is in flight: drop that reader.
              // (The plan is finite: restarting forever could starve a line longer than one read.)
              const state = structuredClone(reader.snapshotState(step));
              for (const s of state) assert.ok(s.offset >= s.start && s.offset < s.end);
              await reader.close();
              reader = source.createReader(readerCtx());
              reader.addSplits(state);
              continue;
            }
            if (status === 'wait') await reader.available();
          }
          await reader.close();
          unlinkSync(file);
          assert.deepEqual(out, expectedLines(content));
        },
      ),
      { numRuns: 150 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('restoring a checkpointed offset at a line start does not skip that line', async () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'f.txt');
    writeFileSync(file, 'aaa\nbbb\nccc\n');
    const source = new TextFileSource(file);
    const reader = source.createReader(readerCtx());
    // Offset 8 > start 2: 8 is the checkpointed line start, read from there (not realigned from start).
    reader.addSplits([{ splitId: 's', path: file, start: 2, end: 12, offset: 8 }]);
    assert.deepEqual(await drain(reader, 10), ['ccc']);
    // A fresh split starting right after a newline owns the line starting there.
    const fresh = source.createReader(readerCtx());
    fresh.addSplits([{ splitId: 't', path: file, start: 4, end: 5, offset: 4 }]);
    assert.deepEqual(await drain(fresh, 10), ['bbb']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pollNext emits at most max lines per call and the snapshot lists the splits not yet started', async () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'f.txt');
    writeFileSync(file, Array.from({ length: 100 }, (_, i) => `line${i}\n`).join(''));
    const source = new TextFileSource(file, { splitSize: 100 });
    const splits = await source.enumerateSplits();
    const reader = source.createReader(readerCtx());
    reader.addSplits(splits);
    const out: string[] = [];
    const collector = { collect: (l: string) => void out.push(l) };
    let status = reader.pollNext(collector, 3);
    assert.equal(status, 'wait');
    await reader.available();
    status = reader.pollNext(collector, 3);
    assert.equal(status, 'more');
    assert.deepEqual(out, ['line0', 'line1', 'line2']);
    const snap = reader.snapshotState(1);
    assert.equal(snap.length, splits.length);
    assert.equal(snap[0]!.offset, 18);
    assert.deepEqual(snap.slice(1), splits.slice(1));
    await reader.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a directory: files read recursively in path order, hidden and _ files skipped, empty files give no split', async () => {
  const dir = tempDir();
  try {
    mkdirSync(join(dir, 'sub'));
    mkdirSync(join(dir, '_tmp'));
    writeFileSync(join(dir, 'b.txt'), 'b1\nb2\n');
    writeFileSync(join(dir, 'a.txt'), 'a1\na2');
    writeFileSync(join(dir, 'sub', 'c.txt'), 'c1\n');
    writeFileSync(join(dir, 'empty.txt'), '');
    writeFileSync(join(dir, '.hidden'), 'no\n');
    writeFileSync(join(dir, '_x'), 'no\n');
    writeFileSync(join(dir, 'sub', '.part-0-1.inprogress'), 'no\n');
    writeFileSync(join(dir, '_tmp', 'y.txt'), 'no\n');
    const source = new TextFileSource(dir, { splitSize: 2 });
    const splits = await source.enumerateSplits(CTX);
    assert.deepEqual([...new Set(splits.map((s) => s.path))], [join(dir, 'a.txt'), join(dir, 'b.txt'), join(dir, 'sub', 'c.txt')]);
    const reader = source.createReader(readerCtx());
    reader.addSplits(splits);
    assert.deepEqual(await drain(reader, 7), ['a1', 'a2', 'b1', 'b2', 'c1']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('configuration and I/O errors name the option or the path', async () => {
  const dir = tempDir();
  try {
    assert.throws(() => new TextFileSource(dir, { splitSzie: 5 } as never), (e: unknown) => e instanceof ConfigError && /splitSzie/.test(e.message));
    assert.throws(() => new TextFileSource(dir, { splitSize: 0 }), (e: unknown) => e instanceof ConfigError && /splitSize/.test(e.message));
    const missing = join(dir, 'nope.txt');
    await assert.rejects(Promise.resolve(new TextFileSource(missing).enumerateSplits()), (e: unknown) => e instanceof WeirError && e.message.includes(missing));
    const file = join(dir, 'gone.txt');
    writeFileSync(file, 'x\n');
    const source = new TextFileSource(file);
    const splits = await source.enumerateSplits();
    unlinkSync(file);
    const reader = source.createReader(readerCtx());
    reader.addSplits(splits);
    const collector = { collect: () => {} };
    assert.equal(reader.pollNext(collector, 10), 'wait');
    await reader.available();
    assert.throws(() => reader.pollNext(collector, 10), (e: unknown) => e instanceof WeirError && e.code === 'WEIR_FILE_READ' && e.message.includes(file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Reads every split of `file` with one reader; returns the lines and the reader's error, if any. */
async function readAll(file: string, options: ConstructorParameters<typeof TextFileSource>[1]): Promise<{ lines: string[]; error: unknown; replaced: number }> {
  const source = new TextFileSource(file, options);
  const reader = source.createReader(readerCtx()) as SourceReader<string, FileSplit> & { replacedSequences: number };
  reader.addSplits(await source.enumerateSplits());
  const lines: string[] = [];
  let error: unknown;
  try {
    await drain(reader, 1000, lines);
  } catch (e) {
    error = e;
  }
  const replaced = reader.replacedSequences;
  await reader.close();
  return { lines, error, replaced };
}

test('a line longer than maxLineBytes fails naming the file and the byte offset where the line starts', async () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'long.txt');
    // Line 3 starts at byte 9 ("short\n" + "ok\n") and is 40 bytes; the newline-less tail case is the last line.
    writeFileSync(file, `short\nok\n${'y'.repeat(40)}\nafter\n`);
    for (const readChunkSize of [8, 1 << 20]) {
      const { lines, error } = await readAll(file, { maxLineBytes: 16, readChunkSize });
      assert.ok(error instanceof WeirError, `chunk ${readChunkSize}: ${String(error)}`);
      assert.equal(error.code, 'WEIR_LINE_TOO_LONG');
      assert.equal(error.retryable, false);
      assert.match(error.message, new RegExp(`line starting at byte 9 of '${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' is longer than 16 bytes`));
      assert.deepEqual(lines, ['short', 'ok']);
    }
    const exact = await readAll(file, { maxLineBytes: 40 });
    assert.equal(exact.error, undefined, 'a line of exactly maxLineBytes is read');
    assert.equal(exact.lines.length, 4);
    const tail = join(dir, 'tail.txt');
    writeFileSync(tail, `a\n${'z'.repeat(20)}`);
    const t = await readAll(tail, { maxLineBytes: 10 });
    assert.ok(t.error instanceof WeirError && /line starting at byte 2 /.test(t.error.message), String(t.error));
    assert.throws(() => new TextFileSource(file, { maxLineBytes: 0 }), ConfigError);
    assert.throws(() => new TextFileSource(file, { maxLineBytes: 2 ** 40 }), (e: unknown) => e instanceof ConfigError && /at most/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('invalid UTF-8 fails by default with the file and offset; invalidUtf8: "replace" reads U+FFFD and counts the replacements', async () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'latin1.txt');
    // "café" in Latin-1 (0xE9 alone is ill-formed UTF-8) on line 2: U+FFFD "!" \n is 5 bytes, "caf" 3, so byte 8. A real U+FFFD on line 1 is fine.
    writeFileSync(file, Buffer.concat([Buffer.from('\uFFFD!\n'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]), Buffer.from([0xff, 0xfe, 0x0a]), Buffer.from('ok\n')]));
    const failed = await readAll(file, {});
    assert.ok(failed.error instanceof WeirError, String(failed.error));
    assert.equal(failed.error.code, 'WEIR_INVALID_UTF8');
    assert.ok(failed.error.message.includes(`'${file}' at byte 8`), failed.error.message);
    assert.match(failed.error.message, /invalidUtf8: 'replace'/);
    assert.deepEqual(failed.lines, ['\uFFFD!'], 'a U+FFFD that is in the file is not an error');

    const replaced = await readAll(file, { invalidUtf8: 'replace' });
    assert.equal(replaced.error, undefined);
    assert.deepEqual(replaced.lines, ['\uFFFD!', 'caf\uFFFD', '\uFFFD\uFFFD', 'ok']);
    assert.equal(replaced.replaced, 3, 'three ill-formed sequences; the genuine U+FFFD is not counted');
    assert.throws(() => new TextFileSource(file, { invalidUtf8: 'ignore' as never }), (e: unknown) => e instanceof ConfigError && /invalidUtf8/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ASCII chunks and chunks with other bytes in one file: the same lines at every chunk size, and ill-formed UTF-8 after ASCII chunks still fails', async () => {
  const dir = tempDir();
  try {
    // ASCII lines, then a line whose non-ASCII bytes start mid-line (a chunk that ends inside it is ASCII so far),
    // then ASCII again: chunks of 8..64 bytes see every mix, including an unfinished line kept across a refill.
    const text = `${'plain ascii words\n'.repeat(20)}mostly ascii then é and 日本 at the end\n${'more ascii\n'.repeat(10)}`;
    const file = join(dir, 'mixed.txt');
    writeFileSync(file, text);
    const expected = expectedLines(text);
    for (const readChunkSize of [8, 13, 29, 64, 1 << 20]) {
      const { lines, error } = await readAll(file, { readChunkSize, splitSize: 1 << 20 });
      assert.equal(error, undefined, `chunk ${readChunkSize}: ${String(error)}`);
      assert.deepEqual(lines, expected, `chunk ${readChunkSize}`);
    }
    // 400 ASCII bytes, then a lone 0xE9 on line 41: every earlier chunk takes the ASCII path.
    const bad = join(dir, 'bad.txt');
    const prefix = Buffer.from('0123456789\n'.repeat(40).replace(/\n$/, '!\n'));
    writeFileSync(bad, Buffer.concat([prefix, Buffer.from([0x63, 0xe9, 0x0a])]));
    for (const readChunkSize of [16, 1 << 20]) {
      const { lines, error } = await readAll(bad, { readChunkSize });
      assert.ok(error instanceof WeirError && error.code === 'WEIR_INVALID_UTF8', `chunk ${readChunkSize}: ${String(error)}`);
      assert.ok(error.message.includes(`at byte ${prefix.length + 1}`), error.message);
      assert.equal(lines.length, 40, `chunk ${readChunkSize}: the 40 ASCII lines before it were read`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('automatic split size: a 41.6 MB-like file starts with pieces of total / (parallelism × 4) that shrink to minSplitSize at the end', async () => {
  const dir = tempDir();
  try {
    // The 41.6 MB file of the word count, scaled down 1,000×, with the split bounds scaled alike (1 MiB → 1 KiB, 64 MiB → 64 KiB).
    const file = join(dir, 'corpus.txt');
    const line = 'the quick brown fox jumps over the lazy dog\n';
    writeFileSync(file, line.repeat(Math.ceil(41_600 / line.length)));
    const size = Buffer.byteLength(line) * Math.ceil(41_600 / line.length);
    const min = 1024;
    const source = new TextFileSource(file, { minSplitSize: min, maxSplitSize: 64 * 1024 });
    for (const parallelism of [1, 2, 3, 8]) {
      const splits = await source.enumerateSplits({ parallelism });
      const sizes = splits.map((s) => s.end - s.start);
      const at = `p=${parallelism}: ${sizes.join(' ')}`;
      // Contiguous and complete: [0, size) with no gap and no overlap.
      assert.equal(splits[0]!.start, 0);
      for (let i = 1; i < splits.length; i++) assert.equal(splits[i]!.start, splits[i - 1]!.end, at);
      assert.equal(splits.at(-1)!.end, size);
      assert.equal(new Set(splits.map((s) => s.splitId)).size, splits.length);
      for (const s of splits) assert.equal(s.offset, s.start);
      // The first piece is what splitSizeFor gives (at p=1 a quarter of the input, not all of it in one split).
      assert.equal(sizes[0], source.splitSizeFor(size, parallelism), at);
      // Each piece is its share of what is left: never larger than the one before it...
      for (let i = 1; i < sizes.length; i++) assert.ok(sizes[i]! <= sizes[i - 1]!, at);
      // ...down to minSplitSize for the last round of readers (two halves of at least min / 2 at the very end).
      for (const s of sizes.slice(-parallelism)) assert.ok(s <= min && s >= min / 2, at);
      for (const s of sizes) assert.ok(s >= min / 2, at);
      // Guided self-scheduling: about (p × 4) × ln(total / (p × 4 × min)) pieces, not one per minSplitSize.
      assert.ok(splits.length <= parallelism * 4 * (1 + Math.log(Math.max(1, size / (parallelism * 4 * min)))) + parallelism + 2, at);
    }
    // Two readers: no piece is more than 1/8 of the input (before: fixed splits put 80 % of it in one).
    const p2 = await source.enumerateSplits({ parallelism: 2 });
    assert.ok(Math.max(...p2.map((s) => s.end - s.start)) <= Math.ceil(size / 8));
    // A file below minSplitSize is one split at any parallelism.
    const small = join(dir, 'small.txt');
    writeFileSync(small, line.repeat(20));
    assert.equal((await new TextFileSource(small, { minSplitSize: 1024 }).enumerateSplits({ parallelism: 8 })).length, 1);
    // The default bounds: 1 MiB to 64 MiB.
    const dflt = new TextFileSource(file);
    assert.equal(dflt.splitSizeFor(41_600_000, 2), 5_200_000);
    assert.equal(dflt.splitSizeFor(100_000, 8), 1024 * 1024);
    assert.equal(dflt.splitSizeFor(100 * 1024 ** 3, 2), 64 * 1024 * 1024);
    // An explicit splitSize wins, and cuts every file into equal pieces.
    assert.equal(new TextFileSource(file, { splitSize: 7 }).splitSizeFor(41_600_000, 2), 7);
    const fixed = (await new TextFileSource(file, { splitSize: 5200 }).enumerateSplits({ parallelism: 2 })).map((s) => s.end - s.start);
    assert.equal(fixed.length, Math.ceil(size / 5200));
    assert.ok(Math.max(...fixed) - Math.min(...fixed) <= 1, fixed.join(' '));
    assert.throws(() => new TextFileSource(file, { minSplitSize: 10, maxSplitSize: 5 }), (e: unknown) => e instanceof ConfigError && /maxSplitSize/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('shrinking splits are read exactly once, each line by one split, at any split of the file', async () => {
  const dir = tempDir();
  try {
    // Lines of varying length (and multi-byte characters), so split ends fall inside lines.
    const file = join(dir, 'lines.txt');
    const lines = Array.from({ length: 3000 }, (_, i) => `${i} ${'ä'.repeat(i % 17)}${'x'.repeat((i * 7) % 53)}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    for (const parallelism of [1, 2, 5]) {
      const source = new TextFileSource(file, { minSplitSize: 512, maxSplitSize: 8192 });
      const splits = await source.enumerateSplits({ parallelism });
      assert.ok(splits.length > parallelism * 4, `p=${parallelism}: ${splits.length} splits`);
      // Each split read by a reader of its own (as readers on other threads would): together every line once, in order.
      const read: string[] = [];
      for (const split of splits) {
        const reader = source.createReader(readerCtx());
        reader.addSplits([split]);
        read.push(...(await drain(reader, 100)));
      }
      assert.deepEqual(read, lines, `p=${parallelism}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a directory at automatic split size: splits sized from what is left of the total input, no file ending in a sliver', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'a.txt'), 'a\n'.repeat(15_000)); // 30,000 bytes
    writeFileSync(join(dir, 'b.txt'), 'b\n'.repeat(5_000)); // 10,000 bytes
    writeFileSync(join(dir, 'c.txt'), 'c\n'.repeat(100)); // 200 bytes
    const source = new TextFileSource(dir, { minSplitSize: 1024 });
    // Each piece is ceil(bytes left of all files / (2 × 4)) within [1,024, 64 MiB]: 40,200 → 5,025, then 35,175 → 4,397, ...;
    // a file's rest of one to two pieces is cut in two halves (a: 1,884 → 942 + 942; b: 1,465 → 733 + 732), a rest of
    // up to one piece is taken whole (c).
    const splits = await source.enumerateSplits({ parallelism: 2 });
    const per = (name: string) => splits.filter((s) => s.path === join(dir, name)).map((s) => s.end - s.start);
    assert.deepEqual(per('a.txt'), [5025, 4397, 3848, 3367, 2946, 2578, 2255, 1973, 1727, 942, 942]);
    assert.deepEqual(per('b.txt'), [1275, 1116, 1024, 1024, 1024, 1024, 1024, 1024, 733, 732]);
    assert.deepEqual(per('c.txt'), [200]);
    const reader = source.createReader(readerCtx());
    reader.addSplits(splits);
    const lines = await drain(reader, 1000);
    assert.equal(lines.length, 20_100);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
