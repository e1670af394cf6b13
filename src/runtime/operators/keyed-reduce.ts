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

/**
 * sum/min/max/minBy/maxBy(field) without a generic reduce: per record one state lookup (value()
 * then update() write the same cell), one number check of the incoming field (the stored one
 * was checked when it was stored), and for sum/min/max one copy of the stored record with the
 * field replaced — the record emitted, which is also the new stored value (emitted records are
 * never mutated afterwards: a downstream operator or buffer may still hold them). Flink's
 * semantics: the other fields come from the key's first record; minBy/maxBy keep the first
 * record on ties. The state is the same '_reduce' value as a reduce's, so checkpoints of
 * either restore into the other.
 */
export class KeyedAggregateOperator extends StreamOperator {
  readonly #kind: AggregationKind;
  readonly #field: FieldRef;
  readonly #operatorName: string;
  #state!: ValueState<unknown>;

  constructor(kind: AggregationKind, field: FieldRef, operatorName: string) {
    super();
    this.#kind = kind;
    this.#field = field;
    this.#operatorName = operatorName;
  }

  override open(): void {
    this.#state = this.context.keyedBackend!.getState(new ValueStateDescriptor<unknown>('_reduce'));
  }

  processElement(record: unknown): void {
    const state = this.#state;
    const field = this.#field;
    const value = typeof record === 'object' && record !== null ? (record as Record<FieldRef, unknown>)[field] : record;
    if (typeof value !== 'number') this.#badField(record, value);
    const acc = state.value();
    if (acc === undefined) {
      state.update(record);
      this.output.collect(record);
      return;
    }
    const current = typeof acc === 'object' && acc !== null ? (acc as Record<FieldRef, unknown>)[field] as number : acc as number;
    let next: unknown;
    switch (this.#kind) {
      case 'sum': next = withField(acc, field, current + (value as number)); break;
      case 'min': next = (value as number) < current ? withField(acc, field, value as number) : acc; break;
      case 'max': next = (value as number) > current ? withField(acc, field, value as number) : acc; break;
      case 'minBy': next = (value as number) < current ? record : acc; break;
      case 'maxBy': next = (value as number) > current ? record : acc; break;
    }
    if (next !== acc) state.update(next);
    this.output.collect(next);
  }

  #badField(record: unknown, v: unknown): never {
    throw new WeirError(
      `operator "${this.#operatorName}": field ${JSON.stringify(this.#field)} of record ${describeValue(record)} is ${v === undefined ? 'missing' : `a ${typeof v}`}, not a number`,
      { code: 'WEIR_BAD_FIELD', fault: 'user' },
    );
  }
}

/** A copy of `record` with `field` set to `value` (a plain number record becomes the value). */
function withField(record: unknown, field: FieldRef, value: number): unknown {
  if (typeof record !== 'object' || record === null) return value;
  if (Array.isArray(record)) {
    const copy = record.slice();
    copy[field as number] = value;
    return copy;
  }
  const copy: Record<FieldRef, unknown> = { ...(record as Record<FieldRef, unknown>) };
  copy[field] = value;
  return copy;
}
