// Two-input operators through the harness: co-map/flat-map/process, keyed co-process state and timers (watermark = min of both inputs), interval-join bounds and cleanup, broadcast state; snapshot and restore at another parallelism.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Collector } from '../../../core/types.ts';
import { OutputTag } from '../../../api/output-tag.ts';
import type {
  CoProcessContext, KeyedBroadcastContext, KeyedBroadcastOnTimerContext, KeyedCoOnTimerContext, KeyedCoProcessContext, KeyedReadOnlyBroadcastContext, ProcessJoinContext,
  ReadOnlyBroadcastContext, BroadcastContext,
} from '../../../api/two-input/functions.ts';
import type { RuntimeContext } from '../../../api/functions.ts';
import { MapStateDescriptor, ValueStateDescriptor, keyGroupFor, operatorIndexForKeyGroup, type ValueState } from '../../../state/index.ts';
import {
  TwoInputOperatorHarness, broadcastProcessSpec, coFlatMapSpec, coMapSpec, coProcessSpec, intervalJoinSpec, keyedBroadcastProcessSpec,
  keyedCoProcessSpec, type HarnessSnapshot,
} from '../../../testing/index.ts';

test('co-map and co-flat-map: each input through its own function, one output', async () => {
  const h = TwoInputOperatorHarness.forSpec(coMapSpec({ map1: (n: number) => `n${n}`, map2: (s: string) => `s${s}` }));
  await h.open();
  h.processElement1(1);
  h.processElement2('x');
  h.processElement1(2);
  assert.deepEqual(h.output, ['n1', 'sx', 'n2']);

  const f = TwoInputOperatorHarness.forSpec(coFlatMapSpec({
    flatMap1: (n: number, out: Collector<number>) => { for (let i = 0; i < n; i++) out.collect(i); },
    flatMap2: (s: string, out: Collector<number>) => out.collect(s.length),
  }));
  await f.open();
  f.processElement1(3);
  f.processElement2('abcd');
  assert.deepEqual(f.output, [0, 1, 2, 4]);
});

test('co-process: the timestamp of the current record, side outputs; timers are refused without keys', async () => {
  const odd = new OutputTag<number>('odd');
  const h = TwoInputOperatorHarness.forSpec(coProcessSpec({
    processElement1(n: number, ctx: CoProcessContext, out: Collector<string>) {
      if (n % 2 === 1) ctx.output(odd, n);
      else out.collect(`a${n}@${ctx.timestamp()}`);
    },
    processElement2(n: number, ctx: CoProcessContext, out: Collector<string>) {
      if (n < 0) ctx.timerService().registerEventTimeTimer(5);
      out.collect(`b${n}@${ctx.timestamp()}`);
    },
  }));
  await h.open();
  h.processElement1(2, 100);
  h.processElement1(3, 101);
  h.processElement2(7);
  assert.deepEqual(h.output, ['a2@100', 'b7@undefined']);
  assert.deepEqual(h.outputTimestamps, [100, NaN]);
  assert.deepEqual(h.sideOutput.get('odd'), [3]);
  assert.throws(() => h.processElement2(-1), /timers need keyed inputs/);
});

type Order = { id: string; amount: number };
type Payment = { id: string };

/** Orders wait for their payment; an order unpaid 10 ms (event time) after it arrived times out. */
class PaymentCheck {
  pending!: ValueState<number>;
  open(ctx: RuntimeContext): void { this.pending = ctx.getState(new ValueStateDescriptor<number>('pending')); }
  processElement1(o: Order, ctx: KeyedCoProcessContext<string>, out: Collector<string>): void {
    this.pending.update(o.amount);
    ctx.timerService().registerEventTimeTimer(ctx.timestamp()! + 10);
    void out;
  }
  processElement2(_p: Payment, ctx: KeyedCoProcessContext<string>, out: Collector<string>): void {
    const amount = this.pending.value();
    if (amount === undefined) { out.collect(`unexpected ${ctx.getCurrentKey()}`); return; }
    out.collect(`paid ${ctx.getCurrentKey()} ${amount}`);
    this.pending.clear();
  }
  onTimer(t: number, ctx: KeyedCoOnTimerContext<string>, out: Collector<string>): void {
    if (this.pending.value() === undefined) return;
    out.collect(`timeout ${ctx.getCurrentKey()} at ${t} (${ctx.timeDomain()})`);
    this.pending.clear();
  }
}

const paymentSpec = () => keyedCoProcessSpec(new PaymentCheck(), (o: Order) => o.id, (p: Payment) => p.id);

test('keyed co-process: both inputs share the key\'s state; event-time timers fire at the minimum of both inputs\' watermarks', async () => {
  const h = TwoInputOperatorHarness.forSpec(paymentSpec());
  await h.open();
  h.processElement1({ id: 'o1', amount: 5 }, 0);
  h.processElement1({ id: 'o2', amount: 7 }, 2);
  h.processElement2({ id: 'o1' }, 3);
  h.processElement2({ id: 'o3' }, 3);
  assert.deepEqual(h.takeOutput(), ['paid o1 5', 'unexpected o3']);
  h.processWatermark1(50);
  assert.deepEqual(h.output, [], 'input 2 still holds the watermark back');
  assert.deepEqual(h.watermarks, []);
  h.processWatermark2(11);
  assert.deepEqual(h.takeOutput(), [], 'o2 times out at 12');
  h.processWatermark2(12);
  assert.deepEqual(h.output, ['timeout o2 at 12 (event-time)']);
  assert.deepEqual(h.outputTimestamps, [12]);
  assert.deepEqual(h.watermarks, [11, 12]);
});

test('keyed co-process: state and timers restored at another parallelism fire once, each key on its own subtask', async () => {
  const h = TwoInputOperatorHarness.forSpec(paymentSpec());
  await h.open();
  const keys = Array.from({ length: 20 }, (_, i) => `o${i}`);
  keys.forEach((id, i) => h.processElement1({ id, amount: i }, i));
  h.processElement2({ id: 'o0' }, 30);
  assert.deepEqual(h.takeOutput(), ['paid o0 0']);
  const snap = await h.snapshot(1);
  h.processWatermark(1000);
  assert.equal(h.output.length, 19, 'the original fires too, but is thrown away (a failure)');

  const fired: string[] = [];
  const subtasks: TwoInputOperatorHarness<Order, Payment, string>[] = [];
  for (let s = 0; s < 3; s++) {
    const r = TwoInputOperatorHarness.forSpec(paymentSpec(), { parallelism: 3, subtaskIndex: s, restore: [snap] });
    await r.open();
    subtasks.push(r);
  }
  // o5 is paid after the restore, on the subtask that owns its key group.
  const owner = operatorIndexForKeyGroup(128, 3, keyGroupFor('o5', 128));
  subtasks[owner]!.processElement2({ id: 'o5' }, 40);
  for (const r of subtasks) {
    r.processWatermark(1000);
    r.processWatermark(2000);
    fired.push(...r.output);
  }
  const expected = keys.slice(1).filter((k) => k !== 'o5').map((k) => `timeout ${k} at ${Number(k.slice(1)) + 10} (event-time)`);
  assert.deepEqual(fired.filter((l) => l.startsWith('timeout')).sort(), expected.sort());
  assert.deepEqual(fired.filter((l) => !l.startsWith('timeout')), ['paid o5 5']);
});

type L = { k: string; t: number };
type R = { k: string; t: number };
const pairs = {
  processElement(l: L, r: R, ctx: ProcessJoinContext, out: Collector<string>) {
    out.collect(`${l.t}-${r.t}@${ctx.timestamp}`);
  },
};
function joinHarness(lower: number, upper: number, options?: { parallelism?: number; subtaskIndex?: number; restore?: HarnessSnapshot[] }) {
  return TwoInputOperatorHarness.forSpec(intervalJoinSpec(lower, upper, pairs, (l: L) => l.k, (r: R) => r.k), options);
}

test('interval join: right within [left + lower, left + upper], bounds inclusive, each pair once whichever side comes first, stamped with the later time', async () => {
  const h = joinHarness(-2, 3);
  await h.open();
  for (const t of [7, 8, 10, 13, 14]) h.processElement2({ k: 'a', t }, t);
  h.processElement1({ k: 'a', t: 10 }, 10);
  h.processElement1({ k: 'b', t: 10 }, 10);
  assert.deepEqual(h.takeOutput(), ['10-8@10', '10-10@10', '10-13@13']);
  h.processElement2({ k: 'a', t: 12 }, 12);
  h.processElement2({ k: 'a', t: 6 }, 6);
  assert.deepEqual(h.output, ['10-12@12']);
  assert.deepEqual(h.outputTimestamps, [12]);
});

test('interval join: buffers are cleaned up by event-time timers; records behind the watermark are dropped', async () => {
  const h = joinHarness(-2, 3);
  await h.open();
  h.processElement1({ k: 'a', t: 10 }, 10);
  h.processElement2({ k: 'a', t: 20 }, 20);
  h.processWatermark(12);
  assert.equal(h.withKey('a', (b) => Array.from(b.getMapState(new MapStateDescriptor<number, unknown[]>('interval-join-left')).keys()).length), 1);
  h.processWatermark(13); // left 10 can match rights up to 13: gone now
  assert.equal(h.withKey('a', (b) => b.getMapState(new MapStateDescriptor<number, unknown[]>('interval-join-left')).isEmpty()), true);
  h.processElement2({ k: 'a', t: 13 }, 13); // would have matched left 10, which is gone: Weir, as Flink, counts on the watermark
  h.processElement1({ k: 'a', t: 12 }, 12); // behind the watermark: late, dropped
  assert.deepEqual(h.output, []);
  h.processElement1({ k: 'a', t: 18 }, 18);
  assert.deepEqual(h.output, ['18-20@20']);
  h.processWatermark(22); // right 20 is kept until 20 + 2 (lefts down to 18 match it)
  h.processWatermark(Infinity);
  assert.equal(h.keyedBackend!.numKeys(), 0, 'nothing left in state');
});

test('interval join: buffered records survive a restore at another parallelism and still match', async () => {
  const h = joinHarness(0, 5);
  await h.open();
  const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
  for (const k of keys) h.processElement1({ k, t: 100 }, 100);
  const snap = await h.snapshot(1);
  const out: string[] = [];
  for (let s = 0; s < 2; s++) {
    const r = joinHarness(0, 5, { parallelism: 2, subtaskIndex: s, restore: [snap] });
    await r.open();
    for (const k of keys) {
      if (operatorIndexForKeyGroup(128, 2, keyGroupFor(k, 128)) === s) { r.processElement2({ k, t: 105 }, 105); r.processElement2({ k, t: 106 }, 106); }
    }
    out.push(...r.output);
  }
  assert.deepEqual(out, keys.map(() => '100-105@105'));
});

const rules = new MapStateDescriptor<string, number>('rules');

/** Data: a word passes when a rule for its first letter allows its length. Broadcast: [letter, maxLength]. */
const ruleFilter = {
  processElement(w: string, ctx: ReadOnlyBroadcastContext, out: Collector<string>) {
    const max = ctx.getBroadcastState(rules).get(w[0]!);
    if (max !== undefined && w.length <= max) out.collect(w);
  },
  processBroadcastElement(rule: [string, number], ctx: BroadcastContext) {
    ctx.getBroadcastState(rules).put(rule[0], rule[1]);
  },
};

async function ruleHarness(parallelism: number, subtaskIndex: number, restore?: HarnessSnapshot[]) {
  const h = TwoInputOperatorHarness.forSpec(broadcastProcessSpec(ruleFilter, [rules]), { parallelism, subtaskIndex, ...(restore ? { restore } : {}) });
  await h.open();
  return h;
}

test('broadcast state: processElement reads it (read-only), broadcast elements write it', async () => {
  const h = await ruleHarness(1, 0);
  h.processElement1('apple');
  h.processElement2(['a', 5]);
  h.processElement1('apple');
  h.processElement1('avocado');
  h.processElement2(['a', 10]);
  h.processElement1('avocado');
  assert.deepEqual(h.output, ['apple', 'avocado']);
  const sneaky = {
    processElement(_w: string, ctx: ReadOnlyBroadcastContext) { (ctx.getBroadcastState(rules) as unknown as { put(k: string, v: number): void }).put('x', 1); },
    processBroadcastElement() {},
  };
  const s = TwoInputOperatorHarness.forSpec(broadcastProcessSpec(sneaky, [rules]));
  await s.open();
  assert.throws(() => s.processElement1('x'), /put is not a function/);
  const undeclared = TwoInputOperatorHarness.forSpec(broadcastProcessSpec(ruleFilter, []));
  await undeclared.open();
  assert.throws(() => undeclared.processElement1('x'), /broadcast state "rules" was not declared/);
});

test('broadcast state is checkpointed once per subtask and identical on every subtask after a restore at another parallelism', async () => {
  const old = [await ruleHarness(2, 0), await ruleHarness(2, 1)];
  for (const h of old) { h.processElement2(['a', 5]); h.processElement2(['b', 3]); h.processElement2(['a', 6]); }
  const snaps = [await old[0]!.snapshot(7), await old[1]!.snapshot(7)];
  for (const s of snaps) assert.deepEqual(s.operator['broadcast:rules'], { mode: 'broadcast', items: [['a', 6], ['b', 3]] });
  for (const p of [3, 1, 2]) {
    const restored = await Promise.all(Array.from({ length: p }, (_, i) => ruleHarness(p, i, snaps)));
    for (const r of restored) {
      for (const w of ['abcdef', 'abcdefg', 'bcd', 'bcde', 'c']) r.processElement1(w);
      assert.deepEqual(r.output, ['abcdef', 'bcd'], `parallelism ${p}`);
      const again = await r.snapshot(8);
      assert.deepEqual(again.operator['broadcast:rules']!.items, [['a', 6], ['b', 3]], `one whole copy at parallelism ${p}, not ${p} concatenated`);
    }
  }
});

test('keyed broadcast: keyed state and timers in processElement, applyToKeyedState from broadcast elements', async () => {
  const threshold = new MapStateDescriptor<string, number>('threshold');
  const seenDesc = new ValueStateDescriptor<number>('seen');
  let seen!: ValueState<number>;
  const fn = {
    open(ctx: RuntimeContext) { seen = ctx.getState(seenDesc); },
    processElement(v: [string, number], ctx: KeyedReadOnlyBroadcastContext<string>, out: Collector<string>) {
      seen.update((seen.value() ?? 0) + v[1]);
      const limit = ctx.getBroadcastState(threshold).get('limit');
      if (limit !== undefined && seen.value()! > limit) out.collect(`${ctx.getCurrentKey()} over ${limit}`);
      ctx.timerService().registerEventTimeTimer(100);
    },
    processBroadcastElement(limit: number, ctx: KeyedBroadcastContext<string>, out: Collector<string>) {
      ctx.getBroadcastState(threshold).put('limit', limit);
      ctx.applyToKeyedState(seenDesc, (key) => { if (seen.value()! > limit) out.collect(`${key} over ${limit} (rule change)`); });
    },
    onTimer(t: number, ctx: KeyedBroadcastOnTimerContext<string>, out: Collector<string>) { out.collect(`${ctx.getCurrentKey()} total ${seen.value()} at ${t} (${ctx.timeDomain()})`); },
  };
  const h = TwoInputOperatorHarness.forSpec(keyedBroadcastProcessSpec(fn, [threshold], (v: [string, number]) => v[0]));
  await h.open();
  h.processElement1(['x', 5], 1);
  h.processElement1(['y', 1], 1);
  h.processElement2(3);
  h.processElement1(['y', 3], 2);
  h.processWatermark(100);
  assert.deepEqual(h.output, ['x over 3 (rule change)', 'y over 3', 'x total 5 at 100 (event-time)', 'y total 4 at 100 (event-time)']);
});

test('keyed broadcast: keyed state used in processBroadcastElement outside applyToKeyedState fails clearly instead of acting on the last key', async () => {
  const seenDesc = new ValueStateDescriptor<number>('seen');
  let seen!: ValueState<number>;
  const fn = {
    open(ctx: RuntimeContext) { seen = ctx.getState(seenDesc); },
    processElement(v: [string, number]) { seen.update((seen.value() ?? 0) + v[1]); },
    processBroadcastElement(limit: number, ctx: KeyedBroadcastContext<string>, out: Collector<string>) {
      if (limit < 0) out.collect(`last key's seen: ${seen.value()}`); // a bug: no key here
      else ctx.applyToKeyedState(seenDesc, (key) => out.collect(`${key}:${seen.value()}`));
    },
  };
  const h = TwoInputOperatorHarness.forSpec(keyedBroadcastProcessSpec(fn, [], (v: [string, number]) => v[0]));
  await h.open();
  h.processElement1(['x', 5], 1);
  // Right after a keyed element the last key is still set: the operator must not let it through.
  assert.throws(() => h.processElement2(-1), /processBroadcastElement used keyed state outside ctx\.applyToKeyedState\(\)/);
  h.processElement2(1);
  assert.deepEqual(h.takeOutput(), ['x:5']);
  // A keyed element afterwards has its own key again.
  h.processElement1(['x', 1], 2);
  h.processElement2(1);
  assert.deepEqual(h.takeOutput(), ['x:6']);
});

test('interval join with a window wholly in the past: a right record waits for lefts up to its time − lower', async () => {
  const h = joinHarness(-10, -5);
  await h.open();
  h.processElement2({ k: 'a', t: 0 }, 0);
  h.processWatermark(7);
  h.processElement1({ k: 'a', t: 8 }, 8); // joins rights in [−2, 3]
  h.processElement1({ k: 'a', t: 16 }, 16); // joins rights in [6, 11]: none
  assert.deepEqual(h.takeOutput(), ['8-0@8']);
  h.processWatermark(10); // right 0 can match lefts up to 10: gone now
  h.processElement1({ k: 'a', t: 10 }, 10);
  assert.deepEqual(h.output, []);
  h.processWatermark(Infinity);
  assert.equal(h.keyedBackend!.numKeys(), 0);
});

test('interval join with fractional timestamps and bounds: buffers are still cleaned up', async () => {
  const h = joinHarness(-0.2, 0.3);
  await h.open();
  h.processElement1({ k: 'a', t: 0.1 }, 0.1);
  h.processElement2({ k: 'a', t: 0.3 }, 0.3);
  h.processElement2({ k: 'a', t: 0.45 }, 0.45);
  assert.deepEqual(h.output, ['0.1-0.3@0.3']);
  h.processWatermark(Infinity);
  assert.equal(h.keyedBackend!.numKeys(), 0);
});
