import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serialize } from 'node:v8';
import fc from 'fast-check';
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

/** A job graph with a keyed operator "count" at parallelism p and the given maxParallelism. */
function graphWith(maxParallelism: number, parallelism: number) {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism, maxParallelism });
  env.fromElements([1, 1] as [number, number]).uid('src').keyBy(0).sum(1).uid('count').discard().uid('out');
  return buildJobGraph(buildStreamGraph(env.transformations, env.sinks, env.config));
}

/** One integer key per key group of [0, maxParallelism), found by search (cached per maxParallelism). */
const keysPerGroup = new Map<number, number[]>();
function keyForEachGroup(maxParallelism: number): number[] {
  let keys = keysPerGroup.get(maxParallelism);
  if (keys) return keys;
  keys = new Array<number>(maxParallelism);
  let missing = maxParallelism;
  for (let k = 0; missing > 0; k++) {
    const kg = keyGroupFor(k, maxParallelism);
    if (keys[kg] === undefined) { keys[kg] = k; missing--; }
  }
  keysPerGroup.set(maxParallelism, keys);
  return keys;
}

/** A checkpoint of "count" at oldP subtasks in which every key group holds one key whose value is its key group. */
function checkpointWithEveryGroup(maxParallelism: number, oldP: number): { checkpoint: LoadedCheckpoint; blobs: Uint8Array[] } {
  const keys = keyForEachGroup(maxParallelism);
  const files = new Map<string, Uint8Array>();
  const blobs: Uint8Array[] = [];
  const subtasks = Array.from({ length: oldP }, (_, subtask) => {
    const range = KeyGroupRange.forOperator(maxParallelism, oldP, subtask);
    const backend = new HeapKeyedStateBackend({ maxParallelism, keyGroupRange: range });
    const state = backend.getState(new ValueStateDescriptor<number>('_reduce'));
    for (let kg = range.start; kg <= range.end; kg++) {
      backend.setCurrentKey(keys[kg]!, kg);
      state.update(kg);
    }
    const blob = backend.snapshot().write();
    blobs.push(blob);
    const file = `count-${subtask}-keyed`;
    files.set(file, blob);
    return { subtask, handles: { keyed: { file, size: blob.byteLength, checksum: 'x' } } };
  });
  const metadata: CheckpointMetadata = {
    version: 1, jobId: 'j', jobName: 'j', checkpointId: 1, kind: 'savepoint', timestamp: 0, durationMs: 0, maxParallelism,
    operators: [{ uid: 'count', name: 'count', parallelism: oldP, subtasks }],
  };
  return { checkpoint: { path: '/mem', metadata, readState: async (h) => files.get(h.file)! }, blobs };
}

/** Checks one rescale: exact blob sets per new subtask, and every key group restored exactly once, where it belongs. */
async function checkRescale(maxParallelism: number, oldP: number, newP: number): Promise<void> {
  const { checkpoint: cp, blobs } = checkpointWithEveryGroup(maxParallelism, oldP);
  const perSubtask = (await buildRestoreAssignments(graphWith(maxParallelism, newP), cp, false)).get('count')!;
  assert.equal(perSubtask.length, newP);
  const owner = new Array<number | undefined>(maxParallelism);
  perSubtask.forEach((r, s) => {
    const mine = KeyGroupRange.forOperator(maxParallelism, newP, s);
    // Exactly the old blobs whose range overlaps this subtask's range, no more, no fewer.
    const expected = blobs.filter((b) => {
      const old = HeapKeyedStateBackend.keyGroupRangeOf(b);
      return old.start <= mine.end && old.end >= mine.start;
    });
    assert.equal(r.keyed.length, expected.length, `${oldP}→${newP} at maxP ${maxParallelism}: subtask ${s} ${mine} got ${r.keyed.length} blobs, expected ${expected.length}`);
    for (const b of expected) assert.ok(r.keyed.includes(b), `subtask ${s} ${mine} misses blob ${HeapKeyedStateBackend.keyGroupRangeOf(b)}`);
    const backend = new HeapKeyedStateBackend({ maxParallelism, keyGroupRange: mine });
    backend.restore(r.keyed);
    backend.forEachKey('_reduce', (_key, kg) => {
      assert.equal(owner[kg], undefined, `key group ${kg} restored twice (subtasks ${owner[kg]} and ${s})`);
      assert.ok(mine.contains(kg));
      owner[kg] = s;
    });
  });
  for (let kg = 0; kg < maxParallelism; kg++) {
    assert.notEqual(owner[kg], undefined, `${oldP}→${newP} at maxP ${maxParallelism}: key group ${kg} was lost`);
  }
}

test('rescales at maxParallelism 4 (1→3, 1→4, 2→3) keep every key group', async () => {
  for (const [oldP, newP] of [[1, 3], [1, 4], [2, 3], [3, 2], [4, 1]] as const) await checkRescale(4, oldP, newP);
});

test('property: any rescale puts every key group of the old state in exactly one new subtask', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 256 }).chain((m) => fc.tuple(fc.constant(m), fc.integer({ min: 1, max: m }), fc.integer({ min: 1, max: m }))),
      async ([maxParallelism, oldP, newP]) => checkRescale(maxParallelism, oldP, newP),
    ),
    { numRuns: 150 },
  );
});

test('state of a window pre-aggregation node (its watermark hint) is dropped when the job has no such node; other unknown state is refused', async () => {
  const files = new Map<string, Uint8Array>([['c-0-operator', serialize({ '_window-combine-watermark': { mode: 'union', items: [5] } })]]);
  const loaded = (uid: string): LoadedCheckpoint => ({
    path: '/mem', readState: async (h) => files.get(h.file)!,
    metadata: {
      version: 1, jobId: 'j', jobName: 'j', checkpointId: 1, kind: 'savepoint', timestamp: 0, durationMs: 0, maxParallelism: 128,
      operators: [{ uid, name: 'Window: local pre-aggregation', parallelism: 1, subtasks: [{ subtask: 0, handles: { operator: { file: 'c-0-operator', size: 1, checksum: 'x' } } }] }],
    },
  });
  const assignments = await buildRestoreAssignments(graph(2), loaded('0123456789abcdef~window-combine'), false);
  assert.equal(assignments.size, 0);
  await assert.rejects(buildRestoreAssignments(graph(2), loaded('0123456789abcdef'), false), /matches no operator of this job/);
});
