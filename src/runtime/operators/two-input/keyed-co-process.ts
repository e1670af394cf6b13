// a.keyBy(k1).connect(b.keyBy(k2)).process(KeyedCoProcessFunction): both inputs share the current key's state and timers.

import type { Key } from '../../../core/types.ts';
import type { KeyedCoOnTimerContext, KeyedCoProcessContext, KeyedCoProcessFunction } from '../../../api/two-input/functions.ts';
import { closeFunction, openFunction } from '../runtime-context.ts';
import { keyedTimerService } from '../keyed-timer-service.ts';
import { KeyedTimers, TwoInputStreamOperator } from './two-input-operator.ts';

export class KeyedCoProcessOperator extends TwoInputStreamOperator {
  readonly #fn: KeyedCoProcessFunction<Key, unknown, unknown, unknown>;
  #ctx!: KeyedCoProcessContext<Key>;
  #timers!: KeyedTimers;

  constructor(fn: KeyedCoProcessFunction<Key, unknown, unknown, unknown>) {
    super();
    this.#fn = fn;
  }

  override open(): void | Promise<void> {
    const backend = this.context.keyedBackend!;
    const timerService = keyedTimerService(this.context);
    // One context object for the operator's life: no allocation per record.
    this.#ctx = {
      getCurrentKey: () => backend.getCurrentKey() as Key,
      timerService: () => timerService,
      timestamp: () => this.elementTimestamp(),
      output: (tag, value) => this.sideOutput(tag, value),
    };
    const onTimer = this.#fn.onTimer;
    let timeDomain: 'event-time' | 'processing-time' = 'event-time';
    const timerCtx: KeyedCoOnTimerContext<Key> & { timestamp: number } = {
      getCurrentKey: () => backend.getCurrentKey() as Key,
      timerService: () => timerService,
      output: (tag, value) => this.sideOutput(tag, value),
      timeDomain: () => timeDomain,
      timestamp: 0,
    };
    const element = this.context.element;
    this.#timers = new KeyedTimers(this.context, (domain, time) => {
      if (!onTimer) return;
      timeDomain = domain;
      timerCtx.timestamp = time;
      // What a timer emits carries the timer's time (event time) or no timestamp (processing time).
      element.timestamp = domain === 'event-time' ? time : Number.NaN;
      onTimer.call(this.#fn, time, timerCtx, this.output);
    });
    return openFunction(this.#fn, this.context);
  }

  processElement1(record: unknown): void { this.#fn.processElement1(record, this.#ctx, this.output); }
  processElement2(record: unknown): void { this.#fn.processElement2(record, this.#ctx, this.output); }

  override processWatermark(timestamp: number): void {
    this.#timers.advanceWatermark(timestamp);
    this.output.emitWatermark(timestamp);
  }

  override onProcessingTime(now: number): void {
    this.#timers.onProcessingTime(now);
  }

  override close(): void | Promise<void> { return closeFunction(this.#fn); }
}
