// map: one record in, one record out.

import type { MapFunction } from '../../api/functions.ts';
import { asMapper } from '../../api/transformation.ts';
import { StreamOperator } from '../operator.ts';
import { closeFunction, openFunction } from './runtime-context.ts';

export class MapOperator extends StreamOperator {
  readonly #fn: MapFunction<unknown, unknown>;
  readonly #map: (v: unknown) => unknown;
  constructor(fn: MapFunction<unknown, unknown>) {
    super();
    this.#fn = fn;
    this.#map = asMapper(fn);
  }
  override open(): void | Promise<void> { return openFunction(this.#fn, this.context); }
  processElement(record: unknown): void { this.output.collect(this.#map(record)); }
  override close(): void | Promise<void> { return closeFunction(this.#fn); }
}
