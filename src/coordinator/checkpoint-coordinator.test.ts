// Tests of the CheckpointCoordinator fed by hand: completion only after every ack, aborts on decline and timeout, tolerable failures.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamExecutionEnvironment } from '../index.ts';
import { loadCheckpoint } from '../checkpoint/index.ts';
import { buildJobGraph } from '../graph/job-graph.ts';
import { buildStreamGraph } from '../graph/stream-graph.ts';
import type { ManagerToSlot, SlotToManager, TaskId } from '../runtime/protocol.ts';
import { Lineage } from '../checkpoint/lineage.ts';
import { CheckpointCoordinator, type CompletionGate } from './checkpoint-coordinator.ts';

type Ack = Extract<SlotToManager, { type: 'ack' }>;

/** collection source (1 subtask) → keyBy → sum "sum" (2 subtasks, chained to a discard sink): 3 tasks. */
async function setup(t: { after(fn: () => void): void }, checkpoint: { timeout?: number; tolerableFailedCheckpoints?: number } = {}, completionGate?: CompletionGate) {
  const dir = mkdtempSync(join(tmpdir(), 'weir-coordinator-'));
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ parallelism: 2 });
  env.configureCheckpointing({ dir, ...checkpoint });
  env.fromElements<[string, number]>(['a', 1]).uid('src').keyBy(0).sum(1).uid('sum').discard().uid('out');
  const graph = buildJobGraph(buildStreamGraph(env.transformations, env.sinks, env.config));
  const failed: number[] = [];
  const cc = new CheckpointCoordinator({ config: env.config, jobId: 'job', jobName: 'job', graph, listener: { onCheckpointFailed: (id) => failed.push(id) }, ...(completionGate ? { completionGate } : {}) });
  const fatal: Error[] = [];
  cc.onFatal = (e) => fatal.push(e);
  await cc.initialRestore(undefined);
  const sent: ManagerToSlot[] = [];
  cc.start((m) => sent.push(m));
  // The coordinator's timers are unref'd: keep the loop alive while a test waits on them.
  const keepAlive = setInterval(() => {}, 1000);
  t.after(() => { clearInterval(keepAlive); cc.stop(); rmSync(dir, { recursive: true, force: true }); });
  const sourceVertex = graph.vertices.find((v) => v.isSource)!.index;
  const keyedVertex = graph.vertices.find((v) => !v.isSource)!.index;
  const tasks: TaskId[] = graph.vertices.flatMap((v) => Array.from({ length: v.parallelism }, (_, subtask) => ({ vertex: v.index, subtask })));
  assert.ok(tasks.length >= 3);
  /** Triggers a checkpoint and returns its id (from the trigger message) and its settled outcome. */
  const trigger = async () => {
    const before = sent.length;
    const outcome = cc.trigger('checkpoint', false).then((path) => ({ path }), (error: Error) => ({ error }));
    await until(() => sent.length > before);
    const m = sent[sent.length - 1]!;
    assert.equal(m.type, 'trigger-checkpoint');
    return { id: (m as Extract<ManagerToSlot, { type: 'trigger-checkpoint' }>).checkpointId, outcome, message: m };
  };
  return { cc, dir, sent, fatal, failed, tasks, sourceVertex, keyedVertex, trigger };
}

function ack(task: TaskId, checkpointId: number, keyed?: Uint8Array): Ack {
  return {
    type: 'ack', task, checkpointId, syncMs: 0, asyncMs: 0, alignmentMs: 0,
    operators: keyed ? [{ uid: 'sum', keyed, timers: undefined, operator: undefined }] : [],
  };
}

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Lets writes and timers run, then tells whether the promise settled. */
async function settledWithin<T>(p: Promise<T>, ms: number): Promise<boolean> {
  let settled = false;
  void p.then(() => { settled = true; });
  await new Promise((r) => setTimeout(r, ms));
  return settled;
}

const completes = (sent: ManagerToSlot[]) => sent.filter((m) => m.type === 'checkpoint-complete');
const aborts = (sent: ManagerToSlot[]) => sent.filter((m) => m.type === 'checkpoint-aborted');

test('a checkpoint is triggered at the source tasks only and completes only once every task acked', { timeout: 10_000 }, async (t) => {
  const h = await setup(t);
  const { id, outcome, message } = await h.trigger();
  const sources = h.tasks.filter((x) => x.vertex === h.sourceVertex);
  assert.deepEqual((message as Extract<ManagerToSlot, { type: 'trigger-checkpoint' }>).tasks, sources);
  const [last, ...others] = h.tasks as [TaskId, ...TaskId[]];
  for (const task of others) h.cc.onAck(ack(task, id));
  // Duplicates of acks already received, and acks of another checkpoint, do not stand in for the missing one.
  for (const task of others) h.cc.onAck(ack(task, id));
  h.cc.onAck(ack(last, id + 1));
  h.cc.onAck(ack(last, id - 1));
  assert.equal(await settledWithin(outcome, 100), false, 'completed with one ack missing');
  assert.deepEqual(completes(h.sent), []);
  assert.equal(h.cc.completedCount, 0);
  h.cc.onAck(ack(last, id));
  const r = await outcome;
  assert.ok('path' in r, String((r as { error?: Error }).error));
  assert.ok(existsSync(join(r.path, '_metadata')));
  assert.deepEqual(completes(h.sent), [{ type: 'checkpoint-complete', checkpointId: id }]);
  assert.equal(h.cc.completedCount, 1);
  assert.deepEqual(h.fatal, []);
});

test('every ack counts: whichever task acks last, the checkpoint waits for it', { timeout: 10_000 }, async (t) => {
  const h = await setup(t);
  for (let missing = 0; missing < h.tasks.length; missing++) {
    const { id, outcome } = await h.trigger();
    h.tasks.forEach((task, i) => { if (i !== missing) h.cc.onAck(ack(task, id)); });
    assert.equal(await settledWithin(outcome, 30), false, `completed without the ack of task ${missing}`);
    h.cc.onAck(ack(h.tasks[missing]!, id));
    assert.ok('path' in (await outcome));
  }
  assert.equal(h.cc.completedCount, h.tasks.length);
});

test('the state in the acks is in the completed checkpoint, per operator and subtask', { timeout: 10_000 }, async (t) => {
  const h = await setup(t);
  const { id, outcome } = await h.trigger();
  const blobs = [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5, 6, 7])];
  for (const task of h.tasks) h.cc.onAck(ack(task, id, task.vertex === h.keyedVertex ? blobs[task.subtask] : undefined));
  assert.equal(h.tasks.filter((x) => x.vertex === h.keyedVertex).length, 2);
  const r = await outcome;
  assert.ok('path' in r);
  const loaded = await loadCheckpoint(r.path);
  assert.equal(loaded.metadata.checkpointId, id);
  const op = loaded.metadata.operators.find((o) => o.uid === 'sum')!;
  assert.deepEqual(op.subtasks.map((s) => s.subtask).sort(), [0, 1]);
  for (const s of op.subtasks) assert.deepEqual(new Uint8Array(await loaded.readState(s.handles['keyed']!)), blobs[s.subtask]);
});

test('a decline aborts the checkpoint: rejected, aborted at the tasks, later acks ignored; beyond the tolerance the job fails', { timeout: 10_000 }, async (t) => {
  const h = await setup(t, { tolerableFailedCheckpoints: 1 });
  const first = await h.trigger();
  h.cc.onAck(ack(h.tasks[0]!, first.id));
  h.cc.onDecline({ type: 'decline', task: h.tasks[1]!, checkpointId: first.id, reason: 'not ready' });
  const r = await first.outcome;
  assert.ok('error' in r);
  assert.match(r.error.message, new RegExp(`${first.id} failed: declined by task ${h.tasks[1]!.vertex}\\.${h.tasks[1]!.subtask}: not ready`));
  assert.deepEqual(aborts(h.sent), [{ type: 'checkpoint-aborted', checkpointId: first.id }]);
  for (const task of h.tasks) h.cc.onAck(ack(task, first.id));
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(completes(h.sent), [], 'acks of an aborted checkpoint complete nothing');
  assert.equal(h.cc.completedCount, 0);
  assert.deepEqual(h.failed, [first.id]);
  assert.deepEqual(h.fatal, [], 'one failure is tolerated');
  // A completed checkpoint resets the count of failures in a row.
  const ok = await h.trigger();
  for (const task of h.tasks) h.cc.onAck(ack(task, ok.id));
  assert.ok('path' in (await ok.outcome));
  const second = await h.trigger();
  h.cc.onDecline({ type: 'decline', task: h.tasks[0]!, checkpointId: second.id, reason: 'x' });
  assert.ok('error' in (await second.outcome));
  assert.deepEqual(h.fatal, [], 'one failure in a row after a success is tolerated');
  const third = await h.trigger();
  h.cc.onDecline({ type: 'decline', task: h.tasks[0]!, checkpointId: third.id, reason: 'y' });
  assert.ok('error' in (await third.outcome));
  assert.equal(h.fatal.length, 1, 'two failures in a row exceed tolerableFailedCheckpoints 1');
  assert.match((h.fatal as Error[])[0]!.message, /2 checkpoint\(s\) failed in a row, more than tolerableFailedCheckpoints \(1\)/);
});

test('with no tolerance the first failed checkpoint fails the job; a decline of another checkpoint is ignored', { timeout: 10_000 }, async (t) => {
  const h = await setup(t);
  const { id, outcome } = await h.trigger();
  h.cc.onDecline({ type: 'decline', task: h.tasks[0]!, checkpointId: id + 1, reason: 'stale' });
  assert.equal(await settledWithin(outcome, 30), false);
  h.cc.onDecline({ type: 'decline', task: h.tasks[0]!, checkpointId: id, reason: 'now' });
  assert.ok('error' in (await outcome));
  assert.equal(h.fatal.length, 1);
});

test('a checkpoint that misses an ack past its timeout is aborted', { timeout: 10_000 }, async (t) => {
  const h = await setup(t, { timeout: 80, tolerableFailedCheckpoints: 5 });
  const { id, outcome } = await h.trigger();
  for (const task of h.tasks.slice(1)) h.cc.onAck(ack(task, id));
  const r = await outcome;
  assert.ok('error' in r);
  assert.match(r.error.message, /timed out after 80 ms/);
  assert.deepEqual(aborts(h.sent), [{ type: 'checkpoint-aborted', checkpointId: id }]);
  assert.deepEqual(completes(h.sent), []);
  h.cc.onAck(ack(h.tasks[0]!, id));
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(completes(h.sent), [], 'the late ack completes nothing');
  assert.deepEqual(h.fatal, []);
});

test('one checkpoint at a time: a trigger while one is pending is refused', { timeout: 10_000 }, async (t) => {
  const h = await setup(t);
  const { id, outcome } = await h.trigger();
  await assert.rejects(h.cc.trigger('checkpoint', false), /already in progress/);
  for (const task of h.tasks) h.cc.onAck(ack(task, id));
  assert.ok('path' in (await outcome));
  const next = await h.trigger();
  assert.equal(next.id, id + 1);
});

test('two triggers in the same turn, while the directory of the first is still being made: the second is refused, the first completes', { timeout: 10_000 }, async (t) => {
  const h = await setup(t);
  const first = h.cc.trigger('checkpoint', false).then((path) => ({ path }), (error: Error) => ({ error }));
  await assert.rejects(h.cc.trigger('savepoint', false), /already in progress/);
  await until(() => h.sent.some((m) => m.type === 'trigger-checkpoint'));
  const triggers = h.sent.filter((m) => m.type === 'trigger-checkpoint') as Extract<ManagerToSlot, { type: 'trigger-checkpoint' }>[];
  assert.equal(triggers.length, 1);
  for (const task of h.tasks) h.cc.onAck(ack(task, triggers[0]!.checkpointId));
  assert.ok('path' in (await first), 'the first checkpoint was not overwritten by the second trigger');
});

test('a savepoint asked for in the same turn as a periodic checkpoint waits for it, then completes', { timeout: 10_000 }, async (t) => {
  const h = await setup(t);
  const checkpoint = h.cc.trigger('checkpoint', false);
  const savepoint = h.cc.triggerSavepoint(join(h.dir, 'sp'));
  const triggered = () => h.sent.filter((m) => m.type === 'trigger-checkpoint') as Extract<ManagerToSlot, { type: 'trigger-checkpoint' }>[];
  await until(() => triggered().length === 1);
  for (const task of h.tasks) h.cc.onAck(ack(task, triggered()[0]!.checkpointId));
  await checkpoint;
  await until(() => triggered().length === 2);
  assert.equal(triggered()[1]!.kind, 'savepoint');
  for (const task of h.tasks) h.cc.onAck(ack(task, triggered()[1]!.checkpointId));
  const path = await savepoint;
  assert.ok(existsSync(join(path, '_metadata')), `savepoint ${path} has its _metadata`);
});

test('a completion gate (HA): a refused pointer commit leaves the point unrecorded and unannounced; a failed check writes no _metadata', { timeout: 10_000 }, async (t) => {
  const commits: number[] = [];
  let leader = true;
  let refuseCommit = false;
  const notLeader = Object.assign(new Error('not the leader'), { code: 'WEIR_HA_NOT_LEADER' });
  const gate: CompletionGate = {
    check: () => { if (!leader) throw notLeader; },
    commit: async (point) => { if (refuseCommit) throw notLeader; commits.push(point.id); },
  };
  const h = await setup(t, { tolerableFailedCheckpoints: 5 }, gate);
  const first = await h.trigger();
  for (const task of h.tasks) h.cc.onAck(ack(task, first.id));
  assert.ok('path' in (await first.outcome));
  assert.deepEqual(commits, [first.id]);

  refuseCommit = true;
  const second = await h.trigger();
  for (const task of h.tasks) h.cc.onAck(ack(task, second.id));
  const refused = await second.outcome;
  assert.ok('error' in refused && /not the leader/.test(refused.error.message));
  assert.deepEqual(completes(h.sent).map((m) => m.checkpointId), [first.id], 'no sink hears of the refused point');
  const lineage = await Lineage.read(join(h.dir, 'job'));
  assert.deepEqual(lineage.records.filter((r) => r.type === 'completed').map((r) => (r as { id: number }).id), [first.id]);

  refuseCommit = false;
  leader = false;
  const third = await h.trigger();
  for (const task of h.tasks) h.cc.onAck(ack(task, third.id));
  const unchecked = await third.outcome;
  assert.ok('error' in unchecked);
  assert.equal(existsSync(join(h.dir, 'job', `chk-${third.id}`, '_metadata')), false, 'no _metadata once leadership is gone');
  assert.deepEqual(commits, [first.id]);
  assert.equal(h.cc.completedCount, 1);
});

test('a state write that fails while acks are still missing fails the checkpoint at once (no unhandled rejection)', { timeout: 10_000 }, async (t) => {
  const h = await setup(t);
  const { id, outcome, message } = await h.trigger();
  const path = (message as Extract<ManagerToSlot, { type: 'trigger-checkpoint' }>).path!;
  // The checkpoint's directory becomes a file: the first state write fails; the other tasks never ack.
  rmSync(path, { recursive: true, force: true });
  writeFileSync(path, 'not a directory');
  const keyed = h.tasks.find((x) => x.vertex === h.keyedVertex)!;
  h.cc.onAck(ack(keyed, id, new Uint8Array([1, 2, 3])));
  const r = await outcome;
  assert.ok('error' in r, 'the checkpoint failed');
  assert.match(r.error.message, new RegExp(`checkpoint ${id} failed: cannot write the keyed state of operator "[^"]+" \\(uid sum, subtask ${keyed.subtask + 1}\\)`));
  assert.equal(aborts(h.sent).length, 1, 'the tasks hear it is aborted');
  assert.deepEqual(h.failed, [id]);
});

test('the job directory moved away while a checkpoint is written: the job fails at once, not restarted (its checkpoints went with it)', { timeout: 10_000 }, async (t) => {
  const h = await setup(t, { tolerableFailedCheckpoints: 5 });
  const { id, outcome } = await h.trigger();
  const jobDir = join(h.dir, 'job');
  // Moved, not replaced: every later write under the old path finds no directory (ENOENT, which alone looks transient).
  renameSync(jobDir, `${jobDir}.moved`);
  for (const task of h.tasks) h.cc.onAck(ack(task, id));
  const r = await outcome;
  assert.ok('error' in r, 'the checkpoint failed');
  assert.match(r.error.message, /the job's checkpoint directory .* was removed or replaced mid-run/);
  assert.equal(h.fatal.length, 1, 'fatal at once, although 5 failures in a row are tolerated');
  assert.equal((h.fatal[0] as { retryable?: boolean }).retryable, false, 'a restart could not restore from it: not retryable');
});
