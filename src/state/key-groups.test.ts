// Tests of key-group arithmetic: ranges partition [0, maxP) and agree with the router's formula; hashing is stable.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ConfigError } from '../core/errors.ts';
import type { Key } from '../core/types.ts';
import {
  DEFAULT_MAX_PARALLELISM,
  KeyGroupRange,
  hashKey,
  intKeyGroup,
  keyGroupFor,
  murmur3Int32,
  murmur3String,
  operatorIndexForKeyGroup,
  stringKeyGroup,
  validateParallelism,
} from './key-groups.ts';

/** Slow textbook murmur3_x86_32 (seed 0) over bytes, as the reference. */
function referenceMurmur3(bytes: Uint8Array): number {
  const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));
  let h = 0;
  const nblocks = Math.floor(bytes.length / 4);
  for (let b = 0; b < nblocks; b++) {
    let k = bytes[4 * b]! | (bytes[4 * b + 1]! << 8) | (bytes[4 * b + 2]! << 16) | (bytes[4 * b + 3]! << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = rotl(k, 15);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = rotl(h, 13);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = nblocks * 4;
  let k = 0;
  const rem = bytes.length & 3;
  if (rem >= 3) k ^= bytes[tail + 2]! << 16;
  if (rem >= 2) k ^= bytes[tail + 1]! << 8;
  if (rem >= 1) {
    k ^= bytes[tail]!;
    k = Math.imul(k, 0xcc9e2d51);
    k = rotl(k, 15);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

test('murmur3 reference matches published vectors', () => {
  // Known murmur3_x86_32 values for seed 0.
  assert.equal(referenceMurmur3(new Uint8Array(0)) >>> 0, 0);
  assert.equal(referenceMurmur3(Buffer.from('hello', 'utf8')) >>> 0, 0x248bfa47);
  assert.equal(referenceMurmur3(Buffer.from('The quick brown fox jumps over the lazy dog', 'utf8')) >>> 0, 0x2e4ff723);
});

test('string hash equals murmur3 over the UTF-8 bytes (incl. surrogates, lone surrogates)', () => {
  // Also the 4-character ASCII blocks and where they stop: exact multiples, tails, a non-ASCII character in a later block.
  for (const s of ['', 'a', 'ab', 'abc', 'abcd', 'héllo', '€uro', '😀x', '\ud800', 'a\udc00b', '\u0000', 'abcdefgh', 'abcdefg', 'abcdé', 'abcdefghé😀', 'abcd\u007f\u0080xyz', 'wxyz\ud800abcd', 'aé', 'abé', 'abcdeé', 'abcdef€', 'abcdefg\ud83d']) {
    assert.equal(murmur3String(s), referenceMurmur3(Buffer.from(s, 'utf8')), JSON.stringify(s));
  }
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.fullUnicodeString(), fc.string16bits()), (s) => {
      assert.equal(hashKey(s), referenceMurmur3(Buffer.from(s, 'utf8')));
    }),
    { numRuns: 2000 },
  );
});

test('murmur3Int32 is non-negative, deterministic and spreads small ints', () => {
  fc.assert(fc.property(fc.integer({ min: -2147483648, max: 2147483647 }), (n) => {
    const h = murmur3Int32(n);
    assert.ok(Number.isInteger(h) && h >= 0 && h <= 2147483647);
    assert.equal(murmur3Int32(n), h);
  }));
  // It is the murmur3 of the int's 4 little-endian bytes, made non-negative.
  for (const n of [0, 1, -1, 42, 123456789]) {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    assert.equal(murmur3Int32(n), Math.abs(referenceMurmur3(b)));
  }
  const groups = new Set<number>();
  for (let i = 0; i < 1000; i++) groups.add(keyGroupFor(i, 128));
  assert.ok(groups.size > 120, `only ${groups.size} of 128 key groups used by keys 0..999`);
});

test('hashKey: int32 identity, floats, booleans, bigints, order-sensitive arrays', () => {
  assert.equal(hashKey(7), 7);
  assert.equal(hashKey(-3), -3);
  assert.equal(hashKey(0), hashKey(-0));
  assert.notEqual(hashKey(1.5), hashKey(2.5));
  assert.equal(hashKey(NaN), hashKey(Number.NaN));
  assert.notEqual(hashKey(true), hashKey(false));
  assert.equal(hashKey(12345678901234567890n), hashKey(12345678901234567890n));
  assert.notEqual(hashKey(['a', 'b']), hashKey(['b', 'a']));
  assert.equal(hashKey(['a', [1, 2n]]), hashKey(['a', [1, 2n]]));
});

const keyArb: fc.Arbitrary<Key> = fc.letrec<{ key: Key }>((tie) => ({
  key: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.bigInt(),
    fc.array(tie('key'), { maxLength: 3 }),
  ),
})).key;

test('keyGroupFor is deterministic and in range for arbitrary keys', () => {
  fc.assert(
    fc.property(keyArb, fc.integer({ min: 1, max: 32768 }), (key, maxP) => {
      const kg = keyGroupFor(key, maxP);
      assert.ok(Number.isInteger(kg) && kg >= 0 && kg < maxP);
      assert.equal(keyGroupFor(structuredClone(key), maxP), kg);
    }),
    { numRuns: 1000 },
  );
});

test('int32 keys: the fast path (intKeyGroup) gives the key group of murmur3Int32(hashKey(k)) % maxP, pinned for savepoints', () => {
  // Pinned: these are where state of these keys lives in existing checkpoints and savepoints.
  const keys = [0, 1, -1, 7, 999, 123456789, -2147483648, 2147483647, -0];
  const pinned: [number, number[]][] = [
    [128, [94, 86, 80, 113, 69, 81, 108, 62, 94]],
    [100, [54, 78, 48, 21, 9, 49, 32, 34, 54]],
    [1, [0, 0, 0, 0, 0, 0, 0, 0, 0]],
    [32768, [31198, 16342, 15184, 4337, 27205, 22865, 10348, 19646, 31198]],
  ];
  for (const [maxP, groups] of pinned) {
    assert.deepEqual(keys.map((k) => keyGroupFor(k, maxP)), groups, `maxParallelism ${maxP}`);
    assert.deepEqual(keys.map((k) => intKeyGroup(k, maxP)), groups, `maxParallelism ${maxP}`);
  }
  fc.assert(
    fc.property(fc.integer({ min: -2147483648, max: 2147483647 }), fc.integer({ min: 1, max: 32768 }), (k, maxP) => {
      const general = murmur3Int32(hashKey(k)) % maxP;
      assert.equal(intKeyGroup(k, maxP), general);
      assert.equal(keyGroupFor(k, maxP), general);
    }),
    { numRuns: 5000 },
  );
  // Powers of two take the mask: every one of them, on keys around 0 and the int32 ends.
  for (let maxP = 1; maxP <= 32768; maxP *= 2) {
    for (const k of [0, 1, 2, 3, -1, -2, 1000, 65535, -2147483648, 2147483647, 2147483646]) assert.equal(keyGroupFor(k, maxP), murmur3Int32(hashKey(k)) % maxP);
  }
  // Numbers off the int32 path keep the general formula.
  for (const k of [1.5, -0.25, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY]) assert.equal(keyGroupFor(k, 128), murmur3Int32(hashKey(k)) % 128);
});

test('ranges partition [0, maxP) contiguously and agree with operatorIndexForKeyGroup', () => {
  const check = (maxP: number, p: number) => {
    const ranges = Array.from({ length: p }, (_, i) => KeyGroupRange.forOperator(maxP, p, i));
    let next = 0;
    for (const r of ranges) {
      assert.equal(r.start, next, 'contiguous and in order');
      assert.ok(r.size >= 1);
      next = r.end + 1;
    }
    assert.equal(next, maxP, 'covers all key groups');
    // Every key group lands in exactly one subtask, and that subtask's range contains it.
    for (let kg = 0; kg < maxP; kg++) {
      const owner = operatorIndexForKeyGroup(maxP, p, kg);
      assert.ok(ranges[owner]!.contains(kg), `kg ${kg} not in range of subtask ${owner} (maxP ${maxP}, p ${p})`);
      assert.equal(ranges.filter((r) => r.contains(kg)).length, 1);
    }
  };
  check(128, 1);
  check(128, 3);
  check(128, 128);
  check(32768, 7);
  check(1, 1);
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 32768 }).chain((maxP) => fc.tuple(fc.constant(maxP), fc.integer({ min: 1, max: maxP }))),
      ([maxP, p]) => {
        let next = 0;
        for (let i = 0; i < p; i++) {
          const r = KeyGroupRange.forOperator(maxP, p, i);
          assert.equal(r.start, next);
          assert.equal(operatorIndexForKeyGroup(maxP, p, r.start), i);
          assert.equal(operatorIndexForKeyGroup(maxP, p, r.end), i);
          next = r.end + 1;
        }
        assert.equal(next, maxP);
      },
    ),
    { numRuns: 200 },
  );
  // Large parallelism near maxP (the boundary case), sampled.
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 32768 }), fc.integer({ min: 0, max: 1 << 30 }), (maxP, seed) => {
      const p = maxP - (seed % Math.min(maxP, 5));
      const kg = seed % maxP;
      const owner = operatorIndexForKeyGroup(maxP, p, kg);
      assert.ok(owner >= 0 && owner < p);
      assert.ok(KeyGroupRange.forOperator(maxP, p, owner).contains(kg));
    }),
  );
});

test('validateParallelism names the setting', () => {
  assert.equal(DEFAULT_MAX_PARALLELISM, 128);
  validateParallelism(4, 128);
  assert.throws(() => validateParallelism(0, 128), (e: unknown) => e instanceof ConfigError && /parallelism must be an integer >= 1/.test(e.message));
  assert.throws(() => validateParallelism(1.5, 128), ConfigError);
  assert.throws(() => validateParallelism(1, 0), /maxParallelism/);
  assert.throws(() => validateParallelism(1, 32769), /maxParallelism/);
  assert.throws(() => validateParallelism(200, 128), /must not exceed maxParallelism/);
  assert.throws(() => KeyGroupRange.forOperator(128, 4, 4), ConfigError);
});

test('string keys: the fast path (stringKeyGroup, a mask at powers of two) gives murmur3Int32(hashKey(k)) % maxP, pinned for savepoints', () => {
  // Against the general formula, which decides where state of these keys lives in existing checkpoints.
  const keys = ['', 'a', 'the', 'word', 'Wörter', '日本', '\u{1F600}'];
  const general = (k: string, maxP: number) => murmur3Int32(hashKey(k)) % maxP;
  for (const maxP of [128, 100, 1, 32768]) {
    assert.deepEqual(keys.map((k) => stringKeyGroup(k, maxP)), keys.map((k) => general(k, maxP)), `maxParallelism ${maxP}`);
    assert.deepEqual(keys.map((k) => keyGroupFor(k, maxP)), keys.map((k) => general(k, maxP)), `maxParallelism ${maxP}`);
  }
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.integer({ min: 1, max: 32768 }), (k, maxP) => {
      assert.equal(stringKeyGroup(k, maxP), general(k, maxP));
      assert.equal(stringKeyGroup(k, 1 << (maxP % 16)), general(k, 1 << (maxP % 16)));
    }),
    { numRuns: 3000 },
  );
});
