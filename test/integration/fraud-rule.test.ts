// examples/fraud-rule.ts through weir run: exactly the alerts a direct replay of each account's transactions gives.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOutputLines, removeDir, runWeir, tempDir } from './helpers.ts';

const WINDOW = 300;
const BOUND = 100;

/** Transactions of 23 accounts, in time order per account, disorder below BOUND across accounts; returns the expected alerts. */
function writeInput(path: string, perAccount: number, seed: number): string[] {
  let s = seed;
  const rnd = (): number => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
  const cents = (c: number): string => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;
  const rows: [number, string, string][] = [];
  const expected: string[] = [];
  for (let a = 0; a < 23; a++) {
    const account = `acct${a}`;
    let t = 1_000_000 + Math.floor(rnd() * 500);
    let armed: [number, string] | undefined;
    for (let i = 0; i < perAccount; i++) {
      const r = rnd();
      // Small (0.01–0.99), large (500.01–1500.00), or in between, with the limits 1.00 and 500.00 themselves among them.
      const c = r < 0.25 ? 1 + Math.floor(rnd() * 99) : r < 0.5 ? 50_001 + Math.floor(rnd() * 100_000) : r < 0.55 ? 100 : r < 0.6 ? 50_000 : 100 + Math.floor(rnd() * 49_900);
      const amount = cents(c);
      rows.push([t, account, `${t},${account},${amount}`]);
      if (armed !== undefined && t - armed[0] > WINDOW) armed = undefined;
      if (c < 100) armed = [t, amount];
      else if (c > 50_000 && armed !== undefined) {
        expected.push(`${account},${armed[0]},${armed[1]},${t},${amount}`);
        armed = undefined;
      }
      t += 1 + Math.floor(rnd() * 200);
    }
  }
  rows.sort((x, y) => x[0] - y[0]);
  const lines = rows.map((row) => row[2]);
  for (let i = 1; i < rows.length; i += 3) {
    if (rows[i]![1] !== rows[i - 1]![1] && rows[i]![0] - rows[i - 1]![0] < BOUND) [lines[i], lines[i - 1]] = [lines[i - 1]!, lines[i]!];
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return expected;
}

test('fraud-rule: exactly the small-then-large pairs within the window, each once', { timeout: 60_000 }, async (t) => {
  const dir = tempDir('fraud-rule');
  try {
    const expected = writeInput(join(dir, 'transactions.txt'), 500, 7);
    t.diagnostic(`${expected.length} alerts expected`);
    const r = await runWeir(['run', 'examples/fraud-rule.ts', '--input', join(dir, 'transactions.txt'), '--output', join(dir, 'out'),
      '--window', String(WINDOW), '--out-of-orderness', String(BOUND), '--parallelism', '2', '--auto-watermark-interval', '5', '--no-progress']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readOutputLines(join(dir, 'out')).sort(), expected.sort());
  } finally {
    removeDir(dir);
  }
});
