// The byte layout of an encoded batch: header offsets, format ids, record shapes, field kinds and value tags.

/*
 * Layout (all multi-byte integers little-endian, whatever the host):
 *
 *   0  u32  used byte length of the whole batch (the ArrayBuffer may be larger: a reused scratch)
 *   4  u8   magic 0x57 ('W')
 *   5  u8   format: FORMAT_TYPED | FORMAT_V8
 *   6  u8   flags: FLAG_KEY_GROUPS | FLAG_TIMESTAMPS
 *   7  u8   layout version (2)
 *   8  u32  record count
 *  12  u32  byte offset of the columns (= the end of the records)
 *  16  the records: FORMAT_V8: the bytes of v8.serialize(records);
 *        FORMAT_TYPED: schema = u8 shape, u32 field count, u8 kind × fields,
 *                      and for object shapes the keys as strings; then the records, field after field.
 *  then the columns, up to the used length:
 *      u16 × count  key groups, when FLAG_KEY_GROUPS is set (values 0..32767)
 *      f64 × count  event-time timestamps (NaN = none), when FLAG_TIMESTAMPS is set
 *
 * The columns come after the records (version 2; version 1 had them first) so that a record writer
 * can encode each record as it is emitted, while it is still in the cache, before the count and the
 * columns of the buffer are known (BatchEncoder).
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
export const LAYOUT_VERSION = 2;

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

/** Value tags: KIND_NUMBER uses the two number tags, KIND_ANY all of them. */
export const TAG_NULL = 0;
export const TAG_FALSE = 1;
export const TAG_TRUE = 2;
export const TAG_INT32 = 3;
export const TAG_FLOAT64 = 4;
export const TAG_STRING = 5;

/** Strings up to this many UTF-16 units are written and read with JS loops; longer ones go through Buffer. */
export const SHORT_STRING_UNITS = 42;
