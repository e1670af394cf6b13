// The BATCH scheduler: pipeline regions scheduled as their blocking inputs finish and slots are free, region failover, adaptive parallelism, commits at the end of the job.
//
// Each region attempt gets its own TaskManager over just the region's slots (regions.ts): its
// tasks are deployed, started, and closed when all of them reached the end of their input;
// its blocking outputs are then registered with the shuffle master and its consumers may run.
// At most `batch.slots` slots are in use at once, so a job runs on fewer slots than its total
// parallelism. A failed region runs again alone (under the job's restart strategy, each region
// failure counting as one restart): its inputs are read again from their partitions; a
// partition found missing puts its producer region back in the queue first. What a region
// emits to collect sinks, and the committables of its sinks, are kept per region and replaced
// by a rerun, so each region's output counts once; the JobManager commits every sink's
// committables after the last region finished (file sink: part files published at the end of
// the job, a failed attempt's files stay hidden and are never published).
// Source splits: a rerun source subtask is given the same splits, in the same order, as its
// first attempt was (then new ones), so its partitions hold the same records.
// Operation log (JobManager HA, `regionLog`): each finished region is recorded — its partitions,
// committables, collected records and its source subtasks' split answers — before its consumers
// may run; a new leader's scheduler takes every logged region whose partitions are still there
// as finished (it does not run again), removes their splits from the fresh enumerators, and
// commits their committables with the rest at the end. Partitions then live in the log's shared
// directory, one subdirectory per leader, so a new leader never writes over a file of its
// predecessor whatever its attempt numbers.

import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, isRecoverable } from '../core/errors.ts';
import { removeMatchingOnExit, removeOnExit, spillPrefix } from '../core/exit-cleanup.ts';
import type { ExecutionConfig, RestartStrategy } from '../api/config.ts';
import type { JobGraph, JobVertex } from '../graph/job-graph.ts';
import type { Sink } from '../connectors/sink.ts';
import { RestartBackoff } from '../coordinator/restart-strategy.ts';
import { SourceCoordinator } from '../coordinator/source-coordinator.ts';
import type { JobListener } from '../coordinator/job-listener.ts';
import { JobFailedError } from '../runtime/operator-error.ts';
import type { Deployment, ManagerToSlot, SlotToManager, TaskMetrics } from '../runtime/protocol.ts';
import { taskKey } from '../runtime/protocol.ts';
import { graphFingerprint } from '../runtime/slot.ts';
import type { TaskManagerGateway } from '../runtime/gateway.ts';
import type { PartitionDescriptor, ShuffleMaster } from './shuffle/api.ts';
import { LocalDiskShuffleMaster } from './shuffle/local-disk.ts';
import { blockingEdges, buildRegions, buildStages, type Region, type Stage } from './regions.ts';

type AssignSplits = Extract<ManagerToSlot, { type: 'assign-splits' }>;

/** What the operation log keeps of one finished region: enough for a new leader to skip it. Plain data (v8-serializable). */
export interface FinishedRegionRecord {
  /** Its blocking partitions, by `${edge}:${producer}`. */
  readonly partitions: readonly [string, PartitionDescriptor][];
  readonly collected: readonly [number, unknown[]][];
  readonly committables: readonly { sinkUid: string; committables: unknown[] }[];
  /** The split answers its source subtasks got, by `${vertex}.${subtask}`. */
  readonly splits: readonly [string, AssignSplits[]][];
}

/** JobManager HA's operation log of a BATCH job (`src/ha/cluster-ha.ts`). */
export interface BatchRegionLog {
  /** Where this leader writes partitions: shared by every JobManager and TaskManager, not used by an earlier leader. */
  readonly shuffleDir: string;
  /** Regions finished under earlier leaders of this job, by Region.key. */
  readonly finished: ReadonlyMap<string, FinishedRegionRecord>;
  /** Durably records a finished region (fenced: rejects when this JobManager no longer leads). */
  record(key: string, record: FinishedRegionRecord): Promise<void>;
}

export interface BatchSchedulerOptions {
  readonly graph: JobGraph;
  readonly config: ExecutionConfig;
  readonly jobId: string;
  readonly jobName: string;
  readonly createTaskManager: (graph: JobGraph, slotIds: readonly number[]) => TaskManagerGateway;
  readonly strategy: RestartStrategy;
  readonly listener?: JobListener;
  /** Called with the final error description when a failure is not restarted. */
  readonly describeFinal: (error: Error, why: string) => Error;
  /** HA: record finished regions, skip those an earlier leader finished (class comment). Its directory is released by its owner. */
  readonly regionLog?: BatchRegionLog;
}

/** What a BATCH run did: results, and the attempt counts that show what ran again. */
export interface BatchRunStats {
  readonly collected: Map<number, unknown[]>;
  readonly metrics: TaskMetrics[];
  readonly restarts: number;
  readonly regions: readonly { readonly name: string; readonly key: string; readonly attempts: number; readonly slots: number; readonly fromLog: boolean }[];
  /** taskKey ("vertex.subtask") → attempts. */
  readonly taskAttempts: Readonly<Record<string, number>>;
  /** Most slots in use at one time. */
  readonly maxSlotsInUse: number;
  /** Parallelism each vertex ran at (adaptive parallelism decides some at scheduling). */
  readonly parallelism: readonly number[];
}

interface RegionOutput {
  readonly collected: [number, unknown[]][];
  readonly committables: { sinkUid: string; committables: unknown[] }[];
  readonly metrics: TaskMetrics[];
}

type RegionOutcome = ({ ok: true } & RegionOutput) | { ok: false; error: Error };

interface RegionState {
  readonly region: Region;
  status: 'waiting' | 'running' | 'finished';
  attempts: number;
  notBefore: number;
  output: RegionOutput | undefined;
  cancel: (() => void) | undefined;
  /** Taken finished from the operation log (an earlier leader ran it). */
  fromLog: boolean;
}

/** Whether adaptive parallelism may decide `vertex`: not a source, no parallelism set by the user, every input blocking and split (not broadcast). */
export function adaptsParallelism(vertex: JobVertex, config: ExecutionConfig, blocking: ReadonlySet<number>): boolean {
  if (!config.batch.adaptive.enabled || vertex.isSource || vertex.inputs.length === 0) return false;
  if (vertex.operators.some((o) => o.node.parallelismSet)) return false;
  return vertex.inputs.every((e) => blocking.has(e.index) && e.partition.kind !== 'broadcast' && e.partition.kind !== 'global');
}

export class BatchScheduler {
  readonly #o: BatchSchedulerOptions;
  readonly #graph: JobGraph;
  readonly #blocking: Set<number>;
  readonly #stages: Stage[];
  readonly #expanded = new Set<number>();
  readonly #regions: RegionState[] = [];
  /** `${vertex}.${subtask}` → its region. */
  readonly #regionOf = new Map<string, RegionState>();
  /** `${edge}:${producer}` → its registered partition. */
  readonly #partitions = new Map<string, PartitionDescriptor>();
  readonly #master: ShuffleMaster;
  readonly #sources = new Map<number, SourceCoordinator>();
  /** Split answers per source subtask, replayed to a rerun (class comment). */
  readonly #splitLog = new Map<string, { log: AssignSplits[]; pos: number }>();
  /** Split ids handed out by an earlier leader to regions taken from the operation log: not handed out again. */
  readonly #loggedSplits = new Map<number, Set<string>>();
  readonly #taskAttempts: Record<string, number> = {};
  readonly #decided: Record<number, number> = {};
  readonly #slotLimit: number;
  readonly #backoff: RestartBackoff;
  #slotsInUse = 0;
  #maxSlotsInUse = 0;
  #restarts = 0;
  #attemptCounter = 0;
  /** Takes the shuffle directory off the exit cleanup (the run removed it itself). */
  readonly #releaseOnExit: () => void;

  constructor(options: BatchSchedulerOptions) {
    this.#o = options;
    this.#graph = options.graph;
    this.#blocking = blockingEdges(options.graph, options.config);
    this.#stages = buildStages(options.graph, this.#blocking);
    const base = options.config.batch.spillDir ?? tmpdir();
    const dir = options.regionLog?.shuffleDir ?? join(base, `weir-shuffle-${options.jobId}-${process.pid}-${Date.now().toString(36)}`);
    mkdirSync(dir, { recursive: true });
    this.#master = new LocalDiskShuffleMaster(dir);
    // An early exit (SIGINT/SIGTERM under weir run) removes the partitions and this process's threads' spilled runs;
    // a logged job's directory is its log's owner's to keep or remove (core/exit-cleanup.ts).
    // The spill pattern stays registered after the run: a run that failed or was cut short may leave a thread's
    // runs behind, and at exit no job of this process is running any more.
    this.#releaseOnExit = options.regionLog === undefined ? removeOnExit(dir) : () => {};
    removeMatchingOnExit(base, spillPrefix());
    this.#slotLimit = options.config.batch.slots ?? Number.POSITIVE_INFINITY;
    this.#backoff = new RestartBackoff(options.strategy);
  }

  async run(): Promise<BatchRunStats> {
    try {
      await new Promise<void>((resolve, reject) => {
        let over = false;
        const fail = (e: Error): void => {
          if (over) return;
          over = true;
          for (const r of this.#regions) r.cancel?.();
          reject(e);
        };
        let timer: NodeJS.Timeout | undefined;
        const pump = (): void => {
          if (over) return;
          try {
            this.#expandReadyStages();
            const now = Date.now();
            let wakeAt = Number.POSITIVE_INFINITY;
            for (const r of this.#regions) {
              if (r.status !== 'waiting' || !this.#inputsReady(r.region)) continue;
              if (r.notBefore > now) { wakeAt = Math.min(wakeAt, r.notBefore); continue; }
              const need = r.region.slots.length;
              if (need > this.#slotLimit) {
                throw new ConfigError(`BATCH: region ${r.region.name} needs ${need} slots at once (its subtasks are joined by pipelined exchanges), but batch.slots is ${this.#slotLimit}; raise --batch-slots or use blocking exchanges (--batch-exchange blocking)`);
              }
              if (this.#slotsInUse + need > this.#slotLimit) continue;
              this.#start(r, () => pump(), fail);
            }
            if (this.#expanded.size === this.#stages.length && this.#regions.every((r) => r.status === 'finished')) {
              over = true;
              resolve();
              return;
            }
            if (wakeAt < Number.POSITIVE_INFINITY) {
              clearTimeout(timer);
              timer = setTimeout(pump, wakeAt - now);
            } else if (!this.#regions.some((r) => r.status === 'running')) {
              throw new Error(`internal: BATCH scheduler stalled (regions: ${this.#regions.map((r) => `${r.region.name}=${r.status}`).join(', ')})`);
            }
          } catch (e) {
            fail(e instanceof Error ? e : new Error(String(e)));
          }
        };
        this.#onFailure = (r, error) => {
          if (over) return;
          if (!isRecoverable(error)) {
            fail(this.#o.describeFinal(error, 'not restarted: this failure cannot heal by itself (a setting, lost or corrupt data, or a path of the wrong kind); fix the cause and run again'));
            return;
          }
          const delay = this.#backoff.next();
          if (delay === undefined) {
            const s = this.#o.strategy;
            fail(this.#o.describeFinal(error, s.kind === 'none'
              ? 'not restarted: the restart strategy is none (set a restart strategy, e.g. setRestartStrategy({ kind: \'fixed-delay\', attempts: 3, delayMs: 1000 }); BATCH then reruns only the failed region)'
              : `the restart strategy gave up after ${this.#restarts} restart(s)`));
            return;
          }
          this.#restarts++;
          this.#o.listener?.onRestart?.(this.#restarts, `region ${r.region.name}: ${error.message}`, delay);
          r.status = 'waiting';
          r.notBefore = Date.now() + delay;
          this.#recoverLostInputs(r.region);
          pump();
        };
        pump();
      });
    } finally {
      // A logged job's partitions may serve a successor: the log's owner releases them when the job ends.
      if (this.#o.regionLog === undefined) this.#master.releaseAll();
      this.#releaseOnExit();
    }
    return this.#stats();
  }

  #onFailure: (r: RegionState, error: Error) => void = () => {};

  /** Regions of the sinks' committables, in region order, by sink uid. */
  committablesBySink(): Map<string, unknown[]> {
    const out = new Map<string, unknown[]>();
    for (const r of this.#regions) {
      for (const c of r.output?.committables ?? []) {
        const list = out.get(c.sinkUid);
        if (list) list.push(...c.committables);
        else out.set(c.sinkUid, [...c.committables]);
      }
    }
    return out;
  }

  /** Commits every sink's committables (after the last region): one committer per sink, on this thread. */
  async commitSinks(): Promise<void> {
    const bySink = this.committablesBySink();
    for (const v of this.#graph.vertices) {
      for (const op of v.operators) {
        const node = op.node;
        if (node.spec.kind !== 'sink') continue;
        const list = bySink.get(node.uid);
        if (list === undefined || list.length === 0) continue;
        const sink = node.spec.sink as Sink<unknown>;
        await sink.createCommitter({ subtaskIndex: 0, parallelism: v.parallelism, operatorName: node.name, checkpointing: false }).commit(list);
      }
    }
  }

  #stats(): BatchRunStats {
    const collected = new Map<number, unknown[]>();
    const metrics: TaskMetrics[] = [];
    for (const r of this.#regions) {
      for (const [sinkId, records] of r.output?.collected ?? []) {
        const list = collected.get(sinkId);
        if (list) for (const x of records) list.push(x);
        else collected.set(sinkId, [...records]);
      }
      metrics.push(...(r.output?.metrics ?? []));
    }
    return {
      collected, metrics, restarts: this.#restarts,
      regions: this.#regions.map((r) => ({ name: r.region.name, key: r.region.key, attempts: r.attempts, slots: r.region.slots.length, fromLog: r.fromLog })),
      taskAttempts: { ...this.#taskAttempts }, maxSlotsInUse: this.#maxSlotsInUse,
      parallelism: this.#graph.vertices.map((v) => v.parallelism),
    };
  }

  /** Stages whose blocking inputs are all registered: decide parallelism (adaptive), build their regions. */
  #expandReadyStages(): void {
    for (const stage of this.#stages) {
      if (this.#expanded.has(stage.index)) continue;
      const ready = stage.blockingInputs.every((e) => this.#expanded.has(this.#stageOf(e.source.index)) && this.#edgeComplete(e.index, e.source.parallelism));
      if (!ready) continue;
      this.#decideParallelism(stage);
      const regions = buildRegions(this.#graph, stage, this.#blocking, this.#regions.length);
      for (const region of regions) {
        const state: RegionState = { region, status: 'waiting', attempts: 0, notBefore: 0, output: undefined, cancel: undefined, fromLog: false };
        this.#regions.push(state);
        for (const t of region.tasks) this.#regionOf.set(taskKey(t), state);
        this.#takeFromLog(state);
      }
      this.#expanded.add(stage.index);
    }
  }

  /** A region an earlier leader finished, whose partitions are all still there: finished, with its logged output and split answers. */
  #takeFromLog(r: RegionState): void {
    const record = this.#o.regionLog?.finished.get(r.region.key);
    if (record === undefined) return;
    if (!record.partitions.every(([, d]) => this.#master.isAvailable(d))) return;
    for (const [key, d] of record.partitions) this.#partitions.set(key, d);
    for (const [key, log] of record.splits) {
      this.#splitLog.set(key, { log: [...log], pos: 0 });
      const vertex = Number(key.slice(0, key.indexOf('.')));
      let ids = this.#loggedSplits.get(vertex);
      if (ids === undefined) this.#loggedSplits.set(vertex, ids = new Set());
      for (const a of log) for (const split of a.splits) ids.add(split.splitId);
    }
    r.output = { collected: [...record.collected], committables: [...record.committables], metrics: [] };
    r.status = 'finished';
    r.fromLog = true;
  }

  #stageOf(vertex: number): number {
    return this.#stages.find((s) => s.vertices.includes(vertex))!.index;
  }

  #edgeComplete(edge: number, producers: number): boolean {
    for (let p = 0; p < producers; p++) if (!this.#partitions.has(`${edge}:${p}`)) return false;
    return true;
  }

  #inputsReady(region: Region): boolean {
    for (const t of region.tasks) {
      for (const e of this.#graph.vertices[t.vertex]!.inputs) {
        if (this.#blocking.has(e.index) && !this.#edgeComplete(e.index, e.source.parallelism)) return false;
      }
    }
    return true;
  }

  /** Adaptive parallelism: from the bytes of a vertex's blocking inputs; forward successors follow their producer. */
  #decideParallelism(stage: Stage): void {
    const config = this.#o.config;
    const a = config.batch.adaptive;
    if (!a.enabled) return;
    for (const v of stage.vertices) {
      const vertex = this.#graph.vertices[v]!;
      let p: number | undefined;
      if (adaptsParallelism(vertex, config, this.#blocking)) {
        let bytes = 0;
        for (const e of vertex.inputs) {
          for (let i = 0; i < e.source.parallelism; i++) for (const b of this.#partitions.get(`${e.index}:${i}`)!.subpartitionBytes) bytes += b;
        }
        const max = Math.min(a.maxParallelism ?? (config.parallelism > 1 ? config.parallelism : 8), vertex.maxParallelism);
        p = Math.max(Math.min(a.minParallelism, max), Math.min(max, Math.ceil(bytes / a.bytesPerTask)));
      } else if (!vertex.isSource && !vertex.operators.some((o) => o.node.parallelismSet) && vertex.inputs.length > 0
        && vertex.inputs.every((e) => e.partition.kind === 'forward' && this.#decided[e.source.index] !== undefined)) {
        p = this.#decided[vertex.inputs[0]!.source.index];
      }
      if (p !== undefined) {
        (vertex as { parallelism: number }).parallelism = p;
        this.#decided[v] = p;
      }
    }
  }

  /** Partitions this region reads that are gone: forget them and queue their producers' regions again. */
  #recoverLostInputs(region: Region): void {
    for (const t of region.tasks) {
      for (const e of this.#graph.vertices[t.vertex]!.inputs) {
        if (!this.#blocking.has(e.index)) continue;
        for (let p = 0; p < e.source.parallelism; p++) {
          const key = `${e.index}:${p}`;
          const d = this.#partitions.get(key);
          if (d === undefined || this.#master.isAvailable(d)) continue;
          this.#partitions.delete(key);
          const producer = this.#regionOf.get(`${e.source.index}.${p}`);
          if (producer !== undefined && producer.status === 'finished') producer.status = 'waiting';
        }
      }
    }
  }

  #start(r: RegionState, pump: () => void, fail: (e: Error) => void): void {
    const need = r.region.slots.length;
    r.status = 'running';
    r.attempts++;
    for (const t of r.region.tasks) this.#taskAttempts[taskKey(t)] = (this.#taskAttempts[taskKey(t)] ?? 0) + 1;
    this.#slotsInUse += need;
    this.#maxSlotsInUse = Math.max(this.#maxSlotsInUse, this.#slotsInUse);
    const attempt = this.#attemptCounter++;
    this.#runRegion(r, attempt).then(
      (outcome) => {
        this.#slotsInUse -= need;
        r.cancel = undefined;
        if (!outcome.ok) {
          this.#onFailure(r, outcome.error);
          return;
        }
        const partitions: [string, PartitionDescriptor][] = [];
        try {
          for (const t of r.region.tasks) {
            for (const e of this.#graph.vertices[t.vertex]!.outputs) {
              if (this.#blocking.has(e.index)) partitions.push([`${e.index}:${t.subtask}`, this.#master.registerPartition({ edge: e.index, producer: t.subtask, attempt })]);
            }
          }
        } catch (e) {
          this.#onFailure(r, e instanceof Error ? e : new Error(String(e)));
          return;
        }
        const finish = (): void => {
          for (const [key, d] of partitions) this.#partitions.set(key, d);
          r.output = { collected: outcome.collected, committables: outcome.committables, metrics: outcome.metrics };
          r.status = 'finished';
          pump();
        };
        const log = this.#o.regionLog;
        if (log === undefined) { finish(); return; }
        // Durable before any consumer reads it: a new leader then skips this region.
        const splits: [string, AssignSplits[]][] = [];
        for (const t of r.region.tasks) {
          const entry = this.#splitLog.get(taskKey(t));
          if (entry !== undefined) splits.push([taskKey(t), entry.log]);
        }
        log.record(r.region.key, { partitions, collected: outcome.collected, committables: outcome.committables, splits }).then(finish, (e: unknown) => fail(e instanceof Error ? e : new Error(String(e))));
      },
      (e: unknown) => fail(e instanceof Error ? e : new Error(String(e))),
    );
  }

  async #sourceFor(vertex: JobVertex): Promise<SourceCoordinator> {
    let c = this.#sources.get(vertex.index);
    if (c === undefined) {
      const head = vertex.operators[0]!.node;
      if (head.spec.kind !== 'source') throw new Error('internal: not a source vertex');
      const source = head.spec.source;
      // Splits an earlier leader's finished (logged) regions read are not handed out again.
      const logged = this.#loggedSplits.get(vertex.index);
      const splits = (await source.enumerateSplits({ parallelism: vertex.parallelism })).filter((s) => logged === undefined || !logged.has(s.splitId));
      c = this.#sources.get(vertex.index);
      if (c === undefined) {
        c = new SourceCoordinator({ uid: head.uid, vertex: vertex.index, parallelism: vertex.parallelism, source, splits });
        this.#sources.set(vertex.index, c);
      }
    }
    return c;
  }

  #splitReply(source: SourceCoordinator, subtask: number): AssignSplits {
    const key = `${source.vertex}.${subtask}`;
    let entry = this.#splitLog.get(key);
    if (entry === undefined) this.#splitLog.set(key, entry = { log: [], pos: 0 });
    if (entry.pos < entry.log.length) return entry.log[entry.pos++]!;
    const reply = source.handleSplitRequest(subtask);
    entry.log.push(reply);
    entry.pos++;
    return reply;
  }

  async #runRegion(r: RegionState, attempt: number): Promise<RegionOutcome> {
    const graph = this.#graph;
    const config = this.#o.config;
    const region = r.region;
    const sources = new Map<number, SourceCoordinator>();
    for (const v of new Set(region.tasks.map((t) => t.vertex))) {
      const vertex = graph.vertices[v]!;
      if (vertex.isSource) sources.set(v, await this.#sourceFor(vertex));
    }
    for (const t of region.tasks) {
      const entry = this.#splitLog.get(taskKey(t));
      if (entry) entry.pos = 0;
    }
    const inputs: Record<string, PartitionDescriptor> = {};
    const subpartitions: Record<number, number> = {};
    for (const t of region.tasks) {
      const vertex = graph.vertices[t.vertex]!;
      for (const e of vertex.inputs) {
        if (!this.#blocking.has(e.index)) continue;
        for (let p = 0; p < e.source.parallelism; p++) inputs[`${e.index}:${p}`] = this.#partitions.get(`${e.index}:${p}`)!;
      }
      for (const e of vertex.outputs) {
        if (!this.#blocking.has(e.index)) continue;
        // A consumer whose parallelism is decided later reads key-group ranges of maxParallelism subpartitions.
        subpartitions[e.index] = adaptsParallelism(e.target, config, this.#blocking) && this.#decided[e.target.index] === undefined ? config.maxParallelism : e.target.parallelism;
      }
    }
    const deployment: Deployment = {
      jobId: this.#o.jobId, jobName: this.#o.jobName, attempt, config: { ...config, runtimeMode: 'BATCH' }, fingerprint: graphFingerprint(graph),
      tasks: region.tasks.map((t) => ({ vertex: t.vertex, subtask: t.subtask, restore: undefined, deferCommit: true })),
      batch: {
        shuffleDir: (this.#master as LocalDiskShuffleMaster).dir, attempt, blockingEdges: [...this.#blocking], subpartitions, inputs, parallelism: { ...this.#decided }, deferCommit: true,
      },
    };
    const tm = this.#o.createTaskManager(graph, region.slots);
    return new Promise<RegionOutcome>((resolve) => {
      let done = false;
      const deployed = new Set<number>();
      const ended = new Set<string>();
      const finished = new Set<number>();
      const collected: [number, unknown[]][] = [];
      const committables: { sinkUid: string; committables: unknown[] }[] = [];
      const metrics = new Map<string, TaskMetrics>();
      const end = (outcome: RegionOutcome): void => {
        if (done) return;
        done = true;
        void tm.shutdown().then(() => resolve(outcome), () => resolve(outcome));
      };
      r.cancel = () => end({ ok: false, error: new Error('cancelled: another region failed for good') });
      const onEvent = (event: SlotToManager): void => {
        if (done) return;
        switch (event.type) {
          case 'deployed':
            deployed.add(event.slot);
            if (deployed.size === tm.numSlots) tm.broadcast({ type: 'start' });
            return;
          case 'split-request': {
            const source = sources.get(event.task.vertex);
            if (source) tm.broadcast(this.#splitReply(source, event.task.subtask));
            return;
          }
          case 'end-of-data':
            ended.add(taskKey(event.task));
            if (ended.size === region.tasks.length) tm.broadcast({ type: 'finish' });
            return;
          case 'collected':
            collected.push([event.sinkId, event.records]);
            return;
          case 'committables':
            committables.push({ sinkUid: event.sinkUid, committables: event.committables });
            return;
          case 'metrics':
            for (const m of event.metrics) metrics.set(taskKey(m), m);
            return;
          case 'finished':
            for (const m of event.metrics) metrics.set(taskKey(m), m);
            finished.add(event.slot);
            if (finished.size === tm.numSlots) end({ ok: true, collected, committables, metrics: [...metrics.values()] });
            return;
          case 'failed':
            end({ ok: false, error: new JobFailedError(event.error) });
            return;
          default:
            // Checkpoint acks, watermark alignment: not in BATCH.
            return;
        }
      };
      tm.start(onEvent).then(
        () => tm.broadcast({ type: 'deploy', deployment }),
        (e: unknown) => end({ ok: false, error: e instanceof Error ? e : new Error(String(e)) }),
      );
    });
  }
}
