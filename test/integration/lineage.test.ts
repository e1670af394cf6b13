// The sequences users live through: savepoints, crashes and `--restore latest`; corrupt checkpoints; failures that cannot heal.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  completedCheckpoints, removeDir, runWeir, signalAfterNextCheckpoint, startWeir, tempDir, waitFor, waitUntil,
} from './helpers.ts';
import { checkSequenceOutput, writeSequenceInput } from './sequence-check.ts';

const TIMEOUT = { timeout: 240_000 };

function args(dir: string, ...more: string[]): string[] {
  return ['run', 'examples/sequence.ts', '--input', join(dir, 'in.txt'), '--output', join(dir, 'out'),
    '--checkpoint-dir', join(dir, 'cp'), '--no-progress', ...more];
}

function lineageStarts(dir: string): number {
  const path = join(dir, 'cp', 'sequence', '_lineage');
  return existsSync(path) ? (readFileSync(path, 'utf8').match(/"type":"start"/g) ?? []).length : 0;
}

/** Every visible output file with its bytes, to show that a refused run appended nothing. */
function snapshotOutput(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const d = join(dir, 'out');
  for (const f of readdirSync(d).sort()) out[f] = readFileSync(join(d, f), 'utf8');
  return out;
}

function flipByte(path: string): void {
  const bytes = readFileSync(path);
  const i = bytes.length >> 1;
  bytes[i] = bytes[i]! ^ 0xff;
  writeFileSync(path, bytes);
}

function recordedIds(dir: string): number[] {
  const path = join(dir, 'cp', 'sequence', '_lineage');
  if (!existsSync(path)) return [];
  return [...readFileSync(path, 'utf8').matchAll(/"type":"completed"[^}]*"id":(\d+)/g)].map((m) => Number(m[1]));
}

/**
 * Corrupts the newest checkpoint the lineage recorded (so its sinks may have committed), and
 * removes any newer one the kill left unrecorded (never announced: a valid, safe restore point
 * that would otherwise be taken first). Returns the corrupted checkpoint's directory name.
 */
function corruptNewestRecorded(dir: string): string {
  const jobDir = join(dir, 'cp', 'sequence');
  const recorded = Math.max(...recordedIds(dir));
  for (const d of readdirSync(jobDir)) if (/^chk-\d+$/.test(d) && Number(d.slice(4)) > recorded) rmSync(join(jobDir, d), { recursive: true });
  flipByte(join(jobDir, `chk-${recorded}`, '_metadata'));
  return `chk-${recorded}`;
}

/**
 * Runs until a checkpoint of this run completed and was recorded in the lineage (so its sinks
 * may commit), then kill -9; returns the completed checkpoint names.
 */
async function killAfterCheckpoint(dir: string, runArgs: string[], extraMs = 50): Promise<string[]> {
  const child = startWeir(runArgs);
  const before = Math.max(0, ...recordedIds(dir));
  assert.ok(await waitUntil(() => recordedIds(dir).some((id) => id > before), child, 120_000), 'the run ended before it could be killed');
  await new Promise((r) => setTimeout(r, extraMs));
  child.kill('SIGKILL');
  const r = await waitFor(child, 120_000);
  assert.equal(r.signal, 'SIGKILL', r.stderr);
  return completedCheckpoints(join(dir, 'cp', 'sequence'));
}

test('SIGTERM → savepoint → --restore latest → kill -9 before its first checkpoint → --restore latest at p3: exactly once, no restart', TIMEOUT, async () => {
  const dir = tempDir('lineage-sp');
  try {
    writeSequenceInput(join(dir, 'in.txt'), 60_000, 23);
    const common = args(dir, '--throttle-us', '40', '--restore', 'latest');
    // 1. Stopped with a savepoint after a few checkpoints.
    const first = startWeir([...common, '-p', '2', '--checkpoint-interval', '150']);
    assert.ok(await signalAfterNextCheckpoint(first, join(dir, 'cp', 'sequence'), 'SIGTERM', 200));
    const r1 = await waitFor(first, 120_000);
    assert.equal(r1.code, 0, r1.stderr);
    const savepoint = /^savepoint: (.+)$/m.exec(r1.stderr)?.[1];
    assert.ok(savepoint, r1.stderr);
    const before = completedCheckpoints(join(dir, 'cp', 'sequence'));
    // 2. --restore latest must take the savepoint (not the older chk-N); killed before it completes a checkpoint.
    const second = startWeir([...common, '-p', '2', '--checkpoint-interval', '60000']);
    assert.ok(await waitUntil(() => lineageStarts(dir) === 2, second), 'the second run never recorded its start');
    await new Promise((r) => setTimeout(r, 300)); // deployed and running, still far from its first checkpoint
    second.kill('SIGKILL');
    const r2 = await waitFor(second, 60_000);
    assert.equal(r2.signal, 'SIGKILL', r2.stderr);
    assert.deepEqual(completedCheckpoints(join(dir, 'cp', 'sequence')), before, 'the killed run must not have completed a checkpoint');
    // 3. --restore latest again: still the savepoint, never the checkpoint before it.
    const r3 = await runWeir([...common, '-p', '3', '--checkpoint-interval', '150'], { timeoutMs: 180_000 });
    assert.equal(r3.code, 0, r3.stderr);
    assert.doesNotMatch(r3.stderr, /cannot be opened|restarting/);
    assert.match(r3.stderr, /restarts 0/);
    assert.deepEqual(checkSequenceOutput(readFileSync(join(dir, 'in.txt'), 'utf8'), join(dir, 'out')), []);
    // weir checkpoints shows the lineage with the savepoint in it, and the savepoints of the default location.
    const list = await runWeir(['checkpoints', join(dir, 'cp')]);
    assert.equal(list.code, 0, list.stderr);
    assert.ok(list.stdout.includes(savepoint), list.stdout);
    assert.match(list.stdout, /lineage/);
  } finally {
    removeDir(dir);
  }
});

test('a corrupt newest checkpoint with retention 1: error exit naming it, nothing appended', TIMEOUT, async () => {
  const dir = tempDir('lineage-corrupt1');
  try {
    writeSequenceInput(join(dir, 'in.txt'), 60_000, 19);
    const run = args(dir, '-p', '2', '--checkpoint-interval', '120', '--throttle-us', '40', '--restore', 'latest');
    await killAfterCheckpoint(dir, run);
    const newest = corruptNewestRecorded(dir);
    const before = snapshotOutput(dir);
    const r = await runWeir(run, { timeoutMs: 60_000 });
    assert.notEqual(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`${newest}.*corrupt`));
    assert.match(r.stderr, /Starting from scratch would write their output again/);
    assert.doesNotMatch(r.stderr, /starting from scratch\n/);
    assert.deepEqual(snapshotOutput(dir), before);
  } finally {
    removeDir(dir);
  }
});

test('retention 3: falling back past a corrupt newest checkpoint only where no commit can repeat', TIMEOUT, async () => {
  const dir = tempDir('lineage-corrupt3');
  try {
    writeSequenceInput(join(dir, 'in.txt'), 60_000, 31);
    // Without rolls no checkpoint carries committables: a fallback repeats nothing, and stays exactly once.
    const run = args(dir, '-p', '2', '--checkpoint-interval', '120', '--throttle-us', '40', '--restore', 'latest', '--retained-checkpoints', '3');
    let done: string[] = [];
    for (let i = 0; i < 10 && done.length < 2; i++) done = await killAfterCheckpoint(dir, run);
    assert.ok(done.length >= 2, `needs two retained checkpoints, has ${done.join(', ')}`);
    corruptNewestRecorded(dir);
    const r = await runWeir(run, { timeoutMs: 180_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /skipping checkpoint \d+ .*falling back is safe because no sink had anything to commit/);
    assert.deepEqual(checkSequenceOutput(readFileSync(join(dir, 'in.txt'), 'utf8'), join(dir, 'out')), []);

    // With small part files every checkpoint commits files: the same corruption is refused, with the choices named.
    rmSync(join(dir, 'cp'), { recursive: true, force: true });
    rmSync(join(dir, 'out'), { recursive: true, force: true });
    const rolling = [...run, '--max-part-bytes', '4000'];
    done = [];
    for (let i = 0; i < 10 && done.length < 2; i++) done = await killAfterCheckpoint(dir, rolling);
    assert.ok(done.length >= 2);
    const newest = corruptNewestRecorded(dir);
    const before = snapshotOutput(dir);
    const refused = await runWeir(rolling, { timeoutMs: 60_000 });
    assert.notEqual(refused.code, 0, refused.stderr);
    assert.match(refused.stderr, new RegExp(`checkpoint \\d+ \\(.*${newest}\\), is unusable`));
    assert.match(refused.stderr, /--restore .*chk-\d+, accepting that the output after it is written again/);
    assert.deepEqual(snapshotOutput(dir), before);
  } finally {
    removeDir(dir);
  }
});

test('a checkpoint directory that is a file fails before the run, with exit ≠ 0 and what to do', TIMEOUT, async () => {
  const dir = tempDir('lineage-cpfile');
  try {
    writeSequenceInput(join(dir, 'in.txt'), 1_000, 3);
    writeFileSync(join(dir, 'cp'), 'not a directory');
    const started = Date.now();
    const r = await runWeir(args(dir, '--checkpoint-interval', '100'), { timeoutMs: 30_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /checkpoint directory .* is a file, not a directory/);
    assert.ok(Date.now() - started < 20_000);
    assert.ok(!existsSync(join(dir, 'out')) || readdirSync(join(dir, 'out')).length === 0);
  } finally {
    removeDir(dir);
  }
});

test('the job directory replaced by a file mid-run ends the job within seconds, not restarted', TIMEOUT, async () => {
  const dir = tempDir('lineage-jobfile');
  try {
    writeSequenceInput(join(dir, 'in.txt'), 200_000, 3);
    const child = startWeir(args(dir, '--checkpoint-interval', '100', '--throttle-us', '40'));
    const jobDir = join(dir, 'cp', 'sequence');
    assert.ok(await waitUntil(() => completedCheckpoints(jobDir).length >= 1, child));
    renameSync(jobDir, `${jobDir}.moved`);
    writeFileSync(jobDir, 'oops');
    const at = Date.now();
    const r = await waitFor(child, 60_000);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(Date.now() - at < 15_000, `took ${Date.now() - at} ms`);
    assert.match(r.stderr, /checkpoint \d+ failed: cannot (create its directory|write|record checkpoint \d+ in the lineage)/);
    assert.match(r.stderr, /not restarted: this failure cannot heal/);
    assert.doesNotMatch(r.stderr, /restarting/);
  } finally {
    removeDir(dir);
  }
});

test('a record that throws on every attempt: the bounded job gives up after 3 restarts and says so', TIMEOUT, async () => {
  const dir = tempDir('lineage-always');
  try {
    writeSequenceInput(join(dir, 'in.txt'), 5_000, 3);
    const r = await runWeir(args(dir, '--checkpoint-interval', '100', '--fail-on', 'p2500', '--fail-mode', 'always'), { timeoutMs: 60_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.equal((r.stderr.match(/restarting \(attempt/g) ?? []).length, 3, r.stderr);
    assert.match(r.stderr, /injected failure at payload p2500, on every attempt/);
    assert.match(r.stderr, /the restart strategy exponential-delay \(at most 3 attempts.*\) gave up after 3 restart\(s\)/);
  } finally {
    removeDir(dir);
  }
});

test('a lost in-progress part file: the restore ends at once with exit ≠ 0, not retried', TIMEOUT, async () => {
  const dir = tempDir('lineage-lostpart');
  try {
    writeSequenceInput(join(dir, 'in.txt'), 60_000, 5);
    const run = args(dir, '--checkpoint-interval', '120', '--throttle-us', '40', '--restore', 'latest');
    // Killed after a checkpoint that was taken while a part file was open, so its state names that file.
    const child = startWeir(run);
    const out = join(dir, 'out');
    assert.ok(await waitUntil(() => existsSync(out) && readdirSync(out).some((f) => f.includes('inprogress')), child, 120_000), 'no part file was opened');
    const before = Math.max(0, ...recordedIds(dir));
    assert.ok(await waitUntil(() => recordedIds(dir).some((id) => id > before), child, 120_000), 'no checkpoint after the part file opened');
    child.kill('SIGKILL');
    await waitFor(child, 60_000);
    const hidden = readdirSync(join(dir, 'out')).filter((f) => f.startsWith('.') && f.includes('inprogress'));
    assert.ok(hidden.length > 0, `no in-progress part file in ${readdirSync(join(dir, 'out')).join(', ')}`);
    for (const f of hidden) unlinkSync(join(dir, 'out', f));
    const r = await runWeir(run, { timeoutMs: 60_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /in-progress part file .* cannot be opened/);
    assert.match(r.stderr, /not restarted/);
    assert.doesNotMatch(r.stderr, /restarting/);
  } finally {
    removeDir(dir);
  }
});

test('restoring an already used savepoint says that its output is written again', TIMEOUT, async () => {
  const dir = tempDir('lineage-reuse');
  try {
    writeSequenceInput(join(dir, 'in.txt'), 40_000, 7);
    const run = args(dir, '--checkpoint-interval', '120', '--throttle-us', '40');
    const first = startWeir(run);
    assert.ok(await signalAfterNextCheckpoint(first, join(dir, 'cp', 'sequence'), 'SIGTERM', 100));
    const r1 = await waitFor(first, 120_000);
    const savepoint = /^savepoint: (.+)$/m.exec(r1.stderr)?.[1];
    assert.ok(savepoint, r1.stderr);
    const r2 = await runWeir([...run, '--restore', savepoint], { timeoutMs: 120_000 });
    assert.equal(r2.code, 0, r2.stderr);
    assert.doesNotMatch(r2.stderr, /notice/);
    const r3 = await runWeir([...run, '--restore', savepoint], { timeoutMs: 120_000 });
    assert.equal(r3.code, 0, r3.stderr);
    assert.match(r3.stderr, /notice: savepoint \d+ .* was used before: .* written again/);
  } finally {
    removeDir(dir);
  }
});

test('kill -9 before the first checkpoint of a fresh run, then --restore latest: starts from scratch into the same output, exactly once', TIMEOUT, async () => {
  const dir = tempDir('lineage-early-kill');
  try {
    writeSequenceInput(join(dir, 'in.txt'), 20_000, 5);
    const run = args(dir, '-p', '2', '--checkpoint-interval', '60000', '--throttle-us', '40', '--restore', 'latest');
    const child = startWeir(run);
    assert.ok(await waitUntil(() => existsSync(join(dir, 'out')) && readdirSync(join(dir, 'out')).some((f) => f.includes('inprogress')), child), 'no part file was opened');
    child.kill('SIGKILL');
    await waitFor(child, 60_000);
    assert.deepEqual(completedCheckpoints(join(dir, 'cp', 'sequence')), []);
    const r = await runWeir(run, { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(checkSequenceOutput(readFileSync(join(dir, 'in.txt'), 'utf8'), join(dir, 'out')), []);
  } finally {
    removeDir(dir);
  }
});
