// Plain data of JobManager high availability: who leads, the token its writes are fenced with, what the job store keeps.

import { WeirError } from '../core/errors.ts';

/** What a leader publishes so TaskManagers and clients can reach it (`host:port` strings). */
export interface LeaderAddress {
  /** A name for this JobManager process, unique among the contenders (logs, messages). */
  readonly id: string;
  /** The control-plane port TaskManagers and clients connect to. */
  readonly control: string;
  /** The REST API, when the JobManager serves one. */
  readonly rest?: string;
}

/**
 * Proof of leadership that every leader-only write carries. `leaderKey` is this leader's
 * election key (it holds the lease); `revision` is that key's create revision — the election
 * order: a later leader always has a larger revision, so it doubles as an epoch that
 * TaskManagers can compare (`compareEpochs`). A write fenced with the token commits only while
 * `leaderKey` still exists with that create revision, i.e. while the lease is alive and this
 * process is the leader; a stale leader's write is refused by etcd itself.
 */
export interface FencingToken {
  readonly leaderKey: string;
  /** Decimal etcd revision (an int64: kept as a string). */
  readonly revision: string;
  /** Decimal etcd lease id. */
  readonly leaseId: string;
}

/** Orders two epochs (fencing-token revisions): negative when `a` is older. */
export function compareEpochs(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Where a job's bundle bytes are: content-addressed in the shared blob directory. */
export interface BundleRef {
  /** SHA-256 of the bytes, hex. */
  readonly hash: string;
  /** Absolute path of the bytes, reachable from every JobManager host. */
  readonly path: string;
}

/** What a new leader needs to run a submitted job again. */
export interface JobSubmission {
  readonly jobId: string;
  readonly name: string;
  readonly bundle: BundleRef;
  /** The job's arguments and settings as the client sent them (opaque to the store). */
  readonly submission: unknown;
  /** The job graph as plain data, for display and fingerprint checks (opaque to the store). */
  readonly graph?: unknown;
  readonly submittedAt: number;
}

/** The latest completed checkpoint (or savepoint) of a job, written after its `_metadata` is durable. */
export interface CheckpointPointer {
  readonly id: number;
  readonly kind: 'checkpoint' | 'savepoint';
  /** The point's directory. */
  readonly path: string;
  readonly completedAt: number;
  /** The epoch (fencing-token revision) of the leader that completed it. */
  readonly epoch: string;
}

/** One entry of a job's operation log: a batch region that finished, so a new leader does not run it again. */
export interface FinishedRegion {
  readonly region: string;
  /** Opaque to the store: what the region produced (result partitions, part files). */
  readonly result?: unknown;
  readonly finishedAt: number;
  readonly epoch: string;
}

export type JobStatus = 'RUNNING' | 'FINISHED' | 'FAILED' | 'CANCELED';

/** Everything the store holds for one job, as a new leader reads it. */
export interface StoredJob {
  readonly submission: JobSubmission;
  readonly status: JobStatus;
  readonly checkpoint?: CheckpointPointer;
  /** In the order they were recorded. */
  readonly finishedRegions: readonly FinishedRegion[];
}

/** A leader-only action was attempted by a process that is not (or no longer) the leader. */
export class NotLeaderError extends WeirError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'WEIR_HA_NOT_LEADER', fault: 'external', retryable: false, cause });
    this.name = 'NotLeaderError';
  }
}
