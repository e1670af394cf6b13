// KeyMap: a map from primitive keys (strings, numbers, booleans, bigints) to values, for the per-record paths that
// look up a fresh string per record. Strings of up to 48 characters and int32 numbers go into the table below; any
// other key (a longer string, a fraction, NaN, a boolean, a bigint) into a Map beside it.
//
// Why not a Map: a key that comes out of a tokenizer is a new string object each time, so V8's Map.get first
// computes its hash in a builtin and then compares it with the stored key (another object): ~47 ns a lookup on
// this machine for words of ~6 characters, against ~25 ns here (docs/benchmarks.md, "Stop 24"), where the hash
// is a few multiplies per character inlined into the caller and the table is an Int32Array index and three arrays.
//
// Layout: open addressing with linear probing over `#index` (entry number + 1; 0 is an empty slot), capacity a
// power of two, at most half full. Entries are dense arrays (keys, values, hashes) in insertion order, so
// iteration is the order of first insertion as a Map's. delete() leaves the entry in place with a DELETED value
// (its slot keeps the probe chains intact); a later set() of the key revives it where it was; growing drops them.
//
// Hash flooding: the hash is seeded per process, but it is not a keyed cryptographic hash, so input made to
// collide could make probe chains long. A lookup or insert that probes more than MAX_PROBES slots moves every
// entry into a Map and the table works through that Map from then on: no input is ever quadratic.

/** Marks a deleted entry's value. */
const DELETED: unique symbol = Symbol('deleted');
/** Probes past this many slots mean the hash is colliding (at most half full, random keys need ~1.5). */
const MAX_PROBES = 64;
const MIN_CAPACITY = 16;
/**
 * Longer strings go to the Map beside the table: hashing in JS costs a multiply per character, which V8's native
 * hash beats past ~40–100 characters (fresh keys of 128 characters: 432 ms here against a Map's 307; of 32: 220
 * against 235; docs/benchmarks.md, "Stop 24").
 */
const MAX_HASHED_LENGTH = 48;

/** This process's hash seed (a table built from the same keys lays out differently per process). */
const SEED = (Math.random() * 0x100000000) | 0;

/** FNV-1a over UTF-16 code units from a seeded basis, then murmur3's finalizer so the low bits mix well. */
export function stringHash(s: string, seed: number = SEED): number {
  let h = (0x811c9dc5 ^ seed) | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** An int32 key's hash (-0 and 0 hash alike, as a Map takes them for one key). */
function intHash(n: number): number {
  let h = (n ^ SEED) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export interface KeyMapOptions {
  /** Replaces the hash (tests: a constant hash makes every key collide). */
  readonly hash?: (key: string) => number;
}

/** The keys a KeyMap takes: what state/key-encoding.ts normalizes keys to. */
export type PrimitiveKey = string | number | boolean | bigint;

export class KeyMap<V> {
  #index: Int32Array;
  #mask: number;
  #keys: (string | number)[] = [];
  #values: (V | typeof DELETED)[] = [];
  #hashes: number[] = [];
  #size = 0;
  #hash: (key: string) => number;
  /** Set once probing got long: every key of the table goes to this Map instead. */
  #fallback: Map<PrimitiveKey, V> | undefined = undefined;
  /** Changes when the entry arrays are rebuilt (growth, degrading): an iteration across that would skip entries. */
  #layout = 0;
  /** Keys that are neither short strings nor int32 numbers, made at the first one. */
  #other: Map<PrimitiveKey, V> | undefined = undefined;

  constructor(expected = 0, options: KeyMapOptions = {}) {
    let capacity = MIN_CAPACITY;
    while (capacity < expected * 2) capacity *= 2;
    this.#index = new Int32Array(capacity);
    this.#mask = capacity - 1;
    this.#hash = options.hash ?? stringHash;
  }

  /** Live entries. */
  get size(): number {
    return (this.#fallback === undefined ? this.#size : this.#fallback.size) + (this.#other === undefined ? 0 : this.#other.size);
  }

  /** Whether collisions moved the entries into a Map (tests, diagnostics). */
  get degraded(): boolean {
    return this.#fallback !== undefined;
  }

  get(key: PrimitiveKey): V | undefined {
    const h = this.#hashOf(key);
    if (h !== h) return this.#other?.get(key);
    if (this.#fallback !== undefined) return this.#fallback.get(key);
    const slot = this.#probe(h, key);
    if (slot < 0) {
      this.#degrade();
      return this.#fallback!.get(key);
    }
    const e = this.#index[slot]! - 1;
    if (e < 0) return undefined;
    const v = this.#values[e]!;
    return v === DELETED ? undefined : v;
  }

  /** Values are never undefined (get() returns undefined for an absent key), so this is get() !== undefined. */
  has(key: PrimitiveKey): boolean {
    return this.get(key) !== undefined;
  }

  /** Inserts or replaces; `value` must not be undefined. */
  set(key: PrimitiveKey, value: V): void {
    const h = this.#hashOf(key);
    if (h !== h) {
      (this.#other ??= new Map()).set(key, value);
      return;
    }
    if (key === 0) key = 0; // -0 is stored as 0, as a Map does
    if (this.#fallback !== undefined) {
      this.#fallback.set(key, value);
      return;
    }
    const slot = this.#probe(h, key);
    if (slot < 0) {
      this.#degrade();
      this.#fallback!.set(key, value);
      return;
    }
    const e = this.#index[slot]! - 1;
    if (e >= 0) {
      if (this.#values[e] === DELETED) this.#size++;
      this.#values[e] = value;
      return;
    }
    this.#index[slot] = this.#keys.length + 1;
    this.#keys.push(key as string | number);
    this.#values.push(value);
    this.#hashes.push(h);
    this.#size++;
    if (this.#keys.length * 2 > this.#mask + 1) this.#grow();
  }

  delete(key: PrimitiveKey): boolean {
    const h = this.#hashOf(key);
    if (h !== h) return this.#other?.delete(key) ?? false;
    if (this.#fallback !== undefined) return this.#fallback.delete(key);
    const slot = this.#probe(h, key);
    if (slot < 0) {
      this.#degrade();
      return this.#fallback!.delete(key);
    }
    const e = this.#index[slot]! - 1;
    if (e < 0 || this.#values[e] === DELETED) return false;
    this.#values[e] = DELETED;
    this.#size--;
    return true;
  }

  /** The table's hash of a key: short strings and int32 numbers; NaN for any other key (it goes to `#other`). */
  #hashOf(key: PrimitiveKey): number {
    if (typeof key === 'string') return key.length <= MAX_HASHED_LENGTH ? this.#hash(key) : Number.NaN;
    if (typeof key === 'number' && (key | 0) === key) return intHash(key);
    return Number.NaN;
  }

  /** The slot holding `key` (hash h), or the empty slot that ends its chain; -1 past MAX_PROBES (colliding input). */
  #probe(h: number, key: PrimitiveKey): number {
    const index = this.#index;
    const mask = this.#mask;
    let slot = h & mask;
    for (let probes = 0; probes < MAX_PROBES; probes++) {
      const e = index[slot]! - 1;
      if (e < 0 || (this.#hashes[e] === h && this.#keys[e] === key)) return slot;
      slot = (slot + 1) & mask;
    }
    return -1;
  }

  /**
   * Calls fn for every live entry: the table's keys (short strings, int32 numbers) in the order of their first
   * insertion (a deleted key set again keeps its first place), then the other keys in theirs.
   */
  forEach(fn: (value: V, key: PrimitiveKey) => void): void {
    if (this.#fallback !== undefined) {
      for (const [k, v] of this.#fallback) fn(v, k);
    } else {
      const keys = this.#keys;
      const values = this.#values;
      for (let e = 0; e < keys.length; e++) {
        const v = values[e]!;
        if (v !== DELETED) fn(v, keys[e]!);
      }
    }
    if (this.#other !== undefined) for (const [k, v] of this.#other) fn(v, k);
  }

  /** The live entries as [key, value] pairs, in forEach's order. The map must not grow while this runs. */
  *[Symbol.iterator](): IterableIterator<[PrimitiveKey, V]> {
    if (this.#fallback !== undefined) {
      yield* this.#fallback;
    } else {
      const keys = this.#keys;
      const values = this.#values;
      const layout = this.#layout;
      for (let e = 0; e < keys.length; e++) {
        if (this.#layout !== layout) throw new Error('internal: a KeyMap grew while it was iterated');
        const v = values[e]!;
        if (v !== DELETED) yield [keys[e]!, v];
      }
    }
    if (this.#other !== undefined) yield* this.#other;
  }

  /** The live keys, in forEach's order. */
  *keys(): IterableIterator<PrimitiveKey> {
    for (const [k] of this) yield k;
  }

  /** Doubles the slots (and drops deleted entries) when the entries fill half of them. */
  #grow(): void {
    this.#layout++;
    const keys = this.#keys;
    const values = this.#values;
    const hashes = this.#hashes;
    let live = 0;
    for (let e = 0; e < keys.length; e++) {
      if (values[e] === DELETED) continue;
      keys[live] = keys[e]!;
      values[live] = values[e]!;
      hashes[live] = hashes[e]!;
      live++;
    }
    keys.length = live;
    values.length = live;
    hashes.length = live;
    // At most a quarter full after growing, so the next growth is at least `live` inserts away.
    let capacity = this.#mask + 1;
    while (capacity < live * 4) capacity *= 2;
    const index = new Int32Array(capacity);
    const mask = capacity - 1;
    for (let e = 0; e < live; e++) {
      let slot = hashes[e]! & mask;
      let probes = 0;
      while (index[slot] !== 0) {
        slot = (slot + 1) & mask;
        if (++probes >= MAX_PROBES) {
          this.#index = index;
          this.#mask = mask;
          this.#degrade();
          return;
        }
      }
      index[slot] = e + 1;
    }
    this.#index = index;
    this.#mask = mask;
  }

  /** Moves the live entries, in order, into a Map that serves every later operation. */
  #degrade(): void {
    this.#layout++;
    const map = new Map<PrimitiveKey, V>();
    const keys = this.#keys;
    const values = this.#values;
    for (let e = 0; e < keys.length; e++) {
      const v = values[e]!;
      if (v !== DELETED) map.set(keys[e]!, v);
    }
    this.#fallback = map;
    this.#keys = [];
    this.#values = [];
    this.#hashes = [];
    this.#index = new Int32Array(MIN_CAPACITY);
    this.#mask = MIN_CAPACITY - 1;
    this.#size = 0;
  }
}
