// Checkpoint state written by the TaskManagers: a TaskManager that does not see the shared checkpoint directory declines
// the checkpoint, naming itself, the task and the path; with shared storage the state files in `_metadata` are theirs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { completedCheckpoints, removeDir, ROOT, startWeir, tempDir, WEIR, waitFor, waitUntil } from './helpers.ts';
import { writeSequenceInput } from './sequence-check.ts';
import { CLUSTER_ENV, HEARTBEAT } from './cluster-helpers.ts';

// A private mount namespace with an empty tmpfs over the checkpoint directory plays a host without the shared storage.
const canUnshare = process.getuid?.() === 0 && spawnSync('unshare', ['--mount', '--propagation', 'private', 'true']).status === 0;

test('a TaskManager that cannot write to the checkpoint storage declines the checkpoint with a clear message', { timeout: 180_000, skip: canUnshare ? false : 'needs root and unshare(1) for a mount namespace that hides the checkpoint directory' }, async () => {
  const dir = tempDir('cluster-storage');
  const children: (ChildProcess & { out: { stdout: string; stderr: string } })[] = [];
  try {
    const cp = join(dir, 'cp');
    mkdirSync(cp);
    const common = [...HEARTBEAT, '--cache-dir', join(dir, 'cache')];
    const jm = startWeir(['jobmanager', '--bind', '127.0.0.1:0', ...common], CLUSTER_ENV);
    children.push(jm);
    assert.ok(await waitUntil(() => /listening on \S+/.test(jm.out.stdout), jm, 30_000), jm.out.stderr);
    const address = /listening on (\S+)/.exec(jm.out.stdout)![1]!;
    const tmArgs = ['taskmanager', '--jobmanager', address, '--slots', '1', ...common];
    children.push(startWeir(tmArgs, CLUSTER_ENV));
    const script = `mount -t tmpfs tmpfs '${cp}' && exec '${process.execPath}' '${WEIR}' ${tmArgs.map((a) => `'${a}'`).join(' ')}`;
    const blind = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], { cwd: ROOT, env: { ...process.env, ...CLUSTER_ENV }, stdio: ['ignore', 'pipe', 'pipe'] }) as ChildProcess & { out: { stdout: string; stderr: string } };
    blind.out = { stdout: '', stderr: '' };
    blind.stderr!.setEncoding('utf8').on('data', (d: string) => { blind.out.stderr += d; });
    children.push(blind);
    assert.ok(await waitUntil(() => (jm.out.stderr.match(/registered from/g) ?? []).length === 2, jm, 30_000), jm.out.stderr);
    const input = join(dir, 'in.txt');
    writeSequenceInput(input, 20_000, 7);
    const run = startWeir(['run', 'examples/sequence.ts', '--jobmanager', address, '--input', input, '--output', join(dir, 'out'), '-p', '2',
      '--checkpoint-dir', cp, '--checkpoint-interval', '200', '--throttle-us', '200', '--no-progress'], CLUSTER_ENV);
    children.push(run);
    const message = /checkpoint \d+ failed: declined by task \d\.\d: TaskManager tm-\d cannot write the state of task \d\.\d to the checkpoint storage at \/\S+\/cp\/sequence\/chk-\d+: .*ENOENT.* \(the checkpoint directory must be a path every host shares/;
    assert.ok(await waitUntil(() => message.test(run.out.stderr), run, 120_000), run.out.stderr);
    assert.equal(completedCheckpoints(join(cp, 'sequence')).length, 0, 'no checkpoint completes without the state of every task');
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('close', r)))));
    removeDir(dir);
  }
});
