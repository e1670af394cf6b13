// A window's contents in keyed state: one accumulator per (key, window), as aggregating state under a namespaced key.
//
// Namespacing: the state of window w of key k lives under the composite key [k, w.start, w.end]
// in k's key group (the backend is told k's key group, not the composite's), so window state
// is snapshotted per key group and restores at any parallelism, like any keyed state
// (Flink's key + namespace). Reduce, aggregate and process all become one AggregateFunction:
// reduce keeps the reduced value, process keeps the element list. Aggregating state handles
// copy-on-write (it deep-copies an accumulator a snapshot still references before the first
// change), so a user `add` that mutates its accumulator is safe.

import type { Key } from '../../../core/types.ts';
import type { AggregateFunction } from '../../../api/windows/window-functions.ts';
import type { WindowFunctionSpec } from '../../../api/windows/window-spec.ts';
import { AggregatingStateDescriptor, type AggregatingState, type HeapKeyedStateBackend } from '../../../state/index.ts';
import type { TimeWindow } from '../../../api/windows/time-window.ts';

/** An `add` argument that replaces the accumulator (after a session merge) instead of adding a record. */
class Replace {
  readonly acc: unknown;
  constructor(acc: unknown) {
    this.acc = acc;
  }
}

const EMPTY = Symbol('empty');

/** The window functions as one accumulator type, plus what a firing hands to the (optional) ProcessWindowFunction. */
export interface Accumulation {
  readonly agg: AggregateFunction<unknown, unknown, unknown>;
  /** The elements a ProcessWindowFunction receives for an accumulator. */
  elements(acc: unknown): Iterable<unknown>;
  /** The record emitted when there is no ProcessWindowFunction. */
  result(acc: unknown): unknown;
}

export function accumulationOf(fn: WindowFunctionSpec): Accumulation {
  switch (fn.kind) {
    case 'reduce': {
      const reduce = fn.reduce;
      return {
        agg: {
          createAccumulator: () => EMPTY,
          add: (v, acc) => (acc === EMPTY ? v : reduce(acc, v)),
          getResult: (acc) => acc,
          merge: (a, b) => (a === EMPTY ? b : b === EMPTY ? a : reduce(a, b)),
        },
        elements: (acc) => [acc],
        result: (acc) => acc,
      };
    }
    case 'aggregate': {
      const user = fn.aggregate;
      return { agg: user, elements: (acc) => [user.getResult(acc)], result: (acc) => user.getResult(acc) };
    }
    case 'process':
      return {
        agg: {
          createAccumulator: () => [],
          add: (v, acc) => { (acc as unknown[]).push(v); return acc; },
          getResult: (acc) => acc,
          merge: (a, b) => (a as unknown[]).concat(b as unknown[]),
        },
        elements: (acc) => acc as unknown[],
        result: (acc) => acc,
      };
  }
}

/** The accumulators of one window operator; every call works on the window of the backend's current user key. */
export class WindowContents {
  readonly #backend: HeapKeyedStateBackend;
  readonly #state: AggregatingState<unknown, unknown>;
  readonly #agg: AggregateFunction<unknown, unknown, unknown>;

  constructor(backend: HeapKeyedStateBackend, agg: AggregateFunction<unknown, unknown, unknown>) {
    this.#backend = backend;
    this.#agg = agg;
    // getResult is the identity: get() returns the raw accumulator; the operator applies the user's getResult when it fires.
    const stored: AggregateFunction<unknown, unknown, unknown> = {
      createAccumulator: () => agg.createAccumulator(),
      add: (v, acc) => (v instanceof Replace ? v.acc : agg.add(v, acc)),
      getResult: (acc) => acc,
    };
    this.#state = backend.getAggregatingState(new AggregatingStateDescriptor('_window-contents', stored as Required<typeof stored>));
  }

  /** Makes [key, window] the backend's current key (in `keyGroup`, the user key's group). */
  select(key: Key, keyGroup: number, window: TimeWindow): void {
    this.#backend.setCurrentKey([key, window.start, window.end] as Key, keyGroup);
  }

  /** The raw accumulator of the selected window, undefined when empty. Do not mutate it. */
  get(): unknown {
    return this.#state.get();
  }

  add(value: unknown): void {
    this.#state.add(value);
  }

  /** Replaces the selected window's accumulator. */
  set(acc: unknown): void {
    this.#state.add(new Replace(acc));
  }

  clear(): void {
    this.#state.clear();
  }

  /** The accumulator of two merged windows (copies first: user merges may mutate). */
  merge(a: unknown, b: unknown): unknown {
    if (a === undefined) return b;
    if (b === undefined) return a;
    return this.#agg.merge!(structuredCloneIfObject(a), structuredCloneIfObject(b));
  }
}

function structuredCloneIfObject(v: unknown): unknown {
  return typeof v === 'object' && v !== null ? structuredClone(v) : v;
}

/** [key, start, end] composite of a window timer or state entry back to its parts. */
export function splitComposite(composite: Key): { key: Key; start: number; end: number } {
  const c = composite as unknown as [Key, number, number];
  return { key: c[0], start: c[1], end: c[2] };
}
