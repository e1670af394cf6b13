// Inline jobs with two inputs: connect (co-map, keyed co-process with timers), interval-join bounds, exclusivity and late data, window join and coGroup per window, the broadcast state pattern; plan and validation.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TwoInputOperatorHarness, type TypedTwoInputSpec } from '../../testing/index.ts';
import {
  ConfigError, MapStateDescriptor, OutputTag, StreamExecutionEnvironment, TumblingEventTimeWindows, ValueStateDescriptor, WatermarkStrategy,
  type Collector, type KeyedBroadcastContext, type KeyedCoOnTimerContext, type KeyedCoProcessContext, type KeyedReadOnlyBroadcastContext,
  type ProcessJoinContext, type RuntimeContext, type ValueState,
} from '../../index.ts';

type Ev = { k: string; t: number };
const byTime = <T extends { t: number }>() => WatermarkStrategy.forMonotonousTimestamps<T>().withTimestampAssigner((e) => e.t);

test('connect + co-map at parallelism 2: every record of both inputs once; the plan carries the input index', async () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  const nums = env.fromCollection(Array.from({ length: 100 }, (_, i) => i));
  const words = env.fromCollection(Array.from({ length: 50 }, (_, i) => `w${i}`));
  const merged = nums.connect(words).map({ map1: (n: number) => `n${n}`, map2: (w: string) => w });
  const planEnv = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  planEnv.fromElements(1).connect(planEnv.fromElements('a')).map({ map1: (n: number) => `${n}`, map2: (w: string) => w }).discard();
  const plan = JSON.parse(planEnv.getExecutionPlan()) as { vertices: { name: string; inputs: { input?: number }[] }[] };
  const co = plan.vertices.find((v) => v.name.startsWith('Co-Map'))!;
  assert.deepEqual(co.inputs.map((i) => i.input ?? 0).sort(), [0, 1]);
  const out = await merged.executeAndCollect();
  assert.deepEqual(out.sort(), [...Array.from({ length: 100 }, (_, i) => `n${i}`), ...Array.from({ length: 50 }, (_, i) => `w${i}`)].sort());
});

test('keyed connect: a.keyBy(k1).connect(b.keyBy(k2)) and connect(...).keyBy(k1, k2) share the key\'s state; timers fire', async () => {
  for (const form of ['keyed streams', 'connect().keyBy']) {
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 3 });
    const orders = env.fromCollection(Array.from({ length: 60 }, (_, i) => ({ k: `o${i}`, t: i }))).assignTimestampsAndWatermarks(byTime<Ev>());
    const payments = env.fromCollection(Array.from({ length: 60 }, (_, i) => i).filter((i) => i % 3 === 0).map((i) => ({ k: `o${i}`, t: i + 1 })))
      .assignTimestampsAndWatermarks(byTime<Ev>());
    const connected = form === 'keyed streams' ? orders.keyBy((o) => o.k).connect(payments.keyBy((p) => p.k)) : orders.connect(payments).keyBy((o) => o.k, (p) => p.k);
    const out = await connected.process(() => {
      let state!: ValueState<string>;
      return {
        open(ctx: RuntimeContext) { state = ctx.getState(new ValueStateDescriptor<string>('s')); },
        processElement1(o: Ev, ctx: KeyedCoProcessContext<string>) {
          state.update(state.value() === 'paid' ? 'done' : 'open');
          ctx.timerService().registerEventTimeTimer(o.t + 100);
        },
        processElement2(_p: Ev) { state.update(state.value() === 'open' ? 'done' : 'paid'); },
        onTimer(_t: number, ctx: KeyedCoOnTimerContext<string>, out: Collector<string>) { out.collect(`${ctx.getCurrentKey()} ${state.value()}`); },
      };
    }).executeAndCollect();
    assert.equal(out.length, 60, form);
    for (const line of out) {
      const [k, s] = line.split(' ');
      assert.equal(s, Number(k!.slice(1)) % 3 === 0 ? 'done' : 'open', `${form}: ${line}`);
    }
  }
});

async function intervalJoin(lowerExclusive: boolean, upperExclusive: boolean): Promise<string[]> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  const left = env.fromCollection([{ k: 'a', t: 10 }, { k: 'b', t: 10 }]).assignTimestampsAndWatermarks(byTime<Ev>());
  const right = env.fromCollection([7, 8, 9, 10, 11, 12, 13, 14].map((t) => ({ k: 'a', t }))).assignTimestampsAndWatermarks(byTime<Ev>());
  let joined = left.keyBy((e) => e.k).intervalJoin(right.keyBy((e) => e.k)).between(-2, 3);
  if (lowerExclusive) joined = joined.lowerBoundExclusive();
  if (upperExclusive) joined = joined.upperBoundExclusive();
  const out = await joined.process({
    processElement(l: Ev, r: Ev, ctx: ProcessJoinContext, out: Collector<string>) { out.collect(`${l.k}${l.t}-${r.t}@${ctx.timestamp}`); },
  }).executeAndCollect();
  return out.sort();
}

test('interval join in a job: between(-2, 3) with each combination of exclusive bounds', async () => {
  assert.deepEqual(await intervalJoin(false, false), ['a10-10@10', 'a10-11@11', 'a10-12@12', 'a10-13@13', 'a10-8@10', 'a10-9@10']);
  assert.deepEqual(await intervalJoin(true, false), ['a10-10@10', 'a10-11@11', 'a10-12@12', 'a10-13@13', 'a10-9@10']);
  assert.deepEqual(await intervalJoin(false, true), ['a10-10@10', 'a10-11@11', 'a10-12@12', 'a10-8@10', 'a10-9@10']);
  assert.deepEqual(await intervalJoin(true, true), ['a10-10@10', 'a10-11@11', 'a10-12@12', 'a10-9@10']);
});

test('window join and coGroup: pairs of one key within one window, once per window', async () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  const clicks = env.fromCollection([{ k: 'u1', t: 1 }, { k: 'u1', t: 4 }, { k: 'u2', t: 5 }, { k: 'u1', t: 12 }, { k: 'u3', t: 13 }])
    .assignTimestampsAndWatermarks(byTime<Ev>());
  const views = env.fromCollection([{ k: 'u1', t: 2 }, { k: 'u2', t: 11 }, { k: 'u1', t: 15 }, { k: 'u1', t: 19 }])
    .assignTimestampsAndWatermarks(byTime<Ev>());
  const joined = clicks.join(views).where((c) => c.k).equalTo((v) => v.k).window(TumblingEventTimeWindows.of(10))
    .apply((c: Ev, v: Ev) => `${c.k} ${c.t}/${v.t}`);
  const grouped = clicks.coGroup(views).where('k').equalTo('k').window(TumblingEventTimeWindows.of(10))
    .apply((cs: readonly Ev[], vs: readonly Ev[], out: Collector<string>) => out.collect(`${(cs[0] ?? vs[0])!.k} ${cs.length}:${vs.length}`));
  const out = await joined.map((s) => `J ${s}`).union(grouped.map((s) => `G ${s}`)).executeAndCollect();
  assert.deepEqual(out.filter((s) => s.startsWith('J')).sort(), ['J u1 1/2', 'J u1 12/15', 'J u1 12/19', 'J u1 4/2']);
  assert.deepEqual(out.filter((s) => s.startsWith('G')).sort(), ['G u1 1:2', 'G u1 2:1', 'G u2 0:1', 'G u2 1:0', 'G u3 1:0']);
});

test('broadcast state pattern in a job: keyed events see the rules on every subtask, whatever arrives first', async () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 3 });
  const limits = new MapStateDescriptor<string, number>('limits');
  const rules = env.fromCollection([['max', 10]] as [string, number][]).broadcast(limits);
  const events = env.fromCollection(Array.from({ length: 40 }, (_, i) => ({ k: `k${i % 8}`, t: i })));
  const totalDesc = new ValueStateDescriptor<number>('total');
  const out = await events.keyBy((e) => e.k).connect(rules).process(() => {
    let total!: ValueState<number>;
    return {
      open(ctx: RuntimeContext) { total = ctx.getState(totalDesc); },
      processElement(e: Ev, ctx: KeyedReadOnlyBroadcastContext<string>, out: Collector<string>) {
        const before = total.value() ?? 0;
        total.update(before + e.t);
        const max = ctx.getBroadcastState(limits).get('max');
        if (max !== undefined && before <= max && before + e.t > max) out.collect(ctx.getCurrentKey());
      },
      processBroadcastElement(rule: [string, number], ctx: KeyedBroadcastContext<string>, out: Collector<string>) {
        ctx.getBroadcastState(limits).put(rule[0], rule[1]);
        ctx.applyToKeyedState(totalDesc, (key) => { if (total.value()! > rule[1]) out.collect(key); });
      },
    };
  }).executeAndCollect();
  assert.deepEqual(out.sort(), Array.from({ length: 8 }, (_, i) => `k${i}`).sort(), 'each key crosses the limit once');
});

test('two-input settings are validated when the job is built', () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const a = env.fromElements({ k: 'a', t: 1 });
  const b = env.fromElements({ k: 'a', t: 1 });
  assert.throws(() => a.keyBy((e) => e.k).connect(b), /both streams are keyed/);
  assert.throws(() => a.connect(b).map({ map1: (x: Ev) => x } as never), /map1\(\) and map2\(\)/);
  assert.throws(() => a.keyBy((e) => e.k).intervalJoin(b.keyBy((e) => e.k)).between(5, 1), /lower must not be larger/);
  assert.throws(() => a.keyBy((e) => e.k).intervalJoin(b.keyBy((e) => e.k)).between(1, 1).lowerBoundExclusive().process({ processElement() {} }), /empty interval/);
  assert.throws(() => a.broadcast(new ValueStateDescriptor('x') as never), ConfigError);
  const other = StreamExecutionEnvironment.getExecutionEnvironment();
  assert.throws(() => a.connect(other.fromElements(1)).map({ map1: () => 0, map2: (x: number) => x }), /same environment/);
});

test('keyed co-flat-map with keyed state from open(): a factory per subtask inline; a shared object with open() is refused', async () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  const a = env.fromCollection(Array.from({ length: 30 }, (_, i) => `k${i % 5}`));
  const b = env.fromCollection(Array.from({ length: 10 }, (_, i) => `k${i % 5}`));
  const make = () => {
    let seen!: ValueState<number>;
    return {
      open(ctx: RuntimeContext) { seen = ctx.getState(new ValueStateDescriptor<number>('seen')); },
      flatMap1(k: string) { seen.update((seen.value() ?? 0) + 1); void k; },
      flatMap2(k: string, out: Collector<string>) { out.collect(`${k}:${seen.value() ?? 0}`); },
    };
  };
  const connected = a.connect(b).keyBy((k) => k, (k) => k);
  const out = await connected.flatMap(make).executeAndCollect();
  assert.equal(out.length, 10);
  for (const line of out) assert.match(line, /^k\d:\d+$/);
  const env2 = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  const shared = env2.fromElements('x').connect(env2.fromElements('y')).keyBy((k) => k, (k) => k).flatMap(make());
  await assert.rejects(shared.executeAndCollect(), /would be shared by 2 subtasks/);
});

test('interval join late data: sideOutputLeftLateData / sideOutputRightLateData get the records behind the watermark', async () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const lateLeft = new OutputTag<Ev>('late-left');
  const lateRight = new OutputTag<Ev>('late-right');
  const joined = env.fromElements<Ev>({ k: 'a', t: 0 }).keyBy((e) => e.k)
    .intervalJoin(env.fromElements<Ev>({ k: 'a', t: 0 }).keyBy((e) => e.k))
    .between(0, 5)
    .sideOutputLeftLateData(lateLeft)
    .sideOutputRightLateData(lateRight)
    .process({ processElement(l: Ev, r: Ev, _ctx: ProcessJoinContext, out: Collector<string>) { out.collect(`${l.t}-${r.t}`); } });
  // The spec the API built, driven through the harness: the watermark is set by the test, so lateness is deterministic.
  const h = TwoInputOperatorHarness.forSpec(joined.transformation.spec as TypedTwoInputSpec<Ev, Ev, string>);
  await h.open();
  h.processElement1({ k: 'a', t: 10 }, 10);
  h.processWatermark(20);
  h.processElement1({ k: 'a', t: 12 }, 12);
  h.processElement2({ k: 'a', t: 13 }, 13);
  h.processElement2({ k: 'a', t: 20 }, 20);
  h.processElement1({ k: 'a', t: 20 }, 20);
  assert.deepEqual(h.output, ['20-20']);
  assert.deepEqual(h.sideOutput.get('late-left'), [{ k: 'a', t: 12 }]);
  assert.deepEqual(h.sideOutput.get('late-right'), [{ k: 'a', t: 13 }]);
  assert.throws(() => env.fromElements<Ev>({ k: 'a', t: 0 }).keyBy((e) => e.k).intervalJoin(env.fromElements<Ev>({ k: 'a', t: 0 }).keyBy((e) => e.k)).between(0, 1).sideOutputLeftLateData({} as never), /needs an OutputTag/);
});

test('connect across parallelisms and through a union: each input may have several edges, each record arrives once on its side', async () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  const a = env.fromCollection(Array.from({ length: 40 }, (_, i) => i)); // parallelism 1
  const b1 = env.fromSequence(100, 139).map((n) => n).setParallelism(3);
  const b2 = env.fromSequence(200, 219);
  const out = await a.connect(b1.union(b2)).map({ map1: (n: number) => `a${n}`, map2: (n: number) => `b${n}` }).setParallelism(3).executeAndCollect();
  const want = [
    ...Array.from({ length: 40 }, (_, i) => `a${i}`),
    ...Array.from({ length: 40 }, (_, i) => `b${100 + i}`),
    ...Array.from({ length: 20 }, (_, i) => `b${200 + i}`),
  ];
  assert.deepEqual(out.sort(), want.sort());
});
