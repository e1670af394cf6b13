// Leader election, discovery and the fenced job store against a real etcd, contenders in this process.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createEtcdClient } from './ha-services.ts';
import { JobStore } from './job-store.ts';
import { LeaderElection } from './leader-election.ts';
import { currentLeader, LeaderWatch, type LeaderInfo } from './leader-retrieval.ts';
import { ETCD_SKIP, freshNamespace, useEtcd } from './test-fixtures/etcd.ts';
import type { FencingToken } from './types.ts';

describe('leader election on etcd', { skip: ETCD_SKIP }, () => {
  const etcd = useEtcd();

  const contender = async (namespace: string, id: string) => {
    const client = await createEtcdClient([etcd.endpoint]);
    const election = new LeaderElection(client, { namespace, ttlSeconds: 2, candidate: { id, control: `127.0.0.1:${id.length}`, rest: `127.0.0.1:80${id.length}` } });
    const store = new JobStore(client, namespace, { assertLeader: (a) => election.assertLeader(a), onFenced: (r) => election.stepDown(r) });
    const events: string[] = [];
    election.on({ elected: () => events.push('elected'), lost: (r) => events.push(`lost: ${r}`) });
    return { client, election, store, events, close: async () => { await election.close(); client.close(); } };
  };

  test('one of two contenders leads; on resign the other leads and the watch follows, epochs grow', async () => {
    const ns = freshNamespace('resign');
    const a = await contender(ns, 'jm-a');
    const b = await contender(ns, 'jm-b');
    const seen: (LeaderInfo | undefined)[] = [];
    const watch = await LeaderWatch.start(a.client, ns, (l) => seen.push(l));
    try {
      const tokenA = await a.election.campaign();
      const bElected = b.election.campaign();
      // b waits behind a: give it time to register its key, then check it did not take over.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(a.election.isLeader(), true);
      assert.equal(b.election.isLeader(), false);
      assert.equal(b.election.state, 'campaigning');
      assert.deepEqual((await currentLeader(b.client, ns))?.address, { id: 'jm-a', control: '127.0.0.1:4', rest: '127.0.0.1:804' });
      await a.election.resign();
      assert.deepEqual(a.events, ['elected', 'lost: resigned']);
      const tokenB = await bElected;
      assert.equal(b.election.isLeader(), true);
      assert.ok(BigInt(tokenB.revision) > BigInt(tokenA.revision), 'a later leader has a larger epoch');
      assert.equal((await currentLeader(a.client, ns))?.address.id, 'jm-b');
      await waitUntil(() => seen.at(-1)?.address.id === 'jm-b');
      assert.deepEqual(seen.map((l) => l?.address.id), [undefined, 'jm-a', 'jm-b']);
      assert.throws(() => a.election.assertLeader('deploy tasks'), { code: 'WEIR_HA_NOT_LEADER', message: /jm-a is not the JobManager leader .*deploy tasks/ });
    } finally {
      await watch.close();
      await a.close();
      await b.close();
    }
  });

  test('the job store: only the leader writes; a write fenced with a revoked lease is refused and leaves the pointer unchanged', async () => {
    const ns = freshNamespace('store');
    const a = await contender(ns, 'jm-a');
    const b = await contender(ns, 'jm-b');
    try {
      const tokenA: FencingToken = await a.election.campaign();
      await a.store.putJob({ jobId: 'j1', name: 'sequence', bundle: { hash: 'f'.repeat(64), path: '/shared/blobs/x.mjs' }, submission: { args: ['--n', '10'] }, submittedAt: 1 });
      await a.store.commitCheckpoint('j1', { id: 3, kind: 'checkpoint', path: '/shared/j1/chk-3', completedAt: 2 });
      await a.store.recordFinishedRegion('j1', 'region-0', { parts: 2 });
      await assert.rejects(a.store.commitCheckpoint('j1', { id: 2, kind: 'checkpoint', path: '/shared/j1/chk-2', completedAt: 3 }), /not newer than the stored checkpoint 3/);
      // A standby cannot write.
      const bElected = b.election.campaign();
      await assert.rejects(b.store.commitCheckpoint('j1', { id: 4, kind: 'checkpoint', path: 'x', completedAt: 4 }), { code: 'WEIR_HA_NOT_LEADER' });
      await a.election.resign();
      await bElected;
      // a's old token no longer passes etcd's condition, even bypassing the local check.
      const stale = a.store.fencedWrite(tokenA, 'commit checkpoint 9 of job j1', [a.client.put(`${ns}jobs/j1/checkpoint`).value('{"id":9}')]);
      await assert.rejects(stale, { code: 'WEIR_HA_NOT_LEADER', message: /leader key of epoch \d+ is gone/ });
      const job = await b.store.getJob('j1');
      assert.equal(job?.checkpoint?.id, 3);
      assert.equal(job?.checkpoint?.epoch, tokenA.revision);
      assert.equal(job?.status, 'RUNNING');
      assert.deepEqual(job?.finishedRegions.map((r) => r.region), ['region-0']);
      assert.deepEqual(job?.submission.submission, { args: ['--n', '10'] });
      // The new leader continues the operation log and the pointer.
      await b.store.recordFinishedRegion('j1', 'region-1');
      await b.store.commitCheckpoint('j1', { id: 4, kind: 'savepoint', path: '/shared/sp-4', completedAt: 5 });
      await b.store.setStatus('j1', 'FINISHED');
      const after = await a.store.getJob('j1');
      assert.deepEqual(after?.finishedRegions.map((r) => r.region), ['region-0', 'region-1']);
      assert.equal(after?.checkpoint?.id, 4);
      assert.equal(after?.status, 'FINISHED');
      await b.store.removeJob('j1');
      assert.deepEqual(await a.store.jobs(), []);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
