// Cluster mode across test hosts (network namespaces from scripts/netns.sh, 198.18.0.0/15): word count on 3 hosts equals
// local mode; cutting one host's link for longer than the heartbeat timeout and restoring it: the job recovers, exactly once.
// Where namespaces cannot be created, the same runs on loopback processes and the cut is a SIGSTOP (the test says so).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { completedCheckpoints, readOutputLines, removeDir, runWeir, startWeir, tempDir, waitFor, waitUntil } from './helpers.ts';
import { checkSequenceOutput, writeSequenceInput } from './sequence-check.ts';
import { CLUSTER_ENV, NETNS_SCRIPT, startCluster } from './cluster-helpers.ts';

const NET = 1 + (process.pid % 250);
const canNetns = !process.env['WEIR_TEST_NO_NETNS'] && process.getuid?.() === 0 && spawnSync(NETNS_SCRIPT, ['check']).status === 0;
const FALLBACK = 'network namespaces cannot be created here (needs root and iproute2): running on loopback processes, the link cut replaced by SIGSTOP/SIGCONT of the TaskManager';

function netns(...args: string[]): void {
  const r = spawnSync(NETNS_SCRIPT, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/netns.sh ${args.join(' ')} failed: ${r.stderr}`);
}

async function withHosts(hosts: number, body: (net: number | undefined) => Promise<void>): Promise<void> {
  if (!canNetns) return body(undefined);
  netns('down', String(NET));
  netns('up', String(NET), String(hosts));
  try {
    await body(NET);
  } finally {
    netns('down', String(NET));
  }
}

test('wordcount on 3 TaskManagers on 3 test hosts (2 slots each, p=6): counts equal local mode', { timeout: 180_000 }, async (t) => {
  if (!canNetns) t.diagnostic(FALLBACK);
  const dir = tempDir('netns-wc');
  try {
    await withHosts(3, async (net) => {
      const cluster = await startCluster({ taskmanagers: 3, slots: 2, cacheDir: join(dir, 'cache'), netns: net, jobmanagerHost: net === undefined ? undefined : `198.18.${net}.1` });
      try {
        const lines: string[] = [];
        for (let i = 0; i < 3000; i++) lines.push(`w${i % 97} x${(i * 7) % 13} w${i % 5} ${i % 11 === 0 ? 'Straße' : 'road'}`);
        const input = join(dir, 'in.txt');
        writeFileSync(input, `${lines.join('\n')}\n`);
        const r = await runWeir(['run', 'examples/wordcount.ts', '--jobmanager', cluster.address, '--input', input, '--output', join(dir, 'out'), '-p', '6', '--no-progress'], { env: CLUSTER_ENV, timeoutMs: 120_000 });
        assert.equal(r.code, 0, r.stderr);
        if (net !== undefined) {
          for (const k of [1, 2, 3]) assert.match(cluster.jobmanager.out.stderr, new RegExp(`data port 198\\.18\\.${net}\\.${10 + k}:\\d+`), `host ${k} runs a TaskManager`);
        }
        const local = await runWeir(['run', 'examples/wordcount.ts', '--input', input, '--output', join(dir, 'out-local'), '-p', '6', '--no-progress'], { timeoutMs: 120_000 });
        assert.equal(local.code, 0, local.stderr);
        assert.deepEqual(readOutputLines(join(dir, 'out')).sort(), readOutputLines(join(dir, 'out-local')).sort());
      } finally {
        await cluster.stop();
      }
    });
  } finally {
    removeDir(dir);
  }
});

test('a host cut off for longer than the heartbeat timeout, then restored: the job recovers by itself, exactly once, and the host is used again', { timeout: 240_000 }, async (t) => {
  if (!canNetns) t.diagnostic(FALLBACK);
  const dir = tempDir('netns-cut');
  try {
    await withHosts(3, async (net) => {
      const cluster = await startCluster({ taskmanagers: 3, slots: 2, cacheDir: join(dir, 'cache'), netns: net, jobmanagerHost: net === undefined ? undefined : `198.18.${net}.1` });
      try {
        const input = join(dir, 'in.txt');
        writeSequenceInput(input, 15_000, 29);
        const cp = join(dir, 'cp');
        const run = startWeir(['run', 'examples/sequence.ts', '--jobmanager', cluster.address, '--input', input, '--output', join(dir, 'out'), '-p', '6',
          '--checkpoint-dir', cp, '--checkpoint-interval', '150', '--throttle-us', '100', '--no-progress'], CLUSTER_ENV);
        assert.ok(await waitUntil(() => completedCheckpoints(join(cp, 'sequence')).length >= 1, run, 120_000), `no checkpoint completed:\n${run.out.stderr}`);
        const victim = cluster.taskmanagers[1]!;
        if (net !== undefined) netns('cut', String(net), '2');
        else victim.kill('SIGSTOP');
        // The heartbeat timeout is 3 s: the JobManager declares the host lost; 6 slots are needed, 4 are left.
        assert.ok(await waitUntil(() => /waiting up to \d+ ms for 6 task slot\(s\)/.test(run.out.stderr), run, 60_000), run.out.stderr);
        await new Promise((r) => setTimeout(r, 2000));
        if (net !== undefined) netns('restore', String(net), '2');
        else victim.kill('SIGCONT');
        const r = await waitFor(run, 180_000);
        assert.equal(r.code, 0, r.stderr);
        // Whichever notices the silence first (the JobManager, or a peer's data connection) fails the attempt.
        assert.match(r.stderr, /restarting \(attempt 1\) in .* after: (TaskManager tm-2 .* lost|data connection from TaskManager tm-\d to tm-2 lost|data connection from TaskManager tm-2 to tm-\d lost): no heartbeat for 3000 ms/);
        assert.match(cluster.jobmanager.out.stderr, /TaskManager tm-2 \(.*\) lost: no heartbeat for 3000 ms/);
        // The host noticed the silence too, registered again once its link was back, and runs slots of the new attempt.
        assert.match(victim.out.stderr, /lost the JobManager \(no heartbeat for 3000 ms\)/);
        assert.match(r.stderr, /attempt deployed on .*tm-4\[/);
        assert.deepEqual(checkSequenceOutput(readFileSync(input, 'utf8'), join(dir, 'out')), []);
      } finally {
        await cluster.stop();
      }
    });
  } finally {
    removeDir(dir);
  }
});
