// Keyed reduce and the field aggregations (sum/min/max/minBy/maxBy): a running value per key in ValueState.

import { WeirError, describeValue } from '../../core/errors.ts';
import type { FieldRef } from '../../core/types.ts';
import type { ReduceFunction } from '../../api/functions.ts';
import type { AggregationKind } from '../../api/transformation.ts';
import { ValueStateDescriptor, type ValueState } from '../../state/index.ts';
import { StreamOperator } from '../operator.ts';

export class KeyedReduceOperator extends StreamOperator {
  readonly #reduce: ReduceFunction<unknown>;
  #state!: ValueState<unknown>;

  constructor(reduce: ReduceFunction<unknown>) {
    super();
    this.#reduce = reduce;
  }

  override open(): void {
    this.#state = this.context.keyedBackend!.getState(new ValueStateDescriptor<unknown>('_reduce'));
  }

  processElement(record: unknown): void {
    const acc = this.#state.value();
    const next = acc === undefined ? this.first(record) : this.#reduce(acc, record);
    this.#state.update(next);
    this.output.collect(next);
  }

  /** The first record of a key becomes its value (a hook for checks). */
  protected first(record: unknown): unknown {
    return record;
  }
}

/** Builds the reduce function of a field aggregation, with Flink's semantics. */
export function aggregationReducer(kind: AggregationKind, field: FieldRef, operatorName: string): ReduceFunction<unknown> {
  const num = (record: unknown): number => {
    const v = typeof record === 'object' && record !== null ? (record as Record<FieldRef, unknown>)[field] : record;
    if (typeof v !== 'number') {
      throw new WeirError(
        `operator "${operatorName}": field ${JSON.stringify(field)} of record ${describeValue(record)} is ${v === undefined ? 'missing' : `a ${typeof v}`}, not a number`,
        { code: 'WEIR_BAD_FIELD', fault: 'user' },
      );
    }
    return v;
  };
  const withField = (record: unknown, value: number): unknown => {
    if (typeof record !== 'object' || record === null) return value;
    if (Array.isArray(record)) {
      const copy = record.slice();
      copy[field as number] = value;
      return copy;
    }
    return { ...(record as object), [field]: value };
  };
  switch (kind) {
    case 'sum': return (acc, r) => withField(acc, num(acc) + num(r));
    case 'min': return (acc, r) => { const a = num(acc); const b = num(r); return b < a ? withField(acc, b) : acc; };
    case 'max': return (acc, r) => { const a = num(acc); const b = num(r); return b > a ? withField(acc, b) : acc; };
    case 'minBy': return (acc, r) => (num(r) < num(acc) ? r : acc);
    case 'maxBy': return (acc, r) => (num(r) > num(acc) ? r : acc);
  }
}

/**
 * The first record of a key is checked too, so a wrong field fails at once, not at the
 * second record (later records are checked by the reducer itself).
 */
export class KeyedAggregateOperator extends KeyedReduceOperator {
  readonly #check: (r: unknown) => void;
  constructor(kind: AggregationKind, field: FieldRef, operatorName: string) {
    const reducer = aggregationReducer(kind, field, operatorName);
    super(reducer);
    // minBy/maxBy on (r, r) only read the field: a check without the copy that sum/min/max make.
    const check = aggregationReducer('minBy', field, operatorName);
    this.#check = (r) => { check(r, r); };
  }
  protected override first(record: unknown): unknown {
    this.#check(record);
    return record;
  }
}
