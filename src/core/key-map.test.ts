// KeyMap against a Map: the same answers for every operation, order of iteration, growth, deletes, and the
// fallback to a Map when keys collide.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyMap, stringHash, type PrimitiveKey } from './key-map.ts';

/** A deterministic generator (xorshift32), so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

function entries<V>(m: KeyMap<V>): [PrimitiveKey, V][] {
  const out: [PrimitiveKey, V][] = [];
  m.forEach((v, k) => out.push([k, v]));
  return out;
}

/** Random operations on both; after each, the same get/has/size; at the end the same entries in a Map's order. */
function differential(seed: number, ops: number, keySpace: number, options?: { hash?: (s: string) => number }): KeyMap<number> {
  const next = rng(seed);
  const km = new KeyMap<number>(0, options);
  const model = new Map<PrimitiveKey, number>();
  // Fresh string objects each time (built from parts), as a tokenizer's keys are; some non-ASCII and an empty one;
  // int32 numbers (negative ones too) in the same table; fractions and strings past 48 characters beside it.
  const keyOf = (i: number): PrimitiveKey =>
    i === 0 ? '' : i % 7 === 0 ? `é${i}ß` : i % 5 === 0 ? (i % 2 === 0 ? -i : i) : i % 11 === 0 ? i + 0.5 : i % 13 === 0 ? `${'long key '.repeat(6)}${i}` : `w${i}`.slice(0);
  for (let op = 0; op < ops; op++) {
    const key = keyOf(Math.floor(next() * keySpace));
    const r = next();
    if (r < 0.55) {
      km.set(key, op);
      model.set(key, op);
    } else if (r < 0.7) {
      assert.equal(km.delete(key), model.delete(key), `delete(${String(key)}) at op ${op}`);
    } else {
      assert.equal(km.get(key), model.get(key), `get(${String(key)}) at op ${op}`);
      assert.equal(km.has(key), model.has(key));
    }
    assert.equal(km.size, model.size, `size at op ${op}`);
  }
  // Map's order puts a deleted-then-set key last; KeyMap keeps its first place. Compare as sets of entries.
  const byKey = (a: [PrimitiveKey, number], b: [PrimitiveKey, number]): number => `${typeof a[0]}${String(a[0])}`.localeCompare(`${typeof b[0]}${String(b[0])}`);
  const got = entries(km).sort(byKey);
  const want = [...model].sort(byKey);
  assert.deepEqual(got, want);
  return km;
}

test('KeyMap answers as a Map does through random sets, deletes and gets, growing from empty', () => {
  for (const [seed, keys] of [[1, 10], [2, 300], [3, 5000], [4, 40000]] as const) {
    const km = differential(seed, 60000, keys);
    assert.equal(km.degraded, false, `random keys never fill a probe chain (seed ${seed})`);
  }
});

test('KeyMap iterates string and int32 keys in the order of their first insertion, then the other keys in theirs', () => {
  const km = new KeyMap<string>();
  km.set('b', 'B');
  km.set(3, 'three');
  km.set('a', 'A');
  km.set(true, 'yes');
  km.set(10n, 'ten');
  km.set('c', 'C');
  km.set('b', 'B2');
  km.set(0.5, 'half');
  km.set(-0, 'zero');
  km.set(Number.NaN, 'nan');
  const long = 'a key longer than the table hashes: '.repeat(2);
  km.set(long, 'long');
  assert.equal(km.get(long.slice(0)), 'long');
  assert.equal(km.delete(long), true);
  assert.equal(km.get(long), undefined);
  assert.deepEqual(entries(km), [['b', 'B2'], [3, 'three'], ['a', 'A'], ['c', 'C'], [0, 'zero'], [true, 'yes'], [10n, 'ten'], [0.5, 'half'], [Number.NaN, 'nan']]);
  assert.equal(km.size, 9);
  assert.equal(km.get(0), 'zero', '-0 and 0 are one key, as in a Map');
  assert.equal(km.get(Number.NaN), 'nan', 'NaN finds NaN, as in a Map');
  assert.equal(km.get(0.5), 'half');
  assert.equal(km.delete(0.5), true);
  assert.equal(km.delete(Number.NaN), true);
  assert.equal(km.delete(-0), true);
  assert.equal(km.delete('a'), true);
  assert.equal(km.delete('a'), false, 'already gone');
  assert.equal(km.delete(3), true);
  assert.equal(km.delete(4), false);
  assert.equal(km.get('a'), undefined);
  assert.equal(km.get(3), undefined);
  assert.equal(km.get(10n), 'ten', 'a bigint key found by value');
  assert.equal(km.get('3'), undefined, 'the string "3" is not the number 3');
  km.set('a', 'A again');
  assert.deepEqual(entries(km), [['b', 'B2'], ['a', 'A again'], ['c', 'C'], [true, 'yes'], [10n, 'ten']], 'a key set again after its delete keeps its first place');
  assert.deepEqual([...km], entries(km), 'the iterator lists what forEach does');
  assert.deepEqual([...km.keys()], ['b', 'a', 'c', true, 10n]);
  assert.equal(km.size, 5);
});

test('KeyMap keeps every entry through many growths, with deletes dropped on the way', () => {
  const km = new KeyMap<number>();
  const n = 100000;
  for (let i = 0; i < n; i++) km.set(`key-${i}`, i);
  for (let i = 0; i < n; i += 2) assert.equal(km.delete(`key-${i}`), true);
  for (let i = n; i < n + 50000; i++) km.set(`key-${i}`, i);
  assert.equal(km.size, n / 2 + 50000);
  for (let i = 0; i < n + 50000; i++) assert.equal(km.get(`key-${i}`), i < n && i % 2 === 0 ? undefined : i);
  const order = entries(km).map(([, v]) => v);
  assert.deepEqual(order, [...order].sort((a, b) => a - b), 'insertion order survives the compaction of deleted entries');
});

test('KeyMap moves into a Map when every key collides, and answers the same before and after', () => {
  const constant = (): number => 42;
  const km = differential(5, 5000, 200, { hash: constant });
  assert.equal(km.degraded, true, 'a chain longer than the probe limit moved the entries into a Map');
  // Degrading in the middle of an insert keeps what was there and the key being inserted.
  const small = new KeyMap<number>(0, { hash: constant });
  for (let i = 0; i < 200; i++) small.set(`k${i}`, i);
  assert.equal(small.degraded, true);
  assert.equal(small.size, 200);
  for (let i = 0; i < 200; i++) assert.equal(small.get(`k${i}`), i);
  assert.deepEqual(entries(small).map(([, v]) => v), Array.from({ length: 200 }, (_, i) => i), 'insertion order kept through the move');
});

test('stringHash: equal strings hash equal whatever object holds them; the seed changes the hash', () => {
  const a = 'straße';
  const b = ['str', 'aße'].join('');
  assert.equal(stringHash(a), stringHash(b));
  assert.notEqual(stringHash('abc', 1), stringHash('abc', 2));
  // The low bits spread: 4096 consecutive keys over 1024 buckets leave few empty.
  const buckets = new Set<number>();
  for (let i = 0; i < 4096; i++) buckets.add(stringHash(`w${i}`) & 1023);
  assert.ok(buckets.size > 950, `${buckets.size} of 1024 buckets used`);
});
