// BATCH combiner: pre-aggregates a producer's records per key before a keyBy edge into reduce/sum/min/max/minBy/maxBy, so the exchange carries one partial value per key instead of every record.
//
// Why it keeps the semantics: Flink's ReduceFunction is associative by contract (its DataSet
// API combines every reduce for that reason), and sum/min/max/minBy/maxBy are reduces. The
// consumer's operator is unchanged: it reduces the partials as it reduced records, so the
// key's final value is reduce(partial₁, partial₂, …) = the reduce of its records in an order
// that keeps each producer's order (a valid arrival order). The other fields of sum/min/max
// come from the key's first record (the first partial's); minBy/maxBy keep the first of ties.
// A partial leaves with the timestamp of its key's last record in that producer (NaN if none
// had one), so the final value still carries the key's last timestamp.
// Not combined: the rolling AggregateFunction (its operator adds input records, not
// accumulators, and Weir's AggregateFunction has no merge), process functions, windows, joins.
//
// Memory: one entry per distinct key since the last flush, at most `maxKeys`; then every entry
// goes out and the map starts empty. A flush that folded fewer than MIN_RECORDS_PER_KEY records
// per key (mostly distinct keys: combining costs a Map entry per record and saves nothing)
// turns the combiner into a pass-through for the rest of the input. Everything held goes out at
// the end of the input, before end-of-data (runtime/task.ts).

import { WeirError, describeValue } from '../core/errors.ts';
import type { FieldRef, Key } from '../core/types.ts';
import type { KeySelector, ReduceFunction } from '../api/functions.ts';
import { selectorField, type AggregationKind, type OperatorSpec } from '../api/transformation.ts';
import type { ElementTime, Output } from '../runtime/operator.ts';
import { checkKey } from '../runtime/network/record-writer.ts';
import { attribute, type OperatorInfo } from '../runtime/operator-error.ts';
import { normalizeKey, type NormalizedKey } from '../state/key-encoding.ts';
import { KeyMap } from '../core/key-map.ts';

/** Below this many records per key in a flush, combining stops (it would only add work). */
const MIN_RECORDS_PER_KEY = 2;
/** Estimated heap bytes per held key (entry, Map slot, partial record): the key budget is batch.sortMemory / this / 4. */
const BYTES_PER_KEY = 256;

/** The operator behind the edge, when its function may be applied to partial values. */
export type CombinableSpec = Extract<OperatorSpec, { kind: 'reduce' } | { kind: 'aggregate' }>;

export function isCombinable(spec: OperatorSpec): spec is CombinableSpec {
  return spec.kind === 'reduce' || spec.kind === 'aggregate';
}

/** How many keys a combiner holds before it flushes, from the BATCH memory setting. */
export function combinerKeys(sortMemory: number): number {
  return Math.max(64, Math.floor(sortMemory / BYTES_PER_KEY / 4));
}

export interface CombinerOptions {
  readonly spec: CombinableSpec;
  /** The edge's key selector (the consumer's keyBy). */
  readonly key: KeySelector<unknown, Key>;
  /** The operator emitting into the edge (bad keys name it, as the record writer does). */
  readonly producerName: string;
  /** The aggregation's operator, at the producer's subtask (bad fields and reduce failures name it). */
  readonly operator: OperatorInfo;
  readonly maxKeys: number;
  readonly element: ElementTime;
}

/** An Output in front of a record writer's output: records go into per-key partials; `finish()` sends them. */
export class CombiningOutput implements Output {
  readonly #next: Output;
  readonly #key: KeySelector<unknown, Key>;
  readonly #producerName: string;
  readonly #operator: OperatorInfo;
  readonly #maxKeys: number;
  readonly #element: ElementTime;
  readonly #reduce: ReduceFunction<unknown> | undefined;
  readonly #kind: AggregationKind | undefined;
  readonly #field: FieldRef | undefined;
  /** Normalized key → the key's partial value (insertion order: first arrival). A KeyMap: one lookup per record, mostly of a fresh string. */
  #entries = new KeyMap<unknown>();
  /** Normalized key → timestamp of its last record that had one; made at the first such record. */
  #timestamps: Map<NormalizedKey, number> | undefined;
  /** sum over a field the key does not depend on: the field (collect's fast path). */
  readonly #sumField: FieldRef | undefined;
  /** Whether a combined value may have another key than its records (then each step is checked). */
  readonly #checkKeys: boolean;
  #sinceFlush = 0;
  #passThrough = false;
  /** Records taken and partials sent (tests, metrics). */
  recordsIn = 0;
  recordsOut = 0;

  constructor(next: Output, options: CombinerOptions) {
    this.#next = next;
    this.#key = options.key;
    this.#producerName = options.producerName;
    this.#operator = options.operator;
    this.#maxKeys = options.maxKeys;
    this.#element = options.element;
    const spec = options.spec;
    if (spec.kind === 'reduce') {
      this.#reduce = spec.fn;
      this.#checkKeys = true;
    } else {
      this.#kind = spec.aggregation;
      this.#field = spec.field;
      // minBy/maxBy send one of the key's own records; sum/min/max a copy of one with only the field changed.
      const keyField = selectorField(options.key);
      this.#checkKeys = spec.aggregation !== 'minBy' && spec.aggregation !== 'maxBy' && (keyField === undefined || String(keyField) === String(spec.field));
    }
    this.#sumField = spec.kind === 'aggregate' && spec.aggregation === 'sum' && !this.#checkKeys ? spec.field : undefined;
  }

  /** Whether combining gave up (mostly distinct keys): records pass straight through. */
  get passingThrough(): boolean {
    return this.#passThrough;
  }

  collect(record: unknown): void {
    this.recordsIn++;
    if (this.#passThrough) {
      this.recordsOut++;
      this.#next.collect(record);
      return;
    }
    let key: unknown = this.#key(record);
    // Most keys are strings that are their own normalized form: no check or encoding call for them.
    if (typeof key !== 'string' || (key.length > 0 && key.charCodeAt(0) === 0)) key = normalizeKey(checkKey(key, record, this.#producerName));
    const norm = key as NormalizedKey;
    const entries = this.#entries;
    const acc = entries.get(norm);
    const sumField = this.#sumField;
    if (sumField !== undefined && typeof acc === 'object' && acc !== null) {
      // The common case (a tuple's count): add into this combiner's copy of the key's first record.
      const v = (record as Record<FieldRef, unknown>)[sumField];
      if (typeof v === 'number') {
        const partial = acc as Record<FieldRef, number>;
        partial[sumField] = partial[sumField]! + v;
        const timestamp = this.#element.timestamp;
        if (timestamp === timestamp) (this.#timestamps ??= new Map()).set(norm, timestamp);
        this.#sinceFlush++;
        return;
      }
    }
    try {
      if (acc === undefined) entries.set(norm, this.#first(record));
      else if (this.#checkKeys) this.#combineChecked(norm, acc, record);
      else {
        const next = this.#combine(acc, record);
        if (next !== acc) entries.set(norm, next);
      }
    } catch (e) {
      // The aggregation's function or field failed here, in the producer: named as the consumer would name it.
      throw attribute(e, this.#operator, { value: record });
    }
    const timestamp = this.#element.timestamp;
    if (timestamp === timestamp) (this.#timestamps ??= new Map()).set(norm, timestamp);
    this.#sinceFlush++;
    if (acc === undefined && entries.size >= this.#maxKeys) this.#flush(true);
  }

  emitWatermark(timestamp: number): void {
    this.#next.emitWatermark(timestamp);
  }

  emitWatermarkStatus(idle: boolean): void {
    this.#next.emitWatermarkStatus(idle);
  }

  /**
   * Combines when the result keeps the key: the consumer keys what it receives with the same
   * selector, so a partial whose key changed (a reduce returning a value of another key, a sum
   * over the field the key is made of) would land on the wrong key. Then the key's partial so
   * far goes out as it is and the record starts a new one: the consumer reduces the two.
   */
  #combineChecked(norm: NormalizedKey, acc: unknown, record: unknown): void {
    const entries = this.#entries;
    if (this.#reduce !== undefined || typeof acc !== 'object' || acc === null) {
      const next = this.#combine(acc, record);
      if (next === undefined) {
        // A reduce returning undefined clears the key's value (as the keyed operator's state.update does): start again.
        entries.delete(norm);
        return;
      }
      if (this.#normOf(next) === norm) {
        if (next !== acc) entries.set(norm, next);
        return;
      }
      if (next === acc && typeof acc === 'object' && acc !== null) {
        throw new WeirError(
          `the reduce function changed the key of the value it was given in place (to ${describeValue(this.#key(acc))}), so the BATCH combiner cannot send it ahead of the keyBy; return a new value, or turn pre-aggregation off with configureBatch({ combine: false }) / --batch-combine off`,
          { code: 'WEIR_COMBINE_KEY', fault: 'user' },
        );
      }
      this.#emitOne(norm, acc);
      entries.set(norm, this.#first(record));
      return;
    }
    // sum/min/max over a field the key may depend on: updated in place, put back if the key moved.
    const field = this.#field!;
    const old = (acc as Record<FieldRef, unknown>)[field];
    this.#combine(acc, record);
    if (this.#normOf(acc) === norm) return;
    (acc as Record<FieldRef, unknown>)[field] = old;
    this.#emitOne(norm, acc);
    entries.set(norm, this.#first(record));
  }

  #normOf(value: unknown): NormalizedKey {
    const key: unknown = this.#key(value);
    if (typeof key === 'string' && (key.length === 0 || key.charCodeAt(0) !== 0)) return key;
    return normalizeKey(checkKey(key, value, this.#producerName));
  }

  /** One key's partial ahead of the flush, with the timestamp of its last record so far. */
  #emitOne(norm: NormalizedKey, acc: unknown): void {
    const element = this.#element;
    const saved = element.timestamp;
    const timestamps = this.#timestamps;
    element.timestamp = timestamps?.get(norm) ?? Number.NaN;
    timestamps?.delete(norm);
    this.recordsOut++;
    this.#next.collect(acc);
    element.timestamp = saved;
  }

  /** End of input: every held partial goes out. */
  finish(): void {
    this.#flush(false);
  }

  #flush(overBudget: boolean): void {
    const entries = this.#entries;
    if (entries.size === 0) return;
    const folded = this.#sinceFlush / entries.size;
    const timestamps = this.#timestamps;
    this.#entries = new KeyMap();
    this.#timestamps = undefined;
    this.#sinceFlush = 0;
    const element = this.#element;
    const saved = element.timestamp;
    element.timestamp = Number.NaN;
    const next = this.#next;
    entries.forEach((acc, norm) => {
      if (timestamps !== undefined) element.timestamp = timestamps.get(norm) ?? Number.NaN;
      next.collect(acc);
    });
    this.recordsOut += entries.size;
    element.timestamp = saved;
    if (overBudget && folded < MIN_RECORDS_PER_KEY) this.#passThrough = true;
  }

  #first(record: unknown): unknown {
    const kind = this.#kind;
    if (kind === undefined) return record;
    this.#value(record);
    return kind !== 'minBy' && kind !== 'maxBy' && typeof record === 'object' && record !== null ? copyRecord(record) : record;
  }

  #combine(acc: unknown, record: unknown): unknown {
    const reduce = this.#reduce;
    if (reduce !== undefined) return reduce(acc, record);
    const kind = this.#kind!;
    const value = this.#value(record);
    if (typeof acc !== 'object' || acc === null) {
      const a = acc as number;
      return kind === 'sum' ? a + value : (kind === 'min' || kind === 'minBy') ? Math.min(a, value) : Math.max(a, value);
    }
    const field = this.#field!;
    const current = (acc as Record<FieldRef, number>)[field]!;
    if (kind === 'minBy' || kind === 'maxBy') return (kind === 'minBy' ? value < current : value > current) ? record : acc;
    const next = kind === 'sum' ? current + value : kind === 'min' ? (value < current ? value : current) : (value > current ? value : current);
    // acc is this combiner's own copy of the key's first record: updated in place.
    if (next !== current) (acc as Record<FieldRef, number>)[field] = next;
    return acc;
  }

  /** The aggregated field of a record, checked as KeyedAggregateOperator checks it. */
  #value(record: unknown): number {
    const v = typeof record === 'object' && record !== null ? (record as Record<FieldRef, unknown>)[this.#field!] : record;
    if (typeof v !== 'number') {
      throw new WeirError(
        `operator "${this.#operator.name}": field ${JSON.stringify(this.#field)} of record ${describeValue(record)} is ${v === undefined ? 'missing' : `a ${typeof v}`}, not a number`,
        { code: 'WEIR_BAD_FIELD', fault: 'user' },
      );
    }
    return v;
  }
}

/** A shallow copy: a tuple's elements or an object's own enumerable fields (as KeyedAggregateOperator copies). */
function copyRecord(record: object): object {
  if (Array.isArray(record)) return record.slice();
  return Object.getPrototypeOf(record) === null ? Object.assign(Object.create(null) as object, record) : { ...record };
}
