// Turns keys into values a JS Map can index (arrays compare by identity, so they become strings) and back.
//
// Encoding ("normalized key"):
// - numbers, booleans and bigints are used as is (a Map tells 1, "1", 1n and true apart);
// - a string is used as is unless it starts with U+0000, then it becomes "\0s" + string;
// - an array becomes "\0" + E(array), where E([a, b]) = "[" + E(a) + E(b) + "]" and
//   E(string s) = "s" + s.length + ":" + s, E(number n) = "n" + String(n) + ";",
//   E(true) = "t", E(false) = "f", E(bigint b) = "b" + b + ";".
// The "\0" prefix keeps array keys apart from string keys in one map; length-prefixing
// strings makes the encoding unambiguous, so it can be decoded (forEachKey, MapState.keys).
// Rejected: JSON.stringify (cannot hold bigints, and ["1"] vs [1] would need type tags anyway).

import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/types.ts';

/** A key as stored in state maps: a primitive; arrays are encoded into strings. */
export type NormalizedKey = string | number | boolean | bigint;

function encodeInto(key: Key): string {
  switch (typeof key) {
    case 'string':
      return `s${key.length}:${key}`;
    case 'number':
      return `n${String(key)};`;
    case 'boolean':
      return key ? 't' : 'f';
    case 'bigint':
      return `b${key.toString()};`;
    default: {
      let out = '[';
      for (let i = 0; i < key.length; i++) out += encodeInto(key[i]!);
      return out + ']';
    }
  }
}

/** Normalizes a key for use as a Map key. Primitive keys do not allocate. */
export function normalizeKey(key: Key): NormalizedKey {
  if (typeof key === 'object') return '\u0000' + encodeInto(key);
  if (typeof key === 'string' && key.length > 0 && key.charCodeAt(0) === 0) return '\u0000s' + key;
  return key;
}

function corrupt(norm: string): never {
  throw new WeirError(`cannot decode normalized key ${JSON.stringify(norm)}`, { code: 'WEIR_STATE_KEY', fault: 'internal' });
}

/** Inverse of normalizeKey. */
export function denormalizeKey(norm: NormalizedKey): Key {
  if (typeof norm !== 'string' || norm.length === 0 || norm.charCodeAt(0) !== 0) return norm;
  if (norm.charAt(1) === 's') return norm.slice(2);
  let pos = 1;
  const readUntil = (end: string): string => {
    const j = norm.indexOf(end, pos);
    if (j < 0) corrupt(norm);
    const text = norm.slice(pos, j);
    pos = j + 1;
    return text;
  };
  const parse = (): Key => {
    const tag = norm.charAt(pos++);
    switch (tag) {
      case 's': {
        const len = Number(readUntil(':'));
        if (!Number.isInteger(len) || pos + len > norm.length) corrupt(norm);
        const s = norm.slice(pos, pos + len);
        pos += len;
        return s;
      }
      case 'n':
        return Number(readUntil(';'));
      case 't':
        return true;
      case 'f':
        return false;
      case 'b':
        return BigInt(readUntil(';'));
      case '[': {
        const items: Key[] = [];
        while (pos < norm.length && norm.charAt(pos) !== ']') items.push(parse());
        if (pos >= norm.length) corrupt(norm);
        pos++;
        return items;
      }
      default:
        return corrupt(norm);
    }
  };
  const key = parse();
  if (pos !== norm.length) corrupt(norm);
  return key;
}
