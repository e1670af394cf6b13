// The sending end of one channel: credit-based flow control, ordered backlog, local or cross-thread delivery.

import { encodeBatch, encodedSize } from '../../serde/index.ts';
import { isEncoded, type ChannelItem, type RecordBuffer, type StreamEvent } from '../events.ts';
import type { InputChannel } from './input-channel.ts';

/** Bytes of a new shared buffer: ~1,000 small tuples with their key groups fit; a larger batch grows it (into a new SharedArrayBuffer). */
export const SHARED_BUFFER_BYTES = 16 * 1024;

/** Delivers to the consumer: into an InputChannel of this thread, or as a message to another thread. */
export interface ChannelTransport {
  /** True when the consumer lives in this thread (buffers are handed over without serialization). */
  readonly local: boolean;
  /**
   * True when the consumer is another thread of this process that gets the very buffer (a
   * SharedArrayBuffer posted without a transfer, see OutputChannel): the channel then encodes into
   * SharedArrayBuffers only.
   */
  readonly shared?: boolean;
  /** `transfer`: the encoded buffer, when it is an ArrayBuffer the transport may transfer (never a shared one). */
  deliver(channelId: number, item: ChannelItem, transfer: ArrayBuffer | null): void;
  /** Local transports: the consumer's InputChannel, for records handed over one by one (RecordWriter). */
  input?(channelId: number): InputChannel | undefined;
}

/**
 * A channel has `capacity` credits: one per data buffer in flight. With no credit left, buffers
 * (and the events behind them, to keep order) wait in a backlog and the producing task is not
 * scheduled until the backlog drained: a slow consumer backpressures its producers and memory
 * stays bounded by capacity × buffer size (+ one step's output).
 *
 * Encoded buffers are recycled: the consumer gives each one back with its credit (after decoding
 * it, which copies everything out), and the next batch is encoded into it (`takeSpare`). Between
 * worker threads of one process (`ChannelTransport.shared`) the buffers are SharedArrayBuffers,
 * posted without a transfer: a transferred ArrayBuffer is detached in the sending thread, and the
 * first detach in a V8 isolate invalidates its "no ArrayBuffer was ever detached" protector, so
 * from then on every typed-array access of that thread checks for a detached buffer (a loop of
 * typed-array loads and stores ran ~25 % slower after one detach; the record writer's columns and
 * caches and the codec's views are typed arrays). Sharing is safe because of the credit protocol:
 * a buffer is written again only after the consumer returned it, and the consumer never reads it
 * after that.
 */
export class OutputChannel {
  readonly id: number;
  #credits: number;
  readonly #capacity: number;
  readonly #transport: ChannelTransport;
  readonly #backlog: (RecordBuffer | ArrayBufferLike | StreamEvent)[] = [];
  /** Buffers returned by the consumer, reused for encoding. */
  readonly #spare: ArrayBufferLike[] = [];
  /**
   * Shared transports (worker threads of one process): the credit cells, [releases, wake wanted], in a
   * SharedArrayBuffer the consumer gets with the first buffer. A consumer that has them returns a credit by
   * incrementing the first (Atomics.add) instead of posting a message; the producer's slot reads it between
   * task steps (`pollSharedCredits`) and, before it parks, asks for a wake message (`armWake`): the
   * consumer posts one only then. A consumer without them (a TaskManager forwarding over TCP) posts credits.
   */
  readonly creditCells: Int32Array | null;
  /** Releases counted so far from creditCells[0]. */
  #released = 0;
  /** Shared transports: the encoded buffers in flight, oldest first; a credit frees the oldest (the consumer releases in order). */
  readonly #inFlight: ArrayBufferLike[] = [];
  /** Data buffers sent, for metrics. */
  buffersSent = 0;
  /** Encoded bytes sent to another thread, for metrics (one header read per buffer). */
  bytesSent = 0;

  constructor(id: number, capacity: number, transport: ChannelTransport) {
    this.id = id;
    this.#credits = capacity;
    this.#capacity = capacity;
    this.#transport = transport;
    this.creditCells = transport.shared === true ? new Int32Array(new SharedArrayBuffer(8)) : null;
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

  /**
   * A buffer the consumer gave back, to encode the next batch into (RecordWriter's BatchEncoder);
   * on a shared transport a new SharedArrayBuffer when none is left, so every batch stays shared.
   */
  takeSpare(): ArrayBufferLike | undefined {
    const spare = this.#spare.pop();
    if (spare !== undefined || this.#transport.shared !== true) return spare;
    return new SharedArrayBuffer(SHARED_BUFFER_BYTES);
  }

  /** The consumer's input channel when it lives in this thread and is deployed, else null. */
  localInput(): InputChannel | null {
    return this.#transport.local ? this.#transport.input?.(this.id) ?? null : null;
  }

  /** A batch of records, or (remote channels) one the record writer already encoded. */
  sendBuffer(buffer: RecordBuffer | ArrayBufferLike): void {
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
  addCredit(returned: ArrayBufferLike | null): void {
    this.#credits++;
    // Up to one spare per credit: every buffer in flight comes back and is encoded into again (no new allocation).
    // Shared transports free the buffer returned, else their own oldest in flight (what the consumer releases next, in order).
    let free = returned;
    if (this.creditCells !== null) {
      const at = returned === null ? 0 : this.#inFlight.indexOf(returned);
      free = at === 0 ? this.#inFlight.shift() ?? null : at > 0 ? this.#inFlight.splice(at, 1)[0]! : returned;
    }
    if (free && this.#spare.length < this.#capacity) this.#spare.push(free);
    while (this.#backlog.length > 0) {
      const head = this.#backlog[0]!;
      if (!isEncoded(head) && 'type' in head) {
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

  /** Counts the credits a consumer returned through creditCells since the last call; returns whether there were any. */
  pollSharedCredits(): boolean {
    const cells = this.creditCells;
    if (cells === null) return false;
    const released = Atomics.load(cells, 0);
    let n = (released - this.#released) | 0;
    if (n === 0) return false;
    this.#released = released;
    while (n-- > 0) this.addCredit(null);
    return true;
  }

  /** Asks the consumer for a wake message at its next release (the producer's slot is about to park); false when nothing is in flight. */
  armWake(): boolean {
    if (this.creditCells === null || this.#inFlight.length === 0) return false;
    Atomics.store(this.creditCells, 1, 1);
    return true;
  }

  #sendNow(buffer: RecordBuffer | ArrayBufferLike): void {
    this.#credits--;
    this.buffersSent++;
    if (isEncoded(buffer)) {
      this.bytesSent += encodedSize(buffer);
      if (this.creditCells !== null) this.#inFlight.push(buffer);
      this.#transport.deliver(this.id, buffer, buffer instanceof ArrayBuffer ? buffer : null);
    } else if (this.#transport.local) {
      this.#transport.deliver(this.id, buffer, null);
    } else {
      const encoded = encodeBatch(buffer.records, buffer.records.length, buffer.keyGroups, this.takeSpare(), buffer.timestamps);
      this.bytesSent += encodedSize(encoded);
      if (this.creditCells !== null) this.#inFlight.push(encoded);
      this.#transport.deliver(this.id, encoded, encoded instanceof ArrayBuffer ? encoded : null);
    }
  }
}
