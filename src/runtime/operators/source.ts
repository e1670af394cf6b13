// The head of a source task: drives a SourceReader, asks the enumerator for splits ahead of need, keeps its splits (positions) in operator state.

import type { PollStatus, Source, SourceReader, SourceSplit } from '../../connectors/source.ts';
import type { WatermarkStrategy } from '../../api/watermark-strategy.ts';
import { ListStateDescriptor, type ListState } from '../../state/index.ts';
import { traceStartup } from '../../core/startup-trace.ts';
import { StreamOperator } from '../operator.ts';
import { SourceAlignment } from '../source-alignment.ts';
import { SourceOutput } from '../source-output.ts';

/**
 * Split requests: one at a time in flight. The reader asks as soon as it has no split queued
 * behind the one it reads (`SourceReader.pendingSplits() === 0`), so the answer's round trip
 * overlaps reading, and at most one split waits unread in a reader while another reader may
 * run dry. A reader 'end' is final only after the enumerator answered `noMoreSplits`; before
 * that it is a wait for the assignment.
 */
export class SourceOperator extends StreamOperator {
  readonly #source: Source<unknown>;
  #reader!: SourceReader<unknown, SourceSplit>;
  #splitsState!: ListState<SourceSplit>;
  /** Sends a `split-request` for this subtask (set by the task). */
  requestSplit: () => void = () => {};
  #requested = false;
  #noMoreSplits = false;
  /** The reader read every split it holds and waits for the answer to a request. */
  #dry = false;
  /** Resolves the wait of a dry reader. */
  #assigned: { promise: Promise<void>; resolve: () => void } | undefined;

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
    // Restored splits first (with their positions); then whatever the enumerator hands out.
    const restored = [...this.#splitsState.get()];
    if (restored.length > 0) this.#reader.addSplits(restored);
    this.#request();
  }

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
    const reader = this.#reader;
    const status = reader.pollNext(this.#out!, max);
    if (status === 'end') {
      if (this.#noMoreSplits) return 'end';
      this.#request();
      this.#dry = true;
      return 'wait';
    }
    // Request ahead: the reader started its last queued split.
    if (!this.#requested && !this.#noMoreSplits && reader.pendingSplits?.() === 0) this.#request();
    return status;
  }

  available(): Promise<void> {
    if (this.#alignment?.paused(this.#out!.currentWatermark)) return this.#alignment.available();
    if (this.#dry) return (this.#assigned ??= withResolvers()).promise;
    return this.#reader.available();
  }

  /** The enumerator's answer, run as a mailbox action of the task (ordered with checkpoint triggers). */
  assignSplits(splits: readonly SourceSplit[], noMoreSplits: boolean): void {
    traceStartup(`source ${this.context.operatorName} ${this.context.subtaskIndex}: ${noMoreSplits ? 'no more splits' : `split ${splits.map((s) => s.splitId).join(', ')}`}${this.#dry ? ' (was dry)' : ''}`);
    this.#requested = false;
    this.#dry = false;
    if (noMoreSplits) this.#noMoreSplits = true;
    if (splits.length > 0) this.#reader.addSplits(splits);
    const waiting = this.#assigned;
    this.#assigned = undefined;
    waiting?.resolve();
  }

  #request(): void {
    if (this.#requested || this.#noMoreSplits) return;
    this.#requested = true;
    this.requestSplit();
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

function withResolvers(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}
