// Model-based tests of tumbling event-time windows on the window tables (state/heap-window-tables.ts): random records,
// watermarks and checkpoints taken mid-window, restored at another parallelism while the old subtasks kept changing the
// state after the capture (copy-on-write), against a plain model of Flink's semantics (fire at end − 1, late firing
// within allowed lateness, late side output past it). Also: the checkpoint form is the key-major one (window state plus
// (key, window) timers), so such checkpoints restore across the change in both directions.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deserialize, serialize } from 'node:v8';
import fc from 'fast-check';
import type { Collector, Key } from '../../../core/types.ts';
import { TumblingEventTimeWindows } from '../../../api/windows/assigners.ts';
import type { AggregateFunction, ProcessWindowContext } from '../../../api/windows/window-functions.ts';
import type { WindowFunctionSpec, WindowSpec } from '../../../api/windows/window-spec.ts';
import { OperatorHarness, windowSpec, type HarnessSnapshot } from '../../../testing/index.ts';
import { HeapKeyedStateBackend, InternalTimerService, KeyGroupRange, keyGroupFor, operatorIndexForKeyGroup, type OperatorStateSnapshot } from '../../../state/index.ts';

type Ev = [Key, number, number]; // key, timestamp, value
const keyOf = (e: Ev): Key => e[0];
const MAX_P = 128;

/** Mutates its accumulator in place: a snapshot that kept a reference to it would see later records. */
const countSum: AggregateFunction<Ev, number[], number[]> = {
  createAccumulator: () => [0, 0],
  add: (e, acc) => { acc[0]! += 1; acc[1]! += e[2]; return acc; },
  getResult: (acc) => [acc[0]!, acc[1]!],
  merge: (a, b) => [a[0]! + b[0]!, a[1]! + b[1]!],
};
const emit = {
  process(k: Key, ctx: ProcessWindowContext, elements: Iterable<unknown>, out: Collector<unknown>): void {
    for (const e of elements) out.collect([k, ctx.window.start, e]);
  },
};
/** Every element kept (a list accumulator, pushed to in place), summed at firing. */
const emitList = {
  process(k: Key, ctx: ProcessWindowContext, elements: Iterable<unknown>, out: Collector<unknown>): void {
    let n = 0;
    let s = 0;
    for (const e of elements) { n++; s += (e as Ev)[2]; }
    out.collect([k, ctx.window.start, [n, s]]);
  },
};

type Cmd =
  | { kind: 'record'; key: Key; t: number; v: number }
  | { kind: 'watermark'; to: number }
  | { kind: 'checkpoint'; parallelism: number; lost: number };

const SIZE = 10;

/** Flink's tumbling event-time semantics on the default trigger, written plainly. */
class Model {
  readonly out: unknown[] = [];
  readonly late: Ev[] = [];
  readonly #windows = new Map<number, { fired: boolean; keys: Map<Key, number[]> }>();
  #wm = Number.NEGATIVE_INFINITY;
  constructor(readonly lateness: number) {}
  record(e: Ev): void {
    const start = e[1] - (((e[1] % SIZE) + SIZE) % SIZE);
    const end = start + SIZE;
    if (end - 1 + this.lateness <= this.#wm) { this.late.push(e); return; }
    let w = this.#windows.get(end);
    if (w === undefined) this.#windows.set(end, (w = { fired: false, keys: new Map() }));
    const acc = w.keys.get(e[0]) ?? [0, 0];
    acc[0]! += 1;
    acc[1]! += e[2];
    w.keys.set(e[0], acc);
    if (end - 1 <= this.#wm) { w.fired = true; this.out.push([e[0], start, [acc[0], acc[1]]]); }
  }
  watermark(to: number): void {
    if (to <= this.#wm) return;
    this.#wm = to;
    for (const end of [...this.#windows.keys()].sort((a, b) => a - b)) {
      const w = this.#windows.get(end)!;
      if (end - 1 > to) break;
      if (!w.fired) {
        w.fired = true;
        for (const [k, acc] of w.keys) this.out.push([k, end - SIZE, [acc[0], acc[1]]]);
      }
      if (end - 1 + this.lateness <= to) this.#windows.delete(end);
    }
  }
}

const sortKey = (v: unknown): string => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x));
const sorted = (xs: unknown[]): string[] => xs.map(sortKey).sort();

/** The subtasks of one attempt, fed as a task fleet would: records by key group, watermarks to all. */
class Fleet {
  readonly hs: Awaited<ReturnType<typeof open>>[];
  constructor(hs: Awaited<ReturnType<typeof open>>[]) {
    this.hs = hs;
  }
  run(c: Cmd): void {
    if (c.kind === 'record') {
      const p = this.hs.length;
      this.hs[operatorIndexForKeyGroup(MAX_P, p, keyGroupFor(c.key, MAX_P))]!.processElement([c.key, c.t, c.v], c.t);
    } else if (c.kind === 'watermark') {
      for (const h of this.hs) h.processWatermark(c.to);
    }
  }
  /** Captures every subtask's snapshot now; the blobs are written only when the returned function is called. */
  async capture(id: number): Promise<() => HarnessSnapshot[]> {
    const parts: (() => HarnessSnapshot)[] = [];
    for (const h of this.hs) {
      await h.operator.snapshotState(id);
      const keyed = h.keyedBackend!.snapshot();
      const timers = h.timerService!.snapshot();
      const operator = deserialize(serialize(h.operatorState.snapshot())) as OperatorStateSnapshot;
      parts.push(() => ({ keyed: keyed.write(), timers: timers.write(), operator }));
    }
    return () => parts.map((p) => p());
  }
  outputs(): { out: unknown[]; late: unknown[] } {
    const out: unknown[] = [];
    const late: unknown[] = [];
    for (const h of this.hs) {
      out.push(...h.output);
      late.push(...(h.sideOutput.get('late') ?? []));
    }
    return { out, late };
  }
}

async function open(s: WindowSpec, parallelism: number, subtaskIndex: number, restore: HarnessSnapshot[] | undefined) {
  const h = OperatorHarness.forSpec(windowSpec<Ev, unknown>(s), { keySelector: keyOf, parallelism, subtaskIndex, maxParallelism: MAX_P, ...(restore ? { restore } : {}) });
  await h.open();
  return h;
}

async function fleet(s: WindowSpec, parallelism: number, restore?: HarnessSnapshot[]): Promise<Fleet> {
  const hs = [];
  for (let i = 0; i < parallelism; i++) hs.push(await open(s, parallelism, i, restore));
  return new Fleet(hs);
}

/** Runs `cmds` through the operator, with failures at the checkpoints, and returns everything the final attempts emitted. */
async function runOperator(s: WindowSpec, cmds: Cmd[]): Promise<{ out: unknown[]; late: unknown[] }> {
  let f = await fleet(s, 1);
  const out: unknown[] = [];
  const late: unknown[] = [];
  let id = 0;
  for (let i = 0; i < cmds.length; i++) {
    const c = cmds[i]!;
    if (c.kind !== 'checkpoint') { f.run(c); continue; }
    // Checkpoint, then the old attempt goes on for `lost` commands (its state changes after the capture), then fails.
    const write = await f.capture(++id);
    const kept = f.outputs();
    out.push(...kept.out);
    late.push(...kept.late);
    const replay = cmds.slice(i + 1, i + 1 + c.lost).filter((x) => x.kind !== 'checkpoint');
    for (const x of replay) f.run(x);
    const snaps = write();
    f = await fleet(s, c.parallelism, snaps);
    // The source replays what came after the checkpoint (the loop goes on from there).
  }
  const fin = f.outputs();
  for (const h of f.hs) h.processWatermark(Number.POSITIVE_INFINITY);
  const last = f.outputs();
  out.push(...last.out);
  late.push(...last.late);
  void fin;
  return { out, late };
}

const keyArb = fc.oneof({ weight: 3, arbitrary: fc.constantFrom<Key>(0, 4096) }, { weight: 2, arbitrary: fc.constantFrom<Key>(1, 2, 8192, 'a', 'b', -3) });
const cmdArb = (maxT: number): fc.Arbitrary<Cmd> => fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('record' as const), key: keyArb, t: fc.integer({ min: 0, max: maxT }), v: fc.integer({ min: 1, max: 9 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('watermark' as const), to: fc.integer({ min: 0, max: maxT }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('checkpoint' as const), parallelism: fc.integer({ min: 1, max: 3 }), lost: fc.integer({ min: 0, max: 8 }) }) },
);

function specOf(lateness: number, list: boolean): WindowSpec {
  const fn: WindowFunctionSpec = list ? { kind: 'process', process: emitList } : { kind: 'aggregate', aggregate: countSum, process: emit };
  return { assigner: TumblingEventTimeWindows.of(SIZE), fn, allowedLateness: lateness, lateDataTag: 'late' };
}

test('window tables against a model: firings, late firings, late side output, checkpoints mid-window restored at another parallelism while the old attempt kept changing its state', async () => {
  await fc.assert(
    // Few windows (maxT 20) make a record right after a checkpoint hit an entry the snapshot holds; more (80) exercise lateness.
    fc.asyncProperty(fc.constantFrom(0, 5, 25), fc.boolean(), fc.constantFrom(20, 80).chain((maxT) => fc.array(cmdArb(maxT), { minLength: 1, maxLength: 60 })), async (lateness, list, cmds) => {
      // The model sees every command once: the commands an attempt lost after its checkpoint are replayed to the next one.
      const m = new Model(lateness);
      for (const c of cmds) {
        if (c.kind === 'record') m.record([c.key, c.t, c.v]);
        else if (c.kind === 'watermark') m.watermark(c.to);
      }
      m.watermark(Number.POSITIVE_INFINITY);
      const got = await runOperator(specOf(lateness, list), cmds);
      assert.deepEqual(sorted(got.out), sorted(m.out));
      assert.deepEqual(sorted(got.late), sorted(m.late.map((e) => [...e])));
      if (!cmds.some((c) => c.kind === 'checkpoint')) {
        // One attempt: the exact order too (windows by end, a window's keys in arrival order, late firings in place).
        assert.deepEqual(got.out.map(sortKey), m.out.map(sortKey));
      }
    }),
    { numRuns: 150 },
  );
});

test('window tables write the key-major checkpoint form (window state plus (key, window) timers), and restore it', async () => {
  // Written by the tables: contents newest window first per key, a firing timer while due and a cleanup timer with lateness.
  const s = specOf(20, false);
  const h = await open(s, 1, 0, undefined);
  for (const [k, t, v] of [['a', 1, 1], ['a', 12, 2], ['b', 3, 4], ['a', 5, 8]] as Ev[]) h.processElement([k, t, v], t);
  h.processWatermark(9); // [0, 10) fires; its state stays until 29
  const snap = await h.snapshot(1);
  const backend = new HeapKeyedStateBackend({ maxParallelism: MAX_P, keyGroupRange: KeyGroupRange.forOperator(MAX_P, 1, 0) });
  backend.restore([snap.keyed!]);
  const w = backend.getWindowState<Ev, number[]>('_window-contents', countSum);
  backend.setCurrentKey('a', keyGroupFor('a', MAX_P));
  assert.deepEqual(w.namespaces(), [20, 10]);
  assert.deepEqual(w.get(10), [2, 9]);
  assert.deepEqual(w.get(20), [1, 2]);
  backend.setCurrentKey('b', keyGroupFor('b', MAX_P));
  assert.deepEqual(w.namespaces(), [10]);
  const timers = new InternalTimerService({ maxParallelism: MAX_P, keyGroupRange: KeyGroupRange.forOperator(MAX_P, 1, 0) });
  timers.restore([snap.timers!]);
  const kgA = keyGroupFor('a', MAX_P);
  const kgB = keyGroupFor('b', MAX_P);
  assert.equal(timers.hasEventTimeTimer('a', kgA, 9), false, 'fired: no firing timer');
  assert.equal(timers.hasEventTimeTimer('a', kgA, 29), true, 'cleanup timer');
  assert.equal(timers.hasEventTimeTimer('a', kgA, 19), true, 'due: firing timer');
  assert.equal(timers.hasEventTimeTimer('a', kgA, 39), true);
  assert.equal(timers.hasEventTimeTimer('b', kgB, 29), true);
  assert.equal(timers.numEventTimeTimers(), 4);
  // And the tables restore it: [10, 20) fires once, [0, 10) does not fire again but still takes late records.
  const r = await open(s, 1, 0, [snap]);
  r.processElement(['b', 4, 16], 4);
  assert.deepEqual(r.takeOutput(), [['b', 0, [2, 20]]]);
  r.processWatermark(Number.POSITIVE_INFINITY);
  assert.deepEqual(r.output, [['a', 10, [1, 2]]]);
  assert.equal(r.keyedBackend!.numKeys('_window-contents'), 0);
  assert.equal(r.timerService!.numEventTimeTimers(), 0);
});

test('window tables restore a checkpoint of subtasks at different watermarks: each (key, window) fires once', async () => {
  // Two subtasks at watermarks 5 and 12, lateness 30: [0, 10) fired on the second only; restored into one subtask.
  const s = specOf(30, false);
  const p = 2;
  const a = await open(s, p, 0, undefined);
  const b = await open(s, p, 1, undefined);
  const keys: Key[] = Array.from({ length: 16 }, (_, i) => i);
  const sub = (k: Key): number => operatorIndexForKeyGroup(MAX_P, p, keyGroupFor(k, MAX_P));
  for (const k of keys) [a, b][sub(k)]!.processElement([k, 3, 1], 3);
  a.processWatermark(5);
  b.processWatermark(12);
  const fired = b.takeOutput().length;
  assert.ok(fired > 0 && a.output.length === 0);
  const snaps = [await a.snapshot(1), await b.snapshot(1)];
  const r = await open(s, 1, 0, snaps);
  r.processWatermark(Number.POSITIVE_INFINITY);
  assert.equal(r.output.length, keys.length - fired, 'only the keys of the subtask behind fire');
  for (const o of r.output) assert.equal(sub((o as [Key])[0]), 0);
});

test('a checkpoint of the key-major layout (window state plus (key, window) timers) restores into window tables: due firings fire once, fired windows take late records until cleanup', async () => {
  // Written as the key-major operator wrote it, allowed lateness 20: 'a' fired [0, 10) (cleanup timer 29 left) and has
  // [10, 20) due (19, 39); 'b' still has [0, 10) due (9, 29): its subtask was behind. The operator's watermark: 9.
  const s = specOf(20, false);
  const range = KeyGroupRange.forOperator(MAX_P, 1, 0);
  const backend = new HeapKeyedStateBackend({ maxParallelism: MAX_P, keyGroupRange: range });
  const contents = backend.getWindowState<Ev, number[]>('_window-contents', countSum);
  const timers = new InternalTimerService({ maxParallelism: MAX_P, keyGroupRange: range });
  const put = (k: Key, end: number, acc: number[], times: number[]): void => {
    backend.setCurrentKey(k, keyGroupFor(k, MAX_P));
    contents.set(end, acc);
    for (const t of times) timers.registerEventTimeTimer(k, keyGroupFor(k, MAX_P), t);
  };
  put('a', 10, [2, 9], [29]);
  put('a', 20, [1, 2], [19, 39]);
  put('b', 10, [1, 4], [9, 29]);
  const template = await open(s, 1, 0, undefined);
  template.processWatermark(9);
  const operator = (await template.snapshot(1)).operator;
  const keyedView = backend.snapshot();
  const timerView = timers.snapshot();
  const old: HarnessSnapshot = { keyed: keyedView.write(), timers: timerView.write(), operator };
  const r = await open(s, 2, 0, [old]);
  const r2 = await open(s, 2, 1, [old]);
  const fleet = new Fleet([r, r2]);
  fleet.run({ kind: 'record', key: 'a', t: 5, v: 16 }); // [0, 10) fired before the checkpoint: a late firing, the window resumed at 9
  fleet.run({ kind: 'watermark', to: Number.POSITIVE_INFINITY });
  assert.deepEqual(sorted(fleet.outputs().out), sorted([['b', 0, [1, 4]], ['a', 0, [3, 25]], ['a', 10, [1, 2]]]));
  assert.deepEqual(fleet.outputs().late, []);
  for (const h of fleet.hs) {
    assert.equal(h.keyedBackend!.numKeys('_window-contents'), 0);
    assert.equal(h.timerService!.numEventTimeTimers(), 0);
  }
});
