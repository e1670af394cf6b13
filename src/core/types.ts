// Types shared by every layer: collectors, keys, user-function shapes.

/** Receives the records an operator or a function emits. Synchronous by contract (DESIGN invariant 4). */
export interface Collector<T> {
  collect(record: T): void;
}

/** The types a key may have: what key groups can hash and state maps can index. */
export type Key = string | number | boolean | bigint | readonly Key[];

/** A record position used for field-based aggregations: a property name or a tuple index. */
export type FieldRef = string | number;

/** The indices of a tuple type as number literals: `TupleIndex<[string, number]>` is `0 | 1`. */
export type TupleIndex<T extends readonly unknown[]> = {
  [I in keyof T]-?: I extends `${infer N extends number}` ? N : never;
}[number];

/**
 * The field names (objects) or indices (tuples) of a record type: what `keyBy(field)` accepts,
 * so `keyBy('usr')` on `{ user: string }` is a compile error naming `'usr'`. Arrays of unknown
 * length accept any index; `unknown` and `any` records accept any FieldRef (nothing to check).
 */
export type FieldOf<T> =
  unknown extends T ? FieldRef
  : T extends readonly unknown[] ? (number extends T['length'] ? number : TupleIndex<T>)
  : T extends object ? Extract<keyof T, string | number>
  : never;

/**
 * The fields of a record type that hold numbers: what `sum`, `min`, `max`, `minBy` and `maxBy`
 * accept. A record that is itself a number is its own field `0` (as in Flink).
 */
export type NumericFieldOf<T> =
  unknown extends T ? FieldRef
  : T extends number ? 0
  : T extends readonly unknown[]
    ? (number extends T['length']
      ? (T[number] extends number ? number : never)
      : { [I in TupleIndex<T>]-?: T[I] extends number ? I : never }[TupleIndex<T>])
  : T extends object ? { [F in Extract<keyof T, string | number>]-?: T[F] extends number ? F : never }[Extract<keyof T, string | number>]
  : never;

/** The key type `keyBy(field)` produces: the field's type when it is a valid Key, else Key. */
export type FieldKey<T, F> = F extends keyof T ? (T[F] extends Key ? T[F] : Key) : Key;
