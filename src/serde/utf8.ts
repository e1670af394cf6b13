// UTF-8 for short strings in plain JS loops: cheaper than a native call (Buffer, TextEncoder) per string.

/**
 * Writes `text` as UTF-8 at `pos` and returns the position after it. The caller guarantees
 * `3 * text.length` bytes of room (a surrogate pair is 2 units and 4 bytes, every other unit ≤ 3).
 * A lone surrogate becomes U+FFFD, as Buffer and TextEncoder do.
 */
export function writeUtf8(bytes: Uint8Array, pos: number, text: string): number {
  const length = text.length;
  for (let i = 0; i < length; i++) {
    let unit = text.charCodeAt(i);
    if (unit < 0x80) {
      bytes[pos++] = unit;
    } else if (unit < 0x800) {
      bytes[pos++] = 0xc0 | (unit >> 6);
      bytes[pos++] = 0x80 | (unit & 0x3f);
    } else {
      if (unit >= 0xd800 && unit <= 0xdfff) {
        const next = i + 1 < length ? text.charCodeAt(i + 1) : 0;
        if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          const point = 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00);
          bytes[pos++] = 0xf0 | (point >> 18);
          bytes[pos++] = 0x80 | ((point >> 12) & 0x3f);
          bytes[pos++] = 0x80 | ((point >> 6) & 0x3f);
          bytes[pos++] = 0x80 | (point & 0x3f);
          i++;
          continue;
        }
        unit = 0xfffd;
      }
      bytes[pos++] = 0xe0 | (unit >> 12);
      bytes[pos++] = 0x80 | ((unit >> 6) & 0x3f);
      bytes[pos++] = 0x80 | (unit & 0x3f);
    }
  }
  return pos;
}

/**
 * Reads the UTF-8 bytes [start, end) written by `writeUtf8` (or Buffer). Input is trusted to be
 * well-formed: it comes from our own encoder. Pure ASCII up to 12 bytes is built with one
 * fromCharCode call and no array (the common case of words and ids).
 */
export function readUtf8(bytes: Uint8Array, start: number, end: number): string {
  const length = end - start;
  if (length <= SHORT_ASCII_BYTES) {
    const ascii = readShortAscii(bytes, start, length);
    if (ascii !== undefined) return ascii;
  }
  const units: number[] = [];
  let pos = start;
  while (pos < end) {
    const b0 = bytes[pos++]!;
    if (b0 < 0x80) {
      units.push(b0);
    } else if (b0 < 0xe0) {
      units.push(((b0 & 0x1f) << 6) | (bytes[pos++]! & 0x3f));
    } else if (b0 < 0xf0) {
      units.push(((b0 & 0x0f) << 12) | ((bytes[pos++]! & 0x3f) << 6) | (bytes[pos++]! & 0x3f));
    } else {
      const point =
        (((b0 & 0x07) << 18) | ((bytes[pos++]! & 0x3f) << 12) | ((bytes[pos++]! & 0x3f) << 6) | (bytes[pos++]! & 0x3f)) - 0x10000;
      units.push(0xd800 + (point >> 10), 0xdc00 + (point & 0x3ff));
    }
  }
  return String.fromCharCode.apply(null, units);
}

/** The longest string readShortAscii builds. */
export const SHORT_ASCII_BYTES = 12;

/** The string of the `length` ≤ SHORT_ASCII_BYTES bytes at `start` when they are all ASCII, else undefined: only the string's own bytes are read. */
export function readShortAscii(bytes: Uint8Array, start: number, length: number): string | undefined {
  switch (length) {
    case 0:
      return '';
    case 1: {
      const a = bytes[start]!;
      return (a) & 0x80 ? undefined : String.fromCharCode(a);
    }
    case 2: {
      const a = bytes[start]!; const b = bytes[start + 1]!;
      return (a | b) & 0x80 ? undefined : String.fromCharCode(a, b);
    }
    case 3: {
      const a = bytes[start]!; const b = bytes[start + 1]!; const c = bytes[start + 2]!;
      return (a | b | c) & 0x80 ? undefined : String.fromCharCode(a, b, c);
    }
    case 4: {
      const a = bytes[start]!; const b = bytes[start + 1]!; const c = bytes[start + 2]!; const d = bytes[start + 3]!;
      return (a | b | c | d) & 0x80 ? undefined : String.fromCharCode(a, b, c, d);
    }
    case 5: {
      const a = bytes[start]!; const b = bytes[start + 1]!; const c = bytes[start + 2]!; const d = bytes[start + 3]!; const e = bytes[start + 4]!;
      return (a | b | c | d | e) & 0x80 ? undefined : String.fromCharCode(a, b, c, d, e);
    }
    case 6: {
      const a = bytes[start]!; const b = bytes[start + 1]!; const c = bytes[start + 2]!; const d = bytes[start + 3]!; const e = bytes[start + 4]!; const f = bytes[start + 5]!;
      return (a | b | c | d | e | f) & 0x80 ? undefined : String.fromCharCode(a, b, c, d, e, f);
    }
    case 7: {
      const a = bytes[start]!; const b = bytes[start + 1]!; const c = bytes[start + 2]!; const d = bytes[start + 3]!; const e = bytes[start + 4]!; const f = bytes[start + 5]!; const g = bytes[start + 6]!;
      return (a | b | c | d | e | f | g) & 0x80 ? undefined : String.fromCharCode(a, b, c, d, e, f, g);
    }
    case 8: {
      const a = bytes[start]!; const b = bytes[start + 1]!; const c = bytes[start + 2]!; const d = bytes[start + 3]!; const e = bytes[start + 4]!; const f = bytes[start + 5]!; const g = bytes[start + 6]!; const h = bytes[start + 7]!;
      return (a | b | c | d | e | f | g | h) & 0x80 ? undefined : String.fromCharCode(a, b, c, d, e, f, g, h);
    }
    case 9: {
      const a = bytes[start]!; const b = bytes[start + 1]!; const c = bytes[start + 2]!; const d = bytes[start + 3]!; const e = bytes[start + 4]!; const f = bytes[start + 5]!; const g = bytes[start + 6]!; const h = bytes[start + 7]!; const i = bytes[start + 8]!;
      return (a | b | c | d | e | f | g | h | i) & 0x80 ? undefined : String.fromCharCode(a, b, c, d, e, f, g, h, i);
    }
    case 10: {
      const a = bytes[start]!; const b = bytes[start + 1]!; const c = bytes[start + 2]!; const d = bytes[start + 3]!; const e = bytes[start + 4]!; const f = bytes[start + 5]!; const g = bytes[start + 6]!; const h = bytes[start + 7]!; const i = bytes[start + 8]!; const j = bytes[start + 9]!;
      return (a | b | c | d | e | f | g | h | i | j) & 0x80 ? undefined : String.fromCharCode(a, b, c, d, e, f, g, h, i, j);
    }
    case 11: {
      const a = bytes[start]!; const b = bytes[start + 1]!; const c = bytes[start + 2]!; const d = bytes[start + 3]!; const e = bytes[start + 4]!; const f = bytes[start + 5]!; const g = bytes[start + 6]!; const h = bytes[start + 7]!; const i = bytes[start + 8]!; const j = bytes[start + 9]!; const k = bytes[start + 10]!;
      return (a | b | c | d | e | f | g | h | i | j | k) & 0x80 ? undefined : String.fromCharCode(a, b, c, d, e, f, g, h, i, j, k);
    }
    case 12: {
      const a = bytes[start]!; const b = bytes[start + 1]!; const c = bytes[start + 2]!; const d = bytes[start + 3]!; const e = bytes[start + 4]!; const f = bytes[start + 5]!; const g = bytes[start + 6]!; const h = bytes[start + 7]!; const i = bytes[start + 8]!; const j = bytes[start + 9]!; const k = bytes[start + 10]!; const l = bytes[start + 11]!;
      return (a | b | c | d | e | f | g | h | i | j | k | l) & 0x80 ? undefined : String.fromCharCode(a, b, c, d, e, f, g, h, i, j, k, l);
    }
    default:
      return undefined;
  }
}

/**
 * Index of the first byte of the first ill-formed UTF-8 sequence in [start, end), or -1 when
 * the range is well-formed (Unicode table 3-7: no overlongs, no surrogates, nothing past U+10FFFF).
 * Used only where a decoder produced U+FFFD, to tell a replacement from a U+FFFD in the input.
 */
export function invalidUtf8Offset(bytes: Uint8Array, start: number, end: number): number {
  let pos = start;
  while (pos < end) {
    const b0 = bytes[pos]!;
    if (b0 < 0x80) { pos++; continue; }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) need = 1;
    else if (b0 >= 0xe0 && b0 <= 0xef) { need = 2; if (b0 === 0xe0) lo = 0xa0; else if (b0 === 0xed) hi = 0x9f; }
    else if (b0 >= 0xf0 && b0 <= 0xf4) { need = 3; if (b0 === 0xf0) lo = 0x90; else if (b0 === 0xf4) hi = 0x8f; }
    else return pos;
    if (pos + need >= end) return pos; // truncated at the end of the range
    const b1 = bytes[pos + 1]!;
    if (b1 < lo || b1 > hi) return pos;
    for (let k = 2; k <= need; k++) {
      const b = bytes[pos + k]!;
      if (b < 0x80 || b > 0xbf) return pos;
    }
    pos += need + 1;
  }
  return -1;
}
