// Delimited lines (TSV/CSV) written straight into the file sink's chunk: a tuple's fields joined by one
// ASCII delimiter, quoted as RFC 4180 says where a field needs it. No line string is built per record.

import { ConfigError, WeirError, describeValue } from '../../core/errors.ts';
import { writeUtf8 } from '../../serde/utf8.ts';

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
/** The longest `String(n)` of a double ("-1.7976931348623157e+308"), in ASCII bytes. */
const MAX_NUMBER_BYTES = 24;

/** The delimiter's char code, checked: one ASCII character that is not a quote, CR or LF. */
export function delimiterCode(delimiter: unknown): number {
  if (typeof delimiter !== 'string' || delimiter.length !== 1 || delimiter.charCodeAt(0) > 0x7f || '"\r\n'.includes(delimiter)) {
    throw new ConfigError(`FileSink option 'delimiter' must be one ASCII character other than '"', CR and LF (e.g. ',' or '\\t'), got ${describeValue(delimiter)}`);
  }
  return delimiter.charCodeAt(0);
}

/** Whether a string field must be quoted: it holds the delimiter, a quote, CR or LF. */
function needsQuotes(s: string, delimiter: number): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === delimiter || c === QUOTE || c === CR || c === LF) return true;
  }
  return false;
}

/**
 * `s` as UTF-8 at `pos` in one pass with the check for quoting: ASCII here, the rest by writeUtf8; -1 (and
 * bytes written past `pos` to ignore) when `s` holds the delimiter, a quote, CR or LF.
 */
function writePlain(bytes: Uint8Array, pos: number, s: string, delimiter: number): number {
  const n = s.length;
  const start = pos;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return needsQuotes(s, delimiter) ? -1 : writeUtf8(bytes, start, s);
    // Quote, CR and LF are below 0x23: one comparison for most characters.
    if ((c < 0x23 || c === delimiter) && (c === delimiter || c === QUOTE || c === CR || c === LF)) return -1;
    bytes[pos++] = c;
  }
  return pos;
}

function badRecord(operatorName: string, record: unknown, why: string): WeirError {
  return new WeirError(`${operatorName}: record ${describeValue(record)} ${why}; give the FileSink a 'format' function for records of this shape`, {
    code: 'WEIR_BAD_RECORD', fault: 'user',
  });
}

const notATuple = (operatorName: string, record: unknown): WeirError =>
  badRecord(operatorName, record, 'is not an array (a tuple), which a FileSink with a delimiter writes');

const badField = (operatorName: string, record: unknown, v: unknown, i: number): WeirError =>
  badRecord(operatorName, record, `has ${describeValue(v)} in field ${i}, not a string, number, boolean, bigint or null`);

/** A field in quotes, its quotes doubled (RFC 4180). */
const quoted = (s: string): string => `"${s.replaceAll('"', '""')}"`;

/** An integer in int32 range as decimal digits at `pos` (the common case of counts and ids). */
function writeInt(bytes: Uint8Array, pos: number, n: number): number {
  if (n < 0) {
    bytes[pos++] = 0x2d;
    if (n === -2147483648) return writeAscii(bytes, pos, '2147483648'); // -n is not an int32
    n = -n;
  }
  const digits = n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : n < 1000000 ? 6
    : n < 10000000 ? 7 : n < 100000000 ? 8 : n < 1000000000 ? 9 : 10;
  const end = pos + digits;
  for (let at = end - 1; at > pos; at--) {
    const q = (n / 10) | 0;
    bytes[at] = 0x30 + n - q * 10;
    n = q;
  }
  bytes[pos] = 0x30 + n;
  return end;
}

function writeAscii(bytes: Uint8Array, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) bytes[pos++] = s.charCodeAt(i);
  return pos;
}

/**
 * Encodes `record` (an array) as one line without the newline into bytes[pos..limit), or returns -1 when it
 * might not fit (the caller makes room or falls back to `formatDelimited`). Fields: strings as UTF-8, quoted
 * when needed (quotes doubled); numbers as `String(n)`; booleans; bigints; null and undefined as empty fields.
 */
export function encodeDelimited(bytes: Uint8Array, pos: number, limit: number, record: unknown, delimiter: number, operatorName: string): number {
  if (!Array.isArray(record)) throw notATuple(operatorName, record);
  const n = record.length;
  for (let i = 0; i < n; i++) {
    if (i > 0) {
      if (pos >= limit) return -1;
      bytes[pos++] = delimiter;
    }
    const v: unknown = record[i];
    if (typeof v === 'string') {
      // 3 bytes per unit covers UTF-8; quoting at most doubles the (1-byte) quotes and adds 2.
      if (pos + v.length * 3 + 2 >= limit) return -1;
      const plain = writePlain(bytes, pos, v, delimiter);
      pos = plain >= 0 ? plain : writeUtf8(bytes, pos, quoted(v));
    } else if (typeof v === 'number') {
      if (pos + MAX_NUMBER_BYTES >= limit) return -1;
      pos = (v | 0) === v ? writeInt(bytes, pos, v) : writeAscii(bytes, pos, String(v));
    } else if (typeof v === 'boolean') {
      if (pos + 5 >= limit) return -1;
      pos = writeAscii(bytes, pos, v ? 'true' : 'false');
    } else if (typeof v === 'bigint') {
      const s = String(v);
      if (pos + s.length >= limit) return -1;
      pos = writeAscii(bytes, pos, s);
    } else if (v !== null && v !== undefined) {
      throw badField(operatorName, record, v, i);
    }
  }
  return pos;
}

/** The same line as a string (records too long for one chunk; tests). */
export function formatDelimited(record: unknown, delimiter: number, operatorName: string): string {
  if (!Array.isArray(record)) throw notATuple(operatorName, record);
  const sep = String.fromCharCode(delimiter);
  let out = '';
  for (let i = 0; i < record.length; i++) {
    if (i > 0) out += sep;
    const v: unknown = record[i];
    if (typeof v === 'string') out += needsQuotes(v, delimiter) ? quoted(v) : v;
    else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') out += String(v);
    else if (v !== null && v !== undefined) throw badField(operatorName, record, v, i);
  }
  return out;
}
