// StreamGraph → JobGraph: operator chaining into vertices, and the JSON execution plan.

import type { PartitionSpec } from '../api/transformation.ts';
import type { StreamEdge, StreamGraph, StreamNode } from './stream-graph.ts';

/** An operator inside a vertex (a chain). Outputs go to chained operators and/or to job edges. */
export interface ChainedOperator {
  readonly node: StreamNode;
  /** Indexes (within the vertex) of operators this one calls directly. */
  readonly chainedOutputs: number[];
  /** Per chained output: the side-output tag it consumes, '' for the main output. */
  readonly chainedTags: string[];
  /** Job edges this operator writes to. */
  readonly edgeOutputs: JobEdge[];
}

/** A task type: a chain of operators run by one task per subtask. operators[0] is the head. */
export interface JobVertex {
  readonly index: number;
  readonly name: string;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly operators: ChainedOperator[];
  readonly inputs: JobEdge[];
  readonly outputs: JobEdge[];
  readonly isSource: boolean;
}

export interface JobEdge {
  readonly index: number;
  readonly source: JobVertex;
  readonly target: JobVertex;
  readonly partition: PartitionSpec;
  /** Index of the emitting operator within the source vertex. */
  readonly sourceOperator: number;
  /** The side-output tag this edge carries (undefined: the main output). */
  readonly tag?: string;
  /** Which input of a two-input target vertex this edge feeds (undefined = 0). */
  readonly inputIndex?: number;
}

export interface JobGraph {
  readonly vertices: readonly JobVertex[];
  readonly edges: readonly JobEdge[];
  readonly maxParallelism: number;
}

/**
 * Whether an edge's target runs in the same task as its source (DESIGN invariant 5): a forward edge
 * at equal parallelism, or (STREAMING, `keyed`) a keyBy edge with parallelism 1 on both sides. There
 * every key group belongs to the one consumer subtask, so the hash exchange routes nothing: the
 * chain sets the key and key group before calling the keyed operator (KeyedChainedOutput) instead
 * of a record writer, a channel and a hand-over per record. State stays per operator (uid) and key
 * group, so a checkpoint of the chained job restores at another parallelism, where the edge is an
 * exchange again, and the other way round. Not in BATCH/AUTOMATIC: a BATCH keyed operator is a task
 * head (its grouped keyed input, src/batch/).
 */
export function isChainable(edge: StreamEdge, keyed = false): boolean {
  const { source, target } = edge;
  if (target.inEdges.length !== 1 || source.parallelism !== target.parallelism || source.chaining === 'never' || target.chaining !== 'always') return false;
  if (edge.partition.kind === 'forward') return target.keySelector === undefined;
  return keyed && edge.partition.kind === 'hash' && source.parallelism === 1 && target.keySelector !== undefined;
}

export function buildJobGraph(stream: StreamGraph): JobGraph {
  const vertices: JobVertex[] = [];
  const edges: JobEdge[] = [];
  const placement = new Map<number, { vertex: JobVertex; position: number }>();
  const keyed = stream.runtimeMode === 'STREAMING';

  // Heads: nodes not chained to their (single) input. Nodes come in topological order.
  for (const node of stream.nodes) {
    const chainedInto = node.inEdges.length === 1 && isChainable(node.inEdges[0]!, keyed) ? placement.get(node.inEdges[0]!.source.index) : undefined;
    if (chainedInto) {
      const position = chainedInto.vertex.operators.length;
      chainedInto.vertex.operators.push({ node, chainedOutputs: [], chainedTags: [], edgeOutputs: [] });
      const upstream = placement.get(node.inEdges[0]!.source.index)!;
      chainedInto.vertex.operators[upstream.position]!.chainedOutputs.push(position);
      chainedInto.vertex.operators[upstream.position]!.chainedTags.push(node.inEdges[0]!.outputTag ?? '');
      placement.set(node.index, { vertex: chainedInto.vertex, position });
    } else {
      const vertex: JobVertex = {
        index: vertices.length, name: node.name, parallelism: node.parallelism, maxParallelism: node.maxParallelism,
        operators: [{ node, chainedOutputs: [], chainedTags: [], edgeOutputs: [] }], inputs: [], outputs: [], isSource: node.spec.kind === 'source',
      };
      vertices.push(vertex);
      placement.set(node.index, { vertex, position: 0 });
    }
  }
  for (const vertex of vertices) {
    (vertex as { name: string }).name = vertex.operators.map((o) => o.node.name).join(' -> ');
  }
  for (const node of stream.nodes) {
    for (const e of node.outEdges) {
      if (isChainable(e, keyed)) continue;
      const from = placement.get(e.source.index)!;
      const to = placement.get(e.target.index)!;
      const edge: JobEdge = { index: edges.length, source: from.vertex, target: to.vertex, partition: e.partition, sourceOperator: from.position, ...(e.outputTag === undefined ? {} : { tag: e.outputTag }), ...(e.inputIndex === undefined ? {} : { inputIndex: e.inputIndex }) };
      edges.push(edge);
      from.vertex.outputs.push(edge);
      from.vertex.operators[from.position]!.edgeOutputs.push(edge);
      to.vertex.inputs.push(edge);
    }
  }
  return { vertices, edges, maxParallelism: stream.maxParallelism };
}

/** The plan as JSON (what `env.getExecutionPlan()` returns): operators, chains, edges, partitioners. */
export function describeJobGraph(graph: JobGraph, jobName: string): object {
  return {
    jobName,
    maxParallelism: graph.maxParallelism,
    vertices: graph.vertices.map((v) => ({
      id: v.index,
      name: v.name,
      parallelism: v.parallelism,
      operators: v.operators.map((o) => ({
        uid: o.node.uid,
        name: o.node.name,
        kind: o.node.spec.kind,
        keyed: o.node.keySelector !== undefined,
        parallelism: o.node.parallelism,
      })),
      inputs: v.inputs.map((e) => ({ from: e.source.index, partitioner: e.partition.kind, ...(e.inputIndex === undefined ? {} : { input: e.inputIndex }) })),
    })),
  };
}
