// Tests of the window state's key cache (HeapWindowState): every read and write agrees with a model through
// slot collisions, snapshots (copy-on-write: a cleared window behind others is relinked in place only when no snapshot
// sees the nodes before it), removals by the backend, and each snapshot restores to its model.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Key } from '../core/types.ts';
import { ValueStateDescriptor } from './descriptors.ts';
import { HeapKeyedStateBackend } from './heap-keyed-state-backend.ts';
import { KeyGroupRange, keyGroupFor } from './key-groups.ts';

const MAXP = 128;
// Number keys sharing cache slots (0, 4096, 8192, -4096; 1, 4097), a negative one, a non-integer, strings.
const KEYS: Key[] = [0, 4096, 8192, -4096, 1, 4097, -1, 1.5, 'a', 'b'];
const NS = [10, 20, 30];

/** A mutating accumulator: the style copy-on-write must survive. */
const agg = {
  createAccumulator: () => ({ n: 0 }),
  add: (v: number, acc: { n: number }) => { acc.n += v; return acc; },
  getResult: (acc: { n: number }) => acc.n,
  merge: (a: { n: number }, b: { n: number }) => ({ n: a.n + b.n }),
};

type Op =
  | { kind: 'add' | 'set'; key: number; ns: number; v: number }
  | { kind: 'clear' | 'get' | 'take'; key: number; ns: number }
  | { kind: 'snap' | 'removeKey' | 'removeAll'; key: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom('add' as const, 'set' as const), key: fc.nat(KEYS.length - 1), ns: fc.constantFrom(...NS), v: fc.integer({ min: -5, max: 5 }) }),
  fc.record({ kind: fc.constantFrom('add' as const), key: fc.nat(KEYS.length - 1), ns: fc.constantFrom(...NS), v: fc.integer({ min: -5, max: 5 }) }),
  fc.record({ kind: fc.constantFrom('clear' as const, 'get' as const, 'take' as const), key: fc.nat(KEYS.length - 1), ns: fc.constantFrom(...NS) }),
  fc.record({ kind: fc.constantFrom('snap' as const, 'removeKey' as const, 'removeAll' as const), key: fc.nat(KEYS.length - 1) }),
);

function backend(): HeapKeyedStateBackend {
  return new HeapKeyedStateBackend({ maxParallelism: MAXP, keyGroupRange: KeyGroupRange.forOperator(MAXP, 1, 0) });
}

type Model = Map<Key, Map<number, number>>;

function show(model: Model): string {
  const rows: [string, [number, number][]][] = [];
  for (const [k, w] of model) if (w.size > 0) rows.push([JSON.stringify(k), [...w].sort((x, y) => x[0] - y[0])]);
  return JSON.stringify(rows.sort((x, y) => (x[0] < y[0] ? -1 : 1)));
}

test('window state: reads and writes agree with a model through cache-slot collisions, snapshots and backend removals; snapshots restore to their model', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 120 }), (ops) => {
      const b = backend();
      const w = b.getWindowState('w', agg);
      const other = b.getState(new ValueStateDescriptor<number>('other'));
      const model: Model = new Map();
      const snaps: [ReturnType<HeapKeyedStateBackend['snapshot']>, string][] = [];
      for (const op of ops) {
        if (op.kind === 'snap') {
          snaps.push([b.snapshot(), show(model)]);
          continue;
        }
        const key = KEYS[op.key]!;
        b.setCurrentKey(key, keyGroupFor(key, MAXP));
        const m = model.get(key) ?? new Map<number, number>();
        model.set(key, m);
        switch (op.kind) {
          case 'add': {
            const fresh = w.add(op.ns, op.v);
            assert.equal(fresh, !m.has(op.ns), `add ${String(key)}@${op.ns}: fresh`);
            m.set(op.ns, (m.get(op.ns) ?? 0) + op.v);
            break;
          }
          case 'set':
            w.set(op.ns, { n: op.v });
            m.set(op.ns, op.v);
            break;
          case 'clear':
            w.clear(op.ns);
            m.delete(op.ns);
            break;
          case 'take': // fire-and-cleanup: the accumulator, removed in one walk
            assert.deepEqual(w.take(op.ns), m.has(op.ns) ? { n: m.get(op.ns) } : undefined, `take ${String(key)}@${op.ns}`);
            m.delete(op.ns);
            break;
          case 'get':
            assert.deepEqual(w.get(op.ns), m.has(op.ns) ? { n: m.get(op.ns) } : undefined, `get ${String(key)}@${op.ns}`);
            assert.deepEqual(w.namespaces().sort(), [...m.keys()].sort());
            break;
          case 'removeKey': // the backend removes the key's window entry (a removal the cache did not make)
            b.clearCurrentKey('w');
            m.clear();
            break;
          case 'removeAll': // BATCH: every state of the key goes
            other.update(1);
            b.clearAllOfCurrentKey();
            m.clear();
            break;
        }
      }
      // Every key reads back as the model says.
      for (const key of KEYS) {
        b.setCurrentKey(key, keyGroupFor(key, MAXP));
        const m = model.get(key) ?? new Map<number, number>();
        for (const ns of NS) assert.deepEqual(w.get(ns), m.has(ns) ? { n: m.get(ns) } : undefined, `final ${String(key)}@${ns}`);
      }
      snaps.push([b.snapshot(), show(model)]);
      for (const [snap, expected] of snaps) {
        const r = backend();
        r.restore([snap.write()]);
        const rw = r.getWindowState('w', agg);
        const got: Model = new Map();
        r.forEachKey('w', (k, kg) => {
          r.setCurrentKey(k, kg);
          got.set(k, new Map(rw.namespaces().map((ns) => [ns, (rw.get(ns) as { n: number }).n])));
        });
        assert.equal(show(got), expected);
      }
    }),
    { numRuns: 300 },
  );
});

test('window state: a thousand cycling number keys, two windows each, a snapshot in the middle: every sum exact, the snapshot intact', () => {
  const b = backend();
  const w = b.getWindowState('w', agg);
  let snap: ReturnType<HeapKeyedStateBackend['snapshot']> | undefined;
  for (let i = 0; i < 20_000; i++) {
    const key = i % 1000;
    b.setCurrentKey(key, keyGroupFor(key, MAXP));
    w.add(i < 10_000 ? 1 : 2, 1);
    if (i === 4_999) snap = b.snapshot();
  }
  for (let key = 0; key < 1000; key++) {
    b.setCurrentKey(key, keyGroupFor(key, MAXP));
    assert.deepEqual([w.get(1), w.get(2)], [{ n: 10 }, { n: 10 }]);
  }
  const r = backend();
  r.restore([snap!.write()]);
  const rw = r.getWindowState('w', agg);
  for (let key = 0; key < 1000; key++) {
    r.setCurrentKey(key, keyGroupFor(key, MAXP));
    assert.deepEqual([rw.get(1), rw.get(2)], [{ n: 5 }, undefined]);
  }
});

test('window state: take/clear of a window behind others relinks this epoch\'s nodes in place and copies a snapshot\'s', () => {
  for (const op of ['take', 'clear'] as const) {
    const b = backend();
    const w = b.getWindowState('w', agg);
    const at = (key: Key) => b.setCurrentKey(key, keyGroupFor(key, MAXP));
    at(5);
    for (const ns of [10, 20, 30, 40]) w.add(ns, ns);
    const snap = b.snapshot();
    at(5);
    w.add(40, 1); // the head of the new epoch; 30, 20, 10 still the snapshot's
    const taken = op === 'take' ? w.take(10) : (w.clear(10), { n: 10 });
    assert.deepEqual(taken, { n: 10 });
    w.add(50, 5); // this epoch: 50 -> 40' -> 30 -> 20
    w.clear(40); // relinked in place (50 is of this epoch)
    if (op === 'take') assert.deepEqual(w.take(20), { n: 20 });
    else w.clear(20);
    assert.deepEqual(w.namespaces(), [50, 30]);
    assert.deepEqual([w.get(50), w.get(30), w.take(40)], [{ n: 5 }, { n: 30 }, undefined]);
    const r = backend();
    r.restore([snap.write()]);
    const rw = r.getWindowState('w', agg);
    r.setCurrentKey(5, keyGroupFor(5, MAXP));
    assert.deepEqual(rw.namespaces(), [40, 30, 20, 10], `${op}: the snapshot's list intact`);
    assert.deepEqual([10, 20, 30, 40].map((ns) => rw.get(ns)), [{ n: 10 }, { n: 20 }, { n: 30 }, { n: 40 }]);
  }
});
