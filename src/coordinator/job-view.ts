// What the JobManager role shows of its jobs and TaskManagers: the one interface the REST API and Prometheus read (src/web/).
//
// Local mode has one job and one in-process TaskManager (job-registry.ts); a cluster JobManager
// serves the same routes by implementing JobsView over its own jobs and registered TaskManagers.

import type { ExecutionConfig } from '../api/config.ts';
import type { JobGraph } from '../graph/job-graph.ts';
import type { ResolvedRuntimeMode } from '../graph/runtime-mode.ts';
import type { JobMetrics } from '../metrics/job-metrics.ts';
import type { CheckpointStatsTracker } from './checkpoint-stats.ts';

/** Flink's job states that Weir has. */
export type JobStatus = 'CREATED' | 'RUNNING' | 'RESTARTING' | 'FINISHED' | 'FAILED' | 'CANCELED';

export interface ExceptionEntry {
  readonly exceptionName: string;
  readonly message: string;
  readonly stacktrace: string;
  /** Epoch ms. */
  readonly timestamp: number;
  readonly taskName: string | null;
  readonly subtask: number | null;
  readonly attempt: number;
  readonly code: string | null;
}

export type SavepointTriggerState =
  | { readonly status: 'IN_PROGRESS' }
  | { readonly status: 'COMPLETED'; readonly location: string }
  | { readonly status: 'FAILED'; readonly errorName: string; readonly message: string; readonly stack: string };

export interface JobView {
  readonly jobId: string;
  readonly jobName: string;
  readonly graph: JobGraph;
  readonly runtimeMode: ResolvedRuntimeMode;
  readonly config: ExecutionConfig;
  readonly status: JobStatus;
  /** Epoch ms; -1 before the job started / while it runs. */
  readonly startTime: number;
  readonly endTime: number;
  /** The current (or last) attempt, from 0. */
  readonly attempt: number;
  readonly restarts: number;
  readonly metrics: JobMetrics;
  readonly checkpointStats: CheckpointStatsTracker;
  /** Whether savepoints can be taken (STREAMING with a checkpoint or savepoint directory). */
  readonly savepointsAvailable: boolean;
  /** Newest last. */
  readonly exceptions: readonly ExceptionEntry[];
  /** Status of one subtask (Flink's execution states: DEPLOYING, RUNNING, FINISHED, CANCELED, FAILED, CREATED). */
  subtaskStatus(vertex: number, subtask: number): string;
  /** Starts a savepoint; returns its trigger id. Throws a WeirError (code) when the job cannot take one. */
  startSavepoint(options: { readonly targetDirectory?: string | undefined; readonly cancelJob?: boolean | undefined }): string;
  /** Stop-with-savepoint; returns the trigger id of its savepoint. */
  stopWithSavepoint(options?: { readonly targetDirectory?: string | undefined; readonly drain?: boolean | undefined }): string;
  cancel(): void;
  savepointTrigger(triggerId: string): SavepointTriggerState | undefined;
}

export interface TaskManagerInfo {
  readonly id: string;
  /** host:port, or "local" for the in-process TaskManager. */
  readonly path: string;
  readonly slotsNumber: number;
  readonly freeSlots: number;
  /** ms; 0 for the in-process one. */
  readonly timeSinceLastHeartbeat: number;
  readonly hardware: { readonly cpuCores: number; readonly physicalMemory: number };
}

export interface JobsView {
  jobs(): readonly JobView[];
  taskManagers(): readonly TaskManagerInfo[];
}
