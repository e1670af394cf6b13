// The CheckpointCoordinator: triggers barriers at the sources, collects acks, writes state, completes or aborts.

import { statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { ConfigError, isRecoverable, isTransientIoError, WeirError } from '../core/errors.ts';
import type { ExecutionConfig } from '../api/config.ts';
import {
  FsCheckpointStorage, loadCheckpoint, stateFileName,
  type CheckpointMetadata, type LoadedCheckpoint, type PendingCheckpoint, type StateHandle,
} from '../checkpoint/index.ts';
import { resolveLatest } from '../checkpoint/latest-point.ts';
import { Lineage } from '../checkpoint/lineage.ts';
import type { JobGraph } from '../graph/job-graph.ts';
import type { ManagerToSlot, SlotToManager, TaskId } from '../runtime/protocol.ts';
import type { JobListener } from './job-listener.ts';
import type { CheckpointEntry, CheckpointStatsTracker } from './checkpoint-stats.ts';

/**
 * Who may complete checkpoints (JobManager high availability, `src/ha/`). Without a gate every
 * point completes, as in local mode. With one, a JobManager that lost its leadership neither
 * writes `_metadata` (`check`) nor announces a point whose pointer etcd refused (`commit`).
 */
export interface CompletionGate {
  /** Throws when this process may no longer complete points; called right before `_metadata` is written. */
  check(action: string): void;
  /**
   * Makes the point the job's latest (HA: a write in etcd fenced by the leader's lease), after
   * `_metadata` is durable and before the lineage records it and any sink hears of it. A
   * rejection leaves the point uncompleted: never recorded, never announced.
   */
  commit(point: { readonly id: number; readonly kind: 'checkpoint' | 'savepoint'; readonly path: string }): Promise<void>;
}

export type RestoreSource = LoadedCheckpoint;

/** State of the JobManager role itself (split enumerators): one file per entry, under subtask 0 of operator `uid`. */
export interface CoordinatorState {
  readonly uid: string;
  readonly role: string;
  readonly data: Uint8Array;
}

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
  readonly entry: CheckpointEntry | undefined;
  sizeBytes: number;
  /** Some sink acked committables: once this point is announced, output may be committed. */
  commits: boolean;
  resolve: (path: string) => void;
  reject: (e: Error) => void;
}

export interface CheckpointStats {
  readonly id: number;
  readonly durationMs: number;
  readonly syncMs: number;
  readonly asyncMs: number;
  /** Task-thread time beyond syncMs: serialization slices plus copy-on-write copies of key-group maps since the previous snapshot (protocol.ts). */
  readonly asyncBusyMs: number;
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
  readonly #stats: CheckpointStatsTracker | undefined;
  readonly #storage: FsCheckpointStorage;
  readonly #allTasks: TaskId[];
  readonly #sourceTasks: TaskId[];
  #nextId = 0;
  #pending: Pending | undefined;
  // A trigger whose directory is being created (storage.begin is asynchronous): the slot is taken from the moment
  // trigger() is called, else a second trigger in that window would start too and overwrite #pending, leaving the
  // first one's promise unsettled for ever (a REST savepoint next to a periodic checkpoint hung IN_PROGRESS).
  #starting: Promise<void> | undefined;
  #send: ((m: ManagerToSlot) => void) | undefined;
  #coordinatorStates: ((checkpointId: number) => CoordinatorState[]) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastCompletedAt = 0;
  #failedInARow = 0;
  #periodic = true;
  #stopped = true;
  #latest: LoadedCheckpoint | undefined;
  /** The job's lineage; only with a checkpoint directory (a savepoint directory alone keeps none). */
  #lineage: Lineage | undefined;
  readonly #operators = new Map<string, { name: string; sink: boolean }>();
  completedCount = 0;
  /** Per task ack of a completed checkpoint: sync, async and alignment time (alignment only for tasks with inputs). */
  readonly ackStats: (Omit<CheckpointStats, 'durationMs'> & { readonly source: boolean })[] = [];
  /** End-to-end duration of each completed checkpoint. */
  readonly durations: number[] = [];
  /** Called when more checkpoints failed than tolerated. */
  onFatal: ((e: Error) => void) | undefined;
  readonly #gate: CompletionGate | undefined;

  constructor(options: { config: ExecutionConfig; jobId: string; jobName: string; graph: JobGraph; listener: JobListener | undefined; completionGate?: CompletionGate; stats?: CheckpointStatsTracker }) {
    this.#config = options.config;
    this.#gate = options.completionGate;
    this.#stats = options.stats;
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
    for (const v of this.#graph.vertices) for (const o of v.operators) this.#operators.set(o.node.uid, { name: o.node.name, sink: o.node.spec.kind === 'sink' });
  }

  #warn(message: string): void {
    process.stderr.write(`weir: warning: ${message}\n`);
  }

  /**
   * The checkpoint to start from: `--restore latest` (the newest usable point of the job's
   * lineage), `--restore <path>`, or none. Records the start in the lineage before anything
   * runs, and continues checkpoint ids after every id the job directory and lineage know.
   */
  async initialRestore(restorePath: string | undefined): Promise<LoadedCheckpoint | undefined> {
    const cpDir = this.#config.checkpoint.dir;
    const jobDir = this.#storage.jobDir;
    if (cpDir !== undefined) {
      try {
        await mkdir(jobDir, { recursive: true });
      } catch (cause) {
        const code = (cause as NodeJS.ErrnoException).code;
        if (code === 'ENOTDIR' || code === 'EEXIST') {
          throw new ConfigError(`the checkpoint directory ${jobDir} (from --checkpoint-dir ${cpDir}) cannot be created: a path on the way is a file, not a directory`, cause);
        }
        throw new WeirError(`cannot create the checkpoint directory ${jobDir}: ${(cause as Error).message}`, { code: 'WEIR_CHECKPOINT_STORAGE', fault: 'external', retryable: true, cause });
      }
      this.#lineage = await Lineage.read(jobDir);
    }
    const lineage = this.#lineage;
    // Ids continue past every directory, also the incomplete ones removed just after.
    this.#nextId = Math.max(await this.#storage.nextCheckpointId(), (lineage?.maxId() ?? 0) + 1);
    if (lineage) await this.#storage.removeIncomplete();
    let restored: LoadedCheckpoint | undefined;
    let fork = true;
    if (restorePath === 'latest') {
      if (!lineage) throw new ConfigError('restore "latest" needs a checkpoint directory (--checkpoint-dir)');
      restored = await resolveLatest(jobDir, this.#jobName, lineage, (m) => this.#warn(m));
      if (!restored) process.stderr.write(`weir: no checkpoint of job "${this.#jobId}" under ${cpDir} yet; starting from scratch\n`);
      fork = restored === undefined;
    } else if (restorePath !== undefined) {
      restored = await loadCheckpoint(restorePath);
      const newest = lineage?.newest();
      const id = restored.metadata.checkpointId;
      fork = !(newest && newest.id === id && newest.path === restored.path);
      if (newest && newest.id > id && lineage?.records.some((r) => (r.type === 'start' ? r.base?.path : r.path) === restored!.path)) {
        process.stderr.write(
          `weir: notice: ${restored.metadata.kind} ${id} (${restored.path}) was used before: this job went on past it to ${newest.kind} ${newest.id}, ` +
            'so the output written after it is written again (the older continuation is abandoned)\n',
        );
      } else if (newest && newest.id > id) {
        process.stderr.write(`weir: notice: restoring ${restored.metadata.kind} ${id}, older than the job's newest point (${newest.kind} ${newest.id}): the output written after it is written again\n`);
      }
    }
    if (restored) process.stderr.write(`weir: restoring ${restored.metadata.kind} ${restored.metadata.checkpointId} (${restored.path})\n`);
    if (restored && restored.metadata.checkpointId >= this.#nextId) this.#nextId = restored.metadata.checkpointId + 1;
    const base = restored ? { id: restored.metadata.checkpointId, kind: restored.metadata.kind, path: restored.path } : null;
    await lineage?.append({ type: 'start', at: Date.now(), fork, base });
    this.#latest = restored;
    return restored;
  }

  /**
   * After a failure: the newest usable point of this run's branch of the lineage (what the run
   * started from until it completed a checkpoint) — never a checkpoint an earlier run left in
   * the directory, and never behind a point whose commits may have happened.
   */
  async latestForRecovery(): Promise<LoadedCheckpoint | undefined> {
    if (!this.#lineage) return this.#latest;
    return resolveLatest(this.#storage.jobDir, this.#jobName, this.#lineage, (m) => this.#warn(m));
  }

  /**
   * `coordinatorStates` is called in the same turn that sends each trigger, right before it:
   * what it returns is the JobManager-side state of that checkpoint (see source-coordinator.ts
   * for why this moment makes split assignment exactly-once).
   */
  start(send: (m: ManagerToSlot) => void, coordinatorStates?: (checkpointId: number) => CoordinatorState[]): void {
    this.#send = send;
    this.#coordinatorStates = coordinatorStates;
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
      if (this.#pending || this.#starting) { this.#schedule(); return; }
      this.trigger('checkpoint', false).catch(() => { /* reported through listener */ });
      this.#schedule();
    }, wait);
    this.#timer.unref?.();
  }

  /** The last checkpoint of a bounded job, or the savepoint of stop-with-savepoint (into `targetDirectory` when given). */
  async triggerFinal(kind: 'checkpoint' | 'savepoint', targetDirectory?: string): Promise<string> {
    this.pausePeriodic();
    await this.#afterPending();
    return this.trigger(kind, true, targetDirectory);
  }

  /** A savepoint while the job goes on (REST `POST /jobs/:id/savepoints`): after the checkpoint in flight, if any. */
  async triggerSavepoint(targetDirectory?: string): Promise<string> {
    await this.#afterPending();
    if (this.#stopped) throw new WeirError('the job is not running', { code: 'WEIR_JOB_NOT_RUNNING', fault: 'user' });
    return this.trigger('savepoint', false, targetDirectory);
  }

  async #afterPending(): Promise<void> {
    while (this.#pending || this.#starting) {
      if (this.#starting) { await this.#starting; continue; }
      const p = this.#pending!;
      await new Promise<void>((r) => { const prev = p.resolve; const prevRej = p.reject; p.resolve = (x) => { prev(x); r(); }; p.reject = (e) => { prevRej(e); r(); }; });
    }
  }

  trigger(kind: 'checkpoint' | 'savepoint', final: boolean, targetDirectory?: string): Promise<string> {
    if (this.#pending || this.#starting) return Promise.reject(new WeirError('a checkpoint is already in progress', { code: 'WEIR_CHECKPOINT_BUSY', fault: 'internal' }));
    const id = this.#nextId++;
    let started!: () => void;
    const starting = new Promise<void>((r) => { started = () => { if (this.#starting === starting) this.#starting = undefined; r(); }; });
    this.#starting = starting;
    const timestamp = Date.now();
    const entry = this.#stats?.begin(id, kind, timestamp, this.#allTasks.length);
    return new Promise<string>((resolve, reject) => {
      const beginFailed = (cause: unknown): void => {
        started();
        if (entry) this.#stats!.fail(entry, (cause as Error).message);
        const where = kind === 'savepoint' ? 'the savepoint directory' : this.#storage.jobDir;
        const error = cause instanceof ConfigError ? cause : new WeirError(
          `${kind} ${id} failed: cannot create its directory in ${where}: ${(cause as Error).message}`,
          { code: 'WEIR_CHECKPOINT_STORAGE', fault: 'external', retryable: isTransientIoError(cause), cause },
        );
        reject(error);
        this.#countFailure(id, error.message, error);
      };
      this.#storage.begin(id, kind, targetDirectory).then((storage) => {
        started();
        if (this.#stopped) { if (entry) this.#stats!.fail(entry, 'job stopped'); void storage.abort(); reject(new Error('job stopped')); return; }
        const timeout = setTimeout(() => {
          if (this.#pending?.id === id) this.#abort(this.#pending, `timed out after ${this.#config.checkpoint.timeout} ms`);
        }, this.#config.checkpoint.timeout);
        timeout.unref?.();
        this.#pending = {
          id, kind, timestamp, started: performance.now(), storage, final,
          waiting: new Set(this.#allTasks.map((t) => `${t.vertex}.${t.subtask}`)),
          handles: new Map(), writes: [], acks: [], timeout, sizeBytes: 0, commits: false, resolve, reject, entry,
        };
        const pending = this.#pending;
        for (const c of this.#coordinatorStates?.(id) ?? []) this.#writeState(pending, c.uid, 0, c.role, c.data);
        this.#send?.({ type: 'trigger-checkpoint', checkpointId: id, timestamp, kind, tasks: this.#sourceTasks, path: storage.path });
      }, beginFailed);
    });
  }

  onAck(ack: Ack): void {
    const p = this.#pending;
    if (!p || p.id !== ack.checkpointId) return; // late ack of an aborted checkpoint
    const key = `${ack.task.vertex}.${ack.task.subtask}`;
    if (!p.waiting.delete(key)) return;
    p.acks.push({ id: ack.checkpointId, syncMs: ack.syncMs, asyncMs: ack.asyncMs, asyncBusyMs: ack.asyncBusyMs ?? 0, alignmentMs: ack.alignmentMs, source: this.#graph.vertices[ack.task.vertex]!.isSource });
    const sizeBefore = p.sizeBytes;
    for (const op of ack.operators) {
      const info = this.#operators.get(op.uid);
      if (info?.sink && (op.operator?.['committables']?.items.length ?? 0) > 0) p.commits = true;
      const subtask = ack.task.subtask;
      if (op.keyed && op.keyed.byteLength > 0) this.#writeState(p, op.uid, subtask, 'keyed', op.keyed);
      if (op.timers && op.timers.byteLength > 0) this.#writeState(p, op.uid, subtask, 'timers', op.timers);
      if (op.files?.keyed) this.#adoptState(p, op.uid, subtask, 'keyed', op.files.keyed);
      if (op.files?.timers) this.#adoptState(p, op.uid, subtask, 'timers', op.files.timers);
      if (op.operator && Object.keys(op.operator).length > 0) this.#writeState(p, op.uid, subtask, 'operator', serialize(op.operator));
    }
    if (p.entry) this.#stats!.ack(p.entry, key, p.sizeBytes - sizeBefore, ack);
    if (p.waiting.size === 0) void this.#complete(p);
  }

  /** Writes one state file of checkpoint `p`; its handle joins the metadata of (uid, subtask) under `role`. */
  #writeState(p: Pending, uid: string, subtask: number, role: string, data: Uint8Array): void {
    let subtasks = p.handles.get(uid);
    if (!subtasks) p.handles.set(uid, (subtasks = new Map()));
    let roles = subtasks.get(subtask);
    if (!roles) subtasks.set(subtask, (roles = {}));
    const handles = roles;
    p.sizeBytes += data.byteLength;
    this.#track(p, p.storage.writeState(stateFileName(uid, subtask, role), data).then(
      (h) => { handles[role] = h; },
      (cause: unknown) => {
        const name = this.#operators.get(uid)?.name ?? uid;
        throw new WeirError(
          `cannot write the ${role} state of operator "${name}" (uid ${uid}, subtask ${subtask + 1}) to ${p.storage.path}: ${(cause as Error).message}`,
          { code: 'WEIR_CHECKPOINT_STORAGE', fault: 'external', retryable: isTransientIoError(cause), cause },
        );
      },
    ));
  }

  /**
   * A state write of checkpoint `p`: #complete awaits it with the others once every task acked, but a
   * write can fail long before that (the directory gone while acks are still coming): the checkpoint
   * fails then, at once, and the rejection is handled here, never left to crash the process.
   */
  #track(p: Pending, write: Promise<void>): void {
    write.catch((e: unknown) => { if (this.#pending === p) this.#abort(p, e instanceof Error ? e.message : String(e), e); });
    p.writes.push(write);
  }

  /** A state file a TaskManager wrote itself (cluster mode): checked and taken into the metadata like one written here. */
  #adoptState(p: Pending, uid: string, subtask: number, role: string, handle: StateHandle): void {
    let subtasks = p.handles.get(uid);
    if (!subtasks) p.handles.set(uid, (subtasks = new Map()));
    let roles = subtasks.get(subtask);
    if (!roles) subtasks.set(subtask, (roles = {}));
    const handles = roles;
    p.sizeBytes += handle.size;
    this.#track(p, p.storage.adoptState(handle).then(
      (h) => { handles[role] = h; },
      (cause: unknown) => {
        const name = this.#operators.get(uid)?.name ?? uid;
        throw new WeirError(
          `the ${role} state of operator "${name}" (uid ${uid}, subtask ${subtask + 1}) is not in ${p.storage.path}: ${(cause as Error).message}`,
          { code: 'WEIR_CHECKPOINT_STORAGE', fault: 'external', retryable: true, cause },
        );
      },
    ));
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
      let path: string;
      this.#gate?.check(`complete ${p.kind} ${p.id}`);
      try {
        path = await p.storage.complete(metadata);
      } catch (cause) {
        if (cause instanceof WeirError) throw cause;
        // The job's directory gone or replaced by a file while this checkpoint was written: its earlier checkpoints
        // went with it, so a restart has nothing to restore from; it cannot heal (not a transient ENOENT).
        const jobDirLost = p.kind === 'checkpoint' && !isDirectory(this.#storage.jobDir);
        throw new WeirError(`cannot write ${p.storage.path}/_metadata: ${(cause as Error).message}${jobDirLost ? ` (the job's checkpoint directory ${this.#storage.jobDir} was removed or replaced mid-run)` : ''}`, {
          code: 'WEIR_CHECKPOINT_STORAGE', fault: 'external', retryable: !jobDirLost && isTransientIoError(cause), cause,
        });
      }
      if (this.#pending !== p) return;
      await this.#gate?.commit({ id: p.id, kind: p.kind, path });
      if (this.#pending !== p) return;
      // Recorded before any sink hears of it: a point absent from the lineage never committed anything.
      try {
        await this.#lineage?.append({ type: 'completed', at: Date.now(), id: p.id, kind: p.kind, path, commits: p.commits });
      } catch (cause) {
        const jobDirLost = !isDirectory(this.#storage.jobDir);
        throw new WeirError(`cannot record ${p.kind} ${p.id} in the lineage ${this.#lineage?.path}: ${(cause as Error).message}${jobDirLost ? ` (the job's checkpoint directory ${this.#storage.jobDir} was removed or replaced mid-run)` : ''}`, {
          code: 'WEIR_CHECKPOINT_STORAGE', fault: 'external', retryable: !jobDirLost && isTransientIoError(cause), cause,
        });
      }
      if (this.#pending !== p) return;
      clearTimeout(p.timeout);
      this.#pending = undefined;
      this.completedCount++;
      const total = performance.now() - p.started;
      this.durations.push(total);
      this.ackStats.push(...p.acks);
      if (p.entry) this.#stats!.complete(p.entry, path, Math.round(total), p.sizeBytes);
      this.#failedInARow = 0;
      this.#lastCompletedAt = Date.now();
      this.#send?.({ type: 'checkpoint-complete', checkpointId: p.id });
      this.#listener?.onCheckpoint?.({ id: p.id, kind: p.kind, path, durationMs: Math.round(total), sizeBytes: p.sizeBytes, final: p.final });
      p.resolve(path);
    } catch (e) {
      if (this.#pending === p) this.#abort(p, e instanceof Error ? e.message : String(e), e);
    }
  }

  /** Medians for the job summary and benchmarks; undefined before the first completed checkpoint. */
  summary(): { durationMs: number; syncMs: number; asyncMs: number; alignmentMs: number; taskWorkMs: number } | undefined {
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
      taskWorkMs: median(this.#taskWork()),
    };
  }

  /** Per completed checkpoint: the task threads' time spent on it, summed over its tasks (sync part + serialization slices). */
  #taskWork(): number[] {
    const byId = new Map<number, number>();
    for (const s of this.ackStats) byId.set(s.id, (byId.get(s.id) ?? 0) + s.syncMs + s.asyncBusyMs);
    return [...byId.values()];
  }

  #abort(p: Pending, reason: string, cause?: unknown): void {
    if (this.#pending !== p) return;
    this.#pending = undefined;
    clearTimeout(p.timeout);
    if (p.entry) this.#stats!.fail(p.entry, reason);
    void p.storage.abort().catch(() => {});
    this.#send?.({ type: 'checkpoint-aborted', checkpointId: p.id });
    const error = new WeirError(`${p.kind} ${p.id} failed: ${reason}`, {
      code: cause instanceof WeirError ? cause.code : 'WEIR_CHECKPOINT_FAILED', fault: cause instanceof WeirError ? cause.fault : 'internal',
      retryable: cause === undefined || isRecoverable(cause), cause,
    });
    p.reject(error);
    if (this.#stopped) return;
    this.#countFailure(p.id, reason, error);
  }

  /** One more failed checkpoint: fatal at once when it cannot heal, else when more failed in a row than tolerated. */
  #countFailure(id: number, reason: string, error: WeirError): void {
    this.#listener?.onCheckpointFailed?.(id, reason);
    if (this.#stopped) return;
    this.#failedInARow++;
    if (!isRecoverable(error)) {
      this.onFatal?.(error);
    } else if (this.#failedInARow > this.#config.checkpoint.tolerableFailedCheckpoints) {
      this.onFatal?.(new WeirError(`${this.#failedInARow} checkpoint(s) failed in a row, more than tolerableFailedCheckpoints (${this.#config.checkpoint.tolerableFailedCheckpoints}); last: ${error.message}`, { code: 'WEIR_CHECKPOINT_FAILED', fault: error.fault, retryable: true, cause: error }));
    }
  }
}

/** Whether `path` is a directory now (false when it is gone or not one). */
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
