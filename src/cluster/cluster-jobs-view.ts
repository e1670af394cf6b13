// The cluster JobManager's JobsView (coordinator/job-view.ts): its jobs as their own JobManager role sees them, and its registered TaskManagers.
//
// A cluster job's JobManager role runs from the job's bundle (job-main.ts), in another copy of
// the engine; that copy's JobManager already is a JobView, fed with the per-subtask metrics that
// every slot reports every 500 ms (runtime/slot.ts, measured with runtime/task-time.ts), which the
// TaskManagers forward as `event` frames on their control connection. So the REST API, the
// dashboard and Prometheus read exactly what local mode reads; this file only lists the jobs,
// routes a REST cancel through the daemon (so `weir list` says cancelled) and describes the
// TaskManagers. Only plain data and duck-typed objects cross between the engine copies.

import type { JobsView, JobView, SavepointTriggerState, TaskManagerInfo } from '../coordinator/job-view.ts';
import type { HostPort } from './messages.ts';

/** What the daemon knows of one job (a subset of its JobRecord). */
export interface ClusterJobEntry {
  /** The job's own JobManager role: undefined until the job module built its graph. */
  readonly view: JobView | undefined;
  /** The daemon's cancel: marks the job cancelled, then cancels its JobManager role. */
  cancel(): void;
}

/** What the daemon knows of one registered TaskManager. */
export interface ClusterTaskManagerEntry {
  readonly id: string;
  readonly data: HostPort;
  readonly slots: number;
  readonly freeSlots: number;
  /** Epoch ms of the last frame from it (heartbeats included). */
  readonly lastReceivedAt: number;
  readonly hardware: { readonly cpuCores: number; readonly physicalMemory: number } | undefined;
}

export class ClusterJobsView implements JobsView {
  readonly #jobs: () => Iterable<ClusterJobEntry>;
  readonly #taskManagers: () => Iterable<ClusterTaskManagerEntry>;
  readonly #wrapped = new WeakMap<JobView, JobView>();

  constructor(jobs: () => Iterable<ClusterJobEntry>, taskManagers: () => Iterable<ClusterTaskManagerEntry>) {
    this.#jobs = jobs;
    this.#taskManagers = taskManagers;
  }

  jobs(): readonly JobView[] {
    const out: JobView[] = [];
    for (const entry of this.#jobs()) {
      const view = entry.view;
      if (view === undefined) continue;
      let wrapped = this.#wrapped.get(view);
      if (!wrapped) this.#wrapped.set(view, (wrapped = new ClusterJobView(view, () => entry.cancel())));
      out.push(wrapped);
    }
    return out;
  }

  taskManagers(now = Date.now()): readonly TaskManagerInfo[] {
    return [...this.#taskManagers()].map((tm) => ({
      id: tm.id, path: `${tm.data.host.includes(':') ? `[${tm.data.host}]` : tm.data.host}:${tm.data.port}`,
      slotsNumber: tm.slots, freeSlots: tm.freeSlots, timeSinceLastHeartbeat: Math.max(0, now - tm.lastReceivedAt),
      hardware: tm.hardware ?? { cpuCores: 0, physicalMemory: 0 },
    }));
  }
}

/** A job's JobView with the daemon's cancel; everything else is the job's own JobManager role. */
class ClusterJobView implements JobView {
  readonly #view: JobView;
  readonly #cancel: () => void;

  constructor(view: JobView, cancel: () => void) {
    this.#view = view;
    this.#cancel = cancel;
  }

  get jobId(): string { return this.#view.jobId; }
  get jobName(): string { return this.#view.jobName; }
  get graph(): JobView['graph'] { return this.#view.graph; }
  get runtimeMode(): JobView['runtimeMode'] { return this.#view.runtimeMode; }
  get config(): JobView['config'] { return this.#view.config; }
  get status(): JobView['status'] { return this.#view.status; }
  get startTime(): number { return this.#view.startTime; }
  get endTime(): number { return this.#view.endTime; }
  get attempt(): number { return this.#view.attempt; }
  get restarts(): number { return this.#view.restarts; }
  get metrics(): JobView['metrics'] { return this.#view.metrics; }
  get checkpointStats(): JobView['checkpointStats'] { return this.#view.checkpointStats; }
  get savepointsAvailable(): boolean { return this.#view.savepointsAvailable; }
  get exceptions(): JobView['exceptions'] { return this.#view.exceptions; }
  subtaskStatus(vertex: number, subtask: number): string { return this.#view.subtaskStatus(vertex, subtask); }
  startSavepoint(options: Parameters<JobView['startSavepoint']>[0]): string { return this.#view.startSavepoint(options); }
  stopWithSavepoint(options?: Parameters<JobView['stopWithSavepoint']>[0]): string { return this.#view.stopWithSavepoint(options); }
  savepointTrigger(triggerId: string): SavepointTriggerState | undefined { return this.#view.savepointTrigger(triggerId); }
  cancel(): void {
    // The job's own check first (a finished job answers WEIR_JOB_NOT_RUNNING), then the daemon's bookkeeping.
    const s = this.#view.status;
    if (s === 'FINISHED' || s === 'FAILED' || s === 'CANCELED') { this.#view.cancel(); return; }
    this.#cancel();
  }
}
