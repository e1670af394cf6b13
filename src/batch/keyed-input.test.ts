// BatchKeyedInput: grouping by key, key-group order, timestamps kept per record, drains that stop and resume mid-key.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Key } from '../core/types.ts';
import { keyGroupFor } from '../state/index.ts';
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

/** Drains everything; per key (in feed order) its records and timestamps in the order fed. */
function drainAll(input: BatchKeyedInput, budget: number): { order: string[]; perKey: Map<string, string[]>; ends: number } {
  const order: string[] = [];
  const perKey = new Map<string, string[]>();
  let current = '';
  let ends = 0;
  const feed: KeyedFeed = {
    startKey: (k, kg) => { current = `${String(k)}@${kg}`; if (order.at(-1) !== current) order.push(current); },
    record: (r, t) => { const l = perKey.get(current) ?? []; l.push(`${JSON.stringify(r)} t=${t}`); perKey.set(current, l); },
    endKey: () => { ends++; },
  };
  while (!input.drain(budget, feed));
  return { order, perKey, ends };
}

test('past its memory budget the input spills sorted runs to disk and merges them: every key once, its records in arrival order, the same as unspilled', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-spill-test-'));
  try {
    type R = { k: string; i: number };
    const records: R[] = Array.from({ length: 8000 }, (_, i) => ({ k: `key-${(i * 7919) % 1201}`, i }));
    const kgOf = (k: string): number => keyGroupFor(k, 128);
    const fill = (input: BatchKeyedInput): void => {
      for (const r of records) input.add(r.k, kgOf(r.k), r, r.i % 3 === 0 ? r.i : Number.NaN);
    };
    const plain = new BatchKeyedInput();
    fill(plain);
    assert.equal(plain.spilledRuns, 0);
    const spilling = new BatchKeyedInput({ memoryBytes: 32 * 1024, dir, keyOf: (r) => (r as R).k });
    fill(spilling);
    assert.ok(spilling.spilledRuns >= 5, `spilled runs: ${spilling.spilledRuns}`);
    assert.ok(spilling.spilledBytes > 50_000, `spilled bytes: ${spilling.spilledBytes}`);
    assert.equal(readdirSync(dir).length, 1, 'one spill directory');
    const a = drainAll(plain, 100);
    const b = drainAll(spilling, 77);
    assert.equal(b.order.length, 1201, 'every key fed once (as one run of records)');
    assert.equal(b.ends, 1201);
    assert.deepEqual(new Map([...b.perKey].sort()), new Map([...a.perKey].sort()));
    // The merged order is (key group, key): key groups never go back.
    const groups = b.order.map((s) => Number(s.split('@')[1]));
    assert.deepEqual(groups, [...groups].sort((x, y) => x - y));
    spilling.dispose();
    assert.equal(readdirSync(dir).length, 0, 'dispose removes the runs');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
