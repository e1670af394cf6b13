// Function shapes of two-input operators: co-map/flat-map/process, keyed co-process, interval joins and the broadcast state pattern.

import type { Collector, Key } from '../../core/types.ts';
import type { BroadcastState, ReadOnlyBroadcastState } from '../../state/broadcast-state.ts';
import type { MapStateDescriptor } from '../../state/index.ts';
import type { KeyedProcessContext, OnTimerContext, ProcessContext, RichFunction, TimerService } from '../functions.ts';
import type { OutputTag } from '../output-tag.ts';

/** One function per input, the same output type. */
export interface CoMapFunction<I1, I2, O> extends RichFunction {
  map1(value: I1): O;
  map2(value: I2): O;
}

export interface CoFlatMapFunction<I1, I2, O> extends RichFunction {
  flatMap1(value: I1, out: Collector<O>): void;
  flatMap2(value: I2, out: Collector<O>): void;
}

/** What a two-input function sees besides the record. */
export interface CoProcessContext extends ProcessContext {
  /** The current record's event-time timestamp, undefined when it has none. */
  timestamp(): number | undefined;
  /** Emits to a side output (read with getSideOutput(tag) on the result stream). */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** connect(...).process(fn) on unkeyed streams: no keyed state, processing time only. */
export interface CoProcessFunction<I1, I2, O> extends RichFunction {
  processElement1(value: I1, ctx: CoProcessContext, out: Collector<O>): void;
  processElement2(value: I2, ctx: CoProcessContext, out: Collector<O>): void;
}

export interface KeyedCoProcessContext<K extends Key> extends CoProcessContext, KeyedProcessContext<K> {}

export interface KeyedCoOnTimerContext<K extends Key> extends OnTimerContext<K> {
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** Two streams keyed alike: both inputs see the state and timers of the current key. */
export interface KeyedCoProcessFunction<K extends Key, I1, I2, O> extends RichFunction {
  processElement1(value: I1, ctx: KeyedCoProcessContext<K>, out: Collector<O>): void;
  processElement2(value: I2, ctx: KeyedCoProcessContext<K>, out: Collector<O>): void;
  onTimer?(timestamp: number, ctx: KeyedCoOnTimerContext<K>, out: Collector<O>): void;
}

/** The pair an interval join found: both timestamps, and the result's (the larger one). */
export interface ProcessJoinContext {
  readonly leftTimestamp: number;
  readonly rightTimestamp: number;
  /** max(leftTimestamp, rightTimestamp): the timestamp of what is emitted now. */
  readonly timestamp: number;
  output<X>(tag: OutputTag<X>, value: X): void;
}

export interface ProcessJoinFunction<L, R, O> extends RichFunction {
  processElement(left: L, right: R, ctx: ProcessJoinContext, out: Collector<O>): void;
}

/** What both sides of a broadcast process function see. */
interface BroadcastContextBase {
  timestamp(): number | undefined;
  currentProcessingTime(): number;
  currentWatermark(): number;
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** processElement: broadcast state is read-only (every subtask must keep the same broadcast state). */
export interface ReadOnlyBroadcastContext extends BroadcastContextBase {
  getBroadcastState<K extends Key, V>(descriptor: MapStateDescriptor<K, V>): ReadOnlyBroadcastState<K, V>;
}

/** processBroadcastElement: broadcast state is read-write. */
export interface BroadcastContext extends BroadcastContextBase {
  getBroadcastState<K extends Key, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V>;
}

export interface BroadcastProcessFunction<IN, BC, O> extends RichFunction {
  processElement(value: IN, ctx: ReadOnlyBroadcastContext, out: Collector<O>): void;
  processBroadcastElement(value: BC, ctx: BroadcastContext, out: Collector<O>): void;
}

export interface KeyedReadOnlyBroadcastContext<K extends Key> extends ReadOnlyBroadcastContext {
  getCurrentKey(): K;
  timerService(): TimerService;
}

export interface KeyedBroadcastContext<K extends Key> extends BroadcastContext {
  /**
   * Runs `fn` for every key of this subtask that has state under `descriptor`'s name, with
   * that key current: state handles taken in open() act on it. `fn` may update that state.
   */
  applyToKeyedState(descriptor: { readonly name: string }, fn: (key: K) => void): void;
}

export interface KeyedBroadcastOnTimerContext<K extends Key> extends KeyedReadOnlyBroadcastContext<K> {
  /** Which kind of timer fired. */
  timeDomain(): 'event-time' | 'processing-time';
}

/** On a keyed stream: keyed state and timers in processElement and onTimer; broadcast elements see every key through applyToKeyedState. */
export interface KeyedBroadcastProcessFunction<K extends Key, IN, BC, O> extends RichFunction {
  processElement(value: IN, ctx: KeyedReadOnlyBroadcastContext<K>, out: Collector<O>): void;
  processBroadcastElement(value: BC, ctx: KeyedBroadcastContext<K>, out: Collector<O>): void;
  onTimer?(timestamp: number, ctx: KeyedBroadcastOnTimerContext<K>, out: Collector<O>): void;
}
