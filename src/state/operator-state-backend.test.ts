// Tests of operator (non-keyed) list state and its redistribution on rescale.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ConfigError } from '../core/errors.ts';
import { ListStateDescriptor } from './descriptors.ts';
import { OperatorStateBackend, redistributeOperatorState, type OperatorStateSnapshot } from './operator-state-backend.ts';

const offsets = new ListStateDescriptor<number>('offsets');
const seen = new ListStateDescriptor<string>('seen');

test('snapshot copies the items; restore refills registered and later-registered states', () => {
  const b = new OperatorStateBackend();
  const s = b.getListState(offsets);
  s.addAll([1, 2]);
  b.getUnionListState(seen).add('a');
  const snap = b.snapshot();
  s.add(3);
  assert.deepEqual(snap, { offsets: { mode: 'split', items: [1, 2] }, seen: { mode: 'union', items: ['a'] } });
  assert.deepEqual(s.get(), [1, 2, 3]);
  assert.throws(() => b.getUnionListState(offsets), ConfigError);

  const r = new OperatorStateBackend();
  const early = r.getListState(offsets);
  r.restore(snap);
  assert.deepEqual(early.get(), [1, 2]);
  assert.deepEqual(r.snapshot().seen, { mode: 'union', items: ['a'] }, 'not yet registered state survives a checkpoint');
  assert.deepEqual(r.getUnionListState(seen).get(), ['a']);
  assert.throws(() => new OperatorStateBackend().restore(snap) ?? r.getListState(seen), ConfigError);
});

test('split redistribution: up and down, contiguous near-even chunks in subtask order', () => {
  const old: OperatorStateSnapshot[] = [
    { offsets: { mode: 'split', items: [1, 2, 3] } },
    { offsets: { mode: 'split', items: [4, 5] } },
  ];
  assert.deepEqual(
    redistributeOperatorState(old, 3).map((s) => s.offsets!.items),
    [[1, 2], [3, 4], [5]],
  );
  assert.deepEqual(redistributeOperatorState(old, 1).map((s) => s.offsets!.items), [[1, 2, 3, 4, 5]]);
  assert.deepEqual(
    redistributeOperatorState(old, 7).map((s) => s.offsets!.items),
    [[1], [2], [3], [4], [5], [], []],
  );
  fc.assert(
    fc.property(fc.array(fc.array(fc.integer(), { maxLength: 10 }), { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 8 }), (lists, p) => {
      const out = redistributeOperatorState(lists.map((items) => ({ x: { mode: 'split', items } })), p);
      assert.equal(out.length, p);
      const chunks = out.map((s) => s.x!.items);
      assert.deepEqual(chunks.flat(), lists.flat());
      const sizes = chunks.map((c) => c.length);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
    }),
  );
});

test('union redistribution: every new subtask gets everything, up and down', () => {
  const old: OperatorStateSnapshot[] = [{ seen: { mode: 'union', items: ['a'] } }, { seen: { mode: 'union', items: ['b', 'c'] } }, {}];
  for (const p of [1, 2, 4]) {
    const out = redistributeOperatorState(old, p);
    assert.equal(out.length, p);
    for (const s of out) assert.deepEqual(s.seen, { mode: 'union', items: ['a', 'b', 'c'] });
  }
  assert.throws(() => redistributeOperatorState([{ x: { mode: 'union', items: [] } }, { x: { mode: 'split', items: [] } }], 2), ConfigError);
  assert.throws(() => redistributeOperatorState(old, 0), ConfigError);
});
