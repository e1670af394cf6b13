// Event-time and processing-time timers of one keyed operator: deduplicated per (key, time), fired in time order, snapshotted per key group.
//
// Each queue is a binary min-heap of entries (time, then registration order) plus, per
// key group, a Map from key to its set of timer times: the set is the truth, the heap
// only the order. Consecutive registrations of one time (a window end registered by every key
// of the window, one after another) share one heap node: the node's first timer inline, the
// rest in arrays behind it, fired in order before the node leaves the heap. Their registration
// order is contiguous, so the firing order is exactly (time, registration order), as with one
// node per timer, but a thousand keys' timers of one window end cost one heap push and pop
// instead of a thousand sift-downs through entries scattered in memory. Deletion is lazy: it
// removes the time from the set, and the heap entry is skipped when it surfaces (the heap is
// rebuilt from the sets once it holds more than twice the live timers). The sets are copy-on-write by epochs, like the keyed heap
// backend (see heap-states.ts), so snapshot() is O(key groups). Each add, remove and firing
// looks its key up once (one Map get), and a key's cell keeps the key itself, so a rebuild
// decodes nothing. A key with one timer keeps its time inline in the cell; the Set comes with
// the second and goes when one is left (one timer per key is the common case: a window's end, an
// end-of-input timer; consecutive windows of a key overlap only briefly).

import { serialize } from 'node:v8';
import { ConfigError, WeirError } from '../core/errors.ts';
import type { Key } from '../core/types.ts';
import { copyOnWrite } from './heap-states.ts';
import { deserializeSection, readKeyGroupBlob, writeKeyGroupBlob } from './key-group-blob.ts';
import { denormalizeKey, normalizeKey, type NormalizedKey } from './key-encoding.ts';
import { KeyGroupRange, validateParallelism } from './key-groups.ts';
import type { CapturedWindowTables, HeapWindowTables } from './heap-window-tables.ts';

const MAGIC = 'WTS1';

export type OnTimer = (key: Key, keyGroup: number, time: number) => void;

/**
 * A heap node: the first timer of a run of registrations at `time` (key, norm, kgIndex), and the run's
 * later timers in `keys`/`norms`/`kgs` (created with the second). `next` is how many of the run have
 * surfaced (0 = the first one is next); `closed` once the node left the heap (no timer joins it then).
 */
class TimerNode {
  readonly time: number;
  readonly seq: number;
  readonly key: Key;
  readonly norm: NormalizedKey;
  readonly kgIndex: number;
  keys: Key[] | undefined = undefined;
  norms: NormalizedKey[] | undefined = undefined;
  kgs: number[] | undefined = undefined;
  next = 0;
  closed = false;
  constructor(time: number, seq: number, key: Key, norm: NormalizedKey, kgIndex: number) {
    this.time = time;
    this.seq = seq;
    this.key = key;
    this.norm = norm;
    this.kgIndex = kgIndex;
  }
  /** Timers in this node (the first and the run behind it). */
  get size(): number {
    return this.keys === undefined ? 1 : 1 + this.keys.length;
  }
}

/**
 * A key's timer times: one time inline (most keys have one timer: a window's end, an end-of-input timer),
 * a Set from the second on. `v` may be replaced (or the Set mutated) only when `ver` is the current epoch;
 * `k` is the key itself (for rebuilding heap entries without decoding the normalized form).
 */
interface TimerCell {
  v: number | Set<number>;
  readonly ver: number;
  readonly k: Key;
}

function cellHas(c: TimerCell, time: number): boolean {
  const v = c.v;
  return typeof v === 'number' ? v === time : v.has(time);
}

type Table = Map<NormalizedKey, TimerCell>;

function before(a: TimerNode, b: TimerNode): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

class TimerQueue {
  readonly tables: (Table | undefined)[];
  readonly vers: number[];
  heap: TimerNode[] = [];
  /** Timers in the heap's nodes not yet surfaced, dead ones included (for the rebuild rule). */
  pending = 0;
  live = 0;
  #seq = 0;
  /** The node of the latest registration: the next one at the same time joins it. */
  #last: TimerNode | undefined = undefined;
  /** What pollUntil surfaced last. */
  firedKey: Key = 0;
  firedKgIndex = 0;
  firedTime = 0;

  constructor(size: number) {
    this.tables = new Array<Table | undefined>(size).fill(undefined);
    this.vers = new Array<number>(size).fill(-1);
  }

  #ownTable(i: number, epoch: number): Table {
    let t = this.tables[i];
    if (t !== undefined && this.vers[i] === epoch) return t;
    t = t === undefined ? new Map() : copyOnWrite(t);
    this.tables[i] = t;
    this.vers[i] = epoch;
    return t;
  }

  has(i: number, norm: NormalizedKey, time: number): boolean {
    const c = this.tables[i]?.get(norm);
    return c !== undefined && cellHas(c, time);
  }

  add(key: Key, norm: NormalizedKey, i: number, time: number, epoch: number): void {
    const t0 = this.tables[i];
    const c = t0 === undefined ? undefined : t0.get(norm);
    if (c !== undefined) {
      const v = c.v;
      if (typeof v === 'number' ? v === time : v.has(time)) return;
      // A cell of this epoch sits in a table of this epoch: writable in place.
      if (c.ver === epoch) {
        if (typeof v === 'number') c.v = new Set([v, time]);
        else v.add(time);
      } else {
        this.#ownTable(i, epoch).set(norm, { v: typeof v === 'number' ? new Set([v, time]) : new Set(v).add(time), ver: epoch, k: c.k });
      }
    } else {
      (t0 !== undefined && this.vers[i] === epoch ? t0 : this.#ownTable(i, epoch)).set(norm, { v: time, ver: epoch, k: key });
    }
    this.live++;
    this.#enqueue(key, norm, i, time);
  }

  /** Queues a timer: into the latest registration's node when it is of the same time and still in the heap, else a new node. */
  #enqueue(key: Key, norm: NormalizedKey, i: number, time: number): void {
    this.pending++;
    this.#seq++;
    const last = this.#last;
    if (last !== undefined && last.time === time && !last.closed) {
      if (last.keys === undefined) {
        last.keys = [key];
        last.norms = [norm];
        last.kgs = [i];
      } else {
        last.keys.push(key);
        last.norms!.push(norm);
        last.kgs!.push(i);
      }
      return;
    }
    const node = new TimerNode(time, this.#seq, key, norm, i);
    this.#last = node;
    this.#push(node);
  }

  remove(i: number, norm: NormalizedKey, time: number, epoch: number): boolean {
    const t = this.tables[i];
    const c = t === undefined ? undefined : t.get(norm);
    if (c === undefined || !cellHas(c, time)) return false;
    this.#removeFrom(i, norm, c, time, epoch);
    if (this.pending > 64 && this.pending > 2 * this.live) this.#rebuild();
    return true;
  }

  /** Removes `time` from the key's cell `c` (which holds it). */
  #removeFrom(i: number, norm: NormalizedKey, c: TimerCell, time: number, epoch: number): void {
    const held = c.v;
    if (typeof held === 'number' || held.size === 1) this.#ownTable(i, epoch).delete(norm);
    else if (held.size === 2) {
      // Back to one time inline (a key's windows overlap briefly: without this every key keeps a Set for good).
      let other = time;
      for (const t of held) if (t !== time) other = t;
      if (c.ver === epoch) c.v = other;
      else this.#ownTable(i, epoch).set(norm, { v: other, ver: epoch, k: c.k });
    } else if (c.ver === epoch) held.delete(time);
    else {
      const v = new Set(held);
      v.delete(time);
      this.#ownTable(i, epoch).set(norm, { v, ver: epoch, k: c.k });
    }
    this.live--;
  }

  /** The time of the earliest live timer, dropping dead entries on the way. */
  peekTime(): number | undefined {
    const heap = this.heap;
    while (heap.length > 0) {
      const top = heap[0]!;
      const j = top.next;
      if (j === 0 ? this.has(top.kgIndex, top.norm, top.time) : this.has(top.kgs![j - 1]!, top.norms![j - 1]!, top.time)) return top.time;
      this.#advance(top);
    }
    return undefined;
  }

  /** Moves past the top node's next timer; the node leaves the heap after its last. */
  #advance(top: TimerNode): void {
    this.pending--;
    if (++top.next >= top.size) {
      top.closed = true;
      this.#pop();
    }
  }

  /**
   * Removes the earliest live timer at or before `time` (one key lookup per timer) into firedKey, firedKgIndex
   * and firedTime; false when there is none.
   */
  pollUntil(time: number, epoch: number): boolean {
    const heap = this.heap;
    while (heap.length > 0) {
      const top = heap[0]!;
      const t = top.time;
      if (t > time) return false; // every entry below it is later
      const j = top.next;
      let key: Key;
      let norm: NormalizedKey;
      let i: number;
      if (j === 0) {
        key = top.key;
        norm = top.norm;
        i = top.kgIndex;
      } else {
        key = top.keys![j - 1]!;
        norm = top.norms![j - 1]!;
        i = top.kgs![j - 1]!;
      }
      this.#advance(top);
      const c = this.tables[i]?.get(norm);
      if (c === undefined || !cellHas(c, t)) continue; // deleted meanwhile (or a duplicate of one that fired)
      this.#removeFrom(i, norm, c, t, epoch);
      this.firedKey = key;
      this.firedKgIndex = i;
      this.firedTime = t;
      return true;
    }
    return false;
  }

  #push(e: TimerNode): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(e);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!before(e, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = e;
  }

  #pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    const n = heap.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(heap[r]!, heap[l]!) ? r : l;
      if (!before(heap[c]!, last)) break;
      heap[i] = heap[c]!;
      i = c;
    }
    heap[i] = last;
  }

  /** Rebuilds the heap from the sets (the truth): drops dead and duplicate entries. */
  #rebuild(): void {
    for (const n of this.heap) n.closed = true;
    this.heap = [];
    this.pending = 0;
    this.#last = undefined;
    this.tables.forEach((t, i) => {
      if (t === undefined) return;
      for (const [norm, cell] of t) {
        const v = cell.v;
        if (typeof v === 'number') this.#enqueue(cell.k, norm, i, v);
        else for (const time of v) this.#enqueue(cell.k, norm, i, time);
      }
    });
  }

  /** [norm, times[], norm, times[], ...] of key-group index i, from captured tables. */
  static flatten(t: Table | undefined): unknown[] | undefined {
    if (t === undefined || t.size === 0) return undefined;
    const flat: unknown[] = [];
    for (const [norm, cell] of t) flat.push(norm, typeof cell.v === 'number' ? [cell.v] : Array.from(cell.v));
    return flat;
  }
}

/** The timers at snapshot time; write() may run later while timers keep changing. */
export class TimerSnapshot {
  readonly maxParallelism: number;
  readonly keyGroupRange: KeyGroupRange;
  #captured: { event: readonly (Table | undefined)[]; processing: readonly (Table | undefined)[]; windows: CapturedWindowTables | undefined } | undefined;

  /** @internal Made by InternalTimerService.snapshot(). */
  constructor(
    maxParallelism: number, range: KeyGroupRange, event: readonly (Table | undefined)[], processing: readonly (Table | undefined)[], windows?: CapturedWindowTables,
  ) {
    this.maxParallelism = maxParallelism;
    this.keyGroupRange = range;
    this.#captured = { event, processing, windows };
  }

  write(): Uint8Array {
    const c = this.#captured;
    if (c === undefined) throw new WeirError('timer snapshot was already released', { code: 'WEIR_SNAPSHOT_RELEASED', fault: 'internal' });
    const size = this.keyGroupRange.size;
    const sections: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(size).fill(undefined);
    for (let i = 0; i < size; i++) {
      const own = TimerQueue.flatten(c.event[i]);
      const derived = c.windows?.timers(i);
      const ev = derived === undefined ? own : own === undefined ? derived : own.concat(derived);
      const pr = TimerQueue.flatten(c.processing[i]);
      if (ev !== undefined || pr !== undefined) sections[i] = serialize([ev ?? [], pr ?? []]);
    }
    return writeKeyGroupBlob(MAGIC, this.maxParallelism, this.keyGroupRange, null, sections);
  }

  release(): void {
    this.#captured = undefined;
  }
}

export interface InternalTimerServiceOptions {
  readonly maxParallelism: number;
  readonly keyGroupRange: KeyGroupRange;
}

export class InternalTimerService {
  readonly maxParallelism: number;
  readonly keyGroupRange: KeyGroupRange;
  #event: TimerQueue;
  /** Window tables whose (key, window) timers are derived, not held (setWindowTables). */
  #windowTables: HeapWindowTables | undefined = undefined;
  #processing: TimerQueue;
  #watermark = Number.NEGATIVE_INFINITY;
  #epoch = 0;

  constructor(options: InternalTimerServiceOptions) {
    validateParallelism(1, options.maxParallelism);
    if (options.keyGroupRange.end >= options.maxParallelism) {
      throw new ConfigError(`key group range ${options.keyGroupRange.toString()} exceeds maxParallelism ${options.maxParallelism}`);
    }
    this.maxParallelism = options.maxParallelism;
    this.keyGroupRange = options.keyGroupRange;
    this.#event = new TimerQueue(this.keyGroupRange.size);
    this.#processing = new TimerQueue(this.keyGroupRange.size);
  }

  /** The last watermark passed to advanceWatermark (-Infinity before any). */
  get currentWatermark(): number {
    return this.#watermark;
  }

  #index(keyGroup: number): number {
    const i = keyGroup - this.keyGroupRange.start;
    if (!(i >= 0 && i < this.keyGroupRange.size)) {
      throw new WeirError(`timer key group ${keyGroup} is outside ${this.keyGroupRange.toString()}`, { code: 'WEIR_STATE_KEY_GROUP', fault: 'internal' });
    }
    return i;
  }

  /** Registers a timer; a (key, time) pair already registered is not added twice. */
  registerEventTimeTimer(key: Key, keyGroup: number, time: number): void {
    this.#event.add(key, normalizeKey(key), this.#index(keyGroup), time, this.#epoch);
  }

  deleteEventTimeTimer(key: Key, keyGroup: number, time: number): void {
    this.#event.remove(this.#index(keyGroup), normalizeKey(key), time, this.#epoch);
  }

  /** BATCH: true while the end of a key (or of the input) fires processing-time timers; timers registered meanwhile are dropped (as Flink quiesces), so a timer that re-registers itself cannot loop. */
  processingTimeQuiesced = false;

  registerProcessingTimeTimer(key: Key, keyGroup: number, time: number): void {
    if (this.processingTimeQuiesced) return;
    this.#processing.add(key, normalizeKey(key), this.#index(keyGroup), time, this.#epoch);
  }

  deleteProcessingTimeTimer(key: Key, keyGroup: number, time: number): void {
    this.#processing.remove(this.#index(keyGroup), normalizeKey(key), time, this.#epoch);
  }

  /**
   * Moves event time to `watermark` (never backwards) and fires, in time order, every
   * event-time timer at or before it, including timers that onTimer registers meanwhile.
   */
  advanceWatermark(watermark: number, onTimer: OnTimer): void {
    if (watermark > this.#watermark) this.#watermark = watermark;
    const start = this.keyGroupRange.start;
    const q = this.#event;
    while (q.pollUntil(this.#watermark, this.#epoch)) onTimer(q.firedKey, start + q.firedKgIndex, q.firedTime);
  }

  /** When the earliest processing-time timer is due, for scheduling a wake-up. */
  nextProcessingTime(): number | undefined {
    return this.#processing.peekTime();
  }

  /** Fires, in time order, every processing-time timer at or before `now`. */
  fireProcessingTimers(now: number, onTimer: OnTimer): void {
    const start = this.keyGroupRange.start;
    const q = this.#processing;
    while (q.pollUntil(now, this.#epoch)) onTimer(q.firedKey, start + q.firedKgIndex, q.firedTime);
  }

  /**
   * BATCH, between two keys: event time starts again at −∞ for the next key (its records are
   * never late), and any processing-time timers left are dropped. Called after the finished
   * key's event-time timers and then its processing-time timers fired (end of key, as Flink).
   */
  resetForNextKey(): void {
    this.#watermark = Number.NEGATIVE_INFINITY;
    if (this.#processing.live > 0 || this.#processing.pending > 0) this.#processing = new TimerQueue(this.keyGroupRange.size);
  }

  numEventTimeTimers(): number {
    return this.#event.live + (this.#windowTables?.numTimers() ?? 0);
  }

  /** Whether the event-time timer (key, time) is registered (not counting timers derived from window tables). */
  hasEventTimeTimer(key: Key, keyGroup: number, time: number): boolean {
    return this.#event.has(this.#index(keyGroup), normalizeKey(key), time);
  }

  /**
   * The window operator's window-major tables (HeapWindowTables) fire their windows themselves; their
   * (key, window) timers, as the key-major layout registered them, are written into every snapshot from
   * the tables. The timers restored for them are dropped here (the caller read what it needed first):
   * every event-time timer held goes.
   */
  setWindowTables(tables: HeapWindowTables): void {
    this.#event = new TimerQueue(this.keyGroupRange.size);
    this.#windowTables = tables;
  }

  numProcessingTimeTimers(): number {
    return this.#processing.live;
  }

  /** Captures all timers (O(key groups)); write() serializes them per key group. */
  snapshot(): TimerSnapshot {
    const s = new TimerSnapshot(this.maxParallelism, this.keyGroupRange, this.#event.tables.slice(), this.#processing.tables.slice(), this.#windowTables?.capture());
    this.#epoch++;
    return s;
  }

  /** Adds the timers of the key groups in this service's range from blobs of any old subtasks. */
  restore(blobs: readonly Uint8Array[]): void {
    blobs.forEach((blob, b) => {
      const source = `timer blob #${b}`;
      const r = readKeyGroupBlob(blob, MAGIC, source);
      if (r.maxParallelism !== this.maxParallelism) {
        throw new ConfigError(`${source} was written with maxParallelism ${r.maxParallelism} but this timer service has ${this.maxParallelism}: maxParallelism cannot change across a restore`);
      }
      const from = Math.max(r.keyGroupRange.start, this.keyGroupRange.start);
      const to = Math.min(r.keyGroupRange.end, this.keyGroupRange.end);
      for (let kg = from; kg <= to; kg++) {
        const bytes = r.section(kg);
        if (bytes === undefined) continue;
        const [ev, pr] = deserializeSection(bytes, source, kg) as [unknown[], unknown[]];
        const i = kg - this.keyGroupRange.start;
        for (const [queue, flat] of [[this.#event, ev], [this.#processing, pr]] as const) {
          for (let j = 0; j + 1 < flat.length; j += 2) {
            const norm = flat[j] as NormalizedKey;
            const key = denormalizeKey(norm);
            for (const time of flat[j + 1] as number[]) queue.add(key, norm, i, time, this.#epoch);
          }
        }
      }
    });
  }
}
