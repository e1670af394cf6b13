// Restore: matches checkpointed state to operators by uid and redistributes it to the new parallelism.

import { deserialize } from 'node:v8';
import { ConfigError } from '../core/errors.ts';
import type { LoadedCheckpoint } from '../checkpoint/index.ts';
import type { JobGraph } from '../graph/job-graph.ts';
import type { SourceSplit } from '../connectors/source.ts';
import type { OperatorRestore } from '../runtime/protocol.ts';
import { ENUMERATOR_ROLE, SourceCoordinator } from './source-coordinator.ts';
import { isWindowCombinerUid } from '../graph/window-combine.ts';
import {
  HeapKeyedStateBackend, KeyGroupRange, redistributeOperatorState, type OperatorStateSnapshot,
} from '../state/index.ts';

/**
 * Keyed state moves by key-group ranges (each new subtask gets the blobs that overlap its
 * range; the backend keeps only its own groups); operator state by its redistribution mode
 * (split lists are dealt out, union lists go to everyone). Returns uid → state per new subtask.
 */
export async function buildRestoreAssignments(
  graph: JobGraph,
  checkpoint: LoadedCheckpoint,
  allowNonRestoredState: boolean,
): Promise<Map<string, OperatorRestore[]>> {
  const meta = checkpoint.metadata;
  if (meta.maxParallelism !== graph.maxParallelism) {
    throw new ConfigError(`cannot restore ${checkpoint.path}: it was taken with maxParallelism ${meta.maxParallelism}, the job now has ${graph.maxParallelism}; maxParallelism must stay the same`);
  }
  const nodes = new Map(graph.vertices.flatMap((v) => v.operators.map((o) => [o.node.uid, { node: o.node, parallelism: v.parallelism }] as const)));
  const result = new Map<string, OperatorRestore[]>();
  for (const op of meta.operators) {
    const target = nodes.get(op.uid);
    if (!target) {
      // A window pre-aggregation node's state is its own watermark hint: nothing else needs it (graph/window-combine.ts).
      if (allowNonRestoredState || isWindowCombinerUid(op.uid)) continue;
      throw new ConfigError(
        `cannot restore ${checkpoint.path}: it holds state of operator "${op.name}" (uid ${op.uid}) that matches no operator of this job; set uids on your operators, or pass --allow-non-restored-state to drop that state`,
      );
    }
    const p = target.parallelism;
    const keyedBlobs: Uint8Array[] = [];
    const timerBlobs: Uint8Array[] = [];
    const oldOperatorStates: OperatorStateSnapshot[] = Array.from({ length: op.parallelism }, () => ({}));
    for (const sub of op.subtasks) {
      const keyed = sub.handles['keyed'];
      if (keyed) keyedBlobs.push(await checkpoint.readState(keyed));
      const timers = sub.handles['timers'];
      if (timers) timerBlobs.push(await checkpoint.readState(timers));
      const operator = sub.handles['operator'];
      if (operator) oldOperatorStates[sub.subtask] = deserialize(await checkpoint.readState(operator)) as OperatorStateSnapshot;
    }
    const operatorStates = redistributeOperatorState(oldOperatorStates, p);
    const ranges = keyedBlobs.map((b) => HeapKeyedStateBackend.keyGroupRangeOf(b));
    const perSubtask: OperatorRestore[] = [];
    for (let s = 0; s < p; s++) {
      const mine = KeyGroupRange.forOperator(graph.maxParallelism, p, s);
      const keyed = keyedBlobs.filter((_, i) => ranges[i]!.start <= mine.end && ranges[i]!.end >= mine.start);
      // Timer blobs are few and small: every subtask gets all and keeps its own key groups.
      perSubtask.push({ keyed, timers: timerBlobs, operator: operatorStates[s] });
    }
    result.set(op.uid, perSubtask);
  }
  return result;
}

/**
 * The split enumerators' state of a checkpoint: source uid → the splits not assigned to any
 * reader at its trigger. A source with state but no enumerator file (a checkpoint from before
 * dynamic assignment) has every split in its readers' state: it gets an empty enumerator.
 */
export async function restoreEnumeratorSplits(checkpoint: LoadedCheckpoint): Promise<Map<string, SourceSplit[]>> {
  const result = new Map<string, SourceSplit[]>();
  for (const op of checkpoint.metadata.operators) {
    const splits: SourceSplit[] = [];
    for (const sub of op.subtasks) {
      const handle = sub.handles[ENUMERATOR_ROLE];
      if (handle) splits.push(...SourceCoordinator.decodeState(await checkpoint.readState(handle)));
    }
    result.set(op.uid, splits);
  }
  return result;
}
