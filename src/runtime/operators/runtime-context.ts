// The RuntimeContext user functions see: task facts and keyed state of the current key.

import { ConfigError } from '../../core/errors.ts';
import type { Key } from '../../core/types.ts';
import type { RuntimeContext, RichFunction } from '../../api/functions.ts';
import type {
  AggregatingState, AggregatingStateDescriptor, HeapKeyedStateBackend, ListState, ListStateDescriptor, MapState,
  MapStateDescriptor, ReducingState, ReducingStateDescriptor, ValueState, ValueStateDescriptor,
} from '../../state/index.ts';
import type { OperatorContext } from '../operator.ts';

export function createRuntimeContext(ctx: OperatorContext): RuntimeContext {
  const keyed = (what: string): HeapKeyedStateBackend => {
    if (!ctx.keyedBackend) {
      throw new ConfigError(`operator "${ctx.operatorName}" (uid ${ctx.uid}): ${what} needs keyed state, which exists only on a keyed stream (after keyBy)`);
    }
    return ctx.keyedBackend;
  };
  return {
    operatorName: ctx.operatorName,
    uid: ctx.uid,
    subtaskIndex: ctx.subtaskIndex,
    parallelism: ctx.parallelism,
    maxParallelism: ctx.maxParallelism,
    jobArgs: ctx.jobArgs,
    getState: <T>(d: ValueStateDescriptor<T>): ValueState<T> => keyed('getState').getState(d),
    getListState: <T>(d: ListStateDescriptor<T>): ListState<T> => keyed('getListState').getListState(d),
    getMapState: <K extends Key, V>(d: MapStateDescriptor<K, V>): MapState<K, V> => keyed('getMapState').getMapState(d),
    getReducingState: <T>(d: ReducingStateDescriptor<T>): ReducingState<T> => keyed('getReducingState').getReducingState(d),
    getAggregatingState: <IN, ACC, OUT>(d: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT> =>
      keyed('getAggregatingState').getAggregatingState(d),
  };
}

/** Calls the optional `open` of a function object with a runtime context. */
export function openFunction(fn: unknown, ctx: OperatorContext): void | Promise<void> {
  const rich = fn as RichFunction;
  if (typeof fn === 'object' && fn !== null && typeof rich.open === 'function') return rich.open(createRuntimeContext(ctx));
}

export function closeFunction(fn: unknown): void | Promise<void> {
  const rich = fn as RichFunction;
  if (typeof fn === 'object' && fn !== null && typeof rich.close === 'function') return rich.close();
}
