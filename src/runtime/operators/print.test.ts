// Tests of print(): Flink's line format, the subtask prefix, and one write per batch rather than per record.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OperatorHarness } from '../../testing/index.ts';
import { formatRecord } from './print.ts';

test('formatRecord: tuples as (a,b) with nested objects as JSON, objects as JSON, the rest with String()', () => {
  assert.equal(formatRecord(['word', 3]), '(word,3)');
  assert.equal(formatRecord([]), '()');
  assert.equal(formatRecord([1, { a: 1 }, [2, 3], null, undefined, true]), '(1,{"a":1},[2,3],null,undefined,true)');
  assert.equal(formatRecord({ k: 'x', n: 2 }), '{"k":"x","n":2}');
  assert.equal(formatRecord(42), '42');
  assert.equal(formatRecord('plain'), 'plain');
});

test('print writes its lines in batches: nothing per record, everything by finish, prefixed per subtask when parallel', async () => {
  const writes: string[] = [];
  const h = OperatorHarness.forSpec({ kind: 'print', prefix: 'out', stream: 'stdout' }, { parallelism: 2, subtaskIndex: 1 });
  await h.open();
  const context = h.operator.context;
  const writeText = context.writeText.bind(context);
  (context as { writeText: typeof writeText }).writeText = (stream, text) => { writes.push(text); writeText(stream, text); };
  for (let i = 0; i < 1000; i++) h.processElement([`w${i}`, i]);
  assert.equal(writes.length, 0, 'a few records stay in one pending string');
  await h.finish();
  assert.equal(writes.length, 1);
  const lines = h.text.stdout.split('\n');
  assert.equal(lines.length, 1001);
  assert.equal(lines[0], 'out:2> (w0,0)');
  assert.equal(lines[999], 'out:2> (w999,999)');
});
