// Local mode's JobsView: the jobs this process ran or runs, and its one in-process TaskManager.

import { availableParallelism, totalmem } from 'node:os';
import type { JobsView, JobView, TaskManagerInfo } from './job-view.ts';

export class JobRegistry implements JobsView {
  readonly #jobs: JobView[] = [];

  add(job: JobView): void {
    this.#jobs.push(job);
  }

  jobs(): readonly JobView[] {
    return this.#jobs;
  }

  /** One TaskManager, in this process: as many slots as the largest job needs, all taken while a job runs. */
  taskManagers(): readonly TaskManagerInfo[] {
    let slots = 0;
    let used = 0;
    for (const job of this.#jobs) {
      // Slot k runs subtask k of every vertex (runtime/network/channel-plan.ts).
      const n = Math.max(...job.graph.vertices.map((v) => v.parallelism));
      slots = Math.max(slots, n);
      if (job.status === 'RUNNING' || job.status === 'RESTARTING') used = Math.max(used, n);
    }
    return [{
      id: 'local', path: 'local', slotsNumber: slots, freeSlots: slots - used, timeSinceLastHeartbeat: 0,
      hardware: { cpuCores: availableParallelism(), physicalMemory: totalmem() },
    }];
  }
}
