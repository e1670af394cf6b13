// connect(...).map / flatMap / process on unkeyed streams: one user function per input, one output.

import { ConfigError } from '../../../core/errors.ts';
import type { Collector } from '../../../core/types.ts';
import type { TimerService } from '../../../api/functions.ts';
import type { CoFlatMapFunction, CoMapFunction, CoProcessContext, CoProcessFunction } from '../../../api/two-input/functions.ts';
import { closeFunction, openFunction } from '../runtime-context.ts';
import { TwoInputStreamOperator } from './two-input-operator.ts';

type Handler = (value: unknown, out: Collector<unknown>) => void;

export class CoProcessOperator extends TwoInputStreamOperator {
  readonly #fn: object;
  readonly #h1: Handler;
  readonly #h2: Handler;

  constructor(
    fn:
      | { kind: 'coMap'; fn: CoMapFunction<unknown, unknown, unknown> }
      | { kind: 'coFlatMap'; fn: CoFlatMapFunction<unknown, unknown, unknown> }
      | { kind: 'coProcess'; fn: CoProcessFunction<unknown, unknown, unknown> },
  ) {
    super();
    this.#fn = fn.fn;
    switch (fn.kind) {
      case 'coMap': {
        const f = fn.fn;
        this.#h1 = (v, out) => out.collect(f.map1(v));
        this.#h2 = (v, out) => out.collect(f.map2(v));
        break;
      }
      case 'coFlatMap': {
        const f = fn.fn;
        this.#h1 = (v, out) => f.flatMap1(v, out);
        this.#h2 = (v, out) => f.flatMap2(v, out);
        break;
      }
      case 'coProcess': {
        const f = fn.fn;
        const noTimers = (): never => {
          throw new ConfigError(`operator "${this.context.operatorName}": timers need keyed inputs (a.keyBy(k1).connect(b.keyBy(k2)).process(...))`);
        };
        const timers: TimerService = {
          currentProcessingTime: () => this.context.currentProcessingTime(),
          currentWatermark: () => Number.NEGATIVE_INFINITY,
          registerProcessingTimeTimer: noTimers, registerEventTimeTimer: noTimers,
          deleteProcessingTimeTimer: noTimers, deleteEventTimeTimer: noTimers,
        };
        const ctx: CoProcessContext = {
          timerService: () => timers,
          timestamp: () => this.elementTimestamp(),
          output: (tag, value) => this.sideOutput(tag, value),
        };
        this.#h1 = (v, out) => f.processElement1(v, ctx, out);
        this.#h2 = (v, out) => f.processElement2(v, ctx, out);
        break;
      }
    }
  }

  override open(): void | Promise<void> { return openFunction(this.#fn, this.context); }
  processElement1(record: unknown): void { this.#h1(record, this.output); }
  processElement2(record: unknown): void { this.#h2(record, this.output); }
  override close(): void | Promise<void> { return closeFunction(this.#fn); }
}
