// The functions a window applies: AggregateFunction (incremental, with merge) and ProcessWindowFunction (all elements, window metadata).

import type { Collector, Key } from '../../core/types.ts';
import type { RichFunction } from '../functions.ts';
import type { OutputTag } from '../output-tag.ts';
import type { TimeWindow } from './time-window.ts';
import type { KeyedStateStore } from './triggers.ts';

/**
 * Folds a window's records into one accumulator. `add` and `merge` may mutate and return
 * their first accumulator argument. `merge` is needed by merging (session) windows.
 */
export interface AggregateFunction<IN, ACC, OUT> {
  createAccumulator(): ACC;
  add(value: IN, accumulator: ACC): ACC;
  getResult(accumulator: ACC): OUT;
  merge?(a: ACC, b: ACC): ACC;
}

/** What a ProcessWindowFunction sees besides the elements. */
export interface ProcessWindowContext {
  readonly window: TimeWindow;
  currentWatermark(): number;
  currentProcessingTime(): number;
  /** Emits to a side output (read with getSideOutput(tag) on the result stream). */
  output<X>(tag: OutputTag<X>, value: X): void;
  /** State of this (key, window): kept across its firings (allowed lateness, triggers), dropped at its cleanup. */
  windowState(): KeyedStateStore;
  /** Keyed state of the key, shared by all its windows. */
  globalState(): KeyedStateStore;
}

/** Called when a window fires, with every element (or the one pre-aggregated result). */
export interface ProcessWindowFunction<IN, OUT, K extends Key> extends RichFunction {
  process(key: K, context: ProcessWindowContext, elements: Iterable<IN>, out: Collector<OUT>): void;
}
