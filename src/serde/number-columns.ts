// All-number records (numbers, number tuples, number objects) as one dense int32 or float64 column, and object builders per key list.

import { KIND_F64, KIND_I32, SHAPE_OBJECT, SHAPE_PRIMITIVE, SHAPE_TUPLE } from './batch-format.ts';
import { kindOf } from './batch-schema.ts';
import type { ByteWriter } from './byte-writer.ts';

/** What writing one record returned: OK, MISMATCH (another shape), WIDEN_F64 (an int32 column met another number), or ≥ 0: the field that must widen to KIND_ANY. */
export const OK = -1;
export const MISMATCH = -2;
export const WIDEN_F64 = -3;

/**
 * Writes one record of an all-number schema at `writer.pos` (8-byte aligned): `fields` values
 * stored straight into the writer's Int32Array (column KIND_I32: every value so far an int32, not
 * -0) or Float64Array (KIND_F64). No tag, no per-field kind switch: one typeof test a field, plus
 * the int32 test for KIND_I32. A field holding another primitive asks to widen (the batch is then
 * written again with tags), a non-int32 number in an int32 column to widen to float64.
 */
export function writeNumberRecord(writer: ByteWriter, column: number, shape: number, fields: number, keys: readonly string[], record: unknown): number {
  if (column === KIND_I32) {
    writer.ensure(fields * 4);
    const i32 = writer.i32;
    const at = writer.pos >>> 2;
    if (shape === SHAPE_PRIMITIVE) {
      if (typeof record !== 'number') return kindOf(record) === 0 ? MISMATCH : 0;
      if ((record | 0) !== record || (record === 0 && 1 / record < 0)) return WIDEN_F64;
      i32[at] = record;
      writer.pos += 4;
      return OK;
    }
    if (shape === SHAPE_TUPLE) {
      if (!Array.isArray(record) || record.length !== fields) return MISMATCH;
      for (let f = 0; f < fields; f++) {
        const value: unknown = record[f];
        if (typeof value !== 'number') return kindOf(value) === 0 ? MISMATCH : f;
        if ((value | 0) !== value || (value === 0 && 1 / value < 0)) return WIDEN_F64;
        i32[at + f] = value;
      }
      writer.pos += fields * 4;
      return OK;
    }
    if (!isObjectOf(shape, record)) return MISMATCH;
    // for...in checks that the record has exactly the schema's keys, in order, without allocating.
    let f = 0;
    for (const key in record) {
      if (f === fields || key !== keys[f]) return MISMATCH;
      const value: unknown = (record as Record<string, unknown>)[key];
      if (typeof value !== 'number') return kindOf(value) === 0 ? MISMATCH : f;
      if ((value | 0) !== value || (value === 0 && 1 / value < 0)) return WIDEN_F64;
      i32[at + f] = value;
      f++;
    }
    if (f !== fields) return MISMATCH;
    writer.pos += fields * 4;
    return OK;
  }
  writer.ensure(fields * 8);
  const f64 = writer.f64;
  const at = writer.pos >>> 3;
  if (shape === SHAPE_PRIMITIVE) {
    if (typeof record !== 'number') return kindOf(record) === 0 ? MISMATCH : 0;
    f64[at] = record;
    writer.pos += 8;
    return OK;
  }
  if (shape === SHAPE_TUPLE) {
    if (!Array.isArray(record) || record.length !== fields) return MISMATCH;
    for (let f = 0; f < fields; f++) {
      const value: unknown = record[f];
      if (typeof value !== 'number') return kindOf(value) === 0 ? MISMATCH : f;
      f64[at + f] = value;
    }
    writer.pos += fields * 8;
    return OK;
  }
  if (!isObjectOf(shape, record)) return MISMATCH;
  let f = 0;
  for (const key in record) {
    if (f === fields || key !== keys[f]) return MISMATCH;
    const value: unknown = (record as Record<string, unknown>)[key];
    if (typeof value !== 'number') return kindOf(value) === 0 ? MISMATCH : f;
    f64[at + f] = value;
    f++;
  }
  if (f !== fields) return MISMATCH;
  writer.pos += fields * 8;
  return OK;
}

function isObjectOf(shape: number, record: unknown): record is object {
  return typeof record === 'object' && record !== null && Object.getPrototypeOf(record) === (shape === SHAPE_OBJECT ? Object.prototype : null);
}

/**
 * Reads `count` records of `fields` numbers each from an Int32Array or Float64Array column. Both
 * kinds go through the same code shape, but the loops are written per column type so that each
 * literal is built from one representation: int32 loads give small-integer arrays (as the tagged
 * decoder's int32 numbers did; a float64 load of 5 would make a double array and box the value
 * wherever it escapes), float64 loads give double arrays.
 */
export function readNumberRecords(column: Int32Array | Float64Array, shape: number, fields: number, keys: readonly string[], count: number, nullProto: boolean, out: unknown[] | null = null): unknown[] {
  if (shape === SHAPE_PRIMITIVE) {
    const records = recordsArray(out, count);
    if (column instanceof Int32Array) for (let i = 0; i < count; i++) records[i] = column[i];
    else for (let i = 0; i < count; i++) records[i] = column[i];
    return records;
  }
  if (shape === SHAPE_TUPLE) return column instanceof Int32Array ? readTuples32(column, fields, count, recordsArray(out, count)) : readTuples64(column, fields, count, recordsArray(out, count));
  const records = recordsArray(out, count);
  const build = objectBuilder(keys, nullProto);
  for (let i = 0, j = 0; i < count; i++, j += fields) records[i] = build(column, j);
  return records;
}

/** The array decoded records go into: `out` (a caller's reused array) cut or grown to `count`, else a new one. */
export function recordsArray(out: unknown[] | null, count: number): unknown[] {
  if (out === null) return new Array<unknown>(count);
  out.length = count;
  return out;
}

// The two functions below are the same text on purpose (one per column type: each stays monomorphic).

function readTuples32(column: Int32Array, fields: number, count: number, records: unknown[]): unknown[] {
  let j = 0;
  switch (fields) {
    case 1:
      for (let i = 0; i < count; i++, j += 1) records[i] = [column[j]];
      return records;
    case 2:
      for (let i = 0; i < count; i++, j += 2) records[i] = [column[j], column[j + 1]];
      return records;
    case 3:
      for (let i = 0; i < count; i++, j += 3) records[i] = [column[j], column[j + 1], column[j + 2]];
      return records;
    case 4:
      for (let i = 0; i < count; i++, j += 4) records[i] = [column[j], column[j + 1], column[j + 2], column[j + 3]];
      return records;
    default:
      for (let i = 0; i < count; i++) {
        const tuple: number[] = [];
        for (let f = 0; f < fields; f++) tuple.push(column[j++]!);
        records[i] = tuple;
      }
      return records;
  }
}

function readTuples64(column: Float64Array, fields: number, count: number, records: unknown[]): unknown[] {
  let j = 0;
  switch (fields) {
    case 1:
      for (let i = 0; i < count; i++, j += 1) records[i] = [column[j]];
      return records;
    case 2:
      for (let i = 0; i < count; i++, j += 2) records[i] = [column[j], column[j + 1]];
      return records;
    case 3:
      for (let i = 0; i < count; i++, j += 3) records[i] = [column[j], column[j + 1], column[j + 2]];
      return records;
    case 4:
      for (let i = 0; i < count; i++, j += 4) records[i] = [column[j], column[j + 1], column[j + 2], column[j + 3]];
      return records;
    default:
      for (let i = 0; i < count; i++) {
        const tuple: number[] = [];
        for (let f = 0; f < fields; f++) tuple.push(column[j++]!);
        records[i] = tuple;
      }
      return records;
  }
}

/** Builds one object from values[at..at + keys.length): the schema's keys, in order. */
export type ObjectBuilder = (values: ArrayLike<unknown>, at: number) => Record<string, unknown>;

const builders = new Map<string, ObjectBuilder>();
/** Code generation can be disallowed (--disallow-code-generation-from-strings): then objects are built key by key. */
let generate = true;
/** Bounds the cache: a job has a handful of record types; a stream of ever-new key sets gets the generic builder. */
const MAX_BUILDERS = 256;

/**
 * A function that builds a record of these keys. For plain objects it is an object literal made for
 * the key list (compiled once per list: every record gets its hidden class at once, where assigning
 * the keys one by one walks the map transitions per record through a megamorphic keyed store).
 * Keys are embedded as JSON string literals, so any key text is safe; "__proto__" never reaches
 * here (inferSchema never puts it in a schema, the schema reader rejects it: as a literal key it
 * would set the prototype).
 */
export function objectBuilder(keys: readonly string[], nullProto: boolean): ObjectBuilder {
  if (nullProto || !generate) return (values, at) => assignKeys(keys, nullProto, values, at);
  const id = JSON.stringify(keys);
  let build = builders.get(id);
  if (build !== undefined) return build;
  const body = `return function build(v, j) { return { ${keys.map((k, f) => `${JSON.stringify(k)}: v[j + ${f}]`).join(', ')} }; };`;
  try {
    build = (new Function(body) as () => ObjectBuilder)();
  } catch {
    generate = false;
    return (values, at) => assignKeys(keys, nullProto, values, at);
  }
  if (builders.size < MAX_BUILDERS) builders.set(id, build);
  return build;
}

function assignKeys(keys: readonly string[], nullProto: boolean, values: ArrayLike<unknown>, at: number): Record<string, unknown> {
  const record: Record<string, unknown> = nullProto ? (Object.create(null) as Record<string, unknown>) : {};
  for (let f = 0; f < keys.length; f++) record[keys[f]!] = values[at + f];
  return record;
}

/** Bytes one value of a number column takes. */
export function columnWidth(column: number): number {
  return column === KIND_F64 ? 8 : 4;
}
