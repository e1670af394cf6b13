// The messages between the JobManager role and the TaskManager role: plain data, so any transport carries them.

import type { ExecutionConfig } from '../api/config.ts';
import type { StateHandle } from '../checkpoint/types.ts';
import type { SourceSplit } from '../connectors/source.ts';
import type { OperatorStateSnapshot } from '../state/index.ts';
import type { SerializedError } from './operator-error.ts';
import type { BatchDeployment } from '../batch/shuffle/api.ts';

/** Identifies a subtask: vertex index and subtask index. */
export interface TaskId {
  readonly vertex: number;
  readonly subtask: number;
}

export function taskKey(t: TaskId): string {
  return `${t.vertex}.${t.subtask}`;
}

/** State of one operator of one subtask, as shipped to a task at restore. */
export interface OperatorRestore {
  /** Keyed state blobs (from any old subtasks); the backend keeps only its key groups. */
  readonly keyed: Uint8Array[];
  /** Timer blobs (from any old subtasks); the timer service keeps only its key groups. */
  readonly timers: Uint8Array[];
  readonly operator: OperatorStateSnapshot | undefined;
}

export interface TaskDeployment extends TaskId {
  /** operator uid → state, when restoring. */
  readonly restore: Record<string, OperatorRestore> | undefined;
  /** BATCH regions: sinks send their committables to the JobManager instead of committing at the end of their input. */
  readonly deferCommit?: boolean;
}

export interface Deployment {
  readonly jobId: string;
  readonly jobName: string;
  readonly attempt: number;
  readonly config: ExecutionConfig;
  /** Fingerprint of the graph (vertex names and uids) so a worker detects a job file that builds differently. */
  readonly fingerprint: string;
  /** Vertex names by index, for what a TaskManager process exports about its subtasks (its Prometheus labels). */
  readonly vertexNames?: readonly string[];
  readonly tasks: TaskDeployment[];
  /** BATCH with region scheduling: exchanges, decided parallelism, deferred commits (src/batch/). */
  readonly batch?: BatchDeployment;
}

/** State of one operator of one subtask in a checkpoint ack. */
export interface OperatorSnapshotData {
  readonly uid: string;
  readonly keyed: Uint8Array | undefined;
  readonly timers: Uint8Array | undefined;
  readonly operator: OperatorStateSnapshot | undefined;
  /** Cluster mode: keyed state and timers the TaskManager already wrote into the checkpoint directory (then `keyed`/`timers` are undefined). */
  readonly files?: { readonly keyed?: StateHandle; readonly timers?: StateHandle } | undefined;
}

export type ManagerToSlot =
  | { readonly type: 'deploy'; readonly deployment: Deployment }
  /** Every slot deployed its tasks (so every channel exists): start running. */
  | { readonly type: 'start' }
  /** `path`: the checkpoint's directory, for TaskManagers that write their tasks' state files themselves (cluster mode). */
  | { readonly type: 'trigger-checkpoint'; readonly checkpointId: number; readonly timestamp: number; readonly kind: 'checkpoint' | 'savepoint'; readonly tasks: TaskId[]; readonly path?: string }
  | { readonly type: 'checkpoint-complete'; readonly checkpointId: number }
  | { readonly type: 'checkpoint-aborted'; readonly checkpointId: number }
  /** Every task reached end of data (and the final checkpoint completed): close and stop. */
  | { readonly type: 'finish' }
  /** Stop sources early (stop-with-savepoint): they end their input; with `drain`, event time first advances to the end (+∞). */
  | { readonly type: 'stop-sources'; readonly drain?: boolean }
  /** Watermark alignment: sources of `group` read only while their watermark is ≤ maxWatermark. */
  | { readonly type: 'watermark-alignment'; readonly group: string; readonly maxWatermark: number }
  /**
   * The answer to a source reader's `split-request`: splits for it (one, as the default
   * enumerator answers), or none and `noMoreSplits` (it ends its input once its splits are read).
   * Travels in the same ordered stream as `trigger-checkpoint` (coordinator/source-coordinator.ts).
   */
  | { readonly type: 'assign-splits'; readonly task: TaskId; readonly splits: SourceSplit[]; readonly noMoreSplits: boolean }
  /**
   * BATCH, worker threads: the slot's tasks finished; the thread drops them and takes the next
   * region's `deploy` with a fresh slot runtime (src/batch/worker-pool.ts: threads are reused, not started anew).
   */
  | { readonly type: 'reset' };

export interface TaskMetrics {
  readonly vertex: number;
  readonly subtask: number;
  readonly recordsIn: number;
  readonly recordsOut: number;
  /** The task's current watermark (Task.currentWatermark; −∞ before any). */
  readonly watermark?: number;
  /** The last watermark that reached the head / that the chain sent downstream (−∞ before any). */
  readonly inputWatermark?: number;
  readonly outputWatermark?: number;
  /** Encoded bytes received from / sent to other threads or processes (a same-thread hand-over is not serialized and counts 0). */
  readonly bytesIn?: number;
  readonly bytesOut?: number;
  /**
   * Time since deployment, in ms, that the task was busy (running, or runnable and waiting for its
   * thread), back-pressured (its output waits for credit) or idle (no input): Flink's
   * busy/backPressured/idleTime, as totals; rates come from differences of two reports.
   */
  readonly busyMs?: number;
  readonly backPressuredMs?: number;
  readonly idleMs?: number;
  /** When these figures were taken, on the reporting thread's own clock (performance.now()): only differences mean anything. */
  readonly at?: number;
}

export type SlotToManager =
  | { readonly type: 'deployed'; readonly slot: number }
  | { readonly type: 'end-of-data'; readonly task: TaskId }
  /** A source reader started its last split (or has none): it asks its enumerator for the next one. */
  | { readonly type: 'split-request'; readonly task: TaskId }
  | { readonly type: 'ack'; readonly task: TaskId; readonly checkpointId: number; readonly operators: OperatorSnapshotData[]; readonly syncMs: number; readonly asyncMs: number; readonly alignmentMs: number; /** The thread time this checkpoint took from records beyond syncMs: the serialization slices (not the waits between them) plus copy-on-write copies of key-group maps since the previous snapshot. */ readonly asyncBusyMs?: number }
  | { readonly type: 'decline'; readonly task: TaskId; readonly checkpointId: number; readonly reason: string }
  | { readonly type: 'finished'; readonly slot: number; readonly metrics: TaskMetrics[] }
  | { readonly type: 'failed'; readonly slot: number; readonly error: SerializedError; readonly task?: TaskId | undefined }
  | { readonly type: 'metrics'; readonly metrics: TaskMetrics[] }
  /** BATCH: a sink's committables at the end of its input, committed by the JobManager once the whole job ended. */
  | { readonly type: 'committables'; readonly task: TaskId; readonly sinkUid: string; readonly committables: unknown[] }
  | { readonly type: 'collected'; readonly sinkId: number; readonly records: unknown[] }
  /** A source in an alignment group reports its watermark (+∞ when idle or finished). */
  | { readonly type: 'source-watermark'; readonly task: TaskId; readonly group: string; readonly watermark: number };
