// Tests of the batch codec: round trips per shape, fallback, unicode, key groups, scratch reuse, properties.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { WeirError } from '../core/errors.ts';
import { FORMAT_TYPED, FORMAT_V8, HEADER_BYTES, KIND_F64, KIND_I32, KIND_NUMBER, OFFSET_COLUMNS, OFFSET_FORMAT, OFFSET_USED } from './batch-format.ts';
import { BatchEncoder, DecodeScratch, decodeBatch, encodeBatch } from './index.ts';

function formatOf(buffer: ArrayBufferLike): number {
  return new DataView(buffer).getUint8(OFFSET_FORMAT);
}

function roundTrip(records: readonly unknown[], keyGroups: Int32Array | null = null): { records: unknown[]; format: number } {
  const buffer = encodeBatch(records, records.length, keyGroups, undefined);
  const decoded = decodeBatch(buffer);
  return { records: decoded.records, format: formatOf(buffer) };
}

/** deepStrictEqual uses Object.is for primitives, so -0 vs 0 and NaN are compared exactly. */
function assertTyped(records: readonly unknown[]): void {
  const out = roundTrip(records);
  assert.equal(out.format, FORMAT_TYPED, 'expected the typed codec');
  assert.deepStrictEqual(out.records, records);
}

test('primitive batches round-trip through the typed codec', () => {
  assertTyped(['a', '', 'hello world', 'x'.repeat(300)]);
  assertTyped([0, -0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 53, -(2 ** 53), 1.5, NaN, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE]);
  assertTyped([true, false, true]);
  assertTyped([null, null]);
});

test('a field that changes primitive type is widened, not sent to the fallback', () => {
  assertTyped([1, 'two', true, null, 3.5]);
  assertTyped([['a', 1], ['b', null], [3, 'c'], [false, true]]);
  assertTyped([{ k: 'a', v: 1 }, { k: null, v: 'x' }]);
});

test('tuples round-trip, including null elements and an empty tuple', () => {
  assertTyped([['word', 1], ['other', -0], ['', NaN]]);
  assertTyped([[null, 'a', true, 1e300], [null, 'b', false, -1e-300]]);
  assertTyped([[], []]);
});

test('plain objects round-trip with key order and prototype kept', () => {
  assertTyped([{ word: 'a', count: 1 }, { word: 'b', count: 2.5 }]);
  const nullProto = [Object.assign(Object.create(null) as object, { a: 1, b: 'x' }), Object.assign(Object.create(null) as object, { a: 2, b: 'y' })];
  const out = roundTrip(nullProto);
  assert.equal(out.format, FORMAT_TYPED);
  assert.equal(Object.getPrototypeOf(out.records[0]), null);
  assert.deepStrictEqual(out.records, nullProto);
  const decoded = roundTrip([{ b: 1, a: 2, 1: 'x' }]).records[0] as object;
  assert.deepStrictEqual(Object.keys(decoded), ['1', 'b', 'a']);
});

test('decode gives fresh arrays and objects per record and per call', () => {
  const buffer = encodeBatch([['a', 1], ['a', 1]], 2, null);
  const first = decodeBatch(buffer).records;
  const second = decodeBatch(buffer).records;
  assert.notEqual(first[0], first[1]);
  assert.notEqual(first[0], second[0]);
  const objects = decodeBatch(encodeBatch([{ a: 1 }, { a: 1 }], 2, null)).records;
  assert.notEqual(objects[0], objects[1]);
});

test('batches with records of another shape fall back to v8 as a whole', () => {
  const cases: unknown[][] = [
    [['a', 1], ['b', 2, 3]], // tuple of another length
    [['a', 1], { a: 1 }],
    [{ a: 1, b: 2 }, { b: 2, a: 1 }], // same keys, other order
    [{ a: 1, b: 2 }, { a: 1 }],
    [{ a: 1 }, { a: 1, b: 2 }],
    [{ a: 1 }, { a: { nested: true } }],
    [1, [1]],
    [['a', undefined]],
    [{ a: undefined }],
    [new Date(5), new Date(6)],
    [new Map([['k', 1]])],
    [10n, 20n],
    [undefined, 1],
    [[[1, 2], [3]]],
    [new Uint8Array([1, 2, 3])],
  ];
  for (const records of cases) {
    const out = roundTrip(records);
    assert.equal(out.format, FORMAT_V8, `expected fallback for ${String(records.length)} records starting with ${typeof records[0]}`);
    assert.deepStrictEqual(out.records, records);
  }
});

test('class instances fall back and come back as plain objects (structured clone)', () => {
  class Point {
    constructor(readonly x: number, readonly y: number) {}
  }
  const out = roundTrip([new Point(1, 2)]);
  assert.equal(out.format, FORMAT_V8);
  assert.deepStrictEqual({ ...(out.records[0] as object) }, { x: 1, y: 2 });
});

test('an own __proto__ key falls back instead of setting the prototype', () => {
  const record = JSON.parse('{"__proto__": 5, "a": 1}') as object;
  const out = roundTrip([record]);
  assert.equal(out.format, FORMAT_V8);
  assert.equal(Object.getPrototypeOf(out.records[0]), Object.prototype);
  assert.deepStrictEqual(Object.keys(out.records[0] as object), ['__proto__', 'a']);
});

test('records that cannot be cloned raise a WeirError naming the record', () => {
  assert.throws(
    () => encodeBatch([{ a: 1 }, { a: () => 1 }], 2, null),
    (error: unknown) => error instanceof WeirError && error.code === 'WEIR_SERDE_UNSUPPORTED' && error.message.includes('record 1'),
  );
});

test('unicode strings round-trip, short (JS loops) and long (Buffer)', () => {
  const samples = ['é', 'naïve café', '日本語のテキスト', '😀', 'a😀b👨‍👩‍👧c', '\u0000\u007f\u0080\u07ff\u0800\uffff', '𝄞'.repeat(30), '中'.repeat(43), 'ü'.repeat(500), '😀'.repeat(1000)];
  assertTyped(samples);
  assertTyped(samples.map((s, i) => [s, i]));
});

test('lone surrogates become U+FFFD (UTF-8 cannot carry them), short and long alike', () => {
  const lone = ['\ud800', 'a\udc00b', 'x\ud83d', '\udfff\ud800'];
  const { records } = roundTrip([...lone, 'y'.repeat(100) + '\ud800']);
  assert.deepStrictEqual(records, ['\ufffd', 'a\ufffdb', 'x\ufffd', '\ufffd\ufffd', 'y'.repeat(100) + '\ufffd']);
});

test('an empty batch round-trips, with and without key groups', () => {
  assert.deepStrictEqual(decodeBatch(encodeBatch([], 0, null)), { records: [], keyGroups: null });
  assert.deepStrictEqual(decodeBatch(encodeBatch([1, 2], 0, new Int32Array(0))), { records: [], keyGroups: new Int32Array(0) });
});

test('only records[0..count) are encoded', () => {
  const records = [['a', 1], ['b', 2], ['c', 3], { not: 'a tuple' }];
  const buffer = encodeBatch(records, 2, new Int32Array([7, 8, 9, 10]));
  assert.equal(formatOf(buffer), FORMAT_TYPED, 'records past count do not force the fallback');
  assert.deepStrictEqual(decodeBatch(buffer), { records: [['a', 1], ['b', 2]], keyGroups: new Int32Array([7, 8]) });
  const fallback = encodeBatch([new Date(1), new Date(2), new Date(3)], 1, null);
  assert.deepStrictEqual(decodeBatch(fallback).records, [new Date(1)]);
});

test('key groups travel with both formats and come back as a fresh Int32Array', () => {
  const groups = new Int32Array([0, 32767, 127, 5]);
  for (const records of [['a', 'b', 'c', 'd'], [new Date(0), new Date(1), new Date(2), new Date(3)]]) {
    const buffer = encodeBatch(records, 4, groups);
    const decoded = decodeBatch(buffer);
    assert.deepStrictEqual(decoded.keyGroups, groups);
    assert.notEqual(decoded.keyGroups, groups);
    assert.deepStrictEqual(decoded.records, records);
  }
  assert.equal(decodeBatch(encodeBatch(['a'], 1, null)).keyGroups, null);
});

test('bad arguments are rejected with a WeirError', () => {
  const isArgumentError = (error: unknown): boolean => error instanceof WeirError && error.code === 'WEIR_SERDE_ARGUMENT';
  assert.throws(() => encodeBatch(['a'], 2, null), isArgumentError);
  assert.throws(() => encodeBatch(['a'], -1, null), isArgumentError);
  assert.throws(() => encodeBatch(['a', 'b'], 2, new Int32Array(1)), isArgumentError);
  assert.throws(() => encodeBatch(['a'], 1, new Int32Array([32768])), isArgumentError);
  assert.throws(() => encodeBatch(['a'], 1, new Int32Array([-1])), isArgumentError);
});

test('scratch is reused when large enough, and the used length is in the header', () => {
  const first = encodeBatch(['a', 'b'], 2, null);
  const scratch = new ArrayBuffer(4096);
  const reused = encodeBatch([['x', 1], ['y', 2]], 2, null, scratch);
  assert.equal(reused, scratch);
  const used = new DataView(reused).getUint32(OFFSET_USED, true);
  assert.ok(used > 0 && used < 4096);
  assert.deepStrictEqual(decodeBatch(reused).records, [['x', 1], ['y', 2]]);
  // Reusing a scratch that held a larger batch leaves no trace of it.
  const again = encodeBatch(['z'], 1, null, reused);
  assert.equal(again, scratch);
  assert.deepStrictEqual(decodeBatch(again).records, ['z']);
  // The fallback reuses it too.
  assert.equal(encodeBatch([new Date(0)], 1, null, scratch), scratch);
  assert.deepStrictEqual(decodeBatch(scratch).records, [new Date(0)]);
  assert.ok(first.byteLength > 0);
});

test('a too-small or detached scratch is not a problem: the buffer grows by doubling', () => {
  const small = new ArrayBuffer(32);
  const records = Array.from({ length: 2000 }, (_, i) => [`word${i}`, i * 1.5]);
  const grown = encodeBatch(records, records.length, null, small);
  assert.notEqual(grown, small);
  assert.deepStrictEqual(decodeBatch(grown).records, records);
  const detached = new ArrayBuffer(1024);
  structuredClone(detached, { transfer: [detached] });
  assert.equal(detached.byteLength, 0);
  assert.deepStrictEqual(decodeBatch(encodeBatch(['a'], 1, null, detached)).records, ['a']);
});

test('decode rejects buffers that are not batches', () => {
  const isCorrupt = (error: unknown): boolean => error instanceof WeirError && error.code === 'WEIR_SERDE_CORRUPT';
  assert.throws(() => decodeBatch(new ArrayBuffer(4)), isCorrupt);
  assert.throws(() => decodeBatch(new ArrayBuffer(64)), isCorrupt);
  const buffer = encodeBatch(['hello', 'world'], 2, null);
  new DataView(buffer).setUint32(OFFSET_USED, buffer.byteLength + 1, true);
  assert.throws(() => decodeBatch(buffer), isCorrupt);
  const truncated = encodeBatch(['hello', 'world'], 2, null);
  const used = new DataView(truncated).getUint32(OFFSET_USED, true);
  new DataView(truncated).setUint32(OFFSET_USED, used - 3, true);
  assert.throws(() => decodeBatch(truncated), isCorrupt);
  const numbers = encodeBatch([1.5, 2.5], 2, null);
  new DataView(numbers).setUint32(OFFSET_USED, new DataView(numbers).getUint32(OFFSET_USED, true) - 4, true);
  assert.throws(() => decodeBatch(numbers), isCorrupt);
});

// fc.string() with the full-unicode unit set may produce lone surrogates, which UTF-8 turns into
// U+FFFD by design (tested above); the properties use well-formed strings only.
const text = fc.string({ unit: 'grapheme', maxLength: 60 });
const anyDouble = fc.oneof(fc.double(), fc.constantFrom(-0, 0, NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 53), 2 ** 31, -(2 ** 31)), fc.integer());

test('property: [string, number] tuples round-trip exactly (Object.is on numbers)', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(text, anyDouble), { maxLength: 80 }), (records) => {
      const buffer = encodeBatch(records, records.length, null);
      if (records.length > 0) assert.equal(formatOf(buffer), FORMAT_TYPED);
      assert.deepStrictEqual(decodeBatch(buffer).records, records);
    }),
    { numRuns: 200 },
  );
});

test('property: {word, count} objects round-trip exactly, with key groups', () => {
  const record = fc.record({ word: text, count: anyDouble });
  fc.assert(
    fc.property(fc.array(record, { maxLength: 80 }), (records) => {
      const keyGroups = Int32Array.from(records, (_, i) => (i * 7919) % 32768);
      const buffer = encodeBatch(records, records.length, keyGroups);
      if (records.length > 0) assert.equal(formatOf(buffer), FORMAT_TYPED);
      assert.deepStrictEqual(decodeBatch(buffer), { records, keyGroups });
    }),
    { numRuns: 200 },
  );
});

test('property: arbitrary JSON values round-trip, whichever codec is chosen', () => {
  const json = fc.jsonValue({ maxDepth: 3 });
  fc.assert(
    fc.property(fc.array(json, { maxLength: 30 }), (records) => {
      assert.deepStrictEqual(decodeBatch(encodeBatch(records, records.length, null)).records, records);
    }),
    { numRuns: 300 },
  );
});

test('property: scratch reuse never leaks a previous batch into the next', () => {
  fc.assert(
    fc.property(fc.array(fc.array(fc.tuple(text, anyDouble), { maxLength: 40 }), { minLength: 2, maxLength: 5 }), (batches) => {
      let scratch: ArrayBuffer | undefined;
      for (const records of batches) {
        scratch = encodeBatch(records, records.length, null, scratch);
        assert.deepStrictEqual(decodeBatch(scratch).records, records);
      }
    }),
    { numRuns: 100 },
  );
});

test('event-time timestamps round-trip with the records (typed and v8 formats), NaN meaning none', () => {
  const ts = new Float64Array([5, Number.NaN, -3.5, 1.7e12]);
  for (const records of [[1, 2, 3, 4], [{ a: 1 }, 'x', [2], null]]) {
    const decoded = decodeBatch(encodeBatch(records, 4, new Int32Array([0, 1, 2, 127]), undefined, ts));
    assert.deepEqual(decoded.records, records);
    assert.deepEqual(Array.from(decoded.keyGroups!), [0, 1, 2, 127]);
    assert.deepEqual(Array.from(decoded.timestamps!), Array.from(ts));
  }
  assert.equal(decodeBatch(encodeBatch([1], 1, null)).timestamps, undefined);
});

test('BatchEncoder (record by record, as a writer emits) gives what encodeBatch gives: typed, widened, mixed shapes, empty, with columns', () => {
  const batches: unknown[][] = [
    [['a', 1], ['b', 2], ['c', 3]],
    [['a', 1], ['b', 'two'], ['c', null]], // the second field widens: finish falls back to encodeBatch
    [{ w: 'x', n: 1 }, { w: 'y', n: 2 }],
    [{ w: 'x', n: 1 }, ['not', 'an object']], // another shape: v8
    [{ w: 'x', n: 1 }, { w: 'y', n: 2 }, { w: 'z', n: 'three' }], // the third record fails after writing its first field
    [[1, 2], [3, 4], [5, 6.5]], // an int32 column widens to float64 at the last record
    [1, 2.5, -0, NaN],
    [new Date(0), new Date(1)], // no typed schema at all
    ['only'],
  ];
  let spare: ArrayBufferLike | undefined;
  const encoder = new BatchEncoder(() => { const s = spare; spare = undefined; return s; });
  for (const records of batches) {
    for (const r of records) encoder.add(r);
    const keyGroups = Int32Array.from(records, (_, i) => i * 3);
    const timestamps = Float64Array.from(records, (_, i) => (i % 2 === 0 ? i * 10 : Number.NaN));
    const buffer = encoder.finish(records.length, keyGroups, timestamps);
    const decoded = decodeBatch(buffer);
    assert.deepStrictEqual(decoded.records, records);
    assert.deepStrictEqual(decoded.keyGroups, keyGroups);
    assert.deepEqual(Array.from(decoded.timestamps!), Array.from(timestamps));
    assert.equal(formatOf(buffer), formatOf(encodeBatch(records, records.length, keyGroups, undefined, timestamps)));
    spare = buffer; // the consumer gives it back: the next batch is written over it
  }
});

test('BatchEncoder copies each record as it is added (a record writer keeps none of a remote batch), also when a later record does not fit', () => {
  for (const last of [['z', 3], ['z', 'three'], { not: 'a tuple' }] as unknown[]) {
    const encoder = new BatchEncoder();
    const records: unknown[] = [['a', 1], ['b', 2], last];
    const first = records[0] as [string, number];
    encoder.add(first);
    encoder.add(records[1]);
    first[1] = 100; // changed after it was added: the batch has the value at add
    encoder.add(last);
    assert.equal(encoder.count, 3);
    assert.deepStrictEqual(decodeBatch(encoder.finish(3, null, null)).records, [['a', 1], ['b', 2], last]);
    first[1] = 1;
  }
  const encoder = new BatchEncoder();
  encoder.add(1);
  assert.throws(() => encoder.finish(2, null, null), /2 records asked, 1 added/);
});

/**
 * Encodes the batches one after the other through one BatchEncoder that reuses the buffer it returned last,
 * and checks each decodes to its records (with `alsoEncodeBatch`, through encodeBatch into that buffer too).
 */
function assertRoundTrips(batches: unknown[][], alsoEncodeBatch: boolean): void {
  let spare: ArrayBufferLike | undefined;
  const encoder = new BatchEncoder(() => spare);
  for (const records of batches) {
    for (const r of records) encoder.add(r);
    const buffer = encoder.finish(records.length, null, null);
    assert.deepStrictEqual(decodeBatch(buffer).records, records);
    if (alsoEncodeBatch) assert.deepStrictEqual(decodeBatch(encodeBatch(records, records.length, null, spare)).records, records);
    spare = buffer;
  }
}

test('property: BatchEncoder round-trips any JSON batch, reusing returned buffers without leaking a previous batch', () => {
  const json = fc.jsonValue({ maxDepth: 2 });
  const tuples = fc.array(fc.tuple(text, anyDouble), { maxLength: 40 });
  fc.assert(
    fc.property(fc.array(fc.oneof(tuples, fc.array(json, { maxLength: 20 })), { minLength: 1, maxLength: 6 }), (batches) => assertRoundTrips(batches, false)),
    { numRuns: 150 },
  );
});

/** The kind bytes of a typed batch's schema (u8 shape, u32 field count, then one u8 a field). */
function kindsOf(buffer: ArrayBufferLike): number[] {
  const view = new DataView(buffer);
  const fields = view.getUint32(HEADER_BYTES + 1, true);
  return Array.from({ length: fields }, (_, f) => view.getUint8(HEADER_BYTES + 5 + f));
}

const specialNumbers = [0, -0, 1, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 31, -(2 ** 31), 2 ** 53, -(2 ** 53), Number.MIN_VALUE, Number.MAX_VALUE];

test('all-number records (numbers, tuples of any arity, objects) travel as one float64 column, bit-exact', () => {
  const shapes: unknown[][] = [
    specialNumbers,
    specialNumbers.map((n) => [n]),
    specialNumbers.map((n, i) => [n, i]),
    specialNumbers.map((n, i) => [i, n, -i]),
    specialNumbers.map((n, i) => [i, n, -i, n]),
    specialNumbers.map((n, i) => [i, n, -i, n, 7, 8.5]),
    // key lengths that leave the schema at every offset mod 8 (the column must still start aligned)
    specialNumbers.map((n, i) => ({ a: n, bcd: i })),
    specialNumbers.map((n, i) => ({ x: n, yy: i, zzzzzzz: -n })),
    specialNumbers.map((n) => ({ 'quo"te\\': n, 'ünï': 2, '1': 3, constructor: 4 })),
  ];
  for (const records of shapes) {
    const buffer = encodeBatch(records, records.length, null);
    assert.equal(formatOf(buffer), FORMAT_TYPED);
    assert.ok(kindsOf(buffer).every((k) => k === KIND_F64), `float64 kinds for ${JSON.stringify(records[0])}`);
    assertTyped(records);
  }
  const nullProto = [1, 2].map((n) => Object.assign(Object.create(null) as object, { a: n, b: -0 }));
  const out = roundTrip(nullProto);
  assert.equal(Object.getPrototypeOf(out.records[0]), null);
  assert.deepStrictEqual(out.records, nullProto);
  // Key order (integer-like keys first, as for...in lists them) and the columns come back too.
  const decoded = decodeBatch(encodeBatch([{ b: 1, a: 2, 1: 3 }, { b: 4, a: 5, 1: 6 }], 2, new Int32Array([5, 32767]), undefined, new Float64Array([NaN, 7])));
  assert.deepStrictEqual(Object.keys(decoded.records[1] as object), ['1', 'b', 'a']);
  assert.deepStrictEqual(decoded.keyGroups, new Int32Array([5, 32767]));
  assert.deepStrictEqual(Array.from(decoded.timestamps!), [NaN, 7]);
});

test('all-int32 records travel as an int32 column; the first other number (or -0) widens the batch to float64', () => {
  const ints = [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 42];
  const shapes: unknown[][] = [ints, ints.map((n, i) => [n, i, 3 - i]), ints.map((n, i) => ({ t: n, key: i }))];
  for (const records of shapes) {
    for (const encode of [(r: unknown[]) => encodeBatch(r, r.length, null), (r: unknown[]) => encodeWithBatchEncoder(r)]) {
      const buffer = encode(records);
      assert.ok(kindsOf(buffer).every((k) => k === KIND_I32), `int32 kinds for ${JSON.stringify(records[0])}`);
      assert.deepStrictEqual(decodeBatch(buffer).records, records);
      for (const other of [2 ** 31, -0, 0.5, NaN]) {
        const wide = records.map((r, i) => (i !== 3 ? r : typeof r === 'number' ? other : Array.isArray(r) ? [r[0], other, r[2]] : { ...(r as object), key: other }));
        const widened = encode(wide);
        assert.ok(kindsOf(widened).every((k) => k === KIND_F64), `float64 kinds after ${other}`);
        assert.deepStrictEqual(decodeBatch(widened).records, wide);
      }
    }
  }
});

test('a BatchEncoder that widened once starts its next batches as float64, still exact', () => {
  const encoder = new BatchEncoder();
  const batches = [[[1, 2], [3, 4.5]], [[1, 2], [3, 4]], [[5, 6]]];
  const kinds: number[][] = [];
  for (const records of batches) {
    for (const r of records) encoder.add(r);
    const buffer = encoder.finish(records.length, null, null);
    kinds.push(kindsOf(buffer));
    assert.deepStrictEqual(decodeBatch(buffer).records, records);
  }
  assert.deepStrictEqual(kinds, [[KIND_F64, KIND_F64], [KIND_F64, KIND_F64], [KIND_F64, KIND_F64]]);
});

test('a non-number in an all-number batch widens that field (tagged numbers again); another shape falls back to v8', () => {
  const widened = [[1, 2], [3, 'x'], [5, null]];
  for (const encode of [(r: unknown[]) => encodeBatch(r, r.length, null), (r: unknown[]) => encodeWithBatchEncoder(r)]) {
    const buffer = encode(widened);
    assert.equal(formatOf(buffer), FORMAT_TYPED);
    assert.deepStrictEqual(kindsOf(buffer), [KIND_NUMBER, 4 /* KIND_ANY */]);
    assert.deepStrictEqual(decodeBatch(buffer).records, widened);
    for (const mismatched of [[[1, 2], [1, 2, 3]], [[1, 2], { 0: 1, 1: 2 }], [{ a: 1 }, { b: 1 }], [{ a: 1 }, { a: 1, b: 2 }], [1, [1]], [[1, 2], [1, undefined]]]) {
      const fallback = encode(mismatched);
      assert.equal(formatOf(fallback), FORMAT_V8, JSON.stringify(mismatched));
      assert.deepStrictEqual(decodeBatch(fallback).records, mismatched);
    }
    const objects = [{ a: 1, b: 2 }, { a: 'one', b: 3 }];
    assert.deepStrictEqual(decodeBatch(encode(objects)).records, objects);
  }
});

function encodeWithBatchEncoder(records: readonly unknown[]): ArrayBufferLike {
  const encoder = new BatchEncoder();
  for (const r of records) encoder.add(r);
  return encoder.finish(records.length, null, null);
}

test('decode rejects corrupt number-column batches: kinds mixed with float64, a truncated column, a __proto__ key', () => {
  const isCorrupt = (error: unknown): boolean => error instanceof WeirError && error.code === 'WEIR_SERDE_CORRUPT';
  for (const other of [KIND_NUMBER, KIND_I32]) {
    const mixed = encodeBatch([[1.5, 2]], 1, null);
    new DataView(mixed).setUint8(HEADER_BYTES + 5, other);
    assert.throws(() => decodeBatch(mixed), isCorrupt);
  }
  // The columns offset moved back 8 bytes (with the used length): the column would run past the records' end.
  const short = encodeBatch([[1, 2], [3, 4]], 2, null);
  const view = new DataView(short);
  view.setUint32(OFFSET_COLUMNS, view.getUint32(OFFSET_COLUMNS, true) - 8, true);
  view.setUint32(OFFSET_USED, view.getUint32(OFFSET_USED, true) - 8, true);
  assert.throws(() => decodeBatch(short), isCorrupt);
  // A key of the same length as "__proto__", rewritten in place (our encoder never writes that key).
  for (const value of [1, 'x']) {
    const proto = encodeBatch([{ __protoXX: value }], 1, null);
    const bytes = new Uint8Array(proto);
    const at = Buffer.from(bytes).indexOf('__protoXX');
    assert.ok(at > 0);
    bytes.set(Buffer.from('__proto__'), at);
    assert.throws(() => decodeBatch(proto), isCorrupt);
  }
});

test('property: number tuples and objects round-trip exactly through both encoders, reusing buffers', () => {
  const tuples = fc.integer({ min: 0, max: 7 }).chain((n) => fc.array(fc.array(anyDouble, { minLength: n, maxLength: n }), { maxLength: 60 }));
  const objects = fc.array(fc.record({ t: anyDouble, key: anyDouble, value: anyDouble }), { maxLength: 60 });
  fc.assert(
    fc.property(fc.array(fc.oneof(tuples, objects, fc.array(anyDouble, { maxLength: 60 })), { minLength: 1, maxLength: 5 }), (batches) => assertRoundTrips(batches, true)),
    { numRuns: 200 },
  );
});

test('decoding into a scratch gives what a fresh decode gives, batch after batch of every shape, in the same reused arrays', () => {
  const scratch = new DecodeScratch();
  const batches: unknown[][] = [
    Array.from({ length: 1500 }, (_, i) => i * 7),
    [1.5, -0, NaN],
    Array.from({ length: 40 }, (_, i) => [i, `s${i}`]),
    Array.from({ length: 700 }, (_, i) => ({ a: i, b: i / 2 })),
    [new Date(0), 'fallback'],
    Array.from({ length: 1100 }, (_, i) => `w${i}`),
  ];
  let firstRecords: unknown[] | undefined;
  batches.forEach((records, b) => {
    const keyGroups = Int32Array.from(records, (_, i) => (i * 31 + b) % 32768);
    const timestamps = b % 2 === 0 ? Float64Array.from(records, (_, i) => i * 1000 + b) : null;
    const buffer = encodeBatch(records, records.length, keyGroups, new SharedArrayBuffer(64), timestamps);
    const fresh = decodeBatch(buffer);
    const reused = decodeBatch(buffer, scratch);
    assert.deepStrictEqual(reused.records, records);
    assert.deepStrictEqual(reused.records, fresh.records);
    assert.deepStrictEqual(Array.from(reused.keyGroups!), Array.from(keyGroups));
    if (timestamps === null) assert.equal(reused.timestamps, undefined);
    else assert.deepStrictEqual(Array.from(reused.timestamps!), Array.from(timestamps));
    // The typed codec decodes into the scratch's own array (cut or grown to the batch); the v8 fallback's is its own.
    if (formatOf(buffer) === FORMAT_TYPED) {
      firstRecords ??= reused.records;
      assert.equal(reused.records, firstRecords);
      assert.equal(reused.keyGroups!.buffer, scratch.keyGroups.buffer);
    }
  });
});

test('BatchEncoder.addMany encodes what add one record at a time does: int32 runs, -0, doubles, other shapes, full buffers', () => {
  const value = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constantFrom(-0, 0.5, 2 ** 40, NaN), fc.string({ maxLength: 3 }));
  fc.assert(fc.property(fc.array(fc.array(value, { maxLength: 70 }), { maxLength: 6 }), fc.boolean(), (runs, smallScratch) => {
    const scratch = (): ArrayBufferLike => new SharedArrayBuffer(smallScratch ? 64 : 16 * 1024);
    const many = new BatchEncoder(scratch);
    const one = new BatchEncoder(scratch);
    const records = runs.flat();
    for (const run of runs) {
      many.addMany(run, run.length);
      for (const r of run) one.add(r);
    }
    assert.equal(many.count, records.length);
    const a = decodeBatch(many.finish(records.length, null, null)).records;
    const b = decodeBatch(one.finish(records.length, null, null)).records;
    assert.deepStrictEqual(a, records);
    assert.deepStrictEqual(a, b);
  }), { numRuns: 300 });
  // Past the 16 KB buffer: the int32 loop stops at its end and add grows it.
  const big = Array.from({ length: 6000 }, (_, i) => i - 3000);
  const encoder = new BatchEncoder(() => new SharedArrayBuffer(16 * 1024));
  for (let i = 0; i < big.length; i += 64) encoder.addMany(big.slice(i, i + 64), Math.min(64, big.length - i));
  const buffer = encoder.finish(big.length, null, null);
  assert.ok(buffer.byteLength > 16 * 1024);
  assert.deepStrictEqual(decodeBatch(buffer).records, big);
});

/** The bytes of a batch's records (schema included), between the header and the columns. */
function pairBytesOf(buffer: ArrayBufferLike): Uint8Array {
  const view = new DataView(buffer);
  return new Uint8Array(buffer, HEADER_BYTES, view.getUint32(OFFSET_COLUMNS, true) - HEADER_BYTES).slice();
}

/** A record with each of its strings as UTF-8 gives it back (lone surrogates as U+FFFD). */
function viaUtf8(record: unknown): unknown {
  if (typeof record === 'string') return Buffer.from(record, 'utf8').toString('utf8');
  return Array.isArray(record) ? record.map(viaUtf8) : record;
}

test('property: [string, number] tuples through the pair loops (addMany, encodeBatch) decode to the records encoded, and addMany writes what add writes', () => {
  const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
  // ASCII, multi-byte, any code unit (lone surrogates), empty, ≤ 12 bytes (the short path), up to and past the short-string limit.
  const text = fc.oneof(
    fc.string({ unit: 'grapheme-ascii', maxLength: 12 }),
    fc.string({ maxLength: 14 }),
    fc.string({ unit: codeUnit, maxLength: 14 }),
    fc.string({ unit: 'binary', maxLength: 50 }),
    fc.constantFrom('', 'a', 'naïve', '\ud800', 'x'.repeat(12), 'y'.repeat(13), 'z'.repeat(42), 'w'.repeat(43), '😀'.repeat(21), '\u007f'.repeat(12), '\u0080'),
  );
  const number = fc.oneof(fc.integer(), fc.constantFrom(1, 0, -0, NaN, Infinity, 2 ** 31, -(2 ** 31), 1.5), fc.double());
  // Now and then a record of another shape or kind, after which the batch leaves the pair loop (held, widened, fallback).
  const odd = fc.constantFrom<unknown>(['a', 'b'], [1, 2], ['a', 1, 2], 'a', null, ['a', null], [true, 1]);
  const record = fc.oneof({ arbitrary: fc.tuple(text, number), weight: 20 }, { arbitrary: odd, weight: 1 });
  // A bound on the reused buffer's size (4 K bytes is the smallest spare BatchEncoder reuses) makes the pair loop grow it.
  fc.assert(
    fc.property(fc.array(record, { minLength: 1, maxLength: 400 }), fc.integer({ min: 1, max: 70 }), (records, run) => {
      const expected = records.map(viaUtf8);
      const groups = Int32Array.from(records, (_, i) => i % 128);
      const many = new BatchEncoder(() => new ArrayBuffer(4096));
      for (let i = 0; i < records.length; i += run) {
        const slice = records.slice(i, i + run);
        many.addMany(slice, slice.length);
      }
      const one = new BatchEncoder(() => new ArrayBuffer(4096));
      for (const r of records) one.add(r);
      const a = many.finish(records.length, groups, null);
      const b = one.finish(records.length, groups, null);
      const whole = encodeBatch(records, records.length, groups, undefined);
      // Typed batches byte for byte (v8's bytes for the fallback may tell packed from holey arrays: compared decoded only).
      assert.equal(formatOf(a), formatOf(whole));
      if (formatOf(whole) === FORMAT_TYPED) {
        assert.deepStrictEqual(pairBytesOf(a), pairBytesOf(whole));
        assert.deepStrictEqual(pairBytesOf(b), pairBytesOf(whole));
      }
      for (const buffer of [a, whole]) {
        const decoded = decodeBatch(buffer, new DecodeScratch());
        // UTF-8 carries a lone surrogate as U+FFFD; the v8 fallback keeps it, except in the records a BatchEncoder had
        // already written typed before the one that sent the batch to the fallback (it decodes them back: U+FFFD).
        if (formatOf(buffer) === FORMAT_TYPED) assert.deepStrictEqual(decoded.records, expected);
        else assert.deepStrictEqual(decoded.records.map(viaUtf8), records.map(viaUtf8));
        assert.deepStrictEqual(Array.from(decoded.keyGroups!), Array.from(groups));
      }
    }),
    { numRuns: 300 },
  );
});

test('[string, number] tuples: the pair loops write the bytes of the field-by-field path, and decode rejects a bad number tag or a truncated pair', () => {
  const records: [string, number][] = [['ab', 1], ['', -0], ['naïve', 2 ** 40], ['\ud800x', NaN], ['q'.repeat(42), -5], ['r'.repeat(43), 7]];
  const buffer = encodeBatch(records, records.length, null, undefined);
  // The same fields written one by one: a field widened to KIND_ANY would change the bytes, so build the expected bytes by hand.
  const expected: number[] = [];
  for (const [text, value] of records) {
    const utf8 = Buffer.from(text, 'utf8');
    if (text.length <= 42) expected.push(utf8.length);
    else expected.push(0x80 | (utf8.length & 0x7f), (utf8.length >>> 7) & 0xff, (utf8.length >>> 15) & 0xff, (utf8.length >>> 23) & 0xff);
    expected.push(...utf8);
    const number = new DataView(new ArrayBuffer(9));
    if ((value | 0) === value && !Object.is(value, -0)) { number.setUint8(0, 3); number.setInt32(1, value, true); expected.push(...new Uint8Array(number.buffer, 0, 5)); }
    else { number.setUint8(0, 4); number.setFloat64(1, value, true); expected.push(...new Uint8Array(number.buffer)); }
  }
  const body = pairBytesOf(buffer);
  // The schema: shape, u32 field count, two kinds (8 bytes), then the records.
  assert.deepStrictEqual(Array.from(body.subarray(7)), expected);
  assert.deepStrictEqual(decodeBatch(buffer).records, records.map(([t, v]) => [Buffer.from(t, 'utf8').toString(), v]));

  const bytes = new Uint8Array(buffer);
  const firstTag = HEADER_BYTES + 7 + 1 + 2;
  assert.equal(bytes[firstTag], 3);
  const bad = buffer.slice(0);
  new Uint8Array(bad)[firstTag] = 9;
  assert.throws(() => decodeBatch(bad), (e: unknown) => e instanceof WeirError && e.code === 'WEIR_SERDE_CORRUPT' && /number tag 9/.test(e.message));
  // A pair whose string runs past the records' end (a length byte made larger).
  const long = buffer.slice(0);
  const view = new DataView(long);
  const lastAt = view.getUint32(OFFSET_COLUMNS, true);
  new Uint8Array(long)[HEADER_BYTES + 7] = 12;
  view.setUint32(OFFSET_COLUMNS, HEADER_BYTES + 7 + 5, true);
  view.setUint32(OFFSET_USED, HEADER_BYTES + 7 + 5, true);
  assert.ok(lastAt > HEADER_BYTES + 12);
  assert.throws(() => decodeBatch(long), (e: unknown) => e instanceof WeirError && e.code === 'WEIR_SERDE_CORRUPT');
});
