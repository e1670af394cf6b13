// The receiving end of one channel: a FIFO of buffers and events, returning one credit per consumed buffer.

import type { Key } from '../../core/types.ts';
import type { KeySelector } from '../../api/functions.ts';
import { END_OF_DATA, type ChannelItem } from '../events.ts';

/** How a consumed buffer's credit goes back to its producer (direct call in-thread, a message across threads). */
export type CreditReturn = (channelId: number, buffer: ArrayBufferLike | null) => void;

/**
 * The consuming task, for records handed over one by one by a producer of the same thread
 * (no buffer, no queue: see RecordWriter). `accepts` says whether the task may take a record
 * now, on channel `index`, as if it had read it from the queue (running, not held by a
 * promise, no mailbox work, the channel not blocked by alignment, its own outputs not
 * backpressured); `process` runs it through the task's chain at once. `key`/`keyGroup` are
 * what the writer computed with `selector` (undefined/-1 when the edge is not keyed).
 */
export interface DirectReceiver {
  accepts(index: number): boolean;
  /** Processes records[0..count) with the keys, key groups and timestamps (NaN = none) the producer computed, in one loop of the consumer's. */
  processRun(
    index: number, records: readonly unknown[], keys: readonly Key[], selector: KeySelector<unknown, Key> | undefined,
    keyGroups: Int32Array, timestamps: Float64Array, count: number,
  ): void;
}

export class InputChannel {
  readonly id: number;
  /** Position of this channel in its task's input list. */
  readonly index: number;
  /**
   * Made with an object in it (then emptied), so its elements kind is generic from the start: an empty
   * literal holds Smis, and the first item pushed (on a same-thread channel whose records are all handed
   * over, the first barrier) would change the array's map and deoptimize acceptsRecord and its callers.
   */
  #items: ChannelItem[] = [END_OF_DATA];
  #head = 0;
  readonly #returnCredit: CreditReturn;
  /** Set by the consuming task when it can take records directly (same thread only). */
  receiver: DirectReceiver | null = null;

  constructor(id: number, index: number, returnCredit: CreditReturn) {
    this.id = id;
    this.index = index;
    this.#returnCredit = returnCredit;
    this.#items.pop();
  }

  push(item: ChannelItem): void {
    this.#items.push(item);
  }

  get isEmpty(): boolean {
    return this.#head >= this.#items.length;
  }

  /**
   * Whether a record may skip the queue now: nothing queued before it (order) and the
   * consumer would read it at once anyway.
   */
  acceptsRecord(): boolean {
    return this.#head >= this.#items.length && this.receiver !== null && this.receiver.accepts(this.index);
  }

  /** Hands a run of records to the consumer (after acceptsRecord() said yes); the arrays are the writer's, reused after the call. */
  deliverRun(records: readonly unknown[], keys: readonly Key[], selector: KeySelector<unknown, Key> | undefined, keyGroups: Int32Array, timestamps: Float64Array, count: number): void {
    this.receiver!.processRun(this.index, records, keys, selector, keyGroups, timestamps, count);
  }

  take(): ChannelItem | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head]!;
    this.#items[this.#head++] = undefined as unknown as ChannelItem;
    if (this.#head > 64 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head); // (a copy keeps the elements kind)
      this.#head = 0;
    }
    return item;
  }

  /**
   * Called once the consumer is done with a data buffer taken from this channel: an encoded buffer
   * goes back to its producer to be written again, so the consumer must not read it after this.
   */
  releaseBuffer(buffer: ArrayBufferLike | null): void {
    this.#returnCredit(this.id, buffer);
  }
}
