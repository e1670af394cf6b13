// WindowedStream: keyBy(...).window(assigner) — lateness and late-data settings, then reduce / aggregate / process.

import { ConfigError } from '../../core/errors.ts';
import type { Key } from '../../core/types.ts';
import { checkNonNegative } from '../config.ts';
import type { ReduceFunction } from '../functions.ts';
import type { OutputTag } from '../output-tag.ts';
import type { DataStream, KeyedStream } from '../data-stream.ts';
import type { WindowAssigner } from './assigners.ts';
import { checkEvictor, type Evictor } from './evictors.ts';
import { checkTrigger, type Trigger } from './triggers.ts';
import type { AggregateFunction, ProcessWindowFunction } from './window-functions.ts';
import type { WindowFunctionSpec, WindowProcess, WindowSpec } from './window-spec.ts';

type ProcessArg<IN, OUT, K extends Key> = ProcessWindowFunction<IN, OUT, K> | (() => ProcessWindowFunction<IN, OUT, K>);

/** Builds one window operator; nothing exists in the graph until reduce, aggregate or process is called. */
export class WindowedStream<T, K extends Key> {
  readonly #input: KeyedStream<T, K>;
  readonly #assigner: WindowAssigner;
  #allowedLateness = 0;
  #lateDataTag: string | undefined;
  #trigger: Trigger<unknown> | undefined;
  #evictor: Evictor<unknown> | undefined;
  readonly #build: (name: string, spec: WindowSpec) => DataStream<unknown>;

  /** @internal Made by KeyedStream.window(). */
  constructor(input: KeyedStream<T, K>, assigner: WindowAssigner, build: (name: string, spec: WindowSpec) => DataStream<unknown>) {
    const kinds = ['tumbling', 'sliding', 'session', 'global'];
    if (assigner === null || typeof assigner !== 'object' || !kinds.includes((assigner as { kind?: string }).kind ?? '')) {
      throw new ConfigError('window() needs a window assigner, such as TumblingEventTimeWindows.of(60_000)');
    }
    this.#input = input;
    this.#assigner = assigner;
    this.#build = build;
  }

  /** Records up to `ms` behind a fired window's end still update it and fire it again (event time only). */
  allowedLateness(ms: number): this {
    this.#allowedLateness = checkNonNegative('allowedLateness(ms)', ms);
    return this;
  }

  /** Records too late for any window go to this side output instead of being dropped. */
  sideOutputLateData(tag: OutputTag<T>): this {
    if (typeof tag?.id !== 'string') throw new ConfigError('sideOutputLateData needs an OutputTag');
    this.#lateDataTag = tag.id;
    return this;
  }

  /** When windows fire and purge, instead of the assigner's default (event time, processing time, never for GlobalWindows). */
  trigger(trigger: Trigger<T>): this {
    const t = checkTrigger(trigger, 'trigger()');
    if (this.#assigner.kind === 'session' && typeof t.onMerge !== 'function') {
      throw new ConfigError('trigger(): session windows merge, so their trigger needs onMerge(window, ctx)');
    }
    this.#trigger = t;
    return this;
  }

  /** Keeps the window's elements and evicts some before and/or after each firing (CountEvictor, TimeEvictor, your own). */
  evictor(evictor: Evictor<T>): this {
    this.#evictor = checkEvictor(evictor);
    return this;
  }

  /** Incremental reduce per window; with `process`, that function gets the one reduced value and the window. */
  reduce(fn: ReduceFunction<T>): DataStream<T>;
  reduce<O>(fn: ReduceFunction<T>, process: ProcessArg<T, O, K>): DataStream<O>;
  reduce<O>(fn: ReduceFunction<T>, process?: ProcessArg<T, O, K>): DataStream<O> {
    if (typeof fn !== 'function') throw new ConfigError('window reduce() needs a function (a, b) => value');
    return this.#make<O>('Window(reduce)', { kind: 'reduce', reduce: fn as ReduceFunction<unknown>, process: checkProcess(process) });
  }

  /** Incremental aggregation: one accumulator per window, never the elements. */
  aggregate<ACC, R>(agg: AggregateFunction<T, ACC, R>): DataStream<R>;
  aggregate<ACC, R, O>(agg: AggregateFunction<T, ACC, R>, process: ProcessArg<R, O, K>): DataStream<O>;
  aggregate<ACC, R, O>(agg: AggregateFunction<T, ACC, R>, process?: ProcessArg<R, O, K>): DataStream<O> {
    if (agg === null || typeof agg !== 'object' || typeof agg.createAccumulator !== 'function' || typeof agg.add !== 'function' || typeof agg.getResult !== 'function') {
      throw new ConfigError('window aggregate() needs an AggregateFunction: an object with createAccumulator, add and getResult (and merge for session windows)');
    }
    if (this.#assigner.kind === 'session' && typeof agg.merge !== 'function' && this.#evictor === undefined) {
      throw new ConfigError('window aggregate() on session windows needs an AggregateFunction with merge(a, b): sessions merge their accumulators');
    }
    return this.#make<O>('Window(aggregate)', { kind: 'aggregate', aggregate: agg as AggregateFunction<unknown, unknown, unknown>, process: checkProcess(process) });
  }

  /** All elements of the window at once, with its metadata (keeps every element in state). */
  process<O>(fn: ProcessArg<T, O, K>): DataStream<O> {
    return this.#make<O>('Window(process)', { kind: 'process', process: checkProcess(fn)! });
  }

  #make<O>(name: string, fn: WindowFunctionSpec): DataStream<O> {
    if (this.#allowedLateness > 0 && this.#assigner.time === 'processing-time') {
      throw new ConfigError('allowedLateness applies to event-time windows only');
    }
    void this.#input;
    const spec: WindowSpec = {
      assigner: this.#assigner, allowedLateness: this.#allowedLateness, lateDataTag: this.#lateDataTag, fn,
      ...(this.#trigger === undefined ? {} : { trigger: this.#trigger }),
      ...(this.#evictor === undefined ? {} : { evictor: this.#evictor }),
    };
    return this.#build(this.#evictor === undefined ? name : name.replace('Window(', 'EvictingWindow('), spec) as DataStream<O>;
  }
}

function checkProcess<IN, O, K extends Key>(fn: ProcessArg<IN, O, K> | undefined): WindowProcess | undefined {
  if (fn === undefined) return undefined;
  if (typeof fn !== 'function' && typeof fn?.process !== 'function') {
    throw new ConfigError('a ProcessWindowFunction needs a process(key, context, elements, out) method (or give a factory of one)');
  }
  return fn as unknown as WindowProcess;
}
