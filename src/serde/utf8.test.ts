// Tests of the JS UTF-8 loops against Node's own encoder and decoder, lone surrogates included.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { readUtf8, writeUtf8 } from './utf8.ts';

function jsBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length * 3 + 2);
  const end = writeUtf8(bytes, 1, text);
  return bytes.subarray(1, end);
}

test('writeUtf8 produces the bytes Buffer produces, lone surrogates as U+FFFD', () => {
  for (const text of ['', 'abc', 'é', '€', '😀', '\ud800', 'a\udc00', '\ud83d\ude00\ud83d', '\uffff\u0800\u07ff\u0080\u007f']) {
    assert.deepStrictEqual(Buffer.from(jsBytes(text)), Buffer.from(text, 'utf8'), JSON.stringify(text));
  }
});

test('property: writeUtf8 agrees with Buffer and readUtf8 with Buffer#toString for any UTF-16 string', () => {
  // Any UTF-16 code unit, so lone and reversed surrogates are generated too (the 'binary' unit never makes them).
  const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
  const units = fc.oneof(fc.string({ unit: codeUnit, maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme-ascii', maxLength: 14 }));
  fc.assert(
    fc.property(units, (text) => {
      const bytes = jsBytes(text);
      const expected = Buffer.from(text, 'utf8');
      assert.deepStrictEqual(Buffer.from(bytes), expected);
      assert.equal(readUtf8(expected, 0, expected.length), expected.toString('utf8'));
    }),
    { numRuns: 500 },
  );
});

test('readUtf8 reads a range inside a larger array', () => {
  const bytes = Buffer.from('xxhéllo😀yy', 'utf8');
  assert.equal(readUtf8(bytes, 2, bytes.length - 2), 'héllo😀');
  assert.equal(readUtf8(bytes, 2, 2), '');
});
