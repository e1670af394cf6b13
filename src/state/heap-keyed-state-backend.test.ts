// Tests of the heap keyed backend: every state kind, key isolation, copy-on-write snapshots, restore at other parallelisms.

import { KeyMap, type PrimitiveKey } from '../core/key-map.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CheckpointCorruptError, ConfigError, WeirError } from '../core/errors.ts';
import type { Key } from '../core/types.ts';
import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from './descriptors.ts';
import { HeapKeyedStateBackend } from './heap-keyed-state-backend.ts';
import { KeyGroupRange, keyGroupFor } from './key-groups.ts';

const MAXP = 128;
const countD = new ValueStateDescriptor<number>('count', { defaultValue: 0 });
const listD = new ListStateDescriptor<string>('list');
const mapD = new MapStateDescriptor<string, number>('map');
const sumD = new ReducingStateDescriptor<number>('sum', (a, b) => a + b);
// A mutating accumulator, the idiomatic style the backend must survive across snapshots.
const avgD = new AggregatingStateDescriptor<number, { n: number; total: number }, number>('avg', {
  createAccumulator: () => ({ n: 0, total: 0 }),
  add: (v, acc) => {
    acc.n++;
    acc.total += v;
    return acc;
  },
  getResult: (acc) => acc.total / acc.n,
});

function backend(parallelism = 1, index = 0): HeapKeyedStateBackend {
  return new HeapKeyedStateBackend({ maxParallelism: MAXP, keyGroupRange: KeyGroupRange.forOperator(MAXP, parallelism, index) });
}

function at(b: HeapKeyedStateBackend, key: Key): void {
  b.setCurrentKey(key, keyGroupFor(key, MAXP));
}

/** Two keys in different key groups. */
function twoKeys(): [string, string] {
  for (let i = 1; ; i++) if (keyGroupFor(`k${i}`, MAXP) !== keyGroupFor('k0', MAXP)) return ['k0', `k${i}`];
}

test('value state: default, update, clear, isolation between keys in different key groups', () => {
  const b = backend();
  const [k1, k2] = twoKeys();
  const s = b.getState(countD);
  at(b, k1);
  assert.equal(s.value(), 0, 'default value');
  s.update(5);
  at(b, k2);
  assert.equal(s.value(), 0);
  s.update(7);
  at(b, k1);
  assert.equal(s.value(), 5);
  s.clear();
  assert.equal(s.value(), 0);
  at(b, k2);
  assert.equal(s.value(), 7);
  assert.equal(b.numKeys('count'), 1);
  const noDefault = b.getState(new ValueStateDescriptor<string>('plain'));
  assert.equal(noDefault.value(), undefined);
  noDefault.update('x');
  noDefault.update(undefined as unknown as string);
  assert.equal(noDefault.value(), undefined, 'update(undefined) clears');
  assert.equal(b.getCurrentKey(), k2);
  assert.equal(b.getCurrentKeyGroup(), keyGroupFor(k2, MAXP));
});

test('list state: add, addAll, update, clear, get is a view', () => {
  const b = backend();
  const s = b.getListState(listD);
  at(b, 'a');
  assert.deepEqual(s.get(), []);
  s.add('x');
  s.addAll(['y', 'z']);
  assert.deepEqual(s.get(), ['x', 'y', 'z']);
  s.update(['q']);
  assert.deepEqual(s.get(), ['q']);
  s.update([]);
  assert.deepEqual(s.get(), []);
  assert.equal(b.numKeys('list'), 0, 'an empty list is no state');
  s.add('w');
  at(b, 'b');
  assert.deepEqual(s.get(), []);
  at(b, 'a');
  s.clear();
  assert.deepEqual(s.get(), []);
});

test('map state: put, get, contains, remove, iterate, array and tricky keys', () => {
  const b = backend();
  const s = b.getMapState(mapD);
  at(b, ['user', 42]);
  assert.equal(s.isEmpty(), true);
  s.put('a', 1);
  s.putAll([
    ['b', 2],
    ['\u0000weird', 3],
  ]);
  assert.equal(s.get('a'), 1);
  assert.equal(s.contains('b'), true);
  assert.equal(s.contains('zz'), false);
  assert.deepEqual([...s.keys()].sort(), ['\u0000weird', 'a', 'b']);
  assert.deepEqual([...s.values()].sort(), [1, 2, 3]);
  assert.deepEqual(new Map(s.entries()), new Map([['a', 1], ['b', 2], ['\u0000weird', 3]]));
  s.remove('a');
  s.remove('nope');
  assert.equal(s.get('a'), undefined);
  at(b, ['user', '42']);
  assert.equal(s.isEmpty(), true, 'array keys [user, 42] and [user, "42"] differ');
  at(b, ['user', 42]);
  s.remove('b');
  s.remove('\u0000weird');
  assert.equal(s.isEmpty(), true);
  assert.equal(b.numKeys('map'), 0);
  const inner = b.getMapState(new MapStateDescriptor<Key, string>('inner'));
  inner.put([1, 'x', 2n, true], 'v');
  assert.deepEqual([...inner.keys()], [[1, 'x', 2n, true]]);
  inner.clear();
  assert.equal(inner.isEmpty(), true);
});

test('reducing and aggregating state', () => {
  const b = backend();
  const sum = b.getReducingState(sumD);
  const avg = b.getAggregatingState(avgD);
  at(b, 1);
  assert.equal(sum.get(), undefined);
  assert.equal(avg.get(), undefined);
  for (const v of [1, 2, 3, 6]) {
    sum.add(v);
    avg.add(v);
  }
  assert.equal(sum.get(), 12);
  assert.equal(avg.get(), 3);
  at(b, 2);
  assert.equal(sum.get(), undefined);
  at(b, 1);
  sum.clear();
  avg.clear();
  assert.equal(sum.get(), undefined);
  assert.equal(avg.get(), undefined);
});

test('registration: same name + kind gives the same object, other kind is a ConfigError; no key is an error', () => {
  const b = backend();
  assert.equal(b.getState(countD), b.getState(new ValueStateDescriptor<number>('count')));
  assert.throws(() => b.getListState(new ListStateDescriptor<number>('count')), (e: unknown) => e instanceof ConfigError && /"count"/.test(e.message));
  assert.throws(() => new ValueStateDescriptor(''), ConfigError);
  const s = b.getState(countD);
  assert.throws(() => s.update(1), (e: unknown) => e instanceof WeirError && e.code === 'WEIR_STATE_NO_KEY');
  const half = backend(2, 0);
  let outside = 0;
  while (half.keyGroupRange.contains(keyGroupFor(outside, MAXP))) outside++;
  assert.throws(() => half.setCurrentKey(outside, keyGroupFor(outside, MAXP)), /outside/);
});

/** Reads every state of every key of the given backends into plain data. */
function dump(backends: HeapKeyedStateBackend[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const b of backends) {
    const keys = new Map<string, [Key, number]>();
    for (const name of b.stateNames()) b.forEachKey(name, (k, kg) => keys.set(JSON.stringify(k), [k, kg]));
    for (const [id, [k, kg]] of keys) {
      assert.ok(!out.has(id), `key ${id} appears in two backends`);
      b.setCurrentKey(k, kg);
      out.set(id, {
        count: b.getState(countD).value(),
        list: [...b.getListState(listD).get()],
        map: Object.fromEntries(b.getMapState(mapD).entries()),
        sum: b.getReducingState(sumD).get(),
        avg: b.getAggregatingState(avgD).get(),
      });
    }
  }
  return out;
}

function restored(blobs: Uint8Array[], parallelism: number): HeapKeyedStateBackend[] {
  return Array.from({ length: parallelism }, (_, i) => {
    const b = backend(parallelism, i);
    b.restore(blobs);
    return b;
  });
}

function fill(b: HeapKeyedStateBackend, key: Key, i: number): void {
  at(b, key);
  b.getState(countD).update(i);
  b.getListState(listD).addAll([`a${i}`, `b${i}`]);
  b.getMapState(mapD).put(`m${i}`, i);
  b.getReducingState(sumD).add(i);
  b.getAggregatingState(avgD).add(i);
}

test('copy-on-write snapshot: write() later shows exactly the state at snapshot time', () => {
  const b = backend();
  for (let i = 0; i < 50; i++) fill(b, `key${i}`, i);
  const before = dump([b]);
  const snap = b.snapshot();
  // Keep changing every kind of state, including in-place containers and mutating accumulators.
  for (let i = 0; i < 50; i += 2) {
    at(b, `key${i}`);
    b.getState(countD).update(1000 + i);
    b.getListState(listD).add('new');
    b.getMapState(mapD).put(`m${i}`, -1);
    b.getMapState(mapD).put('extra', 1);
    b.getReducingState(sumD).add(100);
    b.getAggregatingState(avgD).add(1000);
  }
  for (let i = 1; i < 50; i += 4) {
    at(b, `key${i}`);
    b.getState(countD).clear();
    b.getListState(listD).clear();
    b.getMapState(mapD).clear();
    b.getReducingState(sumD).clear();
    b.getAggregatingState(avgD).clear();
  }
  fill(b, 'late', 99);
  const liveAfter = dump([b]);
  const blob = snap.write();
  assert.deepEqual(dump(restored([blob], 1)), before, 'snapshot shows the old state');
  // The live state has the new values.
  assert.deepEqual(liveAfter.get(JSON.stringify('key0')), { count: 1000, list: ['a0', 'b0', 'new'], map: { m0: -1, extra: 1 }, sum: 100, avg: 500 });
  assert.equal(liveAfter.has(JSON.stringify('key1')), false);
  assert.equal(liveAfter.has(JSON.stringify('late')), true);
  // A second snapshot sees the new state; the first is unaffected by it.
  const blob2 = b.snapshot().write();
  assert.deepEqual(dump(restored([blob2], 1)), liveAfter);
  assert.deepEqual(dump(restored([snap.write()], 1)), before);
  snap.release();
  assert.throws(() => snap.write(), /released/);
});

test('restore from 2 old subtasks into 1, 2 and 3 new ones: every key exactly once, with its value', () => {
  const old = [backend(2, 0), backend(2, 1)];
  const expected = new Map<string, number>();
  for (let i = 0; i < 300; i++) {
    const key: Key = i % 3 === 0 ? [`u${i}`, i] : `user-${i}`;
    const kg = keyGroupFor(key, MAXP);
    const b = old.find((o) => o.keyGroupRange.contains(kg))!;
    fill(b, key, i);
    expected.set(JSON.stringify(key), i);
  }
  const all = dump(old);
  const blobs = old.map((b) => b.snapshot().write());
  assert.deepEqual(HeapKeyedStateBackend.keyGroupRangeOf(blobs[1]!), old[1]!.keyGroupRange);
  for (const p of [1, 2, 3]) {
    const fresh = restored(blobs, p);
    const got = dump(fresh); // dump asserts that no key is in two backends
    assert.deepEqual(got, all, `parallelism ${p}`);
    for (const b of fresh) {
      b.forEachKey('count', (k, kg) => {
        assert.ok(b.keyGroupRange.contains(kg));
        assert.equal(kg, keyGroupFor(k, MAXP));
      });
    }
    assert.equal(fresh.reduce((n, b) => n + b.numKeys(), 0), expected.size);
    // Restored state keeps working, and snapshotting it again round-trips (rescale back down).
    const again = restored(fresh.map((b) => b.snapshot().write()), 2);
    assert.deepEqual(dump(again), all);
  }
});

test('restore rejects another maxParallelism and corrupt blobs', () => {
  const b = backend();
  fill(b, 'x', 1);
  const blob = b.snapshot().write();
  const other = new HeapKeyedStateBackend({ maxParallelism: 64, keyGroupRange: KeyGroupRange.forOperator(64, 1, 0) });
  assert.throws(() => other.restore([blob]), (e: unknown) => e instanceof ConfigError && /maxParallelism/.test(e.message));
  assert.throws(() => backend().restore([blob.subarray(0, blob.length - 1)]), CheckpointCorruptError);
  const bad = blob.slice();
  bad[0] = 0;
  assert.throws(() => backend().restore([bad]), CheckpointCorruptError);
});

test('property: after random writes and snapshots, each snapshot restores to its model', () => {
  type Op = { key: number; kind: 'put' | 'add' | 'clear' | 'snap'; v: number };
  const opArb: fc.Arbitrary<Op> = fc.record({ key: fc.integer({ min: 0, max: 20 }), kind: fc.constantFrom('put', 'add', 'clear', 'snap'), v: fc.integer() });
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
      const b = backend();
      const model = new Map<number, { count?: number; list: number[] }>();
      const snaps: [ReturnType<HeapKeyedStateBackend['snapshot']>, string][] = [];
      const val = b.getState(new ValueStateDescriptor<number>('v'));
      const list = b.getListState(new ListStateDescriptor<number>('l'));
      const show = () => JSON.stringify([...model].filter(([, m]) => m.count !== undefined || m.list.length > 0).sort((x, y) => x[0] - y[0]));
      for (const op of ops) {
        if (op.kind === 'snap') {
          snaps.push([b.snapshot(), show()]);
          continue;
        }
        at(b, op.key);
        const m = model.get(op.key) ?? { list: [] };
        model.set(op.key, m);
        if (op.kind === 'put') {
          val.update(op.v);
          m.count = op.v;
        } else if (op.kind === 'add') {
          list.add(op.v);
          m.list = [...m.list, op.v];
        } else {
          val.clear();
          list.clear();
          delete m.count;
          m.list = [];
        }
      }
      snaps.push([b.snapshot(), show()]);
      for (const [snap, expected] of snaps) {
        const r = backend();
        r.restore([snap.write()]);
        const got = new Map<number, { count?: number; list: number[] }>();
        const rv = r.getState(new ValueStateDescriptor<number>('v'));
        const rl = r.getListState(new ListStateDescriptor<number>('l'));
        for (const name of ['v', 'l']) {
          r.forEachKey(name, (k, kg) => {
            r.setCurrentKey(k, kg);
            const e: { count?: number; list: number[] } = { list: [...rl.get()] };
            const c = rv.value();
            if (c !== undefined) e.count = c;
            got.set(k as number, e);
          });
        }
        assert.equal(JSON.stringify([...got].sort((x, y) => x[0] - y[0])), expected);
      }
    }),
    { numRuns: 200 },
  );
});

test('writeAsync yields between slices and captures the state at snapshot time, whatever is updated meanwhile', async () => {
  const { HeapKeyedStateBackend: Backend, KeyGroupRange: Range, ValueStateDescriptor: Desc, keyGroupFor: kgOf } = await import('./index.ts');
  const backend = new Backend({ maxParallelism: 128, keyGroupRange: Range.forOperator(128, 1, 0) });
  const state = backend.getState(new Desc<number>('v'));
  const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}`);
  for (const k of keys) { backend.setCurrentKey(k, kgOf(k, 128)); state.update(1); }
  const snap = backend.snapshot();
  let ticks = 0;
  const ticker = setInterval(() => { ticks++; }, 0);
  const pending = snap.writeAsync(0);
  // Updates while the asynchronous write is under way must not reach it.
  for (const k of keys) { backend.setCurrentKey(k, kgOf(k, 128)); state.update(2); }
  const bytes = await pending;
  clearInterval(ticker);
  assert.ok(ticks > 0, 'the event loop ran during the write');
  const restored = new Backend({ maxParallelism: 128, keyGroupRange: Range.forOperator(128, 1, 0) });
  restored.restore([bytes]);
  const rs = restored.getState(new Desc<number>('v'));
  const values = new Map<number | undefined, number>();
  restored.forEachKey('v', (k, kg) => { restored.setCurrentKey(k, kg); values.set(rs.value(), (values.get(rs.value()) ?? 0) + 1); });
  assert.deepEqual([...values], [[1, keys.length]]);
  backend.setCurrentKey('k7', kgOf('k7', 128));
  assert.equal(state.value(), 2, 'the live state has the new values');
});

test('window state: per-window accumulators of a key, copy-on-write across a snapshot, restore at another parallelism', () => {
  const agg = {
    createAccumulator: () => ({ n: 0 }),
    add: (v: number, acc: { n: number }) => { acc.n += v; return acc; },
    getResult: (acc: { n: number }) => acc.n,
  };
  const b = backend();
  const w = b.getWindowState('w', agg);
  const keys = Array.from({ length: 30 }, (_, i) => `k${i}`);
  for (const k of keys) {
    at(b, k);
    assert.equal(w.add(10, 1), true); // fresh window
    assert.equal(w.add(10, 2), false);
    assert.equal(w.add(20, 4), true);
    w.add(30, 8);
    w.clear(30);
  }
  at(b, 'k0');
  assert.deepEqual(w.get(10), { n: 3 });
  assert.deepEqual(w.namespaces().sort(), [10, 20]);
  const snap = b.snapshot();
  // After the snapshot: mutate a window in place (its accumulator is shared with the snapshot), drop one, add one.
  for (const k of keys) {
    at(b, k);
    w.add(20, 100);
    w.clear(10);
    w.set(40, { n: 7 });
  }
  at(b, 'k0');
  assert.equal(w.get(10), undefined);
  assert.deepEqual(w.get(20), { n: 104 });
  const blob = snap.write();
  for (let p = 0; p < 3; p++) {
    const r = backend(3, p);
    r.restore([blob]);
    const rw = r.getWindowState('w', agg);
    for (const k of keys) {
      if (!r.keyGroupRange.contains(keyGroupFor(k, MAXP))) continue;
      at(r, k);
      assert.deepEqual([rw.get(10), rw.get(20), rw.get(40)], [{ n: 3 }, { n: 4 }, undefined], `key ${k}`);
      rw.clear(10);
      rw.clear(20);
      assert.deepEqual(rw.namespaces(), []);
    }
    assert.equal(r.numKeys('w'), 0);
  }
});

/** Counts the lookups in the state tables (KeyMaps) while fn runs. */
function mapCalls(fn: () => void): { get: number; set: number; has: number } {
  const proto = KeyMap.prototype;
  const { get, set, has } = proto;
  const calls = { get: 0, set: 0, has: 0 };
  proto.get = function (this: KeyMap<unknown>, k: PrimitiveKey) { calls.get++; return get.call(this, k); };
  proto.set = function (this: KeyMap<unknown>, k: PrimitiveKey, v: unknown) { calls.set++; return set.call(this, k, v); };
  proto.has = function (this: KeyMap<unknown>, k: PrimitiveKey) { calls.has++; return has.call(this, k); };
  try {
    fn();
  } finally {
    proto.get = get;
    proto.set = set;
    proto.has = has;
  }
  return calls;
}

test('value() then update() is one hash lookup once the key was written in this epoch; after a snapshot too (the snapshot gets a frozen copy, the cell stays), and the snapshot keeps the old value', () => {
  const b = backend();
  const count = b.getState(countD);
  const [k0, k1] = twoKeys();
  for (const k of [k0, k1]) { at(b, k); count.update(count.value()! + 1); }
  // Warm: read-modify-write of the same key, and alternating keys.
  const warm = mapCalls(() => {
    for (let i = 0; i < 10; i++) {
      at(b, i % 2 === 0 ? k0 : k1);
      count.update(count.value()! + 1);
    }
  });
  assert.deepEqual(warm, { get: 10, set: 0, has: 0 }, 'one get per update, no set');
  at(b, k0);
  assert.equal(count.value(), 6);

  const snap = b.snapshot();
  // First update after the snapshot: the snapshot gets k0's key group frozen, the live map and cell stay.
  const afterSnapshot = mapCalls(() => {
    for (let i = 0; i < 5; i++) { at(b, k0); count.update(count.value()! + 1); }
  });
  assert.equal(afterSnapshot.get, 5);
  assert.equal(afterSnapshot.set, 0, 'no map copy, no new cell after the snapshot');
  at(b, k0);
  assert.equal(count.value(), 11);
  const old = dump(restored([snap.write()], 1));
  assert.equal((old.get(JSON.stringify(k0)) as { count: number }).count, 6, 'the snapshot does not see updates made after it');
  assert.equal((old.get(JSON.stringify(k1)) as { count: number }).count, 6);

  // A stale remembered cell is never written: value() of one key, then update() of another.
  at(b, k0);
  count.value();
  at(b, k1);
  count.update(100);
  at(b, k0);
  assert.equal(count.value(), 11);
  at(b, k1);
  assert.equal(count.value(), 100);
  // clear() forgets the cell: an update after it stores again.
  count.clear();
  count.update(7);
  assert.equal(count.value(), 7);
  const live = dump(restored([b.snapshot().write()], 1));
  assert.equal((live.get(JSON.stringify(k1)) as { count: number }).count, 7);
});

test('writes after snapshots never reach them: value, list, map, reducing and aggregating state, two snapshots pending, mutating accumulators', () => {
  const valueD = new ValueStateDescriptor<{ n: number }>('value');
  const listN = new ListStateDescriptor<number>('list');
  const mapN = new MapStateDescriptor<string, number>('map');
  // Both mutate their first argument / accumulator in place: the idiom a snapshot must survive.
  const reducingD = new ReducingStateDescriptor<number[]>('reducing', (a, x) => { a.push(...x); return a; });
  const aggD = new AggregatingStateDescriptor<number, { sum: number }, number>('agg', {
    createAccumulator: () => ({ sum: 0 }),
    add: (x, acc) => { acc.sum += x; return acc; },
    getResult: (acc) => acc.sum,
  });
  const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
  const states = (b: HeapKeyedStateBackend) => ({
    value: b.getState(valueD), list: b.getListState(listN), map: b.getMapState(mapN),
    reducing: b.getReducingState(reducingD), agg: b.getAggregatingState(aggD),
  });
  /** Every key's state, read back from a restored blob, or from the live backend. */
  const contents = (b: HeapKeyedStateBackend) => {
    const st = states(b);
    return keys.map((k) => {
      at(b, k);
      return [st.value.value(), [...st.list.get()], Object.fromEntries(st.map.entries()), st.reducing.get(), st.agg.get()];
    });
  };
  const fromBlob = (blob: Uint8Array) => { const r = backend(); r.restore([blob]); return contents(r); };
  const b = backend();
  const st = states(b);
  const write = (round: number) => {
    keys.forEach((k, i) => {
      at(b, k);
      // A value read, then written back as a new object; every third key updated without reading first.
      if (i % 3 === 0) st.value.update({ n: round * 10 });
      else st.value.update({ n: (st.value.value()?.n ?? 0) + round });
      st.list.add(round);
      st.map.put(`r${round}`, round);
      st.reducing.add([round]);
      st.agg.add(round);
    });
  };
  write(1);
  const want1 = structuredClone(contents(b));
  const s1 = b.snapshot();
  write(2);
  const want2 = structuredClone(contents(b));
  const s2 = b.snapshot();
  // One key group written after s2 before the others: s1 and s2 must still show their rounds everywhere.
  at(b, keys[0]!);
  st.value.update({ n: 99 });
  st.list.add(99);
  write(3);
  const want3 = structuredClone(contents(b));
  assert.deepEqual(fromBlob(s2.write()), want2, 'the second snapshot shows the state at its barrier');
  assert.deepEqual(fromBlob(s1.write()), want1, 'the first snapshot shows the state at its barrier');
  s1.release();
  s2.release();
  write(4);
  assert.deepEqual(fromBlob(b.snapshot().write()), contents(b), 'a snapshot of the live state round-trips');
  assert.notDeepEqual(want3, contents(b));
  // The live state went on through every round (a model of the same writes).
  at(b, keys[1]!);
  assert.deepEqual(st.list.get(), [1, 2, 3, 4]);
  assert.deepEqual(st.reducing.get(), [1, 2, 3, 4]);
  assert.equal(st.agg.get(), 10);
  assert.equal(st.value.value()!.n, 10);
  at(b, keys[0]!);
  assert.deepEqual(st.list.get(), [1, 2, 99, 3, 4]);
  assert.equal(st.value.value()!.n, 40);
  assert.deepEqual(want1[1], [{ n: 1 }, [1], { r1: 1 }, [1], 1]);
});

test('a backend removal between value() and update() of the same key does not lose the update', () => {
  const b = backend();
  const count = b.getState(countD);
  at(b, 'k');
  count.update(1);
  const snap = b.snapshot();
  at(b, 'k');
  count.value();
  b.clearCurrentKey(countD.name);
  count.update(5);
  assert.equal(count.value(), 5);
  assert.equal((dump(restored([b.snapshot().write()], 1)).get(JSON.stringify('k')) as { count: number }).count, 5);
  assert.equal((dump(restored([snap.write()], 1)).get(JSON.stringify('k')) as { count: number }).count, 1);
});
