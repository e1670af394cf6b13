// Transformations → StreamGraph: operator nodes, edges with resolved partitioners, parallelism and stable uids.

import { createHash } from 'node:crypto';
import { ConfigError } from '../core/errors.ts';
import type { Key } from '../core/types.ts';
import type { ExecutionConfig, RuntimeMode } from '../api/config.ts';
import type { KeySelector } from '../api/functions.ts';
import type { ChainingStrategy, OperatorSpec, PartitionSpec, Transformation } from '../api/transformation.ts';
import { insertWindowCombiners } from './window-combine.ts';

export interface StreamNode {
  /** Dense index in `StreamGraph.nodes` (topological order). */
  readonly index: number;
  readonly transformationId: number;
  readonly name: string;
  readonly uid: string;
  readonly userUid: boolean;
  readonly parallelism: number;
  /** The user set this operator's parallelism (BATCH adaptive parallelism leaves it alone). */
  readonly parallelismSet: boolean;
  readonly maxParallelism: number;
  readonly spec: OperatorSpec;
  readonly keySelector: KeySelector<unknown, Key> | undefined;
  readonly chaining: ChainingStrategy;
  readonly inEdges: StreamEdge[];
  readonly outEdges: StreamEdge[];
}

export interface StreamEdge {
  readonly source: StreamNode;
  readonly target: StreamNode;
  readonly partition: PartitionSpec;
  /** True when the user chose no partitioner and forward was picked because parallelisms match. */
  readonly implicit: boolean;
  /** Set when the edge carries a side output of the source (`getSideOutput(tag)`): the tag's id. */
  readonly outputTag?: string;
  /** Which input of a two-input target this edge feeds (0 or 1; undefined = 0). */
  readonly inputIndex?: number;
}

export interface StreamGraph {
  readonly nodes: readonly StreamNode[];
  readonly maxParallelism: number;
  /** The configured runtime mode (keyed chaining is for STREAMING only: job-graph.ts). Absent: not STREAMING. */
  readonly runtimeMode?: RuntimeMode;
}

/** Builds the stream graph of the operators that lead to the given sinks, validating every setting. */
export function buildStreamGraph(transformations: readonly Transformation[], sinks: readonly Transformation[], config: ExecutionConfig): StreamGraph {
  const maxParallelism = config.maxParallelism;
  if (config.parallelism > maxParallelism) {
    throw new ConfigError(`parallelism (${config.parallelism}) is larger than maxParallelism (${maxParallelism}); raise maxParallelism or lower parallelism`);
  }
  // Keep only what the sinks reach, in creation order (which is topological: inputs exist before users).
  const needed = new Set<number>();
  const visit = (t: Transformation): void => {
    if (needed.has(t.id)) return;
    needed.add(t.id);
    for (const i of t.inputs) visit(i);
  };
  for (const s of sinks) visit(s);

  const nodes: StreamNode[] = [];
  const byTransformation = new Map<number, StreamNode>();
  const uids = new Map<string, StreamNode>();
  const consumerCount = new Map<string, number>();

  for (const t of transformations) {
    if (!needed.has(t.id) || t.type !== 'operator' || !t.spec) continue;
    const parallelism = t.parallelism ?? config.parallelism;
    if (parallelism > maxParallelism) {
      throw new ConfigError(`operator "${t.name}": parallelism ${parallelism} is larger than maxParallelism ${maxParallelism}`);
    }
    // Resolve each input through partition and union nodes to (operator, partition spec).
    // inputIndex: which of t's inputs an edge comes from (two-input operators have inputs 0 and 1).
    const resolved: { node: StreamNode; partition: PartitionSpec | undefined; tag: string | undefined; inputIndex: number }[] = [];
    const resolve = (input: Transformation, partition: PartitionSpec | undefined, tag: string | undefined, inputIndex: number): void => {
      if (input.type === 'operator') {
        const node = byTransformation.get(input.id);
        if (!node) throw new ConfigError(`internal: input "${input.name}" of "${t.name}" is not built yet`);
        resolved.push({ node, partition, tag, inputIndex });
      } else if (input.type === 'partition') {
        for (const i of input.inputs) resolve(i, partition ?? input.partition, tag, inputIndex);
      } else if (input.type === 'side-output') {
        for (const i of input.inputs) resolve(i, partition, input.outputTag, inputIndex);
      } else {
        for (const i of input.inputs) resolve(i, partition, tag, inputIndex);
      }
    };
    t.inputs.forEach((input, i) => resolve(input, undefined, undefined, i));

    const inputUids = resolved.map((r) => (r.tag === undefined ? r.node.uid : `${r.node.uid}#${r.tag}`)).join(',');
    const siblingKey = `${inputUids}|${t.spec.kind}`;
    const sibling = consumerCount.get(siblingKey) ?? 0;
    consumerCount.set(siblingKey, sibling + 1);
    const uid = t.uid ?? deriveUid(t.spec.kind, inputUids, sibling);
    const existing = uids.get(uid);
    if (existing) {
      throw new ConfigError(`uid "${uid}" is used by both "${existing.name}" and "${t.name}": uids must be unique`);
    }
    const node: StreamNode = {
      index: nodes.length, transformationId: t.id, name: t.name, uid, userUid: t.uid !== undefined,
      parallelism, parallelismSet: t.parallelism !== undefined, maxParallelism, spec: t.spec, keySelector: t.keySelector, chaining: t.chaining,
      inEdges: [], outEdges: [],
    };
    if (t.spec.kind === 'source' && resolved.length > 0) throw new ConfigError(`internal: source "${t.name}" has inputs`);
    if (t.spec.kind !== 'source' && resolved.length === 0) throw new ConfigError(`operator "${t.name}" has no input`);
    for (const r of resolved) {
      let partition = r.partition;
      let implicit = false;
      if (!partition) {
        implicit = true;
        partition = r.node.parallelism === parallelism ? { kind: 'forward' } : { kind: 'rebalance' };
      }
      if (partition.kind === 'forward' && r.node.parallelism !== parallelism) {
        throw new ConfigError(`forward partitioning from "${r.node.name}" (parallelism ${r.node.parallelism}) to "${t.name}" (parallelism ${parallelism}) does not allow a change of parallelism; use rebalance() or rescale()`);
      }
      const edge: StreamEdge = {
        source: r.node, target: node, partition, implicit,
        ...(r.tag === undefined ? {} : { outputTag: r.tag }), ...(r.inputIndex === 0 ? {} : { inputIndex: r.inputIndex }),
      };
      node.inEdges.push(edge);
      r.node.outEdges.push(edge);
    }
    nodes.push(node);
    byTransformation.set(t.id, node);
    uids.set(uid, node);
  }
  // Planner rules on the built graph (uids are fixed by now): two-phase window aggregation.
  return { nodes: insertWindowCombiners(nodes, config), maxParallelism, runtimeMode: config.runtimeMode };
}

/** A uid from the node's place in the topology (kind, inputs, rank among same-kind siblings), not its name. */
function deriveUid(kind: string, inputUids: string, sibling: number): string {
  return createHash('sha1').update(`${kind}|${inputUids}|${sibling}`).digest('hex').slice(0, 16);
}
