// Keyed reduce, the field aggregations (sum/min/max/minBy/maxBy) and the rolling AggregateFunction: a running value per key in keyed state.
//
// BATCH (context.batch): nothing is emitted per record; endOfKey() emits the key's final value,
// which equals the last running value the same job emits in STREAMING.

import { WeirError, describeValue } from '../../core/errors.ts';
import type { FieldRef } from '../../core/types.ts';
import type { ReduceFunction } from '../../api/functions.ts';
import type { AggregationKind } from '../../api/transformation.ts';
import type { AggregateFunction } from '../../api/windows/window-functions.ts';
import { AggregatingStateDescriptor, ValueStateDescriptor, type AggregatingState, type ValueState } from '../../state/index.ts';
import type { HeapValueState } from '../../state/heap-states.ts';
import { StreamOperator } from '../operator.ts';
import { emitFinalValues, LastTimestamps } from '../../batch/final-values.ts';

export class KeyedReduceOperator extends StreamOperator {
  readonly #reduce: ReduceFunction<unknown>;
  #state!: ValueState<unknown>;
  #batch = false;
  #timestamps: LastTimestamps | undefined;

  constructor(reduce: ReduceFunction<unknown>) {
    super();
    this.#reduce = reduce;
  }

  override open(): void {
    this.#state = this.context.keyedBackend!.getState(new ValueStateDescriptor<unknown>('_reduce'));
    this.#batch = this.context.batch;
    if (this.#batch) this.#timestamps = new LastTimestamps(this.context.keyedBackend!, this.context.element);
  }

  processElement(record: unknown): void {
    const acc = this.#state.value();
    const next = acc === undefined ? this.first(record) : this.#reduce(acc, record);
    this.#state.update(next);
    if (!this.#batch) this.output.collect(next);
    else this.#timestamps!.record();
  }

  override endOfKey(): void {
    const v = this.#state.value();
    if (v !== undefined) this.output.collect(v);
  }

  /** BATCH with 'state' keyed input: the final value of every key. */
  override finish(): void {
    if (this.#batch) emitFinalValues(this.context.keyedBackend!, '_reduce', () => this.endOfKey(), this.#timestamps);
  }

  /** The first record of a key becomes its value (a hook for checks). */
  protected first(record: unknown): unknown {
    return record;
  }
}

/**
 * KeyedStream.aggregate(AggregateFunction): the key's accumulator in aggregating state (which
 * copies an accumulator a snapshot still holds before `add` may mutate it), getResult emitted after
 * every record. A result that is the accumulator itself is emitted as a copy: the next `add` may
 * mutate the accumulator while the emitted record still sits in a buffer downstream.
 */
export class KeyedRollingAggregateOperator extends StreamOperator {
  readonly #agg: AggregateFunction<unknown, unknown, unknown>;
  #state!: AggregatingState<unknown, unknown>;
  #batch = false;
  #timestamps: LastTimestamps | undefined;

  constructor(agg: AggregateFunction<unknown, unknown, unknown>) {
    super();
    this.#agg = agg;
  }

  override open(): void {
    const agg = this.#agg;
    // getResult is the identity in state: processElement applies the user's to the raw accumulator.
    const stored = { createAccumulator: () => agg.createAccumulator(), add: (v: unknown, acc: unknown) => agg.add(v, acc), getResult: (acc: unknown) => acc };
    this.#state = this.context.keyedBackend!.getAggregatingState(new AggregatingStateDescriptor('_aggregate', stored));
    this.#batch = this.context.batch;
    if (this.#batch) this.#timestamps = new LastTimestamps(this.context.keyedBackend!, this.context.element);
  }

  processElement(record: unknown): void {
    const state = this.#state;
    state.add(record);
    if (this.#batch) { this.#timestamps!.record(); return; }
    const acc = state.get();
    const result = this.#agg.getResult(acc);
    this.output.collect(result === acc && typeof result === 'object' && result !== null ? structuredClone(result) : result);
  }

  /** BATCH: getResult of the key's final accumulator (dropped right after, so no copy). */
  override endOfKey(): void {
    const acc = this.#state.get();
    if (acc !== undefined) this.output.collect(this.#agg.getResult(acc));
  }

  /** BATCH with 'state' keyed input: the final value of every key. */
  override finish(): void {
    if (this.#batch) emitFinalValues(this.context.keyedBackend!, '_aggregate', () => this.endOfKey(), this.#timestamps);
  }
}

/**
 * sum/min/max/minBy/maxBy(field) without a generic reduce. For sum/min/max the state holds a
 * private copy of the key's first record whose field is updated in place (one state lookup:
 * value(), then a write into the record when `ownsValue()` says no snapshot holds it — else a
 * copy, once per key per checkpoint); each emitted record is a fresh copy of it. So the stored
 * record is never replaced (a replacement lives long, and every young GC would copy and
 * promote it) and emitted records are never mutated afterwards (a buffer or operator
 * downstream may still hold them). minBy/maxBy store and emit the winning input record itself.
 * Flink's semantics: the other fields come from the key's first record; ties keep the first.
 * The state is the same '_reduce' value a reduce keeps, so either restores the other's.
 */
export class KeyedAggregateOperator extends StreamOperator {
  readonly #kind: AggregationKind;
  readonly #field: FieldRef;
  readonly #operatorName: string;
  #state!: HeapValueState<unknown>;
  #batch = false;
  #timestamps: LastTimestamps | undefined;

  constructor(kind: AggregationKind, field: FieldRef, operatorName: string) {
    super();
    this.#kind = kind;
    this.#field = field;
    this.#operatorName = operatorName;
  }

  override open(): void {
    this.#state = this.context.keyedBackend!.getState(new ValueStateDescriptor<unknown>('_reduce')) as HeapValueState<unknown>;
    this.#batch = this.context.batch;
    if (this.#batch) this.#timestamps = new LastTimestamps(this.context.keyedBackend!, this.context.element);
  }

  /** BATCH: the key's final value; its state is dropped right after, so the stored record itself goes out. */
  override endOfKey(): void {
    const v = this.#state.value();
    if (v !== undefined) this.output.collect(v);
  }

  /** BATCH with 'state' keyed input: the final value of every key. */
  override finish(): void {
    if (this.#batch) emitFinalValues(this.context.keyedBackend!, '_reduce', () => this.endOfKey(), this.#timestamps);
  }

  processElement(record: unknown): void {
    const state = this.#state;
    const field = this.#field;
    const kind = this.#kind;
    const isObject = typeof record === 'object' && record !== null;
    const value = isObject ? (record as Record<FieldRef, unknown>)[field] : record;
    if (typeof value !== 'number') this.#badField(record, value);
    if (this.#batch) this.#timestamps!.record();
    let acc = state.value();
    if (acc === undefined) {
      state.update(isObject && kind !== 'minBy' && kind !== 'maxBy' ? copyRecord(record as object) : record);
      if (!this.#batch) this.output.collect(record);
      return;
    }
    if (typeof acc !== 'object' || acc === null) {
      // Plain number records: the number is the record.
      const next = kind === 'sum' ? (acc as number) + value : (kind === 'min' || kind === 'minBy') ? Math.min(acc as number, value) : Math.max(acc as number, value);
      if (next !== acc) state.update(next);
      if (!this.#batch) this.output.collect(next);
      return;
    }
    const current = (acc as Record<FieldRef, number>)[field]!;
    if (kind === 'minBy' || kind === 'maxBy') {
      if (kind === 'minBy' ? value < current : value > current) {
        state.update(record);
        acc = record;
      }
      if (!this.#batch) this.output.collect(acc);
      return;
    }
    const next = kind === 'sum' ? current + value : kind === 'min' ? (value < current ? value : current) : (value > current ? value : current);
    if (next !== current) {
      if (!state.ownsValue()) {
        acc = copyRecord(acc as object);
        state.update(acc);
      }
      (acc as Record<FieldRef, number>)[field] = next;
    }
    if (!this.#batch) this.output.collect(copyRecord(acc as object));
  }

  #badField(record: unknown, v: unknown): never {
    throw new WeirError(
      `operator "${this.#operatorName}": field ${JSON.stringify(this.#field)} of record ${describeValue(record)} is ${v === undefined ? 'missing' : `a ${typeof v}`}, not a number`,
      { code: 'WEIR_BAD_FIELD', fault: 'user' },
    );
  }
}

/** A shallow copy: a tuple's elements or an object's own enumerable fields (prototype kept for null-prototype objects). */
function copyRecord(record: object): object {
  if (Array.isArray(record)) return record.slice();
  return Object.getPrototypeOf(record) === null ? Object.assign(Object.create(null) as object, record) : { ...record };
}
