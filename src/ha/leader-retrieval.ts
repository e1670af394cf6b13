// Finding the current JobManager leader through etcd: what TaskManagers and clients use with `--ha etcd`.

import type { Etcd3, Watcher } from 'etcd3';
import { leaderPrefix } from './leader-election.ts';
import type { LeaderAddress } from './types.ts';

/** The leader as read from etcd: its address and its epoch (the election key's create revision). */
export interface LeaderInfo {
  readonly address: LeaderAddress;
  readonly epoch: string;
}

/** The current leader, or undefined when nobody leads (between a leader's death and its successor). */
export async function currentLeader(client: Etcd3, namespace: string): Promise<LeaderInfo | undefined> {
  const result = await client.getAll().prefix(leaderPrefix(namespace)).sort('Create', 'Ascend').limit(1).exec();
  const kv = result.kvs[0];
  return kv === undefined ? undefined : { address: JSON.parse(kv.value.toString()) as LeaderAddress, epoch: kv.create_revision };
}

/**
 * Watches the election and calls `onChange` with each new leader (undefined while there is
 * none), starting with the current one. `close()` stops it. A broken watch is re-created by the
 * etcd3 client; the leader is read again after every event, so a missed intermediate leader
 * does not matter — only the newest is reported.
 */
export class LeaderWatch {
  readonly #client: Etcd3;
  readonly #namespace: string;
  readonly #onChange: (leader: LeaderInfo | undefined) => void;
  #watcher: Watcher | undefined;
  #closed = false;
  #last: string | undefined = '';
  #reading: Promise<void> = Promise.resolve();

  private constructor(client: Etcd3, namespace: string, onChange: (leader: LeaderInfo | undefined) => void) {
    this.#client = client;
    this.#namespace = namespace;
    this.#onChange = onChange;
  }

  static async start(client: Etcd3, namespace: string, onChange: (leader: LeaderInfo | undefined) => void): Promise<LeaderWatch> {
    const watch = new LeaderWatch(client, namespace, onChange);
    watch.#watcher = await client.watch().prefix(leaderPrefix(namespace)).create();
    watch.#watcher.on('data', () => watch.#refresh());
    watch.#watcher.on('connected', () => watch.#refresh());
    await watch.#refresh();
    return watch;
  }

  #refresh(): Promise<void> {
    this.#reading = this.#reading.then(async () => {
      if (this.#closed) return;
      let leader: LeaderInfo | undefined;
      try {
        leader = await currentLeader(this.#client, this.#namespace);
      } catch {
        return; // etcd unreachable: the watch reconnects and refreshes again
      }
      const id = leader === undefined ? undefined : `${leader.epoch}:${JSON.stringify(leader.address)}`;
      if (this.#closed || id === this.#last) return;
      this.#last = id;
      this.#onChange(leader);
    });
    return this.#reading;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#watcher?.cancel().catch(() => undefined);
  }
}

/** Waits until some JobManager leads (or rejects after `timeoutMs`, naming the namespace). */
export async function awaitLeader(client: Etcd3, namespace: string, timeoutMs: number): Promise<LeaderInfo> {
  let found!: (leader: LeaderInfo) => void;
  const leader = new Promise<LeaderInfo>((resolve) => { found = resolve; });
  const watch = await LeaderWatch.start(client, namespace, (l) => { if (l !== undefined) found(l); });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no JobManager leader under ${namespace} in etcd within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([leader, timeout]);
  } finally {
    clearTimeout(timer);
    await watch.close();
  }
}
