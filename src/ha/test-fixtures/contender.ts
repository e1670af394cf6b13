// A JobManager contender in its own process, for the failover tests: campaigns on etcd, prints events as JSON lines, takes commands on stdin.
//
// argv: <endpoint> <namespace> <id> <ttlSeconds>
// stdout events: {"event":"elected","token":…} {"event":"lost","reason":…} {"event":"result","cmd":…,"ok":…,"value"|"error":…}
// stdin commands (one per line): put-job <job> | commit <job> <id> | commit-stale <job> <id> | region <job> <name> | jobs | exit
// `commit-stale` writes with the last token this process held, skipping the local leadership
// check, so the test sees etcd's fencing condition itself refuse a stale leader.

import { createInterface } from 'node:readline';
import { createEtcdClient } from '../ha-services.ts';
import { JobStore } from '../job-store.ts';
import { LeaderElection } from '../leader-election.ts';
import type { FencingToken } from '../types.ts';

const [endpoint, namespace, id, ttl] = process.argv.slice(2);
if (endpoint === undefined || namespace === undefined || id === undefined || ttl === undefined) throw new Error('usage: contender <endpoint> <namespace> <id> <ttl>');

const emit = (event: Record<string, unknown>): void => { process.stdout.write(`${JSON.stringify(event)}\n`); };
const client = await createEtcdClient([endpoint]);
const election = new LeaderElection(client, { namespace, ttlSeconds: Number(ttl), candidate: { id, control: `127.0.0.1:${process.pid}` } });
const store = new JobStore(client, namespace, { assertLeader: (a) => election.assertLeader(a), onFenced: (r) => election.stepDown(r) });
let lastToken: FencingToken | undefined;
election.on({
  elected: (token) => { lastToken = token; emit({ event: 'elected', token }); },
  lost: (reason) => emit({ event: 'lost', reason }),
});
void election.campaign().catch(() => undefined);
emit({ event: 'started', pid: process.pid });

const run = async (words: string[]): Promise<unknown> => {
  const [cmd, job = 'job', arg = ''] = words;
  switch (cmd) {
    case 'put-job':
      return store.putJob({ jobId: job, name: job, bundle: { hash: 'ab'.repeat(32), path: `/shared/blobs/${'ab'.repeat(32)}.mjs` }, submission: { args: [] }, submittedAt: Date.now() });
    case 'commit':
      return store.commitCheckpoint(job, { id: Number(arg), kind: 'checkpoint', path: `/shared/${job}/chk-${arg}`, completedAt: Date.now() });
    case 'commit-stale': {
      if (lastToken === undefined) throw new Error('never led');
      const key = `${namespace}jobs/${job}/checkpoint`;
      return store.fencedWrite(lastToken, `commit checkpoint ${arg} of job ${job}`, [client.put(key).value(JSON.stringify({ id: Number(arg), kind: 'checkpoint', path: 'stale', completedAt: Date.now(), epoch: lastToken.revision }))]);
    }
    case 'region':
      return store.recordFinishedRegion(job, arg);
    case 'jobs':
      return store.jobs();
    case 'exit':
      await election.close();
      client.close();
      process.exit(0);
    default:
      throw new Error(`unknown command ${cmd}`);
  }
};

for await (const line of createInterface({ input: process.stdin })) {
  const words = line.trim().split(/\s+/);
  try {
    emit({ event: 'result', cmd: words[0], ok: true, value: await run(words) });
  } catch (error) {
    emit({ event: 'result', cmd: words[0], ok: false, error: String((error as Error).message), code: (error as { code?: string }).code });
  }
}
