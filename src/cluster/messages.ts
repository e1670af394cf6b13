// The control-plane envelopes of cluster mode: what client, JobManager and TaskManagers send each other (v8-serialized frames).
//
// The runtime's own protocol (runtime/protocol.ts: deploy, trigger-checkpoint, ack, …) travels
// inside `command` and `event` unchanged; everything else here is about membership, bundles
// and jobs.

import type { JobResult } from '../api/launch.ts';
import type { VertexProgress } from '../coordinator/job-listener.ts';
import type { SerializedError } from '../runtime/operator-error.ts';
import type { ManagerToSlot, SlotToManager } from '../runtime/protocol.ts';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** One execution (an attempt of a job) on one TaskManager. */
export interface ExecDeployment {
  readonly exec: number;
  readonly jobId: string;
  readonly attempt: number;
  readonly bundleHash: string;
  readonly numSlots: number;
  /** The job's slots this TaskManager runs (global slot numbers). */
  readonly slots: readonly number[];
  /** Every global slot of the execution (a BATCH region's subset); absent: 0…numSlots−1. */
  readonly execSlots?: readonly number[];
  /** TaskManager id per global slot ('' for a slot outside the execution). */
  readonly owners: readonly string[];
  /** Data-plane address of every TaskManager of the execution. */
  readonly peers: Readonly<Record<string, HostPort>>;
  readonly jobArgs: readonly string[];
  readonly defaults: unknown;
}

export type TaskManagerToJobManager =
  | { readonly type: 'register'; readonly slots: number; readonly data: HostPort; readonly hardware?: { readonly cpuCores: number; readonly physicalMemory: number } }
  | { readonly type: 'event'; readonly exec: number; readonly event: SlotToManager }
  | { readonly type: 'get-bundle'; readonly hash: string };

/**
 * `epoch`: the sending JobManager's leader epoch (its HA fencing revision, "0" without HA). A
 * TaskManager that has seen a newer epoch refuses the message (fencing of a stale leader).
 */
export type JobManagerToTaskManager =
  | { readonly type: 'registered'; readonly tmId: string; readonly epoch: string }
  | { readonly type: 'deploy-exec'; readonly epoch: string; readonly deployment: ExecDeployment }
  | { readonly type: 'command'; readonly epoch: string; readonly exec: number; readonly command: ManagerToSlot }
  | { readonly type: 'cancel-exec'; readonly epoch: string; readonly exec: number }
  | { readonly type: 'bundle'; readonly hash: string; readonly bytes: Uint8Array | undefined };

export interface JobSummary {
  readonly jobId: string;
  readonly jobName: string;
  readonly status: 'starting' | 'running' | 'finished' | 'failed' | 'cancelled';
  readonly startedAt: number;
  readonly endedAt: number | undefined;
  readonly restarts: number;
  readonly slots: number;
  readonly error: string | undefined;
}

export type ClientToJobManager =
  | { readonly type: 'has-bundle'; readonly hash: string }
  | { readonly type: 'submit'; readonly hash: string; readonly bundle: Uint8Array | undefined; readonly jobArgs: readonly string[]; readonly defaults: unknown; readonly jobFile: string }
  | { readonly type: 'list' }
  | { readonly type: 'cancel'; readonly jobId: string }
  | { readonly type: 'stop'; readonly jobId: string }
  | { readonly type: 'savepoint'; readonly jobId: string }
  /** HA: a client whose JobManager died follows the job on the new leader (progress, then its result). */
  | { readonly type: 'attach'; readonly jobId: string };

export type JobManagerToClient =
  | { readonly type: 'bundle-status'; readonly cached: boolean }
  | { readonly type: 'submitted'; readonly jobId: string; readonly jobName: string }
  | { readonly type: 'notice'; readonly text: string }
  | { readonly type: 'progress'; readonly vertices: readonly VertexProgress[]; readonly elapsedMs: number }
  | { readonly type: 'restart'; readonly attempt: number; readonly reason: string; readonly delayMs: number }
  | { readonly type: 'checkpoint'; readonly info: { id: number; kind: 'checkpoint' | 'savepoint'; path: string; durationMs: number; sizeBytes: number; final: boolean } }
  | { readonly type: 'checkpoint-failed'; readonly id: number; readonly reason: string }
  | { readonly type: 'result'; readonly result: JobResult }
  | { readonly type: 'job-error'; readonly error: SerializedError }
  | { readonly type: 'jobs'; readonly jobs: readonly JobSummary[] }
  | { readonly type: 'done'; readonly text: string }
  | { readonly type: 'error'; readonly error: SerializedError };
