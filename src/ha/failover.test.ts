// JobManager contenders as real processes on a real etcd: kill -9 of the leader, a leader paused past its lease, the job store across leaders.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createEtcdClient } from './ha-services.ts';
import { JobStore } from './job-store.ts';
import { ETCD_SKIP, freshNamespace, useEtcd } from './test-fixtures/etcd.ts';
import type { FencingToken, StoredJob } from './types.ts';

const TTL = 2;
const CONTENDER = join(import.meta.dirname, 'test-fixtures', 'contender.ts');

interface Event {
  readonly event: string;
  readonly token?: FencingToken;
  readonly reason?: string;
  readonly cmd?: string;
  readonly ok?: boolean;
  readonly value?: unknown;
  readonly error?: string;
  readonly code?: string;
  readonly at: number;
}

class Contender {
  readonly child: ChildProcess;
  readonly events: Event[] = [];
  #waiters: (() => void)[] = [];
  #stderr = '';

  constructor(endpoint: string, namespace: string, readonly id: string) {
    this.child = spawn(process.execPath, ['--import', 'tsx', CONTENDER, endpoint, namespace, id, String(TTL)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let buffered = '';
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buffered += d;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        this.events.push({ ...(JSON.parse(line) as Omit<Event, 'at'>), at: Date.now() });
        for (const w of this.#waiters.splice(0)) w();
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => { this.#stderr += d; });
  }

  /** The first event (from index `from`) that matches, waiting up to `timeoutMs`. */
  async next(match: (e: Event) => boolean, timeoutMs = 60_000, from = 0): Promise<Event> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const found = this.events.slice(from).find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`${this.id}: no matching event within ${timeoutMs} ms; events ${JSON.stringify(this.events)}; stderr ${this.#stderr.slice(-1500)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 100);
        this.#waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  /** Sends a command and waits for its result. */
  async run(command: string, timeoutMs = 30_000): Promise<Event> {
    const from = this.events.length;
    this.child.stdin!.write(`${command}\n`);
    return this.next((e) => e.event === 'result', timeoutMs, from);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** Both started at once (one process start-up instead of two in a row): whichever is elected first leads, the other must be waiting. */
async function leaderAndStandby(x: Contender, y: Contender): Promise<[Contender, Contender]> {
  // One poll over both (start-up under a loaded machine can take many seconds): no dangling waits.
  const elected = (c: Contender): boolean => c.events.some((e) => e.event === 'elected');
  const deadline = Date.now() + 60_000;
  while (!elected(x) && !elected(y)) {
    if (Date.now() > deadline) throw new Error(`no contender was elected within 60 s: ${JSON.stringify([x.events, y.events])}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const first = elected(x) ? x : y;
  const other = first === x ? y : x;
  await other.next((e) => e.event === 'started');
  assert.equal((await other.run('jobs')).ok, true);
  assert.equal(other.events.some((e) => e.event === 'elected'), false, 'only one contender leads');
  return [first, other];
}

describe('JobManager failover on etcd (contenders as processes)', { skip: ETCD_SKIP }, () => {
  const etcd = useEtcd();

  const withContenders = async (label: string, body: (ns: string, start: (id: string) => Contender, store: JobStore) => Promise<void>): Promise<void> => {
    const ns = freshNamespace(label);
    const started: Contender[] = [];
    // The test's own reader of the store: never leads, so it only reads.
    const client = await createEtcdClient([etcd.endpoint]);
    const reader = new JobStore(client, ns, { assertLeader: () => { throw new Error('the test reader never writes'); }, onFenced: () => undefined });
    try {
      await body(ns, (id) => { const c = new Contender(etcd.endpoint, ns, id); started.push(c); return c; }, reader);
    } finally {
      for (const c of started) {
        c.child.kill('SIGCONT');
        c.kill();
      }
      client.close();
    }
  };

  test('kill -9 of the leader: the standby leads within the TTL and sees the job, its checkpoint pointer and its operation log', async () => {
    await withContenders('kill', async (_ns, start, store) => {
      const [a, b] = await leaderAndStandby(start('jm-a'), start('jm-b'));
      const tokenA = a.events.find((e) => e.event === 'elected')!.token!;
      assert.equal((await a.run('put-job j1')).ok, true);
      assert.equal((await a.run('commit j1 5')).ok, true);
      assert.equal((await a.run('region j1 stage-0')).ok, true);
      // b is a standby: it may not write.
      const refused = await b.run('commit j1 6');
      assert.equal(refused.ok, false);
      assert.equal(refused.code, 'WEIR_HA_NOT_LEADER');

      const killedAt = Date.now();
      a.child.kill('SIGKILL');
      const elected = await b.next((e) => e.event === 'elected', 30_000);
      const takeoverMs = elected.at - killedAt;
      assert.ok(BigInt(elected.token!.revision) > BigInt(tokenA.revision));
      // The lease TTL plus etcd's expiry sweep (500 ms), with a wide margin for a loaded machine (the issue asks for 10 s).
      assert.ok(takeoverMs < 10_000, `takeover took ${takeoverMs} ms`);
      process.stdout.write(`# takeover after kill -9: ${takeoverMs} ms (TTL ${TTL} s)\n`);

      const jobs = (await b.run('jobs')).value as StoredJob[];
      assert.equal(jobs.length, 1);
      assert.equal(jobs[0]!.submission.jobId, 'j1');
      assert.equal(jobs[0]!.checkpoint?.id, 5);
      assert.deepEqual(jobs[0]!.finishedRegions.map((r) => r.region), ['stage-0']);
      // The operation log goes on under the new leader.
      assert.equal((await b.run('region j1 stage-1')).ok, true);
      assert.equal((await b.run('commit j1 6')).ok, true);
      const after = await store.getJob('j1');
      assert.deepEqual(after?.finishedRegions.map((r) => [r.region, r.epoch]), [['stage-0', tokenA.revision], ['stage-1', elected.token!.revision]]);
      assert.equal(after?.checkpoint?.id, 6);
    });
  });

  test('a leader paused past its lease (SIGSTOP, SIGCONT) steps down and its pending checkpoint-pointer writes are refused', async () => {
    await withContenders('pause', async (_ns, start, store) => {
      const [a, b] = await leaderAndStandby(start('jm-a'), start('jm-b'));
      const tokenA = a.events.find((e) => e.event === 'elected')!.token!;
      assert.equal((await a.run('put-job j1')).ok, true);
      assert.equal((await a.run('commit j1 1')).ok, true);

      a.child.kill('SIGSTOP');
      const elected = await b.next((e) => e.event === 'elected', 30_000);
      // Both writes reach a's stdin while it is stopped: they are pending when it wakes up.
      const from = a.events.length;
      a.child.stdin!.write('commit j1 2\ncommit-stale j1 3\n');
      a.child.kill('SIGCONT');

      const lost = await a.next((e) => e.event === 'lost', 30_000, from);
      assert.match(lost.reason!, /lease/);
      const normal = await a.next((e) => e.event === 'result' && e.cmd === 'commit', 30_000, from);
      assert.equal(normal.ok, false, 'the checked write is refused');
      assert.equal(normal.code, 'WEIR_HA_NOT_LEADER');
      const stale = await a.next((e) => e.event === 'result' && e.cmd === 'commit-stale', 30_000, from);
      assert.equal(stale.ok, false, 'etcd refuses a write fenced with the stale token');
      assert.match(stale.error!, new RegExp(`leader key of epoch ${tokenA.revision} is gone`));

      const pointer = await store.latestCheckpoint('j1');
      assert.equal(pointer?.id, 1, 'the stored pointer is unchanged');
      assert.equal(pointer?.epoch, tokenA.revision);
      // Only b leads, and b can write.
      assert.equal(a.events.filter((e) => e.event === 'elected').length, 1);
      assert.equal((await b.run('commit j1 2')).ok, true);
      assert.equal((await store.latestCheckpoint('j1'))?.epoch, elected.token!.revision);
    });
  });
});
