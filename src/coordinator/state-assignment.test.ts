import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serialize } from 'node:v8';
import { StreamExecutionEnvironment } from '../index.ts';
import type { CheckpointMetadata, LoadedCheckpoint, StateHandle } from '../checkpoint/index.ts';
import { buildJobGraph } from '../graph/job-graph.ts';
import { buildStreamGraph } from '../graph/stream-graph.ts';
import { HeapKeyedStateBackend, KeyGroupRange, ValueStateDescriptor, keyGroupFor } from '../state/index.ts';
import { buildRestoreAssignments } from './state-assignment.ts';

/** A job graph with a keyed operator "count" at the given parallelism. */
function graph(parallelism: number, uid = 'count') {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism });
  env.fromElements(['a', 1] as [string, number]).uid('src').keyBy(0).sum(1).uid(uid).discard().uid('out');
  return buildJobGraph(buildStreamGraph(env.transformations, env.sinks, env.config));
}

/** An in-memory checkpoint of "count" at parallelism 2 with one counter per key. */
function checkpoint(keys: string[]): LoadedCheckpoint {
  const files = new Map<string, Uint8Array>();
  const subtasks = [0, 1].map((subtask) => {
    const backend = new HeapKeyedStateBackend({ maxParallelism: 128, keyGroupRange: KeyGroupRange.forOperator(128, 2, subtask) });
    const state = backend.getState(new ValueStateDescriptor<number>('_reduce'));
    for (const k of keys) {
      const kg = keyGroupFor(k, 128);
      if (!KeyGroupRange.forOperator(128, 2, subtask).contains(kg)) continue;
      backend.setCurrentKey(k, kg);
      state.update(k.length);
    }
    const snap = backend.snapshot();
    const file = `count-${subtask}-keyed`;
    files.set(file, snap.write());
    const operatorFile = `count-${subtask}-operator`;
    files.set(operatorFile, serialize({ splits: { mode: 'split', items: [`s${subtask}`] } }));
    const h = (f: string): StateHandle => ({ file: f, size: files.get(f)!.byteLength, checksum: 'x' });
    return { subtask, handles: { keyed: h(file), operator: h(operatorFile) } };
  });
  const metadata: CheckpointMetadata = {
    version: 1, jobId: 'j', jobName: 'j', checkpointId: 1, kind: 'savepoint', timestamp: 0, durationMs: 0, maxParallelism: 128,
    operators: [{ uid: 'count', name: 'count', parallelism: 2, subtasks }],
  };
  return { path: '/mem', metadata, readState: async (h) => files.get(h.file)! };
}

for (const p of [1, 3]) {
  test(`keyed state of 2 subtasks lands, key by key, in the right one of ${p} new subtasks`, async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `key-${i}`);
    const assignments = await buildRestoreAssignments(graph(p), checkpoint(keys), false);
    const perSubtask = assignments.get('count')!;
    assert.equal(perSubtask.length, p);
    const found = new Map<string, number>();
    perSubtask.forEach((r, s) => {
      const backend = new HeapKeyedStateBackend({ maxParallelism: 128, keyGroupRange: KeyGroupRange.forOperator(128, p, s) });
      backend.restore(r.keyed);
      backend.forEachKey('_reduce', (key) => { assert.ok(!found.has(String(key))); found.set(String(key), s); });
    });
    assert.equal(found.size, keys.length);
    for (const [key, s] of found) assert.ok(KeyGroupRange.forOperator(128, p, s).contains(keyGroupFor(key, 128)));
    // Split operator state is dealt out: every item exactly once.
    const items = perSubtask.flatMap((r) => (r.operator?.['splits']?.items ?? []) as string[]);
    assert.deepEqual(items.sort(), ['s0', 's1']);
  });
}

test('state of a uid the job no longer has fails the restore unless allowed', async () => {
  await assert.rejects(buildRestoreAssignments(graph(2, 'renamed'), checkpoint(['a']), false), /uid count.*--allow-non-restored-state/);
  const ok = await buildRestoreAssignments(graph(2, 'renamed'), checkpoint(['a']), true);
  assert.equal(ok.has('count'), false);
});

test('a different maxParallelism is refused, naming both values', async () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2, maxParallelism: 64 });
  env.fromElements(['a', 1] as [string, number]).keyBy(0).sum(1).uid('count').discard();
  const g = buildJobGraph(buildStreamGraph(env.transformations, env.sinks, env.config));
  await assert.rejects(buildRestoreAssignments(g, checkpoint(['a']), false), /maxParallelism 128, the job now has 64/);
});
