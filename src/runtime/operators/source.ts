// The head of a source task: drives a SourceReader and keeps its splits (positions) in operator state.

import type { PollStatus, Source, SourceReader, SourceSplit } from '../../connectors/source.ts';
import type { WatermarkStrategy } from '../../api/watermark-strategy.ts';
import { ListStateDescriptor, type ListState } from '../../state/index.ts';
import { StreamOperator } from '../operator.ts';
import { SourceAlignment } from '../source-alignment.ts';
import { SourceOutput } from '../source-output.ts';

export class SourceOperator extends StreamOperator {
  readonly #source: Source<unknown>;
  #reader!: SourceReader<unknown, SourceSplit>;
  #splitsState!: ListState<SourceSplit>;
  /** Splits assigned at a fresh start (restored runs take them from state instead). */
  initialSplits: SourceSplit[] = [];

  readonly #watermarks: WatermarkStrategy<unknown> | undefined;
  #out: SourceOutput | undefined;
  #alignment: SourceAlignment | undefined;

  constructor(source: Source<unknown>, watermarks?: WatermarkStrategy<unknown>) {
    super();
    this.#source = source;
    this.#watermarks = watermarks;
  }

  override open(): void {
    this.#splitsState = this.context.operatorState.getListState(new ListStateDescriptor<SourceSplit>('splits'));
    this.#out = new SourceOutput(this.output, this.context, this.#watermarks);
    this.#out.start();
    const alignment = this.#watermarks?.alignment;
    if (alignment !== undefined) {
      const out = this.#out;
      this.#alignment = new SourceAlignment(this.context, alignment, () => (out.idle ? Number.POSITIVE_INFINITY : out.currentWatermark));
      this.#alignment.start();
    }
    this.#reader = this.#source.createReader({
      subtaskIndex: this.context.subtaskIndex, parallelism: this.context.parallelism, operatorName: this.context.operatorName,
    });
    const restored = [...this.#splitsState.get()];
    this.#reader.addSplits(restored.length > 0 || this.restored ? restored : this.initialSplits);
  }

  /** True when the task was restored from a checkpoint (then the state holds the splits, maybe none). */
  restored = false;

  /** Records the reader emitted (the source's "records in"). */
  get recordsRead(): number {
    return this.#out?.count ?? 0;
  }

  /** The last watermark this source emitted (−∞ before the first). */
  get currentWatermark(): number {
    return this.#out?.currentWatermark ?? Number.NEGATIVE_INFINITY;
  }

  poll(max: number): PollStatus {
    if (this.#alignment?.paused(this.#out!.currentWatermark)) return 'wait';
    return this.#reader.pollNext(this.#out!, max);
  }

  available(): Promise<void> {
    if (this.#alignment?.paused(this.#out!.currentWatermark)) return this.#alignment.available();
    return this.#reader.available();
  }

  processElement(): void {
    throw new Error('internal: a source operator has no input');
  }

  /** Only the final watermark (end of input) comes from the task; it passes as is. */
  override processWatermark(timestamp: number): void {
    this.#out!.emitFinalWatermark(timestamp);
    this.#alignment?.finish();
  }

  override onProcessingTime(now: number): void {
    this.#out?.onProcessingTime(now);
    this.#alignment?.onProcessingTime(now);
  }

  /** Watermark alignment: the JobManager's new maximum for `group` (a mailbox action). */
  alignWatermark(group: string, maxWatermark: number): void {
    if (this.#alignment !== undefined && this.#watermarks?.alignment?.group === group) this.#alignment.update(maxWatermark);
  }

  override snapshotState(checkpointId: number): void {
    this.#splitsState.update(this.#reader.snapshotState(checkpointId));
  }

  override close(): void | Promise<void> {
    return this.#reader?.close();
  }
}
