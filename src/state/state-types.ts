// The state interfaces user functions see; every method acts on the backend's current key.
//
// Values handed to state are owned by it afterwards: do not mutate an object after
// update()/add()/put(), nor one returned by value()/get() (update with a new object).
// The heap backend keeps references, and a snapshot in flight would see the mutation.

import type { Key } from '../core/types.ts';

export interface ValueState<T> {
  /** The current key's value, the descriptor's default value, or undefined. */
  value(): T | undefined;
  /** Sets the value; update(undefined) is clear(). */
  update(value: T): void;
  clear(): void;
}

export interface ListState<T> {
  /**
   * A read-only VIEW of the current key's list (empty when none), not a copy: it is
   * valid until the next write to this state; copy it to keep it.
   */
  get(): readonly T[];
  add(value: T): void;
  addAll(values: Iterable<T>): void;
  /** Replaces the list (the argument is copied); an empty list clears. */
  update(values: Iterable<T>): void;
  clear(): void;
}

export interface MapState<K extends Key, V> {
  get(key: K): V | undefined;
  put(key: K, value: V): void;
  putAll(entries: Iterable<readonly [K, V]>): void;
  contains(key: K): boolean;
  remove(key: K): void;
  /** Live iterators over the current key's map: do not write to this state while iterating. */
  entries(): IterableIterator<[K, V]>;
  keys(): IterableIterator<K>;
  values(): IterableIterator<V>;
  isEmpty(): boolean;
  clear(): void;
}

export interface ReducingState<T> {
  get(): T | undefined;
  add(value: T): void;
  clear(): void;
}

export interface AggregatingState<IN, OUT> {
  /** The result for the current key, undefined when nothing was added. */
  get(): OUT | undefined;
  add(value: IN): void;
  clear(): void;
}
