// The byte layout of an encoded batch: header offsets, format ids, record shapes, field kinds and value tags.

/*
 * Layout (all multi-byte integers little-endian, whatever the host):
 *
 *   0  u32  used byte length of the whole batch (the ArrayBuffer may be larger: a reused scratch)
 *   4  u8   magic 0x57 ('W')
 *   5  u8   format: FORMAT_TYPED | FORMAT_V8
 *   6  u8   flags: FLAG_KEY_GROUPS | FLAG_TIMESTAMPS
 *   7  u8   layout version (3)
 *   8  u32  record count
 *  12  u32  byte offset of the columns (= the end of the records)
 *  16  the records: FORMAT_V8: the bytes of v8.serialize(records);
 *        FORMAT_TYPED: schema = u8 shape, u32 field count, u8 kind × fields,
 *                      and for object shapes the keys as strings; then the records, field after field.
 *                      When every field is KIND_I32 or every field is KIND_F64 (an all-number schema,
 *                      version 3), zero bytes pad the schema to an 8-byte boundary and the records are
 *                      one dense column: record after record, field after field, 4 (int32) or 8
 *                      (float64) bytes each, no tags.
 *  then the columns, up to the used length:
 *      u16 × count  key groups, when FLAG_KEY_GROUPS is set (values 0..32767)
 *      f64 × count  event-time timestamps (NaN = none), when FLAG_TIMESTAMPS is set
 *
 * The columns come after the records (version 2; version 1 had them first) so that a record writer
 * can encode each record as it is emitted, while it is still in the cache, before the count and the
 * columns of the buffer are known (BatchEncoder). Version 3 added KIND_I32 and KIND_F64: all-number
 * records are written and read as straight Int32Array / Float64Array stores and loads, with no tag
 * byte or kind switch per field. An int32 column decodes to small integers as the tagged int32 did
 * (a float64 load of 5 would make a double array downstream); the encoder starts a batch as int32
 * when the first record's numbers are, and widens the whole batch to float64 at the first other number.
 *
 * Strings: a length prefix, then UTF-8. The prefix is one byte (< 0x80) when the encoder knows the
 * string is short, else four bytes: (b0 & 0x7f) | b1 << 7 | b2 << 15 | b3 << 23, b0 ≥ 0x80.
 * Numbers: a tag byte (TAG_INT32 | TAG_FLOAT64) then 4 or 8 bytes; int32 is chosen only when the
 * value is an int32 and not -0, so every double (NaN, ±Infinity, -0, 2^53) round-trips bit-exact
 * except NaN payloads, which JS cannot observe anyway.
 */

export const HEADER_BYTES = 16;
export const OFFSET_USED = 0;
export const OFFSET_MAGIC = 4;
export const OFFSET_FORMAT = 5;
export const OFFSET_FLAGS = 6;
export const OFFSET_VERSION = 7;
export const OFFSET_COUNT = 8;
export const OFFSET_COLUMNS = 12;

export const MAGIC = 0x57;
export const LAYOUT_VERSION = 3;

export const FORMAT_TYPED = 1;
export const FORMAT_V8 = 2;

export const FLAG_KEY_GROUPS = 1;
export const FLAG_TIMESTAMPS = 2;

/** Largest key group a batch can carry (Flink's upper bound for max parallelism is 32768). */
export const MAX_KEY_GROUP = 32767;

/** How each record of a typed batch is built. */
export const SHAPE_PRIMITIVE = 1;
export const SHAPE_TUPLE = 2;
export const SHAPE_OBJECT = 3;
/** An object whose prototype is null (kept so that decode gives the same prototype back). */
export const SHAPE_NULL_PROTO_OBJECT = 4;

/** The kind of one field (or of the whole record for SHAPE_PRIMITIVE). */
export const KIND_STRING = 1;
export const KIND_NUMBER = 2;
export const KIND_BOOLEAN = 3;
/** Any of string | number | boolean | null, each value prefixed by its tag. */
export const KIND_ANY = 4;
/**
 * A number as its raw little-endian float64 bits, no tag: used for every field when all of a schema's
 * fields are numbers (never mixed with other kinds), so the records form one aligned float64 column.
 */
export const KIND_F64 = 5;
/** As KIND_F64, for a batch whose numbers are all int32 (and not -0): raw little-endian int32, 4 bytes. */
export const KIND_I32 = 6;

/** Value tags: KIND_NUMBER uses the two number tags, KIND_ANY all of them. */
export const TAG_NULL = 0;
export const TAG_FALSE = 1;
export const TAG_TRUE = 2;
export const TAG_INT32 = 3;
export const TAG_FLOAT64 = 4;
export const TAG_STRING = 5;

/** Whether a number is written as TAG_INT32 (an int32 other than -0, which only float64 keeps) or TAG_FLOAT64. */
export function isInt32(value: number): boolean {
  return (value | 0) === value && (value !== 0 || 1 / value > 0);
}

/** Strings up to this many UTF-16 units are written and read with JS loops; longer ones go through Buffer. */
export const SHORT_STRING_UNITS = 42;
