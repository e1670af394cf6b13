// filter: keeps the records the predicate accepts.

import type { FilterFunction } from '../../api/functions.ts';
import { asFilter } from '../../api/transformation.ts';
import { StreamOperator } from '../operator.ts';
import { closeFunction, openFunction } from './runtime-context.ts';

export class FilterOperator extends StreamOperator {
  readonly #fn: FilterFunction<unknown>;
  readonly #test: (v: unknown) => boolean;
  constructor(fn: FilterFunction<unknown>) {
    super();
    this.#fn = fn;
    this.#test = asFilter(fn);
  }
  override open(): void | Promise<void> { return openFunction(this.#fn, this.context); }
  processElement(record: unknown): void { if (this.#test(record)) this.output.collect(record); }
  override close(): void | Promise<void> { return closeFunction(this.#fn); }
}
