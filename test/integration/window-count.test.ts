// examples/window-count.ts through weir run: every record in exactly one window output or in late/, each (window, key) once, nothing within the bound late; also through kill -9 and --restore latest.
// Both at parallelism 2 with pre-aggregation before the keyBy on (graph/window-combine.ts): partials cross the keyBy, late records pass raw.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeDir, runWeir, signalAfterNextCheckpoint, startWeir, tempDir, waitFor } from './helpers.ts';

const WINDOW = 1000;
const BOUND = 200;

/** Lines `timestampMs,key,value`: disorder within BOUND, and every 50th record 20 s behind (far beyond it). */
function writeInput(path: string, n: number, seed: number): string[] {
  let s = seed;
  const rnd = (): number => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const now = 1_000_000 + i * 2;
    const ts = i % 50 === 25 ? now - 20_000 : now - Math.floor(rnd() * BOUND);
    lines.push(`${ts},k${i % 17},${i}`);
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return lines;
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

/** Checks the output against the input; returns the problems found (empty = correct). */
function check(lines: string[], outDir: string): { problems: string[]; late: number } {
  const problems: string[] = [];
  const windows = finishedLines(outDir);
  const late = finishedLines(join(outDir, 'late'));
  const lateSet = new Set(late);
  if (lateSet.size !== late.length) problems.push('a late record was written twice');
  const expected = new Map<string, { count: number; sum: number }>();
  let maxSoFar = -Infinity;
  for (const line of lines) {
    const [tsText, key, valueText] = line.split(',');
    const ts = Number(tsText);
    const withinBound = ts >= maxSoFar - BOUND;
    maxSoFar = Math.max(maxSoFar, ts);
    if (lateSet.has(line)) {
      if (withinBound) problems.push(`record within the bound is late: ${line}`);
      continue;
    }
    const start = Math.floor(ts / WINDOW) * WINDOW;
    const id = `${start},${start + WINDOW},${key}`;
    const e = expected.get(id) ?? { count: 0, sum: 0 };
    e.count++;
    e.sum += Number(valueText);
    expected.set(id, e);
  }
  const seen = new Set<string>();
  for (const w of windows) {
    const p = w.split(',');
    const id = p.slice(0, 3).join(',');
    if (seen.has(id)) problems.push(`window ${id} fired twice`);
    seen.add(id);
    const e = expected.get(id);
    if (!e) problems.push(`unexpected window ${w}`);
    else if (e.count !== Number(p[3]) || e.sum !== Number(p[4])) problems.push(`window ${id}: got ${p[3]},${p[4]}, expected ${e.count},${e.sum} (records missing, or counted and late)`);
  }
  for (const id of expected.keys()) if (!seen.has(id)) problems.push(`window ${id} missing: its records are neither counted nor late`);
  return { problems: problems.slice(0, 20), late: late.length };
}

test('window-count: each record in exactly one window or in late/, each (window, key) once, none within the bound late', { timeout: 120_000 }, async () => {
  const dir = tempDir('window-count');
  try {
    const lines = writeInput(join(dir, 'in.txt'), 40_000, 7);
    // Whether any record is late depends on how far the watermark has come when a record arrives, i.e. on timing.
    // On a loaded machine about 1 run in 4 had no late record at all: a subtask's periodic watermarks had stopped
    // (a slot timer that fired a little early was dropped by the timestamps operator, fixed; docs/event-time.md).
    // Every run must be exact, and lateness must show in one of 3 runs (timing still decides how much is late).
    let late = 0;
    for (let run = 0; run < 3 && late === 0; run++) {
      const out = join(dir, `out-${run}`);
      const r = await runWeir(['run', 'examples/window-count.ts', '--input', join(dir, 'in.txt'), '--output', out,
        '--window', String(WINDOW), '--out-of-orderness', String(BOUND), '--parallelism', '2', '--window-combine', 'on', '--auto-watermark-interval', '5', '--throttle-us', '40', '--no-progress']);
      assert.equal(r.code, 0, r.stderr);
      const checked = check(lines, out);
      assert.deepEqual(checked.problems, [], `run ${run + 1}`);
      late = checked.late;
    }
    assert.ok(late > 0, 'some records far beyond the bound must have been late (in one of 3 runs)');
  } finally {
    removeDir(dir);
  }
});

test('window-count killed with kill -9 and resumed with --restore latest: the same guarantees', { timeout: 120_000 }, async (t) => {
  const dir = tempDir('window-count-kill');
  try {
    const lines = writeInput(join(dir, 'in.txt'), 40_000, 11);
    const args = ['run', 'examples/window-count.ts', '--input', join(dir, 'in.txt'), '--output', join(dir, 'out'),
      '--window', String(WINDOW), '--out-of-orderness', String(BOUND), '--parallelism', '2', '--window-combine', 'on', '--auto-watermark-interval', '5',
      '--throttle-us', '60', '--checkpoint-dir', join(dir, 'cp'), '--checkpoint-interval', '150', '--restore', 'latest', '--no-progress'];
    let kills = 0;
    for (let attempt = 0; attempt < 20; attempt++) {
      const child = startWeir(args);
      if (kills < 3) void signalAfterNextCheckpoint(child, join(dir, 'cp', 'window-count'), 'SIGKILL', 50 + attempt * 70);
      const r = await waitFor(child, 120_000);
      if (r.signal === 'SIGKILL') { kills++; continue; }
      assert.equal(r.code, 0, r.stderr);
      break;
    }
    t.diagnostic(`killed ${kills} times`);
    assert.ok(kills >= 1, 'the run must have been killed mid-way');
    const { problems, late } = check(lines, join(dir, 'out'));
    assert.deepEqual(problems, []);
    assert.ok(late > 0, 'some records far beyond the bound must have been late');
  } finally {
    removeDir(dir);
  }
});

test('window-count rescaled between kills: p=2 with pre-aggregation, kill -9, --restore latest at p=1 (no combiner node), kill -9, back at p=2: the same guarantees', { timeout: 150_000 }, async (t) => {
  const dir = tempDir('window-count-rescale');
  try {
    const lines = writeInput(join(dir, 'in.txt'), 40_000, 23);
    const args = (parallelism: number) => ['run', 'examples/window-count.ts', '--input', join(dir, 'in.txt'), '--output', join(dir, 'out'),
      '--window', String(WINDOW), '--out-of-orderness', String(BOUND), '--parallelism', String(parallelism), '--window-combine', 'on', '--auto-watermark-interval', '5',
      '--throttle-us', '60', '--checkpoint-dir', join(dir, 'cp'), '--checkpoint-interval', '150', '--restore', 'latest', '--no-progress'];
    // Attempts alternate 2, 1, 2, ...: a restore that drops the combiner's state (p=1 has no such node) and one that finds none.
    const parallelisms: number[] = [];
    let kills = 0;
    for (let attempt = 0; attempt < 20; attempt++) {
      const p = attempt % 2 === 0 ? 2 : 1;
      parallelisms.push(p);
      const child = startWeir(args(p));
      if (kills < 2) void signalAfterNextCheckpoint(child, join(dir, 'cp', 'window-count'), 'SIGKILL', 60 + attempt * 80);
      const r = await waitFor(child, 120_000);
      if (r.signal === 'SIGKILL') { kills++; continue; }
      assert.equal(r.code, 0, r.stderr);
      break;
    }
    t.diagnostic(`killed ${kills} times; parallelism per attempt ${parallelisms.join(', ')}`);
    assert.ok(kills >= 2, `the run must have been killed at p=2 and at p=1 (killed ${kills} times)`);
    const { problems, late } = check(lines, join(dir, 'out'));
    assert.deepEqual(problems, []);
    assert.ok(late > 0, 'some records far beyond the bound must have been late');
  } finally {
    removeDir(dir);
  }
});
