// The sending end of one channel: credit-based flow control, ordered backlog, local or cross-thread delivery.

import { encodeBatch, encodedSize } from '../../serde/index.ts';
import type { ChannelItem, RecordBuffer, StreamEvent } from '../events.ts';
import type { InputChannel } from './input-channel.ts';

/** Delivers to the consumer: into an InputChannel of this thread, or as a message to another thread. */
export interface ChannelTransport {
  /** True when the consumer lives in this thread (buffers are handed over without serialization). */
  readonly local: boolean;
  deliver(channelId: number, item: ChannelItem, transfer: ArrayBuffer | null): void;
  /** Local transports: the consumer's InputChannel, for records handed over one by one (RecordWriter). */
  input?(channelId: number): InputChannel | undefined;
}

/**
 * A channel has `capacity` credits: one per data buffer in flight. With no credit left, buffers
 * (and the events behind them, to keep order) wait in a backlog and the producing task is not
 * scheduled until the backlog drained: a slow consumer backpressures its producers and memory
 * stays bounded by capacity × buffer size (+ one step's output).
 */
export class OutputChannel {
  readonly id: number;
  #credits: number;
  readonly #capacity: number;
  readonly #transport: ChannelTransport;
  readonly #backlog: (RecordBuffer | ArrayBuffer | StreamEvent)[] = [];
  /** Buffers returned by the consumer, reused for encoding. */
  readonly #spare: ArrayBuffer[] = [];
  /** Data buffers sent, for metrics. */
  buffersSent = 0;
  /** Encoded bytes sent to another thread, for metrics (one header read per buffer). */
  bytesSent = 0;

  constructor(id: number, capacity: number, transport: ChannelTransport) {
    this.id = id;
    this.#credits = capacity;
    this.#capacity = capacity;
    this.#transport = transport;
  }

  get hasBacklog(): boolean {
    return this.#backlog.length > 0;
  }

  get credits(): number {
    return this.#credits;
  }

  /** True when the consumer lives in another thread (buffers cross encoded). */
  get remote(): boolean {
    return !this.#transport.local;
  }

  /** A buffer the consumer gave back, to encode the next batch into (RecordWriter's BatchEncoder). */
  takeSpare(): ArrayBuffer | undefined {
    return this.#spare.pop();
  }

  /** The consumer's input channel when it lives in this thread and is deployed, else null. */
  localInput(): InputChannel | null {
    return this.#transport.local ? this.#transport.input?.(this.id) ?? null : null;
  }

  /** A batch of records, or (remote channels) one the record writer already encoded. */
  sendBuffer(buffer: RecordBuffer | ArrayBuffer): void {
    if (this.#backlog.length > 0 || this.#credits <= 0) {
      this.#backlog.push(buffer);
      return;
    }
    this.#sendNow(buffer);
  }

  sendEvent(event: StreamEvent): void {
    if (this.#backlog.length > 0) {
      this.#backlog.push(event);
      return;
    }
    this.#transport.deliver(this.id, event, null);
  }

  /** A credit came back (the consumer finished a buffer); drains the backlog as far as credits allow. */
  addCredit(returned: ArrayBuffer | null): void {
    this.#credits++;
    // Up to one spare per credit: every buffer in flight comes back and is encoded into again (no new allocation).
    if (returned && this.#spare.length < this.#capacity) this.#spare.push(returned);
    while (this.#backlog.length > 0) {
      const head = this.#backlog[0]!;
      if (!(head instanceof ArrayBuffer) && 'type' in head) {
        this.#backlog.shift();
        this.#transport.deliver(this.id, head, null);
      } else if (this.#credits > 0) {
        this.#backlog.shift();
        this.#sendNow(head);
      } else {
        break;
      }
    }
  }

  #sendNow(buffer: RecordBuffer | ArrayBuffer): void {
    this.#credits--;
    this.buffersSent++;
    if (buffer instanceof ArrayBuffer) {
      this.bytesSent += encodedSize(buffer);
      this.#transport.deliver(this.id, buffer, buffer);
    } else if (this.#transport.local) {
      this.#transport.deliver(this.id, buffer, null);
    } else {
      const encoded = encodeBatch(buffer.records, buffer.records.length, buffer.keyGroups, this.#spare.pop(), buffer.timestamps);
      this.bytesSent += encodedSize(encoded);
      this.#transport.deliver(this.id, encoded, encoded);
    }
  }
}
