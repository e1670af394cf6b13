// HA for the cluster processes: a `weir jobmanager --ha etcd` that leads or stands by, TaskManagers and clients that follow the leader.
//
// The JobManager listens at once (its address is what it campaigns with) but admits nobody
// while it is a standby: a client's request is answered with the leader's address, a
// TaskManager is disconnected and looks the leader up again. Once elected it reads the job
// store and resumes every RUNNING job from the job's bundle in the shared HA storage directory,
// with `restore latest` when the job checkpoints (the lineage rules pick the point); the
// TaskManagers re-register by themselves and the job waits for their slots (`--slot-timeout`).
// When it loses the lease it must stop at once: the caller's `onLost` ends the process (a
// supervisor restarts it as a standby), which is the strongest way to never act again.

import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { BatchRegionLog, FinishedRegionRecord } from '../batch/scheduler.ts';
import { BlobStore } from '../cluster/blob-store.ts';
import type { JobManagerHa } from '../cluster/job-manager-server.ts';
import type { HostPort } from '../cluster/messages.ts';
import type { HaConfig } from './ha-config.ts';
import { EtcdHaServices, EtcdLeaderRetrieval } from './ha-services.ts';
import { LeaderWatch, type LeaderInfo } from './leader-retrieval.ts';
import type { JobSubmission, StoredJob } from './types.ts';

type EtcdConfig = Extract<HaConfig, { mode: 'etcd' }>;

/** What the resumed job is given: the client's submission as stored, restoring the latest point when it checkpoints. */
export interface StoredClusterSubmission {
  readonly jobArgs: readonly string[];
  readonly defaults: unknown;
  readonly jobFile: string;
}

export interface HaJobManagerHandle {
  /** The hooks `ClusterJobManagerServer` takes as `options.ha`. */
  readonly hooks: JobManagerHa;
  /** Campaigns once the server listens at `control`; resolves when elected and the stored jobs were handed to `resume`. */
  start(control: HostPort, resume: (job: { hash: string; bundle: Uint8Array; jobArgs: readonly string[]; defaults: unknown; jobFile: string }) => Promise<string>, rest?: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The HA side of one `weir jobmanager`. `storageDir` is the shared directory (every JobManager
 * host reaches it) where bundles are kept for a successor; `onLost` is called synchronously
 * when leadership is gone.
 */
export function haJobManager(config: EtcdConfig, options: { storageDir: string; log: (line: string) => void; onLost: (reason: string) => void }): HaJobManagerHandle {
  const blobs = new BlobStore(options.storageDir);
  /** A BATCH job's partitions (one subdirectory per leader epoch) and finished-region records, on the shared storage. */
  const batchDir = (jobId: string): string => join(options.storageDir, 'batch', jobId);
  let services: EtcdHaServices | undefined;
  let watch: LeaderWatch | undefined;
  let leader: LeaderInfo | undefined;
  let myId = '';
  let unsubscribeLost: (() => void) | undefined;

  const hooks: JobManagerHa = {
    admission: () => {
      if (services?.isLeader()) return undefined;
      const where = leader !== undefined && leader.address.id !== myId ? `the leader is ${leader.address.id} at ${leader.address.control}` : 'no leader is elected yet';
      return `this JobManager (${myId}) is a standby; ${where} (give TaskManagers and clients --ha etcd --ha-endpoints ${config.endpoints.join(',')} to follow the leader)`;
    },
    isLeader: () => services?.isLeader() ?? false,
    epoch: () => (services?.isLeader() ? services.election.token?.revision : undefined),
    jobSubmitted: async (job) => {
      if (services === undefined) throw new Error('HA is not started');
      const bytes = await readFile(job.bundlePath);
      const path = blobs.put(job.hash, bytes);
      const submission: JobSubmission = {
        jobId: job.jobId, name: job.jobName, bundle: { hash: job.hash, path }, submittedAt: Date.now(),
        submission: { jobArgs: job.jobArgs, defaults: job.defaults, jobFile: job.jobFile } satisfies StoredClusterSubmission,
      };
      await services.jobStore.putJob(submission, { keepRegions: job.resumed });
      options.log(`job ${job.jobId}: stored in etcd (bundle ${job.hash.slice(0, 12)} in ${options.storageDir})`);
    },
    jobEnded: (jobId, status) => {
      if (services === undefined || !services.isLeader()) return;
      // A terminal job is not resumed: its BATCH partitions and region records can go.
      rmSync(batchDir(jobId), { recursive: true, force: true });
      services.jobStore.setStatus(jobId, status === 'finished' ? 'FINISHED' : status === 'cancelled' ? 'CANCELED' : 'FAILED').catch((e: unknown) => {
        options.log(`job ${jobId}: cannot record its end (${status}) in etcd: ${(e as Error).message}`);
      });
    },
    batchRegionLog: async (jobId, resumed) => {
      if (services === undefined) throw new Error('HA is not started');
      const s = services;
      const epoch = s.election.assertLeader(`open the operation log of job ${jobId}`).revision;
      const dir = batchDir(jobId);
      if (!resumed) await rm(dir, { recursive: true, force: true });
      const finished = new Map<string, FinishedRegionRecord>();
      if (resumed) {
        for (const entry of await s.jobStore.finishedRegions(jobId)) {
          const file = (entry.result as { file?: string } | undefined)?.file;
          if (file === undefined) continue;
          try {
            finished.set(entry.region, deserialize(await readFile(join(dir, 'regions', file))) as FinishedRegionRecord);
          } catch (e) {
            options.log(`job ${jobId}: region ${entry.region} finished under epoch ${entry.epoch} but its record is unreadable (${(e as Error).message}): it runs again`);
          }
        }
        options.log(`job ${jobId}: operation log: ${finished.size} region(s) finished under earlier leaders, not run again`);
      }
      const shuffleDir = join(dir, `epoch-${epoch}`);
      await mkdir(join(dir, 'regions'), { recursive: true });
      await mkdir(shuffleDir, { recursive: true });
      const log: BatchRegionLog = {
        shuffleDir,
        finished,
        record: async (key, record) => {
          // The record on shared storage first (synced), then its name in etcd, fenced.
          const file = `${key}.e${epoch}.bin`;
          const path = join(dir, 'regions', file);
          const handle = await open(`${path}.tmp`, 'w');
          try {
            await handle.writeFile(serialize(record));
            await handle.sync();
          } finally {
            await handle.close();
          }
          await rename(`${path}.tmp`, path);
          await s.jobStore.recordFinishedRegion(jobId, key, { file });
        },
      };
      return log;
    },
    completionGate: {
      check: (jobId, action) => { services!.election.assertLeader(`${action} of job ${jobId}`); },
      commit: (jobId, point) => services!.jobStore.commitCheckpoint(jobId, { ...point, completedAt: Date.now() }),
    },
  };

  return {
    hooks,
    async start(control, resume, rest) {
      myId = `jm-${hostname()}-${process.pid}`;
      services = await EtcdHaServices.connect(config, { id: myId, control: `${control.host}:${control.port}`, ...(rest !== undefined ? { rest } : {}) });
      const s = services;
      watch = await LeaderWatch.start(s.client, s.namespace, (l) => {
        leader = l;
        if (l !== undefined && l.address.id !== myId) options.log(`the leader is ${l.address.id} at ${l.address.control} (epoch ${l.epoch})`);
      });
      unsubscribeLost = s.onLost((reason) => options.onLost(reason));
      options.log(`${myId} campaigning for leadership (etcd ${config.endpoints.join(',')}, cluster ${config.clusterId}, lease ${config.leaseTtlSeconds} s)`);
      const token = await s.awaitLeadership();
      options.log(`${myId} is the leader (epoch ${token.revision})`);
      const jobs = await readJobsPatiently(s, options.log);
      options.log(`the job store holds ${jobs.length} job(s)${jobs.length === 0 ? '' : `: ${jobs.map((j) => `${j.submission.jobId} ${j.status}`).join(', ')}`}`);
      for (const job of jobs) {
        if (job.status !== 'RUNNING') continue;
        await resumeJob(job, resume, options.log);
      }
    },
    async close() {
      // A clean stop resigns; that is not a lost leadership.
      unsubscribeLost?.();
      await watch?.close();
      await services?.close();
    },
  };
}

/** How long one read of the job store may take before it is tried again (a loaded etcd or a stalled connection must not leave a new leader idle). */
const JOB_STORE_READ_TIMEOUT_MS = 5_000;
const JOB_STORE_READ_ATTEMPTS = 6;

/** The new leader's read of the job store, retried on a timeout or an error while it still leads; the last failure throws. */
async function readJobsPatiently(s: EtcdHaServices, log: (line: string) => void): Promise<StoredJob[]> {
  for (let attempt = 1; ; attempt++) {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer from etcd within ${JOB_STORE_READ_TIMEOUT_MS} ms`)), JOB_STORE_READ_TIMEOUT_MS);
      });
      return await Promise.race([s.jobStore.jobs(), timeout]);
    } catch (e) {
      if (attempt >= JOB_STORE_READ_ATTEMPTS || !s.isLeader()) throw new Error(`cannot read the job store after ${attempt} attempt(s): ${(e as Error).message}`);
      log(`reading the job store failed (attempt ${attempt} of ${JOB_STORE_READ_ATTEMPTS}): ${(e as Error).message}; trying again`);
    } finally {
      clearTimeout(timer);
    }
  }
}

async function resumeJob(job: StoredJob, resume: Parameters<HaJobManagerHandle['start']>[1], log: (line: string) => void): Promise<void> {
  const { jobId, bundle } = job.submission;
  const stored = job.submission.submission as StoredClusterSubmission;
  let bytes: Buffer;
  try {
    bytes = await readFile(bundle.path);
  } catch (e) {
    log(`job ${jobId}: cannot resume, its bundle ${bundle.path} is unreadable: ${(e as Error).message} (is the HA storage directory shared?)`);
    return;
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== bundle.hash) {
    log(`job ${jobId}: cannot resume, its bundle ${bundle.path} has sha256 ${actual}, expected ${bundle.hash}`);
    return;
  }
  const defaults = withRestoreLatest(stored.defaults);
  const from = job.checkpoint === undefined ? 'no completed checkpoint in etcd: from the start' : `latest point (etcd: ${job.checkpoint.kind} ${job.checkpoint.id})`;
  log(`job ${jobId}: resuming from the job store, ${from}`);
  try {
    await resume({ hash: bundle.hash, bundle: bytes, jobArgs: stored.jobArgs, defaults, jobFile: stored.jobFile });
  } catch (e) {
    log(`job ${jobId}: resuming failed: ${(e as Error).message}`);
  }
}

/** A resumed job restores the latest point of its lineage when it checkpoints; without checkpoints it runs again from the start. */
function withRestoreLatest(defaults: unknown): unknown {
  const d = (defaults ?? {}) as { checkpoint?: { dir?: string }; restorePath?: string };
  if (d.checkpoint?.dir === undefined) return d;
  return { ...d, restorePath: 'latest' };
}

/** A TaskManager's and a client's way to the leader: its control address from etcd, waiting up to `timeoutMs` while nobody leads. */
export function leaderResolver(config: EtcdConfig, timeoutMs: number): { resolve: () => Promise<HostPort>; watch: (onChange: (leader: HostPort | undefined, epoch: string | undefined) => void) => Promise<() => Promise<void>>; close: () => Promise<void> } {
  const connecting = EtcdLeaderRetrieval.connect(config);
  const parse = (control: string): HostPort => {
    const i = control.lastIndexOf(':');
    return { host: control.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(control.slice(i + 1)) };
  };
  return {
    resolve: async () => parse((await (await connecting).current(timeoutMs)).address.control),
    watch: async (onChange) => (await connecting).watch((l) => onChange(l === undefined ? undefined : parse(l.address.control), l?.epoch)),
    close: async () => (await connecting).close(),
  };
}
