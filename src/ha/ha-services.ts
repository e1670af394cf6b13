// What a JobManager process and its peers get from HA: leadership, the job store, leader discovery — on etcd, or a no-HA default.

import type { Etcd3 } from 'etcd3';
import type { CompletionGate } from '../coordinator/checkpoint-coordinator.ts';
import { haNamespace, type HaConfig } from './ha-config.ts';
import { JobStore } from './job-store.ts';
import { LeaderElection } from './leader-election.ts';
import { currentLeader, LeaderWatch, type LeaderInfo } from './leader-retrieval.ts';
import { NotLeaderError, type FencingToken, type LeaderAddress } from './types.ts';

/**
 * The JobManager's side. Without HA (`StandaloneHaServices`) the process leads from the start
 * and never loses it, and there is no job store; with etcd it leads only once elected and must
 * stop issuing commands the moment `onLost` fires.
 */
export interface HaServices {
  readonly mode: 'none' | 'etcd';
  /** Competes for leadership; resolves with the fencing token (undefined without HA) once this process leads. */
  awaitLeadership(): Promise<FencingToken | undefined>;
  /** Leading right now (checked against the lease deadline): call before each leader-only action. */
  isLeader(): boolean;
  /** The current token, or NotLeaderError naming `action`. */
  assertLeader(action: string): FencingToken | undefined;
  /** `listener` hears, synchronously, that this process stopped leading. Returns the unsubscribe function. */
  onLost(listener: (reason: string) => void): () => void;
  /** The jobs the leader keeps durable; undefined without HA. */
  readonly jobStore: JobStore | undefined;
  /** Who leads now (this process or another), for a standby's answer to a TaskManager or client. */
  leader(): Promise<LeaderInfo | undefined>;
  /** What a job's CheckpointCoordinator completes points through: undefined without HA (every point completes). */
  completionGate(jobId: string): CompletionGate | undefined;
  /** Gives up leadership (a successor takes over at once) and closes connections. */
  close(): Promise<void>;
}

export class StandaloneHaServices implements HaServices {
  readonly mode = 'none' as const;
  readonly jobStore = undefined;
  readonly #address: LeaderAddress;
  constructor(address: LeaderAddress) {
    this.#address = address;
  }
  awaitLeadership(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
  isLeader(): boolean {
    return true;
  }
  assertLeader(): undefined {
    return undefined;
  }
  onLost(): () => void {
    return () => undefined;
  }
  leader(): Promise<LeaderInfo> {
    return Promise.resolve({ address: this.#address, epoch: '0' });
  }
  completionGate(): undefined {
    return undefined;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

export class EtcdHaServices implements HaServices {
  readonly mode = 'etcd' as const;
  readonly client: Etcd3;
  readonly namespace: string;
  readonly election: LeaderElection;
  readonly jobStore: JobStore;

  /** Connects lazily: the etcd client is loaded only by processes that use HA (see `createEtcdClient`). */
  static async connect(config: Extract<HaConfig, { mode: 'etcd' }>, candidate: LeaderAddress): Promise<EtcdHaServices> {
    return new EtcdHaServices(await createEtcdClient(config.endpoints), config, candidate);
  }

  constructor(client: Etcd3, config: Extract<HaConfig, { mode: 'etcd' }>, candidate: LeaderAddress) {
    this.client = client;
    this.namespace = haNamespace(config.clusterId);
    this.election = new LeaderElection(this.client, { namespace: this.namespace, ttlSeconds: config.leaseTtlSeconds, candidate });
    this.jobStore = new JobStore(this.client, this.namespace, {
      assertLeader: (action) => this.election.assertLeader(action),
      onFenced: (reason) => this.election.stepDown(reason),
    });
  }

  awaitLeadership(): Promise<FencingToken> {
    return this.election.campaign();
  }
  isLeader(): boolean {
    return this.election.isLeader();
  }
  assertLeader(action: string): FencingToken {
    return this.election.assertLeader(action);
  }
  onLost(listener: (reason: string) => void): () => void {
    return this.election.on({ lost: listener });
  }
  leader(): Promise<LeaderInfo | undefined> {
    return currentLeader(this.client, this.namespace);
  }
  /** Points complete only while this process leads, each one committed as the job's pointer in etcd under the fencing condition. */
  completionGate(jobId: string): CompletionGate {
    return {
      check: (action) => { this.election.assertLeader(`${action} of job ${jobId}`); },
      commit: (point) => this.jobStore.commitCheckpoint(jobId, { ...point, completedAt: Date.now() }),
    };
  }
  async close(): Promise<void> {
    await this.election.close();
    this.client.close();
  }
}

/** The side of TaskManagers and clients: where the leader is now, and each change. */
export interface LeaderRetrieval {
  /** The leader now, waiting up to `timeoutMs` while nobody leads. */
  current(timeoutMs: number): Promise<LeaderInfo>;
  /** Calls `onChange` with each new leader (undefined while none); returns the stop function. */
  watch(onChange: (leader: LeaderInfo | undefined) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export class FixedLeaderRetrieval implements LeaderRetrieval {
  readonly #leader: LeaderInfo;
  constructor(control: string) {
    this.#leader = { address: { id: control, control }, epoch: '0' };
  }
  current(): Promise<LeaderInfo> {
    return Promise.resolve(this.#leader);
  }
  async watch(onChange: (leader: LeaderInfo | undefined) => void): Promise<() => Promise<void>> {
    onChange(this.#leader);
    return async () => undefined;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

export class EtcdLeaderRetrieval implements LeaderRetrieval {
  readonly #client: Etcd3;
  readonly #namespace: string;
  static async connect(config: Extract<HaConfig, { mode: 'etcd' }>): Promise<EtcdLeaderRetrieval> {
    return new EtcdLeaderRetrieval(await createEtcdClient(config.endpoints), config);
  }
  constructor(client: Etcd3, config: Extract<HaConfig, { mode: 'etcd' }>) {
    this.#client = client;
    this.#namespace = haNamespace(config.clusterId);
  }
  async current(timeoutMs: number): Promise<LeaderInfo> {
    let found!: (leader: LeaderInfo) => void;
    const leader = new Promise<LeaderInfo>((resolve) => { found = resolve; });
    const stop = await this.watch((l) => { if (l !== undefined) found(l); });
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        leader,
        new Promise<never>((_r, reject) => {
          timer = setTimeout(() => reject(new NotLeaderError(`no JobManager leads cluster ${this.#namespace} (etcd) after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      await stop();
    }
  }
  async watch(onChange: (leader: LeaderInfo | undefined) => void): Promise<() => Promise<void>> {
    const w = await LeaderWatch.start(this.#client, this.#namespace, onChange);
    return () => w.close();
  }
  async close(): Promise<void> {
    this.#client.close();
  }
}

/**
 * An etcd client whose unary calls time out (5 s) instead of hanging while etcd is unreachable.
 * `etcd3` is imported here, on first use, and is external to the job bundle (bin/weir): it
 * loads its gRPC definitions from its own directory, and processes without HA — every worker
 * thread, every TaskManager importing a job bundle from its cache — never load it.
 */
export async function createEtcdClient(endpoints: readonly string[]): Promise<Etcd3> {
  const { Etcd3 } = await import('etcd3');
  return new Etcd3({
    hosts: [...endpoints],
    dialTimeout: 3000,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + 5000 }),
  });
}

export async function createHaServices(config: HaConfig, candidate: LeaderAddress): Promise<HaServices> {
  return config.mode === 'etcd' ? EtcdHaServices.connect(config, candidate) : new StandaloneHaServices(candidate);
}

export async function createLeaderRetrieval(config: HaConfig, fixedControl: string | undefined): Promise<LeaderRetrieval> {
  if (config.mode === 'etcd') return EtcdLeaderRetrieval.connect(config);
  if (fixedControl === undefined) throw new NotLeaderError('no JobManager address: give --jobmanager host:port or --ha etcd --ha-endpoints …');
  return new FixedLeaderRetrieval(fixedControl);
}
