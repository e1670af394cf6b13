// The head of a source task: drives a SourceReader and keeps its splits (positions) in operator state.

import type { Collector } from '../../core/types.ts';
import type { PollStatus, Source, SourceReader, SourceSplit } from '../../connectors/source.ts';
import { ListStateDescriptor, type ListState } from '../../state/index.ts';
import { StreamOperator } from '../operator.ts';

export class SourceOperator extends StreamOperator {
  readonly #source: Source<unknown>;
  #reader!: SourceReader<unknown, SourceSplit>;
  #splitsState!: ListState<SourceSplit>;
  /** Splits assigned at a fresh start (restored runs take them from state instead). */
  initialSplits: SourceSplit[] = [];

  constructor(source: Source<unknown>) {
    super();
    this.#source = source;
  }

  override open(): void {
    this.#splitsState = this.context.operatorState.getListState(new ListStateDescriptor<SourceSplit>('splits'));
    this.#reader = this.#source.createReader({
      subtaskIndex: this.context.subtaskIndex, parallelism: this.context.parallelism, operatorName: this.context.operatorName,
    });
    const restored = [...this.#splitsState.get()];
    this.#reader.addSplits(restored.length > 0 || this.restored ? restored : this.initialSplits);
  }

  /** True when the task was restored from a checkpoint (then the state holds the splits, maybe none). */
  restored = false;

  /** Records the reader emitted (the source's "records in"). */
  recordsRead = 0;
  #counting: Collector<unknown> | undefined;

  poll(max: number): PollStatus {
    let counting = this.#counting;
    if (!counting) {
      const output = this.output;
      counting = this.#counting = { collect: (r: unknown) => { this.recordsRead++; output.collect(r); } };
    }
    return this.#reader.pollNext(counting, max);
  }

  available(): Promise<void> {
    return this.#reader.available();
  }

  processElement(): void {
    throw new Error('internal: a source operator has no input');
  }

  override snapshotState(checkpointId: number): void {
    this.#splitsState.update(this.#reader.snapshotState(checkpointId));
  }

  override close(): void | Promise<void> {
    return this.#reader?.close();
  }
}
