// Routes the records of one job edge to its channels (the partitioner) and batches them into buffers.

import { WeirError, describeValue } from '../../core/errors.ts';
import type { Key } from '../../core/types.ts';
import type { KeySelector } from '../../api/functions.ts';
import type { PartitionSpec } from '../../api/transformation.ts';
import { keyGroupFor, operatorIndexForKeyGroup, stringKeyGroup } from '../../state/index.ts';
import type { StreamEvent } from '../events.ts';
import type { ElementTime } from '../operator.ts';
import { BatchEncoder } from '../../serde/index.ts';
import type { InputChannel } from './input-channel.ts';
import type { OutputChannel } from './output-channel.ts';

/** Slots of a keyed writer's key-group cache for number keys (a power of two). */
const KEY_CACHE_SLOTS = 1024;

/** Records a keyed channel's run holds at most (see RecordWriter). */
export const RUN_LENGTH = 64;

/** The records staged for one keyed channel (handed over as a run to a same-thread consumer, else added to its buffer); arrays reused run after run. */
class LocalRun {
  /** RUN_LENGTH, or the buffer size when smaller (a run that is not handed over must fit one pending buffer). */
  readonly capacity: number;
  readonly records: unknown[];
  readonly keys: Key[];
  readonly keyGroups: Int32Array;
  readonly timestamps: Float64Array;
  count = 0;
  /** The run is drained at this count: `capacity`, or less when the channel's pending buffer has fewer free places (so buffers keep their size). */
  limit: number;
  /** Any timestamp other than NaN in the run (its column is then sent when the run joins a buffer). */
  hasTimestamps = false;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.limit = capacity;
    this.records = new Array<unknown>(capacity).fill(undefined);
    this.keys = new Array<Key>(capacity).fill(0);
    this.keyGroups = new Int32Array(capacity);
    this.timestamps = new Float64Array(capacity);
  }
}

/**
 * One writer per (job edge, producer subtask). `emit` is the per-record hot path: a channel
 * choice and an array push; for a channel to another thread the record is also encoded at once
 * (BatchEncoder), while it is still in the cache, and the buffer is finished at the flush.
 * Channels are ordered by consumer subtask, so for all-to-all edges channel j = consumer j.
 *
 * On keyed (hash) edges every channel's records are first staged in a short run (LocalRun, up to
 * RUN_LENGTH records with their keys, key groups and timestamps), whatever the channel: the
 * per-record path is then the same few stores for every channel, with no branch on whether the
 * consumer is in this thread (the key picks the channel at random, and that branch was mispredicted
 * about every other record). A run for another thread is encoded into the channel's buffer when it
 * drains (#appendRun: still in the cache), and stops at the room its pending buffer has left
 * (`limit`), so buffers keep bufferSize records.
 *
 * On keyed (hash) edges, records for a same-thread consumer are handed over in short runs
 * (`InputChannel.deliverRun`, up to RUN_LENGTH records) with the key and key group computed here,
 * straight into a loop of the consumer's own (Task's #processRun): never encoded, queued, or read
 * again ~1,000 records later with the key selector called a second time. The run goes over when it
 * is full or at the writer's flush, if the consumer would read it now (`InputChannel.acceptsRecord`:
 * nothing queued before it, running, not held by a promise, no mailbox work, the channel not
 * blocked by alignment, its outputs not backpressured); otherwise its records join the channel's
 * pending buffer (the queue keeps the order, credits bound the memory), and records go to runs
 * again once that buffer was sent. Runs, not one record at a time: a per-record call got the
 * consumer's chain (the user function) inlined into the producer's `emit` frame, where V8 kept a
 * user loop's variable on the stack (2.2× the cycles in the keyed-work bench); the run loop is
 * compiled like the consumer's buffer loop. Runs are short so that the records are still in the
 * cache when the consumer reads them (the word count lost 2–27 % with full 1,024-record buffers).
 * Other partitioners batch always: their point is spreading load, and a same-thread hand-over
 * would only pay off on keyBy (where the consumer would call the key selector again).
 */
export class RecordWriter {
  readonly #channels: OutputChannel[];
  readonly #n: number;
  readonly #bufferSize: number;
  readonly #partition: PartitionSpec;
  readonly #maxParallelism: number;
  readonly #operatorName: string;
  readonly #keyed: boolean;
  /** Keyed edges: the key selector, sent with each same-thread run (the consumer trusts keys computed with its own selector). */
  readonly #keySelector: KeySelector<unknown, Key> | undefined;
  /** Keyed edges: the channel of each key group (operatorIndexForKeyGroup, one load instead of a float division per record). */
  readonly #channelOfKeyGroup: Uint16Array;
  /** Records of each same-thread channel's partial buffer (channels to another thread keep none: their encoder has them). */
  #pending: unknown[][];
  /** Records in each channel's partial buffer (both kinds of channel). */
  readonly #counts: Int32Array;
  /** Key groups of the partial buffers, channel ch at [ch × bufferSize, (ch + 1) × bufferSize) (keyed edges; one array, one load per record). */
  readonly #keyGroupColumn: Int32Array;
  /**
   * Timestamps of the partial buffers, laid out as #keyGroupColumn; written only once a record of the
   * channel's buffer has one (#timed[ch] = 1, the earlier ones filled with NaN then), and sent only then.
   */
  readonly #timeColumn: Float64Array;
  readonly #timed: Uint8Array;
  #roundRobin: number;
  /** Per channel, the consumer's InputChannel when it lives in this thread (resolved at the first record). */
  #local: (InputChannel | null)[] | null = null;
  /** Keyed edges: per channel, the run its records are staged in (every channel; empty array on other edges). */
  readonly #stages: LocalRun[];
  /** Per channel to another thread, the encoder of its pending batch (null for same-thread channels). */
  readonly #encoders: (BatchEncoder | null)[];
  recordsOut = 0;
  /** Keyed edges: key groups of number keys seen lately, direct-mapped by key & (KEY_CACHE_SLOTS - 1) (NaN: empty). */
  readonly #cachedKeys = new Float64Array(KEY_CACHE_SLOTS).fill(Number.NaN);
  readonly #cachedGroups = new Int32Array(KEY_CACHE_SLOTS);
  /** The time `emit(record, timestamp)` passes to emitAt. */
  readonly #time: ElementTime = { timestamp: Number.NaN };

  constructor(options: {
    channels: OutputChannel[];
    partition: PartitionSpec;
    bufferSize: number;
    maxParallelism: number;
    producerSubtask: number;
    operatorName: string;
  }) {
    this.#channels = options.channels;
    this.#n = options.channels.length;
    this.#bufferSize = options.bufferSize;
    this.#partition = options.partition;
    this.#maxParallelism = options.maxParallelism;
    this.#operatorName = options.operatorName;
    this.#keyed = options.partition.kind === 'hash';
    this.#keySelector = options.partition.kind === 'hash' ? options.partition.key : undefined;
    const n = this.#n;
    this.#channelOfKeyGroup = this.#keyed
      ? Uint16Array.from({ length: options.maxParallelism }, (_, kg) => operatorIndexForKeyGroup(options.maxParallelism, n, kg))
      : new Uint16Array(0);
    this.#pending = this.#channels.map(() => []);
    this.#counts = new Int32Array(this.#n);
    this.#keyGroupColumn = new Int32Array(this.#keyed ? n * this.#bufferSize : 0);
    this.#timeColumn = new Float64Array(n * this.#bufferSize);
    this.#timed = new Uint8Array(n);
    this.#encoders = this.#channels.map((c) => (c.remote ? new BatchEncoder(() => c.takeSpare()) : null));
    const capacity = Math.min(RUN_LENGTH, this.#bufferSize);
    this.#stages = this.#keyed ? this.#channels.map(() => new LocalRun(capacity)) : [];
    // Start round robin at a subtask-dependent channel, so producers do not all hit consumer 0 first.
    this.#roundRobin = this.#n > 0 ? options.producerSubtask % this.#n : 0;
  }

  /** `timestamp`: the record's event time, NaN when it has none (events.ts NO_TIMESTAMP). */
  emit(record: unknown, timestamp = Number.NaN): void {
    this.#time.timestamp = timestamp;
    this.emitAt(record, this.#time);
  }

  /**
   * The per-record path (WriterOutput): the record with the time of `time` (the chain's element).
   * The time comes as the object, not as a number argument: a double passed to a call that is not
   * inlined is boxed, a heap number allocated per record (16 bytes; 40 MB a worker in the keyed-work
   * bench at p=2), where a field load into the Float64Array columns allocates nothing.
   */
  emitAt(record: unknown, time: ElementTime): void {
    this.recordsOut++;
    const p = this.#partition;
    switch (p.kind) {
      case 'hash': {
        const k = p.key(record);
        let key: Key;
        let kg: number;
        if (typeof k === 'number') {
          // Number keys: the key group from a direct-mapped cache (as KeyedChainedOutput does), murmur3 only on a miss.
          key = k;
          const slot = k & (KEY_CACHE_SLOTS - 1);
          if (this.#cachedKeys[slot] === k) {
            kg = this.#cachedGroups[slot]!;
          } else {
            kg = keyGroupFor(k, this.#maxParallelism);
            this.#cachedKeys[slot] = k;
            this.#cachedGroups[slot] = kg;
          }
        } else if (typeof k === 'string') {
          // A string needs no checkKey; its group without keyGroupFor's type dispatch (a mask at power-of-two maxParallelism).
          key = k;
          kg = stringKeyGroup(k, this.#maxParallelism);
        } else {
          key = checkKey(k, record, this.#operatorName);
          kg = keyGroupFor(key, this.#maxParallelism);
        }
        // Every channel stages its records in a short run (a same-thread consumer gets the run itself, another
        // thread's is encoded from it): the same stores whichever channel the key picks, so the per-record path has
        // no branch on it (the channel is random per record, and that branch was mispredicted about every other record).
        const ch = this.#channelOfKeyGroup[kg]!;
        const run = this.#stages[ch]!;
        const r = run.count;
        const timestamp = time.timestamp;
        run.records[r] = record;
        run.keys[r] = key;
        run.keyGroups[r] = kg;
        run.timestamps[r] = timestamp;
        if (timestamp === timestamp) run.hasTimestamps = true;
        run.count = r + 1;
        if (r + 1 >= run.limit) this.#drain(ch, run);
        return;
      }
      case 'broadcast':
        for (let ch = 0; ch < this.#n; ch++) this.#append(ch, record, time);
        return;
      case 'global':
        this.#append(0, record, time);
        return;
      case 'shuffle':
        this.#append((Math.random() * this.#n) | 0, record, time);
        return;
      case 'custom': {
        const key = checkKey(p.key(record), record, this.#operatorName);
        const ch = p.partition(key, this.#n);
        if (!Number.isInteger(ch) || ch < 0 || ch >= this.#n) {
          throw new WeirError(`custom partitioner after "${this.#operatorName}" returned ${String(ch)} for key ${describeValue(key)}; it must be an integer in [0, ${this.#n})`, { code: 'WEIR_PARTITIONER', fault: 'user' });
        }
        this.#append(ch, record, time);
        return;
      }
      default: {
        // forward, rebalance, rescale: round robin over this writer's channels (one for forward).
        let ch = this.#roundRobin;
        if (++this.#roundRobin >= this.#n) this.#roundRobin = 0;
        if (this.#n === 1) ch = 0;
        this.#append(ch, record, time);
      }
    }
  }

  #append(ch: number, record: unknown, time: ElementTime): void {
    const n = this.#counts[ch]!;
    const timestamp = time.timestamp;
    const at = ch * this.#bufferSize + n;
    if (timestamp === timestamp) this.#stamp(ch, at, timestamp);
    else if (this.#timed[ch] !== 0) this.#timeColumn[at] = Number.NaN;
    const encoder = this.#encoders[ch]!;
    if (encoder !== null) encoder.add(record);
    else this.#pending[ch]!.push(record);
    this.#counts[ch] = n + 1;
    if (n + 1 >= this.#bufferSize) this.#flushChannel(ch);
  }

  /** Writes a timestamp at `at` of channel ch's buffer (its first one marks the column used; see #startTimes). */
  #stamp(ch: number, at: number, timestamp: number): void {
    if (this.#timed[ch] === 0) this.#startTimes(ch, at);
    this.#timeColumn[at] = timestamp;
  }

  /** The first timestamp of a channel's buffer, to be written at `at`: the earlier records' slots get NaN (none). */
  #startTimes(ch: number, at: number): void {
    this.#timeColumn.fill(Number.NaN, ch * this.#bufferSize, at);
    this.#timed[ch] = 1;
  }

  /**
   * A keyed channel's run is full (or has as many records as its pending buffer has room for, or the
   * writer flushes): a same-thread consumer that would read it now gets it as it is; otherwise its
   * records join the channel's pending buffer (encoded, for another thread), which is sent once full.
   */
  #drain(ch: number, run: LocalRun): void {
    const count = run.count;
    if (count > 0) {
      run.count = 0;
      const input = (this.#local ??= this.#channels.map((c) => c.localInput()))[ch]!;
      if (input !== null && this.#counts[ch] === 0 && input.acceptsRecord() && !this.#channels[ch]!.hasBacklog) {
        run.hasTimestamps = false;
        input.deliverRun(run.records, run.keys, this.#keySelector, run.keyGroups, run.timestamps, count);
      } else {
        this.#appendRun(ch, run, count);
        // A same-thread consumer refused the run (back-pressure, or its channel blocked by alignment): what is pending
        // goes out at once as a buffer of its own, not as the start of a full one. Records would otherwise go to that
        // buffer until it filled, and once sent it stands queued when the next run is offered, so the producer stayed
        // in buffers for as long as it ran before the consumer (tens of ms after each checkpoint's alignment: 5 % of
        // the word count's records at a 1 s interval, each keyed a second time by the consumer).
        if (input !== null && this.#counts[ch]! > 0) this.#flushChannel(ch);
      }
    }
    run.limit = Math.min(run.capacity, this.#bufferSize - this.#counts[ch]!);
  }

  /** Appends a run's records to channel ch's pending buffer (they fit: run.limit), sending it when full. */
  #appendRun(ch: number, run: LocalRun, count: number): void {
    const n = this.#counts[ch]!;
    const at = ch * this.#bufferSize + n;
    this.#keyGroupColumn.set(run.keyGroups.subarray(0, count), at);
    if (run.hasTimestamps) {
      run.hasTimestamps = false;
      if (this.#timed[ch] === 0) this.#startTimes(ch, at);
      this.#timeColumn.set(run.timestamps.subarray(0, count), at);
    } else if (this.#timed[ch] !== 0) {
      this.#timeColumn.fill(Number.NaN, at, at + count);
    }
    const records = run.records;
    const encoder = this.#encoders[ch]!;
    if (encoder !== null) {
      encoder.addMany(records, count);
    } else {
      const pending = this.#pending[ch]!;
      for (let i = 0; i < count; i++) pending.push(records[i]);
    }
    this.#counts[ch] = n + count;
    if (n + count >= this.#bufferSize) this.#flushChannel(ch);
  }

  #flushChannel(ch: number): void {
    if (this.#keyed) {
      const run = this.#stages[ch]!;
      if (run.count > 0) {
        // Drained first (the staged records come after the pending ones); a full pending buffer is sent from there.
        this.#drain(ch, run);
        if (this.#counts[ch] === 0) return;
      }
    }
    this.#sendPending(ch);
    if (this.#keyed) this.#stages[ch]!.limit = this.#stages[ch]!.capacity;
  }

  #sendPending(ch: number): void {
    const n = this.#counts[ch]!;
    if (n === 0) return;
    this.#counts[ch] = 0;
    const encoder = this.#encoders[ch]!;
    const base = ch * this.#bufferSize;
    const timed = this.#timed[ch] !== 0;
    this.#timed[ch] = 0;
    if (encoder !== null) {
      // Another thread: the columns are copied into the buffer now, so the pending arrays stay ours.
      const keyGroups = this.#keyed ? this.#keyGroupColumn.subarray(base, base + n) : null;
      const timestamps = timed ? this.#timeColumn.subarray(base, base + n) : null;
      this.#channels[ch]!.sendBuffer(encoder.finish(n, keyGroups, timestamps));
      return;
    }
    // This thread: the consumer keeps the buffer until it ran, so its columns are copies.
    const records = this.#pending[ch]!;
    const keyGroups = this.#keyed ? this.#keyGroupColumn.slice(base, base + n) : null;
    const timestamps = timed ? this.#timeColumn.slice(base, base + n) : null;
    this.#pending[ch] = [];
    this.#channels[ch]!.sendBuffer({ records, keyGroups, timestamps });
  }

  /** Sends every partial buffer (on idle, before events, at end of input). */
  flush(): void {
    for (let ch = 0; ch < this.#n; ch++) this.#flushChannel(ch);
  }

  /** Events go to every channel, after the records emitted before them. */
  broadcastEvent(event: StreamEvent): void {
    this.flush();
    for (const c of this.#channels) c.sendEvent(event);
  }

  /**
   * How many more records this writer can take before a buffer would wait for credit: the
   * tightest channel's credits × buffer size minus its partial buffer, times the channels a
   * record may go to (a source polls no more than this, so its output never piles up in backlogs).
   */
  get recordRoom(): number {
    let min = Number.POSITIVE_INFINITY;
    for (let ch = 0; ch < this.#n; ch++) {
      const room = this.#channels[ch]!.credits * this.#bufferSize - this.#counts[ch]! - (this.#keyed ? this.#stages[ch]!.count : 0);
      if (room < min) min = room;
    }
    if (!(min > 0)) return 0;
    const kind = this.#partition.kind;
    return kind === 'broadcast' || kind === 'global' ? min : min * this.#n;
  }

  /** Whether a channel of this writer goes to another thread or process (its consumer runs elsewhere). */
  get hasRemoteChannel(): boolean {
    for (const e of this.#encoders) if (e !== null) return true;
    return false;
  }

  get hasBacklog(): boolean {
    for (const c of this.#channels) if (c.hasBacklog) return true;
    return false;
  }

  /** Encoded bytes sent to other threads (metrics; read every few hundred ms). */
  get bytesOut(): number {
    let n = 0;
    for (const c of this.#channels) n += c.bytesSent;
    return n;
  }

  get hasPending(): boolean {
    for (let ch = 0; ch < this.#n; ch++) if (this.#counts[ch]! > 0) return true;
    for (const run of this.#stages) if (run.count > 0) return true;
    return false;
  }
}

/** Keys must be hashable values; anything else is the user's mistake, reported with the record. */
export function checkKey(key: unknown, record: unknown, operatorName: string): Key {
  const t = typeof key;
  if (t === 'string' || t === 'number') return key as Key;
  if (t === 'boolean' || t === 'bigint' || (Array.isArray(key) && key.every((k) => checkNested(k)))) return key as Key;
  throw new WeirError(
    `keyBy after "${operatorName}": the key selector returned ${key === null ? 'null' : t} for record ${describeValue(record)}; keys must be strings, numbers, booleans, bigints or arrays of them`,
    { code: 'WEIR_BAD_KEY', fault: 'user' },
  );
}

function checkNested(k: unknown): boolean {
  const t = typeof k;
  return t === 'string' || t === 'number' || t === 'boolean' || t === 'bigint' || (Array.isArray(k) && k.every(checkNested));
}
