// The JobManager side of a source: runs its split enumerator, answers readers' split requests, checkpoints the unassigned splits.

import { deserialize, serialize } from 'node:v8';
import { QueueSplitEnumerator, type Source, type SourceSplit, type SplitEnumerator } from '../connectors/source.ts';
import type { ManagerToSlot } from '../runtime/protocol.ts';

/** The role of the enumerator's state file in a checkpoint (stored under subtask 0 of the source operator). */
export const ENUMERATOR_ROLE = 'enumerator';

type AssignSplits = Extract<ManagerToSlot, { type: 'assign-splits' }>;

/**
 * One per source vertex and job attempt. A reader's `split-request` is answered at once with
 * one split, or with none and `noMoreSplits`.
 *
 * Checkpoints — why no split is lost or read twice. The unassigned splits are snapshotted in
 * the same turn of the JobManager's thread that sends `trigger-checkpoint` n (the
 * CheckpointCoordinator calls `snapshotState` right before it sends). Assignments and triggers
 * travel in one FIFO stream per slot, and the slot turns both into actions of the source task's
 * mailbox, in arrival order. So a split assigned before the trigger reaches the reader before
 * its barrier n and is in the reader's state of n (or was fully read before it); a split
 * assigned after the trigger was still unassigned at the trigger and is in the enumerator's
 * state of n, and reaches the reader after its barrier. Every split is in exactly one of the
 * two at every checkpoint. A request in flight at a failure is simply lost: the restored
 * readers ask again. Readers' splits restore as split list state (any parallelism); the
 * enumerator's splits go to the new enumerator.
 */
export class SourceCoordinator {
  readonly uid: string;
  readonly vertex: number;
  readonly parallelism: number;
  readonly #enumerator: SplitEnumerator<SourceSplit>;
  /** Readers already told there is nothing more for them. */
  readonly #done = new Set<number>();
  /** Splits handed out in this attempt, per reader (progress and tests). */
  readonly assigned: number[];

  constructor(options: { uid: string; vertex: number; parallelism: number; source: Source<unknown>; splits: SourceSplit[] }) {
    this.uid = options.uid;
    this.vertex = options.vertex;
    this.parallelism = options.parallelism;
    const context = { parallelism: options.parallelism };
    this.#enumerator = options.source.createEnumerator?.(context, options.splits) ?? new QueueSplitEnumerator(options.splits);
    this.assigned = Array.from({ length: options.parallelism }, () => 0);
  }

  /** The answer to reader `subtask`'s request: one split, or none and the end of its assignments. */
  handleSplitRequest(subtask: number): AssignSplits {
    const task = { vertex: this.vertex, subtask };
    const split = this.#done.has(subtask) ? undefined : this.#enumerator.nextSplit(subtask);
    if (split === undefined) {
      this.#done.add(subtask);
      return { type: 'assign-splits', task, splits: [], noMoreSplits: true };
    }
    this.assigned[subtask] = (this.assigned[subtask] ?? 0) + 1;
    return { type: 'assign-splits', task, splits: [split], noMoreSplits: false };
  }

  /** The unassigned splits, serialized: taken when the checkpoint is triggered (see the class comment). */
  snapshotState(): Uint8Array {
    return serialize(this.#enumerator.snapshotState());
  }

  static decodeState(bytes: Uint8Array): SourceSplit[] {
    const splits = deserialize(bytes) as unknown;
    if (!Array.isArray(splits)) throw new Error('the enumerator state of a checkpoint is not a list of splits');
    return splits as SourceSplit[];
  }
}
