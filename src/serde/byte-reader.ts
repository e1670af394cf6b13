// The reading side of ByteWriter: little-endian integers, tagged numbers and length-prefixed strings.

import { Buffer } from 'node:buffer';
import { WeirError } from '../core/errors.ts';
import { TAG_FLOAT64, TAG_INT32 } from './batch-format.ts';
import { readUtf8 } from './utf8.ts';

/** Long strings decode through Buffer once they are past this many bytes; shorter ones in JS. */
const NATIVE_DECODE_BYTES = 64;

/**
 * Reads within [0, end). Bounds are checked per string and at the end of a batch rather than per
 * byte: the input comes from our own encoder, a check per field would cost more than the read.
 */
export class ByteReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly end: number;
  pos: number;
  #nodeBuffer: Buffer | null = null;

  constructor(buffer: ArrayBufferLike, start: number, end: number) {
    this.bytes = new Uint8Array(buffer, 0, end);
    this.view = new DataView(buffer, 0, end);
    this.end = end;
    this.pos = start;
  }

  u8(): number {
    return this.bytes[this.pos++]!;
  }

  u32(): number {
    const value = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return value;
  }

  /** A number written by ByteWriter.number, whose tag byte is next. */
  number(): number {
    const tag = this.bytes[this.pos]!;
    if (tag === TAG_INT32) {
      const value = this.view.getInt32(this.pos + 1, true);
      this.pos += 5;
      return value;
    }
    if (tag === TAG_FLOAT64) {
      const value = this.view.getFloat64(this.pos + 1, true);
      this.pos += 9;
      return value;
    }
    throw corrupt(`unknown number tag ${tag} at byte ${this.pos}`);
  }

  string(): string {
    const bytes = this.bytes;
    let pos = this.pos;
    let length = bytes[pos++]!;
    if (length >= 0x80) {
      length = (length & 0x7f) | (bytes[pos]! << 7) | (bytes[pos + 1]! << 15) | (bytes[pos + 2]! << 23);
      pos += 3;
    }
    const end = pos + length;
    if (end > this.end) throw corrupt(`string of ${length} bytes at byte ${this.pos} runs past the end (${this.end})`);
    this.pos = end;
    if (length <= NATIVE_DECODE_BYTES) return readUtf8(bytes, pos, end);
    const node = (this.#nodeBuffer ??= Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return node.toString('utf8', pos, end);
  }
}

export function corrupt(message: string): WeirError {
  return new WeirError(`corrupt record batch: ${message}`, { code: 'WEIR_SERDE_CORRUPT', fault: 'internal' });
}
