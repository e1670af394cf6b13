// The Sink API: a writer per subtask plus a committer, for two-phase-commit (exactly-once) sinks.

export interface SinkWriterContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  /** Name of the sink operator, for error messages. */
  readonly operatorName: string;
  /** Whether checkpointing is enabled: without it, everything is committed once the whole job's input ended. */
  readonly checkpointing: boolean;
}

/** What a sink learns before the job is deployed (on the JobManager's thread). */
export interface SinkRunContext {
  /** Name of the sink operator, for error messages. */
  readonly operatorName: string;
  /** Whether the run restores a checkpoint or savepoint that holds state of this sink (its uid). */
  readonly restored: boolean;
  /** The run was asked to add to existing output (`weir run --append-output`, `ExecutionConfig.appendOutput`). */
  readonly append: boolean;
}

/**
 * Writes records for one sink subtask. `write` is synchronous and called per record
 * (buffer inside, do I/O at buffer boundaries). Lifecycle per checkpoint n:
 * `prepareCommit()` (pre-commit: make data durable, return what the committer must
 * publish) then `snapshotState(n)`; the committables are committed only once
 * checkpoint n completed. Never called concurrently.
 */
export interface SinkWriter<T, C, S> {
  write(record: T): void;
  /** Called at end of input, before the final prepareCommit. */
  finish(): Promise<void> | void;
  prepareCommit(): Promise<C[]> | C[];
  /**
   * Optional, used at checkpoints instead of prepareCommit: the committables now, and the
   * durability work that may finish after the task went on (e.g. an fsync on libuv's pool).
   * The checkpoint is acknowledged only once `durable` resolved; a rejection fails the task.
   */
  preCommit?(): { committables: C[]; durable?: Promise<void> };
  snapshotState(checkpointId: number): S[];
  close(): Promise<void> | void;
  /** Optional: how often (ms) the writer wants `onProcessingTime` (e.g. time-based rolling). */
  readonly checkInterval?: number;
  /** Optional: called from the task's thread between records, about every `checkInterval` ms. */
  onProcessingTime?(now: number): void;
}

/** Publishes committables. Must be idempotent: after a restore the same committable may come again. */
export interface Committer<C> {
  commit(committables: readonly C[]): Promise<void> | void;
}

/**
 * A sink object lives in every thread that rebuilt the job: `createWriter`/`createCommitter`
 * run in the task's thread, the optional job-level hooks on the JobManager's thread.
 */
export interface Sink<T, C = unknown, S = unknown> {
  /** `restored` is the writer state of the restored checkpoint assigned to this subtask (empty at a fresh start). */
  createWriter(context: SinkWriterContext, restored: readonly S[]): SinkWriter<T, C, S>;
  /** One committer per subtask; `context` names the operator for error messages. */
  createCommitter(context?: SinkWriterContext): Committer<C>;
  /**
   * Optional: called once before the first attempt is deployed. Throw a ConfigError for an
   * output that cannot work (a path of the wrong kind, old output a fresh run would mix with).
   */
  checkBeforeRun?(context: SinkRunContext): void | Promise<void>;
  /**
   * Optional: called once, after the last commit, when the job finished because its input
   * ended everywhere (never after a failure, a cancellation or a stop-with-savepoint).
   */
  onJobFinished?(): void | Promise<void>;
}
