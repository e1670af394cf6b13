// Tests of the BATCH worker pool: a region that finished cleanly leaves its TaskManager for the next region on the same slots; failures and gateways without reset do not.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TaskManagerGateway } from '../runtime/gateway.ts';
import type { ManagerToSlot, SlotToManager } from '../runtime/protocol.ts';
import { WorkerPool } from './worker-pool.ts';
import type { JobGraph } from '../graph/job-graph.ts';

/** A gateway over `slots` that records what happens to it; `emit` plays slot events. */
class RecordingGateway implements TaskManagerGateway {
  readonly numSlots: number;
  readonly log: string[] = [];
  #onEvent: ((e: SlotToManager) => void) | undefined;
  reset?: () => void;
  constructor(readonly slots: readonly number[], resettable: boolean) {
    this.numSlots = slots.length;
    if (resettable) this.reset = () => { this.log.push('reset'); this.#onEvent = undefined; };
  }
  async start(onEvent: (e: SlotToManager) => void): Promise<void> { this.log.push('start'); this.#onEvent = onEvent; }
  broadcast(c: ManagerToSlot): void { this.log.push(c.type); }
  async shutdown(): Promise<void> { this.log.push('shutdown'); }
  emit(e: SlotToManager): void { this.#onEvent?.(e); }
}

const graph = {} as JobGraph;
const finished = (slot: number): SlotToManager => ({ type: 'finished', slot, metrics: [] });

test('a cleanly finished region hands its TaskManager to the next region on the same slots; other slots get a new one', async () => {
  const made: RecordingGateway[] = [];
  const pool = new WorkerPool((_g, slots) => { const g = new RecordingGateway(slots, true); made.push(g); return g; });
  const a = pool.createTaskManager(graph, [0, 1]);
  const seen: string[] = [];
  await a.start((e) => seen.push(e.type));
  made[0]!.emit(finished(0));
  made[0]!.emit(finished(1));
  assert.deepEqual(seen, ['finished', 'finished'], 'events still reach the scheduler');
  await a.shutdown();
  assert.deepEqual(made[0]!.log, ['start', 'reset'], 'reset, not shut down');

  const b = pool.createTaskManager(graph, [0, 1]);
  assert.equal(made.length, 1, 'the same slots reuse the kept TaskManager');
  const seenB: string[] = [];
  await b.start((e) => seenB.push(e.type));
  made[0]!.emit(finished(0));
  assert.deepEqual(seenB, ['finished'], 'the new region gets the events now');
  assert.deepEqual(seen, ['finished', 'finished'], 'the old region gets nothing more');

  pool.createTaskManager(graph, [1]);
  assert.equal(made.length, 2, 'other slots: a new TaskManager');
  assert.deepEqual([pool.created, pool.reused], [2, 1]);
  await b.shutdown(); // only one of two slots finished: not clean, shut down
  assert.deepEqual(made[0]!.log.slice(-1), ['shutdown']);
  assert.equal(pool.createTaskManager(graph, [0, 1]) !== undefined && made.length, 3, 'nothing kept for [0, 1] any more');
  await pool.close();
});

test('a failed region, and a gateway that cannot reset, are shut down; close() stops what is kept', async () => {
  const made: RecordingGateway[] = [];
  let resettable = true;
  const pool = new WorkerPool((_g, slots) => { const g = new RecordingGateway(slots, resettable); made.push(g); return g; });
  const failed = pool.createTaskManager(graph, [0]);
  await failed.start(() => {});
  made[0]!.emit({ type: 'failed', slot: 0, error: { name: 'Error', message: 'boom', code: undefined, fault: 'user', stack: undefined } } as SlotToManager);
  made[0]!.emit(finished(0));
  await failed.shutdown();
  assert.deepEqual(made[0]!.log, ['start', 'shutdown']);

  resettable = false;
  const inline = pool.createTaskManager(graph, [0]);
  await inline.start(() => {});
  made[1]!.emit(finished(0));
  await inline.shutdown();
  assert.deepEqual(made[1]!.log, ['start', 'shutdown'], 'no reset(): shut down as before');

  resettable = true;
  const kept = pool.createTaskManager(graph, [2]);
  await kept.start(() => {});
  made[2]!.emit(finished(2));
  await kept.shutdown();
  assert.deepEqual(made[2]!.log, ['start', 'reset']);
  await pool.close();
  assert.deepEqual(made[2]!.log, ['start', 'reset', 'shutdown']);
});
