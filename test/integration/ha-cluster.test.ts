// JobManager HA end to end: two `weir jobmanager --ha etcd` and 2 TaskManagers following the leader, a real etcd;
// kill -9 of the leader mid-run of examples/sequence.ts → the standby leads within 10 s and finishes the job exactly once;
// a leader paused past its lease (SIGSTOP, SIGCONT) steps down, exits, and commits nothing.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { etcdUnavailable, startEtcd, type EtcdServer } from '../../scripts/etcd.mjs';
import { createEtcdClient } from '../../src/ha/ha-services.ts';
import { haNamespace } from '../../src/ha/ha-config.ts';
import { JobStore } from '../../src/ha/job-store.ts';
import { currentLeader } from '../../src/ha/leader-retrieval.ts';
import { CLUSTER_ENV, HEARTBEAT } from './cluster-helpers.ts';
import { completedCheckpoints, removeDir, runWeir, startWeir, tempDir, waitFor, waitUntil } from './helpers.ts';
import { checkSequenceOutput, writeSequenceInput } from './sequence-check.ts';

type Child = ReturnType<typeof startWeir>;

const LEASE_TTL = 3;

interface HaCluster {
  readonly ha: string[];
  readonly jobmanagers: Child[];
  readonly taskmanagers: Child[];
  readonly store: JobStore;
  readonly namespace: string;
  startJobManager(name: string): Child;
  leaderName(): Promise<string | undefined>;
  /** The leader's REST URL as published in etcd. */
  leaderRest(): Promise<string | undefined>;
  stop(): Promise<void>;
}

let clusters = 0;

async function startHaCluster(etcd: EtcdServer, dir: string): Promise<HaCluster> {
  const clusterId = `ha-test-${process.pid}-${++clusters}`;
  const ha = ['--ha', 'etcd', '--ha-endpoints', etcd.endpoint, '--ha-cluster-id', clusterId];
  const jobmanagers: Child[] = [];
  const taskmanagers: Child[] = [];
  const client = await createEtcdClient([etcd.endpoint]);
  const namespace = haNamespace(clusterId);
  const store = new JobStore(client, namespace, { assertLeader: () => { throw new Error('the test only reads'); }, onFenced: () => undefined });
  const startJobManager = (name: string): Child => {
    const jm = startWeir(['jobmanager', '--bind', '127.0.0.1:0', ...HEARTBEAT, '--cache-dir', join(dir, `cache-${name}`), ...ha,
      '--ha-lease-ttl', String(LEASE_TTL), '--ha-storage-dir', join(dir, 'ha-storage'), '--web', '0'], CLUSTER_ENV);
    jobmanagers.push(jm);
    return jm;
  };
  const stop = async (): Promise<void> => {
    const all = [...taskmanagers, ...jobmanagers];
    for (const c of all) if (c.exitCode === null && c.signalCode === null) { c.kill('SIGCONT'); c.kill('SIGKILL'); }
    await Promise.all(all.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('close', r)))));
    client.close();
  };
  try {
    const first = startJobManager('a');
    assert.ok(await waitUntil(() => /is the leader \(epoch \d+\)/.test(first.out.stderr), first, 60_000), `the first JobManager did not lead:\n${first.out.stderr}`);
    const second = startJobManager('b');
    assert.ok(await waitUntil(() => /campaigning for leadership/.test(second.out.stderr), second, 60_000), `the second JobManager did not campaign:\n${second.out.stderr}`);
    for (let i = 0; i < 2; i++) taskmanagers.push(startWeir(['taskmanager', '--slots', '2', ...HEARTBEAT, '--cache-dir', join(dir, `cache-tm${i}`), ...ha], CLUSTER_ENV));
    assert.ok(await waitUntil(() => (first.out.stderr.match(/TaskManager tm-\d+ registered/g) ?? []).length === 2, first, 60_000), `TaskManagers did not register with the leader:\n${first.out.stderr}`);
    return {
      ha, jobmanagers, taskmanagers, store, namespace, startJobManager, stop,
      leaderName: async () => (await currentLeader(client, namespace))?.address.id,
      leaderRest: async () => (await currentLeader(client, namespace))?.address.rest,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Waits until the leader committed checkpoint pointer `id` or a newer one in etcd (proof of progress). */
async function pointerAtLeast(store: JobStore, jobId: string, id: number, run: Child): Promise<NonNullable<Awaited<ReturnType<JobStore['latestCheckpoint']>>>> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const p = await store.latestCheckpoint(jobId);
    if (p !== undefined && p.id >= id) return p;
    if (run.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no checkpoint pointer ≥ ${id} in etcd:\n${run.out.stderr}`);
}

describe('JobManager high availability on etcd (processes)', { skip: etcdUnavailable() ?? false }, () => {
  test('kill -9 of the leader mid-run: the standby leads within 10 s, resumes from the latest checkpoint, output exactly once', { timeout: 240_000 }, async () => {
    const etcd = await startEtcd();
    const dir = tempDir('ha-kill');
    let cluster: HaCluster | undefined;
    try {
      cluster = await startHaCluster(etcd, dir);
      const [a, b] = cluster.jobmanagers as [Child, Child];
      // A standby refuses clients clearly, naming the leader.
      const port = /listening on 127\.0\.0\.1:(\d+)/.exec(b.out.stdout)![1]!;
      const refused = await waitFor(startWeir(['list', '--jobmanager', `127.0.0.1:${port}`], CLUSTER_ENV), 30_000);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /WEIR_HA_STANDBY.*is a standby; the leader is jm-\S+ at 127\.0\.0\.1:\d+/);

      const input = join(dir, 'in.txt');
      writeSequenceInput(input, 30_000, 17);
      const cp = join(dir, 'cp');
      const run = startWeir(['run', 'examples/sequence.ts', ...cluster.ha, '--input', input, '--output', join(dir, 'out'), '-p', '4',
        '--checkpoint-dir', cp, '--checkpoint-interval', '150', '--throttle-us', '200', '--no-progress'], CLUSTER_ENV);
      const store = cluster.store;
      const pointer = await pointerAtLeast(store, 'sequence', 2, run);
      assert.ok(completedCheckpoints(join(cp, 'sequence')).length >= 1);
      assert.match(a.out.stderr, /job sequence: stored in etcd/);

      const killedAt = Date.now();
      a.kill('SIGKILL');
      assert.ok(await waitUntil(() => /is the leader \(epoch \d+\)/.test(b.out.stderr), b, 30_000), b.out.stderr);
      const takeoverMs = Date.now() - killedAt;
      process.stdout.write(`# standby leads ${takeoverMs} ms after kill -9 of the leader (lease TTL ${LEASE_TTL} s)\n`);
      assert.ok(takeoverMs < 10_000, `the standby took ${takeoverMs} ms to lead`);
      assert.ok(await waitUntil(() => /job sequence: resuming from the job store, latest point \(etcd: checkpoint \d+\)/.test(b.out.stderr), b, 30_000), `the new leader:\n${b.out.stderr}\nthe killed leader:\n${a.out.stderr.slice(-4000)}`);
      // The new leader's REST API (published in etcd) shows the resumed job and both TaskManagers once they re-registered.
      const rest = /REST API and dashboard at (http:\/\/127\.0\.0\.1:\d+)\//.exec(b.out.stdout)?.[1];
      assert.ok(rest, b.out.stdout);
      assert.equal(await cluster.leaderRest(), rest);
      const auth = { headers: { authorization: `Bearer ${CLUSTER_ENV.WEIR_CLUSTER_TOKEN}` } };
      const restDeadline = Date.now() + 60_000;
      let seen: any;
      while (Date.now() < restDeadline) {
        const [jobs, tms] = await Promise.all([fetch(`${rest}/jobs`, auth).then((r) => r.json()), fetch(`${rest}/taskmanagers`, auth).then((r) => r.json())]) as [any, any];
        seen = { jobs, tms };
        if (jobs.jobs.some((j: any) => j.id === 'sequence') && tms.taskmanagers.length === 2) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(seen.jobs.jobs.some((j: any) => j.id === 'sequence') && seen.tms.taskmanagers.length === 2, JSON.stringify(seen));
      assert.ok(await waitUntil(() => /job sequence finished/.test(b.out.stderr), b, 180_000), b.out.stderr);
      assert.match(b.out.stderr, /TaskManager tm-\d+ registered/);
      assert.deepEqual(checkSequenceOutput(readFileSync(input, 'utf8'), join(dir, 'out')), []);
      const stored = await store.getJob('sequence');
      assert.equal(stored?.status, 'FINISHED');
      assert.ok(stored!.checkpoint!.id > pointer.id, 'the new leader committed newer checkpoints');
      // The client followed the job to the new leader through etcd and got its result.
      const client = await waitFor(run, 60_000);
      assert.equal(client.code, 0, client.stderr);
      assert.match(client.stderr, /lost the JobManager at 127\.0\.0\.1:\d+ .*following the leader through etcd/);
      assert.match(client.stderr, /following job sequence \(running\) on this JobManager/);
      assert.match(client.stderr, /job "sequence" finished/);
    } finally {
      await cluster?.stop();
      await etcd.stop();
      removeDir(dir);
    }
  });

  test('a leader paused past its lease (SIGSTOP, then SIGCONT) steps down and commits nothing; the standby finishes the job exactly once', { timeout: 240_000 }, async () => {
    const etcd = await startEtcd();
    const dir = tempDir('ha-pause');
    let cluster: HaCluster | undefined;
    try {
      cluster = await startHaCluster(etcd, dir);
      const [a, b] = cluster.jobmanagers as [Child, Child];
      const input = join(dir, 'in.txt');
      writeSequenceInput(input, 30_000, 13);
      const cp = join(dir, 'cp');
      const run = startWeir(['run', 'examples/sequence.ts', ...cluster.ha, '--input', input, '--output', join(dir, 'out'), '-p', '4',
        '--checkpoint-dir', cp, '--checkpoint-interval', '150', '--throttle-us', '200', '--no-progress'], CLUSTER_ENV);
      await pointerAtLeast(cluster.store, 'sequence', 2, run);
      const epochA = (/is the leader \(epoch (\d+)\)/.exec(a.out.stderr))![1]!;

      a.kill('SIGSTOP');
      assert.ok(await waitUntil(() => /is the leader \(epoch \d+\)/.test(b.out.stderr), b, 30_000), b.out.stderr);
      const epochB = (/is the leader \(epoch (\d+)\)/.exec(b.out.stderr))![1]!;
      assert.ok(BigInt(epochB) > BigInt(epochA));
      const logBefore = a.out.stderr.length;
      a.kill('SIGCONT');
      const exited = await waitFor(a, 30_000);
      assert.equal(exited.code, 3, `the paused leader exits with 3 after stepping down:\n${a.out.stderr}`);
      const afterPause = a.out.stderr.slice(logBefore);
      assert.match(afterPause, /lost leadership: .*lease/);
      // What it logged after waking up: the step-down, nothing it did as a leader.
      assert.doesNotMatch(afterPause, /registered|submitted|deployed|stored in etcd|finished/);

      assert.ok(await waitUntil(() => /job sequence finished/.test(b.out.stderr), b, 180_000), b.out.stderr);
      assert.deepEqual(checkSequenceOutput(readFileSync(input, 'utf8'), join(dir, 'out')), []);
      const stored = await cluster.store.getJob('sequence');
      assert.equal(stored?.status, 'FINISHED');
      assert.equal(stored?.checkpoint?.epoch, epochB, 'the latest pointer is the new leader\'s');
      const client = await waitFor(run, 60_000);
      assert.equal(client.code, 0, client.stderr);
      assert.match(client.stderr, /following the leader through etcd/);
      assert.match(client.stderr, /job "sequence" finished/);
    } finally {
      await cluster?.stop();
      await etcd.stop();
      removeDir(dir);
    }
  });

  test('BATCH: kill -9 of the leader after the first stage\'s regions finished: the standby skips them (operation log), reruns the running ones, output exactly once', { timeout: 240_000 }, async () => {
    const etcd = await startEtcd();
    const dir = tempDir('ha-batch');
    let cluster: HaCluster | undefined;
    try {
      cluster = await startHaCluster(etcd, dir);
      const [a, b] = cluster.jobmanagers as [Child, Child];
      const starts = join(dir, 'starts.txt');
      writeFileSync(starts, '');
      const out = join(dir, 'out');
      const count = 20_000;
      const run = startWeir(['run', 'test/fixtures/batch-ha-job.ts', ...cluster.ha, '--runtime-mode', 'batch', '-p', '2', '--no-progress',
        '--starts', starts, '--out', out, '--out-first', join(dir, 'out-first'), '--count', String(count), '--pause-every', '5'], CLUSTER_ENV);
      const startsOf = (stage: string): string[] => readFileSync(starts, 'utf8').split('\n').filter((l) => l.startsWith(`${stage} `)).sort();
      // Both first-stage regions are in the log and both second-stage tasks opened: kill the leader mid-second-stage.
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline && run.exitCode === null) {
        if ((await cluster.store.finishedRegions('batch-ha')).length >= 2 && startsOf('second').length === 2) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      a.kill('SIGKILL');
      await waitFor(a, 10_000);
      // The log as the dead leader left it (the standby cannot lead before the lease expires).
      const logged = await cluster.store.finishedRegions('batch-ha');
      assert.equal(logged.length, 2, `the first stage's two regions, not the second's, are in the log when the leader dies:\n${JSON.stringify(logged)}\n${a.out.stderr}`);
      assert.deepEqual(startsOf('first'), ['first 0', 'first 1']);
      assert.deepEqual(startsOf('second'), ['second 0', 'second 1']);
      assert.ok(logged.every((r) => r.region.startsWith('numbers-')), JSON.stringify(logged));

      assert.ok(await waitUntil(() => /is the leader \(epoch \d+\)/.test(b.out.stderr), b, 30_000), b.out.stderr);
      assert.ok(await waitUntil(() => /job batch-ha finished/.test(b.out.stderr), b, 180_000), b.out.stderr);
      assert.match(b.out.stderr, /job batch-ha: operation log: 2 region\(s\) finished under earlier leaders, not run again/);
      // The first stage ran once in all (its tasks opened once, under the old leader); the second ran again under the new one.
      assert.deepEqual(startsOf('first'), ['first 0', 'first 1']);
      assert.deepEqual(startsOf('second'), ['second 0', 'second 0', 'second 1', 'second 1']);
      const regions = JSON.parse(/batch-regions (.*)/.exec(b.out.stdout)![1]!) as { key: string; attempts: number; fromLog: boolean }[];
      assert.deepEqual(regions.filter((r) => r.fromLog).map((r) => [r.key, r.attempts]).sort(), logged.map((r) => [r.region, 0]).sort());
      assert.deepEqual(regions.filter((r) => !r.fromLog).map((r) => r.attempts), [1, 1]);
      // Exactly once (what a local run writes): every number in one published part file of each sink. The first sink's files
      // were written under the old leader and committed by the new one from the log; the killed attempt's files stayed hidden.
      const numbers = (d: string): number[] => readdirSync(d).filter((n) => n.startsWith('part-'))
        .flatMap((n) => readFileSync(join(d, n), 'utf8').split('\n').filter((l) => l !== '').map(Number)).sort((x, y) => x - y);
      const all = Array.from({ length: count }, (_, i) => i);
      assert.deepEqual(numbers(join(dir, 'out-first')), all);
      assert.deepEqual(numbers(out), all);
      // The same job in local mode writes the same numbers.
      const local = await runWeir(['run', 'test/fixtures/batch-ha-job.ts', '--runtime-mode', 'batch', '-p', '2', '--no-progress', '--starts', join(dir, 'starts-local.txt'),
        '--out', join(dir, 'local'), '--out-first', join(dir, 'local-first'), '--count', String(count)], { timeoutMs: 120_000 });
      assert.equal(local.code, 0, local.stderr);
      assert.deepEqual(numbers(join(dir, 'local-first')), numbers(join(dir, 'out-first')));
      assert.deepEqual(numbers(join(dir, 'local')), numbers(out));
      const stored = await cluster.store.getJob('batch-ha');
      assert.equal(stored?.status, 'FINISHED');
      // The job's shared BATCH directory (partitions, region records) is gone once it finished.
      assert.ok(!existsSync(join(dir, 'ha-storage', 'batch', 'batch-ha')), 'the BATCH directory is removed at the end');
      const client = await waitFor(run, 60_000);
      assert.equal(client.code, 0, client.stderr);
    } finally {
      await cluster?.stop();
      await etcd.stop();
      removeDir(dir);
    }
  });

  test('a clean stop (SIGTERM) of the leader resigns: it exits 0 and the standby leads without waiting for the lease TTL', { timeout: 120_000 }, async () => {
    const etcd = await startEtcd();
    const dir = tempDir('ha-resign');
    const started: Child[] = [];
    try {
      // A long TTL: a takeover well before it can only come from the revoked lease.
      const ha = ['--ha', 'etcd', '--ha-endpoints', etcd.endpoint, '--ha-cluster-id', `resign-${process.pid}`, '--ha-lease-ttl', '30', '--ha-storage-dir', join(dir, 'ha-storage')];
      const jm = (name: string): Child => {
        const c = startWeir(['jobmanager', '--bind', '127.0.0.1:0', ...HEARTBEAT, '--cache-dir', join(dir, `cache-${name}`), ...ha], CLUSTER_ENV);
        started.push(c);
        return c;
      };
      const a = jm('a');
      assert.ok(await waitUntil(() => /is the leader/.test(a.out.stderr), a, 60_000), a.out.stderr);
      const b = jm('b');
      assert.ok(await waitUntil(() => /campaigning for leadership/.test(b.out.stderr), b, 60_000), b.out.stderr);
      const stoppedAt = Date.now();
      a.kill('SIGTERM');
      const exited = await waitFor(a, 30_000);
      assert.equal(exited.code, 0, a.out.stderr);
      assert.doesNotMatch(a.out.stderr, /lost leadership/);
      assert.ok(await waitUntil(() => /is the leader/.test(b.out.stderr), b, 60_000), b.out.stderr);
      const tookMs = Date.now() - stoppedAt;
      process.stdout.write(`# standby leads ${tookMs} ms after SIGTERM of the leader (lease TTL 30 s)\n`);
      assert.ok(tookMs < 20_000, `took ${tookMs} ms: the lease was not revoked`);
    } finally {
      for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      await Promise.all(started.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('close', r)))));
      await etcd.stop();
      removeDir(dir);
    }
  });
});
