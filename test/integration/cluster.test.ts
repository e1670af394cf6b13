// Cluster mode with real processes on loopback: word count on 3 TaskManagers × 2 slots equals local mode; kill -9 of a
// TaskManager mid-run recovers by itself, exactly once, on a replacement; strangers are refused while a job runs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { completedCheckpoints, readOutputLines, removeDir, runWeir, startWeir, tempDir, waitFor, waitUntil } from './helpers.ts';
import { checkSequenceOutput, writeSequenceInput } from './sequence-check.ts';
import { CLUSTER_ENV, startCluster } from './cluster-helpers.ts';
import { loadCheckpoint } from '../../src/checkpoint/index.ts';

function wordInput(dir: string): string {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'épsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa', 'λάμδα', 'mu'];
  const lines: string[] = [];
  let seed = 7;
  for (let i = 0; i < 4000; i++) {
    const n = 1 + (i % 9);
    const line: string[] = [];
    for (let j = 0; j < n; j++) { seed = (seed * 1103515245 + 12345) % 2147483648; line.push(words[seed % words.length]! + (seed % 5 === 0 ? String(seed % 50) : '')); }
    lines.push(line.join(' '));
  }
  const path = join(dir, 'words.txt');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

test('wordcount on 3 TaskManagers × 2 slots (p=6): the output equals local mode exactly', { timeout: 180_000 }, async () => {
  const dir = tempDir('cluster-wc');
  const cluster = await startCluster({ taskmanagers: 3, slots: 2, cacheDir: join(dir, 'cache') });
  try {
    const input = wordInput(dir);
    const r = await runWeir(['run', 'examples/wordcount.ts', '--jobmanager', cluster.address, '--input', input, '--output', join(dir, 'out-cluster'), '-p', '6', '--no-progress'], { env: CLUSTER_ENV, timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /attempt deployed on tm-\d\[\d,\d\] tm-\d\[\d,\d\] tm-\d\[\d,\d\]/, 'every TaskManager runs 2 of the 6 slots');
    assert.match(r.stderr, /job "wordcount" finished/);
    const local = await runWeir(['run', 'examples/wordcount.ts', '--input', input, '--output', join(dir, 'out-local'), '-p', '6', '--no-progress'], { timeoutMs: 120_000 });
    assert.equal(local.code, 0, local.stderr);
    const sorted = (d: string): string[] => readOutputLines(d).sort();
    const clusterLines = sorted(join(dir, 'out-cluster'));
    assert.ok(clusterLines.length > 1000);
    assert.deepEqual(clusterLines, sorted(join(dir, 'out-local')));
    // Every TaskManager's slots wrote part files (the data went through the TCP exchange).
    assert.equal(readdirSync(join(dir, 'out-cluster')).filter((f) => f.startsWith('part-')).length, 6);
    // The bundle went once to the JobManager and once to each TaskManager, by hash.
    assert.equal(readdirSync(join(dir, 'cache')).length, 1);
  } finally {
    await cluster.stop();
    removeDir(dir);
  }
});

test('BATCH wordcount on 2 TaskManagers × 2 slots (p=4): each pipeline region takes only its own slot, the output equals local mode', { timeout: 180_000 }, async () => {
  const dir = tempDir('cluster-batch');
  const cluster = await startCluster({ taskmanagers: 2, slots: 2, cacheDir: join(dir, 'cache') });
  try {
    const input = wordInput(dir);
    const r = await runWeir(['run', 'examples/wordcount.ts', '--jobmanager', cluster.address, '--input', input, '--output', join(dir, 'out-cluster'), '-p', '4', '--runtime-mode', 'BATCH', '--no-progress'], { env: CLUSTER_ENV, timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    // 2 stages × 4 subtasks, blocking exchange between them: 8 regions of one subtask, each deployed on one slot (not on all 4).
    const deployed = r.stderr.match(/attempt deployed on .*/g) ?? [];
    assert.equal(deployed.length, 8, r.stderr);
    for (const line of deployed) assert.match(line, /^attempt deployed on tm-\d\[\d\]$/);
    assert.doesNotMatch(r.stderr, /waiting up to \d+ ms for 4 task slot/);
    const local = await runWeir(['run', 'examples/wordcount.ts', '--input', input, '--output', join(dir, 'out-local'), '-p', '4', '--runtime-mode', 'BATCH', '--no-progress'], { timeoutMs: 120_000 });
    assert.equal(local.code, 0, local.stderr);
    const sorted = (d: string): string[] => readOutputLines(d).sort();
    // BATCH emits each word's final count once: the counts add up to the words of the input.
    const lines = sorted(join(dir, 'out-cluster'));
    const words = readFileSync(input, 'utf8').split(/\s+/).filter((w) => w.length > 0).length;
    assert.equal(lines.reduce((n, l) => n + Number(l.split('\t')[1]), 0), words);
    assert.equal(new Set(lines.map((l) => l.split('\t')[0])).size, lines.length, 'one line per word');
    assert.deepEqual(lines, sorted(join(dir, 'out-local')));
  } finally {
    await cluster.stop();
    removeDir(dir);
  }
});

test('kill -9 of a TaskManager mid-run: the job waits for a replacement, restarts from the latest checkpoint on it, output exactly once', { timeout: 240_000 }, async () => {
  const dir = tempDir('cluster-kill');
  const cluster = await startCluster({ taskmanagers: 3, slots: 2, cacheDir: join(dir, 'cache') });
  try {
    const input = join(dir, 'in.txt');
    writeSequenceInput(input, 15_000, 23);
    const cp = join(dir, 'cp');
    const run = startWeir(['run', 'examples/sequence.ts', '--jobmanager', cluster.address, '--input', input, '--output', join(dir, 'out'), '-p', '6',
      '--checkpoint-dir', cp, '--checkpoint-interval', '150', '--throttle-us', '100', '--no-progress'], CLUSTER_ENV);
    assert.ok(await waitUntil(() => completedCheckpoints(join(cp, 'sequence')).length >= 1, run, 120_000), `no checkpoint completed:\n${run.out.stderr}`);
    const victim = cluster.taskmanagers[1]!;
    victim.kill('SIGKILL');
    // 6 slots needed, 4 left: the job says it waits; a replacement registers and is used.
    assert.ok(await waitUntil(() => /waiting up to \d+ ms for 6 task slot\(s\): the cluster has 4 free on 2 TaskManager\(s\)/.test(run.out.stderr), run, 60_000), run.out.stderr);
    await cluster.addTaskManager(2);
    const r = await waitFor(run, 180_000);
    assert.equal(r.code, 0, r.stderr);
    // The JobManager or a peer's data connection, whichever notices first, fails the attempt.
    assert.match(r.stderr, /restarting \(attempt 1\) in .* after: (TaskManager tm-2 \(127\.0\.0\.1:\d+\) lost|data connection from TaskManager tm-\d to tm-2 lost)/);
    assert.match(r.stderr, /attempt deployed on .*tm-4\[/, 'the replacement TaskManager runs slots of the new attempt');
    assert.match(cluster.jobmanager.out.stderr, /TaskManager tm-2 .* lost: /);
    assert.deepEqual(checkSequenceOutput(readFileSync(input, 'utf8'), join(dir, 'out')), []);
    // The keyed state of the last checkpoint: one file per Sequence subtask, written by the TaskManagers, listed in _metadata.
    const last = completedCheckpoints(join(cp, 'sequence')).at(-1)!;
    const { metadata } = await loadCheckpoint(join(cp, 'sequence', last));
    const sequence = metadata.operators.find((o) => o.uid === 'sequence')!;
    assert.equal(sequence.subtasks.filter((s) => s.handles['keyed']).length, 6);
    for (const s of sequence.subtasks) assert.equal(statSync(join(cp, 'sequence', last, s.handles['keyed']!.file)).size, s.handles['keyed']!.size);
  } finally {
    await cluster.stop();
    removeDir(dir);
  }
});

test('detached job: a plain TCP client and wrong tokens are refused and logged, the job is unaffected; list, savepoint, stop, restore: exactly once', { timeout: 300_000 }, async () => {
  const dir = tempDir('cluster-auth');
  const cluster = await startCluster({ taskmanagers: 2, slots: 2, cacheDir: join(dir, 'cache') });
  try {
    const input = join(dir, 'in.txt');
    writeSequenceInput(input, 30_000, 19);
    const cp = join(dir, 'cp');
    const job = ['examples/sequence.ts', '--jobmanager', cluster.address, '--input', input, '--output', join(dir, 'out'), '-p', '3', '--checkpoint-dir', cp, '--checkpoint-interval', '200', '--no-progress'];
    // Slow enough to still run after every step below, however loaded the machine, then stopped with a savepoint and
    // finished fast from it. Small buffers keep the barriers from queueing behind seconds of throttled records.
    const submit = await runWeir(['run', ...job, '--detached', '--throttle-us', '1000', '--buffer-size', '32'], { env: CLUSTER_ENV });
    assert.equal(submit.code, 0, submit.stderr);
    assert.equal(submit.stdout, 'sequence\n', 'detached: the job id and nothing else');
    const list = await runWeir(['list', '--jobmanager', cluster.address], { env: CLUSTER_ENV });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^sequence\s+running\s+3\s+0/m);
    // A stranger: plain TCP with an HTTP request.
    await new Promise<void>((resolve) => {
      const c = connect(Number(cluster.address.split(':')[1]), '127.0.0.1', () => c.write('GET /jobs HTTP/1.1\r\nHost: x\r\n\r\n'));
      c.on('close', () => resolve());
      c.on('error', () => resolve());
    });
    // A client and a TaskManager with the wrong token.
    const wrong = await runWeir(['list', '--jobmanager', cluster.address], { env: { WEIR_CLUSTER_TOKEN: 'not-the-token-of-this-cluster' } });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /WEIR_CLUSTER_AUTH.*does not know the cluster token/);
    const intruder = startWeir(['taskmanager', '--jobmanager', cluster.address, '--slots', '4'], { WEIR_CLUSTER_TOKEN: 'not-the-token-of-this-cluster' });
    assert.ok(await waitUntil(() => /tokens of the two sides differ/.test(intruder.out.stderr), intruder, 60_000), intruder.out.stderr);
    intruder.kill('SIGKILL');
    const jmLog = cluster.jobmanager.out.stderr;
    assert.match(jmLog, /refused connection from 127\.0\.0\.1:\d+: not a Weir cluster peer/);
    assert.match(jmLog, /refused connection from 127\.0\.0\.1:\d+: authentication failed \(wrong cluster token\)/);
    assert.equal(cluster.registrations(), 2, 'the intruder never registered');
    // A savepoint while it runs, then stop with a savepoint.
    assert.ok(await waitUntil(() => completedCheckpoints(join(cp, 'sequence')).length >= 1, cluster.jobmanager, 120_000));
    const sp = await runWeir(['savepoint', 'sequence', '--jobmanager', cluster.address], { env: CLUSTER_ENV });
    assert.equal(sp.code, 0, `${sp.stderr}\nJobManager (exit ${cluster.jobmanager.exitCode ?? cluster.jobmanager.signalCode ?? 'none'}):\n${cluster.jobmanager.out.stderr.slice(-3000)}`);
    assert.match(sp.stdout, /^savepoint: \//);
    const stop = await runWeir(['stop', 'sequence', '--jobmanager', cluster.address], { env: CLUSTER_ENV, timeoutMs: 120_000 });
    assert.equal(stop.code, 0, stop.stderr);
    const savepoint = /^savepoint: (\S+)$/m.exec(stop.stdout)?.[1];
    assert.ok(savepoint, stop.stdout);
    const after = await runWeir(['list', '--jobmanager', cluster.address], { env: CLUSTER_ENV });
    assert.match(after.stdout, /^sequence\s+finished\s+3\s+0/m, 'unaffected by the strangers: no restart');
    // The rest of the input, from the stop's savepoint, attached this time.
    const rest = await runWeir(['run', ...job, '--restore', savepoint], { env: CLUSTER_ENV, timeoutMs: 120_000 });
    assert.equal(rest.code, 0, rest.stderr);
    assert.deepEqual(checkSequenceOutput(readFileSync(input, 'utf8'), join(dir, 'out')), []);
  } finally {
    await cluster.stop();
    removeDir(dir);
  }
});

test('a job that needs more slots than the cluster has fails after the slot timeout, naming the numbers', { timeout: 120_000 }, async () => {
  const dir = tempDir('cluster-slots');
  const cluster = await startCluster({ taskmanagers: 1, slots: 2, cacheDir: join(dir, 'cache'), jobmanagerArgs: ['--slot-timeout', '1000'] });
  try {
    const input = wordInput(dir);
    const r = await runWeir(['run', 'examples/wordcount.ts', '--jobmanager', cluster.address, '--input', input, '--output', join(dir, 'out'), '-p', '3', '--no-progress'], { env: CLUSTER_ENV });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /waiting up to 1000 ms for 3 task slot\(s\): the cluster has 2 free on 1 TaskManager\(s\)/);
    assert.match(r.stderr, /WEIR_NOT_ENOUGH_SLOTS.*not enough task slots: the job needs 3, the cluster has 2 free on 1 TaskManager\(s\); waited 1000 ms/);
  } finally {
    await cluster.stop();
    removeDir(dir);
  }
});
