// process: a non-keyed process function with a collector and side outputs (ctx.output).

import { ConfigError } from '../../core/errors.ts';
import type { ProcessContext, ProcessFunction, TimerService } from '../../api/functions.ts';
import { StreamOperator } from '../operator.ts';
import { NO_OUTPUT } from '../output.ts';
import { closeFunction, openFunction } from './runtime-context.ts';

export class ProcessOperator extends StreamOperator {
  readonly #fn: ProcessFunction<unknown, unknown>;
  readonly #ctx: ProcessContext;
  constructor(fn: ProcessFunction<unknown, unknown>) {
    super();
    this.#fn = fn;
    const noTimers = (): never => {
      throw new ConfigError(`operator "${this.context.operatorName}": timers need a keyed stream (keyBy(...).process(...))`);
    };
    const timers: TimerService = {
      currentProcessingTime: () => this.context.currentProcessingTime(),
      currentWatermark: () => Number.NEGATIVE_INFINITY,
      registerProcessingTimeTimer: noTimers,
      registerEventTimeTimer: noTimers,
      deleteProcessingTimeTimer: noTimers,
      deleteEventTimeTimer: noTimers,
    };
    this.#ctx = { timerService: () => timers, output: (tag, value) => { (this.sideOutputs.get(tag.id) ?? NO_OUTPUT).collect(value); } };
  }
  override open(): void | Promise<void> { return openFunction(this.#fn, this.context); }
  processElement(record: unknown): void { this.#fn.processElement(record, this.#ctx, this.output); }
  override close(): void | Promise<void> { return closeFunction(this.#fn); }
}
