// Planner rule: a local pre-aggregation node in front of each keyBy into a combinable event-time tumbling or sliding window (two-phase window aggregation).
//
// For a window node that api/windows/window-combine.ts `notCombinable` accepts, every input edge S →(hash) W
// becomes S →(forward, chained into S's task) C →(hash) W, where C is a 'windowCombine' node at S's parallelism.
// C combines when `windowCombine` is on and the keyBy is a real exchange (not the same-thread keyed chain of
// parallelism 1, job-graph.ts isChainable: there every record reaches the window by a direct call and combining
// would only add a map lookup); W then gets the global phase's window function and a key selector that reads a
// partial's key, and the edge keys partials the same way. Otherwise C passes records through (one direct call) and
// W is unchanged. C exists in both cases so that a checkpoint restores whether pre-aggregation is on or off and at
// any parallelism (C's state, its last watermark, always has an operator to go to).
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
    if (spec.kind === 'window' && node.keySelector !== undefined && node.inEdges.length > 0 && notCombinable(spec.window) === undefined
      && node.inEdges.every((e) => e.partition.kind === 'hash' && e.source.chaining !== 'never')) {
      const combine = node.inEdges.map((e) => config.windowCombine && !isChainable(e, keyed));
      const global = combine.some((c) => c);
      const inEdges: StreamEdge[] = [];
      node.inEdges.forEach((e, i) => {
        const partition = e.partition;
        if (partition.kind !== 'hash') return;
        const key = partition.key;
        const source = e.source;
        const c: StreamNode = {
          index: -1, transformationId: -1, name: `${node.name}: local pre-aggregation`, uid: combinerUid(node.uid, i), userUid: false,
          parallelism: source.parallelism, parallelismSet: source.parallelismSet, maxParallelism: source.maxParallelism,
          spec: { kind: 'windowCombine', window: spec.window, key, combine: combine[i]!, maxKeys: WINDOW_COMBINE_MAX_KEYS },
          keySelector: undefined, chaining: 'always', inEdges: [], outEdges: [],
        };
        const toCombiner: StreamEdge = { source, target: c, partition: { kind: 'forward' }, implicit: true, ...(e.outputTag === undefined ? {} : { outputTag: e.outputTag }) };
        c.inEdges.push(toCombiner);
        source.outEdges[source.outEdges.indexOf(e)] = toCombiner;
        const toWindow: StreamEdge = {
          source: c, target: node, partition: global ? { kind: 'hash', key: partialAwareKey(key) } : e.partition, implicit: e.implicit,
          ...(e.inputIndex === undefined ? {} : { inputIndex: e.inputIndex }),
        };
        c.outEdges.push(toWindow);
        inEdges.push(toWindow);
        out.push(c);
      });
      const w = node as Mutable<StreamNode>;
      w.inEdges.splice(0, w.inEdges.length, ...inEdges);
      if (global) {
        w.spec = { kind: 'window', window: globalWindowSpec(spec.window) };
        w.keySelector = partialAwareKey(node.keySelector);
      }
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
