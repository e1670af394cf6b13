// The Source API: a source is cut into splits; readers read splits and keep their positions as state.

import type { Collector } from '../core/types.ts';

/**
 * A unit of work a reader can take: a byte range of a file, a range of a sequence.
 * Splits are plain data (structured-clonable): they travel from the JobManager role to the
 * readers and are stored in checkpoints with their current position, so a split in a
 * checkpoint is "what is left to read".
 */
export interface SourceSplit {
  readonly splitId: string;
}

export interface SplitEnumeratorContext {
  /** Parallelism of the source operator. */
  readonly parallelism: number;
}

export interface SourceReaderContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  /** Name of the source operator, for error messages. */
  readonly operatorName: string;
}

/** What a reader says after a poll. */
export type PollStatus = 'more' | 'wait' | 'end';

/**
 * The collector `pollNext` is given by the runtime. A reader that knows which split a record
 * comes from emits it through `forSplit(splitId)` (cache the result per split): with a
 * WatermarkStrategy at the source (`env.fromSource(source, strategy)`) each split then has its
 * own watermark generator, and the source's watermark is the minimum over its active splits.
 * Call `forSplit` for every split the reader holds (at each poll, say) and not only when it
 * emits, so a split that has not emitted yet holds the minimum back too; `releaseSplit` when a
 * split is read to its end, so it stops holding that minimum back.
 * Records emitted through `collect` share one generator. Callers other than the runtime (tests)
 * may pass a plain Collector: check that `forSplit` exists.
 */
export interface ReaderOutput<T> extends Collector<T> {
  forSplit(splitId: string): Collector<T>;
  releaseSplit(splitId: string): void;
}

/**
 * Reads the splits assigned to one source subtask. Called only from its task's thread,
 * never concurrently. The per-record path is synchronous: `pollNext` emits records into
 * the collector with plain calls; only `available()` is a promise, awaited per buffer.
 */
export interface SourceReader<T, S extends SourceSplit> {
  /** Hands splits to the reader (at start, or restored from a checkpoint). */
  addSplits(splits: readonly S[]): void;
  /**
   * Emits at most `max` records synchronously. Returns 'more' when it can go on at once,
   * 'wait' when data is not ready yet (then `available()` tells when), 'end' when every
   * split it holds is read to the end (bounded sources only).
   */
  pollNext(output: Collector<T>, max: number): PollStatus;
  /** Resolves when a poll after 'wait' can make progress. */
  available(): Promise<void>;
  /** The remaining splits with their current positions: the reader's checkpointed state. */
  snapshotState(checkpointId: number): S[];
  close(): Promise<void> | void;
}

/** A source: how to cut the input into splits (once, in the JobManager role) and how to read them. */
export interface Source<T, S extends SourceSplit = SourceSplit> {
  readonly bounded: boolean;
  /** Called once when a job starts without restored state; the result is assigned to subtasks round robin. */
  enumerateSplits(context: SplitEnumeratorContext): Promise<S[]> | S[];
  createReader(context: SourceReaderContext): SourceReader<T, S>;
}
