// process: a non-keyed process function with a collector.

import type { ProcessFunction } from '../../api/functions.ts';
import { StreamOperator } from '../operator.ts';
import { closeFunction, openFunction } from './runtime-context.ts';

export class ProcessOperator extends StreamOperator {
  readonly #fn: ProcessFunction<unknown, unknown>;
  constructor(fn: ProcessFunction<unknown, unknown>) {
    super();
    this.#fn = fn;
  }
  override open(): void | Promise<void> { return openFunction(this.#fn, this.context); }
  processElement(record: unknown): void { this.#fn.processElement(record, this.output); }
  override close(): void | Promise<void> { return closeFunction(this.#fn); }
}
