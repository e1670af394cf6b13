// assignTimestampsAndWatermarks: stamps each record with its event time and emits the generator's watermarks (periodic, punctuated, idleness).

import { WeirError, describeValue } from '../../core/errors.ts';
import type { WatermarkGenerator, WatermarkOutput, WatermarkStrategy } from '../../api/watermark-strategy.ts';
import { MAX_WATERMARK } from '../events.ts';
import { StreamOperator, type ElementTime } from '../operator.ts';

/**
 * Replaces the watermarks of its input with its own: upstream watermarks are dropped, except
 * the final one (end of input), which is forwarded. Emitted watermarks only ever increase.
 * Periodic emission uses the task's processing-time service, so a manual clock drives it in
 * tests; `autoWatermarkInterval` 0 turns it off (punctuated generators still emit in onEvent).
 */
export class TimestampsAndWatermarksOperator extends StreamOperator {
  readonly #strategy: WatermarkStrategy<unknown>;
  #generator!: WatermarkGenerator<unknown>;
  #assign: ((element: unknown, recordTimestamp: number) => number) | undefined;
  #output!: WatermarkOutput;
  #current = Number.NEGATIVE_INFINITY;
  #idle = false;
  #interval = 0;
  #nextEmit = Number.POSITIVE_INFINITY;
  #element!: ElementTime;

  constructor(strategy: WatermarkStrategy<unknown>) {
    super();
    this.#strategy = strategy;
  }

  /** The last watermark this operator emitted. */
  get currentWatermark(): number {
    return this.#current;
  }

  override open(): void {
    const ctx = this.context;
    this.#element = ctx.element;
    this.#generator = this.#strategy.createWatermarkGenerator({
      subtaskIndex: ctx.subtaskIndex, parallelism: ctx.parallelism, currentProcessingTime: () => ctx.currentProcessingTime(),
    });
    this.#assign = this.#strategy.createTimestampAssigner();
    this.#output = {
      emitWatermark: (t) => this.#emit(t),
      markIdle: () => {
        if (this.#idle) return;
        this.#idle = true;
        this.output.emitWatermarkStatus(true);
      },
      markActive: () => this.#markActive(),
    };
    this.#interval = ctx.autoWatermarkInterval;
    if (this.#interval > 0) {
      this.#nextEmit = ctx.currentProcessingTime() + this.#interval;
      ctx.scheduleProcessingTime(this.#nextEmit);
    }
  }

  processElement(record: unknown): void {
    const element = this.#element;
    let ts = element.timestamp;
    if (this.#assign !== undefined) ts = this.#assign(record, ts);
    if (typeof ts !== 'number' || Number.isNaN(ts)) this.#badTimestamp(record, ts);
    element.timestamp = ts;
    this.#generator.onEvent(record, ts, this.#output);
    this.output.collect(record);
  }

  /** Out of line: a smaller processElement leaves V8 room to inline more of the chain behind it. */
  #badTimestamp(record: unknown, ts: unknown): never {
    throw new WeirError(
      this.#assign === undefined
        ? `record ${describeValue(record)} has no timestamp: give the WatermarkStrategy a timestamp assigner (withTimestampAssigner)`
        : `the timestamp assigner returned ${describeValue(ts)} for record ${describeValue(record)}; it must return a number (ms)`,
      { code: 'WEIR_BAD_TIMESTAMP', fault: 'user' },
    );
  }

  override processWatermark(timestamp: number): void {
    // Only the end-of-input watermark passes: the generator owns event time from here on.
    if (timestamp === MAX_WATERMARK) this.#emit(MAX_WATERMARK);
  }

  override processWatermarkStatus(_idle: boolean): void {
    // This operator decides idleness itself (withIdleness); the upstream status is not forwarded.
  }

  override onProcessingTime(now: number): void {
    if (this.#interval <= 0) return;
    if (now < this.#nextEmit) {
      // Called early: the slot keeps one timer per task (the earliest asked for), so this may be another operator's
      // timer of the chain, or the slot's timer firing a little before Date.now() reaches it (under CPU load). Ask
      // again, else periodic emission of this subtask stops for good and every downstream window waits for the end.
      this.context.scheduleProcessingTime(this.#nextEmit);
      return;
    }
    this.#generator.onPeriodicEmit(this.#output);
    this.#nextEmit = now + this.#interval;
    this.context.scheduleProcessingTime(this.#nextEmit);
  }

  #emit(timestamp: number): void {
    if (!(timestamp > this.#current)) return;
    this.#markActive();
    this.#current = timestamp;
    this.output.emitWatermark(timestamp);
  }

  #markActive(): void {
    if (!this.#idle) return;
    this.#idle = false;
    this.output.emitWatermarkStatus(false);
  }
}
