// The receiving end of one channel: a FIFO of buffers and events, returning one credit per consumed buffer.

import type { ChannelItem } from '../events.ts';

/** How a consumed buffer's credit goes back to its producer (direct call in-thread, a message across threads). */
export type CreditReturn = (channelId: number, buffer: ArrayBuffer | null) => void;

export class InputChannel {
  readonly id: number;
  /** Position of this channel in its task's input list. */
  readonly index: number;
  #items: ChannelItem[] = [];
  #head = 0;
  readonly #returnCredit: CreditReturn;

  constructor(id: number, index: number, returnCredit: CreditReturn) {
    this.id = id;
    this.index = index;
    this.#returnCredit = returnCredit;
  }

  push(item: ChannelItem): void {
    this.#items.push(item);
  }

  get isEmpty(): boolean {
    return this.#head >= this.#items.length;
  }

  take(): ChannelItem | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head]!;
    this.#items[this.#head++] = undefined as unknown as ChannelItem;
    if (this.#head > 64 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Called once the consumer is done with a data buffer taken from this channel. */
  releaseBuffer(buffer: ArrayBuffer | null): void {
    this.#returnCredit(this.id, buffer);
  }
}
