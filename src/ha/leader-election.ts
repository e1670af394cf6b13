// Leader election on an etcd lease: campaign, step down at once when the lease may be gone, resign.
//
// The algorithm is etcd's own (the Go client's `concurrency.Election`): each contender puts a
// key `<ns>leader/<lease id>` bound to its lease; the key with the lowest create revision leads;
// a contender waits for the deletion of the next-older key until none is left. The create
// revision of the leader's key is its fencing token and epoch (`types.ts`).
//
// Why not the `etcd3` package's `Election`: its lease reports a loss only after 2 × TTL without
// an answer, and it hides the key's revision. A leader must stop acting the moment its lease may
// have expired on the server, so this file keeps the lease itself: each keep-alive's send time
// plus the TTL the server granted in its answer is a conservative local deadline (the server
// extended the lease *after* we sent), checked on a monotonic clock by `isLeader()` before every
// leader-only action and by a watchdog timer. A process paused past its lease (SIGSTOP, a long
// GC, a frozen VM) finds the deadline passed on its first instruction after the pause and steps
// down before it reads any pending message; etcd's fencing condition refuses whatever write
// slipped through between the check and the pause.

import { performance } from 'node:perf_hooks';
import type { Etcd3, IKeyValue, ILeaseKeepAliveRequest, ILeaseKeepAliveResponse, IDuplexStream, Watcher } from 'etcd3';
import { NotLeaderError, type FencingToken, type LeaderAddress } from './types.ts';

export interface LeaderElectionOptions {
  /** Key prefix of this cluster, ending in `/` (e.g. `/weir/default/`). */
  readonly namespace: string;
  /** Lease time-to-live in seconds (etcd's minimum is about 1.5 s with its default timings). */
  readonly ttlSeconds: number;
  /** What this contender publishes when it leads. */
  readonly candidate: LeaderAddress;
  /** Pause between campaign attempts after an error (ms). */
  readonly retryDelayMs?: number;
}

export interface LeadershipListener {
  /** This process now leads; every leader-only write carries `token`. */
  elected?(token: FencingToken): void;
  /** This process stopped leading (lease expired or revoked, a fenced write refused, resign): stop issuing commands now. */
  lost?(reason: string): void;
}

export type ElectionState = 'idle' | 'campaigning' | 'leader' | 'closed';

/** The election key prefix under a cluster namespace. */
export function leaderPrefix(namespace: string): string {
  return `${namespace}leader/`;
}

export class LeaderElection {
  readonly #client: Etcd3;
  readonly #options: LeaderElectionOptions;
  readonly #listeners = new Set<LeadershipListener>();
  #state: ElectionState = 'idle';
  #lease: LeaseKeeper | undefined;
  #token: FencingToken | undefined;
  #campaign: Promise<FencingToken> | undefined;

  constructor(client: Etcd3, options: LeaderElectionOptions) {
    if (!(options.ttlSeconds >= 1) || !Number.isInteger(options.ttlSeconds)) {
      throw new RangeError(`HA lease TTL must be a whole number of seconds ≥ 1, got ${options.ttlSeconds}`);
    }
    if (!options.namespace.endsWith('/')) throw new RangeError(`HA namespace must end with '/', got ${JSON.stringify(options.namespace)}`);
    this.#client = client;
    this.#options = options;
  }

  get state(): ElectionState {
    return this.#state;
  }

  /** Subscribes to elected/lost; returns the unsubscribe function. */
  on(listener: LeadershipListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Leading now: elected, not stepped down, and the lease certainly still alive on the server. */
  isLeader(): boolean {
    if (this.#state !== 'leader') return false;
    if (this.#lease === undefined || !this.#lease.alive()) {
      this.stepDown('the lease may have expired (no keep-alive answer within its TTL)');
      return false;
    }
    return true;
  }

  /** The token of the current leadership, or a NotLeaderError naming `action`. */
  assertLeader(action: string): FencingToken {
    if (!this.isLeader() || this.#token === undefined) {
      throw new NotLeaderError(`${this.#options.candidate.id} is not the JobManager leader (${this.#state}); refusing to ${action}`);
    }
    return this.#token;
  }

  /** The token of the current leadership (undefined when not leading); prefer `assertLeader` before acting. */
  get token(): FencingToken | undefined {
    return this.#state === 'leader' ? this.#token : undefined;
  }

  /**
   * Campaigns until elected (resolves with the fencing token), retrying after etcd errors and
   * lost leases; rejects when `resign()` or `close()` ends the campaign first.
   */
  campaign(): Promise<FencingToken> {
    if (this.#state === 'closed') return Promise.reject(new NotLeaderError('the election is closed'));
    if (this.#state === 'leader' && this.#token !== undefined) return Promise.resolve(this.#token);
    if (this.#campaign === undefined) {
      this.#state = 'campaigning';
      this.#campaign = this.#run().finally(() => { this.#campaign = undefined; });
    }
    return this.#campaign;
  }

  async #run(): Promise<FencingToken> {
    const retryDelay = this.#options.retryDelayMs ?? Math.min(1000, this.#options.ttlSeconds * 250);
    while (this.#state === 'campaigning') {
      const lease = new LeaseKeeper(this.#client, this.#options.ttlSeconds, (reason) => this.#leaseLost(lease, reason));
      this.#lease = lease;
      try {
        const leaseId = await lease.grant();
        const key = `${leaderPrefix(this.#options.namespace)}${BigInt(leaseId).toString(16)}`;
        const result = await this.#client
          .if(key, 'Create', '==', 0)
          .then(this.#client.put(key).value(JSON.stringify(this.#options.candidate)).lease(leaseId))
          .else(this.#client.get(key))
          .commit();
        const revision = result.succeeded ? result.header.revision : result.responses[0]!.response_range.kvs[0]!.create_revision;
        await this.#waitForPredecessors(revision, lease);
        if (this.#state !== 'campaigning' || this.#lease !== lease || !lease.alive()) throw new Error('the lease ended while campaigning');
        const token: FencingToken = { leaderKey: key, revision, leaseId };
        this.#token = token;
        this.#state = 'leader';
        for (const l of [...this.#listeners]) l.elected?.(token);
        return token;
      } catch (error) {
        lease.dispose();
        if (this.#lease === lease) this.#lease = undefined;
        if (this.#state !== 'campaigning') throw new NotLeaderError(`the campaign of ${this.#options.candidate.id} ended (${this.#state})`, error);
        await sleep(retryDelay);
      }
    }
    throw new NotLeaderError(`the campaign of ${this.#options.candidate.id} ended (${this.#state})`);
  }

  /** Resolves once no contender key older than `revision` is left; rejects when the lease ends. */
  async #waitForPredecessors(revision: string, lease: LeaseKeeper): Promise<void> {
    const prefix = leaderPrefix(this.#options.namespace);
    while (true) {
      const older = await this.#client
        .getAll()
        .prefix(prefix)
        .maxCreateRevision((BigInt(revision) - 1n).toString())
        .sort('Create', 'Descend')
        .limit(1)
        .exec();
      const predecessor: IKeyValue | undefined = older.kvs[0];
      if (predecessor === undefined) return;
      await this.#waitForDelete(predecessor.key, older.header.revision, lease);
    }
  }

  async #waitForDelete(key: Buffer, fromRevision: string, lease: LeaseKeeper): Promise<void> {
    const watcher: Watcher = await this.#client.watch().key(key).startRevision(fromRevision).only('delete').create();
    try {
      await new Promise<void>((resolve, reject) => {
        watcher.once('delete', () => resolve());
        watcher.once('error', reject);
        lease.onEnd(() => reject(new Error('the lease ended while waiting for the leader before us')));
      });
    } finally {
      await watcher.cancel().catch(() => undefined);
    }
  }

  #leaseLost(lease: LeaseKeeper, reason: string): void {
    if (this.#lease !== lease) return;
    if (this.#state === 'leader') this.stepDown(reason);
    // While campaigning, the campaign loop sees the ended lease and starts over.
  }

  /**
   * Stops leading at once (idempotent): listeners hear `lost` synchronously, the lease is
   * revoked in the background so a successor need not wait for its TTL. Called when the lease
   * may be gone and when a fenced write was refused.
   */
  stepDown(reason: string): void {
    if (this.#state !== 'leader') return;
    this.#state = 'idle';
    this.#token = undefined;
    const lease = this.#lease;
    this.#lease = undefined;
    if (lease !== undefined) void lease.revoke();
    for (const l of [...this.#listeners]) l.lost?.(reason);
  }

  /** Gives up leadership or the campaign; a successor is elected without waiting for the TTL. */
  async resign(): Promise<void> {
    const wasLeader = this.#state === 'leader';
    if (this.#state !== 'closed') this.#state = 'idle';
    this.#token = undefined;
    const lease = this.#lease;
    this.#lease = undefined;
    if (lease !== undefined) await lease.revoke();
    if (wasLeader) for (const l of [...this.#listeners]) l.lost?.('resigned');
  }

  /** Resigns and ends this election object for good (the client stays open: it is the caller's). */
  async close(): Promise<void> {
    await this.resign();
    this.#state = 'closed';
    this.#listeners.clear();
  }
}

/**
 * One etcd lease kept alive by this process, with the local deadline before which it is
 * certainly still alive on the server. Keep-alives go out every TTL/3 on one stream; answers
 * come back in request order, so each answer is matched with its request's send time.
 */
class LeaseKeeper {
  readonly #client: Etcd3;
  readonly #ttl: number;
  readonly #onLost: (reason: string) => void;
  #id: string | undefined;
  #deadline = 0;
  #ended = false;
  #stream: IDuplexStream<ILeaseKeepAliveRequest, ILeaseKeepAliveResponse> | undefined;
  #sent: number[] = [];
  #timer: NodeJS.Timeout | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  readonly #endCallbacks: (() => void)[] = [];

  constructor(client: Etcd3, ttlSeconds: number, onLost: (reason: string) => void) {
    this.#client = client;
    this.#ttl = ttlSeconds;
    this.#onLost = onLost;
  }

  async grant(): Promise<string> {
    const sentAt = performance.now();
    const granted = await this.#client.leaseClient.leaseGrant({ TTL: this.#ttl }, { deadline: Date.now() + this.#ttl * 1000 });
    if (this.#ended) {
      void this.#client.leaseClient.leaseRevoke({ ID: granted.ID }).catch(() => undefined);
      throw new Error('the lease was disposed while being granted');
    }
    this.#id = granted.ID;
    this.#deadline = sentAt + Number(granted.TTL) * 1000;
    this.#timer = setInterval(() => this.#keepAlive(), Math.max(100, (this.#ttl * 1000) / 3));
    this.#watchdog = setInterval(() => { if (!this.alive()) this.#end('the lease may have expired (no keep-alive answer within its TTL)'); }, Math.max(50, Math.min(250, this.#ttl * 50)));
    return granted.ID;
  }

  /** Certainly alive on the server now (monotonic clock against the last answered keep-alive). */
  alive(): boolean {
    return !this.#ended && this.#id !== undefined && performance.now() < this.#deadline;
  }

  onEnd(callback: () => void): void {
    if (this.#ended) callback();
    else this.#endCallbacks.push(callback);
  }

  #keepAlive(): void {
    if (this.#ended || this.#id === undefined) return;
    if (!this.alive()) {
      this.#end('the lease may have expired (no keep-alive answer within its TTL)');
      return;
    }
    if (this.#stream === undefined) {
      this.#sent = [];
      const opening = this.#client.leaseClient.leaseKeepAlive();
      opening.then((stream) => {
        if (this.#ended) { stream.end(); return; }
        this.#stream = stream;
        stream.on('data', (res: ILeaseKeepAliveResponse) => this.#answer(res));
        stream.on('error', () => { if (this.#stream === stream) this.#stream = undefined; });
        stream.on('end', () => { if (this.#stream === stream) this.#stream = undefined; });
        this.#send(stream);
      }, () => { /* etcd unreachable: the next tick retries; the watchdog ends the lease at its deadline */ });
      return;
    }
    this.#send(this.#stream);
  }

  #send(stream: IDuplexStream<ILeaseKeepAliveRequest, ILeaseKeepAliveResponse>): void {
    this.#sent.push(performance.now());
    stream.write({ ID: this.#id! });
  }

  #answer(res: ILeaseKeepAliveResponse): void {
    const sentAt = this.#sent.shift();
    if (this.#ended) return;
    if (!(Number(res.TTL) > 0)) {
      this.#end('etcd says the lease expired');
      return;
    }
    if (sentAt !== undefined) this.#deadline = Math.max(this.#deadline, sentAt + Number(res.TTL) * 1000);
  }

  #end(reason: string): void {
    if (this.#ended) return;
    this.dispose();
    this.#onLost(reason);
  }

  /** Stops keeping the lease alive (it expires by itself on the server). */
  dispose(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearInterval(this.#timer);
    clearInterval(this.#watchdog);
    this.#stream?.end();
    this.#stream = undefined;
    for (const cb of this.#endCallbacks.splice(0)) cb();
  }

  /** Stops keeping it alive and revokes it, so its keys vanish now rather than at the TTL. */
  async revoke(): Promise<void> {
    const id = this.#id;
    this.dispose();
    if (id === undefined) return;
    await this.#client.leaseClient.leaseRevoke({ ID: id }, { deadline: Date.now() + 2000 }).catch(() => undefined);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
