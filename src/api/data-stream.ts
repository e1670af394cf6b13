// DataStream and KeyedStream: the typed, fluent surface that builds transformations.

import { ConfigError } from '../core/errors.ts';
import type { Collector, FieldKey, FieldOf, FieldRef, Key, NumericFieldOf } from '../core/types.ts';
import type { Sink } from '../connectors/sink.ts';
import { checkPositiveInt } from './config.ts';
import type {
  FilterFunction, FlatMapFunction, KeyedProcessFunction, KeySelector, MapFunction, ProcessFunction, ReduceFunction,
} from './functions.ts';
import { Transformation, fieldSelector, readField, type AggregationKind, type OperatorSpec, type PartitionSpec } from './transformation.ts';
import type { StreamExecutionEnvironment } from './environment.ts';
import type { OutputTag } from './output-tag.ts';
import type { WatermarkStrategy } from './watermark-strategy.ts';
import type { WindowAssigner } from './windows/assigners.ts';
import type { AggregateFunction } from './windows/window-functions.ts';
import { WindowedStream } from './windows/windowed-stream.ts';
import { AllWindowedStream } from './windows/all-windowed-stream.ts';
import { GlobalWindows } from './windows/assigners.ts';
import { CountEvictor } from './windows/evictors.ts';
import { CountTrigger, PurgingTrigger } from './windows/triggers.ts';
import type { MapStateDescriptor } from '../state/index.ts';
import { BroadcastConnectedStream, BroadcastStream, ConnectedStreams, type MakeStream } from './two-input/connected-streams.ts';
import { IntervalJoin } from './two-input/interval-join.ts';
import { TwoStreamWindowBuilder } from './two-input/window-join.ts';

/** A stream of records of type T: each method adds a transformation and returns the resulting stream. */
export class DataStream<T> {
  readonly environment: StreamExecutionEnvironment;
  readonly transformation: Transformation;

  constructor(environment: StreamExecutionEnvironment, transformation: Transformation) {
    this.environment = environment;
    this.transformation = transformation;
  }

  // ---- operators ----
  map<O>(fn: MapFunction<T, O>, name = 'Map'): DataStream<O> {
    return this.#operator<O>(name, { kind: 'map', fn: fn as MapFunction<unknown, unknown> });
  }

  flatMap<O>(fn: FlatMapFunction<T, O>, name = 'FlatMap'): DataStream<O> {
    return this.#operator<O>(name, { kind: 'flatMap', fn: fn as FlatMapFunction<unknown, unknown> });
  }

  filter(fn: FilterFunction<T>, name = 'Filter'): DataStream<T> {
    return this.#operator<T>(name, { kind: 'filter', fn: fn as FilterFunction<unknown> });
  }

  /** `fn` may be an object, or a factory `() => new MyFunction()` that gives every subtask its own instance. */
  process<O>(fn: ProcessFunction<T, O> | (() => ProcessFunction<T, O>), name = 'Process'): DataStream<O> {
    if (typeof fn !== 'function' && typeof fn?.processElement !== 'function') throw new ConfigError(`${name}: process() needs an object with a processElement(value, ctx, out) method, or a factory of one`);
    return this.#operator<O>(name, { kind: 'process', fn: fn as ProcessFunction<unknown, unknown> });
  }

  /** Stamps records with event time and emits watermarks (periodically, every autoWatermarkInterval ms). Chains with its input. */
  assignTimestampsAndWatermarks(strategy: WatermarkStrategy<T>, name = 'Timestamps/Watermarks'): DataStream<T> {
    if (typeof (strategy as { createWatermarkGenerator?: unknown })?.createWatermarkGenerator !== 'function') {
      throw new ConfigError(`${name}: assignTimestampsAndWatermarks needs a WatermarkStrategy (e.g. WatermarkStrategy.forBoundedOutOfOrderness(ms))`);
    }
    return this.#operator<T>(name, { kind: 'timestampsAndWatermarks', strategy: strategy as WatermarkStrategy<unknown> });
  }

  /** The records this operator emitted to the side output `tag` (late window data, ctx.output). */
  getSideOutput<X>(tag: OutputTag<X>): DataStream<X> {
    if (typeof tag?.id !== 'string') throw new ConfigError('getSideOutput needs an OutputTag');
    if (this.transformation.type !== 'operator') throw new ConfigError(`getSideOutput(${tag.id}): only the result of an operator has side outputs`);
    const t = this.environment.addTransformation({ type: 'side-output', name: `SideOutput(${tag.id})`, inputs: [this.transformation], outputTag: tag.id });
    return new DataStream<X>(this.environment, t);
  }

  /**
   * Partitions by key: records with equal keys go to the same subtask (by key group, DESIGN invariant 3).
   * The key is a selector, a property name of T or a tuple index of T; its type becomes K of the KeyedStream.
   */
  keyBy<K extends Key>(selector: KeySelector<T, K>): KeyedStream<T, K>;
  keyBy<F extends FieldOf<T>>(field: F): KeyedStream<T, FieldKey<T, F>>;
  keyBy<K extends Key>(key: KeySelector<T, K> | FieldRef): KeyedStream<T, K> {
    const selector = toKeySelector<T, K>(key, this.transformation.name);
    const t = this.environment.addTransformation({
      type: 'partition', name: 'Hash', inputs: [this.transformation],
      partition: { kind: 'hash', key: selector as KeySelector<unknown, Key> },
    });
    return new KeyedStream<T, K>(this.environment, t, selector);
  }

  union(...others: DataStream<T>[]): DataStream<T> {
    for (const o of others) {
      if (o.environment !== this.environment) throw new ConfigError('union: all streams must come from the same environment');
    }
    const t = this.environment.addTransformation({
      type: 'union', name: 'Union', inputs: [this.transformation, ...others.map((o) => o.transformation)],
    });
    return new DataStream<T>(this.environment, t);
  }

  /** Windows over the whole stream in one operator of parallelism 1 (Flink's windowAll). */
  windowAll(assigner: WindowAssigner): AllWindowedStream<T> {
    return new AllWindowedStream<T>(this.keyBy((): number => 0).window(assigner));
  }

  /** windowAll of `size` records (every `slide` records, of the last `size`, when given). */
  countWindowAll(size: number, slide?: number): AllWindowedStream<T> {
    return new AllWindowedStream<T>(countWindowOf(this.keyBy((): number => 0), size, slide));
  }

  // ---- two inputs (api/two-input/) ----
  /** Two streams into one operator (map/flatMap/process with a function per input); with a BroadcastStream, the broadcast state pattern. */
  connect<U>(other: BroadcastStream<U>): BroadcastConnectedStream<T, U>;
  connect<U>(other: DataStream<U>): ConnectedStreams<T, U>;
  connect<U>(other: DataStream<U> | BroadcastStream<U>): ConnectedStreams<T, U> | BroadcastConnectedStream<T, U> {
    if (other instanceof BroadcastStream) return new BroadcastConnectedStream<T, U>(this, this.keySelectorForOperators(), other, this.#make);
    if (!(other instanceof DataStream)) throw new ConfigError('connect() needs a DataStream or a BroadcastStream');
    return new ConnectedStreams<T, U>(this, other, [this.keySelectorForOperators(), other.keySelectorForOperators()], this.#make);
  }

  /** Window join: join(other).where(k1).equalTo(k2).window(assigner).apply((left, right) => result). */
  join<U>(other: DataStream<U>): TwoStreamWindowBuilder<T, U> { return new TwoStreamWindowBuilder<T, U>(this, other, 'join'); }

  /** Window coGroup: coGroup(other).where(k1).equalTo(k2).window(assigner).apply((lefts, rights, out) => ...). */
  coGroup<U>(other: DataStream<U>): TwoStreamWindowBuilder<T, U> { return new TwoStreamWindowBuilder<T, U>(this, other, 'coGroup'); }

  readonly #make: MakeStream = (t) => new DataStream<unknown>(this.environment, t);

  // ---- partitioning ----
  rebalance(): DataStream<T> { return this.#partition({ kind: 'rebalance' }); }
  rescale(): DataStream<T> { return this.#partition({ kind: 'rescale' }); }
  shuffle(): DataStream<T> { return this.#partition({ kind: 'shuffle' }); }
  /** Every record to every subtask; with state descriptors, a BroadcastStream for connect() (the broadcast state pattern). */
  broadcast(): DataStream<T>;
  broadcast(...descriptors: [MapStateDescriptor<Key, unknown>, ...MapStateDescriptor<Key, unknown>[]]): BroadcastStream<T>;
  broadcast(...descriptors: MapStateDescriptor<Key, unknown>[]): DataStream<T> | BroadcastStream<T> {
    const partitioned = this.#partition({ kind: 'broadcast' });
    return descriptors.length === 0 ? partitioned : new BroadcastStream<T>(partitioned, descriptors);
  }
  global(): DataStream<T> { return this.#partition({ kind: 'global' }); }
  forward(): DataStream<T> { return this.#partition({ kind: 'forward' }); }
  partitionCustom<K extends Key>(partition: (key: K, numPartitions: number) => number, key: KeySelector<T, K> | FieldOf<T>): DataStream<T> {
    const selector = toKeySelector<T, K>(key, this.transformation.name);
    return this.#partition({
      kind: 'custom', key: selector as KeySelector<unknown, Key>,
      partition: partition as (key: Key, n: number) => number,
    });
  }

  // ---- sinks ----
  /** Prints each record on stdout; with parallelism > 1 each line starts with `<subtask+1>> ` as Flink does. */
  print(prefix?: string): DataStreamSink<T> {
    return this.#sink('Print to Std. Out', { kind: 'print', prefix, stream: 'stdout' });
  }

  printToErr(prefix?: string): DataStreamSink<T> {
    return this.#sink('Print to Std. Err', { kind: 'print', prefix, stream: 'stderr' });
  }

  sinkTo(sink: Sink<T>, name = 'Sink'): DataStreamSink<T> {
    if (typeof sink?.createWriter !== 'function') throw new ConfigError(`${name}: sinkTo() needs a Sink (with createWriter and createCommitter)`);
    return this.#sink(name, { kind: 'sink', sink: sink as Sink<unknown> });
  }

  /** Discards every record: measures the engine without a sink's cost. */
  discard(): DataStreamSink<T> {
    return this.#sink('Discard', { kind: 'discard' });
  }

  /** Runs the job and returns every record of this stream (for tests and scripts; keep it small). */
  async executeAndCollect(jobName = 'collect'): Promise<T[]> {
    const sink = this.#sink('Collect', { kind: 'collect' });
    const result = await this.environment.execute(jobName);
    return (result.collected.get(sink.transformation.id) ?? []) as T[];
  }

  // ---- settings of this operator ----
  name(name: string): this {
    this.transformation.name = checkName(name);
    return this;
  }

  uid(uid: string): this {
    this.transformation.uid = checkUid(uid, this.transformation.name);
    return this;
  }

  setParallelism(parallelism: number): this {
    this.transformation.parallelism = checkPositiveInt(`parallelism of operator "${this.transformation.name}"`, parallelism);
    return this;
  }

  disableChaining(): this { this.transformation.chaining = 'never'; return this; }
  startNewChain(): this { this.transformation.chaining = 'head'; return this; }

  #operator<O>(name: string, spec: OperatorSpec): DataStream<O> {
    const t = this.environment.addTransformation({
      type: 'operator', name, inputs: [this.transformation], spec, keySelector: this.keySelectorForOperators(),
    });
    return new DataStream<O>(this.environment, t);
  }

  #partition(partition: PartitionSpec): DataStream<T> {
    const t = this.environment.addTransformation({ type: 'partition', name: partition.kind, inputs: [this.transformation], partition });
    return new DataStream<T>(this.environment, t);
  }

  #sink(name: string, spec: OperatorSpec): DataStreamSink<T> {
    const t = this.environment.addTransformation({
      type: 'operator', name, inputs: [this.transformation], spec, keySelector: this.keySelectorForOperators(),
    });
    this.environment.registerSink(t);
    return new DataStreamSink<T>(this.environment, t);
  }

  /** Operators applied directly to a keyed stream run with keyed state; overridden by KeyedStream. */
  protected keySelectorForOperators(): KeySelector<unknown, Key> | undefined {
    return undefined;
  }
}

/** The end of a stream: settings only. */
export class DataStreamSink<T> {
  readonly environment: StreamExecutionEnvironment;
  readonly transformation: Transformation;
  constructor(environment: StreamExecutionEnvironment, transformation: Transformation) {
    this.environment = environment;
    this.transformation = transformation;
  }
  name(name: string): this { this.transformation.name = checkName(name); return this; }
  uid(uid: string): this { this.transformation.uid = checkUid(uid, this.transformation.name); return this; }
  setParallelism(parallelism: number): this {
    this.transformation.parallelism = checkPositiveInt(`parallelism of operator "${this.transformation.name}"`, parallelism);
    return this;
  }
  disableChaining(): this { this.transformation.chaining = 'never'; return this; }
  /** Marker so DataStreamSink<T> is not structurally any object. */
  declare readonly __recordType?: T;
}

/** A stream partitioned by key: operators on it see keyed state scoped to the current key. */
export class KeyedStream<T, K extends Key> extends DataStream<T> {
  readonly keySelector: KeySelector<T, K>;

  constructor(environment: StreamExecutionEnvironment, transformation: Transformation, keySelector: KeySelector<T, K>) {
    super(environment, transformation);
    this.keySelector = keySelector;
  }

  protected override keySelectorForOperators(): KeySelector<unknown, Key> {
    return this.keySelector as KeySelector<unknown, Key>;
  }

  /** Groups each key's records into windows (tumbling, sliding, session; event or processing time). */
  window(assigner: WindowAssigner): WindowedStream<T, K> {
    return new WindowedStream<T, K>(this, assigner, (name, spec) => this.#keyed(name, { kind: 'window', window: spec }));
  }

  /** Windows of `size` records per key; with `slide`, every `slide` records the last `size` (GlobalWindows + count trigger, + CountEvictor). */
  countWindow(size: number, slide?: number): WindowedStream<T, K> {
    return countWindowOf(this, size, slide);
  }

  /** Interval join with another keyed stream: intervalJoin(b.keyBy(k)).between(lower, upper).process(fn). */
  intervalJoin<U>(other: KeyedStream<U, K>): IntervalJoin<T, U, K> {
    return new IntervalJoin<T, U, K>(this, other, (t) => new DataStream<unknown>(this.environment, t));
  }

  /** Emits the running reduction of each key for every record. */
  reduce(fn: ReduceFunction<T>, name = 'Keyed Reduce'): DataStream<T> {
    if (typeof fn !== 'function') throw new ConfigError(`${name}: reduce() needs a function (a, b) => value`);
    return this.#keyed<T>(name, { kind: 'reduce', fn: fn as ReduceFunction<unknown> });
  }

  /** Rolling aggregation: the key's accumulator (keyed state) takes every record, and getResult is emitted after each. */
  aggregate<ACC, R>(agg: AggregateFunction<T, ACC, R>, name = 'Keyed Aggregate'): DataStream<R> {
    if (agg === null || typeof agg !== 'object' || typeof agg.createAccumulator !== 'function' || typeof agg.add !== 'function' || typeof agg.getResult !== 'function') {
      throw new ConfigError(`${name}: aggregate() needs an AggregateFunction: an object with createAccumulator, add and getResult`);
    }
    return this.#keyed<R>(name, { kind: 'rollingAggregate', aggregate: agg as AggregateFunction<unknown, unknown, unknown> });
  }

  // Field arguments are the numeric fields of T (a property name or a tuple index), checked at compile time.
  sum(field: NumericFieldOf<T>): DataStream<T> { return this.#aggregate('sum', field); }
  min(field: NumericFieldOf<T>): DataStream<T> { return this.#aggregate('min', field); }
  max(field: NumericFieldOf<T>): DataStream<T> { return this.#aggregate('max', field); }
  minBy(field: NumericFieldOf<T>): DataStream<T> { return this.#aggregate('minBy', field); }
  maxBy(field: NumericFieldOf<T>): DataStream<T> { return this.#aggregate('maxBy', field); }

  /** `fn` may be an object, or a factory `() => new MyFunction()` that gives every subtask its own instance. */
  override process<O>(fn: KeyedProcessFunction<K, T, O> | (() => KeyedProcessFunction<K, T, O>), name = 'KeyedProcess'): DataStream<O> {
    if (typeof fn !== 'function' && typeof fn?.processElement !== 'function') throw new ConfigError(`${name}: process() needs an object with a processElement(value, ctx, out) method, or a factory of one`);
    return this.#keyed<O>(name, { kind: 'keyedProcess', fn: fn as unknown as KeyedProcessFunction<Key, unknown, unknown> });
  }

  #aggregate(aggregation: AggregationKind, field: FieldRef): DataStream<T> {
    if (typeof field !== 'string' && !(typeof field === 'number' && Number.isInteger(field) && field >= 0)) {
      throw new ConfigError(`${aggregation}(): field must be a property name or a tuple index, got ${String(field)}`);
    }
    return this.#keyed<T>(`Keyed Aggregation (${aggregation} ${field})`, { kind: 'aggregate', aggregation, field });
  }

  #keyed<O>(name: string, spec: OperatorSpec): DataStream<O> {
    const t = this.environment.addTransformation({
      type: 'operator', name, inputs: [this.transformation], spec, keySelector: this.keySelector as KeySelector<unknown, Key>,
    });
    return new DataStream<O>(this.environment, t);
  }
}

function countWindowOf<T, K extends Key>(keyed: KeyedStream<T, K>, size: number, slide: number | undefined): WindowedStream<T, K> {
  const w = keyed.window(GlobalWindows.create());
  return slide === undefined ? w.trigger(PurgingTrigger.of(CountTrigger.of<T>(size))) : w.evictor(CountEvictor.of<T>(size)).trigger(CountTrigger.of<T>(slide));
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw new ConfigError('name() needs a non-empty string');
  return name;
}

function checkUid(uid: unknown, operatorName: string): string {
  if (typeof uid !== 'string' || uid.length === 0) throw new ConfigError(`${operatorName}: uid() needs a non-empty string`);
  return uid;
}

function toKeySelector<T, K extends Key>(key: KeySelector<T, K> | FieldRef, upstream: string): KeySelector<T, K> {
  if (typeof key === 'function') return key;
  if (typeof key === 'string' || (typeof key === 'number' && Number.isInteger(key) && key >= 0)) {
    return fieldSelector<T>(key) as KeySelector<T, K>;
  }
  throw new ConfigError(`keyBy after "${upstream}": the key must be a function, a property name or a tuple index, got ${typeof key}`);
}

/** Collector type re-exported for user functions. */
export type { Collector };
