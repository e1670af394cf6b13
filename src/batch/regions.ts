// BATCH execution plan: which edges are blocking, the stages (vertices joined by pipelined edges) and the pipeline regions (subtasks joined by pipelined channels).
//
// As Flink's BATCH mode: all-to-all edges (hash, rebalance, broadcast, …) are blocking unless
// `batch.exchange` is 'pipelined'; pointwise edges (forward, rescale) stay pipelined. So do
// all-to-all edges from one subtask to one subtask (parallelism 1 → 1, adaptive parallelism
// off): such an edge is a single channel with nothing to redistribute, and writing it to disk
// only to read it back in the same order cost the p=1 word count ~40 % of its CPU time; the
// keyed operator behind it aggregates by hash in its heap state either way ('state' keyed
// input) or groups its input itself ('grouped'). The price: producer and consumer are one
// region, so a failure in either reruns both (as at a forward edge). A region
// is a connected component of subtasks over pipelined channels: a source chained into a
// flatMap whose output is hashed is one region per source subtask. A region runs when every
// partition it reads exists, on as many slots as it has distinct subtask indexes.
// A stage (vertices over pipelined edges) is the unit whose parallelism adaptive scheduling
// decides, once all its blocking inputs are complete; its regions follow from that.

import { createHash } from 'node:crypto';
import type { ExecutionConfig } from '../api/config.ts';
import type { JobEdge, JobGraph, JobVertex } from '../graph/job-graph.ts';
import { pointwiseTargets } from '../runtime/network/channel-plan.ts';
import type { TaskId } from '../runtime/protocol.ts';

export function isPointwise(edge: JobEdge): boolean {
  return edge.partition.kind === 'forward' || edge.partition.kind === 'rescale';
}

/** An edge from one subtask to one subtask: one channel, whatever its partitioner (with adaptive parallelism the consumer's may still change). */
function isOneToOne(edge: JobEdge): boolean {
  return edge.source.parallelism === 1 && edge.target.parallelism === 1;
}

/** Edges with a blocking exchange in a BATCH job. */
export function blockingEdges(graph: JobGraph, config: ExecutionConfig): Set<number> {
  const out = new Set<number>();
  if (config.batch.exchange !== 'blocking') return out;
  const adaptive = config.batch.adaptive.enabled;
  for (const e of graph.edges) if (!isPointwise(e) && !(isOneToOne(e) && !adaptive)) out.add(e.index);
  // A pipelined path beside a blocking one between the same stages would make two stages wait
  // for each other: such graphs keep every edge pipelined (one stage).
  return stagesAreAcyclic(graph, out) ? out : new Set();
}

export interface Stage {
  readonly index: number;
  /** Vertex indexes, ascending (topological). */
  readonly vertices: readonly number[];
  /** Blocking edges into the stage's vertices. */
  readonly blockingInputs: readonly JobEdge[];
}

function unionFind(n: number): { find: (i: number) => number; union: (a: number, b: number) => void } {
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) { parent[i] = parent[parent[i]!]!; i = parent[i]!; }
    return i;
  };
  return { find, union: (a, b) => { const ra = find(a); const rb = find(b); if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb); } };
}

export function buildStages(graph: JobGraph, blocking: ReadonlySet<number>): Stage[] {
  const uf = unionFind(graph.vertices.length);
  for (const e of graph.edges) if (!blocking.has(e.index)) uf.union(e.source.index, e.target.index);
  const byRoot = new Map<number, number[]>();
  for (const v of graph.vertices) {
    const r = uf.find(v.index);
    const list = byRoot.get(r);
    if (list) list.push(v.index);
    else byRoot.set(r, [v.index]);
  }
  return [...byRoot.values()].map((vertices, index) => ({
    index,
    vertices,
    blockingInputs: vertices.flatMap((v) => graph.vertices[v]!.inputs.filter((e) => blocking.has(e.index))),
  }));
}

function stagesAreAcyclic(graph: JobGraph, blocking: ReadonlySet<number>): boolean {
  const stages = buildStages(graph, blocking);
  const stageOf = new Map<number, number>();
  for (const s of stages) for (const v of s.vertices) stageOf.set(v, s.index);
  const deps = stages.map((s) => new Set(s.blockingInputs.map((e) => stageOf.get(e.source.index)!)));
  const done = new Set<number>();
  while (done.size < stages.length) {
    const next = stages.find((s) => !done.has(s.index) && [...deps[s.index]!].every((d) => done.has(d)));
    if (next === undefined) return false;
    done.add(next.index);
  }
  return true;
}

export interface Region {
  /** Dense id in scheduling order. */
  readonly id: number;
  readonly stage: number;
  readonly tasks: readonly TaskId[];
  /** The slots (subtask indexes) it runs on. */
  readonly slots: readonly number[];
  /** A readable name: its vertices and subtasks. */
  readonly name: string;
  /**
   * Stable across runs and JobManagers (the operation log of HA keys finished regions by it):
   * from the operator uids of its tasks' vertices, their subtask indexes and parallelism — not
   * from the order regions became ready. Only `[A-Za-z0-9._-]`.
   */
  readonly key: string;
}

/** The stable key of a region (Region.key): a readable head (its first vertex's first operator uid) and a hash of every task. */
export function regionKey(graph: JobGraph, tasks: readonly TaskId[]): string {
  const parts = tasks.map((t) => {
    const v = graph.vertices[t.vertex]!;
    return `${v.operators.map((o) => o.node.uid).join('>')}@${t.subtask}/${v.parallelism}`;
  }).sort();
  const hash = createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);
  const first = graph.vertices[tasks[0]!.vertex]!.operators[0]!.node.uid.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40);
  return `${first}-${hash}`;
}

/** The regions of one stage at its (decided) parallelism: connected components over its pipelined channels. */
export function buildRegions(graph: JobGraph, stage: Stage, blocking: ReadonlySet<number>, firstId: number): Region[] {
  const tasks: TaskId[] = [];
  const at = new Map<string, number>();
  for (const v of stage.vertices) {
    for (let s = 0; s < graph.vertices[v]!.parallelism; s++) {
      at.set(`${v}.${s}`, tasks.length);
      tasks.push({ vertex: v, subtask: s });
    }
  }
  const uf = unionFind(tasks.length);
  for (const v of stage.vertices) {
    const vertex: JobVertex = graph.vertices[v]!;
    for (const e of vertex.outputs) {
      if (blocking.has(e.index)) continue;
      const p = e.source.parallelism;
      const c = e.target.parallelism;
      for (let i = 0; i < p; i++) {
        const targets = isPointwise(e) ? pointwiseTargets(i, p, c) : Array.from({ length: c }, (_, j) => j);
        for (const j of targets) uf.union(at.get(`${e.source.index}.${i}`)!, at.get(`${e.target.index}.${j}`)!);
      }
    }
  }
  const groups = new Map<number, TaskId[]>();
  tasks.forEach((t, i) => {
    const r = uf.find(i);
    const list = groups.get(r);
    if (list) list.push(t);
    else groups.set(r, [t]);
  });
  return [...groups.values()].map((members, k) => {
    const slots = [...new Set(members.map((t) => t.subtask))].sort((a, b) => a - b);
    const names = [...new Set(members.map((t) => graph.vertices[t.vertex]!.name))];
    return { id: firstId + k, stage: stage.index, tasks: members, slots, name: `${names.join(' + ')} [subtasks ${slots.join(',')}]`, key: regionKey(graph, members) };
  });
}
