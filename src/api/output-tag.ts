// OutputTag<T>: names a side output of an operator (late window data, ctx.output in process functions).

import { ConfigError } from '../core/errors.ts';

/** A typed name for a side output; two tags with the same id are the same side output. */
export class OutputTag<T> {
  readonly id: string;
  /** Phantom: carries T for type inference only. */
  declare readonly __type?: T;
  constructor(id: string) {
    if (typeof id !== 'string' || id.length === 0) throw new ConfigError('OutputTag needs a non-empty id');
    this.id = id;
  }
}
