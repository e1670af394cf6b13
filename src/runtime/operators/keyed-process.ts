// keyed process: a KeyedProcessFunction with keyed state, event/processing-time timers and side outputs (ctx.output).
//
// What onTimer emits carries the timer's time as its timestamp for an event-time timer and no
// timestamp for a processing-time one (as Flink); the record's own timestamp is restored afterwards.

import type { Collector, Key } from '../../core/types.ts';
import type { KeyedProcessFunction, OnTimerContext } from '../../api/functions.ts';
import type { HeapKeyedStateBackend, InternalTimerService } from '../../state/index.ts';
import { StreamOperator } from '../operator.ts';
import { NO_OUTPUT } from '../output.ts';
import { keyedTimerService } from './keyed-timer-service.ts';
import { closeFunction, openFunction } from './runtime-context.ts';

export class KeyedProcessOperator extends StreamOperator {
  readonly #fn: KeyedProcessFunction<Key, unknown, unknown>;
  #backend!: HeapKeyedStateBackend;
  #timers!: InternalTimerService;
  #context!: OnTimerContext<Key> & { timestamp: number };
  #timeDomain: 'event-time' | 'processing-time' = 'event-time';

  constructor(fn: KeyedProcessFunction<Key, unknown, unknown>) {
    super();
    this.#fn = fn;
  }

  override open(): void | Promise<void> {
    this.#backend = this.context.keyedBackend!;
    this.#timers = this.context.timers!;
    const backend = this.#backend;
    const timers = this.#timers;
    const ctx = this.context;
    const timerService = keyedTimerService(ctx);
    // One context object for the operator's life: no allocation per record.
    this.#context = {
      getCurrentKey: () => backend.getCurrentKey() as Key,
      timerService: () => timerService,
      output: (tag, value) => { (this.sideOutputs.get(tag.id) ?? NO_OUTPUT).collect(value); },
      timeDomain: () => this.#timeDomain,
      timestamp: 0,
    };
    // Processing-time timers restored from a checkpoint need a wake-up too.
    const due = timers.nextProcessingTime();
    if (due !== undefined) ctx.scheduleProcessingTime(due);
    return openFunction(this.#fn, this.context);
  }

  processElement(record: unknown): void {
    this.#fn.processElement(record, this.#context, this.output);
  }

  override processWatermark(timestamp: number): void {
    this.#fire('event-time', (cb) => this.#timers.advanceWatermark(timestamp, cb));
    this.output.emitWatermark(timestamp);
  }

  override onProcessingTime(now: number): void {
    this.#fire('processing-time', (cb) => this.#timers.fireProcessingTimers(now, cb));
    const next = this.#timers.nextProcessingTime();
    if (next !== undefined) this.context.scheduleProcessingTime(next);
  }

  #fire(domain: 'event-time' | 'processing-time', run: (cb: (key: Key, keyGroup: number, time: number) => void) => void): void {
    const onTimer = this.#fn.onTimer;
    if (!onTimer) {
      run(() => {});
      return;
    }
    const out: Collector<unknown> = this.output;
    const element = this.context.element;
    const saved = element.timestamp;
    this.#timeDomain = domain;
    run((key, keyGroup, time) => {
      this.#backend.setCurrentKey(key, keyGroup);
      this.#context.timestamp = time;
      element.timestamp = domain === 'event-time' ? time : Number.NaN;
      onTimer.call(this.#fn, time, this.#context, out);
    });
    element.timestamp = saved;
  }

  override close(): void | Promise<void> {
    return closeFunction(this.#fn);
  }
}
