// AllWindowedStream: windowAll(assigner) on a non-keyed stream — every record in one window operator of parallelism 1.
//
// Built as keyBy(constant).window(assigner) at parallelism 1 (one key, so one key group: the state
// still checkpoints and restores like any window's), with the keyless function shapes of Flink's
// AllWindowedStream adapted to the keyed ones.

import type { Collector } from '../../core/types.ts';
import type { ReduceFunction, RichFunction } from '../functions.ts';
import type { OutputTag } from '../output-tag.ts';
import type { DataStream } from '../data-stream.ts';
import type { Evictor } from './evictors.ts';
import type { Trigger } from './triggers.ts';
import type { AggregateFunction, ProcessWindowContext, ProcessWindowFunction } from './window-functions.ts';
import type { WindowedStream } from './windowed-stream.ts';

/** Called when a windowAll window fires, with every element (or the one pre-aggregated result). */
export interface ProcessAllWindowFunction<IN, OUT> extends RichFunction {
  process(context: ProcessWindowContext, elements: Iterable<IN>, out: Collector<OUT>): void;
}

type AllArg<IN, OUT> = ProcessAllWindowFunction<IN, OUT> | (() => ProcessAllWindowFunction<IN, OUT>);

function keyed<IN, OUT>(f: ProcessAllWindowFunction<IN, OUT>): ProcessWindowFunction<IN, OUT, number> {
  const w: ProcessWindowFunction<IN, OUT, number> = { process: (_key, ctx, els, out) => f.process(ctx, els, out) };
  if (typeof f.open === 'function') w.open = (c) => f.open!(c);
  if (typeof f.close === 'function') w.close = () => f.close!();
  return w;
}

function adapt<IN, OUT>(fn: AllArg<IN, OUT>): ProcessWindowFunction<IN, OUT, number> | (() => ProcessWindowFunction<IN, OUT, number>) {
  return typeof fn === 'function' ? () => keyed(fn()) : keyed(fn);
}

export class AllWindowedStream<T> {
  readonly #inner: WindowedStream<T, number>;

  /** @internal Made by DataStream.windowAll(). */
  constructor(inner: WindowedStream<T, number>) {
    this.#inner = inner;
  }

  allowedLateness(ms: number): this { this.#inner.allowedLateness(ms); return this; }
  sideOutputLateData(tag: OutputTag<T>): this { this.#inner.sideOutputLateData(tag); return this; }
  trigger(trigger: Trigger<T>): this { this.#inner.trigger(trigger); return this; }
  evictor(evictor: Evictor<T>): this { this.#inner.evictor(evictor); return this; }

  reduce(fn: ReduceFunction<T>): DataStream<T>;
  reduce<O>(fn: ReduceFunction<T>, process: AllArg<T, O>): DataStream<O>;
  reduce<O>(fn: ReduceFunction<T>, process?: AllArg<T, O>): DataStream<O> {
    return (process === undefined ? this.#inner.reduce(fn) : this.#inner.reduce(fn, adapt(process))).setParallelism(1) as DataStream<O>;
  }

  aggregate<ACC, R>(agg: AggregateFunction<T, ACC, R>): DataStream<R>;
  aggregate<ACC, R, O>(agg: AggregateFunction<T, ACC, R>, process: AllArg<R, O>): DataStream<O>;
  aggregate<ACC, R, O>(agg: AggregateFunction<T, ACC, R>, process?: AllArg<R, O>): DataStream<O> {
    return (process === undefined ? this.#inner.aggregate(agg) : this.#inner.aggregate(agg, adapt(process))).setParallelism(1) as DataStream<O>;
  }

  process<O>(fn: AllArg<T, O>): DataStream<O> {
    return this.#inner.process(adapt(fn)).setParallelism(1);
  }
}
