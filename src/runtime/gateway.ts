// The JobManager's view of a TaskManager, as types only: no Node module behind it, so the public
// declarations that mention it (JobResult, the batch scheduler) type-check without @types/node.

import type { ManagerToSlot, SlotToManager } from './protocol.ts';

/**
 * What the JobManager role sees of a TaskManager. Commands and events are plain data
 * (runtime/protocol.ts): in-process calls here, messages over TCP in a cluster.
 */
export interface TaskManagerGateway {
  readonly numSlots: number;
  /** Starts the slots; events from them arrive through `onEvent`. */
  start(onEvent: (event: SlotToManager) => void): Promise<void>;
  /** Sends a command to every slot. */
  broadcast(command: ManagerToSlot): void;
  /** Stops every slot and thread, whatever their state. */
  shutdown(): Promise<void>;
  /**
   * Optional (worker threads only): after every slot reported `finished`, drop the finished tasks
   * and keep the threads for another deployment (`start` again with a new handler). BATCH regions
   * reuse threads this way (src/batch/worker-pool.ts).
   */
  reset?(): void;
}
