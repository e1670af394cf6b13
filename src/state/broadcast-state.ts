// Broadcast state: a map every parallel subtask holds alike, written only by broadcast elements; checkpointed per subtask, restored to every subtask.
//
// Stored as operator state of mode 'broadcast' (operator-state-backend.ts): each subtask
// snapshots its own copy as [key, value] pairs; on restore every new subtask gets one old
// subtask's copy whole (new i takes old i mod oldParallelism), never a concatenation, so all
// subtasks start identical at any parallelism. Rejected: union state (every subtask would
// get n copies and have to deduplicate them).

import type { Key } from '../core/types.ts';
import { denormalizeKey, normalizeKey, type NormalizedKey } from './key-encoding.ts';

export interface ReadOnlyBroadcastState<K extends Key, V> {
  get(key: K): V | undefined;
  contains(key: K): boolean;
  entries(): IterableIterator<[K, V]>;
  keys(): IterableIterator<K>;
  values(): IterableIterator<V>;
  isEmpty(): boolean;
  readonly size: number;
}

export interface BroadcastState<K extends Key, V> extends ReadOnlyBroadcastState<K, V> {
  put(key: K, value: V): void;
  putAll(entries: Iterable<readonly [K, V]>): void;
  remove(key: K): void;
  clear(): void;
}

/** The heap implementation; values are owned by the state once put (do not mutate them afterwards). */
export class HeapBroadcastState<K extends Key, V> implements BroadcastState<K, V> {
  readonly #map = new Map<NormalizedKey, V>();
  /** The same map without the writing methods, for processElement. */
  readonly readOnly: ReadOnlyBroadcastState<K, V>;

  constructor(entries?: Iterable<readonly [K, V]>) {
    if (entries) this.putAll(entries);
    const self = this;
    this.readOnly = {
      get: (k) => self.get(k),
      contains: (k) => self.contains(k),
      entries: () => self.entries(),
      keys: () => self.keys(),
      values: () => self.values(),
      isEmpty: () => self.isEmpty(),
      get size() { return self.size; },
    };
  }

  get(key: K): V | undefined { return this.#map.get(normalizeKey(key)); }
  contains(key: K): boolean { return this.#map.has(normalizeKey(key)); }
  put(key: K, value: V): void { this.#map.set(normalizeKey(key), value); }
  putAll(entries: Iterable<readonly [K, V]>): void { for (const [k, v] of entries) this.put(k, v); }
  remove(key: K): void { this.#map.delete(normalizeKey(key)); }
  clear(): void { this.#map.clear(); }
  isEmpty(): boolean { return this.#map.size === 0; }
  get size(): number { return this.#map.size; }
  *entries(): IterableIterator<[K, V]> { for (const [k, v] of this.#map) yield [denormalizeKey(k) as K, v]; }
  *keys(): IterableIterator<K> { for (const k of this.#map.keys()) yield denormalizeKey(k) as K; }
  values(): IterableIterator<V> { return this.#map.values(); }

  /** The entries as plain pairs, for a snapshot. */
  toPairs(): [K, V][] { return Array.from(this.entries()); }
}
