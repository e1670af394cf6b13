// examples/broadcast-rules.ts through weir run: exactly the (rule, event) selections computed here from the rule versions in force at each event's time.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOutputLines, removeDir, runWeir, tempDir } from './helpers.ts';

const BOUND = 100;
const START = 1_000_000;

function writeInputs(dir: string, n: number, seed: number): string[] {
  let s = seed;
  const rnd = (): number => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
  const amount = (c: number): string => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;
  const span = n * 2;
  // Rules r0..r3, each with 1–4 versions at random times across the events (some before the first event); thresholds 100.00–900.00.
  const rules: [number, string, number][] = [];
  for (let r = 0; r < 4; r++) {
    const versions = 1 + Math.floor(rnd() * 4);
    for (let v = 0; v < versions; v++) rules.push([START - 50 + Math.floor(rnd() * span), `r${r}`, 10_000 + Math.floor(rnd() * 80_000)]);
  }
  rules.sort((a, b) => a[0] - b[0]);
  writeFileSync(join(dir, 'rules.txt'), rules.map(([t, name, c]) => `${t},rule,${name},${amount(c)}`).join('\n') + '\n');

  const events: [number, string, number][] = [];
  for (let i = 0; i < n; i++) events.push([START + i * 2 + Math.floor(rnd() * 2), `acct${i % 31}`, Math.floor(rnd() * 100_000)]);
  const expected: string[] = [];
  for (const [t, account, c] of events) {
    for (let r = 0; r < 4; r++) {
      let min: number | undefined;
      for (const [since, name, m] of rules) if (name === `r${r}` && since <= t) min = m;
      if (min !== undefined && c >= min) expected.push(`r${r},${t},${account},${amount(c)}`);
    }
  }
  const lines = events.map(([t, account, c]) => `${t},${account},${amount(c)}`);
  for (let i = 1; i < events.length; i += 3) {
    if (events[i]![0] - events[i - 1]![0] < BOUND) [lines[i], lines[i - 1]] = [lines[i - 1]!, lines[i]!];
  }
  writeFileSync(join(dir, 'events.txt'), lines.join('\n') + '\n');
  return expected;
}

test('broadcast-rules: every event selected by exactly the rules in force at its time, each once', { timeout: 60_000 }, async (t) => {
  const dir = tempDir('broadcast-rules');
  try {
    const expected = writeInputs(dir, 10_000, 11);
    t.diagnostic(`${expected.length} selections expected`);
    const r = await runWeir(['run', 'examples/broadcast-rules.ts', '--rules', join(dir, 'rules.txt'), '--input', join(dir, 'events.txt'),
      '--output', join(dir, 'out'), '--out-of-orderness', String(BOUND), '--parallelism', '2', '--auto-watermark-interval', '5', '--no-progress']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readOutputLines(join(dir, 'out')).sort(), expected.sort());
  } finally {
    removeDir(dir);
  }
});
