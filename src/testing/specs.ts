// Typed builders of the OperatorSpecs the DataStream API produces, for driving one operator in a harness.

import type { FieldRef, Key } from '../core/types.ts';
import type { Sink } from '../connectors/sink.ts';
import type {
  FilterFunction, FlatMapFunction, KeyedProcessFunction, MapFunction, ProcessFunction, ReduceFunction,
} from '../api/functions.ts';
import type { AggregationKind, OperatorSpec } from '../api/transformation.ts';
import type { WatermarkStrategy } from '../api/watermark-strategy.ts';
import { DEFAULT_ASYNC_CAPACITY, type AsyncFunction, type AsyncRetryStrategy } from '../api/async-data-stream.ts';
import type { WindowSpec } from '../api/windows/window-spec.ts';
import type { AggregateFunction } from '../api/windows/window-functions.ts';

/**
 * An OperatorSpec that remembers its record types (a phantom, never set), so
 * `OperatorHarness.forSpec(mapSpec((s: string) => s.length))` is an OperatorHarness<string, number>.
 * A plain OperatorSpec literal is accepted too (types unknown).
 */
export type TypedOperatorSpec<IN, OUT> = OperatorSpec & { readonly __types?: (input: IN) => OUT };

export function mapSpec<I, O>(fn: MapFunction<I, O>): TypedOperatorSpec<I, O> {
  return { kind: 'map', fn: fn as MapFunction<unknown, unknown> };
}

export function flatMapSpec<I, O>(fn: FlatMapFunction<I, O>): TypedOperatorSpec<I, O> {
  return { kind: 'flatMap', fn: fn as FlatMapFunction<unknown, unknown> };
}

export function filterSpec<T>(fn: FilterFunction<T>): TypedOperatorSpec<T, T> {
  return { kind: 'filter', fn: fn as FilterFunction<unknown> };
}

export function processSpec<I, O>(fn: ProcessFunction<I, O>): TypedOperatorSpec<I, O> {
  return { kind: 'process', fn: fn as ProcessFunction<unknown, unknown> };
}

/** keyBy(...).reduce(fn): needs a harness keySelector. */
export function reduceSpec<T>(fn: ReduceFunction<T>): TypedOperatorSpec<T, T> {
  return { kind: 'reduce', fn: fn as ReduceFunction<unknown> };
}

/** keyBy(...).aggregate(AggregateFunction), the rolling aggregate: needs a harness keySelector. */
export function rollingAggregateSpec<I, ACC, O>(agg: AggregateFunction<I, ACC, O>): TypedOperatorSpec<I, O> {
  return { kind: 'rollingAggregate', aggregate: agg as AggregateFunction<unknown, unknown, unknown> };
}

/** keyBy(...).sum/min/max/minBy/maxBy(field): needs a harness keySelector. */
export function aggregationSpec<T>(aggregation: AggregationKind, field: FieldRef): TypedOperatorSpec<T, T> {
  return { kind: 'aggregate', aggregation, field };
}

/** keyBy(...).process(fn): needs a harness keySelector. */
export function keyedProcessSpec<K extends Key, I, O>(fn: KeyedProcessFunction<K, I, O>): TypedOperatorSpec<I, O> {
  return { kind: 'keyedProcess', fn: fn as unknown as KeyedProcessFunction<Key, unknown, unknown> };
}

/** assignTimestampsAndWatermarks(strategy). */
export function timestampsSpec<T>(strategy: WatermarkStrategy<T>): TypedOperatorSpec<T, T> {
  return { kind: 'timestampsAndWatermarks', strategy: strategy as WatermarkStrategy<unknown> };
}

/** keyBy(...).window(...)...: needs a harness keySelector. */
export function windowSpec<I, O>(window: WindowSpec): TypedOperatorSpec<I, O> {
  return { kind: 'window', window };
}

/** AsyncDataStream.orderedWait / unorderedWait (and the WithRetry variants). */
export function asyncWaitSpec<I, O>(fn: AsyncFunction<I, O>, options: {
  readonly ordered: boolean; readonly timeoutMs: number; readonly capacity?: number; readonly retry?: AsyncRetryStrategy<O>;
}): TypedOperatorSpec<I, O> {
  return {
    kind: 'asyncWait',
    async: { fn: fn as AsyncFunction<unknown, unknown>, ordered: options.ordered, timeoutMs: options.timeoutMs, capacity: options.capacity ?? DEFAULT_ASYNC_CAPACITY, retry: options.retry as AsyncRetryStrategy | undefined },
  };
}

export function sinkSpec<T>(sink: Sink<T>): TypedOperatorSpec<T, never> {
  return { kind: 'sink', sink: sink as Sink<unknown> };
}

/** The name the DataStream API gives an operator of this spec (used when the harness gets no name). */
export function defaultOperatorName(spec: OperatorSpec): string {
  switch (spec.kind) {
    case 'source': return 'Source';
    case 'map': return 'Map';
    case 'flatMap': return 'FlatMap';
    case 'filter': return 'Filter';
    case 'process': return 'Process';
    case 'reduce': return 'Keyed Reduce';
    case 'aggregate': return `Keyed Aggregation (${spec.aggregation} ${spec.field})`;
    case 'rollingAggregate': return 'Keyed Aggregate';
    case 'keyedProcess': return 'KeyedProcess';
    case 'timestampsAndWatermarks': return 'Timestamps/Watermarks';
    case 'window': return 'Window';
    case 'windowCombine': return 'Window pre-aggregation';
    case 'asyncWait': return spec.async.ordered ? 'Async Wait (ordered)' : 'Async Wait (unordered)';
    case 'twoInput': return spec.twoInput.fn.kind === 'intervalJoin' ? 'IntervalJoin' : spec.twoInput.fn.kind.startsWith('co') ? 'Co-Process' : spec.twoInput.fn.kind === 'keyedCoProcess' ? 'KeyedCoProcess' : 'BroadcastProcess';
    case 'sink': return 'Sink';
    case 'print': return spec.stream === 'stdout' ? 'Print to Std. Out' : 'Print to Std. Err';
    case 'collect': return 'Collect';
    case 'discard': return 'Discard';
  }
}
