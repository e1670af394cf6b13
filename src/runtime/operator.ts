// The one operator contract: open → initializeState → process* → snapshotState → notifyCheckpointComplete → finish → close.

import type { TaskInfo } from '../api/functions.ts';
import type { HeapKeyedStateBackend, InternalTimerService, OperatorStateBackend } from '../state/index.ts';

/** Where an operator's results go: the next chained operator, or the task's record writers. */
export interface Output<T = unknown> {
  collect(record: T): void;
  emitWatermark(timestamp: number): void;
  /** The stream went idle (true) or active again (false): see runtime/watermark-valve.ts. */
  emitWatermarkStatus(idle: boolean): void;
}

/**
 * The event-time timestamp of the record being processed, shared by every operator of a
 * chain: the task sets it from the buffer (or NaN = none) before a record enters the head, a
 * timestamp assigner overwrites it, a record keeps it through map/filter/..., and whatever an
 * operator emits leaves with it (record writers copy it into the buffer). One mutable field
 * rather than a wrapper object per record: the per-record path allocates nothing for it.
 */
export interface ElementTime {
  timestamp: number;
}

/** What the task gives each operator. Never shared between operators. */
export interface OperatorContext extends TaskInfo {
  readonly checkpointing: boolean;
  /**
   * Runtime mode BATCH (src/batch/): a keyed head gets its input key by key, `endOfKey()`
   * after each key's records, then event time +∞ for that key; no watermarks before that,
   * processing-time timers never fire.
   */
  readonly batch: boolean;
  /** The task started from a checkpoint or savepoint (its operators' state, if any, was restored). */
  readonly restored?: boolean;
  /** Present for operators on a keyed stream. */
  readonly keyedBackend: HeapKeyedStateBackend | undefined;
  /** Present for operators on a keyed stream. */
  readonly timers: InternalTimerService | undefined;
  readonly operatorState: OperatorStateBackend;
  /** The current record's timestamp (shared by the chain; NaN = none). */
  readonly element: ElementTime;
  /** Interval of periodic watermark emission in ms (0 = off); ExecutionConfig.autoWatermarkInterval. */
  readonly autoWatermarkInterval: number;
  /** The processing-time clock (wall clock in a task; the harness's clock in tests). */
  currentProcessingTime(): number;
  /** Asks the task to call `onProcessingTime(now)` at (or soon after) `time`. */
  scheduleProcessingTime(time: number): void;
  /**
   * Runs `action` in the task's mailbox: between buffers, never during another operator call,
   * and wakes a parked task (how a completion from the event loop, e.g. async I/O, re-enters the chain).
   */
  enqueue(action: () => void): void;
  /** Watermark alignment: tells the JobManager this source's watermark in `group`. */
  reportSourceWatermark(group: string, watermark: number): void;
  /** Sends records gathered by a collect sink to the client. */
  reportCollected(records: unknown[]): void;
  /** BATCH regions: set when sinks hand their committables to the JobManager (committed once the whole job ended). */
  readonly deferCommit?: (committables: unknown[]) => void;
  /**
   * Checkpoints: work of this snapshot that may finish after the task went on (an fsync on
   * libuv's pool). The task acknowledges the checkpoint only once every such promise resolved;
   * a rejection fails the task. Absent outside a task (harnesses): await the promise instead.
   */
  readonly awaitBeforeAck?: (durable: Promise<void>) => void;
  /** Writes text to the process's stdout/stderr (print sinks). */
  writeText(stream: 'stdout' | 'stderr', text: string): void;
}

/**
 * Base of every operator. Calls come from one task thread, never concurrently. `processElement`
 * is synchronous (DESIGN invariant 4); the hooks that may do I/O may return a promise and are
 * awaited at buffer/checkpoint boundaries only.
 */
export abstract class StreamOperator<IN = unknown, OUT = unknown> {
  output!: Output<OUT>;
  context!: OperatorContext;
  /** Outputs of side-output tags that something consumes (`getSideOutput`), by tag id. */
  sideOutputs: ReadonlyMap<string, Output> = new Map();

  /** Called once before any record, after the state was restored. */
  open(): void | Promise<void> {}
  abstract processElement(record: IN): void;
  processWatermark(timestamp: number): void {
    this.output.emitWatermark(timestamp);
  }
  processWatermarkStatus(idle: boolean): void {
    this.output.emitWatermarkStatus(idle);
  }
  /**
   * Optional: true while the operator takes no more input (async I/O at capacity). The task
   * stops pulling input until it turns false, which happens in a mailbox action of the operator.
   */
  inputBlocked?(): boolean;
  /**
   * BATCH only, keyed heads: the current key's last record was processed (its event-time
   * timers fire next, then its state is dropped). Aggregations emit their final value here.
   */
  endOfKey?(): void;
  /** Processing-time callback requested through `context.scheduleProcessingTime`. */
  onProcessingTime(_now: number): void {}
  /** The task is going idle or a barrier comes: hand over anything buffered inside the operator. */
  flush(): void {}
  /**
   * Synchronous part of a checkpoint: put operator state into `context.operatorState`
   * (keyed state is snapshotted by the task). May return a promise for pre-commit I/O.
   */
  snapshotState(_checkpointId: number): void | Promise<void> {}
  notifyCheckpointComplete(_checkpointId: number): void | Promise<void> {}
  /** End of input: emit what is left. Records emitted here still flow downstream. */
  finish(): void | Promise<void> {}
  /**
   * Every task of the job reached its end and the final checkpoint (if any) completed: the
   * job-wide last step before close (sinks publish what they still hold). Never called
   * after a failure, so output that would be partial is never published here.
   */
  notifyEndOfJob(): void | Promise<void> {}
  close(): void | Promise<void> {}
}
