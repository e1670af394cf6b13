// ConnectedStreams (a.connect(b)) and BroadcastConnectedStream (a.connect(b.broadcast(descriptor))): two inputs, one operator.

import { ConfigError } from '../../core/errors.ts';
import type { FieldOf, Key } from '../../core/types.ts';
import type { MapStateDescriptor } from '../../state/index.ts';
import type { KeySelector } from '../functions.ts';
import type { DataStream } from '../data-stream.ts';
import type { Transformation } from '../transformation.ts';
import type {
  BroadcastProcessFunction, CoFlatMapFunction, CoMapFunction, CoProcessFunction, KeyedBroadcastProcessFunction, KeyedCoProcessFunction,
} from './functions.ts';
import type { TwoInputFunctionSpec } from './spec.ts';

type Fn<F> = F | (() => F);
type AnyKeySelector = KeySelector<unknown, Key>;

/** Adds the two-input operator to the graph and wraps the result (given by DataStream, so this file needs no value import of it). */
export type MakeStream = (t: Transformation) => DataStream<unknown>;

/** @internal Shared by ConnectedStreams, BroadcastConnectedStream and interval joins. */
export function addTwoInput<O>(
  first: DataStream<unknown>, second: DataStream<unknown>, keys: readonly [AnyKeySelector | undefined, AnyKeySelector | undefined],
  name: string, fn: TwoInputFunctionSpec, make: MakeStream,
): DataStream<O> {
  if (first.environment !== second.environment) throw new ConfigError(`${name}: both inputs must come from the same environment`);
  const t = first.environment.addTransformation({
    type: 'operator', name, inputs: [first.transformation, second.transformation],
    spec: { kind: 'twoInput', twoInput: { fn, keySelectors: keys } },
    // The first input's key makes the operator keyed (state backend, timers, no chaining into it).
    keySelector: keys[0],
  });
  return make(t) as DataStream<O>;
}

function checkObject(fn: unknown, methods: readonly string[], what: string, name: string, factory: boolean): void {
  if (factory && typeof fn === 'function') return;
  if (fn === null || typeof fn !== 'object' || methods.some((m) => typeof (fn as Record<string, unknown>)[m] !== 'function')) {
    throw new ConfigError(`${name}: ${what} needs an object with ${methods.map((m) => `${m}()`).join(' and ')}${factory ? ', or a factory of one' : ''}`);
  }
}

/** Two streams, possibly of different types, processed by one operator with a function per input. */
export class ConnectedStreams<T1, T2> {
  readonly first: DataStream<T1>;
  readonly second: DataStream<T2>;
  readonly #keys: readonly [AnyKeySelector | undefined, AnyKeySelector | undefined];
  readonly #make: MakeStream;

  /** @internal Made by DataStream.connect(). */
  constructor(first: DataStream<T1>, second: DataStream<T2>, keys: readonly [AnyKeySelector | undefined, AnyKeySelector | undefined], make: MakeStream) {
    if ((keys[0] === undefined) !== (keys[1] === undefined)) {
      throw new ConfigError('connect: either both streams are keyed (a.keyBy(k1).connect(b.keyBy(k2)), or connect(...).keyBy(k1, k2)) or neither');
    }
    this.first = first;
    this.second = second;
    this.#keys = keys;
    this.#make = make;
  }

  /** Keys both inputs (selectors, or fields of each record type); records of both with equal keys meet in one subtask, with one key's state and timers. */
  keyBy<K extends Key>(key1: KeySelector<T1, K> | FieldOf<T1>, key2: KeySelector<T2, K> | FieldOf<T2>): ConnectedStreams<T1, T2> {
    const a = this.first.keyBy(key1 as KeySelector<T1, K>);
    const b = this.second.keyBy(key2 as KeySelector<T2, K>);
    return new ConnectedStreams<T1, T2>(a, b, [a.keySelector as AnyKeySelector, b.keySelector as AnyKeySelector], this.#make);
  }

  /** `fn` may be a factory giving each subtask its own instance (needed inline for objects with open() at parallelism > 1). */
  map<O>(fn: Fn<CoMapFunction<T1, T2, O>>, name = 'Co-Map'): DataStream<O> {
    checkObject(fn, ['map1', 'map2'], 'map()', name, true);
    return this.#add<O>(name, { kind: 'coMap', fn: fn as Fn<CoMapFunction<unknown, unknown, unknown>> });
  }

  flatMap<O>(fn: Fn<CoFlatMapFunction<T1, T2, O>>, name = 'Co-Flat Map'): DataStream<O> {
    checkObject(fn, ['flatMap1', 'flatMap2'], 'flatMap()', name, true);
    return this.#add<O>(name, { kind: 'coFlatMap', fn: fn as Fn<CoFlatMapFunction<unknown, unknown, unknown>> });
  }

  /**
   * On keyed inputs a KeyedCoProcessFunction (keyed state, event/processing-time timers,
   * onTimer); else a CoProcessFunction. `fn` may be a factory giving each subtask its own instance.
   */
  process<O, K extends Key = Key>(fn: Fn<KeyedCoProcessFunction<K, T1, T2, O>>, name?: string): DataStream<O>;
  process<O>(fn: Fn<CoProcessFunction<T1, T2, O>>, name?: string): DataStream<O>;
  process<O>(fn: Fn<CoProcessFunction<T1, T2, O>> | Fn<KeyedCoProcessFunction<Key, T1, T2, O>>, name?: string): DataStream<O> {
    const keyed = this.#keys[0] !== undefined;
    const n = name ?? (keyed ? 'KeyedCoProcess' : 'Co-Process');
    checkObject(fn, ['processElement1', 'processElement2'], 'process()', n, true);
    return keyed
      ? this.#add<O>(n, { kind: 'keyedCoProcess', fn: fn as Fn<KeyedCoProcessFunction<Key, unknown, unknown, unknown>> })
      : this.#add<O>(n, { kind: 'coProcess', fn: fn as Fn<CoProcessFunction<unknown, unknown, unknown>> });
  }

  #add<O>(name: string, fn: TwoInputFunctionSpec): DataStream<O> {
    return addTwoInput<O>(this.first as DataStream<unknown>, this.second as DataStream<unknown>, this.#keys, name, fn, this.#make);
  }
}

/** b.broadcast(descriptor...): a stream sent to every subtask of the operator it is connected to, with the broadcast states it may write. */
export class BroadcastStream<T> {
  readonly stream: DataStream<T>;
  readonly descriptors: readonly MapStateDescriptor<Key, unknown>[];

  /** @internal Made by DataStream.broadcast(descriptor, ...). */
  constructor(stream: DataStream<T>, descriptors: readonly MapStateDescriptor<Key, unknown>[]) {
    for (const d of descriptors) {
      if (d?.kind !== 'map') throw new ConfigError('broadcast(descriptor): broadcast state is described by MapStateDescriptors');
    }
    if (new Set(descriptors.map((d) => d.name)).size !== descriptors.length) throw new ConfigError('broadcast(...): two descriptors have the same name');
    this.stream = stream;
    this.descriptors = descriptors;
  }
}

/** A (keyed or not) stream connected to a broadcast stream. */
export class BroadcastConnectedStream<T, B> {
  readonly #first: DataStream<T>;
  readonly #key: AnyKeySelector | undefined;
  readonly #broadcast: BroadcastStream<B>;
  readonly #make: MakeStream;

  /** @internal Made by DataStream.connect(broadcastStream). */
  constructor(first: DataStream<T>, key: AnyKeySelector | undefined, broadcast: BroadcastStream<B>, make: MakeStream) {
    this.#first = first;
    this.#key = key;
    this.#broadcast = broadcast;
    this.#make = make;
  }

  /**
   * After keyBy a KeyedBroadcastProcessFunction (keyed state and timers in processElement,
   * applyToKeyedState for broadcast elements), else a BroadcastProcessFunction.
   */
  process<O, K extends Key = Key>(fn: Fn<KeyedBroadcastProcessFunction<K, T, B, O>>, name?: string): DataStream<O>;
  process<O>(fn: Fn<BroadcastProcessFunction<T, B, O>>, name?: string): DataStream<O>;
  process<O>(fn: Fn<BroadcastProcessFunction<T, B, O>> | Fn<KeyedBroadcastProcessFunction<Key, T, B, O>>, name = 'Co-Process-Broadcast'): DataStream<O> {
    checkObject(fn, ['processElement', 'processBroadcastElement'], 'process()', name, true);
    const descriptors = this.#broadcast.descriptors;
    const spec: TwoInputFunctionSpec = this.#key !== undefined
      ? { kind: 'keyedBroadcastProcess', fn: fn as Fn<KeyedBroadcastProcessFunction<Key, unknown, unknown, unknown>>, descriptors }
      : { kind: 'broadcastProcess', fn: fn as Fn<BroadcastProcessFunction<unknown, unknown, unknown>>, descriptors };
    return addTwoInput<O>(this.#first as DataStream<unknown>, this.#broadcast.stream as DataStream<unknown>, [this.#key, undefined], name, spec, this.#make);
  }
}
