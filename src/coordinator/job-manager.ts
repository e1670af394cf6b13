// The JobManager role: deploys a job graph on a TaskManager, watches it, checkpoints it, restarts it.

import { randomUUID } from 'node:crypto';
import { ConfigError, isRecoverable, WeirError } from '../core/errors.ts';
import { silentLogger, type Logger } from '../core/logger.ts';
import type { ExecutionConfig } from '../api/config.ts';
import { JobMetrics } from '../metrics/job-metrics.ts';
import { CheckpointStatsTracker } from './checkpoint-stats.ts';
import type { ExceptionEntry, JobStatus, JobView, SavepointTriggerState } from './job-view.ts';
import { describeRestartStrategy, effectiveRestartStrategy } from '../api/config.ts';
import type { StreamExecutionEnvironment } from '../api/environment.ts';
import type { JobResult } from '../api/launch.ts';
import { loadCheckpoint } from '../checkpoint/index.ts';
import { buildJobGraph, type JobGraph } from '../graph/job-graph.ts';
import { buildStreamGraph } from '../graph/stream-graph.ts';
import { resolveRuntimeMode, type ResolvedRuntimeMode } from '../graph/runtime-mode.ts';
import { JobFailedError } from '../runtime/operator-error.ts';
import type { Deployment, OperatorRestore, SlotToManager, TaskDeployment, TaskId } from '../runtime/protocol.ts';
import { taskKey } from '../runtime/protocol.ts';
import { WatermarkAlignment, type AlignmentGroup } from './watermark-alignment.ts';
import { graphFingerprint } from '../runtime/slot.ts';
import type { TaskManagerGateway } from '../runtime/gateway.ts';
import { CheckpointCoordinator, type CompletionGate, type RestoreSource } from './checkpoint-coordinator.ts';
import type { JobListener, VertexProgress } from './job-listener.ts';
import { RestartBackoff } from './restart-strategy.ts';
import { BatchScheduler, type BatchRegionLog, type BatchRunStats } from '../batch/scheduler.ts';
import { WorkerPool } from '../batch/worker-pool.ts';
import type { Sink } from '../connectors/sink.ts';
import type { RestartStrategy } from '../api/config.ts';
import { SourceCoordinator, ENUMERATOR_ROLE } from './source-coordinator.ts';
import { buildRestoreAssignments, restoreEnumeratorSplits } from './state-assignment.ts';
import { traceStartup } from '../core/startup-trace.ts';

export interface JobManagerOptions {
  readonly env: StreamExecutionEnvironment;
  readonly jobName: string;
  /** Creates the TaskManager of one attempt (local: inline or worker threads). */
  readonly createTaskManager: (graph: JobGraph, slotIds?: readonly number[]) => TaskManagerGateway;
  readonly listener?: JobListener;
  /** A stable id lets `--restore latest` find this job's checkpoints: derived from the job name by default. */
  readonly jobId?: string;
  /** HA: only the leader completes checkpoints, each fenced in etcd (`src/ha/`). None: every checkpoint completes. */
  readonly completionGate?: CompletionGate;
  /** HA: a BATCH job's operation log of finished regions (`src/ha/cluster-ha.ts`), opened when the job starts. */
  readonly batchRegionLog?: () => Promise<BatchRegionLog>;
  /** Job-level log lines (job, attempt, checkpoints, failures); bound to the job id. */
  readonly logger?: Logger;
}

/** `teardownMs`: how long stopping the finished attempt's threads took (not in the job time, as a Flink job's time ends when its tasks finished). */
type AttemptOutcome = { readonly kind: 'finished'; readonly savepointPath?: string; teardownMs?: number } | { readonly kind: 'failed'; readonly error: Error };

/** Handle that lets the client stop the job with a savepoint (first SIGTERM/SIGINT). */
export interface JobControl {
  stopWithSavepoint(): string;
}

export class JobManager implements JobControl, JobView {
  readonly graph: JobGraph;
  /** STREAMING or BATCH: AUTOMATIC decided from the sources (graph/runtime-mode.ts). */
  readonly runtimeMode: ResolvedRuntimeMode;
  readonly metrics: JobMetrics;
  readonly checkpointStats = new CheckpointStatsTracker();
  readonly #options: JobManagerOptions;
  readonly #jobId: string;
  readonly #log: Logger;
  readonly #collected = new Map<number, unknown[]>();
  readonly #exceptions: ExceptionEntry[] = [];
  readonly #triggers = new Map<string, SavepointTriggerState>();
  #restarts = 0;
  #attempt = 0;
  #status: JobStatus = 'CREATED';
  #startTime = -1;
  #endTime = -1;
  /** While an attempt runs: every slot deployed, and the tasks that reached end of data. */
  #tasksRunning = false;
  #endOfData = new Set<string>();
  #stopRequested: (() => void) | undefined;
  #stopWanted = false;
  #stopTrigger: string | undefined;
  #stopOptions: { targetDirectory?: string | undefined; drain?: boolean | undefined } = {};
  #cancelWanted = false;
  #cancelAttempt: (() => void) | undefined;
  #cancelDelay: (() => void) | undefined;
  #checkpoints: CheckpointCoordinator | undefined;

  constructor(options: JobManagerOptions) {
    this.#options = options;
    const env = options.env;
    // Every mistake in the graph or the settings surfaces here, before anything runs.
    this.graph = buildJobGraph(buildStreamGraph(env.transformations, env.sinks, env.config));
    this.runtimeMode = resolveRuntimeMode(this.graph, env.config);
    this.#jobId = options.jobId ?? jobIdFor(options.jobName);
    this.#log = (options.logger ?? silentLogger).child({ job: this.#jobId });
    this.metrics = new JobMetrics(this.graph.vertices);
    const cp = env.config.checkpoint;
    if (cp.interval > 0 && !cp.dir) {
      throw new ConfigError('checkpointing is enabled but no checkpoint directory is set: pass --checkpoint-dir or configureCheckpointing({ dir })');
    }
  }

  get jobId(): string {
    return this.#jobId;
  }

  get jobName(): string {
    return this.#options.jobName;
  }

  get config(): ExecutionConfig {
    return this.#options.env.config;
  }

  get status(): JobStatus {
    return this.#status;
  }

  get startTime(): number {
    return this.#startTime;
  }

  get endTime(): number {
    return this.#endTime;
  }

  get attempt(): number {
    return this.#attempt;
  }

  get restarts(): number {
    return this.#restarts;
  }

  get exceptions(): readonly ExceptionEntry[] {
    return this.#exceptions;
  }

  /** STREAMING with a checkpoint or savepoint directory: the same condition as for the coordinator. */
  get savepointsAvailable(): boolean {
    const config = this.#options.env.config;
    return this.runtimeMode === 'STREAMING' && (config.checkpoint.dir !== undefined || config.savepointDir !== undefined);
  }

  subtaskStatus(vertex: number, subtask: number): string {
    switch (this.#status) {
      case 'CREATED': return 'CREATED';
      case 'RESTARTING': return 'SCHEDULED';
      case 'RUNNING':
        if (this.#endOfData.has(taskKey({ vertex, subtask }))) return 'FINISHED';
        return this.#tasksRunning ? 'RUNNING' : 'DEPLOYING';
      default: return this.#status;
    }
  }

  savepointTrigger(triggerId: string): SavepointTriggerState | undefined {
    return this.#triggers.get(triggerId);
  }

  #checkCanSavepoint(): void {
    if (!this.savepointsAvailable) {
      const why = this.runtimeMode === 'BATCH' ? 'a BATCH job takes no savepoints' : 'the job has no savepoint directory (run it with --savepoint-dir or --checkpoint-dir)';
      throw new WeirError(`job "${this.#jobId}" cannot take a savepoint: ${why}`, { code: 'WEIR_SAVEPOINT_UNAVAILABLE', fault: 'config' });
    }
    if (this.#status !== 'RUNNING' || !this.#tasksRunning || this.#stopWanted) {
      throw new WeirError(`job "${this.#jobId}" is ${this.#stopWanted ? 'stopping' : this.#status} (its tasks must be running)`, { code: 'WEIR_JOB_NOT_RUNNING', fault: 'user' });
    }
  }

  #newTrigger(): string {
    const id = randomUUID();
    this.#triggers.set(id, { status: 'IN_PROGRESS' });
    return id;
  }

  #settleTrigger(id: string, outcome: { path: string } | { error: unknown }): void {
    if ('path' in outcome) {
      this.#triggers.set(id, { status: 'COMPLETED', location: outcome.path });
    } else {
      const e = outcome.error instanceof Error ? outcome.error : new Error(String(outcome.error));
      this.#triggers.set(id, { status: 'FAILED', errorName: e.name, message: e.message, stack: e.stack ?? e.message });
    }
  }

  /** A savepoint while the job goes on (REST); returns its trigger id. With `cancelJob` the job is cancelled once it completed. */
  startSavepoint(options: { readonly targetDirectory?: string | undefined; readonly cancelJob?: boolean | undefined } = {}): string {
    this.#checkCanSavepoint();
    const id = this.#newTrigger();
    this.#log.info({ trigger: id, targetDirectory: options.targetDirectory }, 'savepoint triggered');
    this.#checkpoints!.triggerSavepoint(options.targetDirectory).then(
      (path) => {
        this.#settleTrigger(id, { path });
        if (options.cancelJob) this.cancel();
      },
      (error: unknown) => this.#settleTrigger(id, { error }),
    );
    return id;
  }

  /**
   * Stop-with-savepoint: sources end their input, the last checkpoint is a savepoint, the job
   * finishes. Returns the savepoint's trigger id (the same one when asked again).
   */
  stopWithSavepoint(options: { readonly targetDirectory?: string | undefined; readonly drain?: boolean | undefined } = {}): string {
    if (this.#stopTrigger !== undefined) return this.#stopTrigger;
    if (!this.savepointsAvailable) this.#checkCanSavepoint();
    if (this.#status === 'FINISHED' || this.#status === 'FAILED' || this.#status === 'CANCELED') {
      throw new WeirError(`job "${this.#jobId}" is ${this.#status}`, { code: 'WEIR_JOB_NOT_RUNNING', fault: 'user' });
    }
    const id = this.#newTrigger();
    this.#stopTrigger = id;
    this.#stopOptions = { targetDirectory: options.targetDirectory, drain: options.drain };
    this.#log.info({ trigger: id, targetDirectory: options.targetDirectory, drain: options.drain === true }, 'stop with savepoint requested');
    this.#stopWanted = true;
    this.#stopRequested?.();
    return id;
  }

  /** Cancels the job: every task stops at once, nothing more is committed; run() rejects with WEIR_JOB_CANCELLED. */
  cancel(): void {
    if (this.#status === 'FINISHED' || this.#status === 'FAILED' || this.#status === 'CANCELED') {
      throw new WeirError(`job "${this.#jobId}" is ${this.#status}`, { code: 'WEIR_JOB_NOT_RUNNING', fault: 'user' });
    }
    if (this.#cancelWanted) return;
    this.#log.warn({}, 'job cancel requested');
    this.#cancelWanted = true;
    this.#cancelAttempt?.();
    this.#cancelDelay?.();
  }

  #cancelledError(): WeirError {
    return new WeirError(`job "${this.#jobId}" was cancelled`, { code: 'WEIR_JOB_CANCELLED', fault: 'external', retryable: false });
  }

  /** Takes a savepoint while the job keeps running (`weir savepoint`). */
  async triggerSavepoint(): Promise<string> {
    if (!this.#checkpoints) throw new ConfigError('a savepoint needs --checkpoint-dir or --savepoint-dir (STREAMING jobs only)');
    // One checkpoint at a time: one in flight is waited for.
    return this.#checkpoints.triggerSavepoint();
  }

  async run(): Promise<JobResult> {
    traceStartup('job started');
    this.#startTime = Date.now();
    this.#status = 'RUNNING';
    this.#log.info({ name: this.#options.jobName, runtimeMode: this.runtimeMode, vertices: this.graph.vertices.length }, 'job started');
    try {
      const result = await this.#run();
      this.#status = 'FINISHED';
      this.#log.info({ restarts: this.#restarts, savepoint: result.savepointPath }, 'job finished');
      return result;
    } catch (e) {
      this.#status = this.#cancelWanted ? 'CANCELED' : 'FAILED';
      if (this.#cancelWanted) this.#log.warn({}, 'job cancelled');
      else this.#log.error({ err: e }, 'job failed');
      throw e;
    } finally {
      this.#endTime = Date.now();
      this.#tasksRunning = false;
      for (const [id, t] of this.#triggers) {
        if (t.status === 'IN_PROGRESS') this.#settleTrigger(id, { error: new WeirError(`the job ended (${this.#status}) before the savepoint completed`, { code: 'WEIR_JOB_NOT_RUNNING', fault: 'user' }) });
      }
    }
  }

  async #run(): Promise<JobResult> {
    const started = performance.now();
    const config = this.#options.env.config;
    const bounded = this.graph.vertices.every((v) => {
      const head = v.operators[0]!.node;
      return head.spec.kind !== 'source' || head.spec.source.bounded;
    });
    const strategy = effectiveRestartStrategy(config, bounded);
    const backoff = new RestartBackoff(strategy);
    // A savepoint directory alone is enough for stop-with-savepoint, as in Flink.
    // BATCH takes no checkpoints or savepoints (graph/runtime-mode.ts).
    if (this.runtimeMode === 'STREAMING' && (config.checkpoint.dir || config.savepointDir)) {
      this.#checkpoints = new CheckpointCoordinator({
        config, jobId: this.#jobId, jobName: this.#options.jobName, graph: this.graph, listener: this.#loggingListener(), stats: this.checkpointStats,
        ...(this.#options.completionGate ? { completionGate: this.#options.completionGate } : {}),
      });
    }
    let restore: RestoreSource | undefined;
    if (this.#checkpoints) {
      restore = await this.#checkpoints.initialRestore(config.restorePath);
    } else if (config.restorePath !== undefined) {
      // Restoring a savepoint or checkpoint does not need checkpointing in the new run.
      if (config.restorePath === 'latest') throw new ConfigError('restore "latest" needs a checkpoint directory (--checkpoint-dir)');
      restore = await loadCheckpoint(config.restorePath);
    }
    // A BATCH job resumed by a new HA leader: regions an earlier leader finished may have written part files (not yet committed).
    const regionLog = this.runtimeMode === 'BATCH' ? await this.#options.batchRegionLog?.() : undefined;
    // --- sink hooks (file sink, issue 6): checkBeforeRun before anything is deployed ---
    const sinks = this.graph.vertices.flatMap((v) => v.operators.map((o) => o.node)).flatMap((n) => (n.spec.kind === 'sink' ? [{ node: n, sink: n.spec.sink }] : []));
    for (const { node, sink } of sinks) {
      const restored = (restore?.metadata.operators.some((o) => o.uid === node.uid) ?? false) || (regionLog !== undefined && regionLog.finished.size > 0);
      await sink.checkBeforeRun?.({ operatorName: node.name, restored, append: config.appendOutput });
    }
    // --- end sink hooks ---
    if (this.runtimeMode === 'BATCH') return this.#runBatch(started, strategy, sinks.map((s) => s.sink), regionLog);
    for (let attempt = 0; ; attempt++) {
      if (this.#cancelWanted) throw this.#cancelledError();
      this.#attempt = attempt;
      this.#status = 'RUNNING';
      if (restore) {
        this.checkpointStats.restored({ id: restore.metadata.checkpointId, externalPath: restore.path, restoreTimestamp: Date.now(), isSavepoint: restore.metadata.kind === 'savepoint' });
      }
      const outcome = await this.#runAttempt(attempt, restore);
      if (outcome.kind === 'finished') {
        if (this.#stopTrigger !== undefined) {
          this.#settleTrigger(this.#stopTrigger, outcome.savepointPath !== undefined ? { path: outcome.savepointPath } : { error: new Error('the job finished before its sources were stopped: no savepoint') });
        }
        // --- sink hooks (file sink, issue 6): onJobFinished once the input ended everywhere and the last commit ran ---
        if (!this.#stopWanted) for (const { sink } of sinks) await sink.onJobFinished?.();
        // --- end sink hooks ---
        return {
          jobName: this.#options.jobName,
          // Up to the end of the last task and the sinks' finishing, without stopping the worker threads (20–35 ms at p=2).
          wallTimeMs: performance.now() - started - (outcome.teardownMs ?? 0),
          collected: this.#collected,
          recordsIn: this.#perVertex('recordsIn'),
          recordsOut: this.#perVertex('recordsOut'),
          restarts: this.#restarts,
          completedCheckpoints: this.#checkpoints?.completedCount ?? 0,
          checkpointStats: this.#checkpoints?.summary(),
          savepointPath: outcome.savepointPath,
        };
      }
      const error = outcome.error;
      if (this.#cancelWanted) throw this.#cancelledError();
      if (this.#stopWanted) throw error;
      // A failure every attempt would meet again ends the job now (Flink's SuppressRestartsException).
      if (!isRecoverable(error)) throw finalError(error, 'not restarted: this failure cannot heal by itself (a setting, lost or corrupt data, or a path of the wrong kind); fix the cause and run again');
      const delay = backoff.next();
      if (delay === undefined) {
        if (strategy.kind === 'none') throw finalError(error, 'not restarted: the restart strategy is none (checkpointing is off; set a restart strategy or --checkpoint-dir/--checkpoint-interval)');
        throw finalError(error, `the restart strategy ${describeRestartStrategy(strategy)} gave up after ${this.#restarts} restart(s)`);
      }
      this.#restarts++;
      this.#status = 'RESTARTING';
      this.#log.warn({ attempt: attempt + 1, delayMs: delay, reason: error.message }, 'restarting');
      this.#options.listener?.onRestart?.(attempt + 1, error.message, delay);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, delay);
        this.#cancelDelay = () => { clearTimeout(timer); r(); };
      });
      this.#cancelDelay = undefined;
      if (this.#cancelWanted) throw this.#cancelledError();
      restore = this.#checkpoints ? await this.#checkpoints.latestForRecovery() : undefined;
    }
  }

  /** BATCH: pipeline regions under the batch scheduler (src/batch/scheduler.ts); sinks commit once at the end. */
  async #runBatch(started: number, strategy: RestartStrategy, sinks: readonly Sink<unknown>[], regionLog: BatchRegionLog | undefined): Promise<JobResult> {
    // Worker threads are reused from one region to the next on the same slots (src/batch/worker-pool.ts).
    const pool = new WorkerPool((graph, slotIds) => this.#options.createTaskManager(graph, slotIds));
    const scheduler = new BatchScheduler({
      graph: this.graph, config: this.#options.env.config, jobId: this.#jobId, jobName: this.#options.jobName,
      createTaskManager: pool.createTaskManager, strategy, listener: this.#options.listener, describeFinal: finalError,
      ...(regionLog ? { regionLog } : {}),
    });
    let stats: BatchRunStats;
    let teardownMs = 0;
    try {
      stats = await scheduler.run();
    } finally {
      const stopping = performance.now();
      await pool.close();
      teardownMs = performance.now() - stopping;
    }
    this.#log.debug({ created: pool.created, reused: pool.reused }, 'BATCH TaskManagers (worker threads reused between regions)');
    await scheduler.commitSinks();
    for (const sink of sinks) await sink.onJobFinished?.();
    for (const [id, records] of stats.collected) this.#collected.set(id, records);
    for (const m of stats.metrics) this.metrics.report(m);
    this.#restarts = stats.restarts;
    this.lastBatchStats = stats;
    this.#report(started);
    return {
      jobName: this.#options.jobName,
      // As in STREAMING: up to the last region's end and the sinks' commit, without stopping the worker threads.
      wallTimeMs: performance.now() - started - teardownMs,
      collected: this.#collected,
      recordsIn: this.#perVertex('recordsIn'),
      recordsOut: this.#perVertex('recordsOut'),
      restarts: stats.restarts,
      completedCheckpoints: 0,
      checkpointStats: undefined,
      savepointPath: undefined,
      batch: stats,
    };
  }

  /** The last BATCH run's region and task attempts (tests, the CLI summary). */
  lastBatchStats: BatchRunStats | undefined;

  async #runAttempt(attempt: number, restore: RestoreSource | undefined): Promise<AttemptOutcome> {
    const config = this.#options.env.config;
    const graph = this.graph;
    const tm = this.#options.createTaskManager(graph);
    const { tasks, sources } = await this.#taskDeployments(restore);
    const deployment: Deployment = {
      jobId: this.#jobId, jobName: this.#options.jobName, attempt, config: { ...config, runtimeMode: this.runtimeMode }, fingerprint: graphFingerprint(graph),
      vertexNames: graph.vertices.map((v) => v.name), tasks,
    };
    const totalTasks = tasks.length;
    const deployed = new Set<number>();
    const finished = new Set<number>();
    const endOfData = this.#endOfData = new Set<string>();
    this.#tasksRunning = false;
    this.metrics.newAttempt();
    const alignment = new WatermarkAlignment(alignmentGroups(graph));
    const progressStarted = performance.now();
    let progressTimer: NodeJS.Timeout | undefined;
    const checkpoints = this.#checkpoints;

    return new Promise<AttemptOutcome>((resolve) => {
      let done = false;
      let savepointPath: string | undefined;
      const end = (outcome: AttemptOutcome): void => {
        if (done) return;
        done = true;
        if (progressTimer) clearInterval(progressTimer);
        checkpoints?.stop(outcome.kind === 'failed' ? outcome.error.message : undefined);
        this.#stopRequested = undefined;
        this.#cancelAttempt = undefined;
        const stopping = performance.now();
        const settle = (): void => {
          if (outcome.kind === 'finished') outcome.teardownMs = performance.now() - stopping;
          resolve(outcome);
        };
        void tm.shutdown().then(settle, settle);
      };
      const fail = (error: Error, task?: TaskId): void => {
        if (done) return;
        this.#recordException(error, attempt, task);
        this.#log.warn({ attempt, err: error }, 'attempt failed');
        end({ kind: 'failed', error });
      };
      this.#cancelAttempt = () => end({ kind: 'failed', error: this.#cancelledError() });
      if (checkpoints) checkpoints.onFatal = fail;
      const allEnded = (): void => {
        if (!checkpoints || config.checkpoint.interval === 0 && !this.#stopWanted) {
          tm.broadcast({ type: 'finish' });
          return;
        }
        // The final checkpoint (or the stop-with-savepoint) commits what the sinks pre-committed last.
        checkpoints.triggerFinal(this.#stopWanted ? 'savepoint' : 'checkpoint', this.#stopWanted ? this.#stopOptions.targetDirectory : undefined).then(
          (path) => {
            if (this.#stopWanted) savepointPath = path;
            tm.broadcast({ type: 'finish' });
          },
          (e: unknown) => fail(e instanceof Error ? e : new Error(String(e))),
        );
      };
      const onEvent = (event: SlotToManager): void => {
        if (done) return;
        switch (event.type) {
          case 'deployed':
            deployed.add(event.slot);
            if (deployed.size === tm.numSlots) {
              traceStartup('all slots deployed');
              this.#tasksRunning = true;
              this.#log.info({ attempt, slots: tm.numSlots, restored: restore?.path }, 'attempt running');
              tm.broadcast({ type: 'start' });
              checkpoints?.start((m) => tm.broadcast(m), () => [...sources.values()].map((s) => ({ uid: s.uid, role: ENUMERATOR_ROLE, data: s.snapshotState() })));
              this.#stopRequested = () => {
                checkpoints?.pausePeriodic();
                tm.broadcast({ type: 'stop-sources', drain: this.#stopOptions.drain === true });
              };
              if (this.#stopWanted) this.#stopRequested();
            }
            return;
          case 'split-request': {
            const source = sources.get(event.task.vertex);
            if (source) tm.broadcast(source.handleSplitRequest(event.task.subtask));
            return;
          }
          case 'end-of-data':
            endOfData.add(taskKey(event.task));
            if (endOfData.size === totalTasks) { traceStartup('all end-of-data'); allEnded(); }
            return;
          case 'ack':
            checkpoints?.onAck(event);
            return;
          case 'decline':
            checkpoints?.onDecline(event);
            return;
          case 'metrics':
            for (const m of event.metrics) this.metrics.report(m);
            return;
          case 'source-watermark': {
            const max = alignment.report(event.group, taskKey(event.task), event.watermark);
            if (max !== undefined) tm.broadcast({ type: 'watermark-alignment', group: event.group, maxWatermark: max });
            return;
          }
          case 'collected': {
            const list = this.#collected.get(event.sinkId);
            if (list) for (const r of event.records) list.push(r);
            else this.#collected.set(event.sinkId, [...event.records]);
            return;
          }
          case 'finished':
            for (const m of event.metrics) this.metrics.report(m);
            finished.add(event.slot);
            if (finished.size === tm.numSlots) {
              traceStartup('all slots finished');
              this.#report(progressStarted);
              end({ kind: 'finished', savepointPath });
            }
            return;
          case 'failed':
            fail(new JobFailedError(event.error), event.task);
            return;
        }
      };
      if (this.#options.listener?.onProgress) {
        progressTimer = setInterval(() => this.#report(progressStarted), 1000);
        progressTimer.unref();
      }
      traceStartup('task manager starting');
      tm.start(onEvent).then(
        () => tm.broadcast({ type: 'deploy', deployment }),
        (e: unknown) => fail(e instanceof Error ? e : new Error(String(e))),
      );
    });
  }

  /**
   * The tasks to deploy, with their restored state, and one SourceCoordinator per source
   * vertex: over every split of a fresh start, or over the unassigned splits of the restored
   * checkpoint (the readers' splits come back as their operator state).
   */
  async #taskDeployments(restore: RestoreSource | undefined): Promise<{ tasks: TaskDeployment[]; sources: Map<number, SourceCoordinator> }> {
    const graph = this.graph;
    const restored = restore ? await buildRestoreAssignments(graph, restore, this.#options.env.config.allowNonRestoredState) : undefined;
    const enumerated = restore ? await restoreEnumeratorSplits(restore) : undefined;
    const tasks: TaskDeployment[] = [];
    const sources = new Map<number, SourceCoordinator>();
    for (const vertex of graph.vertices) {
      const head = vertex.operators[0]!.node;
      if (head.spec.kind === 'source') {
        const source = head.spec.source;
        const splits = restored?.has(head.uid) ? enumerated?.get(head.uid) ?? [] : await source.enumerateSplits({ parallelism: vertex.parallelism });
        sources.set(vertex.index, new SourceCoordinator({ uid: head.uid, vertex: vertex.index, parallelism: vertex.parallelism, source, splits }));
      }
      for (let subtask = 0; subtask < vertex.parallelism; subtask++) {
        let taskRestore: Record<string, OperatorRestore> | undefined;
        if (restored) {
          taskRestore = {};
          for (const op of vertex.operators) {
            const r = restored.get(op.node.uid)?.[subtask];
            if (r) taskRestore[op.node.uid] = r;
          }
        }
        tasks.push({ vertex: vertex.index, subtask, restore: taskRestore });
      }
    }
    return { tasks, sources };
  }

  #perVertex(field: 'recordsIn' | 'recordsOut'): Record<string, number> {
    const out: Record<string, number> = {};
    for (const v of this.#progress()) out[v.name] = v[field];
    return out;
  }

  #progress(): VertexProgress[] {
    return this.graph.vertices.map((v) => {
      let recordsIn = 0;
      let recordsOut = 0;
      let watermark: number | undefined = Number.POSITIVE_INFINITY;
      for (let s = 0; s < v.parallelism; s++) {
        const m = this.metrics.latest(v.index, s);
        if (m) { recordsIn += m.recordsIn; recordsOut += m.recordsOut; }
        if (m?.watermark === undefined) watermark = undefined;
        else if (watermark !== undefined && m.watermark < watermark) watermark = m.watermark;
      }
      return { name: v.name, parallelism: v.parallelism, recordsIn, recordsOut, watermark };
    });
  }

  #report(started: number): void {
    this.#options.listener?.onProgress?.(this.#progress(), performance.now() - started);
  }

  #recordException(error: Error, attempt: number, task: TaskId | undefined): void {
    const remote = (error as { remoteStack?: string }).remoteStack;
    this.#exceptions.push({
      exceptionName: error.name,
      message: error.message,
      stacktrace: remote ?? error.stack ?? `${error.name}: ${error.message}`,
      timestamp: Date.now(),
      taskName: task ? this.graph.vertices[task.vertex]?.name ?? null : null,
      subtask: task ? task.subtask : null,
      attempt,
      code: (error as { code?: string }).code ?? null,
    });
    if (this.#exceptions.length > 100) this.#exceptions.shift();
  }

  /** The client's listener, plus job-level log lines for checkpoints. */
  #loggingListener(): JobListener {
    const inner = this.#options.listener;
    const log = this.#log;
    return {
      onProgress: inner?.onProgress?.bind(inner),
      onRestart: inner?.onRestart?.bind(inner),
      onSavepoint: inner?.onSavepoint?.bind(inner),
      onCheckpoint: (info) => {
        log.info({ checkpointId: info.id, kind: info.kind, path: info.path, durationMs: info.durationMs, sizeBytes: info.sizeBytes, final: info.final }, `${info.kind} completed`);
        inner?.onCheckpoint?.(info);
      },
      onCheckpointFailed: (id, reason) => {
        log.warn({ checkpointId: id, reason }, 'checkpoint failed');
        inner?.onCheckpointFailed?.(id, reason);
      },
    };
  }
}

/** The error that ends a job: the last failure, with why no restart follows in its message; code and stack kept. */
function finalError(error: Error, why: string): Error {
  if (error instanceof ConfigError) return error;
  const final = new WeirError(`${error.message}\n${why}`, {
    code: (error as { code?: string }).code ?? 'WEIR_JOB_FAILED',
    fault: error instanceof WeirError ? error.fault : 'user',
    retryable: false,
    cause: error,
  });
  final.name = error.name;
  const remote = (error as { remoteStack?: string }).remoteStack;
  if (remote !== undefined) (final as unknown as { remoteStack: string }).remoteStack = remote;
  final.stack = error.stack;
  return final;
}

/** Job ids are derived from the job name so that a rerun finds its own checkpoints (`--restore latest`). */
export function jobIdFor(jobName: string): string {
  const slug = jobName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'job';
  return slug.slice(0, 64);
}


/** Watermark alignment groups of the job's sources (`withWatermarkAlignment` on a strategy given to fromSource). */
function alignmentGroups(graph: JobGraph): AlignmentGroup[] {
  const groups = new Map<string, { maxDrift: number; members: string[] }>();
  for (const v of graph.vertices) {
    const head = v.operators[0]!.node;
    const a = head.spec.kind === 'source' ? head.spec.watermarks?.alignment : undefined;
    if (a === undefined) continue;
    const g = groups.get(a.group) ?? { maxDrift: a.maxDrift, members: [] };
    // One drift per group: the smallest given, as the strictest promise.
    g.maxDrift = Math.min(g.maxDrift, a.maxDrift);
    for (let s = 0; s < v.parallelism; s++) g.members.push(taskKey({ vertex: v.index, subtask: s }));
    groups.set(a.group, g);
  }
  return [...groups].map(([group, g]) => ({ group, maxDrift: g.maxDrift, members: g.members }));
}
