// BatchKeyedInput: grouping by key, key-group order, timestamps kept per record, drains that stop and resume mid-key.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Key } from '../core/types.ts';
import { BatchKeyedInput, type KeyedFeed } from './keyed-input.ts';

function recorder(): { feed: KeyedFeed; log: string[] } {
  const log: string[] = [];
  return {
    log,
    feed: {
      startKey: (key: Key, kg: number) => { if (log.at(-1) !== `start ${String(key)}@${kg}`) log.push(`start ${String(key)}@${kg}`); },
      record: (r: unknown, t: number) => log.push(`  ${String(r)} t=${t}`),
      endKey: (key: Key) => log.push(`end ${String(key)}`),
    },
  };
}

test('records come out grouped by key, keys in key-group order then first arrival, records in arrival order with their timestamps', () => {
  const input = new BatchKeyedInput();
  input.add('b', 5, 'b1', Number.NaN);
  input.add('a', 9, 'a1', 10);
  input.add('c', 5, 'c1', Number.NaN);
  input.add('b', 5, 'b2', 7);
  input.add(['x', 1], 1, 'x1', 3);
  input.add('a', 9, 'a2', Number.NaN);
  input.add(['x', 1], 1, 'x2', 4);
  assert.equal(input.size, 7);
  assert.equal(input.keys, 4);
  const { feed, log } = recorder();
  assert.equal(input.drain(1000, feed), true);
  assert.deepEqual(log, [
    'start x,1@1', '  x1 t=3', '  x2 t=4', 'end x,1',
    'start b@5', '  b1 t=NaN', '  b2 t=7', 'end b',
    'start c@5', '  c1 t=NaN', 'end c',
    'start a@9', '  a1 t=10', '  a2 t=NaN', 'end a',
  ]);
});

test('a drain with a small budget stops mid-key and resumes there, setting the key again; every record is fed once', () => {
  const input = new BatchKeyedInput();
  for (let i = 0; i < 50; i++) input.add(`k${i % 3}`, i % 3, i, Number.NaN);
  const starts: string[] = [];
  const seen: number[] = [];
  let ends = 0;
  const feed: KeyedFeed = {
    startKey: (k) => starts.push(String(k)),
    record: (r) => seen.push(r as number),
    endKey: () => { ends++; },
  };
  let calls = 0;
  while (!input.drain(7, feed)) calls++;
  assert.ok(calls >= 6, `calls: ${calls}`);
  assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  assert.equal(ends, 3);
  assert.ok(starts.length > 3, 'a key resumed in a later call is set again');
  assert.deepEqual([...new Set(starts)], ['k0', 'k1', 'k2']);
  assert.equal(input.drain(7, feed), true, 'drained stays drained');
  assert.equal(seen.length, 50);
});
