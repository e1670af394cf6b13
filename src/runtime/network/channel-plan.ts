// Which subtask talks to which: the channels of every job edge, and the slot that runs each subtask.

import type { JobEdge, JobGraph } from '../../graph/job-graph.ts';

export interface ChannelInfo {
  /** Dense id, the same in every thread that rebuilds the graph. */
  readonly id: number;
  readonly edge: number;
  readonly producerSubtask: number;
  readonly consumerSubtask: number;
}

export interface ChannelPlan {
  readonly channels: readonly ChannelInfo[];
  /** edge index → producer subtask → channels ordered by consumer subtask. */
  readonly outputsOf: (edge: number, producerSubtask: number) => readonly ChannelInfo[];
  /** vertex index → consumer subtask → channels of all its input edges, ordered by (edge, producer). */
  readonly inputsOf: (vertex: number, consumerSubtask: number) => readonly ChannelInfo[];
  readonly numSlots: number;
}

/** Pointwise edges connect a producer to a subset of consumers; all other partitioners connect all to all. */
function isPointwise(edge: JobEdge): boolean {
  return edge.partition.kind === 'forward' || edge.partition.kind === 'rescale';
}

/** Consumers a producer subtask of a pointwise edge feeds (Flink's POINTWISE distribution). */
export function pointwiseTargets(producer: number, p: number, c: number): number[] {
  if (p === c) return [producer];
  if (p > c) return [Math.floor((producer * c) / p)];
  const from = Math.floor((producer * c) / p);
  const to = Math.floor(((producer + 1) * c) / p);
  const out: number[] = [];
  for (let j = from; j < to; j++) out.push(j);
  return out;
}

export function buildChannelPlan(graph: JobGraph): ChannelPlan {
  const channels: ChannelInfo[] = [];
  const outputs = new Map<string, ChannelInfo[]>();
  const inputs = new Map<string, ChannelInfo[]>();
  const push = (map: Map<string, ChannelInfo[]>, key: string, c: ChannelInfo): void => {
    const list = map.get(key);
    if (list) list.push(c);
    else map.set(key, [c]);
  };
  for (const edge of graph.edges) {
    const p = edge.source.parallelism;
    const c = edge.target.parallelism;
    for (let i = 0; i < p; i++) {
      const targets = isPointwise(edge) ? pointwiseTargets(i, p, c) : Array.from({ length: c }, (_, j) => j);
      for (const j of targets) {
        const info: ChannelInfo = { id: channels.length, edge: edge.index, producerSubtask: i, consumerSubtask: j };
        channels.push(info);
        push(outputs, `${edge.index}:${i}`, info);
      }
    }
  }
  // Inputs ordered by (edge, producer) so every thread sees the same channel order.
  for (const vertex of graph.vertices) {
    for (const edge of vertex.inputs) {
      for (const ch of channels) {
        if (ch.edge === edge.index) push(inputs, `${vertex.index}:${ch.consumerSubtask}`, ch);
      }
    }
  }
  const numSlots = Math.max(...graph.vertices.map((v) => v.parallelism));
  return {
    channels,
    outputsOf: (edge, producer) => outputs.get(`${edge}:${producer}`) ?? [],
    inputsOf: (vertex, consumer) => inputs.get(`${vertex}:${consumer}`) ?? [],
    numSlots,
  };
}
