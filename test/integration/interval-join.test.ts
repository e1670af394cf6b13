// examples/interval-join.ts through weir run: a keyed two-input job whose output is exactly the pairs within the interval, also through kill -9 and --restore latest.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeDir, runWeir, signalAfterNextCheckpoint, startWeir, tempDir, waitFor } from './helpers.ts';

const BOUND = 100;
const LOWER = 0;
const UPPER = 40;

/** Orders every 2 ms with disorder below BOUND; 0–2 shipments per order, some outside [LOWER, UPPER]. Returns the expected output lines. */
function writeInputs(dir: string, n: number, seed: number): string[] {
  let s = seed;
  const rnd = (): number => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
  const orders: [number, string][] = [];
  const shipments: [number, string][] = [];
  const expected: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = 1_000_000 + i * 2;
    const id = `o${i}`;
    const amount = i % 97;
    orders.push([t, `${t},${id},${amount}`]);
    const count = i % 3;
    for (let j = 0; j < count; j++) {
      const delay = Math.floor(rnd() * 60) - 10; // [-10, 50): partly outside [0, 40]
      const st = t + delay;
      const carrier = `c${j}`;
      shipments.push([st, `${st},${id},${carrier}`]);
      if (delay >= LOWER && delay <= UPPER) expected.push(`${id},${t},${st},${amount},${carrier}`);
    }
  }
  // Disorder below BOUND: sort by time, then swap neighbours a little (never more than BOUND behind the max so far).
  const disorder = (rows: [number, string][]): string[] => {
    rows.sort((a, b) => a[0] - b[0]);
    const out = rows.map((r) => r[1]);
    for (let i = 1; i < out.length; i += 3) {
      const j = i - 1;
      if (rows[i]![0] - rows[j]![0] < BOUND) [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  };
  writeFileSync(join(dir, 'orders.txt'), disorder(orders).join('\n') + '\n');
  writeFileSync(join(dir, 'shipments.txt'), disorder(shipments).join('\n') + '\n');
  return expected;
}

function finishedLines(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    if (!f.isFile() || f.name.startsWith('.') || f.name.startsWith('_')) continue;
    for (const l of readFileSync(join(dir, f.name), 'utf8').split('\n')) if (l !== '') out.push(l);
  }
  return out;
}

function problems(expected: string[], actual: string[]): string[] {
  const out: string[] = [];
  const want = new Set(expected);
  const seen = new Set<string>();
  for (const l of actual) {
    if (seen.has(l)) out.push(`written twice: ${l}`);
    else if (!want.has(l)) out.push(`unexpected: ${l}`);
    seen.add(l);
  }
  for (const l of expected) if (!seen.has(l)) out.push(`missing: ${l}`);
  return out.slice(0, 20);
}

function args(dir: string, extra: string[], parallelism = 2): string[] {
  return ['run', 'examples/interval-join.ts', '--orders', join(dir, 'orders.txt'), '--shipments', join(dir, 'shipments.txt'),
    '--output', join(dir, 'out'), '--lower', String(LOWER), '--upper', String(UPPER), '--out-of-orderness', String(BOUND),
    '--parallelism', String(parallelism), '--auto-watermark-interval', '5', '--no-progress', ...extra];
}

test('interval-join: exactly the pairs within [lower, upper], each once', { timeout: 120_000 }, async () => {
  const dir = tempDir('interval-join');
  try {
    const expected = writeInputs(dir, 20_000, 5);
    const r = await runWeir(args(dir, []));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(problems(expected, finishedLines(join(dir, 'out'))), []);
  } finally {
    removeDir(dir);
  }
});

test('interval-join killed with kill -9 and resumed with --restore latest, each time at another parallelism: every pair exactly once', { timeout: 180_000 }, async (t) => {
  const dir = tempDir('interval-join-kill');
  try {
    const expected = writeInputs(dir, 20_000, 9);
    const extra = ['--throttle-us', '150', '--checkpoint-dir', join(dir, 'cp'), '--checkpoint-interval', '150', '--restore', 'latest'];
    let kills = 0;
    for (let attempt = 0; attempt < 20; attempt++) {
      // Buffered orders and shipments and their cleanup timers move by key group: 2 → 3 → 1 → 2 ...
      const child = startWeir(args(dir, extra, [2, 3, 1][attempt % 3]));
      if (kills < 3) void signalAfterNextCheckpoint(child, join(dir, 'cp', 'interval-join'), 'SIGKILL', 50 + attempt * 70);
      const r = await waitFor(child, 120_000);
      if (r.signal === 'SIGKILL') { kills++; continue; }
      assert.equal(r.code, 0, r.stderr);
      break;
    }
    t.diagnostic(`killed ${kills} times`);
    assert.ok(kills >= 1, 'the run must have been killed mid-way (and restored at parallelism 3)');
    assert.deepEqual(problems(expected, finishedLines(join(dir, 'out'))), []);
  } finally {
    removeDir(dir);
  }
});
