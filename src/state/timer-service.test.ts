// Tests of the timer service: time order, dedup, deletion, processing time, snapshot/restore across rescaling.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Key } from '../core/types.ts';
import { KeyGroupRange, keyGroupFor } from './key-groups.ts';
import { InternalTimerService } from './timer-service.ts';

const MAXP = 128;
const service = (p = 1, i = 0) => new InternalTimerService({ maxParallelism: MAXP, keyGroupRange: KeyGroupRange.forOperator(MAXP, p, i) });
const kg = (k: Key) => keyGroupFor(k, MAXP);

function collect(): { fired: [Key, number][]; onTimer: (k: Key, g: number, t: number) => void } {
  const fired: [Key, number][] = [];
  return {
    fired,
    onTimer: (k, g, t) => {
      assert.equal(g, kg(k));
      fired.push([k, t]);
    },
  };
}

test('event-time timers fire in time order, once per (key, time), up to the watermark', () => {
  const s = service();
  s.registerEventTimeTimer('a', kg('a'), 30);
  s.registerEventTimeTimer('b', kg('b'), 10);
  s.registerEventTimeTimer('a', kg('a'), 10);
  s.registerEventTimeTimer('a', kg('a'), 30); // duplicate
  s.registerEventTimeTimer(['x', 1], kg(['x', 1]), 20);
  s.registerEventTimeTimer('c', kg('c'), 40);
  assert.equal(s.numEventTimeTimers(), 5);
  const c = collect();
  s.advanceWatermark(30, c.onTimer);
  assert.deepEqual(c.fired.map(([, t]) => t), [10, 10, 20, 30]);
  assert.deepEqual(c.fired.map(([k]) => k), ['b', 'a', ['x', 1], 'a']);
  assert.equal(s.currentWatermark, 30);
  s.advanceWatermark(20, c.onTimer);
  assert.equal(s.currentWatermark, 30, 'watermark never goes back');
  assert.equal(c.fired.length, 4);
  s.advanceWatermark(100, c.onTimer);
  assert.deepEqual(c.fired.at(-1), ['c', 40]);
  assert.equal(s.numEventTimeTimers(), 0);
});

test('deleted timers do not fire; re-registered ones fire once; timers set while firing fire too', () => {
  const s = service();
  s.registerEventTimeTimer('a', kg('a'), 5);
  s.deleteEventTimeTimer('a', kg('a'), 5);
  s.registerEventTimeTimer('b', kg('b'), 6);
  s.deleteEventTimeTimer('b', kg('b'), 6);
  s.registerEventTimeTimer('b', kg('b'), 6);
  s.deleteEventTimeTimer('zz', kg('zz'), 1); // unknown: no-op
  const fired: number[] = [];
  s.advanceWatermark(10, (k, g, t) => {
    fired.push(t);
    if (t === 6) s.registerEventTimeTimer(k, g, 8);
  });
  assert.deepEqual(fired, [6, 8]);
  // Many deletions trigger the heap rebuild; the survivors still fire in order.
  for (let i = 0; i < 500; i++) s.registerEventTimeTimer(i, kg(i), 1000 + (i % 50));
  for (let i = 0; i < 500; i++) if (i % 5 !== 0) s.deleteEventTimeTimer(i, kg(i), 1000 + (i % 50));
  const c = collect();
  s.advanceWatermark(2000, c.onTimer);
  assert.equal(c.fired.length, 100);
  const times = c.fired.map(([, t]) => t);
  assert.deepEqual(times, [...times].sort((a, b) => a - b));
});

test('processing-time timers: next time and firing', () => {
  const s = service();
  assert.equal(s.nextProcessingTime(), undefined);
  s.registerProcessingTimeTimer('a', kg('a'), 200);
  s.registerProcessingTimeTimer('b', kg('b'), 100);
  s.registerProcessingTimeTimer('b', kg('b'), 100);
  assert.equal(s.nextProcessingTime(), 100);
  s.deleteProcessingTimeTimer('b', kg('b'), 100);
  assert.equal(s.nextProcessingTime(), 200);
  const c = collect();
  s.fireProcessingTimers(150, c.onTimer);
  assert.deepEqual(c.fired, []);
  s.fireProcessingTimers(250, c.onTimer);
  assert.deepEqual(c.fired, [['a', 200]]);
  assert.equal(s.nextProcessingTime(), undefined);
});

test('property: timers fire sorted by time, exactly the registered-minus-deleted set', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ key: fc.integer({ min: 0, max: 30 }), time: fc.integer({ min: 0, max: 50 }), del: fc.boolean() }), { maxLength: 200 }),
      (ops) => {
        const s = service();
        const model = new Set<string>();
        for (const { key, time, del } of ops) {
          if (del) {
            s.deleteEventTimeTimer(key, kg(key), time);
            model.delete(`${key}@${time}`);
          } else {
            s.registerEventTimeTimer(key, kg(key), time);
            model.add(`${key}@${time}`);
          }
        }
        const fired: string[] = [];
        let last = -Infinity;
        s.advanceWatermark(50, (k, _g, t) => {
          assert.ok(t >= last);
          last = t;
          fired.push(`${String(k)}@${t}`);
        });
        assert.deepEqual(fired.slice().sort(), [...model].sort());
      },
    ),
    { numRuns: 200 },
  );
});

test('snapshot is copy-on-write, and restore picks only the key groups in range (rescale 2 -> 1, 2, 3)', () => {
  const old = [service(2, 0), service(2, 1)];
  const expected: string[] = [];
  for (let i = 0; i < 200; i++) {
    const key = `k${i}`;
    const o = old.find((s) => s.keyGroupRange.contains(kg(key)))!;
    o.registerEventTimeTimer(key, kg(key), i);
    o.registerProcessingTimeTimer(key, kg(key), 1000 + i);
    expected.push(`${key}@${i}`);
  }
  const snaps = old.map((s) => s.snapshot());
  // Changes after the snapshot must not show in it.
  for (const s of old) {
    s.advanceWatermark(49, () => {});
    if (s.keyGroupRange.contains(kg('k0'))) s.registerEventTimeTimer('k0', kg('k0'), 5000);
  }
  assert.ok(old.every((s) => s.numEventTimeTimers() < 200));
  const blobs = snaps.map((s) => s.write());
  for (const p of [1, 2, 3]) {
    const fresh = Array.from({ length: p }, (_, i) => service(p, i));
    const fired: string[] = [];
    let procCount = 0;
    for (const s of fresh) {
      s.restore(blobs);
      s.advanceWatermark(10_000, (k, g, t) => {
        assert.ok(s.keyGroupRange.contains(g));
        fired.push(`${String(k)}@${t}`);
      });
      s.fireProcessingTimers(10_000, () => procCount++);
    }
    assert.deepEqual(fired.sort(), [...expected].sort(), `parallelism ${p}`);
    assert.equal(procCount, 200);
  }
  snaps[0]!.release();
  assert.throws(() => snaps[0]!.write(), /released/);
});

test('property: snapshots taken between random registers, deletes and firings restore exactly the timers of their moment (one timer inline, more in a set, copy-on-write)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(
        fc.record({ op: fc.constant('add' as const), key: fc.integer({ min: 0, max: 8 }), time: fc.integer({ min: 0, max: 20 }) }),
        fc.record({ op: fc.constant('del' as const), key: fc.integer({ min: 0, max: 8 }), time: fc.integer({ min: 0, max: 20 }) }),
        fc.record({ op: fc.constant('fire' as const), time: fc.integer({ min: 0, max: 20 }) }),
        fc.record({ op: fc.constant('snap' as const) }),
      ), { maxLength: 120 }),
      (ops) => {
        const s = service();
        const model = new Set<string>();
        let watermark = -Infinity;
        const snaps: { blob: () => Uint8Array; expected: string[] }[] = [];
        for (const o of ops) {
          if (o.op === 'add') { s.registerEventTimeTimer(o.key, kg(o.key), o.time); model.add(`${o.key}@${o.time}`); }
          else if (o.op === 'del') { s.deleteEventTimeTimer(o.key, kg(o.key), o.time); model.delete(`${o.key}@${o.time}`); }
          else if (o.op === 'fire') {
            const fired: string[] = [];
            s.advanceWatermark(o.time, (k, _g, t) => fired.push(`${String(k)}@${t}`));
            watermark = Math.max(watermark, o.time);
            // Every live timer at or before the watermark fires (also one registered at a time already passed), once.
            const due = [...model].filter((m) => Number(m.split('@')[1]) <= watermark);
            assert.deepEqual(fired.slice().sort(), due.sort());
            for (const d of due) model.delete(d);
          } else {
            const view = s.snapshot();
            snaps.push({ blob: () => { const b = view.write(); view.release(); return b; }, expected: [...model] });
          }
        }
        for (const snap of snaps) {
          const r = service();
          r.restore([snap.blob()]);
          const fired: string[] = [];
          r.advanceWatermark(1_000, (k, _g, t) => fired.push(`${String(k)}@${t}`));
          assert.deepEqual(fired.sort(), [...snap.expected].sort());
        }
      },
    ),
    { numRuns: 300 },
  );
});

/**
 * The queue's order model: every accepted registration is an entry (time, registration number); firing takes the
 * smallest (time, number) at or before the watermark and fires it if its (key, time) is still registered (a deleted
 * and re-registered timer fires at its first entry; the later one is then a dead duplicate). Exact while the queue
 * holds at most 64 entries (no rebuild).
 */
class OrderModel {
  entries: { key: number; time: number; seq: number }[] = [];
  live = new Set<string>();
  #seq = 0;
  add(key: number, time: number): void {
    if (this.live.has(`${key}@${time}`)) return;
    this.live.add(`${key}@${time}`);
    this.entries.push({ key, time, seq: this.#seq++ });
  }
  del(key: number, time: number): void {
    this.live.delete(`${key}@${time}`);
  }
  advance(wm: number, onTimer: (key: number, time: number) => void): void {
    for (;;) {
      let best = -1;
      for (let i = 0; i < this.entries.length; i++) {
        const e = this.entries[i]!;
        if (e.time > wm) continue;
        if (best < 0 || e.time < this.entries[best]!.time || (e.time === this.entries[best]!.time && e.seq < this.entries[best]!.seq)) best = i;
      }
      if (best < 0) return;
      const [e] = this.entries.splice(best, 1);
      if (!this.live.delete(`${e!.key}@${e!.time}`)) continue;
      onTimer(e!.key, e!.time);
    }
  }
}

test('property: timers fire in exactly (time, registration) order: runs of one time share a heap node; deletes, re-registrations, timers set while firing (same time, earlier, later)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(
        fc.record({ op: fc.constant('run' as const), from: fc.integer({ min: 0, max: 15 }), n: fc.integer({ min: 1, max: 6 }), time: fc.integer({ min: 0, max: 6 }) }),
        fc.record({ op: fc.constant('add' as const), key: fc.integer({ min: 0, max: 20 }), time: fc.integer({ min: 0, max: 6 }) }),
        fc.record({ op: fc.constant('del' as const), key: fc.integer({ min: 0, max: 20 }), time: fc.integer({ min: 0, max: 6 }) }),
        fc.record({ op: fc.constant('fire' as const), time: fc.integer({ min: -1, max: 7 }) }),
      ), { maxLength: 40 }),
      (ops) => {
        const s = service();
        const m = new OrderModel();
        // While firing, key k at time t registers k + 1 at t when k % 3 = 0, k + 2 at t - 1 when k % 4 = 1, and k + 3 at t + 1 when k % 5 = 2 (keys < 40).
        const chain = (reg: (k: number, t: number) => void) => (k: number, t: number) => {
          if (k >= 40) return;
          if (k % 3 === 0) reg(k + 1, t);
          if (k % 4 === 1) reg(k + 2, t - 1);
          if (k % 5 === 2) reg(k + 3, t + 1);
        };
        let watermark = -Infinity;
        for (const o of ops) {
          if (o.op === 'run') {
            for (let k = o.from; k < o.from + o.n; k++) { s.registerEventTimeTimer(k, kg(k), o.time); m.add(k, o.time); }
          } else if (o.op === 'add') { s.registerEventTimeTimer(o.key, kg(o.key), o.time); m.add(o.key, o.time); }
          else if (o.op === 'del') { s.deleteEventTimeTimer(o.key, kg(o.key), o.time); m.del(o.key, o.time); }
          else {
            watermark = Math.max(watermark, o.time);
            const got: string[] = [];
            const want: string[] = [];
            const onS = chain((k, t) => s.registerEventTimeTimer(k, kg(k), t));
            const onM = chain((k, t) => m.add(k, t));
            s.advanceWatermark(o.time, (k, _g, t) => { got.push(`${String(k)}@${t}`); onS(k as number, t); });
            m.advance(watermark, (k, t) => { want.push(`${k}@${t}`); onM(k, t); });
            assert.deepEqual(got, want);
          }
          assert.equal(s.numEventTimeTimers(), m.live.size);
        }
      },
    ),
    { numRuns: 400 },
  );
});

test('a thousand keys at one window end, interleaved with other times, deletions and a snapshot: fired once each in order; restored at parallelism 3, each timer fires once', () => {
  const s = service();
  const model = new OrderModel();
  for (let w = 0; w < 3; w++) {
    for (let k = 0; k < 1000; k++) { s.registerEventTimeTimer(k, kg(k), 10_000 * (w + 1) - 1); model.add(k, 10_000 * (w + 1) - 1); }
    s.registerEventTimeTimer('x', kg('x'), 5 + w); // another time between the runs
  }
  for (let k = 0; k < 1000; k += 7) { s.deleteEventTimeTimer(k, kg(k), 19_999); model.del(k, 19_999); }
  const blob = s.snapshot().write();
  const got: string[] = [];
  s.advanceWatermark(20_000, (k, _g, t) => { if (k !== 'x') got.push(`${String(k)}@${t}`); });
  const want: string[] = [];
  model.advance(20_000, (k, t) => want.push(`${k}@${t}`));
  assert.deepEqual(got, want);
  assert.equal(got.length, 1000 + 1000 - 143);
  const fired: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = service(3, i);
    r.restore([blob]);
    r.advanceWatermark(40_000, (k, g, t) => { assert.ok(r.keyGroupRange.contains(g)); fired.push(`${String(k)}@${t}`); });
  }
  assert.equal(fired.length, 3000 - 143 + 3);
  assert.equal(new Set(fired).size, fired.length);
});
