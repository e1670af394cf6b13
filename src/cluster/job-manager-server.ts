// `weir jobmanager`: the cluster's JobManager process — TaskManager membership and slots, job bundles, jobs and their clients.
//
// One TCP port (default 127.0.0.1:6123) takes TaskManagers and clients alike; the handshake
// (connection.ts) tells them apart and refuses everyone without the token. A job's JobManager
// role runs from the job's own bundle (job-main.ts) on RemoteExecution gateways: one per
// attempt, over slots of several TaskManagers numbered 0…n−1 for the job.

import type { Server } from 'node:net';
import { pathToFileURL } from 'node:url';
import type { JobResult } from '../api/launch.ts';
import { WeirError } from '../core/errors.ts';
import type { JobListener } from '../coordinator/job-listener.ts';
import type { JobView } from '../coordinator/job-view.ts';
import { serializeError, type SerializedError } from '../runtime/operator-error.ts';
import type { ManagerToSlot, SlotToManager } from '../runtime/protocol.ts';
import type { TaskManagerGateway } from '../runtime/gateway.ts';
import { BlobStore } from './blob-store.ts';
import { ClusterJobsView } from './cluster-jobs-view.ts';
import { acceptConnections, type Connection, type HeartbeatSettings, type TlsFiles, createClusterServer } from './connection.ts';
import type { ClusterJobContext } from './job-main.ts';
import type { BatchRegionLog } from '../batch/scheduler.ts';
import type { ClientToJobManager, HostPort, JobManagerToClient, JobManagerToTaskManager, JobSummary, TaskManagerToJobManager } from './messages.ts';

export interface JobManagerServerOptions {
  readonly bind: HostPort;
  readonly token: Buffer;
  readonly tls?: TlsFiles | undefined;
  readonly heartbeat: HeartbeatSettings;
  /** How long a job waits for enough free slots before its attempt fails. */
  readonly slotTimeoutMs: number;
  readonly cacheDir: string;
  readonly log: (line: string) => void;
  /** JobManager high availability (`src/ha/cluster-ha.ts`); absent: this process always leads and keeps jobs in memory only. */
  readonly ha?: JobManagerHa;
}

/**
 * What the server asks HA. Every member is called on the server's own thread; none may be slow
 * except the promises, which the server awaits before the step they guard.
 */
export interface JobManagerHa {
  /** A refusal text while this JobManager is a standby (naming the leader), undefined while it leads. */
  admission(): string | undefined;
  /** Leading right now: commands go to TaskManagers only while true. */
  isLeader(): boolean;
  /** This leader's epoch (its fencing token's revision) while it leads: every command to a TaskManager carries it. */
  epoch(): string | undefined;
  /** Before a job deploys: make it durable for a successor (bundle to shared storage, submission to etcd); a rejection refuses the job. */
  jobSubmitted(job: { jobId: string; jobName: string; hash: string; bundlePath: string; jobArgs: readonly string[]; defaults: unknown; jobFile: string; resumed: boolean }): Promise<void>;
  /** A BATCH job's operation log of finished regions; `resumed`: a new leader resumes the job (else it starts empty). */
  batchRegionLog(jobId: string, resumed: boolean): Promise<BatchRegionLog>;
  /** The job reached a terminal status (a successor must not resume it). */
  jobEnded(jobId: string, status: 'finished' | 'failed' | 'cancelled'): void;
  /** Checkpoints of `jobId` complete only through this (fenced pointer commit). */
  readonly completionGate: { check(jobId: string, action: string): void; commit(jobId: string, point: { id: number; kind: 'checkpoint' | 'savepoint'; path: string }): Promise<void> };
}

interface TaskManagerRecord {
  readonly id: string;
  readonly conn: Connection;
  readonly slots: number;
  readonly data: HostPort;
  readonly free: Set<number>;
  readonly execs: Set<RemoteExecution>;
  readonly hardware: { readonly cpuCores: number; readonly physicalMemory: number } | undefined;
}

interface JobRecord {
  jobId: string;
  jobName: string;
  status: JobSummary['status'];
  readonly startedAt: number;
  endedAt: number | undefined;
  restarts: number;
  slots: number;
  error: string | undefined;
  client: Connection | undefined;
  control: { stopWithSavepoint(): void; triggerSavepoint(): Promise<string> } | undefined;
  cancelled: boolean;
  exec: RemoteExecution | undefined;
  result: JobResult | undefined;
  /** The job's own JobManager role (REST, dashboard, /metrics), once its graph is built. */
  view: JobView | undefined;
  readonly ended: ((job: JobRecord) => void)[];
}

type BundleModule = { clusterJobMain?: (loadJob: () => Promise<unknown>, ctx: ClusterJobContext) => Promise<JobResult>; loadJob?: () => Promise<unknown> };

export class ClusterJobManagerServer {
  readonly #options: JobManagerServerOptions;
  readonly #server: Server;
  readonly #blobs: BlobStore;
  readonly #tms = new Map<string, TaskManagerRecord>();
  readonly #execs = new Map<number, RemoteExecution>();
  readonly #jobs = new Map<string, JobRecord>();
  readonly #slotWaiters = new Set<() => void>();
  readonly #connections = new Set<Connection>();
  #nextTm = 1;
  #nextExec = 1;
  #imports = 0;
  #loadLock: Promise<void> = Promise.resolve();
  /** What the REST API and /metrics read (`weir jobmanager --web`). */
  readonly view: ClusterJobsView;

  constructor(options: JobManagerServerOptions) {
    this.#options = options;
    this.#blobs = new BlobStore(options.cacheDir);
    this.view = new ClusterJobsView(
      () => [...this.#jobs.values()].map((job) => ({ view: job.view, cancel: () => this.#cancel(job, 'the REST API') })),
      () => [...this.#tms.values()].map((tm) => ({ id: tm.id, data: tm.data, slots: tm.slots, freeSlots: tm.free.size, lastReceivedAt: tm.conn.lastReceivedAt, hardware: tm.hardware })),
    );
    this.#server = createClusterServer(options.tls);
    acceptConnections(this.#server, {
      token: options.token, tls: options.tls, role: 'jobmanager', heartbeat: options.heartbeat, log: options.log,
      onConnection: (conn) => {
        const refusal = options.ha?.admission();
        if (refusal !== undefined) { this.#refuse(conn, refusal); return; }
        this.#connections.add(conn);
        conn.onClose(() => this.#connections.delete(conn));
        if (conn.peerRole === 'taskmanager') this.#onTaskManager(conn);
        else this.#onClient(conn);
      },
    });
  }

  get heartbeat(): HeartbeatSettings {
    return this.#options.heartbeat;
  }

  async listen(): Promise<HostPort> {
    const { host, port } = this.#options.bind;
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => { this.#server.off('error', reject); resolve(); });
    });
    const a = this.#server.address() as { address: string; port: number };
    return { host: a.address, port: a.port };
  }

  close(): void {
    this.#server.close();
    for (const c of this.#connections) c.close('JobManager shutting down');
  }

  /** A standby: a client's first request gets the refusal as its error; a TaskManager is disconnected (it looks up the leader again). */
  #refuse(conn: Connection, refusal: string): void {
    this.#options.log(`refused ${conn.peerRole} ${conn.remote}: ${refusal}`);
    if (conn.peerRole === 'taskmanager') { conn.close(refusal); return; }
    conn.onControl = () => {
      conn.sendControl({ type: 'error', error: { name: 'NotLeaderError', message: refusal, code: 'WEIR_HA_STANDBY', fault: 'external', retryable: true, stack: undefined } } satisfies JobManagerToClient);
      setTimeout(() => conn.close(refusal), 100).unref();
    };
  }

  /** HA: a new leader resumes a job its predecessor ran, without a client (`src/ha/cluster-ha.ts`). */
  resume(job: { hash: string; bundle: Uint8Array; jobArgs: readonly string[]; defaults: unknown; jobFile: string }): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const internal = { remote: 'job store', closed: false, sendControl: (m: JobManagerToClient) => { if (m.type === 'submitted') resolve(m.jobId); if (m.type === 'job-error' || m.type === 'error') reject(new Error(m.error.message)); } } as unknown as Connection;
      this.#submit(internal, { type: 'submit', hash: job.hash, bundle: job.bundle, jobArgs: job.jobArgs, defaults: job.defaults, jobFile: job.jobFile }, true).catch(reject);
    });
  }

  // ---- TaskManagers ----

  #onTaskManager(conn: Connection): void {
    let tm: TaskManagerRecord | undefined;
    conn.onControl = (raw) => {
      const m = raw as TaskManagerToJobManager;
      if (m.type === 'register') {
        if (tm) return;
        const id = `tm-${this.#nextTm++}`;
        tm = { id, conn, slots: m.slots, data: m.data, free: new Set(Array.from({ length: m.slots }, (_, i) => i)), execs: new Set(), hardware: m.hardware };
        this.#tms.set(id, tm);
        conn.sendControl({ type: 'registered', tmId: id, epoch: this.epoch } satisfies JobManagerToTaskManager);
        this.#options.log(`TaskManager ${id} registered from ${conn.remote} with ${m.slots} slot(s), data port ${m.data.host}:${m.data.port}`);
        this.#wakeSlotWaiters();
        return;
      }
      if (!tm) return;
      if (m.type === 'event') {
        this.#execs.get(m.exec)?.onTaskManagerEvent(m.event);
      } else if (m.type === 'get-bundle') {
        this.#blobs.read(m.hash).then(
          (bytes) => conn.sendControl({ type: 'bundle', hash: m.hash, bytes } satisfies JobManagerToTaskManager),
          () => conn.sendControl({ type: 'bundle', hash: m.hash, bytes: undefined } satisfies JobManagerToTaskManager),
        );
      }
    };
    conn.onClose((reason) => {
      if (!tm) return;
      this.#tms.delete(tm.id);
      this.#options.log(`TaskManager ${tm.id} (${conn.remote}) lost: ${reason}`);
      for (const exec of [...tm.execs]) {
        exec.fail({
          name: 'TaskManagerLost', message: `TaskManager ${tm.id} (${conn.remote}) lost: ${reason}`,
          code: 'WEIR_TASKMANAGER_LOST', fault: 'external', retryable: true, stack: undefined,
        });
      }
    });
  }

  #freeSlots(): number {
    let n = 0;
    for (const tm of this.#tms.values()) n += tm.free.size;
    return n;
  }

  #wakeSlotWaiters(): void {
    const waiters = [...this.#slotWaiters];
    this.#slotWaiters.clear();
    for (const w of waiters) w();
  }

  /**
   * Takes `n` free slots, spread over the TaskManagers (always from the one with the most free
   * slots), waiting up to the slot timeout for TaskManagers to register or slots to free up.
   */
  async allocate(n: number, isEnded: () => boolean, notice: (text: string) => void): Promise<{ tm: TaskManagerRecord; local: number }[]> {
    const timeout = this.#options.slotTimeoutMs;
    const deadline = Date.now() + timeout;
    let noticed = false;
    for (;;) {
      if (isEnded()) return [];
      if (this.#freeSlots() >= n) {
        const out: { tm: TaskManagerRecord; local: number }[] = [];
        for (let i = 0; i < n; i++) {
          let best: TaskManagerRecord | undefined;
          for (const tm of this.#tms.values()) if (tm.free.size > 0 && (!best || tm.free.size > best.free.size)) best = tm;
          const local = Math.min(...best!.free);
          best!.free.delete(local);
          out.push({ tm: best!, local });
        }
        return out;
      }
      const left = deadline - Date.now();
      const have = `${this.#freeSlots()} free on ${this.#tms.size} TaskManager(s)`;
      if (left <= 0) {
        throw new WeirError(`not enough task slots: the job needs ${n}, the cluster has ${have}; waited ${timeout} ms (weir jobmanager --slot-timeout)`, { code: 'WEIR_NOT_ENOUGH_SLOTS', fault: 'external', retryable: true });
      }
      if (!noticed) {
        noticed = true;
        notice(`waiting up to ${timeout} ms for ${n} task slot(s): the cluster has ${have}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { this.#slotWaiters.delete(wake); resolve(); }, left);
        const wake = (): void => { clearTimeout(t); resolve(); };
        this.#slotWaiters.add(wake);
      });
    }
  }

  release(slots: readonly { tm: TaskManagerRecord; local: number }[], exec: RemoteExecution): void {
    for (const s of slots) {
      s.tm.execs.delete(exec);
      if (this.#tms.get(s.tm.id) === s.tm) s.tm.free.add(s.local);
    }
    this.#execs.delete(exec.exec);
    this.#wakeSlotWaiters();
  }

  /** The epoch every command to a TaskManager carries: the HA leader's fencing revision, "0" without HA. */
  get epoch(): string {
    return this.#options.ha?.epoch() ?? '0';
  }

  /** Commands may go to TaskManagers: always without HA, only while leading with it. */
  get leading(): boolean {
    return this.#options.ha?.isLeader() ?? true;
  }

  newExec(exec: RemoteExecution): number {
    const id = this.#nextExec++;
    this.#execs.set(id, exec);
    return id;
  }

  // ---- clients ----

  #onClient(conn: Connection): void {
    const reply = (m: JobManagerToClient): void => conn.sendControl(m);
    conn.onControl = (raw) => {
      const m = raw as ClientToJobManager;
      // A request the JobManager refuses (no such job, …) is answered with its message; a stack would not help the client.
      const fail = (e: unknown): void => reply({ type: 'error', error: { ...serializeError(e), stack: undefined } });
      try {
        switch (m.type) {
          case 'has-bundle':
            reply({ type: 'bundle-status', cached: this.#blobs.has(m.hash) });
            return;
          case 'submit':
            this.#submit(conn, m).catch(fail);
            return;
          case 'list':
            reply({ type: 'jobs', jobs: [...this.#jobs.values()].map(summary) });
            return;
          case 'attach': {
            const job = this.#jobs.get(m.jobId);
            if (!job) throw new WeirError(`no job ${JSON.stringify(m.jobId)} on this JobManager (yet)`, { code: 'WEIR_NO_SUCH_JOB', fault: 'user', retryable: true });
            job.client = conn;
            this.#options.log(`job ${job.jobId}: client ${conn.remote} attached`);
            reply({ type: 'notice', text: `following job ${job.jobId} (${job.status}) on this JobManager` });
            if (job.status === 'finished' && job.result) reply({ type: 'result', result: job.result });
            else if (job.status === 'failed' || job.status === 'cancelled') reply({ type: 'job-error', error: { name: 'JobFailed', message: job.error ?? `job ${job.jobId} ${job.status}`, code: 'WEIR_JOB_FAILED', fault: 'external', stack: undefined } });
            return;
          }
          case 'cancel': {
            const job = this.#runningJob(m.jobId);
            job.ended.push((j) => reply({ type: 'done', text: `job ${j.jobId} ${j.status}` }));
            this.#cancel(job, conn.remote);
            return;
          }
          case 'stop': {
            const job = this.#runningJob(m.jobId);
            if (!job.control) throw new WeirError(`job ${m.jobId} is still starting`, { code: 'WEIR_JOB_STARTING', fault: 'user' });
            job.ended.push((j) => reply(j.status === 'finished' ? { type: 'done', text: j.result?.savepointPath ? `savepoint: ${j.result.savepointPath}` : `job ${j.jobId} finished` } : { type: 'error', error: { name: 'Error', message: `job ${j.jobId} ${j.status}: ${j.error ?? ''}`, code: 'WEIR_JOB_FAILED', fault: 'external', stack: undefined } }));
            job.control.stopWithSavepoint();
            this.#options.log(`job ${job.jobId}: stop with savepoint requested by ${conn.remote}`);
            return;
          }
          case 'savepoint': {
            const job = this.#runningJob(m.jobId);
            if (!job.control) throw new WeirError(`job ${m.jobId} is still starting`, { code: 'WEIR_JOB_STARTING', fault: 'user' });
            job.control.triggerSavepoint().then((path) => reply({ type: 'done', text: `savepoint: ${path}` }), fail);
            return;
          }
        }
      } catch (e) {
        fail(e);
      }
    };
  }

  /** Cancels a running job (the client's `weir cancel`, the REST API's PATCH); refuses one that is not running. */
  #cancel(job: JobRecord, by: string): void {
    if (job.status !== 'running' && job.status !== 'starting') throw new WeirError(`job ${job.jobId} is not running (${job.status})`, { code: 'WEIR_JOB_NOT_RUNNING', fault: 'user' });
    job.cancelled = true;
    this.#options.log(`job ${job.jobId}: cancel requested by ${by}`);
    // The job's own JobManager role cancels its attempt (or its restart delay) and ends CANCELED; before it exists, the attempt fails.
    if (job.view) job.view.cancel();
    else job.exec?.fail(cancelledError(job.jobId));
  }

  #runningJob(jobId: string): JobRecord {
    const job = this.#jobs.get(jobId);
    if (!job) throw new WeirError(`no job ${JSON.stringify(jobId)} on this JobManager (weir list shows them)`, { code: 'WEIR_NO_SUCH_JOB', fault: 'user' });
    if (job.status !== 'running' && job.status !== 'starting') throw new WeirError(`job ${jobId} is not running (${job.status})`, { code: 'WEIR_JOB_NOT_RUNNING', fault: 'user' });
    return job;
  }

  async #submit(client: Connection, m: Extract<ClientToJobManager, { type: 'submit' }>, resumed = false): Promise<void> {
    const path = m.bundle ? this.#blobs.put(m.hash, m.bundle) : this.#blobs.has(m.hash) ? this.#blobs.bundlePath(m.hash) : undefined;
    if (!path) throw new WeirError(`job bundle ${m.hash} is not cached on the JobManager: send it`, { code: 'WEIR_BUNDLE_MISSING', fault: 'internal' });
    const send = (msg: JobManagerToClient): void => { if (job.client && !job.client.closed) job.client.sendControl(msg); };
    const job: JobRecord = {
      jobId: '', jobName: m.jobFile, status: 'starting', startedAt: Date.now(), endedAt: undefined, restarts: 0, slots: 0, error: undefined,
      client, control: undefined, cancelled: false, exec: undefined, result: undefined, view: undefined, ended: [],
    };
    // One job module is evaluated at a time: the launch context it reads is process-global.
    const previous = this.#loadLock;
    let release!: () => void;
    this.#loadLock = new Promise<void>((r) => { release = r; });
    await previous;
    let mod: BundleModule;
    try {
      // A fresh module instance per submission (the query string), so a job file can run again.
      mod = await import(`${pathToFileURL(path).href}?job=${++this.#imports}`) as BundleModule;
    } catch (e) {
      release();
      throw e;
    }
    if (!mod.clusterJobMain || !mod.loadJob) {
      release();
      throw new WeirError('the job bundle has no cluster entry (built by another Weir version?)', { code: 'WEIR_BUNDLE_INCOMPATIBLE', fault: 'config' });
    }
    const listener: JobListener = {
      onProgress: (vertices, elapsedMs) => send({ type: 'progress', vertices, elapsedMs }),
      onRestart: (attempt, reason, delayMs) => {
        job.restarts++;
        this.#options.log(`job ${job.jobId}: restarting (attempt ${attempt}) in ${delayMs} ms after: ${reason.split('\n')[0]}`);
        send({ type: 'restart', attempt, reason, delayMs });
      },
      onCheckpoint: (info) => send({ type: 'checkpoint', info }),
      onCheckpointFailed: (id, reason) => send({ type: 'checkpoint-failed', id, reason }),
    };
    const ctx: ClusterJobContext = {
      jobArgs: m.jobArgs, defaults: m.defaults as ClusterJobContext['defaults'], listener,
      createGateway: (numSlots, slotIds) => {
        job.slots = slotIds?.length ?? numSlots;
        const exec = new RemoteExecution(this, job, slotIds ?? Array.from({ length: numSlots }, (_, i) => i), m.hash, m.jobArgs, m.defaults, (text) => { this.#options.log(`job ${job.jobId}: ${text}`); send({ type: 'notice', text }); });
        job.exec = exec;
        return exec;
      },
      onJobManager: (control) => {
        release();
        const existing = this.#jobs.get(control.jobId);
        if (existing && (existing.status === 'running' || existing.status === 'starting')) {
          throw new WeirError(`a job with id ${control.jobId} is already running on this cluster (weir cancel ${control.jobId} or weir stop ${control.jobId} first)`, { code: 'WEIR_JOB_RUNNING', fault: 'user' });
        }
        job.jobId = control.jobId;
        job.jobName = control.jobName;
        job.control = control;
        job.view = control.view;
        job.status = 'running';
        this.#jobs.set(job.jobId, job);
        this.#options.log(`job ${job.jobId} ("${job.jobName}") submitted from ${client.remote}, bundle ${m.hash.slice(0, 12)}`);
        send({ type: 'submitted', jobId: job.jobId, jobName: job.jobName });
        return this.#options.ha?.jobSubmitted({ jobId: job.jobId, jobName: job.jobName, hash: m.hash, bundlePath: path, jobArgs: m.jobArgs, defaults: m.defaults, jobFile: m.jobFile, resumed });
      },
      ...(this.#options.ha ? { completionGate: this.#options.ha.completionGate, batchRegionLog: (jobId: string) => this.#options.ha!.batchRegionLog(jobId, resumed) } : {}),
    };
    const end = (): void => {
      job.endedAt = Date.now();
      job.exec = undefined;
      for (const f of job.ended.splice(0)) f(job);
    };
    mod.clusterJobMain(mod.loadJob, ctx).then((result) => {
      job.status = 'finished';
      job.result = result;
      this.#options.log(`job ${job.jobId} finished (restarts ${result.restarts}, checkpoints ${result.completedCheckpoints})`);
      send({ type: 'result', result });
      this.#options.ha?.jobEnded(job.jobId, 'finished');
      end();
    }, (e: unknown) => {
      release();
      job.status = job.cancelled ? 'cancelled' : 'failed';
      job.error = e instanceof Error ? e.message : String(e);
      if (job.jobId) this.#options.log(`job ${job.jobId} ${job.status}: ${job.error.split('\n')[0]}`);
      send({ type: 'job-error', error: serializeError(e) });
      if (job.jobId) this.#options.ha?.jobEnded(job.jobId, job.status === 'cancelled' ? 'cancelled' : 'failed');
      end();
    });
  }
}

function summary(j: JobRecord): JobSummary {
  return { jobId: j.jobId, jobName: j.jobName, status: j.status, startedAt: j.startedAt, endedAt: j.endedAt, restarts: j.restarts, slots: j.slots, error: j.error };
}

function cancelledError(jobId: string): SerializedError {
  return { name: 'JobCancelled', message: `job ${jobId} was cancelled (weir cancel)`, code: 'WEIR_JOB_CANCELLED', fault: 'user', retryable: false, stack: undefined };
}

/**
 * One attempt of a job on slots of several TaskManagers, seen by the JobManager role as one
 * TaskManagerGateway. Failures (no slots, a TaskManager lost, cancellation) arrive as `failed`
 * events — never as rejections — so the job's own engine copy judges them by their plain data.
 */
class RemoteExecution implements TaskManagerGateway {
  readonly numSlots: number;
  /** The global slots (subtask indexes) this attempt runs: all of the job's, or a BATCH region's. */
  readonly #slotIds: readonly number[];
  readonly exec: number;
  readonly #server: ClusterJobManagerServer;
  readonly #job: JobRecord;
  readonly #bundleHash: string;
  readonly #jobArgs: readonly string[];
  readonly #defaults: unknown;
  readonly #notice: (text: string) => void;
  #onEvent: ((event: SlotToManager) => void) | undefined;
  #slots: { tm: TaskManagerRecord; local: number }[] = [];
  #tms: TaskManagerRecord[] = [];
  #queued: ManagerToSlot[] | undefined = [];
  #ended = false;
  #failed = false;

  constructor(server: ClusterJobManagerServer, job: JobRecord, slotIds: readonly number[], bundleHash: string, jobArgs: readonly string[], defaults: unknown, notice: (text: string) => void) {
    this.#server = server;
    this.#job = job;
    this.#slotIds = slotIds;
    this.numSlots = slotIds.length;
    this.#bundleHash = bundleHash;
    this.#jobArgs = jobArgs;
    this.#defaults = defaults;
    this.#notice = notice;
    this.exec = server.newExec(this);
  }

  async start(onEvent: (event: SlotToManager) => void): Promise<void> {
    this.#onEvent = onEvent;
    void this.#deploy();
  }

  async #deploy(): Promise<void> {
    if (this.#job.cancelled) { this.fail(cancelledError(this.#job.jobId)); return; }
    try {
      this.#slots = await this.#server.allocate(this.numSlots, () => this.#ended || this.#failed, this.#notice);
    } catch (e) {
      this.fail(serializeError(e));
      return;
    }
    if (this.#ended || this.#failed) { this.#server.release(this.#slots, this); return; }
    const tms = [...new Set(this.#slots.map((s) => s.tm))];
    this.#tms = tms;
    // The i-th allocated slot runs global slot slotIds[i]; owners is indexed by global slot.
    const ids = this.#slotIds;
    const contiguous = ids.every((g, i) => g === i);
    const owners: string[] = Array.from({ length: Math.max(...ids) + 1 }, () => '');
    this.#slots.forEach((s, i) => { owners[ids[i]!] = s.tm.id; });
    const globalOf = (tm: TaskManagerRecord): number[] => this.#slots.flatMap((s, i) => (s.tm === tm ? [ids[i]!] : []));
    const peers: Record<string, HostPort> = {};
    for (const tm of tms) { peers[tm.id] = tm.data; tm.execs.add(this); }
    const where = tms.map((tm) => `${tm.id}[${globalOf(tm).join(',')}]`).join(' ');
    this.#notice(`attempt deployed on ${where}`);
    if (!this.#server.leading) return;
    for (const tm of tms) {
      if (tm.conn.closed) { this.fail({ name: 'TaskManagerLost', message: `TaskManager ${tm.id} lost before deployment`, code: 'WEIR_TASKMANAGER_LOST', fault: 'external', retryable: true, stack: undefined }); return; }
      tm.conn.sendControl({
        type: 'deploy-exec', epoch: this.#server.epoch,
        deployment: {
          exec: this.exec, jobId: this.#job.jobId, attempt: 0, bundleHash: this.#bundleHash, numSlots: this.numSlots,
          slots: globalOf(tm), ...(contiguous ? {} : { execSlots: ids }), owners, peers, jobArgs: this.#jobArgs, defaults: this.#defaults,
        },
      } satisfies JobManagerToTaskManager);
    }
    const queued = this.#queued ?? [];
    this.#queued = undefined;
    for (const c of queued) this.broadcast(c);
  }

  broadcast(command: ManagerToSlot): void {
    if (this.#ended || !this.#server.leading) return;
    if (this.#queued) { this.#queued.push(command); return; }
    const epoch = this.#server.epoch;
    for (const tm of this.#tms) tm.conn.sendControl({ type: 'command', epoch, exec: this.exec, command } satisfies JobManagerToTaskManager);
  }

  async shutdown(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    for (const tm of this.#tms) if (!tm.conn.closed) tm.conn.sendControl({ type: 'cancel-exec', epoch: this.#server.epoch, exec: this.exec } satisfies JobManagerToTaskManager);
    this.#server.release(this.#slots, this);
  }

  onTaskManagerEvent(event: SlotToManager): void {
    if (!this.#ended && !this.#failed) this.#onEvent?.(event);
  }

  /** Ends this attempt with a failure the JobManager role sees as a failed slot (once). */
  fail(error: SerializedError): void {
    if (this.#ended || this.#failed) return;
    this.#failed = true;
    const onEvent = this.#onEvent;
    queueMicrotask(() => onEvent?.({ type: 'failed', slot: 0, error }));
  }
}
