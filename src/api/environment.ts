// StreamExecutionEnvironment: the entry point of a job, holder of its settings and its transformations.

import { ConfigError } from '../core/errors.ts';
import { checkBatchSettings, mergeBatchConfig, type BatchSettings } from '../batch/config.ts';
import type { Key } from '../core/types.ts';
import type { Source } from '../connectors/source.ts';
import { CollectionSource } from '../connectors/collection-source.ts';
import { GeneratorSource, type GeneratorOptions } from '../connectors/generator/generator-source.ts';
import { TextFileSource, type TextFileSourceOptions } from '../connectors/file/index.ts';
import {
  checkKnownKeys, checkNonNegative, checkPositiveInt, checkBatchKeyedInput, checkCheckpointingMode, checkRuntimeMode, defaultExecutionConfig,
  type CheckpointingMode, type ExecutionConfig, type BatchKeyedInputMode, type RestartStrategy, type RuntimeMode,
} from './config.ts';
import { DataStream } from './data-stream.ts';
import type { KeySelector } from './functions.ts';
import { getInlineExecutor, getLaunchContext, type JobResult } from './launch.ts';
import { ParameterTool } from './params.ts';
import type { WatermarkStrategy } from './watermark-strategy.ts';
import { Transformation, type OperatorSpec, type PartitionSpec } from './transformation.ts';
import { buildJobGraph, describeJobGraph } from '../graph/job-graph.ts';
import { buildStreamGraph } from '../graph/stream-graph.ts';

export interface EnvironmentOptions {
  parallelism?: number;
  maxParallelism?: number;
  bufferSize?: number;
  buffersPerChannel?: number;
}

const ENV_OPTIONS = ['parallelism', 'maxParallelism', 'bufferSize', 'buffersPerChannel'] as const;

export class StreamExecutionEnvironment {
  readonly config: ExecutionConfig;
  readonly #transformations: Transformation[] = [];
  readonly #sinks: Transformation[] = [];
  readonly #jobArgs: readonly string[];
  #params: ParameterTool | undefined;
  #executed = false;

  private constructor(options: EnvironmentOptions | undefined) {
    checkKnownKeys('getExecutionEnvironment', options, ENV_OPTIONS);
    const config = defaultExecutionConfig();
    const launch = getLaunchContext();
    if (launch) {
      const { checkpoint, batch, ...rest } = launch.defaults;
      Object.assign(config, rest);
      if (checkpoint) Object.assign(config.checkpoint, checkpoint);
      if (batch) mergeBatchConfig(config.batch, batch);
    }
    this.config = config;
    this.#jobArgs = launch ? launch.jobArgs : process.argv.slice(2);
    if (options?.parallelism !== undefined) this.setParallelism(options.parallelism);
    if (options?.maxParallelism !== undefined) this.setMaxParallelism(options.maxParallelism);
    if (options?.bufferSize !== undefined) this.config.bufferSize = checkPositiveInt('bufferSize', options.bufferSize);
    if (options?.buffersPerChannel !== undefined) this.config.buffersPerChannel = checkPositiveInt('buffersPerChannel', options.buffersPerChannel);
  }

  /** The environment of the current launch: `weir run` settings apply; plain `node job.ts` runs inline. */
  static getExecutionEnvironment(options?: EnvironmentOptions): StreamExecutionEnvironment {
    return new StreamExecutionEnvironment(options);
  }

  /** Job arguments (`weir run job.ts --input x` gives `--input x`); one instance, so `weir run` sees every key the job asked for. */
  getParameters(): ParameterTool {
    this.#params ??= ParameterTool.fromArgs(this.#jobArgs);
    return this.#params;
  }

  get jobArgs(): readonly string[] {
    return this.#jobArgs;
  }

  setParallelism(parallelism: number): this {
    this.config.parallelism = checkPositiveInt('parallelism', parallelism);
    return this;
  }

  getParallelism(): number {
    return this.config.parallelism;
  }

  setMaxParallelism(maxParallelism: number): this {
    const v = checkPositiveInt('maxParallelism', maxParallelism);
    if (v > 32768) throw new ConfigError(`maxParallelism must be ≤ 32768, got ${v}`);
    this.config.maxParallelism = v;
    return this;
  }

  /** Turns on checkpoints every `intervalMs` (off by default). */
  enableCheckpointing(intervalMs: number, mode: CheckpointingMode = 'exactly-once'): this {
    this.config.checkpoint.interval = checkPositiveInt('checkpoint interval (ms)', intervalMs);
    this.config.checkpoint.mode = checkCheckpointingMode('checkpoint mode', mode);
    return this;
  }

  /** Checkpoint settings besides the interval (named as in Flink). Unknown keys are rejected. */
  configureCheckpointing(options: Partial<ExecutionConfig['checkpoint']>): this {
    const known = Object.keys(this.config.checkpoint);
    checkKnownKeys('configureCheckpointing', options, known);
    const c = this.config.checkpoint;
    for (const [key, value] of Object.entries(options)) {
      if (value === undefined) continue;
      if (key === 'mode') {
        c.mode = checkCheckpointingMode('checkpoint mode', value);
      } else if (key === 'dir') {
        if (typeof value !== 'string' || value === '') throw new ConfigError('checkpoint dir must be a non-empty path');
        c.dir = value;
      } else if (key === 'maxConcurrentCheckpoints') {
        // Said plainly rather than accepted and ignored: the coordinator runs one checkpoint at a time.
        if (value !== 1) throw new ConfigError(`checkpoint maxConcurrentCheckpoints: only 1 is supported, got ${String(value)}`);
      } else if (key === 'retainedCheckpoints') {
        (c as unknown as Record<string, number>)[key] = checkPositiveInt(`checkpoint ${key}`, value);
      } else {
        (c as unknown as Record<string, number>)[key] = checkNonNegative(`checkpoint ${key}`, value);
      }
    }
    return this;
  }

  /** How often timestamp assigners emit periodic watermarks, in ms of processing time (default 200; 0 = off). */
  setAutoWatermarkInterval(ms: number): this {
    this.config.autoWatermarkInterval = checkNonNegative('autoWatermarkInterval (ms)', ms);
    return this;
  }

  /**
   * STREAMING (the default), BATCH (bounded input only: keyed operators see their input grouped
   * by key, reduce/sum/aggregate emit one final value per key, windows and event-time timers
   * fire once at the end of each key, no watermarks, no processing-time timers, no checkpoints)
   * or AUTOMATIC (BATCH when every source is bounded). `weir run --runtime-mode` sets the default.
   */
  setRuntimeMode(mode: RuntimeMode): this {
    this.config.runtimeMode = checkRuntimeMode('runtime mode', mode);
    return this;
  }

  getRuntimeMode(): RuntimeMode {
    return this.config.runtimeMode;
  }

  /** BATCH only: 'state' (default; every key's state on the heap, records not held) or 'grouped' (input held and fed key by key). */
  setBatchKeyedInput(mode: BatchKeyedInputMode): this {
    this.config.batchKeyedInput = checkBatchKeyedInput('batch keyed input', mode);
    return this;
  }

  /** BATCH execution settings (spilling, exchanges, slots, adaptive parallelism): see docs/batch.md. */
  configureBatch(settings: BatchSettings): this {
    mergeBatchConfig(this.config.batch, checkBatchSettings('configureBatch', settings));
    return this;
  }

  /**
   * STREAMING: whether keyBy → event-time tumbling (or sliding) window → reduce / aggregate (with merge) pre-aggregates per
   * (key, window) before the keyBy (default true; `weir run --window-combine on|off`): see docs/event-time.md.
   */
  setWindowCombine(enabled: boolean): this {
    if (typeof enabled !== 'boolean') throw new ConfigError(`setWindowCombine needs true or false, got ${JSON.stringify(enabled)}`);
    this.config.windowCombine = enabled;
    return this;
  }

  setRestartStrategy(strategy: RestartStrategy): this {
    const kinds = ['none', 'fixed-delay', 'exponential-delay', 'failure-rate'];
    if (!kinds.includes(strategy?.kind)) throw new ConfigError(`restart strategy must be one of ${kinds.join(', ')}, got ${String(strategy?.kind)}`);
    this.config.restartStrategy = strategy;
    return this;
  }

  // ---- sources ----
  fromElements<T>(...elements: T[]): DataStream<T> {
    return this.fromCollection(elements);
  }

  /** A bounded stream of the elements, in order (parallelism 1, as Flink's fromElements). */
  fromCollection<T>(elements: readonly T[]): DataStream<T> {
    if (!Array.isArray(elements)) throw new ConfigError('fromCollection needs an array');
    const s = this.fromSource(new CollectionSource<T>(elements), 'Collection Source');
    s.setParallelism(1);
    return s;
  }

  /** Lines of a file, or of every file in a directory; large files are cut into byte ranges read in parallel. */
  readTextFile(path: string, options?: TextFileSourceOptions): DataStream<string> {
    if (typeof path !== 'string' || path === '') throw new ConfigError('readTextFile needs a file or directory path');
    return this.fromSource(new TextFileSource(path, options), `Text File Source (${path})`);
  }

  /** Numbers from..to inclusive. */
  fromSequence(from: number, to: number): DataStream<number> {
    if (!Number.isInteger(from) || !Number.isInteger(to) || to < from) throw new ConfigError(`fromSequence(${from}, ${to}): needs integers with from ≤ to`);
    return this.fromSource(new GeneratorSource<number>((i) => from + i, { count: to - from + 1 }), 'Sequence Source');
  }

  /** Record i = generate(i); bounded when `count` is set; `ratePerSecond` limits the total rate. */
  fromGenerator<T>(generate: (index: number) => T, options?: GeneratorOptions): DataStream<T> {
    if (typeof generate !== 'function') throw new ConfigError('fromGenerator needs a function (index) => record');
    return this.fromSource(new GeneratorSource<T>(generate, options), 'Generator Source');
  }

  /**
   * A stream from a Source. With a WatermarkStrategy (`fromSource(source, strategy, name)`),
   * records get their timestamps at the source and each split its own watermark generator:
   * the source's watermark is the minimum over its active splits (readers that emit per split,
   * see `ReaderOutput`), idle splits excluded with `withIdleness`.
   */
  fromSource<T>(source: Source<T>, name?: string): DataStream<T>;
  fromSource<T>(source: Source<T>, watermarks: WatermarkStrategy<T>, name?: string): DataStream<T>;
  fromSource<T>(source: Source<T>, strategyOrName?: WatermarkStrategy<T> | string, maybeName?: string): DataStream<T> {
    const strategy = typeof strategyOrName === 'string' ? undefined : strategyOrName;
    const name = (typeof strategyOrName === 'string' ? strategyOrName : maybeName) ?? 'Source';
    if (typeof source?.createReader !== 'function' || typeof source.enumerateSplits !== 'function') {
      throw new ConfigError(`${name}: fromSource needs a Source (enumerateSplits and createReader)`);
    }
    if (strategy !== undefined && typeof (strategy as { createWatermarkGenerator?: unknown })?.createWatermarkGenerator !== 'function') {
      throw new ConfigError(`${name}: fromSource(source, strategy, name) needs a WatermarkStrategy (e.g. WatermarkStrategy.forBoundedOutOfOrderness(ms)) or a name`);
    }
    const spec: OperatorSpec = strategy === undefined
      ? { kind: 'source', source: source as Source<unknown> }
      : { kind: 'source', source: source as Source<unknown>, watermarks: strategy as WatermarkStrategy<unknown> };
    const t = this.addTransformation({ type: 'operator', name, inputs: [], spec });
    return new DataStream<T>(this, t);
  }

  /** The job graph as JSON: operators, how they chain into tasks, parallelism, partitioners, uids. */
  getExecutionPlan(jobName = 'Weir Job'): string {
    const graph = buildJobGraph(buildStreamGraph(this.#transformations, this.#sinks, this.config));
    return JSON.stringify(describeJobGraph(graph, jobName), null, 2);
  }

  // ---- running ----
  /** Runs the job: through `weir run` on worker threads, or inline in this thread under plain node. */
  async execute(jobName = 'Weir Job'): Promise<JobResult> {
    if (this.#executed) throw new ConfigError('execute() was already called on this environment');
    if (this.#sinks.length === 0) throw new ConfigError('the job has no sink: add print(), sinkTo(), discard() or executeAndCollect()');
    this.#executed = true;
    const launch = getLaunchContext();
    const executor = launch?.execute ?? getInlineExecutor();
    if (!executor) throw new ConfigError('no executor: import the job through "weir" (src/index.ts) or run it with weir run');
    return executor(this, jobName);
  }

  // ---- for graph/ and the runtime ----
  get transformations(): readonly Transformation[] {
    return this.#transformations;
  }

  get sinks(): readonly Transformation[] {
    return this.#sinks;
  }

  /** @internal */
  addTransformation(init: {
    type: 'operator' | 'partition' | 'union' | 'side-output';
    name: string;
    inputs: readonly Transformation[];
    spec?: OperatorSpec;
    partition?: PartitionSpec;
    keySelector?: KeySelector<unknown, Key> | undefined;
    outputTag?: string;
  }): Transformation {
    const t = new Transformation({ id: this.#transformations.length + 1, ...init, keySelector: init.keySelector });
    this.#transformations.push(t);
    return t;
  }

  /** @internal */
  registerSink(t: Transformation): void {
    this.#sinks.push(t);
  }
}
