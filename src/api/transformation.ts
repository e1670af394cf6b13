// The logical graph the API builds: transformations, partitioning and the operator specs the runtime instantiates.

import type { Collector, FieldRef, Key } from '../core/types.ts';
import type { Source } from '../connectors/source.ts';
import type { Sink } from '../connectors/sink.ts';
import type { AsyncWaitSpec } from './async-data-stream.ts';
import type { WatermarkStrategy } from './watermark-strategy.ts';
import type { WindowSpec } from './windows/window-spec.ts';
import type { AggregateFunction } from './windows/window-functions.ts';
import type { TwoInputSpec } from './two-input/spec.ts';
import type {
  FilterFunction, FlatMapFunction, KeyedProcessFunction, KeySelector, MapFunction, ProcessFunction, ReduceFunction,
} from './functions.ts';

/** How records travel from one operator to the next (DESIGN §4). */
export type PartitionSpec =
  | { readonly kind: 'forward' }
  | { readonly kind: 'rebalance' }
  | { readonly kind: 'rescale' }
  | { readonly kind: 'shuffle' }
  | { readonly kind: 'broadcast' }
  | { readonly kind: 'global' }
  | { readonly kind: 'hash'; readonly key: KeySelector<unknown, Key> }
  | { readonly kind: 'custom'; readonly key: KeySelector<unknown, Key>; readonly partition: (key: Key, numPartitions: number) => number };

export type AggregationKind = 'sum' | 'min' | 'max' | 'minBy' | 'maxBy';

/**
 * What an operator does, as data: the API produces these, the runtime maps each kind to an
 * operator implementation (so `api/` never imports `runtime/`). User functions ride along.
 */
export type OperatorSpec =
  | { readonly kind: 'source'; readonly source: Source<unknown>; readonly watermarks?: WatermarkStrategy<unknown> }
  | { readonly kind: 'map'; readonly fn: MapFunction<unknown, unknown> }
  | { readonly kind: 'flatMap'; readonly fn: FlatMapFunction<unknown, unknown> }
  | { readonly kind: 'filter'; readonly fn: FilterFunction<unknown> }
  | { readonly kind: 'process'; readonly fn: ProcessFunction<unknown, unknown> | (() => ProcessFunction<unknown, unknown>) }
  | { readonly kind: 'reduce'; readonly fn: ReduceFunction<unknown> }
  | { readonly kind: 'aggregate'; readonly aggregation: AggregationKind; readonly field: FieldRef }
  /** KeyedStream.aggregate(AggregateFunction): a running accumulator per key, getResult emitted for every record. */
  | { readonly kind: 'rollingAggregate'; readonly aggregate: AggregateFunction<unknown, unknown, unknown> }
  | { readonly kind: 'keyedProcess'; readonly fn: KeyedProcessFunction<Key, unknown, unknown> | (() => KeyedProcessFunction<Key, unknown, unknown>) }
  | { readonly kind: 'timestampsAndWatermarks'; readonly strategy: WatermarkStrategy<unknown> }
  | { readonly kind: 'window'; readonly window: WindowSpec }
  /**
   * Inserted by the planner (graph/window-combine.ts) in front of a keyBy into a window: pre-aggregates per
   * (key, window) when `combine` (always, from the planner), else passes records through, keeping only its watermark.
   */
  | { readonly kind: 'windowCombine'; readonly window: WindowSpec; readonly key: KeySelector<unknown, Key>; readonly combine: boolean; readonly maxKeys: number }
  | { readonly kind: 'asyncWait'; readonly async: AsyncWaitSpec }
  /** connect / intervalJoin / broadcast: the transformation's inputs[0] and inputs[1] are the two inputs. */
  | { readonly kind: 'twoInput'; readonly twoInput: TwoInputSpec }
  | { readonly kind: 'sink'; readonly sink: Sink<unknown> }
  | { readonly kind: 'print'; readonly prefix: string | undefined; readonly stream: 'stdout' | 'stderr' }
  | { readonly kind: 'collect' }
  | { readonly kind: 'discard' };

export type ChainingStrategy = 'always' | 'never' | 'head';

/** One node of the logical graph. Built by the API, read by `graph/`. */
export class Transformation {
  readonly id: number;
  readonly type: 'operator' | 'partition' | 'union' | 'side-output';
  name: string;
  uid: string | undefined;
  parallelism: number | undefined;
  chaining: ChainingStrategy = 'always';
  readonly inputs: readonly Transformation[];
  readonly spec: OperatorSpec | undefined;
  readonly partition: PartitionSpec | undefined;
  /** Set on operators that consume a keyed stream: they run with keyed state. */
  readonly keySelector: KeySelector<unknown, Key> | undefined;
  /** For 'side-output' nodes: the id of the OutputTag selected from the input operator. */
  readonly outputTag: string | undefined;

  constructor(init: {
    id: number;
    type: 'operator' | 'partition' | 'union' | 'side-output';
    name: string;
    inputs: readonly Transformation[];
    spec?: OperatorSpec;
    partition?: PartitionSpec;
    keySelector?: KeySelector<unknown, Key>;
    parallelism?: number;
    outputTag?: string;
  }) {
    this.id = init.id;
    this.type = init.type;
    this.name = init.name;
    this.uid = undefined;
    this.inputs = init.inputs;
    this.spec = init.spec;
    this.partition = init.partition;
    this.keySelector = init.keySelector;
    this.parallelism = init.parallelism;
    this.outputTag = init.outputTag;
  }
}

/**
 * A process function given as a factory (`() => new MyFunction()`) gets one instance per
 * subtask; an object is shared by the subtasks that run in one thread.
 */
export function instantiate<F extends object>(fn: F | (() => F)): F {
  return typeof fn === 'function' ? (fn as () => F)() : fn;
}

/**
 * The function objects with lifecycle hooks of an operator spec: these carry per-subtask
 * fields (set in open()), so they must not be shared by parallel subtasks of one thread.
 */
export function sharedRichFunction(spec: OperatorSpec): boolean {
  const fn = spec.kind === 'twoInput' ? spec.twoInput.fn.fn as unknown : 'fn' in spec ? spec.fn as unknown : undefined;
  return typeof fn === 'object' && fn !== null && typeof (fn as { open?: unknown }).open === 'function';
}

/** Key selectors made from a field name or tuple index (keyBy(0), keyBy('k')), with their field: the BATCH combiner knows such a key survives an aggregation of another field. */
const FIELD_SELECTORS = new WeakMap<object, FieldRef>();

/** A key selector reading one field, remembered as such (selectorField). */
export function fieldSelector<T>(field: FieldRef): (record: T) => unknown {
  const selector = (record: T): unknown => readField(record, field);
  FIELD_SELECTORS.set(selector, field);
  return selector;
}

/** The field a key selector reads, when fieldSelector made it. */
export function selectorField(selector: object): FieldRef | undefined {
  return FIELD_SELECTORS.get(selector);
}

/** Field access for aggregations by name or tuple index. */
export function readField(record: unknown, field: FieldRef): unknown {
  return (record as Record<string | number, unknown>)[field];
}

/** Adapts the accepted function shapes to a plain call, once at operator setup (not per record). */
export function asMapper<I, O>(fn: MapFunction<I, O>): (value: I) => O {
  return typeof fn === 'function' ? fn : (v: I) => fn.map(v);
}
export function asFlatMapper<I, O>(fn: FlatMapFunction<I, O>): (value: I, out: Collector<O>) => void {
  return typeof fn === 'function' ? fn : (v: I, out: Collector<O>) => fn.flatMap(v, out);
}
export function asFilter<I>(fn: FilterFunction<I>): (value: I) => boolean {
  return typeof fn === 'function' ? fn : (v: I) => fn.filter(v);
}
