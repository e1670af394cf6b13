// Key-group arithmetic shared by the hash partitioner and the state backends (DESIGN invariant 3).
//
// A key is hashed once (`hashKey`), the hash is scrambled again (`murmur3Int32`) so that
// weak user hashes (small ints, sequential ids) still spread, and the result modulo
// maxParallelism is the key group. Subtask i of p owns the contiguous key groups
// [ceil(i*M/p), ceil((i+1)*M/p) - 1]; equivalently key group g belongs to floor(g*p/M).
// Both forms are kept because the router needs the second and the backend the first;
// the tests prove they agree.

import { ConfigError } from '../core/errors.ts';
import type { Key } from '../core/types.ts';

/** Max parallelism used when a job sets none: the number of key groups. */
export const DEFAULT_MAX_PARALLELISM = 128;
/** The largest max parallelism: key groups are stored as 16-bit-sized indices in places. */
export const UPPER_BOUND_MAX_PARALLELISM = 32768;

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mixK(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

function mixH(h: number, k: number): number {
  h ^= mixK(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/**
 * Scrambles a 32-bit int: the murmur3 body over one 4-byte block (seed 0), then the
 * finalizer, then made non-negative (the one value with no positive twin maps to 0).
 */
export function murmur3Int32(code: number): number {
  const h = fmix(mixH(0, code | 0) ^ 4);
  return h >= 0 ? h : h === -2147483648 ? 0 : -h;
}

/** UTF-8 bytes of one non-ASCII code point (reused: hashing is synchronous, no reentry). */
const utf8 = new Uint8Array(4);

/**
 * murmur3_x86_32 (seed 0) of the UTF-8 encoding of `s`, encoded inline from charCodeAt
 * (Buffer.from first costs ~4x the hash). Lone surrogates encode as U+FFFD, like Buffer.
 * The state lives in locals (module-level variables cost ~2x in this loop); ASCII takes
 * the short path, other code points go through `utf8`.
 */
export function murmur3String(s: string): number {
  let h = 0;
  const n = s.length;
  // Four ASCII characters are one 4-byte block: mixed in here, written out (no calls, no per-byte bookkeeping).
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const c0 = s.charCodeAt(i);
    const c1 = s.charCodeAt(i + 1);
    const c2 = s.charCodeAt(i + 2);
    const c3 = s.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) >= 0x80) break;
    let b = Math.imul(c0 | (c1 << 8) | (c2 << 16) | (c3 << 24), C1);
    b = (b << 15) | (b >>> 17);
    h ^= Math.imul(b, C2);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i === n) return fmix(h ^ n);
  // The rest byte by byte (what follows is block-aligned: i bytes so far, all ASCII).
  let k = 0;
  let shift = 0;
  let len = i;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      k |= c << shift;
      shift += 8;
      len++;
      if (shift === 32) {
        h = mixH(h, k);
        k = 0;
        shift = 0;
      }
      continue;
    }
    let m: number;
    if (c < 0x800) {
      utf8[0] = 0xc0 | (c >> 6);
      utf8[1] = 0x80 | (c & 63);
      m = 2;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        const cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
        utf8[0] = 0xf0 | (cp >> 18);
        utf8[1] = 0x80 | ((cp >> 12) & 63);
        utf8[2] = 0x80 | ((cp >> 6) & 63);
        utf8[3] = 0x80 | (cp & 63);
        m = 4;
        i++;
      } else {
        utf8[0] = 0xef;
        utf8[1] = 0xbf;
        utf8[2] = 0xbd;
        m = 3;
      }
    } else {
      utf8[0] = 0xe0 | (c >> 12);
      utf8[1] = 0x80 | ((c >> 6) & 63);
      utf8[2] = 0x80 | (c & 63);
      m = 3;
    }
    for (let j = 0; j < m; j++) {
      k |= utf8[j]! << shift;
      shift += 8;
      len++;
      if (shift === 32) {
        h = mixH(h, k);
        k = 0;
        shift = 0;
      }
    }
  }
  if (shift !== 0) h ^= mixK(k);
  return fmix(h ^ len);
}

const f64 = new Float64Array(1);
const i32 = new Int32Array(f64.buffer);

/**
 * A 32-bit hash of a key, stable across processes and Node versions (it decides where
 * state lives in a checkpoint). int32 numbers hash to themselves; other numbers by their
 * float64 bits (NaN canonical); arrays combine their elements' hashes in order.
 */
export function hashKey(key: Key): number {
  switch (typeof key) {
    case 'string':
      return murmur3String(key);
    case 'number':
      if ((key | 0) === key) return key | 0;
      if (key !== key) return 0x7ff80000;
      f64[0] = key;
      return (i32[0]! ^ Math.imul(i32[1]!, 31)) | 0;
    case 'boolean':
      return key ? 1231 : 1237;
    case 'bigint':
      return murmur3String(key.toString()) ^ 0x5bd1e995;
    default: {
      let h = 1;
      for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + hashKey(key[i]!)) | 0;
      return h;
    }
  }
}

/** The key group of a key: murmur3Int32(hashKey(key)) mod maxParallelism (int32 numbers: intKeyGroup, the same value). */
export function keyGroupFor(key: Key, maxParallelism: number): number {
  if (typeof key === 'number' && (key | 0) === key) return intKeyGroup(key, maxParallelism);
  if (typeof key === 'string') return stringKeyGroup(key, maxParallelism);
  return murmur3Int32(hashKey(key)) % maxParallelism;
}

/**
 * keyGroupFor of a string key: murmur3Int32 is never negative, so with a power-of-two maxParallelism
 * (the default 128) a mask gives the remainder without the integer division. The record writer calls it
 * for string keys directly.
 */
export function stringKeyGroup(k: string, maxParallelism: number): number {
  const h = murmur3Int32(murmur3String(k));
  return (maxParallelism & (maxParallelism - 1)) === 0 ? h & (maxParallelism - 1) : h % maxParallelism;
}

/**
 * keyGroupFor of an int32 number key (hashKey(k) = k), written out in one function: murmur3Int32
 * without its helper calls (in a long chain of inlined per-record calls V8's inlining budget runs
 * out before such leaves, and three calls cost more than the hash), and a mask instead of the
 * integer division when maxParallelism is a power of two (the default 128). The key-groups tests
 * check it against murmur3Int32(hashKey(k)) % maxParallelism.
 */
export function intKeyGroup(k: number, maxParallelism: number): number {
  let x = Math.imul(k | 0, C1);
  x = Math.imul((x << 15) | (x >>> 17), C2);
  let h = (x << 13) | (x >>> 19);
  h = ((Math.imul(h, 5) + 0xe6546b64) | 0) ^ 4;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h = (h ^ (h >>> 16)) | 0;
  if (h < 0) h = h === -2147483648 ? 0 : -h;
  return (maxParallelism & (maxParallelism - 1)) === 0 ? h & (maxParallelism - 1) : h % maxParallelism;
}

/** The subtask (0-based) that owns a key group at the given parallelism. */
export function operatorIndexForKeyGroup(maxParallelism: number, parallelism: number, keyGroup: number): number {
  return Math.floor((keyGroup * parallelism) / maxParallelism);
}

/** A contiguous, inclusive range of key groups owned by one subtask. */
export class KeyGroupRange {
  readonly start: number;
  /** Inclusive. */
  readonly end: number;

  constructor(start: number, end: number) {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start) {
      throw new ConfigError(`invalid key group range [${start}, ${end}]: need integers with 0 <= start <= end`);
    }
    this.start = start;
    this.end = end;
  }

  get size(): number {
    return this.end - this.start + 1;
  }

  contains(keyGroup: number): boolean {
    return keyGroup >= this.start && keyGroup <= this.end;
  }

  /** The range of subtask `operatorIndex` of `parallelism`, over key groups [0, maxParallelism). */
  static forOperator(maxParallelism: number, parallelism: number, operatorIndex: number): KeyGroupRange {
    validateParallelism(parallelism, maxParallelism);
    if (!Number.isInteger(operatorIndex) || operatorIndex < 0 || operatorIndex >= parallelism) {
      throw new ConfigError(`operator index ${operatorIndex} is out of [0, ${parallelism})`);
    }
    const start = Math.ceil((operatorIndex * maxParallelism) / parallelism);
    const end = Math.ceil(((operatorIndex + 1) * maxParallelism) / parallelism) - 1;
    return new KeyGroupRange(start, end);
  }

  toString(): string {
    return `KeyGroupRange[${this.start}..${this.end}]`;
  }
}

/** Checks a parallelism against a max parallelism, naming the setting at fault. */
export function validateParallelism(parallelism: number, maxParallelism: number): void {
  if (!Number.isInteger(maxParallelism) || maxParallelism < 1 || maxParallelism > UPPER_BOUND_MAX_PARALLELISM) {
    throw new ConfigError(`maxParallelism must be an integer in [1, ${UPPER_BOUND_MAX_PARALLELISM}], got ${String(maxParallelism)}`);
  }
  if (!Number.isInteger(parallelism) || parallelism < 1) {
    throw new ConfigError(`parallelism must be an integer >= 1, got ${String(parallelism)}`);
  }
  if (parallelism > maxParallelism) {
    throw new ConfigError(`parallelism (${parallelism}) must not exceed maxParallelism (${maxParallelism}): each subtask needs at least one key group`);
  }
}
