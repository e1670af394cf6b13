// The jobs a JobManager leader keeps in etcd: submission (bundle reference, graph), status, latest checkpoint pointer, finished batch regions.
//
// Layout under the cluster namespace `<ns>`:
//   <ns>jobs/<job>/submission      JobSubmission (JSON)
//   <ns>jobs/<job>/status          JobStatus
//   <ns>jobs/<job>/checkpoint      CheckpointPointer of the latest completed point
//   <ns>jobs/<job>/regions/<name>  FinishedRegion: the operation log of a batch job, one key per region
// Every write is one etcd transaction whose condition is the fencing token (`fencedWrite`): it
// commits only while the writer's election key still exists with the token's create revision,
// so a leader whose lease expired — paused, partitioned, or just slow — cannot overwrite what
// its successor keeps. A refused write steps the writer down (`onFenced`) and throws NotLeaderError.
// Reads need no token: any JobManager (a standby, a new leader) may read.

import type { Etcd3, IOperation, IRequestOp } from 'etcd3';
import {
  NotLeaderError,
  type CheckpointPointer,
  type FencingToken,
  type FinishedRegion,
  type JobStatus,
  type JobSubmission,
  type StoredJob,
} from './types.ts';

/** Who writes: the current token (throws NotLeaderError when not leading) and what to do when etcd refuses it. */
export interface Fence {
  assertLeader(action: string): FencingToken;
  /** etcd refused a write fenced with `token`: leadership is gone. */
  onFenced(reason: string): void;
}

const JOB_ID = /^[A-Za-z0-9._-]{1,200}$/;
const REGION = /^[A-Za-z0-9._:-]{1,200}$/;

function checkJobId(jobId: string): void {
  if (!JOB_ID.test(jobId)) throw new RangeError(`job id ${JSON.stringify(jobId)} is not usable as an HA store key (letters, digits, '.', '_', '-')`);
}

export class JobStore {
  readonly #client: Etcd3;
  readonly #ns: string;
  readonly #fence: Fence;

  constructor(client: Etcd3, namespace: string, fence: Fence) {
    this.#client = client;
    this.#ns = namespace;
    this.#fence = fence;
  }

  #key(jobId: string, ...rest: string[]): string {
    checkJobId(jobId);
    return [`${this.#ns}jobs/${jobId}`, ...rest].join('/');
  }

  /**
   * Records a submitted job (its bundle must already be in the shared blob directory) as RUNNING.
   * A fresh submission starts with an empty operation log (an earlier run's finished regions are
   * dropped in the same transaction); a new leader resuming the job passes `keepRegions`.
   */
  async putJob(job: JobSubmission, options: { keepRegions?: boolean } = {}): Promise<void> {
    await this.#write(`store job ${job.jobId}`, (token) => [
      ...(options.keepRegions ? [] : [this.#client.delete().prefix(this.#key(job.jobId, 'regions', ''))]),
      this.#client.put(this.#key(job.jobId, 'submission')).value(JSON.stringify(job)),
      this.#client.put(this.#key(job.jobId, 'status')).value(statusValue('RUNNING', token)),
    ]);
  }

  async setStatus(jobId: string, status: JobStatus): Promise<void> {
    await this.#write(`mark job ${jobId} ${status}`, (token) => [this.#client.put(this.#key(jobId, 'status')).value(statusValue(status, token))]);
  }

  /**
   * Points the job at a completed checkpoint. Call it after the point's `_metadata` is durable
   * and before any sink hears `checkpoint-complete`: a checkpoint whose pointer was refused is
   * not complete, and the caller must not announce it. Ids only grow: an older id is refused.
   */
  async commitCheckpoint(jobId: string, pointer: Omit<CheckpointPointer, 'epoch'>): Promise<void> {
    const key = this.#key(jobId, 'checkpoint');
    const action = `commit ${pointer.kind} ${pointer.id} of job ${jobId}`;
    this.#fence.assertLeader(action);
    const stored = (await this.#client.get(key).exec()).kvs[0];
    const current = stored === undefined ? undefined : (JSON.parse(stored.value.toString()) as CheckpointPointer);
    if (current !== undefined && current.id >= pointer.id) {
      throw new RangeError(`job ${jobId}: checkpoint pointer ${pointer.id} is not newer than the stored ${current.kind} ${current.id}`);
    }
    // Checked again after the read: the token must be valid at the time of the write.
    const token = this.#fence.assertLeader(action);
    const value = JSON.stringify({ ...pointer, epoch: token.revision } satisfies CheckpointPointer);
    // Compare-and-swap on the pointer too: two writers with the same token cannot interleave.
    await this.fencedWrite(token, action, [this.#client.put(key).value(value)], stored === undefined ? [{ key, modRevision: '0' }] : [{ key, modRevision: stored.mod_revision }]);
  }

  /** Appends a finished batch region to the job's operation log (idempotent for the same region). */
  async recordFinishedRegion(jobId: string, region: string, result?: unknown): Promise<void> {
    if (!REGION.test(region)) throw new RangeError(`region name ${JSON.stringify(region)} is not usable as an HA store key`);
    await this.#write(`record finished region ${region} of job ${jobId}`, (token) => [
      this.#client.put(this.#key(jobId, 'regions', region)).value(JSON.stringify({ region, result, finishedAt: Date.now(), epoch: token.revision } satisfies FinishedRegion)),
    ]);
  }

  /** Forgets a job (after it reached a terminal status and its output is final). */
  async removeJob(jobId: string): Promise<void> {
    const token = this.#fence.assertLeader(`remove job ${jobId}`);
    const prefix = `${this.#key(jobId)}/`;
    await this.fencedWrite(token, `remove job ${jobId}`, [this.#client.delete().prefix(prefix)]);
  }

  async latestCheckpoint(jobId: string): Promise<CheckpointPointer | undefined> {
    const text = await this.#client.get(this.#key(jobId, 'checkpoint')).string();
    return text === null ? undefined : (JSON.parse(text) as CheckpointPointer);
  }

  async finishedRegions(jobId: string): Promise<FinishedRegion[]> {
    const result = await this.#client.getAll().prefix(this.#key(jobId, 'regions', '')).sort('Create', 'Ascend').exec();
    return result.kvs.map((kv) => JSON.parse(kv.value.toString()) as FinishedRegion);
  }

  async getJob(jobId: string): Promise<StoredJob | undefined> {
    return (await this.#readJobs(this.#key(jobId) + '/')).get(jobId);
  }

  /** Every job in the store, as a new leader reads them before it resumes the RUNNING ones. */
  async jobs(): Promise<StoredJob[]> {
    return [...(await this.#readJobs(`${this.#ns}jobs/`)).values()];
  }

  async #readJobs(prefix: string): Promise<Map<string, StoredJob>> {
    const result = await this.#client.getAll().prefix(prefix).sort('Create', 'Ascend').exec();
    const parts = new Map<string, { submission?: JobSubmission; status?: JobStatus; checkpoint?: CheckpointPointer; regions: FinishedRegion[] }>();
    const base = `${this.#ns}jobs/`;
    for (const kv of result.kvs) {
      const [jobId, kind] = kv.key.toString().slice(base.length).split('/');
      if (jobId === undefined || kind === undefined) continue;
      let job = parts.get(jobId);
      if (job === undefined) parts.set(jobId, (job = { regions: [] }));
      const value = kv.value.toString();
      if (kind === 'submission') job.submission = JSON.parse(value) as JobSubmission;
      else if (kind === 'status') job.status = (JSON.parse(value) as { status: JobStatus }).status;
      else if (kind === 'checkpoint') job.checkpoint = JSON.parse(value) as CheckpointPointer;
      else if (kind === 'regions') job.regions.push(JSON.parse(value) as FinishedRegion);
    }
    const jobs = new Map<string, StoredJob>();
    for (const [jobId, p] of parts) {
      if (p.submission === undefined) continue; // a job being removed
      jobs.set(jobId, { submission: p.submission, status: p.status ?? 'RUNNING', ...(p.checkpoint === undefined ? {} : { checkpoint: p.checkpoint }), finishedRegions: p.regions });
    }
    return jobs;
  }

  async #write(action: string, ops: (token: FencingToken) => (IOperation | IRequestOp)[]): Promise<void> {
    const token = this.#fence.assertLeader(action);
    await this.fencedWrite(token, action, ops(token));
  }

  /**
   * One etcd transaction: `ops` commit only if `token`'s election key still exists with its
   * create revision (and every `expect`ed key still has its mod revision). Public so tests can
   * write with a stale token on purpose and see etcd refuse it.
   */
  async fencedWrite(token: FencingToken, action: string, ops: (IOperation | IRequestOp)[], expect: readonly { key: string; modRevision: string }[] = []): Promise<void> {
    let txn = this.#client.if(token.leaderKey, 'Create', '==', token.revision);
    for (const e of expect) txn = txn.and(e.key, 'Mod', '==', e.modRevision);
    const result = await txn.then(...ops).else(this.#client.get(token.leaderKey)).commit();
    if (result.succeeded) return;
    const leaderKeyGone = (result.responses[0]?.response_range?.kvs.length ?? 0) === 0;
    if (leaderKeyGone) {
      const reason = `etcd refused to ${action}: the leader key of epoch ${token.revision} is gone (lease expired or revoked)`;
      this.#fence.onFenced(reason);
      throw new NotLeaderError(reason);
    }
    throw new NotLeaderError(`etcd refused to ${action}: the stored value changed meanwhile (another writer of epoch ${token.revision})`);
  }
}

function statusValue(status: JobStatus, token: FencingToken): string {
  return JSON.stringify({ status, epoch: token.revision, at: Date.now() });
}
