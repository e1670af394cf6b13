// Exactly-once through failures: kill -9 of the whole process, injected task failures, savepoints with rescaling.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  completedCheckpoints, readOutputLines, removeDir, runWeir, signalAfterNextCheckpoint, startWeir, tempDir, waitFor, waitUntil,
} from './helpers.ts';
import { checkSequenceOutput, writeSequenceInput } from './sequence-check.ts';

const LINES = 100_000;

test('kill -9 of the whole weir run at arbitrary moments, resumed with --restore latest: exactly once', { timeout: 300_000 }, async (t) => {
  const dir = tempDir('kill9');
  try {
    const input = join(dir, 'in.txt');
    writeSequenceInput(input, LINES, 37);
    const args = ['run', 'examples/sequence.ts', '--input', input, '--output', join(dir, 'out'), '--parallelism', '2',
      '--checkpoint-dir', join(dir, 'cp'), '--checkpoint-interval', '150', '--throttle-us', '60', '--restore', 'latest', '--no-progress'];
    let kills = 0;
    let seed = 99;
    for (let attempt = 0; attempt < 30; attempt++) {
      const child = startWeir(args);
      seed = (seed * 1103515245 + 12345) % 2147483648;
      // An arbitrary moment: some time after this run's first checkpoint, mid-checkpoint or between two.
      void signalAfterNextCheckpoint(child, join(dir, 'cp', 'sequence'), 'SIGKILL', seed % 400);
      const r = await waitFor(child, 120_000);
      if (r.signal === 'SIGKILL') { kills++; continue; }
      assert.equal(r.code, 0, r.stderr);
      break;
    }
    t.diagnostic(`killed ${kills} times`);
    assert.ok(kills >= 3, `the run must have been killed mid-way at least 3 times (killed ${kills})`);
    const problems = checkSequenceOutput(readFileSync(input, 'utf8'), join(dir, 'out'));
    assert.deepEqual(problems, []);
  } finally {
    removeDir(dir);
  }
});

test('a user function throwing once mid-run: the job restarts from the last checkpoint by itself, exactly once', { timeout: 180_000 }, async () => {
  const dir = tempDir('throw-once');
  try {
    const input = join(dir, 'in.txt');
    writeSequenceInput(input, 20_000, 11);
    const r = await runWeir(['run', 'examples/sequence.ts', '--input', input, '--output', join(dir, 'out'), '--parallelism', '2',
      '--checkpoint-dir', join(dir, 'cp'), '--checkpoint-interval', '100', '--throttle-us', '30', '--fail-on', 'p12000', '--fail-marker', join(dir, 'failed-once'), '--no-progress'],
    { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /restarting \(attempt 1\)/);
    assert.match(r.stderr, /injected failure at payload p12000/);
    assert.doesNotMatch(r.stderr, /attempt 2/);
    assert.deepEqual(checkSequenceOutput(readFileSync(input, 'utf8'), join(dir, 'out')), []);
  } finally {
    removeDir(dir);
  }
});

test('a worker thread that dies mid-run: the job recovers by itself, exactly once', { timeout: 180_000 }, async () => {
  const dir = tempDir('worker-exit');
  try {
    const input = join(dir, 'in.txt');
    writeSequenceInput(input, 20_000, 13);
    const r = await runWeir(['run', 'examples/sequence.ts', '--input', input, '--output', join(dir, 'out'), '--parallelism', '2',
      '--checkpoint-dir', join(dir, 'cp'), '--checkpoint-interval', '100', '--throttle-us', '30',
      '--fail-on', 'p9000', '--fail-mode', 'exit', '--fail-marker', join(dir, 'failed-once'), '--no-progress'],
    { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /worker thread of slot \d exited unexpectedly \(exit code 3\)/);
    assert.deepEqual(checkSequenceOutput(readFileSync(input, 'utf8'), join(dir, 'out')), []);
  } finally {
    removeDir(dir);
  }
});

test('SIGTERM stops with a savepoint; restoring it at parallelism 3, then at 1, stays exactly once', { timeout: 180_000 }, async () => {
  const dir = tempDir('savepoint');
  try {
    const input = join(dir, 'in.txt');
    writeSequenceInput(input, 60_000, 29);
    const base = ['run', 'examples/sequence.ts', '--input', input, '--output', join(dir, 'out'),
      '--checkpoint-dir', join(dir, 'cp'), '--checkpoint-interval', '100', '--throttle-us', '50', '--no-progress'];
    const stopAfterCheckpoint = async (args: string[]): Promise<string> => {
      const child = startWeir(args);
      assert.ok(await signalAfterNextCheckpoint(child, join(dir, 'cp', 'sequence'), 'SIGTERM', 100), 'the run ended before it could be stopped');
      const r = await waitFor(child, 120_000);
      assert.equal(r.code, 0, r.stderr);
      const m = /^savepoint: (.+)$/m.exec(r.stderr);
      assert.ok(m, `no savepoint line in: ${r.stderr}`);
      return m[1]!;
    };
    const first = await stopAfterCheckpoint([...base, '--parallelism', '2']);
    const partial = checkSequenceOutput(readFileSync(input, 'utf8'), join(dir, 'out'));
    assert.ok(partial.some((p) => /output has \d+ lines/.test(p)), 'the first run must have stopped before the end');
    const second = await stopAfterCheckpoint([...base, '--parallelism', '3', '--restore', first]);
    // The last run restores the savepoint without checkpointing (no --checkpoint-dir): files commit at the end.
    const noCheckpoints = base.filter((a, i) => !['--checkpoint-dir', '--checkpoint-interval'].includes(a) && !['--checkpoint-dir', '--checkpoint-interval'].includes(base[i - 1]!));
    const r = await runWeir([...noCheckpoints, '--parallelism', '1', '--restore', second], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(checkSequenceOutput(readFileSync(input, 'utf8'), join(dir, 'out')), []);
    // `weir checkpoints` lists the savepoints with their operators.
    const list = await runWeir(['checkpoints', join(dir, 'cp', 'savepoints')]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /Sequence/);
  } finally {
    removeDir(dir);
  }
});

/** Every input line at least once (duplicates allowed): the at-least-once guarantee. */
function missingLines(input: string, outputDir: string): string[] {
  const seen = new Set(readOutputLines(outputDir).map((l) => { const [k, , p] = l.split(','); return `${k},${p}`; }));
  return input.split('\n').filter((l) => l && !seen.has(l)).slice(0, 10);
}

test('at-least-once mode: killed and restored, no input line is lost', { timeout: 180_000 }, async () => {
  const dir = tempDir('alo');
  try {
    const input = join(dir, 'in.txt');
    writeSequenceInput(input, 80_000, 17);
    const args = ['run', 'examples/sequence.ts', '--input', input, '--output', join(dir, 'out'), '--parallelism', '2',
      '--checkpoint-dir', join(dir, 'cp'), '--checkpoint-interval', '100', '--checkpoint-mode', 'at-least-once',
      '--throttle-us', '40', '--restore', 'latest', '--no-progress'];
    const child = startWeir(args);
    // Kill once a checkpoint completed, mid-way through the input.
    assert.ok(await waitUntil(() => completedCheckpoints(join(dir, 'cp', 'sequence')).length >= 1, child), 'no checkpoint completed');
    child.kill('SIGKILL');
    const first = await waitFor(child, 60_000);
    assert.equal(first.signal, 'SIGKILL', 'the first run must be killed mid-way');
    const r = await runWeir(args, { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(missingLines(readFileSync(input, 'utf8'), join(dir, 'out')), []);
  } finally {
    removeDir(dir);
  }
});

test('a corrupted checkpoint file is detected, named, and the previous retained checkpoint is used', { timeout: 180_000 }, async () => {
  const dir = tempDir('corrupt');
  try {
    const input = join(dir, 'in.txt');
    writeSequenceInput(input, 80_000, 19);
    const args = ['run', 'examples/sequence.ts', '--input', input, '--output', join(dir, 'out'), '--parallelism', '2',
      '--checkpoint-dir', join(dir, 'cp'), '--checkpoint-interval', '100', '--retained-checkpoints', '2',
      '--throttle-us', '40', '--no-progress'];
    const child = startWeir(args);
    const jobDir = join(dir, 'cp', 'sequence');
    // Two retained checkpoints, and a third one on its way so that retention ran: kill then.
    assert.ok(await waitUntil(() => existsSync(join(jobDir, 'chk-3', '_metadata')), child), 'checkpoint 3 never completed');
    child.kill('SIGKILL');
    await waitFor(child, 60_000);
    const completed = completedCheckpoints(jobDir);
    assert.ok(completed.length >= 2, `two retained checkpoints expected, found ${completed.join(", ")}`);
    const latest = join(jobDir, completed[completed.length - 1]!);
    const victim = readdirSync(latest).find((f) => f.includes('keyed'))!;
    const bytes = readFileSync(join(latest, victim));
    const middle = bytes.length >> 1;
    bytes[middle] = bytes[middle]! ^ 0xff;
    writeFileSync(join(latest, victim), bytes);

    // Restoring that checkpoint explicitly fails, naming the file.
    const explicit = await runWeir([...args, '--restore', latest]);
    assert.equal(explicit.code, 1);
    assert.match(explicit.stderr, new RegExp(`WEIR_CHECKPOINT_CORRUPT.*${victim}`));

    // --restore latest warns about it and falls back to the previous one; nothing is lost.
    const r = await runWeir([...args, '--restore', 'latest'], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`warning: .*${victim}`));
    assert.deepEqual(missingLines(readFileSync(input, 'utf8'), join(dir, 'out')), []);
  } finally {
    removeDir(dir);
  }
});

test('two parallel sources into one keyed operator (aligned over 4 channels), killed and restored: exactly once', { timeout: 300_000 }, async (t) => {
  const dir = tempDir('two-sources');
  try {
    const n = 60_000;
    const args = ['run', 'test/fixtures/two-sources-job.ts', '--output', join(dir, 'out'), '--n', String(n), '--parallelism', '2',
      '--checkpoint-dir', join(dir, 'cp'), '--checkpoint-interval', '100', '--throttle-us', '60', '--restore', 'latest', '--no-progress'];
    let kills = 0;
    for (let attempt = 0; attempt < 30; attempt++) {
      const child = startWeir(args);
      void signalAfterNextCheckpoint(child, join(dir, 'cp', 'two-sources'), 'SIGKILL', (attempt * 137) % 300);
      const r = await waitFor(child, 120_000);
      if (r.signal === 'SIGKILL') { kills++; continue; }
      assert.equal(r.code, 0, r.stderr);
      break;
    }
    t.diagnostic(`killed ${kills} times`);
    assert.ok(kills >= 2, `killed only ${kills} times`);
    const seqs = new Map<string, number[]>();
    const events = new Map<string, number>();
    for (const line of readOutputLines(join(dir, 'out'))) {
      const [key, seq, event] = line.split(',') as [string, string, string];
      let list = seqs.get(key);
      if (!list) seqs.set(key, (list = []));
      list.push(Number(seq));
      events.set(event, (events.get(event) ?? 0) + 1);
    }
    assert.equal(events.size, 2 * n, 'every event of both sources');
    assert.deepEqual([...events.values()].filter((c) => c !== 1), [], 'no event twice');
    for (const [key, list] of seqs) {
      list.sort((x, y) => x - y);
      assert.deepEqual(list, Array.from({ length: list.length }, (_, i) => i + 1), `seqs of ${key} are 1..n without gaps or repeats`);
    }
  } finally {
    removeDir(dir);
  }
});

test('a failure before this run\'s first checkpoint restarts from scratch, not from an earlier run\'s checkpoint in the same directory', { timeout: 180_000 }, async () => {
  const dir = tempDir('earlier-run');
  try {
    const input = join(dir, 'in.txt');
    writeSequenceInput(input, 5_000, 7);
    const common = ['run', 'examples/sequence.ts', '--input', input, '--parallelism', '2',
      '--checkpoint-dir', join(dir, 'cp'), '--checkpoint-interval', '1000', '--no-progress'];
    const first = await runWeir([...common, '--output', join(dir, 'out1')]);
    assert.equal(first.code, 0, first.stderr);
    assert.ok(completedCheckpoints(join(dir, 'cp', 'sequence')).length > 0, 'the first run left a checkpoint');
    // Second run, same job and checkpoint dir, no --restore; it fails on its 11th record, long before a checkpoint.
    const second = await runWeir([...common, '--output', join(dir, 'out2'), '--fail-on', 'p10', '--fail-marker', join(dir, 'failed')], { timeoutMs: 120_000 });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /restarting \(attempt 1\)/);
    assert.deepEqual(checkSequenceOutput(readFileSync(input, 'utf8'), join(dir, 'out2')), []);
  } finally {
    removeDir(dir);
  }
});
