// Runs a Sink: the writer per record, pre-commit at each checkpoint, commit once the checkpoint completed.

import { ListStateDescriptor, type ListState } from '../../state/index.ts';
import type { Committer, Sink, SinkWriter } from '../../connectors/sink.ts';
import { traceStartup } from '../../core/startup-trace.ts';
import { StreamOperator } from '../operator.ts';

/** Checkpoint id of what is pre-committed at end of input without checkpointing: only the end of the job commits it. */
const END_OF_JOB = Number.MAX_SAFE_INTEGER;

interface PendingCommit {
  readonly checkpointId: number;
  readonly committables: unknown[];
}

/**
 * Two-phase commit: at the barrier of checkpoint n the writer pre-commits and its committables
 * are kept (and stored in the checkpoint, so a restore can finish them); when n completes they
 * are committed. Without checkpointing nothing is committed until the whole job's input ended
 * everywhere (`notifyEndOfJob`, after every task reported end of data): a job failing mid-way
 * then leaves only hidden files, never the finished subtasks' half of the output.
 */
export class SinkWriterOperator extends StreamOperator {
  readonly #sink: Sink<unknown>;
  #writer!: SinkWriter<unknown, unknown, unknown>;
  #committer!: Committer<unknown>;
  #writerState!: ListState<unknown>;
  #pendingState!: ListState<PendingCommit>;
  #pending: PendingCommit[] = [];
  #restoredCommittables: unknown[] = [];
  #nextCheck = Number.POSITIVE_INFINITY;
  #finished = false;

  constructor(sink: Sink<unknown>) {
    super();
    this.#sink = sink;
  }

  override open(): void | Promise<void> {
    const ops = this.context.operatorState;
    this.#writerState = ops.getListState(new ListStateDescriptor<unknown>('writer'));
    this.#pendingState = ops.getListState(new ListStateDescriptor<PendingCommit>('committables'));
    const restoredWriter = [...this.#writerState.get()];
    for (const p of this.#pendingState.get()) this.#restoredCommittables.push(...p.committables);
    const writerContext = {
      subtaskIndex: this.context.subtaskIndex, parallelism: this.context.parallelism,
      operatorName: this.context.operatorName, checkpointing: this.context.checkpointing,
    };
    this.#writer = this.#sink.createWriter(writerContext, restoredWriter);
    this.#committer = this.#sink.createCommitter(writerContext);
    this.#scheduleCheck(this.context.currentProcessingTime());
    // Committables of the restored checkpoint belong to a completed checkpoint: finish them now (idempotent).
    if (this.#restoredCommittables.length > 0) {
      const c = this.#restoredCommittables;
      this.#restoredCommittables = [];
      return this.#committer.commit(c) as Promise<void> | void;
    }
  }

  processElement(record: unknown): void {
    this.#writer.write(record);
  }

  #scheduleCheck(now: number): void {
    const interval = this.#writer.checkInterval;
    if (this.#finished || !this.#writer.onProcessingTime || interval === undefined || !(interval > 0)) return;
    this.#nextCheck = now + interval;
    this.context.scheduleProcessingTime(this.#nextCheck);
  }

  override onProcessingTime(now: number): void {
    if (this.#finished || !this.#writer.onProcessingTime) return;
    if (now >= this.#nextCheck) {
      this.#writer.onProcessingTime(now);
      this.#scheduleCheck(now);
    } else {
      // The task's timer fired for another operator: ask again for ours.
      this.context.scheduleProcessingTime(this.#nextCheck);
    }
  }

  override snapshotState(checkpointId: number): void | Promise<void> {
    const awaitBeforeAck = this.context.awaitBeforeAck;
    if (this.#writer.preCommit !== undefined && awaitBeforeAck !== undefined) {
      // The task goes on while the pre-commit becomes durable; the checkpoint's ack waits for it.
      const { committables, durable } = this.#writer.preCommit();
      if (durable !== undefined) awaitBeforeAck(durable);
      this.#recordSnapshot(checkpointId, committables);
      return;
    }
    return Promise.resolve(this.#writer.prepareCommit()).then((committables) => this.#recordSnapshot(checkpointId, committables));
  }

  #recordSnapshot(checkpointId: number, committables: unknown[]): void {
    if (committables.length > 0) this.#pending.push({ checkpointId, committables });
    this.#writerState.update(this.#writer.snapshotState(checkpointId));
    this.#pendingState.update(this.#pending);
  }

  override async notifyCheckpointComplete(checkpointId: number): Promise<void> {
    const ready = this.#pending.filter((p) => p.checkpointId <= checkpointId);
    if (ready.length === 0) return;
    this.#pending = this.#pending.filter((p) => p.checkpointId > checkpointId);
    await this.#committer.commit(ready.flatMap((p) => p.committables));
  }

  override async finish(): Promise<void> {
    this.#finished = true;
    traceStartup(`sink ${this.context.operatorName} ${this.context.subtaskIndex}: finishing`);
    await this.#writer.finish();
    traceStartup(`sink ${this.context.operatorName} ${this.context.subtaskIndex}: writer finished`);
    if (!this.context.checkpointing) {
      // No checkpoint will come: pre-commit now, commit once the whole job ended (a savepoint taken meanwhile keeps them).
      const committables = await this.#writer.prepareCommit();
      if (committables.length > 0) this.#pending.push({ checkpointId: END_OF_JOB, committables });
    }
  }

  override async notifyEndOfJob(): Promise<void> {
    // With checkpointing the final checkpoint committed everything already; this is a no-op then.
    const ready = this.#pending;
    this.#pending = [];
    if (ready.length === 0) return;
    // BATCH regions: the JobManager commits once the whole job ended (a rerun region's output replaces this one's).
    if (this.context.deferCommit) this.context.deferCommit(ready.flatMap((p) => p.committables));
    else await this.#committer.commit(ready.flatMap((p) => p.committables));
  }

  override close(): void | Promise<void> {
    return this.#writer?.close();
  }
}
