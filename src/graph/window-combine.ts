// Planner rule: a local pre-aggregation node in front of each keyBy into a combinable event-time tumbling or sliding window (two-phase window aggregation).
//
// For a window node that api/windows/window-combine.ts `notCombinable` accepts, every input edge S →(hash) W
// becomes S →(forward, chained into S's task) C →(hash) W, where C is a 'windowCombine' node at S's parallelism,
// W gets the global phase's window function and a key selector that reads a partial's key, and the edge keys
// partials the same way. Only where the keyBy is a real exchange and `windowCombine` is on: at parallelism 1 on
// both sides the keyBy is a same-thread chain (job-graph.ts isChainable), every record reaches the window by a
// direct call, and a node there, even passing records through, cost ~1/3 more CPU per record on the windows bench
// (one more chained call, and the chain's calls no longer monomorphic). A checkpoint taken without C (at p=1, or
// off) restores into a job with C: C then starts without its watermark and combines nothing for that attempt
// (window-combiner.ts); the window state is the same either way.
//
// Uids: C's uid is derived from W's and the input's rank (and ends with COMBINER_UID_SUFFIX: a restore into a job
// without C drops C's state silently), and W keeps the uid it had without C (uids are derived before this rule
// runs), so window state and savepoints do not depend on the setting.
// Not applied in BATCH (no watermarks: a BATCH window fires once per key at the end of its input), nor when the
// producer refuses chaining (C would run as a task of its own behind a forward edge).

import { createHash } from 'node:crypto';
import type { ExecutionConfig } from '../api/config.ts';
import { globalWindowSpec, notCombinable, partialAwareKey } from '../api/windows/window-combine.ts';
import { isChainable } from './job-graph.ts';
import type { StreamEdge, StreamNode } from './stream-graph.ts';

/** (key, window) entries a combiner holds before it sends them all (a few MB of accumulators). */
export const WINDOW_COMBINE_MAX_KEYS = 65_536;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The stream graph's nodes with combiner nodes inserted (before their window, so still in topological order), reindexed. */
export function insertWindowCombiners(nodes: readonly StreamNode[], config: ExecutionConfig): StreamNode[] {
  if (config.runtimeMode === 'BATCH') return [...nodes];
  const keyed = config.runtimeMode === 'STREAMING';
  const out: StreamNode[] = [];
  for (const node of nodes) {
    const spec = node.spec;
    if (config.windowCombine && spec.kind === 'window' && node.keySelector !== undefined && node.inEdges.length > 0 && notCombinable(spec.window) === undefined
      && node.inEdges.every((e) => e.partition.kind === 'hash' && e.source.chaining !== 'never' && !isChainable(e, keyed))) {
      const inEdges: StreamEdge[] = [];
      node.inEdges.forEach((e, i) => {
        const partition = e.partition;
        if (partition.kind !== 'hash') return;
        const key = partition.key;
        const source = e.source;
        const c: StreamNode = {
          index: -1, transformationId: -1, name: `${node.name}: local pre-aggregation`, uid: combinerUid(node.uid, i), userUid: false,
          parallelism: source.parallelism, parallelismSet: source.parallelismSet, maxParallelism: source.maxParallelism,
          spec: { kind: 'windowCombine', window: spec.window, key, combine: true, maxKeys: WINDOW_COMBINE_MAX_KEYS },
          keySelector: undefined, chaining: 'always', inEdges: [], outEdges: [],
        };
        const toCombiner: StreamEdge = { source, target: c, partition: { kind: 'forward' }, implicit: true, ...(e.outputTag === undefined ? {} : { outputTag: e.outputTag }) };
        c.inEdges.push(toCombiner);
        source.outEdges[source.outEdges.indexOf(e)] = toCombiner;
        const toWindow: StreamEdge = {
          source: c, target: node, partition: { kind: 'hash', key: partialAwareKey(key) }, implicit: e.implicit,
          ...(e.inputIndex === undefined ? {} : { inputIndex: e.inputIndex }),
        };
        c.outEdges.push(toWindow);
        inEdges.push(toWindow);
        out.push(c);
      });
      const w = node as Mutable<StreamNode>;
      w.inEdges.splice(0, w.inEdges.length, ...inEdges);
      w.spec = { kind: 'window', window: globalWindowSpec(spec.window) };
      w.keySelector = partialAwareKey(node.keySelector);
    }
    out.push(node);
  }
  out.forEach((n, i) => { (n as Mutable<StreamNode>).index = i; });
  return out;
}

/** Uids of combiner nodes end with this: a restore drops their state when the job has no such node (coordinator/state-assignment.ts). */
export const COMBINER_UID_SUFFIX = '~window-combine';

function combinerUid(windowUid: string, input: number): string {
  return `${createHash('sha1').update(`windowCombine|${windowUid}|${input}`).digest('hex').slice(0, 16)}${COMBINER_UID_SUFFIX}`;
}

/**
 * Whether a uid is a combiner's. Its only state is a watermark hint for itself, so a checkpoint restores into a
 * job without that combiner (the window changed so that it no longer qualifies) without --allow-non-restored-state.
 */
export function isWindowCombinerUid(uid: string): boolean {
  return uid.endsWith(COMBINER_UID_SUFFIX);
}
