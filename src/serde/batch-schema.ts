// Infers a typed batch schema from the first record, or says that the batch needs the self-describing codec.

import {
  KIND_ANY,
  KIND_F64,
  KIND_I32,
  KIND_BOOLEAN,
  KIND_NUMBER,
  KIND_STRING,
  SHAPE_NULL_PROTO_OBJECT,
  SHAPE_OBJECT,
  SHAPE_PRIMITIVE,
  SHAPE_TUPLE,
  isInt32,
} from './batch-format.ts';

/**
 * The shape of every record of a typed batch. `kinds` has one entry per field (one for a primitive
 * record); `keys` names the fields of object shapes, in own-key order. The encoder may widen a kind
 * to KIND_ANY when a later record holds another primitive type in that field.
 */
export interface BatchSchema {
  shape: number;
  kinds: number[];
  keys: string[];
  /**
   * 0: fields written by kind, numbers tagged. KIND_I32 or KIND_F64: every field is a number (and
   * the host little-endian), the records are written as one column of that type (number-columns.ts).
   */
  column: number;
}

/** The column a schema with these kinds starts with: KIND_I32 if `first`'s numbers are all int32, else KIND_F64; 0 if a field is not a number. */
export function numberColumn(kinds: readonly number[], first: unknown): number {
  // No field, no column kind to tell the decoder: empty tuples and objects keep the tagged layout.
  if (!LITTLE_ENDIAN || kinds.length === 0) return 0;
  for (const kind of kinds) if (kind !== KIND_NUMBER) return 0;
  if (typeof first === 'number') return isInt32(first) ? KIND_I32 : KIND_F64;
  for (const key in first as object) if (!isInt32((first as Record<string, number>)[key]!)) return KIND_F64;
  return KIND_I32;
}



/** Float64Array and Uint16Array are host-order; the layout is little-endian (big-endian hosts take the DataView paths). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The kind a value starts its field with, or 0 when it is not a primitive the typed codec stores. */
export function kindOf(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return KIND_STRING;
    case 'number':
      return KIND_NUMBER;
    case 'boolean':
      return KIND_BOOLEAN;
    case 'object':
      return value === null ? KIND_ANY : 0;
    default:
      // undefined, bigint, symbol, function: only the self-describing codec keeps (or rejects) them.
      return 0;
  }
}

/** The schema for a batch whose first record is `first`, or null when only the fallback codec fits. */
export function inferSchema(first: unknown): BatchSchema | null {
  const kind = kindOf(first);
  if (kind !== 0) return { shape: SHAPE_PRIMITIVE, kinds: [kind], keys: [], column: numberColumn([kind], first) };
  if (typeof first !== 'object' || first === null) return null;

  if (Array.isArray(first)) {
    const kinds: number[] = [];
    // A hole reads as undefined, which kindOf rejects: sparse arrays go to the fallback.
    for (let i = 0; i < first.length; i++) {
      const fieldKind = kindOf(first[i]);
      if (fieldKind === 0) return null;
      kinds.push(fieldKind);
    }
    return { shape: SHAPE_TUPLE, kinds, keys: [], column: numberColumn(kinds, first) };
  }

  const proto: unknown = Object.getPrototypeOf(first);
  if (proto !== Object.prototype && proto !== null) return null; // Date, Map, class instances...
  const record = first as Record<string, unknown>;
  const keys: string[] = [];
  const kinds: number[] = [];
  // for...in is what the encoder checks each record with; it must agree with the own enumerable keys.
  for (const key in record) {
    // An own "__proto__" would set the prototype when assigned on decode.
    if (key === '__proto__') return null;
    const fieldKind = kindOf(record[key]);
    if (fieldKind === 0) return null;
    keys.push(key);
    kinds.push(fieldKind);
  }
  const own = Object.keys(record);
  if (own.length !== keys.length) return null; // enumerable keys inherited from a polluted prototype
  return { shape: proto === null ? SHAPE_NULL_PROTO_OBJECT : SHAPE_OBJECT, kinds, keys, column: numberColumn(kinds, first) };
}
