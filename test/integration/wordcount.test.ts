// Word count end to end through `weir run` at parallelism 1, 2 and 4, on text with Unicode, punctuation and mixed case.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOutputLines, removeDir, runWeir, tempDir } from './helpers.ts';

const WORD = /[\p{L}\p{N}]+/gu;

function makeCorpus(dir: string): Map<string, number> {
  mkdirSync(dir, { recursive: true });
  const pieces = ['Hello', 'hello,', 'HELLO!', 'café', 'CAFÉ', 'naïve—word', 'Straße', '東京', 'データ', 'привет', 'Мир', "don't", 'x2', '42', 'e-mail', 'ελληνικά', '🙂', 'a.b.c', '', '  '];
  const expected = new Map<string, number>();
  let seed = 7;
  const files = 3;
  for (let f = 0; f < files; f++) {
    const lines: string[] = [pieces.join(' ')];
    for (let i = 0; i < 4000; i++) {
      const words: string[] = [];
      const n = (seed = (seed * 1103515245 + 12345) % 2147483648) % 9;
      for (let k = 0; k < n; k++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        words.push(pieces[seed % pieces.length]!);
      }
      lines.push(words.join(f === 1 ? '\t' : ' '));
    }
    // One file with \r\n line ends and no final newline.
    const text = f === 2 ? lines.join('\r\n') : `${lines.join('\n')}\n`;
    writeFileSync(join(dir, `in-${f}.txt`), text);
    for (const line of lines) for (const m of line.toLowerCase().matchAll(WORD)) expected.set(m[0], (expected.get(m[0]) ?? 0) + 1);
  }
  writeFileSync(join(dir, '.hidden.txt'), 'ignored ignored\n');
  return expected;
}

for (const parallelism of [1, 2, 4]) {
  test(`word count is exact at parallelism ${parallelism}`, { timeout: 120_000 }, async () => {
    const dir = tempDir('wc');
    try {
      const expected = makeCorpus(join(dir, 'in'));
      const r = await runWeir(['run', 'examples/wordcount.ts', '--input', join(dir, 'in'), '--output', join(dir, 'out'), '--parallelism', String(parallelism)]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /finished in/);
      const got = new Map<string, number>();
      for (const line of readOutputLines(join(dir, 'out'))) {
        const [word, count] = line.split('\t');
        got.set(word!, Math.max(got.get(word!) ?? 0, Number(count)));
      }
      assert.deepEqual(new Map([...got].sort()), new Map([...expected].sort()));
      assert.ok(got.has('東京') && got.has('café') && !got.has('ignored'));
    } finally {
      removeDir(dir);
    }
  });
}

test('word count in BATCH (weir run --runtime-mode): one final count per word, equal to STREAMING\'s last running count; _SUCCESS written', { timeout: 120_000 }, async () => {
  const dir = tempDir('wc-batch');
  try {
    const expected = makeCorpus(join(dir, 'in'));
    const lastRunning = new Map<string, number>();
    const streaming = await runWeir(['run', 'examples/wordcount.ts', '--input', join(dir, 'in'), '--output', join(dir, 'streaming'), '-p', '2']);
    assert.equal(streaming.code, 0, streaming.stderr);
    const streamingLines = readOutputLines(join(dir, 'streaming'));
    // Within one part file (one subtask, which owns the word's key group) the last line of a word is its last running count.
    for (const line of streamingLines) {
      const [word, count] = line.split('\t');
      lastRunning.set(word!, Number(count));
    }
    for (const [mode, extra] of [['BATCH', []], ['AUTOMATIC', ['--batch-keyed-input', 'grouped']]] as const) {
      const out = join(dir, `out-${mode}`);
      const r = await runWeir(['run', 'examples/wordcount.ts', '--input', join(dir, 'in'), '--output', out, '-p', '2', '--runtime-mode', mode, '--log-level', 'debug', ...extra]);
      assert.equal(r.code, 0, r.stderr);
      // Two source regions start two worker threads; the two keyed regions after them reuse those threads (src/batch/worker-pool.ts).
      const pool = /"created":(\d+),"reused":(\d+),"msg":"BATCH TaskManagers/.exec(r.stderr);
      assert.ok(pool, `${mode}: the worker-pool log line`);
      assert.deepEqual([Number(pool[1]), Number(pool[2])], [2, 2], `${mode}: TaskManagers created and reused`);
      const lines = readOutputLines(out);
      assert.equal(lines.length, expected.size, `${mode}: one line per distinct word (STREAMING wrote ${streamingLines.length})`);
      const finals = new Map(lines.map((l) => { const [w, c] = l.split('\t'); return [w!, Number(c)] as const; }));
      assert.deepEqual(new Map([...finals].sort()), new Map([...expected].sort()), `${mode}: final counts`);
      assert.deepEqual(new Map([...finals].sort()), new Map([...lastRunning].sort()), `${mode}: equal to STREAMING's last running counts`);
      assert.ok(existsSync(join(out, '_SUCCESS')), `${mode}: _SUCCESS`);
    }
    const refused = await runWeir(['run', 'examples/wordcount.ts', '--input', join(dir, 'in'), '--output', join(dir, 'x'), '--runtime-mode', 'BATCH', '--checkpoint-dir', join(dir, 'cp'), '--checkpoint-interval', '100']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /runtime mode BATCH: checkpointing is on/);
  } finally {
    removeDir(dir);
  }
});
