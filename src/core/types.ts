// Types shared by every layer: collectors, keys, user-function shapes.

/** Receives the records an operator or a function emits. Synchronous by contract (DESIGN invariant 4). */
export interface Collector<T> {
  collect(record: T): void;
}

/** The types a key may have: what key groups can hash and state maps can index. */
export type Key = string | number | boolean | bigint | readonly Key[];

/** A record position used for field-based aggregations: a property name or a tuple index. */
export type FieldRef = string | number;
