// Tests of the FileSink's delimited lines (TSV/CSV straight into the chunk) against a plain RFC 4180 reader.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ConfigError, WeirError } from '../../core/errors.ts';
import { encodeDelimited, formatDelimited } from './delimited.ts';
import { FileSink } from './file-sink.ts';

/** Splits one line of delimited fields as RFC 4180 reads it (quoted fields, doubled quotes). */
function parseLine(line: string, delimiter: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        assert.ok(q >= 0, `unterminated quote in ${JSON.stringify(line)}`);
        field += line.slice(i, q);
        i = q + 1;
        if (line[i] === '"') {
          field += '"';
          i++;
        } else break;
      }
    } else {
      const d = line.indexOf(delimiter, i);
      const end = d < 0 ? line.length : d;
      field = line.slice(i, end);
      i = end;
    }
    fields.push(field);
    if (i >= line.length) return fields;
    assert.equal(line[i], delimiter, `field not followed by the delimiter in ${JSON.stringify(line)}`);
    i++;
  }
}

const field = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('a,b', 'say "hi"', 'two\nlines', 'cr\r', '\t', '"', ''),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt(),
);

const expected = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

test('encoded bytes equal the formatted line, and an RFC 4180 reader gets every field back', () => {
  const bytes = new Uint8Array(1 << 16);
  for (const delimiter of [',', '\t', ';']) {
    const code = delimiter.charCodeAt(0);
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 6 }), (record) => {
        const end = encodeDelimited(bytes, 3, bytes.length, record, code, 'sink');
        assert.ok(end >= 3);
        const line = formatDelimited(record, code, 'sink');
        assert.equal(Buffer.from(bytes.subarray(3, end)).toString('utf8'), line);
        // A record of one empty field is an empty line: nothing to split.
        if (line !== '') assert.deepEqual(parseLine(line, delimiter), record.map(expected));
      }),
      { numRuns: 300 },
    );
  }
});

test('integers are written digit by digit exactly as String(n) writes them', () => {
  const bytes = new Uint8Array(64);
  for (const n of [0, -0, 7, 10, 99, 100, 12345, -1, -10, -2147483648, 2147483647, 2147483648, 1e21, 0.5, -1.25e-7, NaN, Infinity]) {
    const end = encodeDelimited(bytes, 0, bytes.length, [n], 44, 'sink');
    assert.equal(Buffer.from(bytes.subarray(0, end)).toString('latin1'), String(n), `for ${n}`);
  }
});

test('a record that might not fit before the limit is refused (-1) instead of overrunning it', () => {
  const bytes = new Uint8Array(32);
  assert.equal(encodeDelimited(bytes, 0, 10, ['0123456789'], 44, 'sink'), -1);
  assert.equal(encodeDelimited(bytes, 0, 20, [1, 2], 44, 'sink'), -1, 'a number needs room for its longest form');
  assert.equal(encodeDelimited(bytes, 6, 6, [null, null], 44, 'sink'), -1, 'even empty fields need room for the delimiter');
  assert.equal(encodeDelimited(bytes, 0, 32, [null, null, 'x'], 44, 'sink'), 3);
});

test('records that are not tuples, or hold objects, fail naming the operator and the record', () => {
  const bytes = new Uint8Array(64);
  assert.throws(() => encodeDelimited(bytes, 0, 64, { a: 1 }, 44, 'Write counts'), (e: unknown) => e instanceof WeirError && /Write counts: record .*a.*1.* is not an array/.test(e.message));
  assert.throws(() => encodeDelimited(bytes, 0, 64, ['x', { y: 2 }], 44, 'Write counts'), (e: unknown) => e instanceof WeirError && /Write counts: record .* in field 1/.test(e.message));
  assert.throws(() => formatDelimited(['x', [1]], 44, 'Write counts'), /in field 1/);
});

test('FileSink options: the delimiter is one ASCII character other than a quote or a line break, and excludes format', () => {
  for (const bad of ['', 'ab', '"', '\n', '\r', 'é', 1]) {
    assert.throws(() => new FileSink('/tmp/x', { delimiter: bad as string }), (e: unknown) => e instanceof ConfigError && /'delimiter' must be one ASCII character/.test(e.message));
  }
  assert.throws(() => new FileSink<[string]>('/tmp/x', { delimiter: ',', format: String }), (e: unknown) => e instanceof ConfigError && /exclude each other/.test(e.message));
});

test('a FileSink with a delimiter writes every tuple as one line, across chunk boundaries and for fields longer than a chunk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-delimited-'));
  try {
    const sink = new FileSink<unknown[]>(dir, { delimiter: '\t' });
    const writer = sink.createWriter({ subtaskIndex: 0, parallelism: 1, operatorName: 'sink', checkpointing: true }, []);
    const records: unknown[][] = [];
    for (let i = 0; i < 30_000; i++) records.push([`wörd${i % 97}`, i, i % 3 === 0]);
    records.push(['é😀x'.repeat(60_000), 1], ['tab\there', 'quote"', -5]);
    for (let i = 0; i < 100; i++) records.push([`w${i}`, i * 0.5]);
    for (const r of records) writer.write(r);
    await writer.finish();
    await sink.createCommitter().commit(await writer.prepareCommit());
    const text = readdirSync(dir).filter((n) => n.startsWith('part-')).sort().map((n) => readFileSync(join(dir, n), 'utf8')).join('');
    const lines = text.slice(0, -1).split('\n');
    assert.equal(lines.length, records.length);
    for (let i = 0; i < records.length; i++) assert.deepEqual(parseLine(lines[i]!, '\t'), records[i]!.map(expected), `line ${i}`);
    assert.equal(lines[records.length - 101], '"tab\there"\t"quote"""\t-5');
    writer.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
