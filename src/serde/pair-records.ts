// [string, number] tuples (a word and its count, a key and a value): one loop each way with the field kinds fixed.

import { SHORT_STRING_UNITS, TAG_FLOAT64, TAG_INT32, isInt32 } from './batch-format.ts';
import type { ByteReader } from './byte-reader.ts';
import type { ByteWriter } from './byte-writer.ts';
import { corrupt } from './byte-reader.ts';
import { SHORT_ASCII_BYTES, readShortAscii, writeUtf8 } from './utf8.ts';

/*
 * The bytes are exactly those of the general path (writeRecord / readField for a SHAPE_TUPLE schema of
 * kinds [KIND_STRING, KIND_NUMBER]): a one-byte length and the UTF-8 of the string, then the tagged
 * number. What these loops drop is per field, not per batch: the calls through writeRecord, writeField
 * and the writer's methods, a room check per field, the kind switch of each field on decode.
 */

/** Bytes one pair can take at most here: length byte, 3 bytes a UTF-16 unit, tag and float64. */
const MAX_PAIR_BYTES = 1 + 3 * SHORT_STRING_UNITS + 9;

/**
 * Writes records[from..count) at `writer.pos` while each is a 2-element array of a string of at most
 * SHORT_STRING_UNITS units and a number; returns the index of the first record it did not write
 * (`count` when it wrote them all), which the caller sends through the general path (another
 * shape, a field to widen, a long string).
 */
export function writeStringNumberPairs(writer: ByteWriter, records: readonly unknown[], from: number, count: number): number {
  let bytes = writer.bytes;
  let view = writer.view;
  let limit = writer.capacity - MAX_PAIR_BYTES;
  let pos = writer.pos;
  let i = from;
  for (; i < count; i++) {
    const record = records[i];
    if (!Array.isArray(record) || record.length !== 2) break;
    const text: unknown = record[0];
    const value: unknown = record[1];
    if (typeof text !== 'string' || typeof value !== 'number' || text.length > SHORT_STRING_UNITS) break;
    if (pos > limit) {
      writer.pos = pos;
      writer.ensure(MAX_PAIR_BYTES);
      bytes = writer.bytes;
      view = writer.view;
      limit = writer.capacity - MAX_PAIR_BYTES;
    }
    const end = writeUtf8(bytes, pos + 1, text);
    bytes[pos] = end - pos - 1;
    pos = end;
    if (isInt32(value)) {
      bytes[pos] = TAG_INT32;
      view.setInt32(pos + 1, value, true);
      pos += 5;
    } else {
      bytes[pos] = TAG_FLOAT64;
      view.setFloat64(pos + 1, value, true);
      pos += 9;
    }
  }
  writer.pos = pos;
  return i;
}

/** Reads `count` [string, number] tuples written as above (or by the general path) into records[0..count). */
export function readStringNumberPairs(reader: ByteReader, count: number, records: unknown[]): void {
  const bytes = reader.bytes;
  const view = reader.view;
  const end = reader.end;
  let pos = reader.pos;
  for (let i = 0; i < count; i++) {
    const length = bytes[pos]!;
    let text: string | undefined;
    // Short ASCII (every word of the word count but a few): the string from the bytes at once; else the reader's general string path.
    if (length <= SHORT_ASCII_BYTES && pos + 1 + length <= end) text = readShortAscii(bytes, pos + 1, length);
    if (text === undefined) {
      reader.pos = pos;
      text = reader.string();
      pos = reader.pos;
    } else {
      pos += 1 + length;
    }
    const tag = bytes[pos];
    let value: number;
    if (tag === TAG_INT32 && pos + 5 <= end) {
      value = view.getInt32(pos + 1, true);
      pos += 5;
    } else if (tag === TAG_FLOAT64 && pos + 9 <= end) {
      value = view.getFloat64(pos + 1, true);
      pos += 9;
    } else {
      if (tag === TAG_INT32 || tag === TAG_FLOAT64) throw corrupt(`number at byte ${pos} runs past the end (${end})`);
      throw corrupt(`unknown number tag ${String(tag)} at byte ${pos}`);
    }
    records[i] = [text, value];
  }
  reader.pos = pos;
}
