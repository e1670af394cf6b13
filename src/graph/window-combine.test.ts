// Tests of the planner rule for two-phase window aggregation: where a combiner goes, when it combines, and that uids stay put.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CountTrigger, EventTimeSessionWindows, SlidingEventTimeWindows, StreamExecutionEnvironment, TumblingEventTimeWindows, WatermarkStrategy, type WindowAssigner } from '../index.ts';
import { parseRunArgs } from '../cli/options.ts';
import { buildStreamGraph } from './stream-graph.ts';
import { buildJobGraph, type JobGraph } from './job-graph.ts';

type Ev = [number, string, number];
const sumAgg = {
  createAccumulator: (): number => 0, add: (e: Ev, a: number): number => a + e[2], getResult: (a: number): number => a, merge: (a: number, b: number): number => a + b,
};

function job(parallelism: number, options: { combine?: boolean; assigner?: WindowAssigner; fn?: 'aggregate' | 'reduce' | 'no-merge' | 'process'; trigger?: boolean; mode?: 'BATCH' } = {}): JobGraph {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism });
  if (options.combine !== undefined) env.setWindowCombine(options.combine);
  if (options.mode) env.setRuntimeMode(options.mode);
  const w = env.fromCollection<Ev>([[1, 'a', 1]]).setParallelism(parallelism)
    .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Ev>().withTimestampAssigner((e) => e[0]))
    .keyBy((e) => e[1])
    .window(options.assigner ?? TumblingEventTimeWindows.of(10));
  if (options.trigger) w.trigger(CountTrigger.of(2));
  const fn = options.fn ?? 'aggregate';
  const out = fn === 'reduce' ? w.reduce((a, b) => [a[0], a[1], a[2] + b[2]])
    : fn === 'process' ? w.process<number>({ process: () => {} })
    : w.aggregate(fn === 'no-merge' ? { ...sumAgg, merge: undefined } : sumAgg);
  out.uid('window').discard();
  return buildJobGraph(buildStreamGraph(env.transformations, env.sinks, env.config));
}

/** Each vertex's chain, a combiner shown with whether it combines. */
function chains(g: JobGraph): string[][] {
  return g.vertices.map((v) => v.operators.map((o) => (o.node.spec.kind === 'windowCombine' ? `combine:${o.node.spec.combine}` : o.node.spec.kind)));
}

test('p=2: a combiner chained behind the producer combines; the window keeps its uid and gets the global phase', () => {
  const g = job(2);
  assert.deepEqual(chains(g), [['source', 'timestampsAndWatermarks', 'combine:true'], ['window', 'discard']]);
  assert.deepEqual(g.edges.map((e) => e.partition.kind), ['hash']);
  const window = g.vertices[1]!.operators[0]!.node;
  assert.equal(window.uid, 'window');
  // The global phase: a partial's key is read from the partial, its accumulator merged.
  assert.equal(window.keySelector!(['\u0000weir:wf', 'z', 3]), 'z');
  assert.equal(window.keySelector!([1, 'a', 1]), 'a');
  const off = job(2, { combine: false });
  assert.deepEqual(chains(off), [['source', 'timestampsAndWatermarks'], ['window', 'discard']]);
  // The same uids on and off, but the combiner's (savepoints restore across the setting).
  const uids = (x: JobGraph): string[] => x.vertices.flatMap((v) => v.operators.map((o) => o.node.uid)).filter((u) => !u.endsWith('~window-combine'));
  assert.deepEqual(uids(g), uids(off));
});

test('p=1: the keyBy is a same-thread chain, so no combiner (it would only cost a call per record)', () => {
  assert.deepEqual(chains(job(1)), [['source', 'timestampsAndWatermarks', 'window', 'discard']]);
});

test('reduce and sliding windows in panes combine; uneven sliding, session, a custom trigger, a process function alone, an AggregateFunction without merge and BATCH do not', () => {
  assert.deepEqual(chains(job(2, { fn: 'reduce' }))[0]!.at(-1), 'combine:true');
  assert.deepEqual(chains(job(2, { assigner: SlidingEventTimeWindows.of(10, 5) }))[0]!.at(-1), 'combine:true');
  const none = [['source', 'timestampsAndWatermarks'], ['window', 'discard']];
  assert.deepEqual(chains(job(2, { assigner: SlidingEventTimeWindows.of(10, 4) })), none);
  assert.deepEqual(chains(job(2, { assigner: EventTimeSessionWindows.withGap(10) })), none);
  assert.deepEqual(chains(job(2, { trigger: true })), none);
  assert.deepEqual(chains(job(2, { fn: 'process' })), none);
  assert.deepEqual(chains(job(2, { fn: 'no-merge' })), none);
  assert.deepEqual(chains(job(2, { mode: 'BATCH' })), [['source', 'timestampsAndWatermarks'], ['window', 'discard']]);
});

test('--window-combine on|off and setWindowCombine set it; wrong values are refused, naming the setting', () => {
  assert.equal(parseRunArgs(['job.ts', '--window-combine', 'off']).defaults['windowCombine'], false);
  assert.equal(parseRunArgs(['job.ts', '--window-combine', 'on']).defaults['windowCombine'], true);
  assert.throws(() => parseRunArgs(['job.ts', '--window-combine', 'maybe']), /--window-combine must be on or off, got "maybe"/);
  assert.throws(() => StreamExecutionEnvironment.getExecutionEnvironment().setWindowCombine('no' as unknown as boolean), /setWindowCombine needs true or false/);
  assert.equal(StreamExecutionEnvironment.getExecutionEnvironment().config.windowCombine, true);
});
