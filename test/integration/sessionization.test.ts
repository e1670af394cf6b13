// examples/sessionization.ts through weir run: exactly the sessions computed here from the views, each once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOutputLines, removeDir, runWeir, tempDir } from './helpers.ts';

const GAP = 500;
const BOUND = 100;

/** Views of 13 users, pauses below or above GAP (never equal), disorder below BOUND; returns the expected session lines. */
function writeInput(path: string, perUser: number, seed: number): string[] {
  let s = seed;
  const rnd = (): number => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
  const views: [number, string][] = [];
  const expected: string[] = [];
  for (let u = 0; u < 13; u++) {
    const user = `u${u}`;
    let t = 1_000_000 + Math.floor(rnd() * 1000);
    let start = t;
    let count = 0;
    for (let i = 0; i < perUser; i++) {
      views.push([t, `${t},${user},/p${i % 7}`]);
      count++;
      const pause = rnd() < 0.2 ? GAP + 1 + Math.floor(rnd() * 2000) : 1 + Math.floor(rnd() * (GAP - 1));
      if (i === perUser - 1 || pause > GAP) {
        expected.push(`${user},${start},${t + GAP},${count}`);
        start = t + pause;
        count = 0;
      }
      t += pause;
    }
  }
  views.sort((a, b) => a[0] - b[0]);
  const lines = views.map((v) => v[1]);
  for (let i = 1; i < lines.length; i += 3) {
    if (views[i]![0] - views[i - 1]![0] < BOUND) [lines[i], lines[i - 1]] = [lines[i - 1]!, lines[i]!];
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return expected;
}

test('sessionization: exactly the sessions of each user, each once', { timeout: 60_000 }, async () => {
  const dir = tempDir('sessionization');
  try {
    const expected = writeInput(join(dir, 'views.txt'), 400, 3);
    const r = await runWeir(['run', 'examples/sessionization.ts', '--input', join(dir, 'views.txt'), '--output', join(dir, 'out'),
      '--gap', String(GAP), '--out-of-orderness', String(BOUND), '--parallelism', '2', '--auto-watermark-interval', '5', '--no-progress']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readOutputLines(join(dir, 'out')).sort(), expected.sort());
  } finally {
    removeDir(dir);
  }
});
