// Encodes a batch of records into one ArrayBuffer (or SharedArrayBuffer) and back: a typed codec for known shapes, v8 otherwise.

import { deserialize, serialize } from 'node:v8';
import { WeirError, describeValue } from '../core/errors.ts';
import {
  FLAG_KEY_GROUPS,
  FLAG_TIMESTAMPS,
  FORMAT_TYPED,
  FORMAT_V8,
  HEADER_BYTES,
  KIND_ANY,
  KIND_BOOLEAN,
  KIND_F64,
  KIND_I32,
  KIND_NUMBER,
  KIND_STRING,
  LAYOUT_VERSION,
  MAGIC,
  MAX_KEY_GROUP,
  OFFSET_COLUMNS,
  OFFSET_COUNT,
  OFFSET_FLAGS,
  OFFSET_FORMAT,
  OFFSET_MAGIC,
  OFFSET_USED,
  OFFSET_VERSION,
  SHAPE_NULL_PROTO_OBJECT,
  SHAPE_OBJECT,
  SHAPE_PRIMITIVE,
  SHAPE_TUPLE,
  TAG_FALSE,
  TAG_FLOAT64,
  TAG_INT32,
  TAG_NULL,
  TAG_STRING,
  TAG_TRUE,
} from './batch-format.ts';
import { type BatchSchema, LITTLE_ENDIAN, inferSchema, kindOf } from './batch-schema.ts';
import { ByteReader, corrupt } from './byte-reader.ts';
import { ByteWriter } from './byte-writer.ts';
import { MISMATCH, OK, WIDEN_F64, columnWidth, objectBuilder, readNumberRecords, recordsArray, writeNumberRecord } from './number-columns.ts';
import { readStringNumberPairs, writeStringNumberPairs } from './pair-records.ts';

/** A decoded batch: fresh records (never shared with another batch) and their key groups, if sent; with a DecodeScratch the arrays holding them are the scratch's. */
export interface DecodedBatch {
  records: unknown[];
  keyGroups: Int32Array | null;
  /** Event-time timestamps per record (NaN = none), present only when the producer sent some. */
  timestamps?: Float64Array;
}

/**
 * Arrays a consumer decodes batch after batch into (`decodeBatch(buffer, scratch)`), so a batch allocates
 * no record array or columns of its own: what decodeBatch returns then lives in these arrays, valid until the
 * next decode with the same scratch (the records themselves are fresh objects, as without a scratch). For a
 * caller that is done with each batch before it decodes the next (a task's buffer loop).
 */
export class DecodeScratch {
  readonly records: unknown[] = [];
  keyGroups = new Int32Array(0);
  timestamps = new Float64Array(0);
}

// What encoding one record told the batch loop (number-columns.ts): OK; MISMATCH, the record does not
// have the batch's shape (the whole batch goes to the fallback codec); WIDEN_F64, an int32 column met
// another number; any value ≥ 0 is the index of a field that must widen to KIND_ANY before encoding again.

/**
 * Encodes records[0..count) (and keyGroups[0..count) when given) into one ArrayBuffer whose header
 * holds the used byte length. `scratch`, a buffer this function returned earlier and the consumer
 * gave back, is written over when it is not detached; the result may still be a new, larger buffer
 * (a SharedArrayBuffer when the scratch is one).
 *
 * The typed codec is tried first, with the schema of records[0]; a record of another shape sends
 * the whole batch to `v8.serialize` (structured clone semantics). Encoding never keeps a reference
 * to `records` or to the returned buffer.
 */
export function encodeBatch<B extends ArrayBufferLike = ArrayBuffer>(
  records: readonly unknown[], count: number, keyGroups: Int32Array | null, scratch?: B, timestamps: Float64Array | null = null,
): B {
  return encodeAny(records, count, keyGroups, scratch, timestamps) as B;
}

/** encodeBatch; the result is a buffer of the scratch's kind (an ArrayBuffer without one). */
function encodeAny(
  records: readonly unknown[], count: number, keyGroups: Int32Array | null, scratch: ArrayBufferLike | undefined, timestamps: Float64Array | null,
): ArrayBufferLike {
  if (!Number.isInteger(count) || count < 0 || count > records.length) {
    throw new WeirError(`encodeBatch: count ${count} is not an integer in 0..${records.length} (the number of records given)`, {
      code: 'WEIR_SERDE_ARGUMENT',
      fault: 'internal',
    });
  }
  if (keyGroups !== null && keyGroups.length < count) {
    throw new WeirError(`encodeBatch: ${keyGroups.length} key groups for ${count} records`, { code: 'WEIR_SERDE_ARGUMENT', fault: 'internal' });
  }
  if (timestamps !== null && timestamps.length < count) {
    throw new WeirError(`encodeBatch: ${timestamps.length} timestamps for ${count} records`, { code: 'WEIR_SERDE_ARGUMENT', fault: 'internal' });
  }
  const usable = scratch !== undefined && scratch.byteLength >= HEADER_BYTES ? scratch : undefined;

  const schema = count === 0 ? { shape: SHAPE_PRIMITIVE, kinds: [KIND_ANY], keys: [], column: 0 } : inferSchema(records[0]);
  if (schema !== null) {
    const capacity = initialCapacity(count, keyGroups !== null, timestamps !== null);
    const writer = new ByteWriter(usable ?? (scratch !== undefined ? sameKind(scratch, capacity) : new ArrayBuffer(capacity)));
    // Each failed pass widens one field (or the int32 column) for good, so this loop runs at most fields + 2 times.
    for (;;) {
      writer.pos = HEADER_BYTES;
      writer.ensure(0);
      writeSchema(writer, schema);
      const result = writeRecords(writer, schema, records, count);
      if (result === OK) return finishBatch(writer, FORMAT_TYPED, count, keyGroups, timestamps);
      if (result === MISMATCH) break;
      if (result === WIDEN_F64) {
        schema.column = KIND_F64;
      } else {
        schema.kinds[result] = KIND_ANY;
        schema.column = 0;
      }
    }
  }
  return encodeFallback(records, count, keyGroups, usable, timestamps);
}

/**
 * Encodes a batch record by record, as a record writer emits them (each record is encoded while it
 * is still in the cache, instead of being read again ~1,000 records later at the flush): the schema
 * is inferred from the batch's first record and checked per record by the field writes. The encoder
 * keeps no reference to the records while they fit the schema (the caller need not keep them
 * either). When a record does not fit (another shape, a field to widen), the records encoded so far
 * are decoded back out of the buffer (the typed codec round-trips exactly, so they equal what the
 * consumer would have got) and the rest of the batch is held as given; `finish` then encodes the
 * held records with `encodeBatch`, so the result is always what encodeBatch gives.
 */
export class BatchEncoder {
  readonly #scratch: () => ArrayBufferLike | undefined;
  #writer: ByteWriter | null = null;
  #schema: BatchSchema | null = null;
  #count = 0;
  /** The records of this batch once one did not fit its schema (null while every record did). */
  #held: unknown[] | null = null;
  /** A batch of this encoder met a non-int32 number in an int32 column: later batches start as float64 (no second pass each). */
  #wideNumbers = false;

  /** `scratch` supplies the buffer of each batch (one the consumer gave back) at its first record. */
  constructor(scratch: () => ArrayBufferLike | undefined = () => undefined) {
    this.#scratch = scratch;
  }

  /** Records added since the last finish. */
  get count(): number {
    return this.#count;
  }

  add(record: unknown): void {
    this.#count++;
    const held = this.#held;
    if (held !== null) {
      held.push(record);
      return;
    }
    let writer = this.#writer;
    let schema = this.#schema;
    if (writer === null || schema === null) {
      schema = inferSchema(record);
      const spare = this.#scratch();
      writer = new ByteWriter(spare === undefined ? new ArrayBuffer(16 * 1024) : spare.byteLength >= 4096 ? spare : sameKind(spare, 16 * 1024));
      this.#writer = writer;
      if (schema === null) {
        this.#held = [record];
        return;
      }
      if (schema.column === KIND_I32 && this.#wideNumbers) schema.column = KIND_F64;
      this.#schema = schema;
      writer.pos = HEADER_BYTES;
      writeSchema(writer, schema);
    }
    const column = schema.column;
    const start = writer.pos;
    // Plain int32 numbers (keys, counters, ids): one store, no call; anything else takes the general path.
    if (column === KIND_I32 && schema.shape === SHAPE_PRIMITIVE && typeof record === 'number' && (record | 0) === record && (record !== 0 || 1 / record > 0) && start + 4 <= writer.capacity) {
      writer.i32[start >>> 2] = record;
      writer.pos = start + 4;
      return;
    }
    const result = column !== 0 ? writeNumberRecord(writer, column, schema.shape, schema.kinds.length, schema.keys, record) : writeRecord(writer, schema, record);
    if (result !== OK) {
      if (result === WIDEN_F64) this.#wideNumbers = true;
      // The records before this one, back out of the buffer (the failed record may have written part of itself past `start`).
      const reader = new ByteReader(writer.buffer, HEADER_BYTES, start);
      const prefix = readRecords(reader, readSchema(reader), this.#count - 1);
      prefix.push(record);
      this.#held = prefix;
    }
  }

  /**
   * add(records[i]) for i in [0, count), as one loop: while the batch is a column of int32 numbers
   * (keys, counters, ids) each record is one store, without add's per-record checks of the encoder's state.
   */
  addMany(records: readonly unknown[], count: number): void {
    let i = 0;
    if (count > 0 && this.#writer === null && this.#held === null) this.add(records[i++]);
    const writer = this.#writer;
    const schema = this.#schema;
    if (this.#held === null && writer !== null && schema !== null && schema.column === KIND_I32 && schema.shape === SHAPE_PRIMITIVE) {
      const i32 = writer.i32;
      const capacity = writer.capacity;
      let pos = writer.pos;
      const from = i;
      for (; i < count; i++) {
        const record = records[i];
        // The checks of add's int32 path (-0 is not an int32); anything else, or a full buffer, goes through add.
        if (typeof record !== 'number' || (record | 0) !== record || (record === 0 && 1 / record < 0) || pos + 4 > capacity) break;
        i32[pos >>> 2] = record;
        pos += 4;
      }
      writer.pos = pos;
      this.#count += i - from;
    } else if (this.#held === null && writer !== null && schema !== null && isStringNumberPair(schema)) {
      // [string, number] tuples (a word and its count): one loop with the kinds fixed; a record it stops at goes through add.
      const from = i;
      i = writeStringNumberPairs(writer, records, i, count);
      this.#count += i - from;
    }
    for (; i < count; i++) this.add(records[i]);
  }

  /** The encoded batch of the `count` records given to add since the last finish (`keyGroups`/`timestamps`: their columns, or null); starts the next batch. */
  finish(count: number, keyGroups: Int32Array | null, timestamps: Float64Array | null): ArrayBufferLike {
    const writer = this.#writer;
    const held = this.#held;
    if (count !== this.#count) {
      throw new WeirError(`BatchEncoder.finish: ${count} records asked, ${this.#count} added`, { code: 'WEIR_SERDE_ARGUMENT', fault: 'internal' });
    }
    this.#writer = null;
    this.#schema = null;
    this.#count = 0;
    this.#held = null;
    if (held === null && writer !== null && count > 0) return finishBatch(writer, FORMAT_TYPED, count, keyGroups, timestamps);
    return encodeBatch(held ?? [], count, keyGroups, writer?.buffer, timestamps);
  }
}

/** A tuple schema of a string and a number, written field by field (the word count's [word, 1]). */
function isStringNumberPair(schema: BatchSchema): boolean {
  return schema.shape === SHAPE_TUPLE && schema.column === 0 && schema.kinds.length === 2 && schema.kinds[0] === KIND_STRING && schema.kinds[1] === KIND_NUMBER;
}

/** Appends the columns after the records at `writer.pos` and fills in the header. */
function finishBatch(writer: ByteWriter, format: number, count: number, keyGroups: Int32Array | null, timestamps: Float64Array | null): ArrayBufferLike {
  const columnsAt = writer.pos;
  writeColumns(writer, count, keyGroups, timestamps);
  const view = writer.view;
  view.setUint32(OFFSET_USED, writer.pos, true);
  view.setUint8(OFFSET_MAGIC, MAGIC);
  view.setUint8(OFFSET_FORMAT, format);
  view.setUint8(OFFSET_FLAGS, (keyGroups === null ? 0 : FLAG_KEY_GROUPS) | (timestamps === null ? 0 : FLAG_TIMESTAMPS));
  view.setUint8(OFFSET_VERSION, LAYOUT_VERSION);
  view.setUint32(OFFSET_COUNT, count, true);
  view.setUint32(OFFSET_COLUMNS, columnsAt, true);
  return writer.buffer;
}

/** Bytes in use of a buffer made by encodeBatch (its header's used length; a recycled buffer may be larger). For metrics. */
export function encodedSize(buffer: ArrayBufferLike): number {
  return buffer.byteLength < HEADER_BYTES ? 0 : new DataView(buffer, 0, HEADER_BYTES).getUint32(OFFSET_USED, true);
}

/** Decodes a buffer made by encodeBatch. Throws WeirError WEIR_SERDE_CORRUPT when its header is invalid. */
export function decodeBatch(buffer: ArrayBufferLike, scratch: DecodeScratch | null = null): DecodedBatch {
  if (buffer.byteLength < HEADER_BYTES) throw corrupt(`${buffer.byteLength} bytes is shorter than the ${HEADER_BYTES}-byte header (a detached buffer?)`);
  const header = new DataView(buffer, 0, HEADER_BYTES);
  const used = header.getUint32(OFFSET_USED, true);
  const format = header.getUint8(OFFSET_FORMAT);
  const flags = header.getUint8(OFFSET_FLAGS);
  const count = header.getUint32(OFFSET_COUNT, true);
  if (header.getUint8(OFFSET_MAGIC) !== MAGIC || header.getUint8(OFFSET_VERSION) !== LAYOUT_VERSION) {
    throw corrupt('bad magic or layout version: not a buffer from encodeBatch');
  }
  if (used < HEADER_BYTES || used > buffer.byteLength) throw corrupt(`used length ${used} outside ${HEADER_BYTES}..${buffer.byteLength}`);

  const columnsAt = header.getUint32(OFFSET_COLUMNS, true);
  const columnBytes = ((flags & FLAG_KEY_GROUPS) !== 0 ? count * 2 : 0) + ((flags & FLAG_TIMESTAMPS) !== 0 ? count * 8 : 0);
  if (columnsAt < HEADER_BYTES || columnsAt + columnBytes !== used) throw corrupt(`columns at ${columnsAt} (${columnBytes} bytes) do not end at the used length ${used}`);

  let keyGroups: Int32Array | null = null;
  let at = columnsAt;
  if ((flags & FLAG_KEY_GROUPS) !== 0) {
    keyGroups = readKeyGroups(buffer, at, count, scratch);
    at += count * 2;
  }
  let timestamps: Float64Array | null = null;
  if ((flags & FLAG_TIMESTAMPS) !== 0) timestamps = readTimestamps(buffer, at, count, scratch);

  const reader = new ByteReader(buffer, HEADER_BYTES, columnsAt);
  let records: unknown[];
  if (format === FORMAT_TYPED) {
    try {
      records = readRecords(reader, readSchema(reader), count, scratch === null ? null : scratch.records);
    } catch (error) {
      // A DataView read past the end is the only RangeError decoding can raise.
      if (error instanceof RangeError) throw corrupt(`truncated: ${error.message}`);
      throw error;
    }
    if (reader.pos !== columnsAt) throw corrupt(`decoding ended at byte ${reader.pos}, the batch says ${columnsAt}`);
  } else if (format === FORMAT_V8) {
    const value: unknown = deserialize(new Uint8Array(buffer, HEADER_BYTES, columnsAt - HEADER_BYTES));
    if (!Array.isArray(value) || value.length !== count) throw corrupt(`v8 payload is not an array of ${count} records`);
    records = value;
  } else {
    throw corrupt(`unknown format ${format}`);
  }
  return timestamps === null ? { records, keyGroups } : { records, keyGroups, timestamps };
}

/** The column's output: `count` slots of the scratch's array (grown when short), or a new array without a scratch. */
function scratchKeyGroups(scratch: DecodeScratch | null, count: number): Int32Array {
  if (scratch === null) return new Int32Array(count);
  if (scratch.keyGroups.length < count) scratch.keyGroups = new Int32Array(Math.max(count, 1024));
  return scratch.keyGroups.subarray(0, count);
}

function scratchTimestamps(scratch: DecodeScratch | null, count: number): Float64Array {
  if (scratch === null) return new Float64Array(count);
  if (scratch.timestamps.length < count) scratch.timestamps = new Float64Array(Math.max(count, 1024));
  return scratch.timestamps.subarray(0, count);
}

// Columns are copied out whole by native copies: from a view over the column when it is aligned for its element
// type (key groups always are, after number columns), else from an aligned copy of its bytes; value by value only
// on a big-endian machine.
function readKeyGroups(buffer: ArrayBufferLike, at: number, count: number, scratch: DecodeScratch | null): Int32Array {
  const out = scratchKeyGroups(scratch, count);
  if (LITTLE_ENDIAN) out.set((at & 1) === 0 ? new Uint16Array(buffer, at, count) : new Uint16Array(buffer.slice(at, at + count * 2)));
  else for (let i = 0, view = new DataView(buffer); i < count; i++) out[i] = view.getUint16(at + i * 2, true);
  return out;
}

function readTimestamps(buffer: ArrayBufferLike, at: number, count: number, scratch: DecodeScratch | null): Float64Array {
  const out = scratchTimestamps(scratch, count);
  if (LITTLE_ENDIAN) out.set((at & 7) === 0 ? new Float64Array(buffer, at, count) : new Float64Array(buffer.slice(at, at + count * 8)));
  else for (let i = 0, view = new DataView(buffer); i < count; i++) out[i] = view.getFloat64(at + i * 8, true);
  return out;
}

/** Room for the header, the columns and ~16 bytes a record: enough for small tuples without growing. */
function initialCapacity(count: number, keyGroups: boolean, timestamps: boolean): number {
  return HEADER_BYTES + 64 + count * (16 + (keyGroups ? 2 : 0) + (timestamps ? 8 : 0));
}

function writeColumns(writer: ByteWriter, count: number, keyGroups: Int32Array | null, timestamps: Float64Array | null): void {
  writer.ensure((keyGroups === null ? 0 : count * 2) + (timestamps === null ? 0 : count * 8));
  const view = writer.view;
  let pos = writer.pos;
  if (keyGroups !== null) {
    let bad = 0;
    for (let i = 0; i < count; i++, pos += 2) {
      const group = keyGroups[i]!;
      bad |= group & ~MAX_KEY_GROUP;
      view.setUint16(pos, group, true);
    }
    if (bad !== 0) {
      const i = keyGroups.findIndex((g, j) => j < count && !(g >= 0 && g <= MAX_KEY_GROUP));
      throw new WeirError(`encodeBatch: key group ${keyGroups[i]} of record ${i} is outside 0..${MAX_KEY_GROUP}`, { code: 'WEIR_SERDE_ARGUMENT', fault: 'internal' });
    }
  }
  if (timestamps !== null) {
    for (let i = 0; i < count; i++, pos += 8) view.setFloat64(pos, timestamps[i]!, true);
  }
  writer.pos = pos;
}

function writeSchema(writer: ByteWriter, schema: BatchSchema): void {
  writer.u8(schema.shape);
  writer.u32(schema.kinds.length);
  const column = schema.column;
  for (const kind of schema.kinds) writer.u8(column !== 0 ? column : kind);
  for (const key of schema.keys) writer.string(key);
  if (column !== 0) {
    // The number column starts 8-byte aligned (the buffer itself is).
    const padding = (8 - (writer.pos & 7)) & 7;
    writer.ensure(padding);
    for (let i = 0; i < padding; i++) writer.bytes[writer.pos++] = 0;
  }
}

function readSchema(reader: ByteReader): BatchSchema {
  const shape = reader.u8();
  const fields = reader.u32();
  if (shape < SHAPE_PRIMITIVE || shape > SHAPE_NULL_PROTO_OBJECT || fields > reader.end - reader.pos) throw corrupt(`bad schema (shape ${shape}, ${fields} fields)`);
  const kinds: number[] = [];
  let columns = 0;
  let column = 0;
  for (let i = 0; i < fields; i++) {
    const kind = reader.u8();
    if (kind < KIND_STRING || kind > KIND_I32) throw corrupt(`unknown field kind ${kind}`);
    if (kind === KIND_F64 || kind === KIND_I32) { columns++; column = kind; }
    kinds.push(kind);
  }
  if (columns !== 0 && (columns !== fields || kinds.some((k) => k !== column))) throw corrupt('a number column kind mixed with other kinds');
  const keys: string[] = [];
  if (shape === SHAPE_OBJECT || shape === SHAPE_NULL_PROTO_OBJECT) {
    for (let i = 0; i < fields; i++) {
      const key = reader.string();
      // Our encoder never writes it (batch-schema.ts); decoded objects must not get their prototype set.
      if (key === '__proto__') throw corrupt('an object schema names the key "__proto__"');
      keys.push(key);
    }
  }
  if (column !== 0) reader.pos += (8 - (reader.pos & 7)) & 7;
  return { shape, kinds, keys, column };
}

/** Writes every record; returns OK, MISMATCH, or the index of a field to widen. */
function writeRecords(writer: ByteWriter, schema: BatchSchema, records: readonly unknown[], count: number): number {
  // [string, number] tuples in one loop; the record it stops at (if any) tells the caller why, through writeRecord.
  let i = isStringNumberPair(schema) ? writeStringNumberPairs(writer, records, 0, count) : 0;
  for (; i < count; i++) {
    const result = writeRecord(writer, schema, records[i]);
    if (result !== OK) return result;
  }
  return OK;
}

/** Writes one record of the schema's shape; returns OK, MISMATCH, or the index of a field to widen. */
function writeRecord(writer: ByteWriter, schema: BatchSchema, record: unknown): number {
  const { shape, kinds } = schema;
  if (schema.column !== 0) return writeNumberRecord(writer, schema.column, shape, kinds.length, schema.keys, record);
  if (shape === SHAPE_PRIMITIVE) return writeField(writer, kinds[0]!, record, 0);
  const fields = kinds.length;
  if (shape === SHAPE_TUPLE) {
    if (!Array.isArray(record) || record.length !== fields) return MISMATCH;
    for (let f = 0; f < fields; f++) {
      const result = writeField(writer, kinds[f]!, record[f], f);
      if (result !== OK) return result;
    }
    return OK;
  }
  const proto = shape === SHAPE_OBJECT ? Object.prototype : null;
  if (typeof record !== 'object' || record === null || Object.getPrototypeOf(record) !== proto) return MISMATCH;
  // for...in checks that the record has exactly the schema's keys, in order, without allocating.
  const keys = schema.keys;
  let f = 0;
  for (const key in record) {
    if (f === fields || key !== keys[f]) return MISMATCH;
    const result = writeField(writer, kinds[f]!, (record as Record<string, unknown>)[key], f);
    if (result !== OK) return result;
    f++;
  }
  return f === fields ? OK : MISMATCH;
}

function writeField(writer: ByteWriter, kind: number, value: unknown, field: number): number {
  switch (kind) {
    case KIND_STRING:
      if (typeof value !== 'string') break;
      writer.string(value);
      return OK;
    case KIND_NUMBER:
      if (typeof value !== 'number') break;
      writer.number(value);
      return OK;
    case KIND_BOOLEAN:
      if (typeof value !== 'boolean') break;
      writer.u8(value ? 1 : 0);
      return OK;
    default:
      return writeAny(writer, value) ? OK : MISMATCH;
  }
  // Another primitive in a typed field widens the field; anything else is not a typed record.
  return kindOf(value) === 0 ? MISMATCH : field;
}

function writeAny(writer: ByteWriter, value: unknown): boolean {
  switch (typeof value) {
    case 'string':
      writer.u8(TAG_STRING);
      writer.string(value);
      return true;
    case 'number':
      writer.number(value);
      return true;
    case 'boolean':
      writer.u8(value ? TAG_TRUE : TAG_FALSE);
      return true;
    case 'object':
      if (value !== null) return false;
      writer.u8(TAG_NULL);
      return true;
    default:
      return false;
  }
}

function readRecords(reader: ByteReader, schema: BatchSchema, count: number, out: unknown[] | null = null): unknown[] {
  const { shape, kinds, keys } = schema;
  const fields = kinds.length;
  const column = schema.column;
  if (column !== 0) {
    const at = reader.pos;
    const length = count * fields;
    const bytes = length * columnWidth(column);
    if (at + bytes > reader.end) throw corrupt(`${count} records of ${fields} number fields at byte ${at} run past the end (${reader.end})`);
    reader.pos = at + bytes;
    const values = column === KIND_I32 ? new Int32Array(reader.bytes.buffer, at, length) : new Float64Array(reader.bytes.buffer, at, length);
    return readNumberRecords(values, shape, fields, keys, count, shape === SHAPE_NULL_PROTO_OBJECT, out);
  }
  const records = recordsArray(out, count);
  if (shape === SHAPE_PRIMITIVE) {
    const kind = kinds[0]!;
    if (kind === KIND_STRING) for (let i = 0; i < count; i++) records[i] = reader.string();
    else if (kind === KIND_NUMBER) for (let i = 0; i < count; i++) records[i] = reader.number();
    else for (let i = 0; i < count; i++) records[i] = readField(reader, kind);
  } else if (shape === SHAPE_TUPLE) {
    // Literals for the common arities: packed arrays (new Array(n) makes holey ones, slower downstream).
    if (fields === 2) {
      const k0 = kinds[0]!;
      const k1 = kinds[1]!;
      if (k0 === KIND_STRING && k1 === KIND_NUMBER) readStringNumberPairs(reader, count, records);
      else for (let i = 0; i < count; i++) records[i] = [readField(reader, k0), readField(reader, k1)];
    } else if (fields === 3) {
      const k0 = kinds[0]!;
      const k1 = kinds[1]!;
      const k2 = kinds[2]!;
      for (let i = 0; i < count; i++) records[i] = [readField(reader, k0), readField(reader, k1), readField(reader, k2)];
    } else {
      for (let i = 0; i < count; i++) {
        const tuple: unknown[] = [];
        for (let f = 0; f < fields; f++) tuple.push(readField(reader, kinds[f]!));
        records[i] = tuple;
      }
    }
  } else {
    // The fields of each record are read into one reused array, then built as one object literal.
    const build = objectBuilder(keys, shape === SHAPE_NULL_PROTO_OBJECT);
    const values = new Array<unknown>(fields);
    for (let i = 0; i < count; i++) {
      for (let f = 0; f < fields; f++) values[f] = readField(reader, kinds[f]!);
      records[i] = build(values, 0);
    }
  }
  return records;
}

function readField(reader: ByteReader, kind: number): unknown {
  switch (kind) {
    case KIND_STRING:
      return reader.string();
    case KIND_NUMBER:
      return reader.number();
    case KIND_BOOLEAN:
      return reader.u8() !== 0;
    default:
      return readAny(reader);
  }
}

function readAny(reader: ByteReader): unknown {
  const tag = reader.bytes[reader.pos]!;
  switch (tag) {
    case TAG_NULL:
      reader.pos++;
      return null;
    case TAG_FALSE:
      reader.pos++;
      return false;
    case TAG_TRUE:
      reader.pos++;
      return true;
    case TAG_INT32:
    case TAG_FLOAT64:
      return reader.number();
    case TAG_STRING:
      reader.pos++;
      return reader.string();
    default:
      throw corrupt(`unknown value tag ${tag} at byte ${reader.pos}`);
  }
}

/** The whole batch through v8.serialize (structured clone), copied after our header into a buffer we own. */
function encodeFallback(
  records: readonly unknown[], count: number, keyGroups: Int32Array | null, scratch: ArrayBufferLike | undefined, timestamps: Float64Array | null,
): ArrayBufferLike {
  const batch = count === records.length ? records : records.slice(0, count);
  let payload: Uint8Array;
  try {
    payload = serialize(batch);
  } catch (cause) {
    throw unserializable(batch, cause);
  }
  const total = HEADER_BYTES + payload.length + (keyGroups === null ? 0 : count * 2) + (timestamps === null ? 0 : count * 8);
  const writer = new ByteWriter(scratch === undefined ? new ArrayBuffer(total) : scratch.byteLength >= total ? scratch : sameKind(scratch, total));
  writer.bytes.set(payload, HEADER_BYTES);
  writer.pos = HEADER_BYTES + payload.length;
  return finishBatch(writer, FORMAT_V8, count, keyGroups, timestamps);
}

/** A new buffer of `bytes`, shared if `like` is (a batch for another thread stays a SharedArrayBuffer when it outgrows its scratch). */
function sameKind(like: ArrayBufferLike, bytes: number): ArrayBufferLike {
  return like instanceof SharedArrayBuffer ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}

/** Names the first record v8 cannot clone (a function, a symbol...): found only on this error path. */
function unserializable(batch: readonly unknown[], cause: unknown): WeirError {
  let index = -1;
  for (let i = 0; i < batch.length && index < 0; i++) {
    try {
      serialize(batch[i]);
    } catch {
      index = i;
    }
  }
  const which = index < 0 ? 'a record' : `record ${index} (${describeValue(batch[index])})`;
  return new WeirError(`cannot send ${which} to another worker: it is not structured-cloneable (functions, symbols, class instances with private state are not)`, {
    code: 'WEIR_SERDE_UNSUPPORTED',
    fault: 'user',
    cause,
  });
}
