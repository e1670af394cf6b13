// The contract of an operator with two logical inputs: the task calls processElement1 or processElement2 by the input a channel belongs to.

import type { Key } from '../../../core/types.ts';
import type { KeySelector } from '../../../api/functions.ts';
import type { OutputTag } from '../../../api/output-tag.ts';
import type { OperatorContext } from '../../operator.ts';
import { StreamOperator } from '../../operator.ts';
import { NO_OUTPUT } from '../../output.ts';

/**
 * Watermarks, barriers and end of input are the task's business (its input gate combines the
 * channels of both inputs: the watermark is the minimum over both, a checkpoint aligns the
 * barriers of both, the input ends when both ended), so an operator sees one watermark, as a
 * one-input operator does. Before each record the task sets the key of that input's key
 * selector (keyed inputs) and the record's timestamp.
 */
export abstract class TwoInputStreamOperator<IN1 = unknown, IN2 = unknown, OUT = unknown> extends StreamOperator<IN1, OUT> {
  /** The key selector of each keyed input (undefined: that input is not keyed, e.g. a broadcast side). */
  keySelectors: readonly [KeySelector<unknown, Key> | undefined, KeySelector<unknown, Key> | undefined] = [undefined, undefined];

  abstract processElement1(record: IN1): void;
  abstract processElement2(record: IN2): void;

  /** A two-input operator is never chained behind another one; this entry is input 1. */
  processElement(record: IN1): void {
    this.processElement1(record);
  }

  /** Emits to a side output by tag (nothing when no stream consumes the tag). */
  protected sideOutput<X>(tag: OutputTag<X>, value: X): void {
    (this.sideOutputs.get(tag.id) ?? NO_OUTPUT).collect(value);
  }

  /** The current record's timestamp, undefined when it has none. */
  protected elementTimestamp(): number | undefined {
    const t = this.context.element.timestamp;
    return Number.isNaN(t) ? undefined : t;
  }
}

/**
 * Drives the keyed timers of an operator: event-time timers fire on watermarks, processing-time
 * ones on the task's callbacks; each firing makes its key current first. Restored
 * processing-time timers get their wake-up at open.
 */
export class KeyedTimers {
  readonly #ctx: OperatorContext;
  readonly #onTimer: (domain: 'event-time' | 'processing-time', time: number, key: Key) => void;

  constructor(ctx: OperatorContext, onTimer: (domain: 'event-time' | 'processing-time', time: number, key: Key) => void) {
    this.#ctx = ctx;
    this.#onTimer = onTimer;
    const due = ctx.timers!.nextProcessingTime();
    if (due !== undefined) ctx.scheduleProcessingTime(due);
  }

  advanceWatermark(timestamp: number): void {
    const backend = this.#ctx.keyedBackend!;
    this.#ctx.timers!.advanceWatermark(timestamp, (key, keyGroup, time) => {
      backend.setCurrentKey(key, keyGroup);
      this.#onTimer('event-time', time, key);
    });
  }

  onProcessingTime(now: number): void {
    const backend = this.#ctx.keyedBackend!;
    const timers = this.#ctx.timers!;
    timers.fireProcessingTimers(now, (key, keyGroup, time) => {
      backend.setCurrentKey(key, keyGroup);
      this.#onTimer('processing-time', time, key);
    });
    const next = timers.nextProcessingTime();
    if (next !== undefined) this.#ctx.scheduleProcessingTime(next);
  }
}
