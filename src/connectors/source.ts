// The Source API: a source is cut into splits; an enumerator (JobManager role) hands them to readers on request.

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
 *
 * Splits arrive over the reader's life (dynamic assignment): the task asks the enumerator for
 * one whenever `pendingSplits()` drops to 0 (the reader started its last split), so the next
 * one is queued before the reader runs dry; a reader without `pendingSplits` is asked for
 * only when it says 'end'.
 */
export interface SourceReader<T, S extends SourceSplit> {
  /** Hands splits to the reader: restored from a checkpoint at open, then as assigned. */
  addSplits(splits: readonly S[]): void;
  /**
   * Emits at most `max` records synchronously. Returns 'more' when it can go on at once,
   * 'wait' when data is not ready yet (then `available()` tells when), 'end' when every
   * split it holds is read to the end. 'end' is not final: the task ends the input only once
   * the enumerator has no more splits for this reader; until then more may come through `addSplits`.
   */
  pollNext(output: Collector<T>, max: number): PollStatus;
  /** Resolves when a poll after 'wait' can make progress. */
  available(): Promise<void>;
  /** The remaining splits with their current positions: the reader's checkpointed state. */
  snapshotState(checkpointId: number): S[];
  /** Splits assigned but not started yet (optional; see the class comment). */
  pendingSplits?(): number;
  close(): Promise<void> | void;
}

/**
 * Hands splits to readers on their request (FLIP-27's SplitEnumerator), in the JobManager
 * role, on its thread. Its state is the splits not assigned yet; it is checkpointed with the
 * readers' splits and restored into a new enumerator (`Source.createEnumerator`), at any parallelism.
 */
export interface SplitEnumerator<S extends SourceSplit> {
  /**
   * Reader `subtask` asks for work: the split it should read next, or undefined when there
   * is none left for it, ever (the reader then ends its input once its splits are read).
   */
  nextSplit(subtask: number): S | undefined;
  /** The splits not assigned yet (plain data), copied: the enumerator's checkpointed state. */
  snapshotState(): S[];
}

/** The default enumerator: first come, first served over one queue, so a fast reader takes more. */
export class QueueSplitEnumerator<S extends SourceSplit> implements SplitEnumerator<S> {
  readonly #queue: S[];
  #head = 0;

  constructor(splits: readonly S[]) {
    this.#queue = [...splits];
  }

  nextSplit(_subtask: number): S | undefined {
    if (this.#head >= this.#queue.length) return undefined;
    return this.#queue[this.#head++];
  }

  snapshotState(): S[] {
    return this.#queue.slice(this.#head);
  }
}

/** A source: how to cut the input into splits (once, in the JobManager role), how to hand them out, and how to read them. */
export interface Source<T, S extends SourceSplit = SourceSplit> {
  readonly bounded: boolean;
  /** Called once when a job starts without restored state: every split of the input. */
  enumerateSplits(context: SplitEnumeratorContext): Promise<S[]> | S[];
  /**
   * The enumerator over `splits` (fresh from `enumerateSplits`, or the unassigned splits of a
   * restored checkpoint). Optional: the default is a QueueSplitEnumerator.
   */
  createEnumerator?(context: SplitEnumeratorContext, splits: S[]): SplitEnumerator<S>;
  createReader(context: SourceReaderContext): SourceReader<T, S>;
}
