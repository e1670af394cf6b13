// User-function shapes: plain functions or objects with lifecycle hooks, and the runtime context they see.

import type { Collector, Key } from '../core/types.ts';
import type { OutputTag } from './output-tag.ts';
import type {
  AggregatingStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, ValueStateDescriptor,
  AggregatingState, ListState, MapState, ReducingState, ValueState,
} from '../state/index.ts';

/** Which subtask of which operator: what both user functions and operators are told. */
export interface TaskInfo {
  readonly operatorName: string;
  readonly uid: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  /** Job arguments as given after the job file on the command line. */
  readonly jobArgs: readonly string[];
}

/** What a function sees of the task that runs it. Keyed state is available on keyed streams only. */
export interface RuntimeContext extends TaskInfo {
  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<K extends Key, V>(descriptor: MapStateDescriptor<K, V>): MapState<K, V>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
}

/** Lifecycle hooks any function object may have. */
export interface RichFunction {
  open?(context: RuntimeContext): void | Promise<void>;
  close?(): void | Promise<void>;
}

export type MapFunction<I, O> = ((value: I) => O) | (RichFunction & { map(value: I): O });
export type FlatMapFunction<I, O> =
  | ((value: I, out: Collector<O>) => void)
  | (RichFunction & { flatMap(value: I, out: Collector<O>): void });
export type FilterFunction<I> = ((value: I) => boolean) | (RichFunction & { filter(value: I): boolean });
export type ReduceFunction<T> = (a: T, b: T) => T;
export type KeySelector<T, K extends Key> = (value: T) => K;

/** Timers of a keyed process function. */
export interface TimerService {
  currentProcessingTime(): number;
  currentWatermark(): number;
  registerProcessingTimeTimer(time: number): void;
  registerEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
}

/** What a process function sees besides the record. */
export interface ProcessContext {
  timerService(): TimerService;
  /** Emits to the side output `tag` (read it with getSideOutput(tag) on the operator's result). */
  output<X>(tag: OutputTag<X>, value: X): void;
}

export interface KeyedProcessContext<K extends Key> extends ProcessContext {
  getCurrentKey(): K;
}

export interface OnTimerContext<K extends Key> extends KeyedProcessContext<K> {
  /** Whether the firing timer is an event-time or a processing-time one. */
  timeDomain(): 'event-time' | 'processing-time';
  /** The time the timer was set for. */
  readonly timestamp: number;
}

/** A keyed process function: the general stateful operator of a keyed stream. */
export interface KeyedProcessFunction<K extends Key, I, O> extends RichFunction {
  processElement(value: I, ctx: KeyedProcessContext<K>, out: Collector<O>): void;
  onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<O>): void;
}

/** A (non-keyed) process function; its timer service has processing time only (timers need a keyed stream). */
export interface ProcessFunction<I, O> extends RichFunction {
  processElement(value: I, ctx: ProcessContext, out: Collector<O>): void;
}
