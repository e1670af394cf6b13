// A window's contents in keyed state: one accumulator per (key, window), in the backend's window state.
//
// Namespacing: the accumulator of window w of key k lives in k's entry (so in k's key group) under
// the namespace w.end (unique among one key's windows: tumbling and sliding windows have one size,
// session windows never overlap), so window state is snapshotted per key group and restores at any
// parallelism, like any keyed state (Flink's key + namespace), without a composite key per record
// (see HeapWindowState). Reduce, aggregate and process all become one AggregateFunction: reduce
// keeps the reduced value, process keeps the element list. The window state handles copy-on-write
// (it deep-copies an accumulator a snapshot still references before the first change), so a user
// `add` that mutates its accumulator is safe.

import type { Key } from '../../../core/types.ts';
import type { AggregateFunction } from '../../../api/windows/window-functions.ts';
import type { WindowFunctionSpec } from '../../../api/windows/window-spec.ts';
import type { HeapKeyedStateBackend, HeapWindowState } from '../../../state/index.ts';

const EMPTY = Symbol('empty');

/** The state name of a window operator's contents (window state, or the window tables that snapshot as it). */
export const CONTENTS_STATE = '_window-contents';

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
      return listAccumulation();
  }
}

/** Every element of the window, in arrival order: for a process function alone, and for any window with an evictor. */
export function listAccumulation(): Accumulation {
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

/** The accumulators of one window operator; every call works on the backend's current (user) key, `ns` names the window (its end). */
export class WindowContents {
  readonly #state: HeapWindowState<unknown, unknown>;
  readonly #agg: AggregateFunction<unknown, unknown, unknown>;

  /** The window state behind these contents (the operator's per-record path adds to it directly). */
  get state(): HeapWindowState<unknown, unknown> {
    return this.#state;
  }

  constructor(backend: HeapKeyedStateBackend, agg: AggregateFunction<unknown, unknown, unknown>) {
    this.#agg = agg;
    this.#state = backend.getWindowState(CONTENTS_STATE, agg);
  }

  /** The raw accumulator of window `ns`, undefined when empty. Do not mutate it. */
  get(ns: number): unknown {
    return this.#state.get(ns);
  }

  /** Adds a record to window `ns`; true when the window was empty before (its timers are to be registered). */
  add(ns: number, value: unknown): boolean {
    return this.#state.add(ns, value);
  }

  /** Replaces window `ns`'s accumulator. */
  set(ns: number, acc: unknown): void {
    this.#state.set(ns, acc);
  }

  clear(ns: number): void {
    this.#state.clear(ns);
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
