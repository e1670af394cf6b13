// Word count end to end through `weir run` at parallelism 1, 2 and 4, on text with Unicode, punctuation and mixed case.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
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
