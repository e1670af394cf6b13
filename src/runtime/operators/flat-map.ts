// flatMap: one record in, any number out through the collector (the operator's output itself).

import type { FlatMapFunction } from '../../api/functions.ts';
import { asFlatMapper } from '../../api/transformation.ts';
import { StreamOperator } from '../operator.ts';
import { closeFunction, openFunction } from './runtime-context.ts';

export class FlatMapOperator extends StreamOperator {
  readonly #fn: FlatMapFunction<unknown, unknown>;
  readonly #flatMap: (v: unknown, out: { collect(r: unknown): void }) => void;
  constructor(fn: FlatMapFunction<unknown, unknown>) {
    super();
    this.#fn = fn;
    this.#flatMap = asFlatMapper(fn);
  }
  override open(): void | Promise<void> { return openFunction(this.#fn, this.context); }
  processElement(record: unknown): void { this.#flatMap(record, this.output); }
  override close(): void | Promise<void> { return closeFunction(this.#fn); }
}
