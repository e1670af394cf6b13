// What a SourceReader emits into: counts records and, with a WatermarkStrategy at the source, stamps them and keeps one watermark generator per split (the reader's watermark is the minimum over its active splits).

import { WeirError, describeValue } from '../core/errors.ts';
import type { Collector } from '../core/types.ts';
import type { WatermarkGenerator, WatermarkOutput, WatermarkStrategy } from '../api/watermark-strategy.ts';
import type { ReaderOutput } from '../connectors/source.ts';
import type { OperatorContext, Output } from './operator.ts';

/** Records of a reader that does not say which split they come from (`collect` on the reader output). */
const READER_WIDE = '\u0000reader';

/** One split's generator and where it stands. */
class SplitWatermarks implements Collector<unknown>, WatermarkOutput {
  readonly generator: WatermarkGenerator<unknown>;
  readonly #owner: SourceOutput;
  watermark = Number.NEGATIVE_INFINITY;
  idle = false;
  constructor(owner: SourceOutput, generator: WatermarkGenerator<unknown>) {
    this.#owner = owner;
    this.generator = generator;
  }
  collect(record: unknown): void {
    this.#owner.emitRecord(record, this);
  }
  emitWatermark(timestamp: number): void {
    if (!(timestamp > this.watermark)) return;
    this.watermark = timestamp;
    this.#owner.update();
  }
  markIdle(): void {
    if (this.idle) return;
    this.idle = true;
    this.#owner.update();
  }
  markActive(): void {
    if (!this.idle) return;
    this.idle = false;
    this.#owner.update();
  }
}

/**
 * Without a strategy: records go straight to the chain, counted. With one, as Flink's source
 * watermarks: each split gets its own generator (`forSplit`), made idle on its own
 * (`withIdleness`); the emitted watermark is the minimum over the splits not idle, only ever
 * increasing; when every split is idle the source goes idle. A released (finished) split no
 * longer holds the minimum back. Records a reader emits through `collect` share one generator.
 * Periodic emission runs every `autoWatermarkInterval` ms on the task's processing-time clock.
 */
export class SourceOutput implements ReaderOutput<unknown> {
  /** Records emitted (the source's "records in"). */
  count = 0;
  readonly #output: Output;
  readonly #context: OperatorContext;
  readonly #strategy: WatermarkStrategy<unknown> | undefined;
  readonly #assign: ((element: unknown, recordTimestamp: number) => number) | undefined;
  readonly #splits = new Map<string, SplitWatermarks>();
  #current = Number.NEGATIVE_INFINITY;
  #idle = false;
  #nextEmit = Number.POSITIVE_INFINITY;

  constructor(output: Output, context: OperatorContext, strategy: WatermarkStrategy<unknown> | undefined) {
    this.#output = output;
    this.#context = context;
    this.#strategy = strategy;
    this.#assign = strategy?.createTimestampAssigner();
  }

  /** Whether the source is idle (every split idle). */
  get idle(): boolean {
    return this.#idle;
  }

  /** The last watermark emitted. */
  get currentWatermark(): number {
    return this.#current;
  }

  /** Starts periodic emission (called in the operator's open()). */
  start(): void {
    const interval = this.#context.autoWatermarkInterval;
    if (this.#strategy === undefined || interval <= 0) return;
    this.#nextEmit = this.#context.currentProcessingTime() + interval;
    this.#context.scheduleProcessingTime(this.#nextEmit);
  }

  collect(record: unknown): void {
    if (this.#strategy === undefined) {
      this.count++;
      this.#output.collect(record);
      return;
    }
    this.emitRecord(record, this.#split(READER_WIDE));
  }

  forSplit(splitId: string): Collector<unknown> {
    if (this.#strategy === undefined) return this;
    return this.#split(splitId);
  }

  releaseSplit(splitId: string): void {
    if (this.#splits.delete(splitId)) this.update();
  }

  /** @internal A record of `split`: its timestamp, the split's generator, then the chain. */
  emitRecord(record: unknown, split: SplitWatermarks): void {
    const element = this.#context.element;
    let ts = Number.NaN;
    if (this.#assign !== undefined) ts = this.#assign(record, Number.NaN);
    if (typeof ts !== 'number' || Number.isNaN(ts)) {
      throw new WeirError(
        this.#assign === undefined
          ? `record ${describeValue(record)} has no timestamp: give the source's WatermarkStrategy a timestamp assigner (withTimestampAssigner)`
          : `the timestamp assigner returned ${describeValue(ts)} for record ${describeValue(record)}; it must return a number (ms)`,
        { code: 'WEIR_BAD_TIMESTAMP', fault: 'user' },
      );
    }
    element.timestamp = ts;
    split.generator.onEvent(record, ts, split);
    this.count++;
    this.#output.collect(record);
  }

  onProcessingTime(now: number): void {
    if (this.#strategy === undefined) return;
    if (now < this.#nextEmit) {
      if (this.#nextEmit !== Number.POSITIVE_INFINITY) this.#context.scheduleProcessingTime(this.#nextEmit);
      return;
    }
    for (const s of this.#splits.values()) s.generator.onPeriodicEmit(s);
    this.#nextEmit = now + this.#context.autoWatermarkInterval;
    this.#context.scheduleProcessingTime(this.#nextEmit);
  }

  /** Recomputes the combined watermark and status after a split changed. */
  update(): void {
    let min = Number.POSITIVE_INFINITY;
    let active = 0;
    for (const s of this.#splits.values()) {
      if (s.idle) continue;
      active++;
      if (s.watermark < min) min = s.watermark;
    }
    if (active === 0) {
      // Every split idle: downstream stops waiting for this source. No split at all: hold.
      if (this.#splits.size > 0 && !this.#idle) {
        this.#idle = true;
        this.#output.emitWatermarkStatus(true);
      }
      return;
    }
    if (this.#idle) {
      this.#idle = false;
      this.#output.emitWatermarkStatus(false);
    }
    if (min > this.#current) {
      this.#current = min;
      this.#output.emitWatermark(min);
    }
  }

  /** The end of a bounded input (or a stop): the final watermark passes as is. */
  emitFinalWatermark(timestamp: number): void {
    if (this.#idle) { this.#idle = false; this.#output.emitWatermarkStatus(false); }
    if (timestamp > this.#current) this.#current = timestamp;
    this.#output.emitWatermark(timestamp);
  }

  #split(splitId: string): SplitWatermarks {
    let s = this.#splits.get(splitId);
    if (s === undefined) {
      const ctx = this.#context;
      const generator = this.#strategy!.createWatermarkGenerator({
        subtaskIndex: ctx.subtaskIndex, parallelism: ctx.parallelism, currentProcessingTime: () => ctx.currentProcessingTime(),
      });
      s = new SplitWatermarks(this, generator);
      this.#splits.set(splitId, s);
      // A new split starts at −∞ and holds the minimum back until its watermark catches up (nothing is emitted: watermarks only increase).
    }
    return s;
  }
}
