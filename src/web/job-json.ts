// The REST bodies of jobs, vertices and checkpoints, built from a JobView (field names as Flink's REST API, rest-contract).

import type { PartitionSpec } from '../api/transformation.ts';
import type { CheckpointEntry } from '../coordinator/checkpoint-stats.ts';
import type { JobsView, JobView } from '../coordinator/job-view.ts';
import { backPressureLevel } from '../metrics/back-pressure.ts';

export const WEIR_VERSION = '0.1.0';

/** Watermarks as Flink reports them: Long.MIN_VALUE before any, Long.MAX_VALUE at the end (JSON has no infinities). */
export function watermarkJson(ms: number): number {
  if (ms === Number.NEGATIVE_INFINITY) return -9223372036854775808;
  if (ms === Number.POSITIVE_INFINITY) return 9223372036854775807;
  return ms;
}

function duration(job: JobView, now: number): number {
  if (job.startTime < 0) return 0;
  return (job.endTime >= 0 ? job.endTime : now) - job.startTime;
}

export function overviewJson(view: JobsView): Record<string, unknown> {
  const jobs = view.jobs();
  const tms = view.taskManagers();
  const count = (...states: string[]): number => jobs.filter((j) => states.includes(j.status)).length;
  return {
    taskmanagers: tms.length,
    'slots-total': tms.reduce((n, t) => n + t.slotsNumber, 0),
    'slots-available': tms.reduce((n, t) => n + t.freeSlots, 0),
    'jobs-running': count('CREATED', 'RUNNING', 'RESTARTING'),
    'jobs-finished': count('FINISHED'),
    'jobs-cancelled': count('CANCELED'),
    'jobs-failed': count('FAILED'),
    'weir-version': WEIR_VERSION,
  };
}

export function jobsOverviewJson(view: JobsView, now = Date.now()): Record<string, unknown> {
  return {
    jobs: view.jobs().map((j) => ({
      jid: j.jobId, name: j.jobName, state: j.status, 'start-time': j.startTime, 'end-time': j.endTime, duration: duration(j, now),
    })),
  };
}

const SHIP_STRATEGY: Record<PartitionSpec['kind'], string> = {
  forward: 'FORWARD', rebalance: 'REBALANCE', rescale: 'RESCALE', shuffle: 'SHUFFLE', broadcast: 'BROADCAST', global: 'GLOBAL', hash: 'HASH', custom: 'CUSTOM',
};

function vertexStatus(job: JobView, vertex: number, parallelism: number): string {
  const states = new Set<string>();
  for (let s = 0; s < parallelism; s++) states.add(job.subtaskStatus(vertex, s));
  if (states.size === 1) return [...states][0]!;
  // Mixed: the least advanced state that is still going on, as Flink aggregates.
  for (const s of ['FAILED', 'CANCELED', 'DEPLOYING', 'SCHEDULED', 'CREATED', 'RUNNING']) if (states.has(s)) return s;
  return 'RUNNING';
}

export function jobJson(job: JobView, now = Date.now()): Record<string, unknown> {
  const vertices = job.graph.vertices.map((v) => {
    const m = job.metrics.vertex(v.index);
    return {
      id: String(v.index), name: v.name, parallelism: v.parallelism, status: vertexStatus(job, v.index, v.parallelism),
      metrics: {
        'read-records': m.numRecordsIn, 'write-records': m.numRecordsOut, 'read-bytes': m.numBytesIn, 'write-bytes': m.numBytesOut,
        'records-in-per-second': m.numRecordsInPerSecond, 'records-out-per-second': m.numRecordsOutPerSecond,
        'current-input-watermark': watermarkJson(m.currentInputWatermark), 'current-output-watermark': watermarkJson(m.currentOutputWatermark),
        'busy-ratio': m.busyRatio, 'backpressure-ratio': m.backPressureRatio, 'backpressure-level': m.backPressureLevel,
      },
    };
  });
  return {
    jid: job.jobId, name: job.jobName, state: job.status, 'start-time': job.startTime, 'end-time': job.endTime, duration: duration(job, now), now,
    attempt: job.attempt, restarts: job.restarts, 'runtime-mode': job.runtimeMode,
    vertices,
    plan: {
      nodes: job.graph.vertices.map((v) => ({
        id: String(v.index),
        description: v.operators.map((o) => o.node.name).join(' -> '),
        parallelism: v.parallelism,
        inputs: v.inputs.map((e) => ({ id: String(e.source.index), ship_strategy: SHIP_STRATEGY[e.partition.kind] })),
      })),
    },
  };
}

export function subtasksJson(job: JobView, vertex: number): Record<string, unknown> {
  const v = job.graph.vertices[vertex]!;
  const subtasks = [];
  for (let s = 0; s < v.parallelism; s++) {
    const m = job.metrics.subtask(vertex, s);
    subtasks.push({
      subtask: s, status: job.subtaskStatus(vertex, s), attempt: job.attempt,
      metrics: {
        numRecordsIn: m?.numRecordsIn ?? 0, numRecordsOut: m?.numRecordsOut ?? 0, numBytesIn: m?.numBytesIn ?? 0, numBytesOut: m?.numBytesOut ?? 0,
        numRecordsInPerSecond: m?.numRecordsInPerSecond ?? 0, numRecordsOutPerSecond: m?.numRecordsOutPerSecond ?? 0,
        numBytesInPerSecond: m?.numBytesInPerSecond ?? 0, numBytesOutPerSecond: m?.numBytesOutPerSecond ?? 0,
        busyTimeMsPerSecond: m?.busyTimeMsPerSecond ?? 0, backPressuredTimeMsPerSecond: m?.backPressuredTimeMsPerSecond ?? 0, idleTimeMsPerSecond: m?.idleTimeMsPerSecond ?? 0,
        currentInputWatermark: watermarkJson(m?.currentInputWatermark ?? Number.NEGATIVE_INFINITY),
        currentOutputWatermark: watermarkJson(m?.currentOutputWatermark ?? Number.NEGATIVE_INFINITY),
        stateSize: job.checkpointStats.stateSizes.get(`${vertex}.${s}`) ?? 0,
      },
    });
  }
  return { id: String(vertex), name: v.name, parallelism: v.parallelism, subtasks };
}

export function backPressureJson(job: JobView, vertex: number, now = Date.now()): Record<string, unknown> {
  const v = job.graph.vertices[vertex]!;
  const subtasks = [];
  let max = 0;
  for (let s = 0; s < v.parallelism; s++) {
    const m = job.metrics.subtask(vertex, s);
    const ratio = (m?.backPressuredTimeMsPerSecond ?? 0) / 1000;
    if (ratio > max) max = ratio;
    subtasks.push({ subtask: s, backpressureLevel: backPressureLevel(ratio), ratio, busyRatio: (m?.busyTimeMsPerSecond ?? 0) / 1000, idleRatio: (m?.idleTimeMsPerSecond ?? 0) / 1000 });
  }
  return { status: 'ok', backpressureLevel: backPressureLevel(max), 'end-timestamp': now, subtasks };
}

function entryJson(e: CheckpointEntry, now: number): Record<string, unknown> {
  return {
    id: e.id, status: e.status, is_savepoint: e.kind === 'savepoint', checkpoint_type: e.kind === 'savepoint' ? 'SAVEPOINT' : 'CHECKPOINT',
    trigger_timestamp: e.triggerTimestamp, latest_ack_timestamp: e.latestAckTimestamp, state_size: e.stateSize,
    end_to_end_duration: e.status === 'IN_PROGRESS' ? now - e.triggerTimestamp : e.endToEndDuration,
    alignment_duration: e.alignmentDuration, sync_duration: e.syncDuration, async_duration: e.asyncDuration,
    num_subtasks: e.numSubtasks, num_acknowledged_subtasks: e.numAcknowledgedSubtasks, external_path: e.externalPath, failure_message: e.failureMessage,
  };
}

function minMaxAvg(xs: number[]): { min: number; max: number; avg: number } {
  if (xs.length === 0) return { min: 0, max: 0, avg: 0 };
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (const x of xs) { if (x < min) min = x; if (x > max) max = x; sum += x; }
  return { min, max, avg: sum / xs.length };
}

export function checkpointsJson(job: JobView, now = Date.now()): Record<string, unknown> {
  const stats = job.checkpointStats;
  const completed = stats.history.filter((e) => e.status === 'COMPLETED');
  const latest = (e: CheckpointEntry | undefined): Record<string, unknown> | null => (e ? entryJson(e, now) : null);
  const restored = stats.latestRestored;
  return {
    counts: { restored: stats.restoredCount, total: stats.total, in_progress: stats.inProgress, completed: stats.completed, failed: stats.failed },
    summary: { state_size: minMaxAvg(completed.map((e) => e.stateSize)), end_to_end_duration: minMaxAvg(completed.map((e) => e.endToEndDuration)) },
    latest: {
      completed: latest(stats.latest('COMPLETED', 'checkpoint')),
      savepoint: latest(stats.latest('COMPLETED', 'savepoint')),
      failed: latest(stats.latest('FAILED')),
      restored: restored ? { id: restored.id, external_path: restored.externalPath, restore_timestamp: restored.restoreTimestamp, is_savepoint: restored.isSavepoint } : null,
    },
    history: [...stats.history].reverse().map((e) => entryJson(e, now)),
  };
}

export function checkpointConfigJson(job: JobView): Record<string, unknown> {
  const cp = job.config.checkpoint;
  return {
    mode: cp.mode === 'at-least-once' ? 'at_least_once' : 'exactly_once',
    interval: cp.interval, timeout: cp.timeout, min_pause: cp.minPauseBetweenCheckpoints, max_concurrent: cp.maxConcurrentCheckpoints,
    tolerable_failed_checkpoints: cp.tolerableFailedCheckpoints,
    // Weir keeps completed checkpoints (the last `retainedCheckpoints`) when a job is cancelled or fails, as Flink's RETAIN_ON_CANCELLATION.
    externalization: { enabled: cp.dir !== undefined, delete_on_cancellation: false, retained_checkpoints: cp.retainedCheckpoints },
    state_backend: 'HeapKeyedStateBackend',
    checkpoint_storage: cp.dir ?? null,
    savepoint_directory: job.config.savepointDir ?? (cp.dir !== undefined ? `${cp.dir}/savepoints` : null),
  };
}

export function exceptionsJson(job: JobView): Record<string, unknown> {
  const list = job.exceptions;
  const root = list[list.length - 1];
  return {
    'root-exception': root ? root.stacktrace : null,
    timestamp: root ? root.timestamp : null,
    exceptionHistory: {
      entries: [...list].reverse().map((e) => ({
        exceptionName: e.exceptionName, stacktrace: e.stacktrace, timestamp: e.timestamp, taskName: e.taskName, subtask: e.subtask, attempt: e.attempt, code: e.code,
      })),
    },
  };
}
