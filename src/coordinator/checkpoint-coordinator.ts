// The CheckpointCoordinator: triggers barriers at the sources, collects acks, writes state, completes or aborts.

import { join } from 'node:path';
import { serialize } from 'node:v8';
import { WeirError } from '../core/errors.ts';
import type { ExecutionConfig } from '../api/config.ts';
import {
  FsCheckpointStorage, loadCheckpoint, stateFileName,
  type CheckpointMetadata, type LoadedCheckpoint, type PendingCheckpoint, type StateHandle,
} from '../checkpoint/index.ts';
import type { JobGraph } from '../graph/job-graph.ts';
import type { ManagerToSlot, SlotToManager, TaskId } from '../runtime/protocol.ts';
import type { JobListener } from './job-listener.ts';

export type RestoreSource = LoadedCheckpoint;

type Ack = Extract<SlotToManager, { type: 'ack' }>;
type Decline = Extract<SlotToManager, { type: 'decline' }>;

interface Pending {
  readonly id: number;
  readonly kind: 'checkpoint' | 'savepoint';
  readonly timestamp: number;
  readonly started: number;
  readonly storage: PendingCheckpoint;
  readonly waiting: Set<string>;
  /** uid → subtask → role → handle */
  readonly handles: Map<string, Map<number, Record<string, StateHandle>>>;
  readonly writes: Promise<void>[];
  readonly acks: (Omit<CheckpointStats, 'durationMs'> & { readonly source: boolean })[];
  readonly timeout: NodeJS.Timeout;
  readonly final: boolean;
  sizeBytes: number;
  resolve: (path: string) => void;
  reject: (e: Error) => void;
}

export interface CheckpointStats {
  readonly id: number;
  readonly durationMs: number;
  readonly syncMs: number;
  readonly asyncMs: number;
  readonly alignmentMs: number;
}

/**
 * One coordinator per job run. One checkpoint in flight (`maxConcurrentCheckpoints` is 1); the
 * next periodic trigger waits `minPauseBetweenCheckpoints` after the last completion. A
 * checkpoint completes when every task acked and every state file is written: `_metadata`
 * goes last, then `checkpoint-complete` reaches every task (sinks commit). A timeout or a
 * task failure aborts it; more failed checkpoints than tolerated fail the job.
 */
export class CheckpointCoordinator {
  readonly #config: ExecutionConfig;
  readonly #jobId: string;
  readonly #jobName: string;
  readonly #graph: JobGraph;
  readonly #listener: JobListener | undefined;
  readonly #storage: FsCheckpointStorage;
  readonly #allTasks: TaskId[];
  readonly #sourceTasks: TaskId[];
  #nextId = 0;
  #pending: Pending | undefined;
  #send: ((m: ManagerToSlot) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastCompletedAt = 0;
  #failedInARow = 0;
  #periodic = true;
  #stopped = true;
  #latest: LoadedCheckpoint | undefined;
  completedCount = 0;
  /** Per task ack of a completed checkpoint: sync, async and alignment time (alignment only for tasks with inputs). */
  readonly ackStats: (Omit<CheckpointStats, 'durationMs'> & { readonly source: boolean })[] = [];
  /** End-to-end duration of each completed checkpoint. */
  readonly durations: number[] = [];
  /** Called when more checkpoints failed than tolerated. */
  onFatal: ((e: Error) => void) | undefined;

  constructor(options: { config: ExecutionConfig; jobId: string; jobName: string; graph: JobGraph; listener: JobListener | undefined }) {
    this.#config = options.config;
    this.#jobId = options.jobId;
    this.#jobName = options.jobName;
    this.#graph = options.graph;
    this.#listener = options.listener;
    const cp = options.config.checkpoint;
    const savepointDir = options.config.savepointDir ?? join(cp.dir!, 'savepoints');
    this.#storage = new FsCheckpointStorage({
      baseDir: cp.dir ?? savepointDir,
      jobId: options.jobId,
      retained: cp.retainedCheckpoints,
      savepointDir,
      onWarning: (msg) => process.stderr.write(`weir: warning: ${msg}\n`),
    });
    this.#allTasks = this.#graph.vertices.flatMap((v) => Array.from({ length: v.parallelism }, (_, subtask) => ({ vertex: v.index, subtask })));
    this.#sourceTasks = this.#allTasks.filter((t) => this.#graph.vertices[t.vertex]!.isSource);
  }

  /** The checkpoint to start from: `--restore latest`, `--restore <path>`, or none. */
  async initialRestore(restorePath: string | undefined): Promise<LoadedCheckpoint | undefined> {
    this.#nextId = await this.#storage.nextCheckpointId();
    if (restorePath === undefined) return undefined;
    if (restorePath === 'latest') {
      const latest = await this.#storage.latest();
      if (!latest) process.stderr.write(`weir: no completed checkpoint of job "${this.#jobId}" under ${this.#config.checkpoint.dir}; starting from scratch\n`);
      this.#latest = latest;
      return latest;
    }
    const loaded = await loadCheckpoint(restorePath);
    if (loaded.metadata.checkpointId >= this.#nextId) this.#nextId = loaded.metadata.checkpointId + 1;
    this.#latest = loaded;
    return loaded;
  }

  /**
   * After a failure: the newest completed checkpoint of this run (verified again; ids grow,
   * so the newest is this run's once it completed one), else what the run started from —
   * never a checkpoint left in the directory by an earlier run that this one did not restore.
   */
  async latestForRecovery(): Promise<LoadedCheckpoint | undefined> {
    if (this.completedCount === 0) return this.#latest;
    const latest = await this.#storage.latest();
    return latest ?? this.#latest;
  }

  start(send: (m: ManagerToSlot) => void): void {
    this.#send = send;
    this.#stopped = false;
    this.#periodic = true;
    this.#schedule();
  }

  pausePeriodic(): void {
    this.#periodic = false;
    if (this.#timer) clearTimeout(this.#timer);
  }

  stop(reason?: string): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    const p = this.#pending;
    if (p) this.#abort(p, reason ?? 'job stopped');
  }

  #schedule(): void {
    if (this.#stopped || !this.#periodic || this.#config.checkpoint.interval === 0) return;
    if (this.#timer) clearTimeout(this.#timer);
    const cp = this.#config.checkpoint;
    const wait = Math.max(cp.interval, this.#lastCompletedAt + cp.minPauseBetweenCheckpoints - Date.now());
    this.#timer = setTimeout(() => {
      if (this.#pending) { this.#schedule(); return; }
      this.trigger('checkpoint', false).catch(() => { /* reported through listener */ });
      this.#schedule();
    }, wait);
    this.#timer.unref?.();
  }

  /** The last checkpoint of a bounded job, or the savepoint of stop-with-savepoint. */
  async triggerFinal(kind: 'checkpoint' | 'savepoint'): Promise<string> {
    this.pausePeriodic();
    while (this.#pending) {
      const p = this.#pending;
      await new Promise<void>((r) => { const prev = p.resolve; const prevRej = p.reject; p.resolve = (x) => { prev(x); r(); }; p.reject = (e) => { prevRej(e); r(); }; });
    }
    return this.trigger(kind, true);
  }

  trigger(kind: 'checkpoint' | 'savepoint', final: boolean): Promise<string> {
    if (this.#pending) return Promise.reject(new WeirError('a checkpoint is already in progress', { code: 'WEIR_CHECKPOINT_BUSY', fault: 'internal' }));
    const id = this.#nextId++;
    const timestamp = Date.now();
    return new Promise<string>((resolve, reject) => {
      this.#storage.begin(id, kind).then((storage) => {
        if (this.#stopped) { void storage.abort(); reject(new Error('job stopped')); return; }
        const timeout = setTimeout(() => {
          if (this.#pending?.id === id) this.#abort(this.#pending, `timed out after ${this.#config.checkpoint.timeout} ms`);
        }, this.#config.checkpoint.timeout);
        timeout.unref?.();
        this.#pending = {
          id, kind, timestamp, started: performance.now(), storage, final,
          waiting: new Set(this.#allTasks.map((t) => `${t.vertex}.${t.subtask}`)),
          handles: new Map(), writes: [], acks: [], timeout, sizeBytes: 0, resolve, reject,
        };
        this.#send?.({ type: 'trigger-checkpoint', checkpointId: id, timestamp, kind, tasks: this.#sourceTasks });
      }, reject);
    });
  }

  onAck(ack: Ack): void {
    const p = this.#pending;
    if (!p || p.id !== ack.checkpointId) return; // late ack of an aborted checkpoint
    const key = `${ack.task.vertex}.${ack.task.subtask}`;
    if (!p.waiting.delete(key)) return;
    p.acks.push({ id: ack.checkpointId, syncMs: ack.syncMs, asyncMs: ack.asyncMs, alignmentMs: ack.alignmentMs, source: this.#graph.vertices[ack.task.vertex]!.isSource });
    for (const op of ack.operators) {
      const roles: Record<string, StateHandle> = {};
      let subtasks = p.handles.get(op.uid);
      if (!subtasks) p.handles.set(op.uid, (subtasks = new Map()));
      subtasks.set(ack.task.subtask, roles);
      const write = (role: string, data: Uint8Array): void => {
        p.sizeBytes += data.byteLength;
        p.writes.push(p.storage.writeState(stateFileName(op.uid, ack.task.subtask, role), data).then((h) => { roles[role] = h; }));
      };
      if (op.keyed && op.keyed.byteLength > 0) write('keyed', op.keyed);
      if (op.timers && op.timers.byteLength > 0) write('timers', op.timers);
      if (op.operator && Object.keys(op.operator).length > 0) write('operator', serialize(op.operator));
    }
    if (p.waiting.size === 0) void this.#complete(p);
  }

  onDecline(decline: Decline): void {
    const p = this.#pending;
    if (p && p.id === decline.checkpointId) this.#abort(p, `declined by task ${decline.task.vertex}.${decline.task.subtask}: ${decline.reason}`);
  }

  async #complete(p: Pending): Promise<void> {
    try {
      await Promise.all(p.writes);
      const metadata: CheckpointMetadata = {
        version: 1, jobId: this.#jobId, jobName: this.#jobName, checkpointId: p.id, kind: p.kind,
        timestamp: p.timestamp, durationMs: Math.round(performance.now() - p.started), maxParallelism: this.#graph.maxParallelism,
        operators: this.#graph.vertices.flatMap((v) => v.operators
          .filter((o) => [...(p.handles.get(o.node.uid)?.values() ?? [])].some((roles) => Object.keys(roles).length > 0))
          .map((o) => ({
            uid: o.node.uid, name: o.node.name, parallelism: v.parallelism,
            subtasks: [...p.handles.get(o.node.uid)!.entries()]
              .filter(([, roles]) => Object.keys(roles).length > 0)
              .map(([subtask, handles]) => ({ subtask, handles })),
          }))),
      };
      if (this.#pending !== p) return;
      const path = await p.storage.complete(metadata);
      if (this.#pending !== p) return;
      clearTimeout(p.timeout);
      this.#pending = undefined;
      this.completedCount++;
      const total = performance.now() - p.started;
      this.durations.push(total);
      this.ackStats.push(...p.acks);
      this.#failedInARow = 0;
      this.#lastCompletedAt = Date.now();
      this.#send?.({ type: 'checkpoint-complete', checkpointId: p.id });
      this.#listener?.onCheckpoint?.({ id: p.id, kind: p.kind, path, durationMs: Math.round(total), sizeBytes: p.sizeBytes, final: p.final });
      p.resolve(path);
    } catch (e) {
      if (this.#pending === p) this.#abort(p, e instanceof Error ? e.message : String(e));
    }
  }

  /** Medians for the job summary and benchmarks; undefined before the first completed checkpoint. */
  summary(): { durationMs: number; syncMs: number; asyncMs: number; alignmentMs: number } | undefined {
    if (this.durations.length === 0) return undefined;
    const median = (xs: number[]): number => {
      const s = [...xs].sort((a, b) => a - b);
      if (s.length === 0) return 0;
      const mid = s.length >> 1;
      return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
    };
    return {
      durationMs: median(this.durations),
      syncMs: median(this.ackStats.map((s) => s.syncMs)),
      asyncMs: median(this.ackStats.map((s) => s.asyncMs)),
      alignmentMs: median(this.ackStats.filter((s) => !s.source).map((s) => s.alignmentMs)),
    };
  }

  #abort(p: Pending, reason: string): void {
    if (this.#pending !== p) return;
    this.#pending = undefined;
    clearTimeout(p.timeout);
    void p.storage.abort().catch(() => {});
    this.#send?.({ type: 'checkpoint-aborted', checkpointId: p.id });
    this.#listener?.onCheckpointFailed?.(p.id, reason);
    const error = new WeirError(`checkpoint ${p.id} failed: ${reason}`, { code: 'WEIR_CHECKPOINT_FAILED', fault: 'internal', retryable: true });
    p.reject(error);
    if (this.#stopped) return;
    this.#failedInARow++;
    if (this.#failedInARow > this.#config.checkpoint.tolerableFailedCheckpoints) {
      this.onFatal?.(new WeirError(`${this.#failedInARow} checkpoint(s) failed in a row, more than tolerableFailedCheckpoints (${this.#config.checkpoint.tolerableFailedCheckpoints}); last: ${reason}`, { code: 'WEIR_CHECKPOINT_FAILED', fault: 'internal', retryable: true }));
    }
  }
}

