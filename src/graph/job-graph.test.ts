// Tests of the stream graph → job graph translation: chaining decisions, partitioners, parallelism checks and uids.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, StreamExecutionEnvironment } from '../index.ts';
import { buildStreamGraph } from './stream-graph.ts';
import { buildJobGraph, describeJobGraph, type JobGraph } from './job-graph.ts';

function jobGraphOf(env: StreamExecutionEnvironment): JobGraph {
  return buildJobGraph(buildStreamGraph(env.transformations, env.sinks, env.config));
}

/** Each vertex as its chain of operator names. */
function chains(g: JobGraph): string[][] {
  return g.vertices.map((v) => v.operators.map((o) => o.node.name));
}

function edges(g: JobGraph): string[] {
  return g.edges.map((e) => `${e.source.index}->${e.target.index}:${e.partition.kind}`);
}

test('source -> map -> filter -> sink at equal parallelism form one vertex that calls each operator directly', () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  env.fromSequence(1, 10).map((n) => n * 2).filter((n) => n > 4).discard();
  const g = jobGraphOf(env);
  assert.deepEqual(chains(g), [['Sequence Source', 'Map', 'Filter', 'Discard']]);
  assert.equal(g.edges.length, 0);
  const v = g.vertices[0]!;
  assert.equal(v.parallelism, 2);
  assert.equal(v.isSource, true);
  assert.equal(v.name, 'Sequence Source -> Map -> Filter -> Discard');
  assert.deepEqual(v.operators.map((o) => o.chainedOutputs), [[1], [2], [3], []]);
});

test('disableChaining() isolates the operator; startNewChain() only cuts the link to its input', () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  env.fromSequence(1, 10).map((n) => n).disableChaining().filter(() => true).discard();
  const g = jobGraphOf(env);
  assert.deepEqual(chains(g), [['Sequence Source'], ['Map'], ['Filter', 'Discard']]);
  assert.deepEqual(edges(g), ['0->1:forward', '1->2:forward']);

  const env2 = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  env2.fromSequence(1, 10).map((n) => n).filter(() => true).startNewChain().map((n) => n).discard();
  const g2 = jobGraphOf(env2);
  assert.deepEqual(chains(g2), [['Sequence Source', 'Map'], ['Filter', 'Map', 'Discard']]);
  assert.deepEqual(edges(g2), ['0->1:forward']);
});

test('a change of parallelism breaks the chain and inserts a rebalance', () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  env.fromSequence(1, 10).map((n) => n).setParallelism(3).filter(() => true).setParallelism(3).discard();
  const stream = buildStreamGraph(env.transformations, env.sinks, env.config);
  const mapIn = stream.nodes[1]!.inEdges[0]!;
  assert.equal(mapIn.partition.kind, 'rebalance');
  assert.equal(mapIn.implicit, true);
  const g = buildJobGraph(stream);
  assert.deepEqual(chains(g), [['Sequence Source'], ['Map', 'Filter'], ['Discard']]);
  assert.deepEqual(edges(g), ['0->1:rebalance', '1->2:rebalance']);
  assert.deepEqual(g.vertices.map((v) => v.parallelism), [2, 3, 2]);
});

test('keyBy breaks the chain with a hash edge; the keyed operator and the map after it chain together', () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  env.fromSequence(1, 10)
    .map((n): [string, number] => [`k${n % 3}`, n])
    .keyBy((t) => t[0])
    .sum(1)
    .map((t) => t[1])
    .discard();
  const g = jobGraphOf(env);
  assert.deepEqual(chains(g), [['Sequence Source', 'Map'], ['Keyed Aggregation (sum 1)', 'Map', 'Discard']]);
  assert.deepEqual(edges(g), ['0->1:hash']);
  const keyedVertex = g.vertices[1]!;
  assert.ok(keyedVertex.operators[0]!.node.keySelector, 'the aggregation is keyed');
  assert.equal(keyedVertex.operators[1]!.node.keySelector, undefined, 'the map after it is not');
  assert.equal(g.edges[0]!.sourceOperator, 1, 'the hash edge leaves from the map, operator 1 of the source chain');
});

test('an operator directly on a keyed stream is keyed and starts a chain after the hash edge (BATCH, or parallelism > 1)', () => {
  for (const setting of ['BATCH', 'AUTOMATIC', 'parallelism 2'] as const) {
    const env = StreamExecutionEnvironment.getExecutionEnvironment(setting === 'parallelism 2' ? { parallelism: 2 } : {});
    if (setting !== 'parallelism 2') env.setRuntimeMode(setting);
    env.fromElements('a', 'b').keyBy((s) => s).map((s) => s.toUpperCase()).discard();
    const g = jobGraphOf(env);
    assert.deepEqual(chains(g), [['Collection Source'], ['Map', 'Discard']], setting);
    assert.ok(g.vertices[1]!.operators[0]!.node.keySelector);
    assert.deepEqual(edges(g), ['0->1:hash']);
  }
});

test('STREAMING at parallelism 1 on both sides: the keyed operator chains behind its keyBy (no exchange)', () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.fromElements('a', 'b').keyBy((s) => s).map((s) => s.toUpperCase()).discard();
  const g = jobGraphOf(env);
  assert.deepEqual(chains(g), [['Collection Source', 'Map', 'Discard']]);
  assert.ok(g.vertices[0]!.operators[1]!.node.keySelector, 'the chained map is keyed');
  assert.deepEqual(edges(g), []);
  // A source at parallelism 1 (a collection) before a keyed stage at 2 keeps the exchange.
  const mixed = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  mixed.fromElements('a', 'b').keyBy((s) => s).map((s) => s.toUpperCase()).discard();
  assert.deepEqual(chains(jobGraphOf(mixed)), [['Collection Source'], ['Map', 'Discard']]);
  assert.deepEqual(edges(jobGraphOf(mixed)), ['0->1:hash']);
});

test('union: the consumer of two streams has two input edges and heads its own vertex', () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const a = env.fromElements(1, 2);
  const b = env.fromElements(3, 4).map((n) => n * 10);
  a.union(b).map((n) => n + 1).discard();
  const g = jobGraphOf(env);
  assert.deepEqual(chains(g), [['Collection Source'], ['Collection Source', 'Map'], ['Map', 'Discard']]);
  assert.deepEqual(edges(g).sort(), ['0->2:forward', '1->2:forward']);
  assert.equal(g.vertices[2]!.inputs.length, 2);
  assert.equal(g.edges.find((e) => e.source.index === 1)!.sourceOperator, 1);
});

test('an explicit partitioner (rebalance, broadcast...) breaks the chain even at equal parallelism', () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  const s = env.fromSequence(1, 10);
  s.rebalance().map((n) => n).discard();
  s.broadcast().filter(() => true).discard();
  const g = jobGraphOf(env);
  assert.deepEqual(chains(g), [['Sequence Source'], ['Map', 'Discard'], ['Filter', 'Discard']]);
  assert.deepEqual(edges(g), ['0->1:rebalance', '0->2:broadcast']);
});

test('forward() across a change of parallelism is a ConfigError naming both operators', () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  env.fromSequence(1, 10).map((n) => n).name('Parse').forward().filter(() => true).name('Keep').setParallelism(3).discard();
  assert.throws(() => env.getExecutionPlan(), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /"Parse".*parallelism 2.*"Keep".*parallelism 3/);
    return true;
  });
});

test('parallelism above maxParallelism is a ConfigError naming the setting', () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 4, maxParallelism: 2 });
  env.fromSequence(1, 10).discard();
  assert.throws(() => env.getExecutionPlan(), (e: unknown) => e instanceof ConfigError && /maxParallelism/.test(e.message) && /parallelism \(4\)/.test(e.message));

  const env2 = StreamExecutionEnvironment.getExecutionEnvironment({ maxParallelism: 8 });
  env2.fromSequence(1, 10).map((n) => n).name('Wide').setParallelism(9).discard();
  assert.throws(() => env2.getExecutionPlan(), (e: unknown) => e instanceof ConfigError && /"Wide".*parallelism 9.*maxParallelism 8/.test(e.message));
});

function program(names: { map: string }, mapUid?: string): StreamExecutionEnvironment {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  const m = env.fromSequence(1, 100).map((n) => [n % 7, n] as [number, number]).name(names.map);
  if (mapUid) m.uid(mapUid);
  m.keyBy((t) => t[0]).sum(1).filter(() => true).discard();
  env.fromSequence(1, 5).map((n) => n).discard();
  return env;
}

function uids(env: StreamExecutionEnvironment): string[] {
  return buildStreamGraph(env.transformations, env.sinks, env.config).nodes.map((n) => n.uid);
}

test('derived uids are stable across builds, independent of names, and unique; user uids win', () => {
  const first = uids(program({ map: 'Pair' }));
  assert.deepEqual(uids(program({ map: 'Pair' })), first);
  assert.deepEqual(uids(program({ map: 'Renamed' })), first, 'a rename keeps the state mapping');
  assert.equal(new Set(first).size, first.length);
  const env = program({ map: 'Pair' }, 'pairs');
  const withUid = buildStreamGraph(env.transformations, env.sinks, env.config);
  const pair = withUid.nodes.find((n) => n.name === 'Pair')!;
  assert.equal(pair.uid, 'pairs');
  assert.equal(pair.userUid, true);
  assert.equal(withUid.nodes.filter((n) => n.userUid).length, 1);
});

test('a uid used twice is a ConfigError naming it and both operators', () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const s = env.fromElements(1, 2, 3);
  s.map((n) => n).name('First').uid('dup').discard();
  s.map((n) => n + 1).name('Second').uid('dup').discard();
  assert.throws(() => env.getExecutionPlan(), (e: unknown) => e instanceof ConfigError && /"dup"/.test(e.message) && /"First"/.test(e.message) && /"Second"/.test(e.message));
});

test('only operators that reach a sink are in the graph', () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const s = env.fromElements(1, 2, 3);
  s.map((n) => n).name('Dangling');
  s.filter(() => true).discard();
  assert.deepEqual(chains(jobGraphOf(env)), [['Collection Source', 'Filter', 'Discard']]);
});

test('getExecutionPlan() describes vertices, their operators, uids and input partitioners as JSON', () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  env.fromSequence(1, 10).map((n): [number, number] => [n % 2, n]).uid('pairs').keyBy(0).sum(1).print();
  const plan = JSON.parse(env.getExecutionPlan('plan-test')) as {
    jobName: string; maxParallelism: number;
    vertices: { id: number; name: string; parallelism: number; operators: { uid: string; kind: string; keyed: boolean }[]; inputs: { from: number; partitioner: string }[] }[];
  };
  assert.equal(plan.jobName, 'plan-test');
  assert.equal(plan.maxParallelism, 128);
  assert.equal(plan.vertices.length, 2);
  assert.deepEqual(plan.vertices[0]!.operators.map((o) => o.kind), ['source', 'map']);
  assert.equal(plan.vertices[0]!.operators[1]!.uid, 'pairs');
  assert.deepEqual(plan.vertices[1]!.operators.map((o) => [o.kind, o.keyed]), [['aggregate', true], ['print', false]]);
  assert.deepEqual(plan.vertices[1]!.inputs, [{ from: 0, partitioner: 'hash' }]);
  assert.deepEqual(describeJobGraph(jobGraphOf(env), 'plan-test'), plan);
});
