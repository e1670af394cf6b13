// Tests of the JS UTF-8 loops against Node's own encoder and decoder, lone surrogates included.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { isUtf8 } from 'node:buffer';
import { invalidUtf8Offset, readShortAscii, readUtf8, writeUtf8 } from './utf8.ts';

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

test('invalidUtf8Offset agrees with Node on which byte strings are well-formed (property), and names the first bad byte', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 24 }), (bytes) => {
    const offset = invalidUtf8Offset(bytes, 0, bytes.length);
    assert.equal(offset === -1, isUtf8(bytes));
    if (offset >= 0) assert.equal(isUtf8(bytes.subarray(0, offset)), true, 'everything before the offset is well-formed');
  }), { numRuns: 3000 });
  const b = Buffer.from([0x61, 0xe2, 0x82, 0xac, 0x62, 0xc3, 0x28, 0x63]);
  assert.equal(invalidUtf8Offset(b, 0, b.length), 5, 'é cut by "(" at byte 5');
  assert.equal(invalidUtf8Offset(b, 0, 3), 1, 'a sequence cut by the end of the range');
  assert.equal(invalidUtf8Offset(Buffer.from('ok \uFFFD 😀'), 0, Buffer.byteLength('ok \uFFFD 😀')), -1, 'a real U+FFFD is well-formed');
  for (const bad of [[0xc0, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0x80]]) {
    assert.equal(invalidUtf8Offset(Buffer.from(bad), 0, bad.length), 0, bad.map((x) => x.toString(16)).join(' '));
  }
});

test('property: readShortAscii gives the string of ≤ 12 ASCII bytes and undefined when one byte is ≥ 0x80, reading only its own bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 12 }), fc.integer({ min: 0, max: 4 }), (raw, offset) => {
      // 0xff around the range: a read past it would turn an ASCII answer into undefined.
      const bytes = new Uint8Array(offset + raw.length + 13).fill(0xff);
      bytes.set(raw, offset);
      const ascii = raw.every((b) => b < 0x80);
      assert.equal(readShortAscii(bytes, offset, raw.length), ascii ? Buffer.from(raw).toString('latin1') : undefined);
      if (ascii) assert.equal(readUtf8(bytes, offset, offset + raw.length), Buffer.from(raw).toString('latin1'));
    }),
  );
  assert.equal(readShortAscii(new Uint8Array(20), 0, 13), undefined);
});
