// State descriptors: the name and kind (plus default, reduce or aggregate function) under which an operator asks for state.

import { ConfigError } from '../core/errors.ts';
import type { Key } from '../core/types.ts';

/** 'window' is internal: per-window accumulators of a key (HeapKeyedStateBackend.getWindowState). */
export type StateKind = 'value' | 'list' | 'map' | 'reducing' | 'aggregating' | 'window';

/** Folds values into an accumulator. `add` may mutate and return `acc`: the backend copies accumulators a snapshot still references. */
export interface AggregateFunction<IN, ACC, OUT> {
  createAccumulator(): ACC;
  add(value: IN, acc: ACC): ACC;
  getResult(acc: ACC): OUT;
}

function checkName(name: string, kind: StateKind): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ConfigError(`${kind} state descriptor needs a non-empty name, got ${JSON.stringify(name)}`);
  }
  return name;
}

export class ValueStateDescriptor<T> {
  readonly kind = 'value' as const;
  readonly name: string;
  /** Returned by ValueState.value() when the current key has no value. */
  readonly defaultValue: T | undefined;
  constructor(name: string, options?: { defaultValue?: T }) {
    this.name = checkName(name, 'value');
    this.defaultValue = options?.defaultValue;
  }
}

export class ListStateDescriptor<T> {
  readonly kind = 'list' as const;
  readonly name: string;
  /** Phantom: carries T for type inference only. */
  declare readonly __element?: T;
  constructor(name: string) {
    this.name = checkName(name, 'list');
  }
}

export class MapStateDescriptor<K extends Key, V> {
  readonly kind = 'map' as const;
  readonly name: string;
  declare readonly __entry?: [K, V];
  constructor(name: string) {
    this.name = checkName(name, 'map');
  }
}

export class ReducingStateDescriptor<T> {
  readonly kind = 'reducing' as const;
  readonly name: string;
  /** Combines the stored value with a new one. May mutate and return `a` (see AggregateFunction). */
  readonly reduce: (a: T, b: T) => T;
  constructor(name: string, reduce: (a: T, b: T) => T) {
    this.name = checkName(name, 'reducing');
    if (typeof reduce !== 'function') throw new ConfigError(`reducing state "${name}" needs a reduce function`);
    this.reduce = reduce;
  }
}

export class AggregatingStateDescriptor<IN, ACC, OUT> {
  readonly kind = 'aggregating' as const;
  readonly name: string;
  readonly agg: AggregateFunction<IN, ACC, OUT>;
  constructor(name: string, agg: AggregateFunction<IN, ACC, OUT>) {
    this.name = checkName(name, 'aggregating');
    if (agg === null || typeof agg !== 'object' || typeof agg.createAccumulator !== 'function' || typeof agg.add !== 'function' || typeof agg.getResult !== 'function') {
      throw new ConfigError(`aggregating state "${name}" needs an object with createAccumulator, add and getResult`);
    }
    this.agg = agg;
  }
}

export type AnyStateDescriptor =
  | ValueStateDescriptor<unknown>
  | ListStateDescriptor<unknown>
  | MapStateDescriptor<Key, unknown>
  | ReducingStateDescriptor<unknown>
  | AggregatingStateDescriptor<unknown, unknown, unknown>;
