// Tests of the channel plan: all-to-all and pointwise (forward, rescale) channel sets, ordering and coverage.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PartitionSpec } from '../../api/transformation.ts';
import type { JobEdge, JobGraph, JobVertex } from '../../graph/job-graph.ts';
import { StreamExecutionEnvironment } from '../../index.ts';
import { buildStreamGraph } from '../../graph/stream-graph.ts';
import { buildJobGraph } from '../../graph/job-graph.ts';
import { buildChannelPlan, pointwiseTargets, type ChannelPlan } from './channel-plan.ts';

function vertex(index: number, parallelism: number): JobVertex {
  return { index, name: `v${index}`, parallelism, maxParallelism: 128, operators: [], inputs: [], outputs: [], isSource: index === 0 };
}

/** A graph of vertices with the given parallelisms and edges [from, to, partitioner]. */
function graph(parallelisms: number[], edgeSpecs: [number, number, PartitionSpec['kind']][]): JobGraph {
  const vertices = parallelisms.map((p, i) => vertex(i, p));
  const edges: JobEdge[] = edgeSpecs.map(([from, to, kind], index) => {
    const e: JobEdge = { index, source: vertices[from]!, target: vertices[to]!, partition: { kind } as PartitionSpec, sourceOperator: 0 };
    vertices[from]!.outputs.push(e);
    vertices[to]!.inputs.push(e);
    return e;
  });
  return { vertices, edges, maxParallelism: 128 };
}

function pairs(plan: ChannelPlan, edge: number, producers: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < producers; i++) out.push(plan.outputsOf(edge, i).map((c) => c.consumerSubtask));
  return out;
}

test('all-to-all partitioners connect every producer to every consumer, ordered by consumer', () => {
  for (const kind of ['rebalance', 'hash', 'broadcast', 'global', 'shuffle', 'custom'] as const) {
    const plan = buildChannelPlan(graph([3, 2], [[0, 1, kind]]));
    assert.equal(plan.channels.length, 6, kind);
    assert.deepEqual(pairs(plan, 0, 3), [[0, 1], [0, 1], [0, 1]], kind);
    for (const j of [0, 1]) assert.deepEqual(plan.inputsOf(1, j).map((c) => c.producerSubtask), [0, 1, 2], kind);
  }
});

test('forward connects subtask i to subtask i only', () => {
  const plan = buildChannelPlan(graph([3, 3], [[0, 1, 'forward']]));
  assert.deepEqual(pairs(plan, 0, 3), [[0], [1], [2]]);
  for (const j of [0, 1, 2]) assert.deepEqual(plan.inputsOf(1, j).map((c) => c.producerSubtask), [j]);
});

test('rescale up: each producer feeds a contiguous group of consumers', () => {
  const plan = buildChannelPlan(graph([2, 5], [[0, 1, 'rescale']]));
  assert.deepEqual(pairs(plan, 0, 2), [[0, 1], [2, 3, 4]]);
  assert.deepEqual([0, 1, 2, 3, 4].map((j) => plan.inputsOf(1, j).map((c) => c.producerSubtask)), [[0], [0], [1], [1], [1]]);
});

test('rescale down: each producer feeds one consumer, consumers share producers evenly', () => {
  const plan = buildChannelPlan(graph([5, 2], [[0, 1, 'rescale']]));
  assert.deepEqual(pairs(plan, 0, 5), [[0], [0], [0], [1], [1]]);
  assert.deepEqual([0, 1].map((j) => plan.inputsOf(1, j).map((c) => c.producerSubtask)), [[0, 1, 2], [3, 4]]);
});

test('pointwise targets: every consumer gets at least one channel and every producer feeds one, for all p, c up to 16', () => {
  for (let p = 1; p <= 16; p++) {
    for (let c = 1; c <= 16; c++) {
      const fed = new Array<number>(c).fill(0);
      for (let i = 0; i < p; i++) {
        const targets = pointwiseTargets(i, p, c);
        assert.ok(targets.length >= 1, `producer ${i} of ${p} -> ${c} feeds nobody`);
        if (p >= c) assert.equal(targets.length, 1);
        for (const j of targets) {
          assert.ok(j >= 0 && j < c, `target ${j} out of range for ${p} -> ${c}`);
          fed[j]!++;
        }
      }
      for (let j = 0; j < c; j++) {
        assert.ok(fed[j]! >= 1, `consumer ${j} of ${p} -> ${c} gets no channel`);
        if (p <= c) assert.equal(fed[j], 1, `consumer ${j} of ${p} -> ${c} fed twice`);
      }
      const plan = buildChannelPlan(graph([p, c], [[0, 1, 'rescale']]));
      for (let j = 0; j < c; j++) assert.ok(plan.inputsOf(1, j).length >= 1);
    }
  }
});

test('channel ids are dense; a vertex with two input edges lists channels by (edge, producer)', () => {
  const plan = buildChannelPlan(graph([2, 3, 2], [[0, 2, 'forward'], [1, 2, 'rebalance']]));
  assert.deepEqual(plan.channels.map((c) => c.id), plan.channels.map((_, i) => i));
  assert.deepEqual(plan.inputsOf(2, 1).map((c) => [c.edge, c.producerSubtask]), [[0, 1], [1, 0], [1, 1], [1, 2]]);
  assert.deepEqual(plan.inputsOf(0, 0), [], 'a source has no input channels');
  assert.equal(plan.numSlots, 3);
});

test('the plan of a real job is the same on every build (channel ids must agree across threads)', () => {
  const build = (): ChannelPlan => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 3 });
    env.fromSequence(1, 10).map((n) => n).setParallelism(2).keyBy((n) => n % 5).reduce((a, b) => a + b).rescale().discard();
    return buildChannelPlan(buildJobGraph(buildStreamGraph(env.transformations, env.sinks, env.config)));
  };
  const a = build();
  assert.deepEqual(build().channels, a.channels);
  // 3 -> 2 rebalance (6), 2 -> 3 hash (6), 3 -> 3 rescale (3)
  assert.equal(a.channels.length, 15);
});
