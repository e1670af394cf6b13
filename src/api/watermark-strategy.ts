// WatermarkStrategy: how a stream gets event-time timestamps and watermarks (Flink's API: bounded out-of-orderness, monotonous, custom, idleness).

import { ConfigError } from '../core/errors.ts';
import { checkNonNegative } from './config.ts';

/** Where a watermark generator emits. Watermarks that do not advance are dropped by the operator. */
export interface WatermarkOutput {
  emitWatermark(timestamp: number): void;
  /** No records for a while: downstream operators stop waiting for this stream's watermark. */
  markIdle(): void;
  markActive(): void;
}

/**
 * Generates watermarks from the events it sees. `onEvent` runs for every record (a punctuated
 * generator emits there); `onPeriodicEmit` every `autoWatermarkInterval` ms of processing time.
 */
export interface WatermarkGenerator<T> {
  onEvent(event: T, timestamp: number, output: WatermarkOutput): void;
  onPeriodicEmit(output: WatermarkOutput): void;
}

/** What a generator factory is told about the subtask it runs in. */
export interface WatermarkGeneratorContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  /** The task's processing-time clock (the harness's manual clock in tests). */
  currentProcessingTime(): number;
}

/** Extracts the event time (ms) of a record; `recordTimestamp` is the one it already has (NaN = none). */
export type TimestampAssigner<T> = ((element: T, recordTimestamp: number) => number) | { extractTimestamp(element: T, recordTimestamp: number): number };

export type WatermarkGeneratorFactory<T> = (context: WatermarkGeneratorContext) => WatermarkGenerator<T>;

/** Watermark = highest timestamp seen − bound − 1: a record at most `bound` ms older than the newest is never late. */
export class BoundedOutOfOrdernessWatermarks<T> implements WatermarkGenerator<T> {
  readonly #bound: number;
  #max = Number.NEGATIVE_INFINITY;
  constructor(bound: number) {
    this.#bound = bound;
  }
  onEvent(_event: T, timestamp: number): void {
    if (timestamp > this.#max) this.#max = timestamp;
  }
  onPeriodicEmit(output: WatermarkOutput): void {
    if (this.#max > Number.NEGATIVE_INFINITY) output.emitWatermark(this.#max - this.#bound - 1);
  }
}

/**
 * Wraps a generator: when no record arrived for `timeout` ms of processing time, the stream
 * is marked idle instead of emitting; the next record makes it active again.
 */
class IdlenessWatermarks<T> implements WatermarkGenerator<T> {
  readonly #inner: WatermarkGenerator<T>;
  readonly #timeout: number;
  readonly #clock: () => number;
  #lastActivity: number;
  #idle = false;
  constructor(inner: WatermarkGenerator<T>, timeout: number, clock: () => number) {
    this.#inner = inner;
    this.#timeout = timeout;
    this.#clock = clock;
    this.#lastActivity = clock();
  }
  onEvent(event: T, timestamp: number, output: WatermarkOutput): void {
    this.#lastActivity = Number.NaN; // read lazily: no clock read per record
    if (this.#idle) {
      this.#idle = false;
      output.markActive();
    }
    this.#inner.onEvent(event, timestamp, output);
  }
  onPeriodicEmit(output: WatermarkOutput): void {
    const now = this.#clock();
    if (Number.isNaN(this.#lastActivity)) this.#lastActivity = now;
    if (now - this.#lastActivity >= this.#timeout) {
      if (!this.#idle) {
        this.#idle = true;
        output.markIdle();
      }
      return;
    }
    this.#inner.onPeriodicEmit(output);
  }
}

/** withWatermarkAlignment's settings. */
export interface WatermarkAlignmentSettings {
  readonly group: string;
  readonly maxDrift: number;
  readonly updateInterval: number;
}

/** Immutable: each `with...` returns a new strategy. One generator is created per subtask. */
export class WatermarkStrategy<T> {
  readonly #factory: WatermarkGeneratorFactory<T>;
  readonly #assigner: TimestampAssigner<T> | undefined;
  readonly #idleness: number | undefined;
  readonly #alignment: WatermarkAlignmentSettings | undefined;

  private constructor(factory: WatermarkGeneratorFactory<T>, assigner: TimestampAssigner<T> | undefined, idleness: number | undefined, alignment?: WatermarkAlignmentSettings) {
    this.#factory = factory;
    this.#assigner = assigner;
    this.#idleness = idleness;
    this.#alignment = alignment;
  }

  /** Timestamps never decrease: watermark = highest timestamp − 1. */
  static forMonotonousTimestamps<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => new BoundedOutOfOrdernessWatermarks<T>(0), undefined, undefined);
  }

  /** Records arrive at most `maxOutOfOrdernessMs` behind the newest: watermark = highest timestamp − bound − 1. */
  static forBoundedOutOfOrderness<T>(maxOutOfOrdernessMs: number): WatermarkStrategy<T> {
    const bound = checkNonNegative('forBoundedOutOfOrderness(ms)', maxOutOfOrdernessMs);
    return new WatermarkStrategy<T>(() => new BoundedOutOfOrdernessWatermarks<T>(bound), undefined, undefined);
  }

  /** A custom generator (periodic, punctuated or both), made once per subtask by `factory`. */
  static forGenerator<T>(factory: WatermarkGeneratorFactory<T>): WatermarkStrategy<T> {
    if (typeof factory !== 'function') throw new ConfigError('WatermarkStrategy.forGenerator needs a function (context) => WatermarkGenerator');
    return new WatermarkStrategy<T>(factory, undefined, undefined);
  }

  /** Timestamps only: no watermark except the final one at end of input. */
  static noWatermarks<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => ({ onEvent() {}, onPeriodicEmit() {} }), undefined, undefined);
  }

  withTimestampAssigner(assigner: TimestampAssigner<T>): WatermarkStrategy<T> {
    if (typeof assigner !== 'function' && typeof (assigner as { extractTimestamp?: unknown })?.extractTimestamp !== 'function') {
      throw new ConfigError('withTimestampAssigner needs a function (element, recordTimestamp) => ms, or an object with extractTimestamp');
    }
    return new WatermarkStrategy<T>(this.#factory, assigner, this.#idleness, this.#alignment);
  }

  /** Marks the stream idle after `timeoutMs` of processing time without records. */
  withIdleness(timeoutMs: number): WatermarkStrategy<T> {
    const t = checkNonNegative('withIdleness(ms)', timeoutMs);
    if (t === 0) throw new ConfigError('withIdleness(ms) needs a timeout > 0');
    return new WatermarkStrategy<T>(this.#factory, this.#assigner, t, this.#alignment);
  }

  /**
   * Source watermark alignment (only where the strategy is given to `env.fromSource`): every
   * source subtask in `group` pauses reading while its watermark is more than `maxDriftMs` ahead
   * of the group's minimum, which the JobManager aggregates from the watermarks the sources
   * report every `updateIntervalMs` (default 1000). Idle and finished sources do not count.
   */
  withWatermarkAlignment(group: string, maxDriftMs: number, updateIntervalMs = 1000): WatermarkStrategy<T> {
    if (typeof group !== 'string' || group.length === 0) throw new ConfigError('withWatermarkAlignment(group, maxDrift) needs a non-empty group name');
    const maxDrift = checkNonNegative('withWatermarkAlignment maxDrift (ms)', maxDriftMs);
    const updateInterval = checkNonNegative('withWatermarkAlignment updateInterval (ms)', updateIntervalMs);
    if (updateInterval === 0) throw new ConfigError('withWatermarkAlignment updateInterval must be > 0 ms');
    return new WatermarkStrategy<T>(this.#factory, this.#assigner, this.#idleness, { group, maxDrift, updateInterval });
  }

  /** @internal The alignment settings, if any. */
  get alignment(): WatermarkAlignmentSettings | undefined {
    return this.#alignment;
  }

  /** @internal The generator of one subtask (the runtime calls this in open()). */
  createWatermarkGenerator(context: WatermarkGeneratorContext): WatermarkGenerator<T> {
    const g = this.#factory(context);
    if (g === null || typeof g !== 'object' || typeof g.onEvent !== 'function' || typeof g.onPeriodicEmit !== 'function') {
      throw new ConfigError('the watermark generator factory must return an object with onEvent and onPeriodicEmit');
    }
    return this.#idleness === undefined ? g : new IdlenessWatermarks(g, this.#idleness, () => context.currentProcessingTime());
  }

  /** @internal The timestamp extraction as a plain call, or undefined (records keep the timestamp they have). */
  createTimestampAssigner(): ((element: T, recordTimestamp: number) => number) | undefined {
    const a = this.#assigner;
    if (a === undefined) return undefined;
    return typeof a === 'function' ? a : (e, t) => a.extractTimestamp(e, t);
  }
}
