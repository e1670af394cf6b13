// BATCH: worker threads reused from one pipeline region to the next, instead of a fresh thread per slot per region.
//
// The scheduler gives each region attempt its own TaskManager over the region's slots and shuts
// it down when the region ends. Starting a worker thread costs ~0.3–0.7 s of CPU (Node's loader,
// compiling the job bundle, its source map), which a second region of a p=2 word count paid on
// every slot for a few thousand partial counts. This pool sits between the scheduler and the
// real factory: a TaskManager whose region finished cleanly (every slot reported `finished`, none
// `failed`) is reset (each thread swaps in a fresh slot runtime, tasks and state gone) and kept;
// the next region on the same slots gets it back, with its threads already running. Anything else
// — a failure, a cancel, a gateway without `reset` (inline slots, cluster TaskManagers) — shuts
// down as before, so region failover still starts clean threads. `close()` at the end of the job
// stops what is kept. Module-level state of the job file survives on a reused thread, as static
// state does in a Flink TaskManager's JVM across tasks: user functions must not rely on it.

import type { JobGraph } from '../graph/job-graph.ts';
import type { TaskManagerGateway } from '../runtime/gateway.ts';
import type { ManagerToSlot, SlotToManager } from '../runtime/protocol.ts';

export type TaskManagerFactory = (graph: JobGraph, slotIds: readonly number[]) => TaskManagerGateway;

export class WorkerPool {
  readonly #create: TaskManagerFactory;
  /** Slot ids (joined) → TaskManagers whose threads wait for a deploy. */
  readonly #idle = new Map<string, TaskManagerGateway[]>();
  /** TaskManagers made, and TaskManagers handed out again (tests, logs). */
  created = 0;
  reused = 0;

  constructor(create: TaskManagerFactory) {
    this.#create = create;
  }

  /** The factory for the scheduler: a kept TaskManager for these slots if there is one, else a new one. */
  readonly createTaskManager: TaskManagerFactory = (graph, slotIds) => {
    const key = slotIds.join(',');
    const kept = this.#idle.get(key)?.pop();
    if (kept !== undefined) this.reused++;
    else this.created++;
    return new PooledTaskManager(kept ?? this.#create(graph, slotIds), (tm) => {
      let list = this.#idle.get(key);
      if (list === undefined) this.#idle.set(key, (list = []));
      list.push(tm);
    });
  };

  /** Stops every kept TaskManager (end of the job, or its failure). */
  async close(): Promise<void> {
    const all = [...this.#idle.values()].flat();
    this.#idle.clear();
    await Promise.all(all.map((tm) => tm.shutdown()));
  }
}

/** One region's use of a (possibly reused) TaskManager; shutdown() hands it back when the region finished cleanly. */
class PooledTaskManager implements TaskManagerGateway {
  readonly numSlots: number;
  readonly #inner: TaskManagerGateway;
  readonly #keep: (tm: TaskManagerGateway) => void;
  readonly #finished = new Set<number>();
  #failed = false;
  #closed = false;

  constructor(inner: TaskManagerGateway, keep: (tm: TaskManagerGateway) => void) {
    this.#inner = inner;
    this.numSlots = inner.numSlots;
    this.#keep = keep;
  }

  start(onEvent: (event: SlotToManager) => void): Promise<void> {
    return this.#inner.start((event) => {
      if (event.type === 'finished') this.#finished.add(event.slot);
      else if (event.type === 'failed') this.#failed = true;
      onEvent(event);
    });
  }

  broadcast(command: ManagerToSlot): void {
    this.#inner.broadcast(command);
  }

  async shutdown(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const inner = this.#inner;
    if (!this.#failed && this.#finished.size === this.numSlots && inner.reset !== undefined) {
      inner.reset();
      this.#keep(inner);
      return;
    }
    await inner.shutdown();
  }
}
