// The Prometheus registries (prom-client): the JobManager's over a JobsView, a TaskManager's over its subtasks; every series is computed at scrape time.
//
// prom-client is imported when a registry is made, never by the runtime: worker threads import the
// same bundle and must not load it.

import type { Registry } from 'prom-client';
import type { JobsView, JobStatus } from '../coordinator/job-view.ts';
import type { SubtaskMetrics } from './job-metrics.ts';

type Labels = Record<string, string>;
type Sample = readonly [Labels, number];

/** One subtask's figures, with what its series are labelled by. */
export interface SubtaskSample {
  readonly job: string;
  readonly vertex: number;
  readonly vertexName: string;
  readonly subtask: number;
  readonly metrics: SubtaskMetrics;
  /** Bytes of its state in the latest completed point, when known (the JobManager knows it, a TaskManager does not). */
  readonly stateSize?: number | undefined;
}

/** What a TaskManager exports: its subtasks' figures and its slots (cluster/task-manager-metrics.ts). */
export interface TaskManagerMetricsSource {
  subtasks(): Iterable<SubtaskSample>;
  readonly slots: number;
  freeSlots(): number;
}

interface Series<S> {
  readonly name: string;
  readonly help: string;
  readonly labels: readonly string[];
  readonly samples: (source: S) => Iterable<Sample>;
}

const STATES: readonly JobStatus[] = ['CREATED', 'RUNNING', 'RESTARTING', 'FINISHED', 'FAILED', 'CANCELED'];
const TASK_LABELS = ['job', 'vertex', 'vertex_name', 'subtask'] as const;

/** Every subtask of every job that reported, with its state size from the job's checkpoint statistics. */
function* subtasksOfJobs(view: JobsView): Iterable<SubtaskSample> {
  for (const job of view.jobs()) {
    for (const v of job.graph.vertices) {
      for (let s = 0; s < v.parallelism; s++) {
        const m = job.metrics.subtask(v.index, s);
        if (m) yield { job: job.jobId, vertex: v.index, vertexName: v.name, subtask: s, metrics: m, stateSize: job.checkpointStats.stateSizes.get(`${v.index}.${s}`) };
      }
    }
  }
}

const taskLabels = (t: SubtaskSample): Labels => ({ job: t.job, vertex: String(t.vertex), vertex_name: t.vertexName, subtask: String(t.subtask) });

/** One gauge per subtask figure, labelled job, vertex, vertex_name, subtask: the same on the JobManager and on a TaskManager. */
function taskSeries(name: string, help: string, pick: (m: SubtaskMetrics) => number): Series<Iterable<SubtaskSample>> {
  return {
    name, help, labels: TASK_LABELS,
    *samples(subtasks) {
      for (const t of subtasks) yield [taskLabels(t), pick(t.metrics)];
    },
  };
}

function jobSeries(name: string, help: string, pick: (job: ReturnType<JobsView['jobs']>[number]) => number | undefined): Series<JobsView> {
  return {
    name, help, labels: ['job'],
    *samples(view) {
      for (const job of view.jobs()) {
        const v = pick(job);
        if (v !== undefined) yield [{ job: job.jobId }, v];
      }
    },
  };
}

const TASK_SERIES: readonly Series<Iterable<SubtaskSample>>[] = [
  taskSeries('weir_task_records_in', 'Records that entered the subtask\'s chain in this attempt (Flink numRecordsIn)', (m) => m.numRecordsIn),
  taskSeries('weir_task_records_out', 'Records the subtask sent to other tasks in this attempt (numRecordsOut)', (m) => m.numRecordsOut),
  taskSeries('weir_task_bytes_in', 'Encoded bytes received from other threads (numBytesIn; same-thread buffers are not serialized)', (m) => m.numBytesIn),
  taskSeries('weir_task_bytes_out', 'Encoded bytes sent to other threads (numBytesOut)', (m) => m.numBytesOut),
  taskSeries('weir_task_records_in_per_second', 'numRecordsInPerSecond over the last ~2 s', (m) => m.numRecordsInPerSecond),
  taskSeries('weir_task_records_out_per_second', 'numRecordsOutPerSecond over the last ~2 s', (m) => m.numRecordsOutPerSecond),
  taskSeries('weir_task_bytes_in_per_second', 'numBytesInPerSecond over the last ~2 s', (m) => m.numBytesInPerSecond),
  taskSeries('weir_task_bytes_out_per_second', 'numBytesOutPerSecond over the last ~2 s', (m) => m.numBytesOutPerSecond),
  taskSeries('weir_task_busy_time_ms_per_second', 'busyTimeMsPerSecond: ms per second the subtask ran or could run', (m) => m.busyTimeMsPerSecond),
  taskSeries('weir_task_back_pressured_time_ms_per_second', 'backPressuredTimeMsPerSecond: ms per second its output waited for credit', (m) => m.backPressuredTimeMsPerSecond),
  taskSeries('weir_task_idle_time_ms_per_second', 'idleTimeMsPerSecond: ms per second it had no input', (m) => m.idleTimeMsPerSecond),
  taskSeries('weir_task_current_input_watermark_ms', 'currentInputWatermark (event time, ms; -Inf before any)', (m) => m.currentInputWatermark),
  taskSeries('weir_task_current_output_watermark_ms', 'currentOutputWatermark (event time, ms; -Inf before any)', (m) => m.currentOutputWatermark),
];

const STATE_SIZE_SERIES: Series<Iterable<SubtaskSample>> = {
  name: 'weir_task_state_size_bytes', help: 'Bytes of the subtask\'s state in the latest completed checkpoint or savepoint', labels: TASK_LABELS,
  *samples(subtasks) {
    for (const t of subtasks) if (t.stateSize !== undefined) yield [taskLabels(t), t.stateSize];
  },
};

const JOB_SERIES: readonly Series<JobsView>[] = [
  {
    name: 'weir_job_vertex_backpressure_level', help: 'Back-pressure level of a vertex: 0 ok (ratio <= 0.1), 1 low (<= 0.5), 2 high', labels: ['job', 'vertex', 'vertex_name'],
    *samples(view) {
      for (const job of view.jobs()) {
        for (const v of job.graph.vertices) {
          const level = job.metrics.vertex(v.index).backPressureLevel;
          yield [{ job: job.jobId, vertex: String(v.index), vertex_name: v.name }, level === 'ok' ? 0 : level === 'low' ? 1 : 2];
        }
      }
    },
  },
  {
    name: 'weir_job_state', help: '1 for the job\'s current state, 0 for the others', labels: ['job', 'state'],
    *samples(view) {
      for (const job of view.jobs()) for (const state of STATES) yield [{ job: job.jobId, state }, job.status === state ? 1 : 0];
    },
  },
  jobSeries('weir_job_uptime_ms', 'ms since the job started (until it ended)', (j) => (j.startTime < 0 ? undefined : (j.endTime >= 0 ? j.endTime : Date.now()) - j.startTime)),
  jobSeries('weir_job_restarts', 'Restarts of the job (numRestarts)', (j) => j.restarts),
  jobSeries('weir_job_attempt', 'The current attempt, from 0', (j) => j.attempt),
  jobSeries('weir_job_checkpoints_completed', 'Completed checkpoints and savepoints (numberOfCompletedCheckpoints)', (j) => j.checkpointStats.completed),
  jobSeries('weir_job_checkpoints_failed', 'Failed checkpoints and savepoints (numberOfFailedCheckpoints)', (j) => j.checkpointStats.failed),
  jobSeries('weir_job_checkpoints_in_progress', 'Checkpoints in progress (numberOfInProgressCheckpoints)', (j) => j.checkpointStats.inProgress),
  jobSeries('weir_job_last_checkpoint_duration_ms', 'End-to-end duration of the latest completed checkpoint (lastCheckpointDuration)', (j) => j.checkpointStats.latest('COMPLETED')?.endToEndDuration),
  jobSeries('weir_job_last_checkpoint_size_bytes', 'State size of the latest completed checkpoint (lastCheckpointSize)', (j) => j.checkpointStats.latest('COMPLETED')?.stateSize),
  jobSeries('weir_job_last_checkpoint_alignment_ms', 'Longest alignment of a subtask in the latest completed checkpoint', (j) => j.checkpointStats.latest('COMPLETED')?.alignmentDuration),
  jobSeries('weir_job_last_checkpoint_sync_ms', 'Longest synchronous part of a subtask in the latest completed checkpoint', (j) => j.checkpointStats.latest('COMPLETED')?.syncDuration),
  jobSeries('weir_job_last_checkpoint_async_ms', 'Longest asynchronous part of a subtask in the latest completed checkpoint', (j) => j.checkpointStats.latest('COMPLETED')?.asyncDuration),
  jobSeries('weir_job_last_checkpoint_timestamp_ms', 'Trigger time (epoch ms) of the latest completed checkpoint', (j) => j.checkpointStats.latest('COMPLETED')?.triggerTimestamp),
];

const TASKMANAGER_SERIES: readonly Series<TaskManagerMetricsSource>[] = [
  { name: 'weir_taskmanager_slots', help: 'Task slots of this TaskManager', labels: [], *samples(tm) { yield [{}, tm.slots]; } },
  { name: 'weir_taskmanager_free_slots', help: 'Task slots of this TaskManager that run no execution', labels: [], *samples(tm) { yield [{}, tm.freeSlots()]; } },
];

/** Names of every series the JobManager's registry exports (docs and tests). */
export const SERIES_NAMES: readonly string[] = [...TASK_SERIES, STATE_SIZE_SERIES, ...JOB_SERIES].map((s) => s.name);
/** Names of every series a TaskManager's registry exports. */
export const TASKMANAGER_SERIES_NAMES: readonly string[] = [...TASK_SERIES, ...TASKMANAGER_SERIES].map((s) => s.name);

type Prom = typeof import('prom-client');

/** A gauge whose samples are computed at scrape time; `source` is read once per scrape of that gauge. */
function gauge<S>(prom: Prom, registry: Registry, series: Series<S>, source: () => S): void {
  new prom.Gauge({
    name: series.name, help: series.help, labelNames: [...series.labels], registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of series.samples(source())) this.set(labels, value);
    },
  });
}

/** The JobManager's registry (local mode or a cluster JobManager): every job's subtasks, vertices and checkpoints. */
export async function createMetricsRegistry(view: JobsView): Promise<Registry> {
  const prom = await import('prom-client');
  const registry = new prom.Registry();
  for (const series of [...TASK_SERIES, STATE_SIZE_SERIES]) gauge(prom, registry, series, () => subtasksOfJobs(view));
  for (const series of JOB_SERIES) gauge(prom, registry, series, () => view);
  return registry;
}

/** A TaskManager's registry: the same per-subtask series for the subtasks it runs, and its slots. */
export async function createTaskManagerMetricsRegistry(source: TaskManagerMetricsSource): Promise<Registry> {
  const prom = await import('prom-client');
  const registry = new prom.Registry();
  for (const series of TASK_SERIES) gauge(prom, registry, series, () => source.subtasks());
  for (const series of TASKMANAGER_SERIES) gauge(prom, registry, series, () => source);
  return registry;
}
