// A growable little-endian writer over one ArrayBuffer (or SharedArrayBuffer) that is handed over whole when done.

import { Buffer } from 'node:buffer';
import { SHORT_STRING_UNITS, TAG_FLOAT64, TAG_INT32, isInt32 } from './batch-format.ts';
import { writeUtf8 } from './utf8.ts';

/**
 * Owns its ArrayBuffer: never a view into a shared slab (Buffer's pool, msgpackr's buffer), because
 * the result is transferred to another thread. Grows by doubling, copying what was written.
 * Fields are plain (not #private) and the class is not exported from the package: it is the hot path.
 */
export class ByteWriter {
  /** A SharedArrayBuffer grows into a SharedArrayBuffer (a buffer posted to another thread of the process without a transfer). */
  buffer: ArrayBufferLike;
  bytes: Uint8Array;
  view: DataView;
  /** Int32 and float64 views of the whole buffer (lengths rounded down), for the number columns (KIND_I32, KIND_F64). */
  i32: Int32Array;
  f64: Float64Array;
  pos = 0;
  /** The buffer's byte length (a plain field: reading a typed array's length costs more on the hot path). */
  capacity: number;
  /** A Buffer view of `buffer` for long strings; made on first use. */
  #nodeBuffer: Buffer | null = null;

  constructor(buffer: ArrayBufferLike) {
    this.buffer = buffer;
    this.bytes = new Uint8Array(buffer);
    this.view = new DataView(buffer);
    this.i32 = new Int32Array(buffer, 0, buffer.byteLength >>> 2);
    this.f64 = new Float64Array(buffer, 0, buffer.byteLength >>> 3);
    this.capacity = buffer.byteLength;
  }

  /** Makes room for `n` more bytes after `pos`. */
  ensure(n: number): void {
    if (this.pos + n > this.capacity) this.#grow(this.pos + n);
  }

  #grow(needed: number): void {
    // A multiple of 8, so that the int32 and float64 views cover every byte.
    let capacity = Math.max(this.bytes.length * 2, 64) & ~7;
    while (capacity < needed) capacity *= 2;
    const next = this.buffer instanceof SharedArrayBuffer ? new SharedArrayBuffer(capacity) : new ArrayBuffer(capacity);
    const bytes = new Uint8Array(next);
    bytes.set(this.bytes.subarray(0, this.pos));
    this.buffer = next;
    this.bytes = bytes;
    this.view = new DataView(next);
    this.i32 = new Int32Array(next, 0, capacity >>> 2);
    this.f64 = new Float64Array(next, 0, capacity >>> 3);
    this.capacity = capacity;
    this.#nodeBuffer = null;
  }

  u8(value: number): void {
    this.ensure(1);
    this.bytes[this.pos++] = value;
  }

  u32(value: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, value, true);
    this.pos += 4;
  }

  /** A number as TAG_INT32 + 4 bytes when it is an int32 other than -0, else TAG_FLOAT64 + 8 bytes. */
  number(value: number): void {
    this.ensure(9);
    if (isInt32(value)) {
      this.bytes[this.pos] = TAG_INT32;
      this.view.setInt32(this.pos + 1, value, true);
      this.pos += 5;
    } else {
      this.bytes[this.pos] = TAG_FLOAT64;
      this.view.setFloat64(this.pos + 1, value, true);
      this.pos += 9;
    }
  }

  /** A length-prefixed UTF-8 string (prefix format: see batch-format.ts). */
  string(text: string): void {
    const units = text.length;
    if (units <= SHORT_STRING_UNITS) {
      // 3 × 42 = 126 < 0x80: the byte length fits the one-byte prefix.
      this.ensure(1 + units * 3);
      const end = writeUtf8(this.bytes, this.pos + 1, text);
      this.bytes[this.pos] = end - this.pos - 1;
      this.pos = end;
      return;
    }
    this.ensure(4 + units * 3);
    const node = (this.#nodeBuffer ??= Buffer.from(this.buffer));
    const written = node.write(text, this.pos + 4, 'utf8');
    const bytes = this.bytes;
    bytes[this.pos] = 0x80 | (written & 0x7f);
    bytes[this.pos + 1] = (written >>> 7) & 0xff;
    bytes[this.pos + 2] = (written >>> 15) & 0xff;
    bytes[this.pos + 3] = (written >>> 23) & 0xff;
    this.pos += 4 + written;
  }
}
